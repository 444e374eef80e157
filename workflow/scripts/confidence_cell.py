"""Snakemake adapter of rule confidence_cell: eisrecipe.stages.confidence.run_confidence_stage."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

from pathlib import Path

from eisrecipe.stages.confidence import run_confidence_stage
from eisrecipe.stages.jobs import stage_job

with stage_job(Path(snakemake.output[0]).parent, "confidence", snakemake.wildcards.cell, snakemake.log[0]):
    run_confidence_stage(
        snakemake.wildcards.cell,
        dict(snakemake.input.items()),
        snakemake.output[0],
        snakemake.params.config,
        snakemake.params.rows,
    )
