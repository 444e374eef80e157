"""Snakemake adapter: assemble the reproduction table and report (eisrecipe.reproduction.assemble)."""

import logging

import pandas as pd

from eisrecipe.reproduction import assemble, write_report
from eisrecipe.serialize import FLOAT_FORMAT

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    long = pd.concat([pd.read_csv(p) for p in snakemake.input.series], ignore_index=True)
    checks = pd.read_csv(snakemake.input.checks)
    long.to_csv(snakemake.output.long, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    table = assemble(long)
    meta = f"size: {snakemake.params.size}; {long['series'].nunique()} series (rules/reproduce.smk, README.md)"
    write_report(table, long, snakemake.output.csv, snakemake.output.html, meta, checks)
    logging.info("%d rows, %d agree", len(table), int((table["agrees"] == "yes").sum()))
except Exception:
    logging.exception("assembling the reproduction failed")
    raise
