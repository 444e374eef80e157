"""Snakemake adapter: the simulations behind the reproduction's "Why ours differs" (difference_checks)."""

import logging

from eisrecipe.reproduction import difference_checks
from eisrecipe.serialize import FLOAT_FORMAT

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    frame = difference_checks()
    frame.to_csv(snakemake.output[0], index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    logging.info("checks: %d rows", len(frame))
except Exception:
    logging.exception("reproduction checks failed")
    raise
