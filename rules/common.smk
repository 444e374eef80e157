# Helpers only: sample-sheet loading, input functions, wildcard constraints.
import re
from pathlib import Path

import pandas as pd
from snakemake.logging import logger
from snakemake.utils import validate

from eisrecipe.io.samplesheet import load_sample_sheet, sample_schema


DATASET_DIR = Path(config["dataset"])
DATASET = DATASET_DIR.name
RESULTS = f"results/{DATASET}"

# Simulated reference datasets (rules/simulate.smk) are written to data/simulated/<name>/. A `dataset` pointing at a
# configured one that is missing or was written from another `simulate` block is built by this run instead of
# analysed (no cells, the default target is the simulation); the next run analyses it like lab data. Why this and
# not a checkpoint is explained in rules/simulate.smk.
SIMULATED_ROOT = "data/simulated"
PENDING_SIMULATION = None
if DATASET_DIR.resolve().parent == Path(SIMULATED_ROOT).resolve() and DATASET in config.get("simulate", {}):
    from eisrecipe.network.scenarios import dataset_is_current

    if not dataset_is_current(config["simulate"][DATASET], DATASET_DIR):
        PENDING_SIMULATION = DATASET
        logger.warning(
            f"{DATASET_DIR} is missing or was written from another 'simulate: {DATASET}' config block: this run "
            "simulates it (add --forcerun simulate_dataset if Snakemake finds nothing to do); run snakemake again "
            "to analyse it"
        )

if PENDING_SIMULATION:
    samples = pd.DataFrame(columns=[*sample_schema()["properties"], "sheet_line", "path"])
else:
    samples = load_sample_sheet(DATASET_DIR)
    validate(samples, "../workflow/schemas/samples.schema.yaml")
CELLS = sorted(set(samples["cell"]))


wildcard_constraints:
    cell="|".join(re.escape(cell) for cell in CELLS),


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
    "arrhenius.csv",
    "verdict.json",
]


def get_final_output():
    """Everything `rule all` asks for."""
    if PENDING_SIMULATION:
        return [f"{SIMULATED_ROOT}/{PENDING_SIMULATION}"]  # simulate now, analyse in the next run
    return expand(f"{RESULTS}/{{cell}}/{{name}}", cell=CELLS, name=[*STAGE_OUTPUTS, "report.html"]) + [
        f"{RESULTS}/summary.csv",
        f"{RESULTS}/summary.html",
    ]
