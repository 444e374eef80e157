"""Scoring the pipeline against the matrix truth (issue 15): confusion matrix, acceptance figures, error tables.

Reads, per cell, the pipeline's ``verdict.json``, ``fits.csv`` (the ``series`` fit: Step 4 joint fit) and
``steps36.json`` beside the cell's ``ground_truth/<cell>.json``. R_Bulk is the ``bulk`` element's R, or - when the
pipeline fitted no bulk element because the bulk arc lies above the window - the joint fit's series resistance
``r_inf_ohm_cm2`` (the high-frequency intercept, which is R_Bulk there). A verdict is right when it names the truth's
dominant process (Table 1 at the lowest pressure); for an SEI cell whose sheet does not declare it, ``sei`` or
``undetermined`` (the decision tree gives no Step 1-7 verdict there, and the data alone cannot make the sheet's
``stable`` true). Missing outputs or elements count as failures in every figure they enter. The acceptance figures
(issue 15, "Done when"):

1. verdicts right in >= 95 % of the cells whose verdict is identifiable;
2. tau order right in >= 90 % where CT and constriction are both visible at the lowest pressure;
3. A(p) within 10 % in >= 90 % of the spectra where Step 6 applies (the CT element visible there and at p_max);
4. R_Bulk and R_GB within 5 % in >= 95 % of the cells where they are identifiable;
5. no SEI cell called charge transfer or mixed;

and those of issue 16 on the verdict's measured confidence (:mod:`eisrecipe.stages.confidence`):

6. no wrong verdict with confidence ``high`` (over all cells: a high-confidence verdict must be right whether or
   not the truth is identifiable - where it is not, the right answer is ``undetermined``, never high);
7. >= 98 % of the ``high`` verdicts right;

and two on wrong answers stated as answers (the task: an honest ``undetermined`` beats a confident guess), over all
cells:

8. no definite verdict (a process, not ``undetermined``) that is wrong;
9. no wrong definite decision before the confidence stage: the un-perturbed run's decision (``decision_path``, level
   "dominant interface process"), which the replicas may turn into ``undetermined``. A wrong one there is a fault of
   the decision logic that the replicas happened to hide (matrix c022, c026 and c029 before Steps 1-2 and the
   dominance rules were mended).

Per cell, ``confidence`` and ``confidence_fraction`` (the replica fraction of the verdict's process) are listed, and
``verdict_unperturbed`` with ``unperturbed_right``.

Outputs are byte-reproducible (fixed number formats, sorted rows, no timestamps).
"""

from __future__ import annotations

import csv
import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

PROCESSES = ("charge_transfer", "constriction", "mixed", "sei")
VERDICTS = ("charge_transfer", "constriction", "mixed", "sei", "undetermined", "missing")

#: acceptance thresholds of issue 15: (figure, threshold, direction)
ACCEPTANCE = (
    ("verdict_right_identifiable", 0.95, ">="),
    ("tau_order_right", 0.90, ">="),
    ("a_within_10pct", 0.90, ">="),
    ("r_bulk_within_5pct", 0.95, ">="),
    ("r_gb_within_5pct", 0.95, ">="),
    ("sei_called_ct_or_mixed", 0.0, "<="),
    ("high_confidence_wrong", 0.0, "<="),
    ("high_confidence_right", 0.98, ">="),
    ("definite_wrong", 0.0, "<="),
    ("unperturbed_definite_wrong", 0.0, "<="),
)

#: verdicts that are no answer
NO_ANSWER = ("undetermined", "missing")

#: the truth's elements that decide each dominant process (Table 1 at the lowest pressure)
DECIDING = {"charge_transfer": ("ct",), "constriction": ("cstr",), "mixed": ("ct", "cstr"), "sei": ("sei",)}
#: classes of :func:`deciding_separation` on the score page, decades (lower edges)
SEPARATION_CLASSES = (0.0, 0.5, 1.0, 2.0)


