"""Render a cell's ``report.html`` (one self-contained file: inline CSS, figures as base64 SVG data URIs, no
scripts, no external URLs) and the dataset's ``summary.csv`` / ``summary.html``.

Byte stability: figures through :func:`eisrecipe.report.figures.figure_svg`; dictionaries rendered in sorted
order; no run time anywhere; absolute paths in messages cut to the file name (they differ between clones).
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml
from markupsafe import Markup, escape

from eisrecipe.recipe.elements import ELEMENT_ORDER
from eisrecipe.recipe.verdict import bound_span
from eisrecipe.report.data import CellData
from eisrecipe.report.figures import Plot, cell_plots, figure_png, figure_svg, spectrum_label
from eisrecipe.report.formatting import fmt, fmt_pm, is_number
from eisrecipe.report.templating import template_environment
from eisrecipe.serialize import FLOAT_FORMAT, json_safe

__all__ = [
    "PROVENANCE_PACKAGES",
    "cell_config",
    "embed_png",
    "package_versions",
    "prose",
    "readable",
    "relativize",
    "render_cell_report",
    "render_summary",
    "summary_table",
    "write_cell_report",
    "write_figures",
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


#: palette size of the PNG figures embedded in the report (the full-colour PNG and the SVG go to figures/)
EMBED_COLORS = 128

_PROSE = (
    (re.compile(r"ohm cm\^?2"), "Ω cm²"),
    (re.compile(r"F/cm\^?2"), "F cm⁻²"),
    (re.compile(r"\+-|\+/-"), "±"),
    (re.compile(r"<="), "≤"),
    (re.compile(r">="), "≥"),
    (re.compile(r"\bohm\b"), "Ω"),
    (re.compile(r"(?<=\d)e([+-]?)0*(\d+)\b"), None),
)


def prose(text: Any) -> str:
    """A sentence from the stage outputs in the report's unit style: ``ohm cm^2`` -> ``Ω cm²``, ``+-`` -> ``±``,
    ``<=`` -> ``≤``, ``1.4e-11`` -> ``1.4×10⁻¹¹``, absolute folders cut off."""
    out = relativize(str(text))
    for pattern, repl in _PROSE:
        out = pattern.sub(repl or _power, out)
    return out


_SUPERSCRIPT = str.maketrans("-+0123456789", "⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power(match: re.Match[str]) -> str:
    return "×10" + (match.group(1).replace("+", "") + match.group(2)).translate(_SUPERSCRIPT)


#: unit suffixes of keys in the stage outputs and how the report writes them
_KEY_UNITS = (
    ("_ohm_cm2", "Ω cm²"),
    ("_f_cm2", "F cm⁻²"),
    ("_h_cm2", "H cm²"),
    ("_hz", "Hz"),
    ("_mpa", "MPa"),
    ("_ev", "eV"),
    ("_decades", "decades"),
    ("_s", "s"),
)


def _key(key: Any) -> str:
    text = str(key)
    for suffix, unit in _KEY_UNITS:
        if text.endswith(suffix) and len(text) > len(suffix):
            return f"{text[: -len(suffix)].replace('_', ' ')} ({unit})"
    return text.replace("_", " ")


def _scalar(x: Any, sig: int = 3) -> Markup:
    if x is None:
        return Markup("–")
    if isinstance(x, bool):
        return Markup("yes" if x else "no")
    if is_number(x):
        return fmt(x, sig)
    if isinstance(x, float):
        return Markup("–")
    return escape(prose(x))


def _is_scalar(x: Any) -> bool:
    return x is None or isinstance(x, bool | int | float | str)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Markup]]) -> Markup:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return Markup(f'<div class="wrap"><table class="small"><tr>{head}</tr>{body}</table></div>')


def readable(x: Any, depth: int = 0) -> Markup:
    """Any JSON value as HTML for people: numbers to 3 significant digits, keys as words with units, lists of
    numbers inline, dictionaries of records and lists of records as small tables, nested dictionaries as
    definition lists. Never raw JSON."""
    if _is_scalar(x):
        return _scalar(x)
    if isinstance(x, list):
        if all(_is_scalar(v) for v in x):
            sep = " – " if len(x) == 2 and all(is_number(v) for v in x) else ", "
            return Markup(sep).join(_scalar(v) for v in x) if x else Markup("none")
        if all(isinstance(v, dict) for v in x):
            cols = list(dict.fromkeys(k for v in x for k in v))
            return _table([_key(c) for c in cols], [[readable(v.get(c), depth + 1) for c in cols] for v in x])
        return Markup("; ").join(readable(v, depth + 1) for v in x)
    if isinstance(x, dict):
        if not x:
            return Markup("none")
        values = list(x.values())
        if all(isinstance(v, dict) for v in values) and depth < 3:
            cols = list(dict.fromkeys(k for v in values for k in v))
            if all(_is_scalar(v.get(c)) or isinstance(v.get(c), list) for v in values for c in cols):
                rows = [[escape(str(k)), *[readable(v.get(c), depth + 1) for c in cols]] for k, v in x.items()]
                return _table(["", *[_key(c) for c in cols]], rows)
        if len(x) > 6 and all(_is_scalar(v) or isinstance(v, list) for v in values):
            return _table(["", "value"], [[escape(str(k)), readable(v, depth + 1)] for k, v in x.items()])
        items = "".join(f"<dt>{escape(_key(k))}</dt><dd>{readable(v, depth + 1)}</dd>" for k, v in x.items())
        return Markup(f'<dl class="kv">{items}</dl>')
    return escape(prose(x))


def embed_png(plot: Plot) -> bytes:
    """The figure as the report embeds it and ``figures/`` holds it: PNG at 1.5x the page's pixels (sharp on
    high-density screens), reduced to :data:`EMBED_COLORS` palette colours."""
    return figure_png(plot.figure, colors=EMBED_COLORS)


def _embed(plot: Plot, png: bytes | None = None) -> dict[str, str]:
    """The figure as a PNG data URI (:func:`embed_png`; ``png``: already rendered by it): a case-study report
    stays well under 1 MB, where SVG with glyphs as paths made it 2.5 MB."""
    png = png if png is not None else embed_png(plot)
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    width, height = (round(v * plot.figure.dpi) for v in plot.figure.get_size_inches())
    return {"src": uri, "width": str(width), "height": str(height)}


def write_figures(plots: Sequence[Plot], folder: str | Path, pngs: Mapping[str, bytes] | None = None) -> list[Path]:
    """Write every plot as ``<name>.svg``, ``<name>.png`` and ``<name>.csv`` (its data) into ``folder``; files of
    plots the cell no longer has are removed. ``pngs``: PNGs already rendered (:func:`embed_png`), by plot name;
    the others are rendered so. Returns the written
    files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for plot in plots:
        svg, png, csv = (folder / f"{plot.name}.{ext}" for ext in ("svg", "png", "csv"))
        svg.write_text(figure_svg(plot.figure), encoding="utf-8", newline="\n")
        png.write_bytes((pngs or {}).get(plot.name) or embed_png(plot))
        plot.data.to_csv(csv, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        written += [svg, png, csv]
    for stale in sorted(set(folder.iterdir()) - set(written)):
        if stale.is_file() and stale.suffix in (".svg", ".png", ".csv"):
            stale.unlink()
    return written


def _value(x: Any) -> Markup:
    """A value for a table cell: numbers to 4 significant digits, anything nested through :func:`readable`."""
    if is_number(x):
        return fmt(x, 4)
    return readable(x)


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
            span = r.get("tau_range_s")
            where = f", {bound_span(span)} only" if span and len(span) == 2 else ""
            return Markup("&lt; ") + fmt(r["upper_bound_ohm_cm2"], 3, "ohm_cm2") + escape(f" (upper bound{where})")
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
                "f_lo": fmt(min(window), 3) if None not in window else Markup("–"),
                "f_hi": fmt(max(window), 3) if None not in window else Markup("–"),
                "dropped": ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(dropped.items()) if v) or "none",
                "n_rc": kk.get("n_rc"),
                "mu": fmt(kk.get("mu"), 3),
                "noise": fmt(100 * rec["noise_level"], 2) if is_number(rec.get("noise_level")) else Markup("–"),
                "max_res": (
                    fmt(100 * kk["max_abs_residual"], 2)
                    + (
                        f" ({rec['kk_density_passed']} kept above the threshold: within it in the density KK fit)"
                        if rec.get("kk_density_passed")
                        else ""
                    )
                )
                if is_number(kk.get("max_abs_residual"))
                else Markup("–"),
            }
        )
    return rows


