"""Snakemake adapter of rule verdict_cell: eisrecipe.stages.verdict.run_verdict_stage."""

import logging

from eisrecipe.stages.verdict import run_verdict_stage

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    run_verdict_stage(
        snakemake.wildcards.cell,
        dict(snakemake.input.items()),
        dict(snakemake.output.items()),
        snakemake.params.verdict,
        snakemake.params.rows,
    )
except Exception:
    logging.exception("verdict stage of cell %s failed", snakemake.wildcards.cell)
    raise
