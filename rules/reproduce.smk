# Closed-loop reproduction of the paper's simulated findings (issue 7): our network simulates the paper's series,
# our analysis chain analyses them, and results/reproduction/reproduction.{csv,html} set every published number
# beside ours (eisrecipe.reproduction).
#
#   snakemake --cores 8 reproduce                                  # size from config (reproduce: size)
#   snakemake --cores 8 reproduce --config 'reproduce={size: reduced}'
#
# Job granularity: one job per series - (tau order, morphology) pressure-like series, (tau order, Figure 6
# parameter set) temperature series, the SEI series - so --cores N runs N series at once; one final job assembles.
# Inside a job the analysis (DRT, Steps 3-6 fits, temperature fits, Arrhenius) runs in-process as library calls on
# the simulated Spectrum objects: the series are exact simulations that never need to exist as instrument files,
# and routing them through the sample-sheet pipeline would need a second snakemake invocation per dataset (the
# sheet is read at parse time, rules/simulate.smk) - the library calls are the same code the pipeline runs.
from eisrecipe.reproduction import series_plan


REPRODUCE = config.get("reproduce", {})
REPRO_PLAN = {s.name: s for s in series_plan(REPRODUCE)}
REPRO_ROOT = "results/reproduction"


rule reproduce_series:
    output:
        f"{REPRO_ROOT}/series/{{series}}.csv",
    params:
        spec=get_reproduce_spec,
        code=code_version("eisrecipe.reproduction"),
    wildcard_constraints:
        series="|".join(REPRO_PLAN),
    threads: 1
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        "logs/reproduce/{series}.log",
    benchmark:
        "benchmarks/reproduce/{series}.tsv"
    script:
        "../workflow/scripts/reproduce_series.py"


rule reproduce_checks:
    # cheap simulations behind the report's "Why ours differs" (eisrecipe.reproduction.difference_checks, ~40 s):
    # tau_Cstr span against A range and voxel size, SEI R_Int against its closed form, R_Cstr of finer maps,
    # the exact CT mode of tau_CT < tau_Cstr against the voxel size
    output:
        f"{REPRO_ROOT}/checks.csv",
    params:
        code=code_version("eisrecipe.reproduction.checks"),
    threads: 1
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        "logs/reproduce/checks.log",
    benchmark:
        "benchmarks/reproduce/checks.tsv"
    script:
        "../workflow/scripts/reproduce_checks.py"


rule reproduce_assemble:
    input:
        series=expand(f"{REPRO_ROOT}/series/{{series}}.csv", series=REPRO_PLAN),
        checks=f"{REPRO_ROOT}/checks.csv",
    output:
        csv=f"{REPRO_ROOT}/reproduction.csv",
        html=f"{REPRO_ROOT}/reproduction.html",
        long=f"{REPRO_ROOT}/series_all.csv",
    params:
        size=REPRODUCE.get("size", "full"),
        code=code_version("eisrecipe.reproduction"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        "logs/reproduce/assemble.log",
    script:
        "../workflow/scripts/reproduce_assemble.py"


rule reproduce:
    input:
        rules.reproduce_assemble.output,
