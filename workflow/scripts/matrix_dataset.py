"""Snakemake adapter: write the known-answer validation matrix as a dataset (eisrecipe.matrix.dataset.write_matrix)."""

import logging

from eisrecipe.matrix.dataset import write_matrix

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    sheet = write_matrix(snakemake.params.block, snakemake.output[0])
    logging.info("wrote %s", sheet)
except Exception:
    logging.exception("matrix dataset failed")
    raise