def deciding_separation(truth: Mapping[str, Any]) -> float | None:
    """Distance in decades of tau, at the lowest pressure, from the element(s) that decide the truth's process to
    the nearest other element whose arc is visible there (:data:`DECIDING`; for a mixed cell also CT and
    constriction from each other). A DRT resolves two arcs less well the closer they are, which visibility (one arc
    at a time) does not capture; the score page shows how often the verdict is right in each class of it. ``None``
    where the truth has no such pair."""
    lowest = truth["spectra"][0]
    visible = truth.get("visibility", {}).get(lowest["spectrum"], {})
    taus = {e: _num(lowest.get(f"tau_{e}_s")) for e in ("bulk", "gb", "ct", "cstr", "sei")}
    out = [
        abs(math.log10(taus[d] / taus[e]))
        for d in DECIDING.get(truth["dominant"], ())
        if taus.get(d)
        for e in taus
        if e != d and taus[e] and visible.get(e, {}).get("visible")
    ]
    return min(out) if out else None


def _separation_class(sep: float | None) -> str:
    if sep is None:
        return "n/a"
    lower = max(x for x in SEPARATION_CLASSES if sep >= x)
    upper = [x for x in SEPARATION_CLASSES if x > lower]
    return f"{lower:g}-{upper[0]:g}" if upper else f">= {lower:g}"


