"""Snakemake adapter: HTML report of one cell (eisrecipe.report.html.write_cell_report)."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

import logging
from pathlib import Path

from eisrecipe.report import load_cell
from eisrecipe.report.html import write_cell_report
from eisrecipe.stages.jobs import stage_job

with stage_job(Path(snakemake.output.html).parent, "report", snakemake.wildcards.cell, snakemake.log[0]):
    cell = load_cell(dict(snakemake.input.items()), cell=snakemake.wildcards.cell)
    write_cell_report(
        snakemake.output.html,
        cell,
        figures_dir=snakemake.output.figures,
        config=snakemake.params.config,
        dataset=snakemake.params.dataset,
    )
    logging.info(
        "report of cell %s written to %s, figures to %s", cell.cell, snakemake.output.html, snakemake.output.figures
    )
