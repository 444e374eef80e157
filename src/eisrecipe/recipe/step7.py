"""Recipe Step 7 in one place: the Arrhenius analysis of a temperature series (RECIPE.md Step 7).

- :func:`joint_arrhenius`: the joint fit of all temperature spectra, every R_i(T) on the Arrhenius law and the
  capacitances shared (:mod:`eisrecipe.methods.arrhenius_joint`), started from the per-spectrum fits of
  :mod:`eisrecipe.recipe.temperature`; the fit stage runs it because it holds the spectra;
- :func:`arrhenius_table`: one row per element (``arrhenius.csv``) - the two-stage fit of ln(T/R) on 1/T over
  the fitted R(T) with their standard errors (:func:`eisrecipe.methods.arrhenius.arrhenius_fit`), the same fit over
  the DRT peak areas assigned to the element inside the measured window as a cross-check (``ea_drt_ev``;
  unweighted), and the joint fit's result where it ran (``ea_joint_ev``, ``ea_joint_stderr_ev`` - the larger of the
  formal and the leave-one-temperature-out jackknife error -, ``ln_prefactor_joint`` (+ stderr), ``joint_ok``:
  converged, not degenerate, nothing on a bound). ``ea_ev`` stays the two-stage value, so both routes are in the
  table side by side;
- :func:`step7_rows`: which Ea the verdict uses - the joint one for every element whose joint fit is ``ok``, the
  two-stage one otherwise (``ea_method``). The joint fit is preferred because it pins R where an arc leaves the
  measured window (shared C and the Arrhenius law), which the per-spectrum fits cannot;
- :func:`step7_findings`: the interface activation energy classified against Ea,Bulk and Ea,GB and the expected
  order checked.

An element whose fitted R has no finite standard error somewhere is fitted unweighted (errors from the scatter).
Units: Ea in eV, temperatures in degrees C (K where named), R in ohm cm^2.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.constants import ZERO_CELSIUS_K
from eisrecipe.methods.arrhenius import arrhenius_fit
from eisrecipe.methods.arrhenius_joint import fit_arrhenius_joint
from eisrecipe.recipe.elements import INTERFACE, element_rank
from eisrecipe.serialize import finite
from eisrecipe.spectrum import Spectrum

__all__ = [
    "ARRHENIUS_COLUMNS",
    "STEP7_TO_PROCESS",
    "arrhenius_table",
    "joint_arrhenius",
    "step7_findings",
    "step7_rows",
]

log = logging.getLogger(__name__)


def joint_arrhenius(
    series: Sequence[Spectrum], table: pd.DataFrame, n_temperatures: int, *, enabled: bool, weighting: str
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Joint Arrhenius fit of the temperature spectra: (``fits.csv`` rows, findings), ``None`` when it does not
    apply (switched off, or fewer than two temperatures). A fit that raises is reported, not fatal: the verdict
    then uses the two-stage activation energies."""
    if not enabled or n_temperatures < 2 or table.empty:
        return None
    rows = table[table["fit"] == "temperature"]
    spectra = [
        s
        for s in series
        if s.meta.get("series") == "temperature" and math.isfinite(float(s.meta.get("temperature_c", math.nan)))
    ]
    try:
        result = fit_arrhenius_joint(spectra, rows, weighting=weighting)  # type: ignore[arg-type]
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        log.warning("joint Arrhenius fit failed: %s", exc)
        return pd.DataFrame(), {"applies": True, "ok": False, "flags": [f"fit failed: {exc}"], "elements": {}}
    if result is None:
        return pd.DataFrame(), {"applies": False, "reason": "no element fitted at two temperatures or more"}
    return result.table, result.findings()


ARRHENIUS_COLUMNS = [
    "element",
    "ea_ev",
    "ea_stderr_ev",
    "ln_prefactor",
    "ln_prefactor_stderr",
    "r2",
    "reduced_chi2",
    "n_points",
    "t_min_c",
    "t_max_c",
    "weighted",
    "ea_drt_ev",
    "ea_drt_stderr_ev",
    "n_points_drt",
    "ea_joint_ev",
    "ea_joint_stderr_ev",
    "ln_prefactor_joint",
    "ln_prefactor_joint_stderr",
    "joint_ok",
]


def _drt_points(temperature: Mapping[str, Any] | None) -> dict[str, list[tuple[float, float]]]:
    """Element -> [(temperature_c, summed DRT peak area)] from the temperature-series assignment."""
    out: dict[str, list[tuple[float, float]]] = {}
    for entry in (temperature or {}).get("spectra") or []:
        sums: dict[str, float] = {}
        for peak in entry.get("peaks") or []:
            if not peak.get("in_window", True):
                continue  # a truncated peak's area is not the element's resistance
            sums[peak["element"]] = sums.get(peak["element"], 0.0) + float(peak["r_ohm_cm2"])
        for name, r in sums.items():
            out.setdefault(name, []).append((float(entry["temperature_c"]), r))
    return out


