"""The dataset summary (rule ``summary``, and the ``onerror`` handler of a run that failed): one row per cell,
finished cells with their verdict, failed or unfinished ones with the stage and the reason
(:func:`eisrecipe.stages.jobs.failed_cells`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from eisrecipe.report import load_cell
from eisrecipe.report.html import summary_table, write_summary
from eisrecipe.stages.jobs import FAILED_FILE, STAGE_OUTPUTS, failed_cells

__all__ = ["write_dataset_summary"]


def write_dataset_summary(
    results_dir: str | Path, cells: Sequence[str], csv_path: str | Path, html_path: str | Path, dataset: str
) -> tuple[list[str], list[str]]:
    """Write ``summary.csv`` and ``summary.html`` over ``cells``.

    A cell is finished when it has a report and no failure record; the others are listed with the failed stage
    and its error, or as not run (an interrupted run without ``--keep-going``).

    Returns
    -------
    finished, unfinished
        Cell names.
    """
    results = Path(results_dir)
    here = Path(html_path).parent
    failed = failed_cells(results, list(cells))
    finished = [c for c in cells if c not in failed and (results / c / STAGE_OUTPUTS["report"][0]).is_file()]
    unfinished = {c: failed.get(c, {"stage": None, "error": "not finished in this run"}) for c in cells}
    unfinished = {c: r for c, r in unfinished.items() if c not in finished}
    for c, record in unfinished.items():
        link = results / c / FAILED_FILE
        record["link"] = Path(os.path.relpath(link, here)).as_posix() if link.is_file() else None
    reports = {c: Path(os.path.relpath(results / c / STAGE_OUTPUTS["report"][0], here)).as_posix() for c in finished}
    table = summary_table([load_cell(results / c) for c in finished], reports, unfinished)
    write_summary(csv_path, html_path, table, dataset=dataset)
    return finished, sorted(unfinished)
