"""Snakemake adapter: write one simulated reference dataset (eisrecipe.network.scenarios.write_dataset_from_config)."""

import logging

from eisrecipe.network.scenarios import write_dataset_from_config

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    sheet = write_dataset_from_config(snakemake.params.block, snakemake.output[0])
    logging.info("wrote %s", sheet)
except Exception:
    logging.exception("simulation of dataset %s failed", snakemake.wildcards.name)
    raise
