"""Snakemake adapter: summary.csv and summary.html over every cell (eisrecipe.report.html.summary_table)."""

import logging
import os
from pathlib import Path

from eisrecipe.report import load_cell
from eisrecipe.report.html import summary_table, write_summary

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    here = Path(snakemake.output.html).parent
    cells = [load_cell(Path(v).parent) for v in snakemake.input.verdicts]
    reports = {Path(r).parent.name: Path(os.path.relpath(r, here)).as_posix() for r in snakemake.input.reports}
    table = summary_table(cells, reports)
    write_summary(snakemake.output.csv, snakemake.output.html, table, dataset=snakemake.params.dataset)
    logging.info("summary of %d cell(s) written", len(table))
except Exception:
    logging.exception("summary failed")
    raise
