"""Snakemake adapter: DRT stage of one cell (eisrecipe.stages.drt.run_cell_drt)."""

import logging

from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.validate import load_validated

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    spectra = load_validated(snakemake.input.spectra, snakemake.input.validation)
    settings = DrtStageSettings.from_config(snakemake.params.analysis, snakemake.wildcards.cell)
    result = run_cell_drt(snakemake.wildcards.cell, spectra, settings)
    out = snakemake.output
    result.write(out.drt, out.fit, out.peaks, out.tracks, out.steps)
except Exception:
    logging.exception("DRT stage of cell %s failed", snakemake.wildcards.cell)
    raise