def _fit_tables(cell: CellData) -> list[dict[str, Any]]:
    """Per fit: one row per spectrum and element (spectrum-wide values once per spectrum), flags once per fit."""
    if cell.fits.empty or "fit" not in cell.fits.columns:
        return []
    out = []
    order = {s: i for i, s in enumerate(cell.spectrum_order)}
    fits = sorted(
        cell.fits.groupby("fit", sort=False),
        key=lambda kv: ("step3", "series").index(kv[0]) if kv[0] in ("step3", "series") else 2,
    )
    for fit, group in fits:
        records = _records(
            group.sort_values(by="spectrum", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
        )
        has_l = "l_h_cm2" in group.columns and bool((group["l_h_cm2"].fillna(0) > 0).any())
        spectra: dict[str, list[dict[str, Any]]] = {}
        flags: list[str] = []
        for r in records:
            spectra.setdefault(str(r.get("spectrum")), []).append(r)
            for flag in re.split(r";\s*", str(r.get("flags") or "")):
                if flag and prose(flag) not in flags:
                    flags.append(prose(flag))
        blocks = []
        for spectrum, rows in spectra.items():
            first = rows[0]
            blocks.append(
                {
                    "spectrum": spectrum_label(cell, spectrum),
                    "r_inf": fmt_pm(first.get("r_inf_ohm_cm2"), first.get("r_inf_stderr_ohm_cm2")),
                    "l": fmt_pm(first.get("l_h_cm2"), first.get("l_stderr_h_cm2")) if has_l else None,
                    "max_res": fmt(100 * first["max_rel_residual"], 2)
                    if is_number(first.get("max_rel_residual"))
                    else Markup("–"),
                    "ok": first.get("fit_ok") not in (False, "False", "false"),
                    "rows": [
                        {
                            "element": r.get("element"),
                            "kind": r.get("kind") or "",
                            "shared": r.get("shared") in (True, "True", "true"),
                            "r": fmt_pm(r.get("r_ohm_cm2"), r.get("r_stderr_ohm_cm2")),
                            "c": fmt_pm(r.get("c_f_cm2"), r.get("c_stderr_f_cm2")),
                            "tau": fmt_pm(r.get("tau_s"), r.get("tau_stderr_s")),
                            "alpha": fmt_pm(r.get("alpha"), r.get("alpha_stderr")),
                        }
                        for r in rows
                    ],
                }
            )
        out.append({"fit": fit, "blocks": blocks, "has_l": has_l, "flags": flags})
    return out


def _arrhenius_rows(cell: CellData) -> list[dict[str, Any]]:
    used = {str(a.get("element")): a.get("ea_ev") for a in cell.verdict.get("activation_energies") or []}
    rows = []
    for r in _records(cell.arrhenius):
        ea, joint = r.get("ea_ev"), r.get("ea_joint_ev")
        v = used.get(str(r.get("element")))
        source = None
        if is_number(v) and is_number(joint) and math.isclose(v, joint, rel_tol=1e-6):
            source = "joint"
        elif is_number(v) and is_number(ea) and math.isclose(v, ea, rel_tol=1e-6):
            source = "two-stage"
        rows.append(
            {
                "element": r.get("element"),
                "ea": fmt_pm(ea, r.get("ea_stderr_ev")),
                "ea_joint": fmt_pm(joint, r.get("ea_joint_stderr_ev")) if r.get("joint_ok") is not False else "–",
                "ea_drt": fmt_pm(r.get("ea_drt_ev"), r.get("ea_drt_stderr_ev")),
                "source": source,
                "r2": fmt(r.get("r2"), 4),
                "n": r.get("n_points"),
                "t_range": Markup(f"{fmt(r.get('t_min_c'), 3)} … {fmt(r.get('t_max_c'), 3, 'c')}"),
            }
        )
    return rows


def _steps(verdict: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "step": str(s.get("step", "")),
            "title": s.get("title") or "",
            "finding": prose(s.get("finding") or ""),
            "support": str(s.get("support") or "inconclusive"),
            "numbers": readable(s.get("numbers")) if s.get("numbers") else None,
        }
        for s in verdict.get("steps") or []
    ]


