"""Simulator truth of a reproduction series: the exact DRT split into process windows, closed forms of the
constriction and SEI resistances, and the ground-truth rows of the long table (sources ``truth`` and
``exact_drt``). Units: ohm cm^2, F cm^-2, s, eV; contact fractions 0..1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from eisrecipe.methods.arrhenius import arrhenius_fit
from eisrecipe.network.scenarios import Material, Scenario, SimulationResult
from eisrecipe.reproduction.longtable import row
from eisrecipe.reproduction.plan import CUBE_UM, SeriesSpec

__all__ = [
    "CT_CORE_FACTOR",
    "contact_islands",
    "ct_core_exact_drt",
    "partition_exact_drt",
    "sei_a_for_ratio",
    "sei_int_closed_form",
    "spot_spreading_ohm_cm2",
    "truth_arrhenius_rows",
    "truth_rows",
]


def partition_exact_drt(result: SimulationResult) -> dict[str, tuple[float, float]]:
    """Split the exact Foster form into process windows in log tau: name -> (R in ohm cm^2, tau in s).

    Windows: bulk below sqrt(tau_Bulk tau_GB); GB up to min(30 tau_GB, sqrt(tau_GB tau_CT)); the rest is interface.
    With a CT element (R_Pol > 0) the interface splits at tau_CT / 5 (tau_Cstr < tau_CT) or 5 tau_CT
    (tau_CT < tau_Cstr) into ``ct`` and ``cstr``; for tau_Cstr ~ tau_CT, R_Pol = 0 or SEI it is one ``int``
    (R_Pol = 0 pores-only: ``cstr``). tau of a window is the R-weighted geometric mean of its modes.
    """
    s = result.scenario
    v = s.values
    tau_b = result.truth["tau_bulk_s"] or 0.0
    tau_g = result.truth["tau_gb_s"] or 0.0
    tau_ct = v.r_pol_ohm_cm2 * v.c_dl_f_cm2
    b1 = math.sqrt(tau_b * tau_g)
    b2 = 30 * tau_g if tau_ct <= 0 else min(30 * tau_g, math.sqrt(tau_g * tau_ct))
    if s.gb_model == "none":
        b1 = b2 = 30 * tau_b
    tau, r = result.drt.tau_s, result.drt.r
    windows: dict[str, np.ndarray] = {"bulk": tau < b1, "gb": (tau >= b1) & (tau < b2)}
    inter = tau >= b2
    if s.morphology == "sei_spot" or s.tau_order == "cstr_eq_ct":
        windows["int"] = inter
    elif tau_ct <= 0:
        windows["cstr"] = inter
    elif s.tau_order == "cstr_lt_ct":
        windows["ct"], windows["cstr"] = inter & (tau >= tau_ct / 5), inter & (tau < tau_ct / 5)
    else:
        windows["ct"], windows["cstr"] = inter & (tau <= tau_ct * 5), inter & (tau > tau_ct * 5)
    out: dict[str, tuple[float, float]] = {}
    for name, m in windows.items():
        rr = float(r[m].sum())
        if rr > 1e-9 * max(result.r_dc_ohm_cm2, 1e-300):
            out[name] = (rr, float(np.exp(np.sum(r[m] * np.log(tau[m])) / rr)))
    return out


#: half-width (factor in tau) of the exact-DRT CT core, :func:`ct_core_exact_drt`
CT_CORE_FACTOR = 2.0


def ct_core_exact_drt(result: SimulationResult, factor: float = CT_CORE_FACTOR) -> float | None:
    """Exact-DRT resistance (ohm cm^2) within a factor ``factor`` of tau_CT = R_Pol C_DL (None without CT).

    The ``ct`` window of :func:`partition_exact_drt` reaches from the GB window to 5 tau_CT (tau_CT < tau_Cstr) or
    from tau_CT / 5 up (tau_Cstr < tau_CT); set beside it, this core shows how much of R_CT comes from modes
    away from tau_CT (pore / constriction modes inside the wider window).
    """
    v = result.scenario.values
    tau_ct = v.r_pol_ohm_cm2 * v.c_dl_f_cm2
    if tau_ct <= 0 or result.scenario.morphology == "sei_spot" or result.scenario.tau_order == "cstr_eq_ct":
        return None
    tau, r = result.drt.tau_s, result.drt.r
    return float(r[(tau >= tau_ct / factor) & (tau <= tau_ct * factor)].sum())


def contact_islands(scenario: Scenario) -> int:
    """Number of connected contact regions (4-connectivity) of a scenario's contact map."""
    from scipy import ndimage

    from eisrecipe.network.morphology import CONTACT

    return int(ndimage.label(scenario.contact_map() == CONTACT)[1])


