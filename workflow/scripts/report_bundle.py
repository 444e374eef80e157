"""Snakemake adapter of rule report_bundle: eisrecipe.stages.summary.write_report_bundle."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

import logging
from pathlib import Path

from eisrecipe.stages.summary import write_report_bundle

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    cells = [Path(v).parent.name for v in snakemake.input.reports]
    names = write_report_bundle(Path(snakemake.input.html).parent, cells, snakemake.output.bundle)
    logging.info("report bundle: %d file(s) copied to %s", len(names), snakemake.output.bundle)
except Exception:
    logging.exception("report bundle failed")
    raise