def _analysis_sections(cell: CellData) -> list[dict[str, Any]]:
    """Steps 1-2 and 3-6 as read from the stage outputs, readable."""
    out = []
    s12 = cell.steps12.get("steps_1_2") or {}
    if s12:
        out.append({"title": "Steps 1-2 (DRT over pressure)", "body": readable(s12)})
    if cell.steps36:
        if cell.steps36.get("applies") is False:
            out.append(
                {"title": "Steps 3-6", "body": readable({"applies": False, "reason": cell.steps36.get("reason")})}
            )
        out += [
            {"title": f"Step {key[-1]}", "body": readable(cell.steps36[key])}
            for key in ("step3", "step4", "step5", "step6")
            if key in cell.steps36
        ]
    return out


def _concerns(key: str, cell: str) -> bool:
    """Whether a dotted config key applies to ``cell`` (``<section>.cells.<other>...`` does not)."""
    parts = key.split(".")
    return not (len(parts) > 2 and parts[1] == "cells" and parts[2] != cell)


def cell_config(config: Mapping[str, Any] | None, cell: str) -> dict[str, Any]:
    """The configuration that shaped one cell: each section with its per-cell overrides (``cells:``) resolved to
    this cell's (other cells' overrides left out). ``set by`` (which file or command-line layer set which key) keeps
    only the keys that concern this cell."""
    out: dict[str, Any] = {}
    for section, value in sorted((config or {}).items()):
        if section == "set by" and isinstance(value, dict):
            own_keys = {src: [k for k in keys if _concerns(k, cell)] for src, keys in value.items()}
            out[section] = {src: keys for src, keys in own_keys.items() if keys}
            continue
        if isinstance(value, dict) and isinstance(value.get("cells"), dict):
            own = value["cells"].get(cell)
            value = {k: v for k, v in value.items() if k != "cells"}
            if own:
                value = {**value, **own, "overridden for this cell": sorted(own)}
        out[section] = value
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
    cfg = yaml.safe_dump(json_safe(cell_config(config, cell.cell)), sort_keys=True, allow_unicode=True, width=100)
    extra = {k: v for k, v in (cell.verdict.get("provenance") or {}).items() if k != "inputs"}
    return {
        "versions": sorted((versions if versions is not None else package_versions()).items()),
        "config": relativize(cfg) if config else None,
        "inputs": inputs,
        "outputs": sorted(cell.sources.values()),
        "verdict": readable(extra) if extra else None,
    }


