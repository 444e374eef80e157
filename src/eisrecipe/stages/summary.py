"""The dataset summary (rule ``summary``, and the ``onerror`` handler of a run that failed): one row per cell,
finished cells with their verdict, failed or unfinished ones with the stage and the reason
(:func:`eisrecipe.stages.jobs.failed_cells`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from eisrecipe.report import load_cell
from eisrecipe.report.dataset_figures import dataset_plots
from eisrecipe.report.html import embed_png, summary_table, write_figures, write_summary
from eisrecipe.report.workbook import write_parameters_workbook
from eisrecipe.stages.jobs import FAILED_FILE, STAGE_OUTPUTS, failed_cells

__all__ = ["BUNDLE_FILES", "write_dataset_summary", "write_report_bundle"]

#: the dataset-level files that go into the report bundle beside ``summary.html`` (the cells' reports follow)
BUNDLE_FILES = ("summary.html", "summary.csv", "parameters.xlsx")


def write_dataset_summary(
    results_dir: str | Path,
    cells: Sequence[str],
    csv_path: str | Path,
    html_path: str | Path,
    dataset: str,
    xlsx_path: str | Path | None = None,
    figures_dir: str | Path | None = None,
) -> tuple[list[str], list[str]]:
    """Write ``summary.csv`` and ``summary.html`` over ``cells``, with ``xlsx_path`` the parameter workbook
    (:mod:`eisrecipe.report.workbook`) and with ``figures_dir`` the cross-cell figures as SVG, PNG and CSV
    (:mod:`eisrecipe.report.dataset_figures`; they are in ``summary.html`` either way).

    A cell is finished when it has a report and no failure record; the others are listed with the failed stage
    and its error, or as not run (an interrupted run without ``--keep-going``). The workbook and the figures hold
    the finished cells.

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
    loaded = [load_cell(results / c) for c in finished]
    table = summary_table(loaded, reports, unfinished)
    plots = dataset_plots(loaded, table[table["cell"].isin(finished)] if not table.empty else table)
    pngs = {p.name: embed_png(p) for p in plots}
    files = []
    if xlsx_path is not None:
        write_parameters_workbook(xlsx_path, loaded, dataset)
        files.append(Path(os.path.relpath(xlsx_path, here)).as_posix())
    if figures_dir is not None:
        write_figures(plots, figures_dir, pngs)
    write_summary(csv_path, html_path, table, dataset=dataset, plots=plots, files=files, pngs=pngs)
    return finished, sorted(unfinished)


def write_report_bundle(results_dir: str | Path, cells: Sequence[str], bundle_dir: str | Path) -> list[str]:
    """Copy ``summary.html`` with what it links (``summary.csv``, ``parameters.xlsx``, ``summary_figures/``, each
    cell's ``report.html``, a failed cell's ``FAILED.json``) into ``bundle_dir``, keeping the relative paths, so the
    summary's links work wherever the folder goes (``snakemake --report`` zips it with ``htmlindex=summary.html``).

    Returns
    -------
    list of str
        The copied files, relative to ``bundle_dir``.
    """
    results, bundle = Path(results_dir), Path(bundle_dir)
    names = [n for n in BUNDLE_FILES if (results / n).is_file()]
    figures = results / "summary_figures"
    if figures.is_dir():
        names += sorted(f"summary_figures/{p.name}" for p in figures.iterdir() if p.is_file())
    for cell in cells:
        names += [f"{cell}/{n}" for n in (STAGE_OUTPUTS["report"][0], FAILED_FILE) if (results / cell / n).is_file()]
    for name in names:
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(results / name, bundle / name)
    return names
