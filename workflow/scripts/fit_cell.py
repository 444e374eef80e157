"""Snakemake adapter: fit stage of one cell - pressure series (eisrecipe.stages.fit) and temperature series
(eisrecipe.recipe.temperature) into one fits.csv and steps36.json."""

import json
import logging
from pathlib import Path

import pandas as pd

from eisrecipe.recipe.temperature import TemperatureSettings, run_cell_temperature_fits
from eisrecipe.serialize import FLOAT_FORMAT, json_safe
from eisrecipe.stages.fit import FitStageSettings, run_cell_fits
from eisrecipe.stages.validate import load_validated

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    cell = snakemake.wildcards.cell
    spectra = load_validated(snakemake.input.spectra, snakemake.input.validation)
    tracks = pd.read_csv(snakemake.input.tracks)
    peaks = pd.read_csv(snakemake.input.peaks)
    steps12 = json.loads(Path(snakemake.input.steps12).read_text())["steps_1_2"]
    pressure = run_cell_fits(cell, spectra, tracks, steps12, FitStageSettings.from_config(snakemake.params.fit))
    temperature = run_cell_temperature_fits(
        cell,
        spectra,
        peaks,
        pressure.table,
        TemperatureSettings.from_config(snakemake.params.temperature, snakemake.params.fit),
    )
    parts = [f for f in (pressure.table, temperature.table) if not f.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pressure.table
    table.to_csv(snakemake.output.fits, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    findings = {**pressure.findings, "temperature": temperature.findings}
    Path(snakemake.output.steps).write_text(json.dumps(json_safe(findings), indent=2, allow_nan=False) + "\n")
except Exception:
    logging.exception("fit stage of cell %s failed", snakemake.wildcards.cell)
    raise
