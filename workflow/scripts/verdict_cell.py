"""Snakemake adapter of rule verdict_cell: eisrecipe.stages.verdict.run_verdict_stage."""

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
