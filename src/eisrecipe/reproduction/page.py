"""The reproduction report: the table as CSV and a self-contained HTML page (inline SVG figures, no dates)
rendered through ``report/templates/reproduction.html.j2``.
"""

from __future__ import annotations

import math

import pandas as pd

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


def write_report(
    table: pd.DataFrame,
    long: pd.DataFrame,
    csv_path: str,
    html_path: str,
    meta: str = "",
    checks: pd.DataFrame | None = None,
) -> None:
    """Write the reproduction table as CSV and as a self-contained HTML page (inline SVG, no dates), with the
    'Why ours differs' notes (:func:`why_notes`, numbers of this run and of ``checks``)."""
    import html as _html

    table.to_csv(csv_path, index=False, float_format="%.6g", lineterminator="\n")
    head = "".join(f"<th>{c}</th>" for c in table.columns)
    body = []
    for _, r in table.iterrows():
        cls = {"yes": "ok", "no": "bad"}.get(str(r["agrees"]), "")
        cells = []
        for c in table.columns:
            v = r[c]
            text = f"{v:.4g}" if isinstance(v, float) and math.isfinite(v) else ("" if isinstance(v, float) else v)
            cells.append(f"<td>{_html.escape(str(text))}</td>")
        body.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
    figs = "".join(
        f"<figure>{svg[svg.find('<svg') :]}<figcaption>{_html.escape(cap)}</figcaption></figure>"
        for cap, svg in _figures(long)
    )
    why = "".join(
        f"<h3>{_html.escape(title)}</h3><p>{_html.escape(text)}</p>" for title, text in why_notes(long, checks)
    )
    n_yes = int((table["agrees"] == "yes").sum())
    n_no = int((table["agrees"] == "no").sum())
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>eisrecipe: reproduction</title><style>'
        "body{font-family:sans-serif;font-size:13px;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 5px}tr.ok td{background:#eef8ee}tr.bad td{background:#fbeaea}"
        "</style></head><body><h1>Reproduction of the paper's simulated findings</h1>"
        f"<p>{_html.escape(meta)}</p><p>{n_yes} rows agree, {n_no} do not, "
        f"{len(table) - n_yes - n_no} undetermined.</p><table><tr>{head}</tr>{''.join(body)}</table>"
        f"<h2>Why ours differs</h2>{why}{figs}"
        "</body></html>\n"
    )
    with open(html_path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(page)
