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
from eisrecipe.recipe.gates import failure_flags
from eisrecipe.serialize import finite
from eisrecipe.spectrum import Spectrum

__all__ = [
    "ARRHENIUS_COLUMNS",
    "MAX_REL_RESIDUAL",
    "STEP7_TO_PROCESS",
    "arrhenius_table",
    "gate_fits",
    "joint_arrhenius",
    "step7_findings",
    "step7_rows",
]

log = logging.getLogger(__name__)


def joint_arrhenius(
    series: Sequence[Spectrum],
    table: pd.DataFrame,
    n_temperatures: int,
    *,
    enabled: bool,
    weighting: str,
    r_inf: str = "auto",
    two_stage_stats: Mapping[str, tuple[float, int, int]] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]] | None:
    """Joint Arrhenius fit of the temperature spectra: (``fits.csv`` rows, findings), ``None`` when it does not
    apply (switched off, or fewer than two temperatures). A fit that raises is reported, not fatal: the verdict
    then uses the two-stage activation energies.

    ``two_stage_stats`` (spectrum -> chi2, fitted parameters, data points of its own fit) lets the joint fit be
    compared with the per-spectrum fits: ``findings["vs_two_stage"]`` holds both BICs and ``preferred`` (the joint
    model identified R_inf where the spectra's own fits could not, :func:`_vs_two_stage`), which
    :func:`step7_rows` uses."""
    if not enabled or n_temperatures < 2 or table.empty:
        return None
    rows = table[table["fit"] == "temperature"]
    spectra = [
        s
        for s in series
        if s.meta.get("series") == "temperature" and math.isfinite(float(s.meta.get("temperature_c", math.nan)))
    ]
    has_cpe = bool((rows["kind"] == "RCPE").any())
    sharing = {"shared": (False, False), "alpha per spectrum": (True, False), "C and alpha per spectrum": (True, True)}
    # R_inf: as each spectrum's own model selection chose it, or (temperature.r_inf = auto, some spectrum without
    # it) in every spectrum - the Arrhenius law and the shared capacitances can pin a series resistance that no
    # single spectrum identifies (a bulk arc leaving the window trades off against it)
    r_inf_options: dict[str, bool | None] = {"per-spectrum choice": None}
    rows_r = rows[rows["kind"] != "CPE"] if "kind" in rows else rows
    some_without = bool((rows_r.groupby("spectrum")["r_inf_ohm_cm2"].first() == 0.0).any() if len(rows_r) else False)
    if r_inf == "auto" and some_without:
        r_inf_options["in every spectrum"] = True
    results: dict[str, Any] = {}
    settings_of: dict[str, tuple[bool, bool, bool | None]] = {}
    for label, (local_alpha, local_c) in sharing.items():
        if local_alpha and not has_cpe and not local_c:
            continue
        for r_label, r_opt in r_inf_options.items():
            key = label if r_opt is None else f"{label}, R_inf {r_label}"
            try:
                results[key] = fit_arrhenius_joint(
                    spectra,
                    rows,
                    weighting=weighting,  # type: ignore[arg-type]
                    jackknife=False,
                    local_alpha=local_alpha and has_cpe,
                    local_c=local_c,
                    r_inf=r_opt,
                )
                settings_of[key] = (local_alpha and has_cpe, local_c, r_opt)
            except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
                log.warning("joint Arrhenius fit (%s) failed: %s", key, exc)
    if not results:
        return pd.DataFrame(), {"applies": True, "ok": False, "flags": ["fit failed"], "elements": {}}
    if all(r is None for r in results.values()):
        return pd.DataFrame(), {"applies": False, "reason": "no element fitted at two temperatures or more"}
    bic = {k: _joint_bic(r) for k, r in results.items() if r is not None}
    r_inf_evidence = {k: _joint_r_inf(results[k]) for k in bic if settings_of[k][2] is True}
    usable = [k for k in bic if results[k].ok and r_inf_evidence.get(k, (True, ""))[0]] or [
        k for k in bic if settings_of[k][2] is not True
    ]
    best = min(usable, key=lambda k: bic[k])
    local_alpha, local_c, r_opt = settings_of[best]
    try:  # the chosen model again, now with its leave-one-temperature-out jackknife
        result = fit_arrhenius_joint(
            spectra,
            rows,
            weighting=weighting,
            local_alpha=local_alpha,
            local_c=local_c,
            r_inf=r_opt,  # type: ignore[arg-type]
        )
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        log.warning("joint Arrhenius fit (%s, jackknife) failed: %s", best, exc)
        result = results[best]
    assert result is not None
    findings = result.findings()
    findings["sharing"] = {
        "chosen": best,
        "rule": "every R on its Arrhenius law; capacitances and R-CPE exponents shared across temperatures, "
        "exponents per spectrum, or both per spectrum; R_inf as each spectrum's model selection chose it or in every "
        f"spectrum (kept only when its inverse-variance mean is positive beyond {R_INF_JOINT_Z:g} standard errors): "
        "the unflagged fit with the lowest BIC",
        "bic": bic,
        "ok": {k: bool(results[k].ok) for k in bic},
        "r_inf_evidence": {k: why for k, (_, why) in r_inf_evidence.items()},
    }
    findings["vs_two_stage"] = _vs_two_stage(result, two_stage_stats, adds_r_inf=r_opt is True)
    return result.table, findings


