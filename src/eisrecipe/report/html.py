"""Render a cell's ``report.html`` (one self-contained file: inline CSS, figures as base64 SVG data URIs, no
scripts, no external URLs) and the dataset's ``summary.csv`` / ``summary.html``.

Byte stability: figures through :func:`eisrecipe.report.figures.figure_svg`; dictionaries rendered in sorted
order; no run time anywhere; absolute paths in messages cut to the file name (they differ between clones).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from eisrecipe.recipe.elements import ELEMENT_ORDER
from eisrecipe.report.data import CellData
from eisrecipe.report.figures import (
    arrhenius_figure,
    bode_figure,
    drt_figure,
    figure_svg,
    fit_figures,
    kk_residual_figure,
    nyquist_figure,
    spectrum_label,
    trends_figure,
)
from eisrecipe.report.formatting import fmt, fmt_pm, is_number
from eisrecipe.report.templating import template_environment
from eisrecipe.serialize import FLOAT_FORMAT, json_safe

__all__ = [
    "PROVENANCE_PACKAGES",
    "package_versions",
    "relativize",
    "render_cell_report",
    "render_summary",
    "summary_table",
    "write_cell_report",
    "write_summary",
]

#: packages whose versions the provenance section lists (where importable)
PROVENANCE_PACKAGES = ("eisrecipe", "numpy", "scipy", "pandas", "matplotlib", "jinja2", "snakemake")

_ABS_DIRS = re.compile(r"(?<![\w.~])(?:[A-Za-z]:)?[/\\](?:[^/\\\s:,;'\"()]+[/\\])+")


def relativize(text: str) -> str:
    """Cut the folders off absolute paths in ``text`` (``/home/x/data/d/a.txt`` -> ``a.txt``): messages stay
    readable and identical between clones of the project."""
    return _ABS_DIRS.sub("", text)


def package_versions(names: Sequence[str] = PROVENANCE_PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` where absent)."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _env() -> jinja2.Environment:
    env = template_environment()
    env.filters["fmt"] = fmt
    env.filters["fmt_pm"] = fmt_pm
    env.filters["rel"] = lambda s: relativize(str(s)) if s is not None else "–"
    return env


def _img(fig: Any, alt: str) -> dict[str, str] | None:
    if fig is None:
        return None
    svg = figure_svg(fig)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    width, height = (round(v * fig.dpi) for v in fig.get_size_inches())
    return {"src": uri, "alt": alt, "width": str(width), "height": str(height)}


def _value(x: Any) -> Markup:
    """A JSON value for a table cell: numbers formatted, lists and dicts compact."""
    if isinstance(x, bool) or x is None:
        return Markup("–") if x is None else Markup(str(x).lower())
    if is_number(x):
        return fmt(x, 4)
    if isinstance(x, float):
        return Markup("–")
    if isinstance(x, dict | list):
        return Markup.escape(relativize(json.dumps(json_safe(x), sort_keys=True, ensure_ascii=False)))
    return Markup.escape(relativize(str(x)))


def _pairs(d: Mapping[str, Any] | None) -> list[tuple[str, Markup]]:
    """Flat (key, formatted value) pairs of a dict, nested dicts as dotted keys, sorted."""
    out: list[tuple[str, Markup]] = []

    def walk(prefix: str, obj: Any) -> None:
        if isinstance(obj, dict) and obj:
            for k in sorted(obj, key=str):
                walk(f"{prefix}.{k}" if prefix else str(k), obj[k])
        else:
            out.append((prefix, _value(obj)))

    if d:
        walk("", dict(d))
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    return [json_safe(r) for r in frame.astype(object).where(frame.notna(), None).to_dict(orient="records")]


def _r_pol(verdict: Mapping[str, Any], steps36: Mapping[str, Any]) -> Markup:
    r = verdict.get("r_pol")
    if isinstance(r, dict):
        if r.get("value_ohm_cm2") is not None:
            return fmt_pm(r["value_ohm_cm2"], r.get("stderr_ohm_cm2"), "ohm_cm2")
        if r.get("upper_bound_ohm_cm2") is not None:
            return Markup("&lt; ") + fmt(r["upper_bound_ohm_cm2"], 3, "ohm_cm2") + Markup(" (upper bound)")
    step3 = steps36.get("step3") or {}
    if step3.get("r_pol_ohm_cm2") is not None:
        return fmt_pm(step3["r_pol_ohm_cm2"], step3.get("r_pol_stderr_ohm_cm2"), "ohm_cm2")
    if step3.get("r_pol_upper_bound_ohm_cm2") is not None:
        return Markup("&lt; ") + fmt(step3["r_pol_upper_bound_ohm_cm2"], 3, "ohm_cm2") + Markup(" (upper bound)")
    return Markup("–")


def _data_rows(cell: CellData) -> list[dict[str, Any]]:
    rows = []
    for rec in cell.validation.get("spectra", []):
        window = rec.get("window_hz") or [None, None]
        kk = rec.get("kk_final") or {}
        dropped = rec.get("dropped_by_reason") or {}
        rows.append(
            {
                "spectrum": spectrum_label(cell, str(rec.get("spectrum"))),
                "file": relativize(str(rec.get("file"))),
                "kept": f"{rec.get('n_kept')} / {rec.get('n_points')}",
                "f_lo": fmt(min(window), 3, "hz") if None not in window else Markup("–"),
                "f_hi": fmt(max(window), 3, "hz") if None not in window else Markup("–"),
                "dropped": ", ".join(f"{k}: {v}" for k, v in sorted(dropped.items()) if v) or "none",
                "n_rc": kk.get("n_rc"),
                "mu": fmt(kk.get("mu"), 3),
                "noise": fmt(100 * kk["noise_estimate"], 2) if is_number(kk.get("noise_estimate")) else Markup("–"),
                "max_res": fmt(100 * kk["max_abs_residual"], 2)
                if is_number(kk.get("max_abs_residual"))
                else Markup("–"),
            }
        )
    return rows


def _fit_tables(cell: CellData) -> list[dict[str, Any]]:
    if cell.fits.empty or "fit" not in cell.fits.columns:
        return []
    out = []
    order = {s: i for i, s in enumerate(cell.spectrum_order)}
    for fit, group in sorted(
        cell.fits.groupby("fit", sort=False),
        key=lambda kv: ("step3", "series").index(kv[0]) if kv[0] in ("step3", "series") else 2,
    ):
        records = _records(
            group.sort_values(by="spectrum", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
        )
        rows = [
            {
                "spectrum": spectrum_label(cell, str(r.get("spectrum"))),
                "element": r.get("element"),
                "kind": r.get("kind") or "",
                "shared": "shared" if r.get("shared") in (True, "True", "true") else "",
                "r": fmt_pm(r.get("r_ohm_cm2"), r.get("r_stderr_ohm_cm2")),
                "c": fmt_pm(r.get("c_f_cm2"), r.get("c_stderr_f_cm2")),
                "tau": fmt_pm(r.get("tau_s"), r.get("tau_stderr_s")),
                "alpha": fmt_pm(r.get("alpha"), r.get("alpha_stderr")),
                "r_inf": fmt_pm(r.get("r_inf_ohm_cm2"), r.get("r_inf_stderr_ohm_cm2")),
                "l": fmt_pm(r.get("l_h_cm2"), r.get("l_stderr_h_cm2")) if "l_h_cm2" in r else None,
                "max_res": fmt(100 * r["max_rel_residual"], 2) if is_number(r.get("max_rel_residual")) else "–",
                "flags": r.get("flags") or "",
            }
            for r in records
        ]
        out.append({"fit": fit, "rows": rows, "has_l": "l_h_cm2" in group.columns})
    return out


def _arrhenius_rows(cell: CellData) -> list[dict[str, Any]]:
    return [
        {
            "element": r.get("element"),
            "ea": fmt_pm(r.get("ea_ev"), r.get("ea_stderr_ev"), "ev"),
            "ln_a": fmt_pm(r.get("ln_prefactor"), r.get("ln_prefactor_stderr")),
            "r2": fmt(r.get("r2"), 4),
            "n": r.get("n_points"),
            "t_range": Markup(f"{fmt(r.get('t_min_c'), 3)} … {fmt(r.get('t_max_c'), 3, 'c')}"),
        }
        for r in _records(cell.arrhenius)
    ]


def _steps(verdict: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "step": str(s.get("step", "")),
            "title": s.get("title") or "",
            "finding": relativize(str(s.get("finding") or "")),
            "support": str(s.get("support") or "inconclusive"),
            "numbers": _pairs(s.get("numbers")),
        }
        for s in verdict.get("steps") or []
    ]


def _analysis_sections(cell: CellData) -> list[dict[str, Any]]:
    """Steps 1-2 and 3-6 as read from the stage outputs (for when the verdict does not restate them)."""
    out = []
    s12 = cell.steps12.get("steps_1_2") or {}
    if s12:
        flat = {k: v for k, v in s12.items() if k not in ("interface_tracks", "bulk_gb", "thresholds")}
        out.append({"title": "Steps 1-2 (DRT over pressure)", "pairs": _pairs(flat)})
        out += [
            {"title": f"Steps 1-2: interface track {t.get('label')}", "pairs": _pairs(t)}
            for t in s12.get("interface_tracks") or []
        ]
    if cell.steps36:
        if cell.steps36.get("applies") is False:
            out.append(
                {"title": "Steps 3-6", "pairs": _pairs({"applies": False, "reason": cell.steps36.get("reason")})}
            )
        out += [
            {"title": f"Step {key[-1]}", "pairs": _pairs(cell.steps36[key])}
            for key in ("step3", "step4", "step5", "step6")
            if key in cell.steps36
        ]
    return out


def _provenance(cell: CellData, config: Mapping[str, Any] | None, versions: Mapping[str, str] | None) -> dict[str, Any]:
    inputs = [
        {"spectrum": rec.get("spectrum"), "file": relativize(str(rec.get("file"))), "sha256": rec.get("sha256") or "–"}
        for rec in cell.validation.get("spectra", [])
    ]
    inputs += [
        {"spectrum": e.get("spectrum"), "file": relativize(str(e.get("file"))), "sha256": "excluded"}
        for e in cell.validation.get("excluded", [])
    ]
    cfg = json.dumps(json_safe(dict(config or {})), indent=2, sort_keys=True, ensure_ascii=False)
    extra = cell.verdict.get("provenance")
    return {
        "versions": sorted((versions if versions is not None else package_versions()).items()),
        "config": relativize(cfg),
        "inputs": inputs,
        "outputs": sorted(cell.sources.values()),
        "verdict": relativize(json.dumps(json_safe(extra), indent=2, sort_keys=True, ensure_ascii=False))
        if extra
        else None,
    }


def build_context(
    cell: CellData,
    config: Mapping[str, Any] | None = None,
    dataset: str | None = None,
    versions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the template shows, formatted (figures as data URIs)."""
    v = cell.verdict
    fit_figs = fit_figures(cell)
    kk_threshold = cell.validation.get("settings", {}).get("kk_threshold")
    figures = {
        "nyquist": _img(nyquist_figure(cell), f"Nyquist plot of cell {cell.cell}"),
        "bode": _img(bode_figure(cell), f"Bode plot of cell {cell.cell}"),
        "kk": _img(kk_residual_figure(cell), f"Kramers-Kronig residuals of cell {cell.cell}"),
        "drt": _img(drt_figure(cell), f"DRT of cell {cell.cell}"),
        "trends": _img(trends_figure(cell), f"interface parameters against pressure, cell {cell.cell}"),
        "arrhenius": _img(arrhenius_figure(cell), f"Arrhenius plot of cell {cell.cell}"),
    }
    fits = [{"fit": k, "img": _img(f, f"circuit fit {k} of cell {cell.cell}")} for k, f in fit_figs.items()]
    dominant = v.get("dominant_interface_process") or "undetermined"
    s12 = cell.steps12.get("steps_1_2") or {}
    contact = [
        {
            "spectrum": spectrum_label(cell, str(c.get("spectrum"))),
            "pressure": fmt(c.get("pressure_mpa"), 3, "mpa"),
            "value": fmt_pm(c.get("value"), c.get("stderr")),
        }
        for c in v.get("contact_area") or []
    ]
    return {
        "cell": cell.cell,
        "dataset": dataset or "",
        "has_verdict": bool(v),
        "dominant": dominant,
        "summary": relativize(str(v.get("summary") or "")) or None,
        "branch": v.get("branch") or s12.get("branch") or "–",
        "stability": v.get("interface_stability") or "–",
        "tau_order": v.get("tau_order") or "–",
        "r_pol": _r_pol(v, cell.steps36),
        "conflicts": [relativize(str(c)) for c in v.get("conflicts") or []],
        "steps": _steps(v),
        "decision_path": [
            {
                "level": d.get("level", ""),
                "choice": d.get("choice", ""),
                "evidence": relativize(str(d.get("evidence", ""))),
            }
            for d in v.get("decision_path") or []
        ],
        "activation_energies": [
            {
                "element": a.get("element"),
                "ea": fmt_pm(a.get("ea_ev"), a.get("ea_stderr_ev"), "ev"),
                "n": a.get("n_points"),
            }
            for a in v.get("activation_energies") or []
        ],
        "contact_area": contact,
        "figures": figures,
        "fit_figures": fits,
        "kk_threshold": fmt(100 * kk_threshold, 3) if is_number(kk_threshold) else Markup("–"),
        "data_rows": _data_rows(cell),
        "n_spectra": cell.validation.get("n_spectra", len(cell.spectrum_order)),
        "n_excluded": cell.validation.get("n_excluded", len(cell.excluded())),
        "fit_tables": _fit_tables(cell),
        "analysis": _analysis_sections(cell),
        "arrhenius_rows": _arrhenius_rows(cell),
        "excluded": [
            {"spectrum": e["spectrum"], "file": relativize(str(e["file"])), "reason": relativize(str(e["reason"]))}
            for e in cell.excluded()
        ],
        "provenance": _provenance(cell, config, versions),
    }


