"""Snakemake adapter of rule fit_cell: eisrecipe.stages.fit.run_fit_stage."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

from pathlib import Path

from eisrecipe.stages.fit import run_fit_stage
from eisrecipe.stages.jobs import stage_job

with stage_job(Path(snakemake.output.steps).parent, "fit", snakemake.wildcards.cell, snakemake.log[0]):
    run_fit_stage(
        snakemake.wildcards.cell,
        dict(snakemake.input.items()),
        dict(snakemake.output.items()),
        snakemake.params.fit,
        snakemake.params.temperature,
    )
