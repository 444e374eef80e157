"""Cross-cell figures of the dataset summary: R_Int against pressure for every cell, and the activation energies
of every cell (from the summary table, the values Step 7 chose)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from eisrecipe.recipe.elements import ELEMENT_ORDER
from eisrecipe.report.data import CellData
from eisrecipe.report.figures import STYLE, WIDTH_IN, Plot, plain_log_axis
from eisrecipe.report.workbook import r_int_by_spectrum

__all__ = ["dataset_plots", "ea_plot", "r_int_plot"]

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def r_int_plot(cells: Sequence[CellData]) -> Plot | None:
    """R_Int (sum of the interface elements of the Step 4 series fit) against pressure, one line per cell with a
    pressure series; None when no cell has one (or there is no cell: a run that failed before any cell's fits, whose
    summary the workflow's error handler still writes)."""
    frames = [r_int_by_spectrum(c) for c in sorted(cells, key=lambda c: c.cell)]
    if not frames:
        return None
    data = pd.concat(frames, ignore_index=True)
    data = data[np.isfinite(data["pressure_mpa"].astype(float)) & (data["r_int_ohm_cm2"].astype(float) > 0)]
    if data.empty:
        return None
    with mpl.rc_context(STYLE):
        fig = _figure(4.0)
        ax = fig.add_subplot()
        colors = mpl.colormaps["tab10"]
        for k, (cell, g) in enumerate(data.groupby("cell", sort=True)):
            ax.errorbar(
                g["pressure_mpa"].astype(float),
                g["r_int_ohm_cm2"].astype(float),
                yerr=g["r_int_stderr_ohm_cm2"].astype(float),
                fmt=_MARKERS[k % len(_MARKERS)] + "-",
                ms=4,
                capsize=2,
                color=colors(k % 10),
                label=str(cell),
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain_log_axis(ax.xaxis)
        plain_log_axis(ax.yaxis)
        ax.set_xlabel("pressure / MPa")
        ax.set_ylabel("R_Int / Ω cm²")
        ax.set_title("interface resistance against pressure, every cell")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    caption = (
        "R_Int, the sum of the interface elements of each cell's Step 4 series fit, against stack pressure "
        "(error bars: standard errors in quadrature, covariances left out). Pressures without an interface "
        "element are not drawn."
    )
    return Plot("r_int_pressure", fig, data.reset_index(drop=True), caption)


def ea_plot(summary: pd.DataFrame) -> Plot | None:
    """Activation energy of every element of every cell (the summary's ``ea_<element>_ev`` columns, ± one standard
    error); None when no cell has one."""
    rows = []
    for rec in summary.to_dict(orient="records") if not summary.empty else []:
        for el in ELEMENT_ORDER:
            v = rec.get(f"ea_{el}_ev")
            if v is not None and np.isfinite(float(v)):
                err = rec.get(f"ea_{el}_stderr_ev")
                rows.append({"cell": rec["cell"], "element": el, "ea_ev": float(v), "ea_stderr_ev": err})
    if not rows:
        return None
    data = pd.DataFrame(rows)
    cells = sorted(data["cell"].unique())
    elements = [el for el in ELEMENT_ORDER if el in set(data["element"])]
    with mpl.rc_context(STYLE):
        fig = _figure(max(2.4, 0.9 + 0.45 * len(cells)))
        ax = fig.add_subplot()
        colors = mpl.colormaps["tab10"]
        width = 0.8 / len(elements)
        for k, el in enumerate(elements):
            g = data[data["element"] == el]
            y = np.array([cells.index(c) for c in g["cell"]]) + (k - (len(elements) - 1) / 2) * width
            ax.errorbar(
                g["ea_ev"],
                y,
                xerr=g["ea_stderr_ev"].astype(float),
                fmt=_MARKERS[k % len(_MARKERS)],
                ms=5,
                capsize=2,
                color=colors(k % 10),
                label=el,
            )
        ax.set_yticks(range(len(cells)), cells)
        ax.set_ylim(len(cells) - 0.5, -0.5)
        ax.set_xlabel("Ea / eV")
        ax.set_title("activation energies per cell (Step 7)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    caption = (
        "Activation energy of each element per cell, ± one standard error: the value of the cell's verdict (the "
        "joint Arrhenius fit where Step 7 prefers it), as in the table above."
    )
    return Plot("ea_cells", fig, data, caption)


def dataset_plots(cells: Sequence[CellData], summary: pd.DataFrame) -> list[Plot]:
    """The summary's cross-cell plots (empty ones left out)."""
    return [p for p in (r_int_plot(cells), ea_plot(summary)) if p is not None]
