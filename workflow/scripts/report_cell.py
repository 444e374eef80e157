"""Snakemake adapter: HTML report of one cell (eisrecipe.report.html.write_cell_report)."""

import logging

from eisrecipe.report import load_cell
from eisrecipe.report.html import write_cell_report

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    cell = load_cell(dict(snakemake.input.items()), cell=snakemake.wildcards.cell)
    write_cell_report(snakemake.output[0], cell, config=snakemake.params.config, dataset=snakemake.params.dataset)
    logging.info("report of cell %s written to %s", cell.cell, snakemake.output[0])
except Exception:
    logging.exception("report of cell %s failed", snakemake.wildcards.cell)
    raise
