# Helpers only: sample-sheet loading, input functions, wildcard constraints.
from pathlib import Path

from snakemake.utils import validate

from eisrecipe.io.samplesheet import load_sample_sheet


DATASET_DIR = Path(config["dataset"])
DATASET = DATASET_DIR.name
RESULTS = f"results/{DATASET}"

samples = load_sample_sheet(DATASET_DIR)
validate(samples, "../workflow/schemas/samples.schema.yaml")
CELLS = sorted(set(samples["cell"]))


wildcard_constraints:
    cell="|".join(CELLS),


def get_cell_files(wildcards):
    """Instrument files of one cell (inputs of its validation job)."""
    return sorted(samples.loc[samples["cell"] == wildcards.cell, "path"])


def get_cell_rows(wildcards):
    """The cell's sample-sheet rows as records (plain Python values, JSON-safe)."""
    rows = samples.loc[samples["cell"] == wildcards.cell].reset_index(drop=True)
    return rows.astype(object).where(rows.notna(), None).to_dict(orient="records")


def get_analysis_config(wildcards):
    """The analysis sections of the config (DRT, peaks, tracking, Steps 1-2) for a stage script."""
    return {key: config.get(key, {}) for key in ("drt", "peaks", "tracking", "steps12")}


STAGE_OUTPUTS = [
    "spectra.csv",
    "validation.json",
    "drt.csv",
    "drt_fit.csv",
    "peaks.csv",
    "tracks.csv",
    "steps12.json",
    "fits.csv",
    "steps36.json",
]


def get_final_output():
    """Everything `rule all` asks for."""
    return expand(f"{RESULTS}/{{cell}}/{{name}}", cell=CELLS, name=STAGE_OUTPUTS)