def _verdict_extras(v: Mapping[str, Any]) -> dict[str, Any]:
    """Keys a later verdict may carry (confidence, process probabilities, gates): shown when present."""
    conf = v.get("confidence")
    if is_number(conf) and 0 <= float(conf) <= 1:
        confidence: Markup | None = Markup(f"{100 * float(conf):.0f}&nbsp;%")
    else:
        confidence = _scalar(conf) if conf is not None and not isinstance(conf, dict | list) else None
        if isinstance(conf, dict | list):
            confidence = readable(conf)
    probs = v.get("process_probabilities")
    prob_rows = []
    if isinstance(probs, dict):
        for k, p in sorted(probs.items(), key=lambda kv: -float(kv[1]) if is_number(kv[1]) else 0.0):
            prob_rows.append((str(k).replace("_", " "), fmt(100 * p, 3) if is_number(p) else _scalar(p)))
    gates = v.get("gates")
    gate_list = [
        (str(g.get("step", "")), prose(str(g.get("reason", g.get("gate", "")))))
        for g in (gates if isinstance(gates, list) else [])
        if isinstance(g, Mapping)
    ]
    replicas = v.get("replicas") if isinstance(v.get("replicas"), Mapping) else {}
    process = str(v.get("dominant_interface_process") or "")
    if replicas.get("assessed") and isinstance(probs, dict):
        n = len(replicas.get("runs") or [])
        share = float(probs.get(process, 0.0)) if is_number(probs.get(process, 0.0)) else 0.0
        replica_note: str | None = (
            f"{100 * share:.0f} % of {n} perturbed re-runs (noise, cropping window, DRT lambda, peak threshold) "
            f"reach {process.replace('_', ' ')}"
        )
    elif replicas and not replicas.get("assessed"):
        replica_note = f"not measured: {replicas.get('reason', '')}"
    else:
        replica_note = None
    return {
        "confidence": confidence,
        "confidence_level": str(conf) if isinstance(conf, str) else "none",
        "replica_note": replica_note,
        "probabilities": prob_rows,
        "gates": readable(gates) if gates else None,
        "gate_list": gate_list,
        "gated_steps": sorted({step for step, _ in gate_list}),
    }