def by_separation(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Identifiable cells by :func:`deciding_separation` class: how many, how many right, how many undetermined."""
    out = []
    labels = [_separation_class(x) for x in SEPARATION_CLASSES] + ["n/a"]
    for label in labels:
        sel = [r for r in rows if r["identifiable"] and r.get("separation_class") == label]
        if sel:
            right = sum(r["verdict_right"] for r in sel)
            undetermined = sum(r["verdict"] in NO_ANSWER for r in sel)
            out.append(
                {
                    "separation_decades": label,
                    "cells": len(sel),
                    "right": right,
                    "fraction_right": right / len(sel),
                    "undetermined": undetermined,
                }
            )
    return out


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _rel(fit: float | None, truth: float | None) -> float | None:
    if fit is None or truth is None or truth == 0:
        return None
    return (fit - truth) / abs(truth)


def _g(x: float | None, digits: int = 6) -> str:
    return "" if x is None else f"{x:.{digits}g}"


@dataclass(frozen=True)
class PipelineCell:
    """What the pipeline said about one cell (``None`` where an output is missing)."""

    verdict: Mapping[str, Any] | None
    fits: pd.DataFrame | None
    steps36: Mapping[str, Any] | None


def load_pipeline_cell(cell_dir: Path) -> PipelineCell:
    """Read ``verdict.json``, ``fits.csv`` and ``steps36.json`` of one cell (missing files -> ``None``)."""

    def js(name: str) -> Mapping[str, Any] | None:
        p = cell_dir / name
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    fits = pd.read_csv(cell_dir / "fits.csv") if (cell_dir / "fits.csv").is_file() else None
    return PipelineCell(js("verdict.json"), fits, js("steps36.json"))


def _series_value(fits: pd.DataFrame | None, element: str, spectrum: str | None, column: str) -> float | None:
    if fits is None or fits.empty or "fit" not in fits:
        return None
    rows = fits[(fits["fit"] == "series") & (fits["element"] == element)]
    if spectrum is not None:
        rows = rows[rows["spectrum"] == spectrum]
    return _num(rows[column].iloc[0]) if len(rows) and column in rows else None


def _series_r_inf(fits: pd.DataFrame | None, spectrum: str) -> float | None:
    """The joint fit's series resistance R_inf of ``spectrum`` (ohm cm^2)."""
    if fits is None or fits.empty or "r_inf_ohm_cm2" not in fits:
        return None
    rows = fits[(fits["fit"] == "series") & (fits["spectrum"] == spectrum)]
    return _num(rows["r_inf_ohm_cm2"].iloc[0]) if len(rows) else None


def verdict_right(truth: Mapping[str, Any], verdict: str) -> bool:
    """Whether ``verdict`` is right for ``truth`` (see the module docstring)."""
    if truth["dominant"] == "sei" and truth["interface_declared"] != "sei":
        return verdict in ("sei", "undetermined")
    return verdict == truth["dominant"]


def unperturbed_decision(verdict: Mapping[str, Any], final: str) -> str:
    """The un-perturbed run's decision: the ``decision_path`` choice at the level "dominant interface process"
    (before the confidence stage may overrule it; ``sei`` where the path took the declared SEI branch, which has no
    such level), else the final verdict ``final``. Blocking electrodes overrule the process within the un-perturbed
    run itself: there the decision is the final ``undetermined``."""
    path = verdict.get("decision_path") or []
    if any(step.get("level") == "electrodes" for step in path):
        return final
    for step in path:
        if step.get("level") == "dominant interface process" and step.get("choice"):
            return str(step["choice"])
        if step.get("level") == "branch" and str(step.get("choice", "")).startswith("SEI"):
            return "sei"
    return final


def score_cell(truth: Mapping[str, Any], got: PipelineCell) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One cell's score row and its error rows (one per compared quantity and spectrum)."""
    cell = truth["cell"]
    v = got.verdict or {}
    verdict = str(v.get("dominant_interface_process") or "missing") if got.verdict is not None else "missing"
    tau_got = v.get("tau_order")
    s36 = got.steps36 or {}
    s3 = s36.get("step3") or {}
    errors: list[dict[str, Any]] = []

    def add(q: str, spectrum: str, t: float | None, f: float | None, scored: bool, tol: float | None) -> None:
        if t is None:
            return
        rel = _rel(f, t)
        within = None if tol is None else bool(rel is not None and abs(rel) <= tol)
        errors.append(
            {
                "cell": cell,
                "class": truth["class"],
                "spectrum": spectrum,
                "quantity": q,
                "truth": t,
                "pipeline": f,
                "rel_error": rel,
                "scored": scored,
                "within_tolerance": within if scored else None,
            }
        )

    spectra = truth["spectra"]
    r_bulk = _series_value(got.fits, "bulk", None, "r_ohm_cm2")
    if r_bulk is None:  # bulk arc above the window: the series resistance R_inf of the joint fit is R_Bulk
        r_bulk = _series_r_inf(got.fits, spectra[0]["spectrum"])
    add("r_bulk", "", _num(truth["r_bulk_ohm_cm2"]), r_bulk,
        bool(truth["r_bulk_scored"]), 0.05)  # fmt: skip
    add("r_gb", "", _num(truth["r_gb_ohm_cm2"]), _series_value(got.fits, "gb", None, "r_ohm_cm2"),
        bool(truth["r_gb_scored"]), 0.05)  # fmt: skip
    add("r_pol", "", _num(truth.get("r_pol_ohm_cm2")), _num(s3.get("r_pol_ohm_cm2")), False, None)
    add("c_dl", "", _num(truth.get("c_dl_f_cm2")), _num(s3.get("c_dl_f_cm2")), False, None)
    a_rows = {r.get("spectrum"): _num(r.get("value")) for r in (s36.get("step6") or {}).get("contact_area") or []}
    for row in spectra:
        name = row["spectrum"]
        for q, key in (("r_ct", "r_ct_ohm_cm2"), ("r_cstr", "r_cstr_ohm_cm2"), ("r_int", "r_int_ohm_cm2")):
            t = _num(row.get(key))
            if t is None or t == 0:
                continue
            element = q.removeprefix("r_")
            add(q, name, t, _series_value(got.fits, element, name, "r_ohm_cm2"), False, None)
        if truth.get("r_pol_ohm_cm2"):
            add("a", name, _num(row["contact_fraction"]), a_rows.get(name), bool(truth["a_scored"].get(name)), 0.10)

    def within(q: str) -> tuple[int, int]:
        rows = [e for e in errors if e["quantity"] == q and e["scored"]]
        return sum(bool(e["within_tolerance"]) for e in rows), len(rows)

    a_ok, a_n = within("a")
    right = verdict_right(truth, verdict)
    first = unperturbed_decision(v, verdict)
    tau_scored = bool(truth["tau_order_scored"])
    out = {
        "cell": cell,
        "class": truth["class"],
        "generator": truth["generator"],
        "truth": truth["dominant"],
        "interface_declared": truth["interface_declared"],
        "identifiable": bool(truth["identifiable"]),
        "identifiable_reason": truth["identifiable_reason"],
        "verdict": verdict,
        "verdict_right": right,
        "verdict_unperturbed": first,
        "unperturbed_right": verdict_right(truth, first),
        "branch": v.get("branch"),
        "truth_tau_order": truth["tau_order"],
        "pipeline_tau_order": tau_got,
        "tau_order_scored": tau_scored,
        "tau_order_right": (tau_got == truth["tau_order"]) if tau_scored else None,
        "a_scored": a_n,
        "a_within_10pct": a_ok,
        "sei_called_ct_or_mixed": truth["dominant"] == "sei" and verdict in ("charge_transfer", "mixed"),
        "confidence": v.get("confidence"),
        "confidence_fraction": _num((v.get("process_probabilities") or {}).get(verdict)),
        "summary": v.get("summary"),
        "label": truth.get("label", ""),
        "deciding_separation_decades": deciding_separation(truth),
    }
    out["separation_class"] = _separation_class(out["deciding_separation_decades"])
    for q in ("r_bulk", "r_gb", "r_pol", "c_dl"):
        e = next((e for e in errors if e["quantity"] == q), None)
        out[f"{q}_rel_error"] = None if e is None else e["rel_error"]
    return out, errors


def acceptance(rows: Sequence[Mapping[str, Any]], errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The issue's acceptance figures from the per-cell rows and error rows."""

    def frac(ok: int, n: int) -> float | None:
        return ok / n if n else None

    ident = [r for r in rows if r["identifiable"]]
    tau = [r for r in rows if r["tau_order_scored"]]
    values: dict[str, tuple[float | None, int, int]] = {
        "verdict_right_identifiable": (
            frac(sum(r["verdict_right"] for r in ident), len(ident)),
            sum(r["verdict_right"] for r in ident),
            len(ident),
        ),
        "tau_order_right": (
            frac(sum(bool(r["tau_order_right"]) for r in tau), len(tau)),
            sum(bool(r["tau_order_right"]) for r in tau),
            len(tau),
        ),
    }
    for q, name in (("a", "a_within_10pct"), ("r_bulk", "r_bulk_within_5pct"), ("r_gb", "r_gb_within_5pct")):
        sel = [e for e in errors if e["quantity"] == q and e["scored"]]
        ok = sum(bool(e["within_tolerance"]) for e in sel)
        values[name] = (frac(ok, len(sel)), ok, len(sel))
    sei = [r for r in rows if r["truth"] == "sei"]
    bad = sum(r["sei_called_ct_or_mixed"] for r in sei)
    values["sei_called_ct_or_mixed"] = (float(bad), bad, len(sei))
    high = [r for r in rows if r.get("confidence") == "high"]
    wrong = sum(not r["verdict_right"] for r in high)
    values["high_confidence_wrong"] = (float(wrong), wrong, len(high))
    values["high_confidence_right"] = (frac(len(high) - wrong, len(high)), len(high) - wrong, len(high))
    for name, verdict, right in (
        ("definite_wrong", "verdict", "verdict_right"),
        ("unperturbed_definite_wrong", "verdict_unperturbed", "unperturbed_right"),
    ):
        definite = [r for r in rows if r[verdict] not in NO_ANSWER]
        bad = sum(not r[right] for r in definite)
        values[name] = (float(bad), bad, len(definite))
    out = []
    for name, thr, op in ACCEPTANCE:
        val, ok, n = values[name]
        passes = val is not None and (val >= thr if op == ">=" else val <= thr)
        out.append({"figure": name, "value": val, "count": ok, "of": n, "threshold": f"{op} {thr:g}", "passes": passes})
    return out


def confusion(rows: Sequence[Mapping[str, Any]], only_identifiable: bool) -> list[dict[str, Any]]:
    """Truth x verdict counts (rows: true dominant process; columns: the pipeline's verdicts)."""
    out = []
    for t in PROCESSES:
        sel = [r for r in rows if r["truth"] == t and (r["identifiable"] or not only_identifiable)]
        out.append({"truth": t, **{v: sum(r["verdict"] == v for r in sel) for v in VERDICTS}, "n": len(sel)})
    return out


def _write_csv(path: str | Path, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), delimiter=",", lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _g(v) if isinstance(v, float) else ("" if v is None else v) for k, v in r.items()})