def render_cell_report(
    cell: CellData,
    config: Mapping[str, Any] | None = None,
    dataset: str | None = None,
    versions: Mapping[str, str] | None = None,
) -> str:
    """The cell's report as one self-contained HTML document.

    Parameters
    ----------
    cell
        Parsed stage outputs (:func:`eisrecipe.report.load_cell`).
    config
        The analysis configuration to record in the provenance section.
    dataset
        Dataset name shown in the header.
    versions
        Package versions for the provenance section (default: :func:`package_versions`).
    """
    return _env().get_template("report.html.j2").render(**build_context(cell, config, dataset, versions))


def write_cell_report(path: str | Path, cell: CellData, **kwargs: Any) -> None:
    """Render :func:`render_cell_report` into ``path`` (UTF-8, ``\\n`` line ends)."""
    Path(path).write_text(render_cell_report(cell, **kwargs), encoding="utf-8", newline="\n")


def summary_table(
    cells: Iterable[CellData],
    reports: Mapping[str, str] | None = None,
    unfinished: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """One row per cell: verdict, branch, tau order, R_Pol (or its bound), activation energies, spectra counts.

    Parameters
    ----------
    cells
        Parsed stage outputs of every finished cell.
    reports
        Link of each cell's report, relative to the summary (default ``<cell>/report.html``).
    unfinished
        Cells without a result: cell -> ``stage`` (the stage that failed, or None when it did not run), ``error``
        and ``link`` (its failure record). They get a row with ``failed_stage`` and ``failure`` and no verdict;
        the two columns appear only when there is such a cell.
    """
    rows = []
    for cell in sorted(cells, key=lambda c: c.cell):
        v = cell.verdict
        r_pol = v.get("r_pol") if isinstance(v.get("r_pol"), dict) else {}
        step3 = cell.steps36.get("step3") or {}
        s12 = cell.steps12.get("steps_1_2") or {}
        row: dict[str, Any] = {
            "cell": cell.cell,
            "dominant_interface_process": v.get("dominant_interface_process"),
            "branch": v.get("branch") or s12.get("branch"),
            "interface_stability": v.get("interface_stability"),
            "tau_order": v.get("tau_order"),
            "r_pol_ohm_cm2": r_pol.get("value_ohm_cm2", step3.get("r_pol_ohm_cm2") if not r_pol else None),
            "r_pol_stderr_ohm_cm2": r_pol.get(
                "stderr_ohm_cm2", step3.get("r_pol_stderr_ohm_cm2") if not r_pol else None
            ),
            "r_pol_upper_bound_ohm_cm2": r_pol.get(
                "upper_bound_ohm_cm2", step3.get("r_pol_upper_bound_ohm_cm2") if not r_pol else None
            ),
            "n_spectra": cell.validation.get("n_spectra"),
            "n_excluded": cell.validation.get("n_excluded"),
        }
        eas = {str(a.get("element")): a for a in v.get("activation_energies") or []}
        if not eas:
            eas = {str(r["element"]): r for r in _records(cell.arrhenius)}
        for el in ELEMENT_ORDER:
            if el in eas:
                row[f"ea_{el}_ev"] = eas[el].get("ea_ev")
                row[f"ea_{el}_stderr_ev"] = eas[el].get("ea_stderr_ev")
        row["summary"] = relativize(str(v["summary"])) if v.get("summary") else None
        row["report"] = (reports or {}).get(cell.cell, f"{cell.cell}/report.html")
        rows.append(row)
    for name, record in sorted((unfinished or {}).items()):
        rows.append(
            {
                "cell": name,
                "failed_stage": record.get("stage") or "not run",
                "failure": record.get("error"),
                "report": record.get("link"),
            }
        )
    table = pd.DataFrame(rows)
    ea_cols = [c for el in ELEMENT_ORDER for c in (f"ea_{el}_ev", f"ea_{el}_stderr_ev") if c in table.columns]
    tail = [c for c in ("failed_stage", "failure", "summary", "report") if c in table.columns]
    head = [c for c in table.columns if not c.startswith("ea_") and c not in tail]
    return table[[*head, *ea_cols, *tail]] if rows else table


def render_summary(table: pd.DataFrame, dataset: str | None = None) -> str:
    """``summary.html``: the summary table with a link to each cell's report."""
    cols = [c for c in table.columns if c not in ("report",)]
    rows = [
        {"report": r.get("report"), "cells": [(c, _value(r.get(c)) if c != "cell" else r.get(c)) for c in cols]}
        for r in _records(table)
    ]
    return _env().get_template("summary.html.j2").render(dataset=dataset or "", columns=cols, rows=rows)


def write_summary(csv_path: str | Path, html_path: str | Path, table: pd.DataFrame, dataset: str | None = None) -> None:
    """Write ``summary.csv`` (float format of every stage table) and ``summary.html``."""
    table.to_csv(csv_path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    Path(html_path).write_text(render_summary(table, dataset), encoding="utf-8", newline="\n")