def _vs_two_stage(
    result: Any, stats: Mapping[str, tuple[float, int, int]] | None, *, adds_r_inf: bool
) -> dict[str, Any]:
    """The joint fit against the per-spectrum fits of the same spectra.

    ``preferred`` (used by :func:`step7_rows` where the two-stage route is complete): the joint model holds a term
    the per-spectrum fits could not identify - R_inf, pinned only by the Arrhenius laws and shared capacitances.
    With the same terms the joint model is the per-spectrum one constrained, and its BIC does not tell which
    split of correlated arcs is right (the pellet s04147: joint BIC lower, joint Ea,Bulk 0.67 eV against 0.60 eV
    two-stage and by hand), so the direct per-spectrum route is kept. Both BICs are reported (each spectrum with
    its own noise level: sum over spectra of n_j ln(chi2_j / n_j), plus k ln N)."""
    specs = [str(x) for x in pd.unique(result.table["spectrum"])] if not result.table.empty else []
    joint_chi2 = getattr(result, "chi2_spectra", {}) or {}
    rule = (
        "the joint fit is preferred over complete per-spectrum fits only where it identifies R_inf, which they "
        "left out as not identified"
    )
    if not stats or not specs or any(sp not in stats or sp not in joint_chi2 for sp in specs):
        return {"preferred": adds_r_inf, "rule": rule}
    n_all = sum(int(stats[sp][2]) for sp in specs)

    def bic(chi2: Mapping[str, float], k: int) -> float:
        fit_term = sum(int(stats[sp][2]) * math.log(max(float(chi2[sp]), 1e-300) / int(stats[sp][2])) for sp in specs)
        return float(fit_term + k * math.log(n_all))

    two = bic({sp: stats[sp][0] for sp in specs}, sum(int(stats[sp][1]) for sp in specs))
    joint = bic(joint_chi2, int(result.n_params))
    return {"preferred": adds_r_inf, "bic_joint": joint, "bic_two_stage": two, "rule": rule}


R_INF_JOINT_Z = 2.0
"""A joint fit with R_inf in every spectrum counts only when the inverse-variance mean of its R_inf values is positive
beyond this many standard errors (as :data:`eisrecipe.recipe.temperature.R_INF_Z` for one spectrum)."""


def _joint_r_inf(result: Any) -> tuple[bool, str]:
    """Whether a joint fit's R_inf is identified: (yes/no, the evidence)."""
    per = result.table.drop_duplicates("spectrum")
    value = per["r_inf_ohm_cm2"].to_numpy(float)
    err = per["r_inf_stderr_ohm_cm2"].to_numpy(float)
    ok = np.isfinite(value) & np.isfinite(err) & (err > 0)
    if not ok.any():
        return False, "no R_inf with a finite standard error"
    w = 1.0 / err[ok] ** 2
    mean, sem = float(np.sum(w * value[ok]) / np.sum(w)), float(1.0 / math.sqrt(np.sum(w)))
    text = f"inverse-variance mean R_inf = {mean:.3g} +- {sem:.2g} ohm cm2 over {int(ok.sum())} spectra"
    return mean > R_INF_JOINT_Z * sem, text


def _joint_bic(result: Any) -> float:
    """BIC of a joint fit on its weighted chi2 (n = stacked real and imaginary residuals)."""
    k = int(result.n_params)
    n = int(result.dof) + k
    return float(n * math.log(max(result.chi2, 1e-300) / n) + k * math.log(n))


MAX_REL_RESIDUAL = 0.05
"""Default quality gate on a per-spectrum fit's largest relative residual (config
``temperature.max_rel_residual``)."""


