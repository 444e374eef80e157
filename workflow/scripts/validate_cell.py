"""Snakemake adapter: validate one cell (eisrecipe.stages.validate.validate_cell)."""

import logging

import pandas as pd

from eisrecipe.stages.validate import settings_for_cell, validate_cell

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    rows = pd.DataFrame(snakemake.params.rows)
    settings = settings_for_cell({"kk": snakemake.params.kk, "crop": snakemake.params.crop}, snakemake.wildcards.cell)
    result = validate_cell(rows, settings)
    result.write(snakemake.output.spectra, snakemake.output.validation)
except Exception:
    logging.exception("validation of cell %s failed", snakemake.wildcards.cell)
    raise