def score_dataset(
    dataset_dir: str | Path,
    results_dir: str | Path,
    cells: Sequence[str],
    *,
    score_csv: str | Path,
    errors_csv: str | Path,
    acceptance_csv: str | Path,
    confusion_csv: str | Path,
    html: str | Path,
) -> list[dict[str, Any]]:
    """Score every cell of a matrix dataset and write the CSV tables and the HTML page.

    Parameters
    ----------
    dataset_dir
        The matrix dataset (``ground_truth/<cell>.json``).
    results_dir
        ``results/<dataset>`` with the pipeline's per-cell outputs.
    cells
        Cells to score.
    score_csv, errors_csv, acceptance_csv, confusion_csv, html
        Output paths.

    Returns
    -------
    list of dict
        The acceptance figures.
    """
    rows, errors = [], []
    for cell in sorted(cells):
        truth = json.loads((Path(dataset_dir) / "ground_truth" / f"{cell}.json").read_text(encoding="utf-8"))
        row, err = score_cell(truth, load_pipeline_cell(Path(results_dir) / cell))
        rows.append(row)
        errors.extend(err)
    acc = acceptance(rows, errors)
    conf = [{"population": "identifiable", **r} for r in confusion(rows, True)]
    conf += [{"population": "all", **r} for r in confusion(rows, False)]
    _write_csv(score_csv, rows, list(rows[0]) if rows else ["cell"])
    _write_csv(errors_csv, errors, ["cell", "class", "spectrum", "quantity", "truth", "pipeline", "rel_error", "scored",
                                    "within_tolerance"])  # fmt: skip
    _write_csv(acceptance_csv, acc, ["figure", "value", "count", "of", "threshold", "passes"])
    _write_csv(confusion_csv, conf, ["population", "truth", *VERDICTS, "n"])
    Path(html).write_text(render_html(Path(dataset_dir).name, rows, errors, acc, conf), encoding="utf-8")
    return acc


