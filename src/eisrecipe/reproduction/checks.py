"""Cheap extra simulations behind the report's "Why ours differs" section (the ``reproduce_checks`` job):
the tau_Cstr span against the A range and the voxel size, the SEI R_Int against its closed form, R_Cstr of
finer contact maps and the exact CT mode of tau_CT < tau_Cstr against the voxel size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from eisrecipe.network.scenarios import Material, Scenario, simulate
from eisrecipe.reproduction.plan import FINER_A, SEI_R_POL
from eisrecipe.reproduction.truth import contact_islands, partition_exact_drt, sei_int_closed_form

__all__ = ["CHECK_COLUMNS", "CT_CHECK_A", "SPAN_FRACTIONS", "difference_checks"]

#: contact fractions of the tau_Cstr span check: up to 99 %, as the paper tunes A continuously towards 100 %
SPAN_FRACTIONS = (0.04, 0.1, 0.22, 0.5, 0.7, 0.9, 0.95, 0.99)
#: contact fraction of the CT-mode check (tau_CT < tau_Cstr, spot): the smallest A of the full-size spot series
CT_CHECK_A = 0.04
#: columns of the checks table (:func:`difference_checks`)
CHECK_COLUMNS = ["check", "morphology", "voxel_um", "correlation_um", "seed", "contact_fraction", "quantity", "value"]


def _check_scenario(morphology: str, a: float, voxel_um: float, **kw: Any) -> Scenario:
    """A check scenario: contact fraction ``a`` (0..1) on ``voxel_um`` voxels (um), grains as the sizes; ``kw``
    overrides any other :class:`Scenario` field."""
    return Scenario(
        spectrum="check",
        cell="checks",
        morphology=morphology,
        contact_fraction=a,
        voxel_um=voxel_um,
        mean_grain_um=max(10.0, 2 * voxel_um),  # as the sizes: 10 um voxels / 20 um grains, 5 / 10
        points_per_decade=8,
        f_min_hz=1e-3,
        f_max_hz=1e8,
        **{"correlation_um": 15.0, **kw},
    )


def difference_checks(
    span_voxels: Sequence[float] = (10.0, 5.0),
    sei_voxels: Sequence[float] = (10.0, 5.0, 2.5),
    finer_voxel: float = 5.0,
    finer_correlations: Sequence[float] = (15.0, 5.0),
    ct_voxels: Sequence[float] = (10.0, 5.0, 2.5),
) -> pd.DataFrame:
    """Cheap simulations that explain where our numbers differ from the paper's (table :data:`CHECK_COLUMNS`).

    - ``span``: tau_Cstr (exact DRT, tau_Cstr < tau_CT) of the spot and disordered map 0 over
      :data:`SPAN_FRACTIONS` at each of ``span_voxels``: how the span depends on the A range and the grid;
    - ``sei``: R_Int (exact DRT) of the SEI spot at A = 4.3 % for each of ``sei_voxels`` (convergence towards the
      closed form :func:`sei_int_closed_form`);
    - ``finer``: DC R_Cstr and contact islands at A = 22 % for the spot, the frame and disordered maps of each
      feature size in ``finer_correlations`` (seeds 0-2) on ``finer_voxel``;
    - ``ct_mode``: the exact-DRT CT mode of the spot at A = :data:`CT_CHECK_A` for tau_CT < tau_Cstr on each of
      ``ct_voxels``: tau_CT(exact) / (R_Pol C_DL), R_CT / (R_Pol A), C_CT / (C_DL / A) and the DC ratio
      R_Cstr / (R_Cstr + R_Pol / A) - whether the CT mode's shift is a grid artefact.
    About 40 s with the defaults (2.5 um: 7 s per SEI spectrum, 9 s for the CT spot; measured 36 s).
    """
    rows: list[dict[str, Any]] = []

    def add(check: str, sc: Scenario, a: float, quantity: str, value: float) -> None:
        rows.append(
            {
                "check": check,
                "morphology": sc.morphology,
                "voxel_um": sc.voxel_um,
                "correlation_um": sc.correlation_um,
                "seed": sc.morphology_seed,
                "contact_fraction": a,
                "quantity": quantity,
                "value": float(value),
            }
        )

    for m in ("spot", "disordered"):
        for vox in span_voxels:
            seen: set[float] = set()
            for a in SPAN_FRACTIONS:
                res = simulate(_check_scenario(m, a, vox, tau_order="cstr_lt_ct"), decompose=False)
                if round(res.contact_fraction, 6) in seen:
                    continue
                seen.add(round(res.contact_fraction, 6))
                parts = partition_exact_drt(res)
                if "cstr" in parts:
                    add("span", res.scenario, res.contact_fraction, "r_cstr", parts["cstr"][0])
                    add("span", res.scenario, res.contact_fraction, "tau_cstr", parts["cstr"][1])
    for vox in sei_voxels:
        sc = _check_scenario("sei_spot", 0.043, vox, material=Material(r_pol_ohm_cm2=SEI_R_POL))
        res = simulate(sc, decompose=False)
        add("sei", sc, res.contact_fraction, "r_int", partition_exact_drt(res)["int"][0])
        add("sei", sc, res.contact_fraction, "r_int_closed_form", sei_int_closed_form(res.contact_fraction))
    variants = [("spot", 15.0, 0), ("frame", 15.0, 0)] + [
        ("disordered", c, seed) for c in finer_correlations for seed in range(3)
    ]
    for m, corr, seed in variants:
        sc = _check_scenario(m, FINER_A, finer_voxel, correlation_um=corr, morphology_seed=seed, tau_order="cstr_lt_ct")
        res = simulate(sc, decompose=True)
        add("finer", sc, res.contact_fraction, "r_cstr", float(res.truth["r_cstr_ohm_cm2"] or math.nan))
        add("finer", sc, res.contact_fraction, "n_contact_islands", contact_islands(sc))
    for vox in ct_voxels:
        sc = _check_scenario("spot", CT_CHECK_A, vox, tau_order="ct_lt_cstr")
        res = simulate(sc, decompose=True)
        a, v = res.contact_fraction, sc.values
        r_ct, tau_ct = partition_exact_drt(res)["ct"]
        r_cstr = float(res.truth["r_cstr_ohm_cm2"] or math.nan)
        add("ct_mode", sc, a, "tau_ct_ratio", tau_ct / (v.r_pol_ohm_cm2 * v.c_dl_f_cm2))
        add("ct_mode", sc, a, "r_ct_ratio", r_ct / (v.r_pol_ohm_cm2 * a))
        add("ct_mode", sc, a, "c_ct_ratio", tau_ct / r_ct / (v.c_dl_f_cm2 / a))
        add("ct_mode", sc, a, "r_cstr_share", r_cstr / (r_cstr + v.r_pol_ohm_cm2 / a))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
