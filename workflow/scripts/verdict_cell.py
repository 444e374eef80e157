"""Snakemake adapter: Arrhenius table and verdict of one cell (eisrecipe.stages.verdict.run_cell_verdict)."""

import json
import logging
from pathlib import Path

import pandas as pd

from eisrecipe.recipe.verdict import VerdictSettings
from eisrecipe.stages.verdict import interface_from_rows, run_cell_verdict

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:

    def read(path):
        return json.loads(Path(path).read_text())

    result = run_cell_verdict(
        snakemake.wildcards.cell,
        read(snakemake.input.validation),
        read(snakemake.input.steps12),
        read(snakemake.input.steps36),
        pd.read_csv(snakemake.input.fits),
        VerdictSettings.from_config(snakemake.params.verdict),
        interface=interface_from_rows(snakemake.params.rows),
        thickness_cm={str(r["spectrum"]): r.get("thickness_cm") for r in snakemake.params.rows},
    )
    result.write(snakemake.output.arrhenius, snakemake.output.verdict)
except Exception:
    logging.exception("verdict stage of cell %s failed", snakemake.wildcards.cell)
    raise
