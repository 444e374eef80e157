"""Snakemake adapter of rule summary: eisrecipe.stages.summary.write_dataset_summary."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

import logging
from pathlib import Path

from eisrecipe.stages.summary import write_dataset_summary

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    cells = [Path(v).parent.name for v in snakemake.input.verdicts]
    results = Path(snakemake.output.csv).parent
    finished, _ = write_dataset_summary(
        results,
        cells,
        snakemake.output.csv,
        snakemake.output.html,
        snakemake.params.dataset,
        xlsx_path=snakemake.output.xlsx,
        figures_dir=snakemake.output.figures,
    )
    logging.info("summary of %d cell(s) written", len(finished))
except Exception:
    logging.exception("summary failed")
    raise
