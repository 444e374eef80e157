# Helpers only: sample-sheet loading, input functions, wildcard constraints.
import re
import time
from pathlib import Path

import pandas as pd
from snakemake.logging import logger
from snakemake.utils import validate

from eisrecipe import __version__
from eisrecipe.codegraph import code_digest
from eisrecipe.io.samplesheet import DATASET_OUTPUTS, load_sample_sheet, sample_schema
from eisrecipe.stages.jobs import STAGE_OUTPUTS as JOB_OUTPUTS


RUN_STARTED = time.time()
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
    samples = load_sample_sheet(DATASET_DIR, allow_outside=config["allow_outside_dataset"])
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


def code_version(*modules):
    """The package version and a digest of the code a rule's script runs (the modules and all they import): a param
    of every analysis rule, so that editing that code reruns the rule and editing other code does not."""
    return f"{__version__}+{code_digest(*modules)[:16]}"


#: the config sections that shape a cell's analysis (what its report records as provenance)
ANALYSIS_SECTIONS = (
    "dataset",
    "kk",
    "crop",
    "drt",
    "peaks",
    "tracking",
    "steps12",
    "fit",
    "temperature",
    "verdict",
    "confidence",
)


def report_config():
    """The analysis sections of the config, for the report's provenance; the simulation and reproduction sections
    are left out, so editing them does not rerun the reports."""
    out = {key: config[key] for key in ANALYSIS_SECTIONS if key in config}
    if CONFIG_SOURCES:  # which file (dataset config.yaml, --configfile, --config) set which key (Snakefile)
        out["set by"] = CONFIG_SOURCES
    return out


def get_confidence_config(wildcards):
    """The config sections the replica analysis re-runs with (eisrecipe.stages.confidence)."""
    keys = ("confidence", "drt", "peaks", "tracking", "steps12", "fit", "verdict")
    return {key: config.get(key, {}) for key in keys}


def get_analysis_config(wildcards):
    """The analysis sections of the config (DRT, peaks, tracking, Steps 1-2) for a stage script."""
    return {key: config.get(key, {}) for key in ("drt", "peaks", "tracking", "steps12")}


def get_simulation_block(wildcards):
    """The `simulate:` config block of one simulated dataset (SIMULATIONS: rules/simulate.smk)."""
    return SIMULATIONS[wildcards.name]


def get_reproduce_spec(wildcards):
    """The plan of one reproduction series, JSON-able (REPRO_PLAN: rules/reproduce.smk)."""
    return REPRO_PLAN[wildcards.series].to_dict()


#: every per-cell file of the analysis stages but the report (eisrecipe.stages.jobs: one list for rules and jobs)
def get_matrix_score_inputs(wildcards):
    """Every per-cell output the matrix scoring reads (eisrecipe.matrix.dataset.score_inputs; rules/matrix.smk)."""
    return matrix_score_inputs(DATASET_DIR, RESULTS, CELLS)


STAGE_OUTPUTS = [name for stage, names in JOB_OUTPUTS.items() if stage != "report" for name in names]


def get_final_output():
    """Everything `rule all` asks for."""
    if PENDING_SIMULATION:
        return [f"{SIMULATED_ROOT}/{PENDING_SIMULATION}"]  # simulate now, analyse in the next run
    cells = expand(f"{RESULTS}/{{cell}}/{{name}}", cell=CELLS, name=[*STAGE_OUTPUTS, "report.html"])
    return cells + [f"{RESULTS}/{name}" for name in DATASET_OUTPUTS]  # no cell takes these names (the sheet reader)
