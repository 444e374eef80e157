"""Known-answer cells from the project's 3D impedance network (:mod:`eisrecipe.network`, exact DRT truth).

A small subset of the matrix (slow): a disordered contact map on a coarse 100 um box (12.5 um voxels, explicit
Voronoi grains of 40 um) whose contact fraction grows to 1 with nominal pressure, both tau orders. The truth takes
R_Bulk and R_GB from the network's DC decomposition, R_Cstr(p) = R_dc(this map, ideal contact) - R_dc(full ideal
contact) (:func:`eisrecipe.network.scenarios.simulate`), R_CT(p) from Table 1 with the realised contact fraction, and
the constriction time constant from the exact DRT (R-weighted log mean of the interface modes away from tau_CT).
The dominant process is R_CT(p_min) against R_Cstr(p_min) (a factor 2 either way, else mixed): these cells are not
drawn with a margin.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from eisrecipe.matrix.generator import Nuisance, _draw_nuisance, _logu, clean_f_min, identifiability, measure, visible
from eisrecipe.network.scenarios import Material, Scenario, simulate
from eisrecipe.spectrum import Spectrum

#: network order names -> matrix order names
ORDERS = {"cstr_lt_ct": "cstr_faster", "ct_lt_cstr": "ct_faster"}


def network_scenarios(cell: str, seed: Sequence[int], k: int) -> tuple[list[Scenario], Nuisance, dict[str, Any]]:
    """Scenarios (one per pressure) of network cell number ``k``, its nuisances and its drawn inputs."""
    rng = np.random.default_rng(list(seed))
    order = "cstr_lt_ct" if k % 2 == 0 else "ct_lt_cstr"
    a_min = float(rng.uniform(0.2, 0.6))
    n = int(rng.integers(4, 6))
    fracs = [float(round(a, 4)) for a in np.geomspace(a_min, 1.0, n)]
    pressures = [float(round(p, 3)) for p in np.geomspace(float(rng.uniform(2, 10)), _logu(rng, 50, 400), n)]
    r_pol = _logu(rng, 0.3, 30.0)
    tau_ct = _logu(rng, 1e-4, 1e-2)
    c_dl = tau_ct / r_pol
    c_pore = c_dl * (5e-4 if order == "cstr_lt_ct" else 25.0) * _logu(rng, 0.3, 3.0)
    mat = Material(r_pol_ohm_cm2=r_pol, c_dl_f_cm2=c_dl, c_pore_f_cm2=c_pore)
    nz = _draw_nuisance(rng)
    nz = Nuisance(
        noise_rel=nz.noise_rel,
        inductance_h=nz.inductance_h,
        drift_rel=nz.drift_rel,
        f_max_hz=nz.f_max_hz,
        f_min_hz=nz.f_min_hz,
        points_per_decade=(10,),
        area_cm2=nz.area_cm2,
    )
    morph_seed = int(rng.integers(0, 2**31 - 1))
    ppd = 10
    scen = [
        Scenario(
            spectrum=f"{cell}_p{i + 1:02d}",
            cell=cell,
            morphology="disordered" if a < 1.0 else "full",
            contact_fraction=a,
            correlation_um=25.0,
            morphology_seed=morph_seed,
            size_um=(100.0, 100.0, 100.0),
            voxel_um=12.5,
            mean_grain_um=40.0,
            grain_seed=1,
            material=mat,
            f_max_hz=nz.f_max_hz,
            f_min_hz=nz.f_min_hz,
            points_per_decade=ppd,
            pressure_mpa=p,
        )
        for i, (a, p) in enumerate(zip(fracs, pressures, strict=True))
    ]
    inputs = {"tau_order_network": order, "a_min": a_min, "r_pol": r_pol, "c_dl": c_dl, "c_pore": c_pore}
    return scen, nz, inputs


def network_truth_and_spectra(
    cell: str, seed: Sequence[int], k: int
) -> tuple[dict[str, Any], list[tuple[str, float, Spectrum]]]:
    """Simulate network cell ``k`` and return its ground truth and measured spectra (as the circuit generator)."""
    scen, nz, inputs = network_scenarios(cell, seed, k)
    order = ORDERS[inputs["tau_order_network"]]
    r_pol, c_dl = inputs["r_pol"], inputs["c_dl"]
    tau_ct = r_pol * c_dl
    spectra: list[tuple[str, float, Spectrum]] = []
    rows: list[dict[str, Any]] = []
    vis: dict[str, dict[str, tuple[bool, str]]] = {}
    r_bulk = r_gb = math.nan
    tau_gb = math.nan
    for i, s in enumerate(scen):
        res = simulate(s, decompose=True)
        el = res.truth
        r_bulk, r_gb = float(el["r_bulk_ohm_cm2"] or math.nan), float(el["r_gb_ohm_cm2"] or math.nan)
        tau_gb = float(el["tau_gb_s"] or math.nan)
        a = res.contact_fraction
        f = res.spectrum.frequency_hz
        z0 = res.spectrum.impedance
        z, drift = measure(z0, f, nz, [*seed, 7, i])
        f_lo = clean_f_min(z0, f, drift, nz.noise_rel)
        r_ct = r_pol / a if order == "cstr_faster" else r_pol * a
        c_ct = c_dl * a if order == "cstr_faster" else c_dl / a
        r_cstr = float(el["r_cstr_ohm_cm2"] or 0.0)
        taus, rs = res.drt.tau_s, res.drt.r
        sel = (taus > 3 * tau_gb) & (np.abs(np.log10(taus / tau_ct)) > 0.3)
        tau_cstr = float(np.exp(np.sum(rs[sel] * np.log(taus[sel])) / np.sum(rs[sel]))) if rs[sel].sum() > 0 else None

        def z_at(tau: float, z_model: Any = res.drt) -> float:
            return float(np.abs(z_model.impedance(np.array([1 / (2 * math.pi * tau)])))[0])

        vis[s.spectrum] = {
            "gb": visible(r_gb, tau_gb, z_at(tau_gb), nz.noise_rel, f_lo, nz.f_max_hz),
            "ct": visible(r_ct, tau_ct, z_at(tau_ct), nz.noise_rel, f_lo, nz.f_max_hz),
        }
        if r_cstr > 0 and tau_cstr is not None:
            vis[s.spectrum]["cstr"] = visible(r_cstr, tau_cstr, z_at(tau_cstr), nz.noise_rel, f_lo, nz.f_max_hz)
        rows.append(
            {
                "spectrum": s.spectrum,
                "pressure_mpa": s.pressure_mpa,
                "contact_fraction": a,
                "f_clean_min_hz": f_lo,
                "r_bulk_ohm_cm2": r_bulk,
                "r_gb_ohm_cm2": r_gb,
                "tau_gb_s": tau_gb,
                "r_ct_ohm_cm2": r_ct,
                "c_ct_f_cm2": c_ct,
                "tau_ct_s": tau_ct,
                "r_cstr_ohm_cm2": r_cstr if a < 1 else 0.0,
                "tau_cstr_s": tau_cstr if a < 1 else None,
                "r_int_ohm_cm2": res.r_dc_ohm_cm2 - r_bulk - r_gb,
                "r_dc_ohm_cm2": res.r_dc_ohm_cm2,
                "drt": {"tau_s": taus.tolist(), "r_ohm_cm2": rs.tolist()},
                **{f"{e}_visible": v[0] for e, v in vis[s.spectrum].items()},
            }
        )
        meta = {"cell": cell, "spectrum": s.spectrum, "area_cm2": nz.area_cm2}
        spectra.append(
            (s.spectrum, float(s.pressure_mpa or 0.0), Spectrum.from_points(f, z, unit="ohm cm^2", meta=meta))
        )
    r_ct0, r_cstr0 = rows[0]["r_ct_ohm_cm2"], rows[0]["r_cstr_ohm_cm2"]
    dominant = "charge_transfer" if r_ct0 >= 2 * r_cstr0 else "constriction" if r_cstr0 >= 2 * r_ct0 else "mixed"
    truth: dict[str, Any] = {
        "cell": cell,
        "generator": "network",
        "class": "network",
        "dominant": dominant,
        "tau_order": order,
        "interface_declared": "stable",
        "structural_contact_fraction": False,
        "r_bulk_ohm_cm2": r_bulk,
        "r_gb_ohm_cm2": r_gb,
        "r_pol_ohm_cm2": r_pol,
        "c_dl_f_cm2": c_dl,
        "r_sei_ohm_cm2": None,
        "thickness_cm": 0.01,
        "nuisance": {**{k: v for k, v in nz.__dict__.items() if k != "points_per_decade"}, "points_per_decade": [10]},
        "spectra": rows,
        "inputs": {**inputs, "scenarios": [s.to_dict() for s in scen]},
    }
    truth.update(identifiability(truth, vis, [s.spectrum for s in scen]))
    return truth, spectra
