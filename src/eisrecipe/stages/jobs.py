"""What every per-cell job does around its stage: log to the rule's log, and leave no stale result behind a failure.

A stage that fails for a cell writes ``<cell>/FAILED.json`` (stage, error, log file) and removes that cell's
outputs of the later stages, which an earlier run may have left: they were made from inputs that no longer exist,
and a verdict or report still on disk would show an old answer as if it were current. The next success of that
stage removes the record. :func:`failed_cells` reads the records back for the dataset summary of a run with
``--keep-going`` (``onerror`` in the Snakefile).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["FAILED_FILE", "STAGE_OUTPUTS", "failed_cells", "stage_job"]

FAILED_FILE = "FAILED.json"

#: the per-cell files of each stage, in the order the stages run (the rule files declare the same names)
STAGE_OUTPUTS: dict[str, tuple[str, ...]] = {
    "validate": ("spectra.csv", "validation.json"),
    "drt": ("drt.csv", "drt_fit.csv", "peaks.csv", "tracks.csv", "steps12.json"),
    "fit": ("fits.csv", "steps36.json"),
    "confidence": ("confidence.json",),
    "verdict": ("arrhenius.csv", "verdict.json"),
    "report": ("report.html", "figures"),
}


def _record_failure(cell_dir: Path, stage: str, error: BaseException, log_file: str) -> None:
    later = list(STAGE_OUTPUTS)[list(STAGE_OUTPUTS).index(stage) + 1 :]
    removed = []
    for name in (n for s in later for n in STAGE_OUTPUTS[s]):
        path = cell_dir / name
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(name)
        elif path.exists():
            path.unlink()
            removed.append(name)
    cell_dir.mkdir(parents=True, exist_ok=True)
    record = {
        "stage": stage,
        "error": f"{type(error).__name__}: {error}".splitlines()[0],
        "log": log_file,
        "removed_stale_outputs": removed,
    }
    (cell_dir / FAILED_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _clear_failure(cell_dir: Path, stage: str) -> None:
    path = cell_dir / FAILED_FILE
    if path.is_file():
        with contextlib.suppress(ValueError, OSError):
            if json.loads(path.read_text(encoding="utf-8")).get("stage") == stage:
                path.unlink()


@contextlib.contextmanager
def stage_job(cell_dir: str | Path, stage: str, cell: str, log_file: str) -> Iterator[None]:
    """Run one stage of one cell: log to ``log_file``; on an exception log it, record the failure, remove the
    cell's later (now stale) outputs and re-raise; on success clear an earlier failure record of this stage."""
    if stage not in STAGE_OUTPUTS:
        raise ValueError(f"unknown stage {stage!r}; expected one of {list(STAGE_OUTPUTS)}")
    logging.basicConfig(filename=log_file, level=logging.INFO, format="%(levelname)s %(message)s", force=True)
    try:
        yield
    except Exception as exc:
        logging.exception("%s stage of cell %s failed", stage, cell)
        _record_failure(Path(cell_dir), stage, exc, log_file)
        raise
    _clear_failure(Path(cell_dir), stage)


def failed_cells(results_dir: str | Path, cells: list[str]) -> dict[str, dict[str, Any]]:
    """Cell -> its failure record, for the ``cells`` whose folder under ``results_dir`` holds one."""
    out = {}
    for cell in cells:
        path = Path(results_dir) / cell / FAILED_FILE
        if path.is_file():
            out[cell] = json.loads(path.read_text(encoding="utf-8"))
    return out
