"""The reproduction report: the table as CSV and a self-contained HTML page (inline SVG figures, no dates)
rendered through ``report/templates/reproduction.html.j2``.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from markupsafe import Markup

from eisrecipe.report.templating import template_environment
from eisrecipe.reproduction.longtable import sel
from eisrecipe.reproduction.notes import why_notes
from eisrecipe.reproduction.published import published

__all__ = ["write_report"]


def _figures(long: pd.DataFrame) -> list[tuple[str, str]]:
    """(caption, SVG) of the report figures."""
    from matplotlib.figure import Figure

    from eisrecipe.report.figures import figure_svg

    figs: list[tuple[str, str]] = []
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, (order, q) in zip(
        axes, (("cstr_lt_ct", "r_ct"), ("ct_lt_cstr", "r_ct"), ("cstr_lt_ct", "tau_cstr")), strict=True
    ):
        for (name, source), g in sel(long, kind="pressure", tau_order=order, quantity=q).groupby(["series", "source"]):
            g = g.sort_values("contact_fraction")
            style = "o-" if source == "analysis" else "--"
            ax.loglog(g["contact_fraction"], g["value"], style, ms=3, lw=0.8, label=f"{name} {source}")
        ax.set_xlabel("A_WE|SE")
        ax.set_ylabel(q)
        ax.set_title(order)
    axes[0].legend(fontsize=5)
    figs.append(
        ("R_CT and tau_Cstr against the contact fraction (analysis: markers; exact DRT: dashed)", figure_svg(fig))
    )
    fig = Figure(figsize=(6, 3.2), layout="constrained")
    ax = fig.subplots()
    ea = sel(long, kind="temperature", quantity=["ea_cstr", "ea_cstr_dc"])
    labels = []
    for i, (name, g) in enumerate(ea.groupby("series")):
        labels.append(name)
        for j, (source, h) in enumerate(g.groupby("source")):
            ax.errorbar(
                [i + 0.15 * j],
                h["value"].iloc[:1],
                yerr=h["stderr"].fillna(0).iloc[:1],
                fmt="os^"[j % 3],
                ms=4,
                label=source if i == 0 else None,
            )
    lines = published().ea_lines_ev
    for y in lines:
        ax.axhline(y, lw=0.6, color="grey")
    ax.set_xticks(range(len(labels)), labels, rotation=60, fontsize=6)
    ax.set_ylabel("Ea,Cstr / eV")
    ax.legend()
    grey = ", ".join(f"{y:g}" for y in lines)
    figs.append((f"Ea,Cstr per temperature series (grey: {grey} eV)", figure_svg(fig)))
    return figs


#: CSS class of a table row by its ``agrees`` value
_ROW_CLASS = {"yes": "ok", "no": "bad"}


def _cell(v: object) -> str:
    """A table cell's text: floats with 4 significant digits, empty where not finite."""
    if isinstance(v, float):
        return f"{v:.4g}" if math.isfinite(v) else ""
    return str(v)


def write_report(
    table: pd.DataFrame,
    long: pd.DataFrame,
    csv_path: str,
    html_path: str,
    meta: str = "",
    checks: pd.DataFrame | None = None,
) -> None:
    """Write the reproduction table as CSV and as a self-contained HTML page (inline SVG, no dates), with the
    'Why ours differs' notes (:func:`why_notes`, numbers of this run and of ``checks``).

    The page is rendered through ``report/templates/reproduction.html.j2``; table numbers with 4 significant
    digits (empty where not finite), the CSV with 6 (units as in the table's quantities).
    """
    table.to_csv(csv_path, index=False, float_format="%.6g", lineterminator="\n")
    n_yes = int((table["agrees"] == "yes").sum())
    n_no = int((table["agrees"] == "no").sum())
    rows = [
        {"cls": _ROW_CLASS.get(str(r["agrees"]), ""), "cells": [_cell(r[c]) for c in table.columns]}
        for _, r in table.iterrows()
    ]
    env = template_environment()
    env.filters["html_escape"] = lambda v: Markup(html.escape(str(v)))
    page = env.get_template("reproduction.html.j2").render(
        meta=meta,
        n_yes=n_yes,
        n_no=n_no,
        n_undetermined=len(table) - n_yes - n_no,
        columns=list(table.columns),
        rows=rows,
        notes=why_notes(long, checks),
        figures=[(caption, svg[svg.find("<svg") :]) for caption, svg in _figures(long)],
    )
    with open(html_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(page)
