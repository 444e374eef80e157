"""Snakemake adapter: score the pipeline's verdicts on a matrix dataset (eisrecipe.matrix.score.score_dataset)."""

import logging
from pathlib import Path

from eisrecipe.matrix.score import score_dataset

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(levelname)s %(message)s", force=True)
try:
    out = snakemake.output
    score_dataset(
        snakemake.params.dataset,
        Path(snakemake.input[0]).parents[1],  # results/<dataset>/<cell>/verdict.json
        snakemake.params.cells,
        score_csv=out.score,
        errors_csv=out.errors,
        acceptance_csv=out.acceptance,
        confusion_csv=out.confusion,
        html=out.html,
    )
except Exception:
    logging.exception("matrix scoring failed")
    raise