def gate_fits(
    fits: pd.DataFrame, max_rel_residual: float = MAX_REL_RESIDUAL
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The per-spectrum temperature fits that may enter Step 7, and those left out with the reason.

    A spectrum's fit (``fit = temperature`` rows) passes when ``fit_ok`` (converged, not degenerate, no parameter
    on a bound, R_inf not significantly negative) - or when its only flags are R-CPE alphas that ended at 1 (an
    ideal RC, no failure: the same rule as the verdict's gates, :func:`eisrecipe.recipe.gates.failure_flags`) -
    and its largest relative residual is at most ``max_rel_residual``. Rows of other fits pass unchanged.

    Returns
    -------
    kept, left_out
        ``fits`` without the failed spectra's temperature rows; one entry per left-out spectrum
        (``spectrum``, ``temperature_c``, ``reason``).
    """
    if fits.empty or "fit" not in fits:
        return fits, []
    rows = fits["fit"] == "temperature"
    bad: dict[str, dict[str, Any]] = {}
    for spec, g in fits[rows].groupby(fits.loc[rows, "spectrum"].astype(str), sort=False):
        reasons = []
        if "fit_ok" in g and not bool(g["fit_ok"].astype(bool).all()):
            flags = "; ".join(sorted({str(f) for f in g.get("flags", []) if isinstance(f, str) and f}))
            failures = sorted({f for v in g.get("flags", []) for f in failure_flags(v)})
            if failures or not flags:  # flags that are all "alpha ended at 1" are no failure
                reasons.append(f"fit_ok false ({flags})" if flags else "fit_ok false")
        worst = float(g["max_rel_residual"].max()) if "max_rel_residual" in g else 0.0
        if not worst <= max_rel_residual:
            reasons.append(f"largest relative residual {worst:.3f} > {max_rel_residual:g}")
        if reasons:
            bad[str(spec)] = {
                "spectrum": str(spec),
                "temperature_c": float(g["temperature_c"].iloc[0]),
                "reason": "; ".join(reasons),
            }
    drop = rows & fits["spectrum"].astype(str).isin(bad)
    return fits[~drop].reset_index(drop=True), list(bad.values())


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
    "two_stage_complete",
    "joint_preferred",
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


def arrhenius_table(
    fits: pd.DataFrame, temperature: Mapping[str, Any] | None = None, max_rel_residual: float | None = None
) -> pd.DataFrame:
    """One Arrhenius row per element of the temperature-series fits that pass the quality gates (module
    docstring; :func:`gate_fits`).

    Parameters
    ----------
    fits
        The cell's ``fits.csv``.
    temperature
        The ``temperature`` entry of ``steps36.json`` (DRT cross-check and the joint Arrhenius fit under
        ``joint``), or ``None``.
    max_rel_residual
        Residual gate; ``None``: the fit stage's setting (``temperature["settings"]``) or :data:`MAX_REL_RESIDUAL`.
    """
    rows: list[dict[str, Any]] = []
    if fits.empty or "fit" not in fits:
        return pd.DataFrame(columns=ARRHENIUS_COLUMNS)
    if max_rel_residual is None:
        max_rel_residual = float(((temperature or {}).get("settings") or {}).get("max_rel_residual", MAX_REL_RESIDUAL))
    n_series = int(fits.loc[fits["fit"] == "temperature", "spectrum"].nunique())
    fits, _ = gate_fits(fits, max_rel_residual)
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
        row["two_stage_complete"] = bool(fit.n_points == n_series)
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
            "joint_preferred": False,
        }
    return {
        "ea_joint_ev": e["ea_ev"],
        "ea_joint_stderr_ev": e["ea_stderr_ev"],
        "ln_prefactor_joint": e["ln_prefactor"],
        "ln_prefactor_joint_stderr": e["ln_prefactor_stderr"],
        "joint_ok": bool(joint.get("ok")) and math.isfinite(e["ea_stderr_ev"]),
        "joint_preferred": bool((joint.get("vs_two_stage") or {}).get("preferred", True)),
    }


def step7_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``arrhenius.csv`` for the verdict, ``ea_ev``/``ea_stderr_ev``/``ln_prefactor`` set to the chosen route.

    The joint fit's values where ``joint_ok`` and either the two-stage route is incomplete or the joint model holds
    a term the per-spectrum fits lack (``joint_preferred``) (``ea_method = "joint"``), the two-stage ones otherwise
    (``ea_method = "two-stage"``); the two-stage values stay under ``ea_two_stage_ev`` and
    ``ea_two_stage_stderr_ev``. The joint fit pins R where an arc leaves the window or a spectrum's own fit failed
    the gates, and it can identify a series resistance that no single spectrum does (a bulk arc running past the top
    frequency: the per-spectrum bulk R absorbs it). Where every spectrum of the series has its own gated-in fit of
    the element (``two_stage_complete``) and the joint model holds no term they lack (``joint_preferred`` false,
    :func:`joint_arrhenius`), its shared terms only add model error (the EISFitpython pellet s04147: bulk and GB
    arcs correlated at -0.9 in every spectrum, joint Ea,Bulk 0.67 against 0.60 two-stage and 0.60 by hand).
    """
    out: list[dict[str, Any]] = []
    for row in table.to_dict(orient="records"):
        row = {**row, "ea_two_stage_ev": row.get("ea_ev"), "ea_two_stage_stderr_ev": row.get("ea_stderr_ev")}
        complete = bool(row.get("two_stage_complete")) and math.isfinite(float(row.get("ea_ev", math.nan)))
        preferred = bool(row.get("joint_preferred", True))
        if (
            (not complete or preferred)
            and bool(row.get("joint_ok"))
            and math.isfinite(float(row.get("ea_joint_ev", math.nan)))
        ):
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
        ``intermediate`` or ``undetermined``), ``order_checks``, ``significance`` (z = difference over the
        combined standard error and its two-sided p-value against Ea,Bulk and Ea,GB) and a ``finding`` sentence.
        Classification by significance, never by which value is nearer: significantly below Ea,GB and
        consistent with Ea,Bulk or significantly between the two -> constriction-like (Table 1); not
        significantly below Ea,GB (and distinguishable from Ea,Bulk, or above Ea,GB) -> charge-transfer-like;
        consistent with both -> undetermined (the errors do not separate them).
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
    tests: dict[str, Any] = {}
    if bulk:
        tests["vs_bulk"] = _z_test(iface, bulk)
    if gb:
        tests["vs_gb"] = _z_test(iface, gb)
    out["significance"] = {"z_crit": z_crit, **tests}
    if bulk and gb:
        zb, zg = tests["vs_bulk"]["z"], tests["vs_gb"]["z"]
        below_gb = zg < -z_crit  # significantly below Ea,GB
        if not below_gb:
            cls = "charge_transfer_like" if (zb > z_crit or iface[0] >= gb[0]) else "undetermined"
            why = (
                f"not significantly below Ea,GB = {gb[0]:.3f} +- {gb[1]:.3f} eV (z = {zg:+.1f})"
                if cls == "charge_transfer_like"
                else f"indistinguishable from both Ea,Bulk (z = {zb:+.1f}) and Ea,GB (z = {zg:+.1f}) within "
                f"{z_crit:g} combined standard errors"
            )
        elif abs(zb) <= z_crit:
            cls = "constriction_like"
            why = (
                f"consistent with Ea,Bulk = {bulk[0]:.3f} +- {bulk[1]:.3f} eV (z = {zb:+.1f}) and significantly "
                f"below Ea,GB = {gb[0]:.3f} eV (z = {zg:+.1f})"
            )
        elif zb > z_crit:
            # RECIPE.md Table 1: Ea,Bulk < Ea,Cstr <= Ea,GB (a weighted average), while Ea,CT >= Ea,GB
            cls = "constriction_like"
            why = (
                f"significantly between Ea,Bulk = {bulk[0]:.3f} (z = {zb:+.1f}) and Ea,GB = {gb[0]:.3f} eV "
                f"(z = {zg:+.1f}): a weighted average of the microscopic processes, as a constriction's (Table 1)"
            )
        else:
            cls = "undetermined"
            why = f"significantly below Ea,Bulk = {bulk[0]:.3f} eV (z = {zb:+.1f}): outside the microscopic range"
    elif bulk:
        zb = tests["vs_bulk"]["z"]
        cls = "constriction_like" if abs(zb) <= z_crit else "undetermined"
        verb = "consistent with" if cls == "constriction_like" else "not consistent with"
        why = f"{verb} Ea,Bulk = {bulk[0]:.3f} eV (z = {zb:+.1f}); no GB"
    else:
        cls, why = "undetermined", "no bulk activation energy to compare with"
    out.update(classification=cls, finding=f"{text}, {why}{_ea_source(ea)}")
    return out


def _z_test(a: tuple[float, float], b: tuple[float, float]) -> dict[str, float]:
    """z = (Ea_a - Ea_b) / sqrt(se_a^2 + se_b^2) and its two-sided p-value (normal), the two errors independent."""
    se = math.hypot(a[1], b[1])
    z = (
        (a[0] - b[0]) / se
        if se > 0 and math.isfinite(se)
        else (0.0 if a[0] == b[0] else math.copysign(math.inf, a[0] - b[0]))
    )
    p = math.erfc(abs(z) / math.sqrt(2)) if math.isfinite(z) else 0.0
    return {"difference_ev": a[0] - b[0], "combined_stderr_ev": se, "z": z, "p_value": p}


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
