"""Snakemake adapter of rule fit_cell: eisrecipe.stages.fit.run_fit_stage."""

import logging

from eisrecipe.stages.fit import run_fit_stage

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    run_fit_stage(
        snakemake.wildcards.cell,
        dict(snakemake.input.items()),
        dict(snakemake.output.items()),
        snakemake.params.fit,
        snakemake.params.temperature,
    )
except Exception:
    logging.exception("fit stage of cell %s failed", snakemake.wildcards.cell)
    raise
