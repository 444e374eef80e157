"""Snakemake adapter: fit stage of one cell (eisrecipe.fit_stage.run_cell_fits)."""

import json
import logging
from pathlib import Path

import pandas as pd

from eisrecipe.fit_stage import FitStageSettings, run_cell_fits
from eisrecipe.validation import load_validated

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    spectra = load_validated(snakemake.input.spectra, snakemake.input.validation)
    tracks = pd.read_csv(snakemake.input.tracks)
    steps12 = json.loads(Path(snakemake.input.steps12).read_text())["steps_1_2"]
    result = run_cell_fits(
        snakemake.wildcards.cell, spectra, tracks, steps12, FitStageSettings.from_config(snakemake.params.fit)
    )
    result.write(snakemake.output.fits, snakemake.output.steps)
except Exception:
    logging.exception("fit stage of cell %s failed", snakemake.wildcards.cell)
    raise
