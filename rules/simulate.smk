# Simulated reference spectra (issue 6): every block of the `simulate:` config section becomes a dataset folder
# data/simulated/<name>/ in the on-disk form of lab data - instrument-like text files <cell>/<spectrum>.txt and
# samples.tsv - plus ground_truth.json (inputs, exact DRT, R_dc, R_bulk, R_GB, R_CT, R_Cstr ... where defined, and
# the config block) and README.md (eisrecipe.network.scenarios.write_dataset_from_config).
#
# Two commands: build the simulations, then analyse one unchanged, exactly like lab data:
#   snakemake --cores 2 simulate
#   snakemake --cores 2 --config dataset=data/simulated/sim_demo
# Running only the second also works: while the dataset is missing (or was written from another config block) that
# run has no cells and builds the simulation instead (rules/common.smk); the next run analyses it.
#
# Why not a checkpoint: every stage reads the sample sheet at parse time (CELLS, per-cell params, wildcard
# constraints, rules that expand over all cells). A checkpoint would turn all of these into input functions
# re-evaluated after the simulation, in every rule file, only to save one command - and the analysis of simulated
# data would no longer be literally the analysis of lab data. Building first keeps the analysis unchanged.
#
# Why one job per dataset with a directory() output: the dataset is one unit (the noise of spectrum k is seeded from
# (noise_seed, k) over the whole sorted dataset; samples.tsv and ground_truth.json cover every cell); Snakemake
# clears the folder before a rebuild, so no spectra of a renamed cell survive; and the analysis DAG never contains the
# simulation (its samples.tsv is a file inside the folder, not a rule output), so a config edit cannot re-simulate
# the data under a running analysis. The params carry the whole block: editing it re-triggers the job. The files
# are byte-reproducible (same block -> identical files).
import re

from eisrecipe.errors import InputError
from eisrecipe.network.scenarios import scenarios_from_config


SIMULATIONS = config.get("simulate", {})

# every block is expanded and checked at parse time (keys, values, nominal pressures); nothing is simulated here
for _name, _block in SIMULATIONS.items():
    try:
        scenarios_from_config(_block)
    except InputError as exc:
        raise InputError(f"config 'simulate: {_name}': {exc}") from None


rule simulate_dataset:
    output:
        directory(f"{SIMULATED_ROOT}/{{name}}"),
    params:
        block=get_simulation_block,
        code=code_version("eisrecipe.network.scenarios"),
    wildcard_constraints:
        name="|".join(map(re.escape, SIMULATIONS)),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        "logs/simulate_dataset/{name}.log",
    benchmark:
        "benchmarks/simulate_dataset/{name}.tsv"
    script:
        "../workflow/scripts/simulate_dataset.py"


rule simulate:
    input:
        expand(f"{SIMULATED_ROOT}/{{name}}", name=SIMULATIONS),
