"""Snakemake adapter of rule verdict_cell: eisrecipe.stages.verdict.run_verdict_stage."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

from pathlib import Path

from eisrecipe.stages.jobs import stage_job
from eisrecipe.stages.verdict import run_verdict_stage

with stage_job(Path(snakemake.output.verdict).parent, "verdict", snakemake.wildcards.cell, snakemake.log[0]):
    run_verdict_stage(
        snakemake.wildcards.cell,
        dict(snakemake.input.items()),
        dict(snakemake.output.items()),
        snakemake.params.verdict,
        snakemake.params.rows,
    )