def arrhenius_table(fits: pd.DataFrame, temperature: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One Arrhenius row per element of the temperature-series fits (see module docstring).

    Parameters
    ----------
    fits
        The cell's ``fits.csv``.
    temperature
        The ``temperature`` entry of ``steps36.json`` (DRT cross-check and the joint Arrhenius fit under
        ``joint``), or ``None``.
    """
    rows: list[dict[str, Any]] = []
    if fits.empty or "fit" not in fits:
        return pd.DataFrame(columns=ARRHENIUS_COLUMNS)
    t_rows = fits[(fits["fit"] == "temperature") & (fits["r_ohm_cm2"] > 0)]
    drt = _drt_points(temperature)
    joint = (temperature or {}).get("joint") or {}
    names = sorted(set(t_rows["element"].astype(str)), key=element_rank)
    for name in names:
        g = t_rows[t_rows["element"] == name].sort_values("temperature_c")
        if g["temperature_c"].nunique() < 2:
            continue
        err = g["r_stderr_ohm_cm2"].to_numpy(float)
        weighted = bool(np.all(np.isfinite(err) & (err > 0)))
        fit = arrhenius_fit(
            g["temperature_c"].to_numpy(float),
            g["r_ohm_cm2"].to_numpy(float),
            err if weighted else None,
            element=name,
        )
        row: dict[str, Any] = {
            "element": name,
            "ea_ev": fit.ea_ev,
            "ea_stderr_ev": fit.ea_stderr_ev,
            "ln_prefactor": fit.ln_prefactor,
            "ln_prefactor_stderr": fit.ln_prefactor_stderr,
            "r2": fit.r_squared,
            "reduced_chi2": fit.reduced_chi2,
            "n_points": fit.n_points,
            "t_min_c": fit.t_min_k - ZERO_CELSIUS_K,
            "t_max_c": fit.t_max_k - ZERO_CELSIUS_K,
            "weighted": weighted,
            "ea_drt_ev": math.nan,
            "ea_drt_stderr_ev": math.nan,
            "n_points_drt": 0,
        }
        pts = drt.get(name, [])
        if len({t for t, _ in pts}) >= 2:
            d = arrhenius_fit([t for t, _ in pts], [r for _, r in pts], None, element=name)
            row.update(ea_drt_ev=d.ea_ev, ea_drt_stderr_ev=d.ea_stderr_ev, n_points_drt=d.n_points)
        row.update(_joint_columns(joint, name))
        rows.append(row)
    return pd.DataFrame(rows, columns=ARRHENIUS_COLUMNS)


def _joint_columns(joint: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The joint-fit columns of one element's row (NaN and ``joint_ok`` false where it has no joint law)."""
    e = (joint.get("elements") or {}).get(name)
    if not e:
        return {
            "ea_joint_ev": math.nan,
            "ea_joint_stderr_ev": math.nan,
            "ln_prefactor_joint": math.nan,
            "ln_prefactor_joint_stderr": math.nan,
            "joint_ok": False,
        }
    return {
        "ea_joint_ev": e["ea_ev"],
        "ea_joint_stderr_ev": e["ea_stderr_ev"],
        "ln_prefactor_joint": e["ln_prefactor"],
        "ln_prefactor_joint_stderr": e["ln_prefactor_stderr"],
        "joint_ok": bool(joint.get("ok")) and math.isfinite(e["ea_stderr_ev"]),
    }


def step7_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``arrhenius.csv`` for the verdict, ``ea_ev``/``ea_stderr_ev``/``ln_prefactor`` set to the chosen route.

    The joint fit's values where ``joint_ok`` (``ea_method = "joint"``), the two-stage ones otherwise
    (``ea_method = "two-stage"``); the two-stage values stay under ``ea_two_stage_ev`` and
    ``ea_two_stage_stderr_ev``.
    """
    out: list[dict[str, Any]] = []
    for row in table.to_dict(orient="records"):
        row = {**row, "ea_two_stage_ev": row.get("ea_ev"), "ea_two_stage_stderr_ev": row.get("ea_stderr_ev")}
        if bool(row.get("joint_ok")) and math.isfinite(float(row.get("ea_joint_ev", math.nan))):
            row.update(
                ea_ev=row["ea_joint_ev"],
                ea_stderr_ev=row["ea_joint_stderr_ev"],
                ln_prefactor=row["ln_prefactor_joint"],
                ln_prefactor_stderr=row["ln_prefactor_joint_stderr"],
                ea_method="joint",
            )
        else:
            row["ea_method"] = "two-stage"
        out.append(row)
    return out


def step7_findings(ea: Mapping[str, Mapping[str, Any]], z_crit: float = 2.0) -> dict[str, Any]:
    """Classify the interface activation energy and check the expected order (RECIPE.md Step 7).

    Parameters
    ----------
    ea
        Element name -> ``{"ea_ev": ..., "ea_stderr_ev": ...}`` (eV).
    z_crit
        Combined standard errors within which two activation energies count as equal.

    Returns
    -------
    dict
        ``applies``, ``interface_element``, ``classification`` (``constriction_like``, ``charge_transfer_like``,
        ``intermediate`` or ``undetermined``), ``order_checks`` and a ``finding`` sentence.
    """

    def get(name: str) -> tuple[float, float] | None:
        row = ea.get(name)
        if not row:
            return None
        v, e = finite(row.get("ea_ev")), finite(row.get("ea_stderr_ev"))
        return None if v is None else (v, e if e is not None else math.inf)

    bulk, gb = get("bulk"), get("gb")
    iface_name = next((n for n in INTERFACE if get(n) is not None), None)
    out: dict[str, Any] = {"applies": bool(ea), "interface_element": iface_name, "order_checks": {}}
    if not ea:
        out.update(classification="undetermined", finding="no temperature series: Step 7 does not apply")
        return out

    def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return abs(a[0] - b[0]) <= z_crit * math.hypot(a[1], b[1])

    checks: dict[str, Any] = {}
    if bulk and gb:
        checks["ea_bulk_below_ea_gb"] = bool(bulk[0] < gb[0] or close(bulk, gb))
    ct = get("ct")
    if gb and ct:
        checks["ea_gb_at_most_ea_ct"] = bool(gb[0] <= ct[0] or close(gb, ct))
    micro = [x for x in (bulk, gb, ct) if x]
    cstr = get("cstr") or get("int")
    if cstr and len(micro) >= 2:
        lo, hi = min(m[0] for m in micro), max(m[0] for m in micro)
        checks["ea_interface_within_microscopic_range"] = bool(
            lo - z_crit * cstr[1] <= cstr[0] <= hi + z_crit * cstr[1]
        )
    out["order_checks"] = checks
    iface = get(iface_name) if iface_name else None
    if iface is None:
        out.update(classification="undetermined", finding="no interface element in the temperature series")
        return out
    if iface_name == "ct":
        out.update(classification="charge_transfer_like", finding="the interface element is the CT element itself")
        return out
    text = f"Ea,{iface_name} = {iface[0]:.3f} +- {iface[1]:.3f} eV"
    if bulk and gb:
        if close(iface, gb) or iface[0] >= gb[0]:
            cls = "charge_transfer_like"
            why = f"at or above Ea,GB = {gb[0]:.3f} eV"
        elif close(iface, bulk) or abs(iface[0] - bulk[0]) < abs(iface[0] - gb[0]):
            cls = "constriction_like"
            why = f"close to Ea,Bulk = {bulk[0]:.3f} eV (Ea,GB = {gb[0]:.3f} eV)"
        else:
            cls = "intermediate"
            why = f"between Ea,Bulk = {bulk[0]:.3f} and Ea,GB = {gb[0]:.3f} eV, nearer GB"
    elif bulk:
        cls = "constriction_like" if close(iface, bulk) else "undetermined"
        why = f"{'close to' if cls == 'constriction_like' else 'not close to'} Ea,Bulk = {bulk[0]:.3f} eV; no GB"
    else:
        cls, why = "undetermined", "no bulk activation energy to compare with"
    out.update(classification=cls, finding=f"{text}, {why}{_ea_source(ea)}")
    return out


def _ea_source(ea: Mapping[str, Mapping[str, Any]]) -> str:
    """Which fit gave the activation energies (rows' ``ea_method``, set by :func:`eisrecipe.stages.verdict.step7_rows`);
    empty when the rows do not say."""
    methods = {str(n): str(r["ea_method"]) for n, r in ea.items() if r.get("ea_method")}
    if not methods:
        return ""
    if set(methods.values()) == {"joint"}:
        return " (Ea from the joint Arrhenius fit of all temperature spectra)"
    if set(methods.values()) == {"two-stage"}:
        return " (Ea from the two-stage fit: per-spectrum fits, then ln(T/R) on 1/T; no usable joint fit)"
    joint = ", ".join(n for n, m in methods.items() if m == "joint")
    two = ", ".join(n for n, m in methods.items() if m != "joint")
    return f" (Ea of {joint} from the joint Arrhenius fit, of {two} from the two-stage fit)"


STEP7_TO_PROCESS = {
    "constriction_like": "constriction",
    "charge_transfer_like": "charge_transfer",
    "intermediate": "mixed",
}