def spot_spreading_ohm_cm2(a: float, sigma_s_cm: float, side_um: float = CUBE_UM) -> float:
    """Area-specific DC constriction resistance of one centred contact spot of fraction ``a`` on a square face of
    ``side_um`` (NETWORK.md closed form 5): f(eps) / (4 sigma r) x face area, r the equal-area radius, eps = r/b =
    sqrt(a) with b = side / sqrt(pi) the radius of the cylinder-equivalent cell."""
    side = side_um * 1e-4
    r = side * math.sqrt(a / math.pi)
    e = math.sqrt(a)
    f = 1 - 1.40925 * e + 0.29591 * e**3 + 0.05254 * e**5 + 0.02105 * e**7 + 0.01107 * e**9
    return f / (4 * sigma_s_cm * r) * side**2


def sei_int_closed_form(a: float, material: Material | None = None) -> float:
    """Closed-form R_Int (ohm cm^2) of the SEI series (central spot, R_Pol = 0, SEI around it): the spot's
    spreading resistance in parallel with the SEI path R_SEI / (1 - A) (both share the bulk, so this is an
    estimate)."""
    m = material or Material()
    r_spot = spot_spreading_ohm_cm2(a, m.sigma_bulk_s_cm)
    r_sei = m.r_sei_ohm_cm2 / (1 - a)
    return r_spot * r_sei / (r_spot + r_sei)


def truth_rows(spec: SeriesSpec, results: Sequence[SimulationResult]) -> list[dict[str, Any]]:
    """Ground-truth rows: R_dc, element truth and the exact-DRT windows of every spectrum."""
    rows: list[dict[str, Any]] = []
    for res in results:
        rows.append(row(spec, res, "truth", "r_dc", res.r_dc_ohm_cm2))
        keys = ("r_bulk", "r_gb", "r_cstr", "r_ct", "c_ct", "c_pore", "r_sei", "c_sei", "tau_gb", "tau_ct", "tau_sei")
        for key in keys:
            v = res.truth.get(f"{key}_ohm_cm2", res.truth.get(f"{key}_f_cm2", res.truth.get(f"{key}_s")))
            if v is not None and math.isfinite(float(v)):
                rows.append(row(spec, res, "truth", key, float(v)))
        rows.append(row(spec, res, "truth", "n_contact_islands", contact_islands(res.scenario)))
        if res.truth.get("r_bulk_ohm_cm2") is not None and res.truth.get("r_dc_full_ideal_ohm_cm2") is not None:
            # interface DC resistance: R_dc minus the ideal-full-contact bulk + GB
            rows.append(row(spec, res, "truth", "r_int_dc", res.r_dc_ohm_cm2 - res.truth["r_dc_full_ideal_ohm_cm2"]))
        parts = partition_exact_drt(res)
        for name, (r, tau) in parts.items():
            rows.append(row(spec, res, "exact_drt", f"r_{name}", r))
            rows.append(row(spec, res, "exact_drt", f"tau_{name}", tau))
            rows.append(row(spec, res, "exact_drt", f"c_{name}", tau / r))
        core = ct_core_exact_drt(res)
        if core is not None and "ct" in parts:
            rows.append(row(spec, res, "exact_drt", "r_ct_core", core))
    return rows


def truth_arrhenius_rows(spec: SeriesSpec, results: Sequence[SimulationResult]) -> list[dict[str, Any]]:
    """Activation energies (eV) of the ground-truth resistances over a temperature series."""
    t = [r.scenario.temperature_c for r in results]
    per: dict[tuple[str, str], list[float]] = {}
    for res in results:
        parts = partition_exact_drt(res)
        vals = {("exact_drt", f"ea_{k}"): r for k, (r, _) in parts.items()}
        if res.truth.get("r_cstr_ohm_cm2") is not None:
            vals[("truth", "ea_cstr_dc")] = float(res.truth["r_cstr_ohm_cm2"])  # type: ignore[arg-type]
        vals[("truth", "ea_int_dc")] = res.r_dc_ohm_cm2 - float(res.truth["r_dc_full_ideal_ohm_cm2"] or 0.0)
        for k, v in vals.items():
            per.setdefault(k, []).append(v)
    rows = []
    for (source, q), vals in per.items():
        if len(vals) == len(t) and len(t) >= 2 and all(v > 0 for v in vals):
            fit = arrhenius_fit(t, vals, None, element=q)
            r = row(spec, results[len(results) // 2], source, q, fit.ea_ev, fit.ea_stderr_ev)
            rows.append({**r, "spectrum": "", "temperature_c": math.nan})
    return rows


def sei_a_for_ratio(ratio: float, material: Material) -> float:
    """Contact fraction at which the closed-form R_Int / R_SEI equals ``ratio`` (bisection in log A)."""
    lo, hi = 1e-8, 0.5
    for _ in range(80):
        mid = math.sqrt(lo * hi)
        if sei_int_closed_form(mid, material) / material.r_sei_ohm_cm2 > ratio:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)