# ------------------------------------------------------------------------------------------------------ HTML
_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:0.2em 0.5em;font-size:0.85em}
th{background:#f0f0f0}.bad{background:#fbe3e3}.ok{background:#e3f5e3}.na{color:#999}
figure{display:inline-block;margin:0 1em 1em 0}figcaption{font-size:0.8em}
"""


def _histogram_svg(values: Sequence[float], title: str) -> str:
    """Histogram of signed relative errors (clipped to +-100 %) as inline SVG."""
    edges = [-1.0, -0.5, -0.2, -0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    counts = [0] * (len(edges) - 1)
    for v in values:
        x = min(max(v, -0.999999), 0.999999)
        for i in range(len(counts)):
            if edges[i] <= x < edges[i + 1]:
                counts[i] += 1
                break
    w, h, pad = 360, 140, 20
    bw = (w - 2 * pad) / len(counts)
    top = max(counts) or 1
    bars = []
    for i, c in enumerate(counts):
        bh = (h - 2 * pad) * c / top
        x = pad + i * bw
        bars.append(f'<rect x="{x:.1f}" y="{h - pad - bh:.1f}" width="{bw - 2:.1f}" height="{bh:.1f}" fill="#4a7ab5"/>')
        if c:
            bars.append(
                f'<text x="{x + bw / 2:.1f}" y="{h - pad - bh - 2:.1f}" font-size="9" text-anchor="middle">{c}</text>'
            )
    labels = "".join(
        f'<text x="{pad + i * bw:.1f}" y="{h - 5}" font-size="8" text-anchor="middle">{e * 100:g}</text>'
        for i, e in enumerate(edges)
    )
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img">'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#333"/>{"".join(bars)}{labels}</svg>'
        f"<figcaption>{html.escape(title)} - relative error, % (bin edges), n = {len(values)}</figcaption></figure>"
    )


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], mark: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cls = ""
        if mark is not None and r.get(mark) is not None:
            cls = ' class="ok"' if r.get(mark) else ' class="bad"'
        cells = "".join(
            f"<td>{html.escape(_g(r.get(c), 4) if isinstance(r.get(c), float) else str(r.get(c, '')))}</td>"
            for c in columns
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render_html(
    dataset: str,
    rows: Sequence[Mapping[str, Any]],
    errors: Sequence[Mapping[str, Any]],
    acc: Sequence[Mapping[str, Any]],
    conf: Sequence[Mapping[str, Any]],
) -> str:
    """The self-contained score page (inline CSS and SVG, no scripts, no links out)."""
    separation = by_separation(rows)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>Validation matrix: {html.escape(dataset)}</title>',
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Known-answer validation matrix: {html.escape(dataset)}</h1>",
        "<p>Each cell is simulated with a known answer (eisrecipe.matrix: Table 1 equivalent circuits and 3D-network "
        "cells) and analysed by the unchanged pipeline, which never reads the truth. Identifiability is decided a "
        "priori from physics (an element is visible when its frequency lies in the drift-free window and its arc "
        "reaches 3 noise standard deviations); the reason is given for every cell that is not identifiable.</p>",
        "<h2>Acceptance (issue 15)</h2>",
        _table(acc, ["figure", "value", "count", "of", "threshold", "passes"], mark="passes"),
        "<h2>Confusion matrix (truth x verdict)</h2>",
        _table(conf, ["population", "truth", *VERDICTS, "n"]),
        "<h2>Identifiable cells by resolution</h2>",
        "<p>Distance in decades of tau, at the lowest pressure, from the element(s) that decide the true process to "
        "the nearest other visible element (for a mixed cell also CT and constriction from each other): an arc can "
        "be visible and still merge with its neighbour in the DRT.</p>",
        _table(separation, ["separation_decades", "cells", "right", "fraction_right", "undetermined"]),
        "<h2>Error distributions</h2>",
    ]
    for q, title in (
        ("r_bulk", "R_Bulk"),
        ("r_gb", "R_GB"),
        ("r_pol", "R_Pol (R_CT at full contact)"),
        ("r_ct", "R_CT(p)"),
        ("r_cstr", "R_Cstr(p)"),
        ("r_int", "R_Int(p) (single interface element)"),
        ("c_dl", "C_DL"),
        ("a", "A(p)"),
    ):
        vals = [e["rel_error"] for e in errors if e["quantity"] == q and e["rel_error"] is not None]
        missing = sum(1 for e in errors if e["quantity"] == q and e["rel_error"] is None)
        parts.append(_histogram_svg(vals, f"{title}; {missing} without a pipeline value"))
    parts += [
        "<h2>Cells</h2>",
        _table(
            rows,
            [
                "cell",
                "class",
                "generator",
                "truth",
                "interface_declared",
                "identifiable",
                "verdict",
                "verdict_right",
                "verdict_unperturbed",
                "unperturbed_right",
                "confidence",
                "branch",
                "truth_tau_order",
                "pipeline_tau_order",
                "tau_order_right",
                "a_within_10pct",
                "a_scored",
                "r_bulk_rel_error",
                "r_gb_rel_error",
                "r_pol_rel_error",
                "deciding_separation_decades",
                "identifiable_reason",
                "label",
            ],
            mark="verdict_right",
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eisrecipe.matrix.score DATASET RESULTS [--out DIR]``: score what the pipeline left.

    For a run in which some cells' jobs failed (``snakemake --keep-going``): the ``matrix_score`` rule needs every
    cell's outputs, this scores the cells that have them and counts the others as ``missing`` (a failure in every
    figure they enter). Writes score.csv, errors.csv, acceptance.csv, confusion.csv and score.html to ``--out``
    (default ``RESULTS/matrix``) and prints the acceptance table.
    """
    import argparse

    ap = argparse.ArgumentParser(prog="python -m eisrecipe.matrix.score", description=main.__doc__)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("results", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--analysed-only",
        action="store_true",
        help="score only the cells that have a verdict.json (a run still in progress or stopped); say so when citing",
    )
    args = ap.parse_args(argv)
    out = args.out or args.results / "matrix"
    out.mkdir(parents=True, exist_ok=True)
    with (args.dataset / "samples.tsv").open(encoding="utf-8") as fh:
        cells = sorted({r["cell"] for r in csv.DictReader(fh, delimiter="\t")})
    if args.analysed_only:
        cells = [c for c in cells if (args.results / c / "verdict.json").is_file()]
        print(f"scoring the {len(cells)} cells that have a verdict.json")
    acc = score_dataset(
        args.dataset,
        args.results,
        cells,
        score_csv=out / "score.csv",
        errors_csv=out / "errors.csv",
        acceptance_csv=out / "acceptance.csv",
        confusion_csv=out / "confusion.csv",
        html=out / "score.html",
    )
    for a in acc:
        print(f"{a['figure']:28s} {_g(a['value'], 3):>8s} ({a['count']}/{a['of']}) {a['threshold']:>8s} {a['passes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
