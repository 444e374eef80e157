"""Snakemake adapter: simulate and analyse one reproduction series (eisrecipe.reproduction.run_series)."""

import logging

from eisrecipe.reproduction import SeriesSpec, run_series
from eisrecipe.serialize import FLOAT_FORMAT

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    frame = run_series(SeriesSpec.from_dict(snakemake.params.spec))
    frame.to_csv(snakemake.output[0], index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    logging.info("series %s: %d rows", snakemake.wildcards.series, len(frame))
except Exception:
    logging.exception("reproduction series %s failed", snakemake.wildcards.series)
    raise