def build_context(
    cell: CellData,
    config: Mapping[str, Any] | None = None,
    dataset: str | None = None,
    versions: Mapping[str, str] | None = None,
    plots: Sequence[Plot] | None = None,
    pngs: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """Everything the template shows, formatted (figures as data URIs; ``pngs``: already rendered, by name)."""
    v = cell.verdict
    plots = cell_plots(cell) if plots is None else plots
    figures = {
        p.name: {
            **_embed(p, (pngs or {}).get(p.name)),
            "alt": f"{p.name.replace('_', ' ')} of cell {cell.cell}",
            "caption": p.caption,
        }
        for p in plots
    }
    kk_threshold = cell.validation.get("settings", {}).get("kk_threshold")
    dominant = v.get("dominant_interface_process") or "undetermined"
    s12 = cell.steps12.get("steps_1_2") or {}
    contact = [
        {
            "spectrum": spectrum_label(cell, str(c.get("spectrum"))),
            "pressure": fmt(c.get("pressure_mpa"), 3),
            "value": fmt_pm(c.get("value"), c.get("stderr")),
        }
        for c in v.get("contact_area") or []
    ]
    arrhenius_rows = _arrhenius_rows(cell)
    sources = {r["element"]: r["source"] for r in arrhenius_rows}
    return {
        "cell": cell.cell,
        "dataset": dataset or "",
        "has_verdict": bool(v),
        "dominant": dominant,
        "summary": prose(v.get("summary") or "") or None,
        "branch": v.get("branch") or s12.get("branch") or "–",
        "stability": v.get("interface_stability") or "–",
        "tau_order": v.get("tau_order") or "–",
        "r_pol": _r_pol(v, cell.steps36),
        **_verdict_extras(v),
        "conflicts": [prose(c) for c in v.get("conflicts") or []],
        "steps": _steps(v),
        "decision_path": [
            {"level": d.get("level", ""), "choice": d.get("choice", ""), "evidence": prose(d.get("evidence", ""))}
            for d in v.get("decision_path") or []
        ],
        "activation_energies": [
            {
                "element": a.get("element"),
                "ea": fmt_pm(a.get("ea_ev"), a.get("ea_stderr_ev"), "ev"),
                "n": a.get("n_points"),
                "source": sources.get(a.get("element")),
            }
            for a in v.get("activation_energies") or []
        ],
        "contact_area": contact,
        "figures": figures,
        "fit_figures": [{"fit": p.name[4:], "img": figures[p.name]} for p in plots if p.name.startswith("fit_")],
        "kk_threshold": fmt(100 * kk_threshold, 3) if is_number(kk_threshold) else Markup("–"),
        "data_rows": _data_rows(cell),
        "n_spectra": cell.validation.get("n_spectra", len(cell.spectrum_order)),
        "n_excluded": cell.validation.get("n_excluded", len(cell.excluded())),
        "fit_tables": _fit_tables(cell),
        "analysis": _analysis_sections(cell),
        "arrhenius_rows": arrhenius_rows,
        "excluded": [
            {"spectrum": e["spectrum"], "file": relativize(str(e["file"])), "reason": prose(e["reason"])}
            for e in cell.excluded()
        ],
        "provenance": _provenance(cell, config, versions),
    }


def render_cell_report(
    cell: CellData,
    config: Mapping[str, Any] | None = None,
    dataset: str | None = None,
    versions: Mapping[str, str] | None = None,
    plots: Sequence[Plot] | None = None,
    pngs: Mapping[str, bytes] | None = None,
) -> str:
    """The cell's report as one self-contained HTML document.

    Parameters
    ----------
    cell
        Parsed stage outputs (:func:`eisrecipe.report.load_cell`).
    config
        The analysis configuration to record in the provenance section (per-cell overrides resolved).
    dataset
        Dataset name shown in the header.
    versions
        Package versions for the provenance section (default: :func:`package_versions`).
    plots
        The cell's plots (default: :func:`eisrecipe.report.figures.cell_plots`).
    pngs
        Their PNGs where already rendered, by plot name.
    """
    context = build_context(cell, config, dataset, versions, plots, pngs)
    return _env().get_template("report.html.j2").render(**context)


def write_cell_report(path: str | Path, cell: CellData, figures_dir: str | Path | None = None, **kwargs: Any) -> None:
    """Render :func:`render_cell_report` into ``path`` (UTF-8, ``\\n`` line ends); with ``figures_dir``, also
    every figure as SVG, PNG and the CSV of its data (:func:`write_figures`)."""
    plots = cell_plots(cell)
    pngs = {p.name: embed_png(p) for p in plots}
    html = render_cell_report(cell, plots=plots, pngs=pngs, **kwargs)
    Path(path).write_text(html, encoding="utf-8", newline="\n")
    if figures_dir is not None:
        write_figures(plots, figures_dir, pngs)


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
            **({"confidence": v["confidence"]} if v.get("confidence") is not None else {}),
            "quality_gates": "; ".join(
                f"{g.get('gate')} (step {g.get('step')})" for g in v.get("gates") or [] if isinstance(g, Mapping)
            ),
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


def _summary_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for r in _records(table):
        if is_number(r.get("r_pol_ohm_cm2")):
            r_pol = fmt_pm(r["r_pol_ohm_cm2"], r.get("r_pol_stderr_ohm_cm2"))
        elif is_number(r.get("r_pol_upper_bound_ohm_cm2")):
            r_pol = Markup("&lt; ") + fmt(r["r_pol_upper_bound_ohm_cm2"], 3)
        else:
            r_pol = Markup("–")
        eas = [
            Markup(f"{escape(el)}: ") + fmt_pm(r[f"ea_{el}_ev"], r.get(f"ea_{el}_stderr_ev"))
            for el in ELEMENT_ORDER
            if is_number(r.get(f"ea_{el}_ev"))
        ]
        conf = r.get("confidence")
        rows.append(
            {
                "cell": r.get("cell"),
                "report": r.get("report"),
                "verdict": str(r.get("dominant_interface_process") or "").replace("_", " ") or None,
                "summary": prose(r["summary"]) if r.get("summary") else None,
                "confidence": Markup(f"{100 * float(conf):.0f}&nbsp;%") if is_number(conf) else _scalar(conf),
                "gates": r["quality_gates"] if isinstance(r.get("quality_gates"), str) else "",
                "branch": r.get("branch") or "–",
                "tau_order": str(r.get("tau_order") or "–").replace("_", " "),
                "r_pol": r_pol,
                "ea": Markup("<br>").join(eas) if eas else Markup("–"),
                "spectra": f"{r.get('n_spectra')} ({r.get('n_excluded')} excluded)"
                if r.get("n_spectra") is not None
                else "–",
                "failure": prose(r["failure"]) if r.get("failure") else None,
                "failed_stage": r.get("failed_stage"),
            }
        )
    return rows


def render_summary(
    table: pd.DataFrame,
    dataset: str | None = None,
    plots: Sequence[Plot] = (),
    files: Sequence[str] = (),
    pngs: Mapping[str, bytes] | None = None,
) -> str:
    """``summary.html``: one row per cell - verdict with its sentence, confidence (when a verdict carries one),
    R_Pol, activation energies, spectra - and a link to each cell's report; plain headers; then the cross-cell
    ``plots`` (:mod:`eisrecipe.report.dataset_figures`) and links to the dataset's other ``files`` (relative)."""
    rows = _summary_rows(table)
    has_confidence = "confidence" in table.columns and table["confidence"].notna().any()
    figures = [
        {**_embed(p, (pngs or {}).get(p.name)), "caption": p.caption, "name": p.name, "alt": p.name} for p in plots
    ]
    return (
        _env()
        .get_template("summary.html.j2")
        .render(dataset=dataset or "", rows=rows, has_confidence=bool(has_confidence), figures=figures, files=files)
    )


def write_summary(
    csv_path: str | Path,
    html_path: str | Path,
    table: pd.DataFrame,
    dataset: str | None = None,
    plots: Sequence[Plot] = (),
    files: Sequence[str] = (),
    pngs: Mapping[str, bytes] | None = None,
) -> None:
    """Write ``summary.csv`` (float format of every stage table) and ``summary.html`` (:func:`render_summary`)."""
    table.to_csv(csv_path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    html = render_summary(table, dataset, plots, files, pngs)
    Path(html_path).write_text(html, encoding="utf-8", newline="\n")
