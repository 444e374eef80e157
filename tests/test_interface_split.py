"""The Table 1 split of the one overlapping interface signal (eisrecipe.recipe.interface_split) and rule 4d's use of
it (eisrecipe.recipe.dominance), on known-answer spectra built from Table 1 with the paper's numbers.

Cells (RECIPE.md, Step 5 "worked out"): R_Pol = 40 ohm cm^2 at full contact; at A(p_min) = 0.3 Table 1 gives
R_CT = R_Pol / A = 133 ohm cm^2 (tau_Cstr < tau_CT) or R_Pol A = 12 (tau_CT < tau_Cstr). Bulk 100 ohm cm^2 at
1e-8 s, GB 60 at 1e-6 s, tau_CT 1e-3 s, the constriction arc 0.6 decade from tau_CT (merged with it: one DRT
peak), 0.1 % noise. Tolerances: R_CT and R_Cstr within 10 % where the constriction part is 15 % or more of the
signal (the split profiles tau_Cstr on a 0.15-decade grid, so the best R carries that grid's error); decisions
as Table 1 says.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from eisrecipe.methods.circuits import SeriesModel, element_impedance
from eisrecipe.methods.fitting import Start, fit_series
from eisrecipe.recipe.dominance import _split_decision
from eisrecipe.recipe.interface_split import InterfaceSplit, split_interface
from eisrecipe.spectrum import Spectrum

F = np.logspace(6, -2, 81)
W = 2 * np.pi * F
R_POL, TAU_CT = 40.0, 1e-3
MERGED = SeriesModel.of(["bulk", "gb", "int"], ["RC", "RCPE", "RCPE"])


def _z(r_ct: float, r_cstr: float, tau_cstr: float, seed: int) -> np.ndarray:
    z = 100.0 / (1 + 1j * W * 1e-8) + element_impedance(W, 60.0, 1e-6, 0.95) + element_impedance(W, r_ct, TAU_CT, 0.95)
    if r_cstr > 0:
        z = z + element_impedance(W, r_cstr, tau_cstr, 0.9)
    noise = np.random.default_rng(seed).standard_normal((2, F.size)) * 1e-3 * np.abs(z)
    return z + noise[0] + 1j * noise[1]


def _split(r_ct: float, r_cstr: float, order: str, seed: int = 0) -> InterfaceSplit | None:
    tau_cstr = TAU_CT * 10 ** (0.6 if order == "ct_faster" else -0.6)
    low, top = _z(r_ct, r_cstr, tau_cstr, seed), _z(R_POL, 0.0, tau_cstr, seed + 1)
    starts = [
        Start(r=[100.0, 60.0, r_ct + r_cstr], tau_s=[1e-8, 1e-6, TAU_CT], alpha=[1.0, 0.95, 0.9]),
        Start(r=[100.0, 60.0, R_POL], tau_s=[1e-8, 1e-6, TAU_CT], alpha=[1.0, 0.95, 0.9]),
    ]
    joint = fit_series([F, F], [low, top], MERGED, starts, names=["low", "top"], shared=["bulk", "gb"])
    spectrum = Spectrum(frequency_hz=F, impedance=low)
    return split_interface(joint, spectrum, "low", "top", order, "modulus", z_crit=2.0)


@pytest.mark.parametrize(
    ("order", "r_ct", "r_cstr", "process"),
    [
        ("cstr_faster", R_POL / 0.3, 25.0, "charge_transfer"),  # R_CT = R_Pol / A = 133 against 25
        ("ct_faster", R_POL * 0.3, 60.0, "constriction"),  # R_CT = R_Pol A = 12 against 60
        # nearly full contact: 36 against 2 - the split decides CT; rule 4d as a whole reads a tau-constant part
        # that keeps R_Pol (0.9 is within the 30 % tolerance) beside a significant constriction part as SEI-like
        ("ct_faster", R_POL * 0.9, 2.0, "charge_transfer"),
    ],
)
def test_split_recovers_table1_parts_and_decides(order: str, r_ct: float, r_cstr: float, process: str) -> None:
    split = _split(r_ct, r_cstr, order)
    assert split is not None and split.applies, split
    assert split.best_point is not None and split.best_point.follows_table1
    best = split.best_point
    assert best is not None
    assert best.r_ct_ohm_cm2 == pytest.approx(r_ct, rel=0.10)
    if r_cstr / (r_ct + r_cstr) >= 0.15:
        assert best.r_cstr_ohm_cm2 == pytest.approx(r_cstr, rel=0.10)
    decided = _split_decision(split, ratio=2.0, z_crit=2.0)
    assert decided is not None and decided[0] == process


def test_no_constriction_part_gives_ct_and_a_small_bound() -> None:
    """A pure CT signal (A(p_min) = 0.5, R_CT = R_Pol A = 20, no constriction): every tau_Cstr of the profile
    allows only a small constriction part, and the decision is charge transfer at all of them."""
    split = _split(R_POL * 0.5, 0.0, "ct_faster")
    assert split is not None and split.applies
    assert all(p.r_cstr_ohm_cm2 + 2 * p.r_cstr_stderr_ohm_cm2 < 0.1 * 20.0 for p in split.points)
    decided = _split_decision(split, ratio=2.0, z_crit=2.0)
    assert decided is not None and decided[0] == "charge_transfer"


def test_premise_fails_when_ct_tau_moves() -> None:
    """A 'CT' arc whose tau moved 0.5 decade between the pressures breaks Table 1's constant tau_CT: the split does
    not apply (it fits the lowest-pressure spectrum worse than the merged element) and decides nothing."""
    low = _z(20.0, 0.0, 1.0, 0)
    top = 100.0 / (1 + 1j * W * 1e-8) + element_impedance(W, 60.0, 1e-6, 0.95)
    top = top + element_impedance(W, R_POL, TAU_CT * 10**0.5, 0.95)
    starts = [
        Start(r=[100.0, 60.0, 20.0], tau_s=[1e-8, 1e-6, TAU_CT], alpha=[1.0, 0.95, 0.9]),
        Start(r=[100.0, 60.0, R_POL], tau_s=[1e-8, 1e-6, TAU_CT * 3], alpha=[1.0, 0.95, 0.9]),
    ]
    joint = fit_series([F, F], [low, top], MERGED, starts, names=["low", "top"], shared=["bulk", "gb"])
    split = split_interface(joint, Spectrum(frequency_hz=F, impedance=low), "low", "top", "ct_faster", "modulus", 2.0)
    assert split is not None and not split.applies and split.reason
    assert _split_decision(split, ratio=2.0, z_crit=2.0) is None


@pytest.mark.parametrize(
    ("order", "r_ct", "r_cstr"),
    [
        ("ct_faster", R_POL / 0.3, 25.0),  # the cstr_faster cell's numbers under the other order: R_CT 133 > R_Pol
        ("cstr_faster", R_POL * 0.3, 60.0),  # the ct_faster cell's numbers under the other order: R_CT 12 < R_Pol
        ("ct_faster", R_POL * 1.2, 0.0),  # a tau-constant signal 20 % larger at p_min: R_Pol A cannot exceed R_Pol
    ],
)
def test_split_against_table1_direction_decides_nothing(order: str, r_ct: float, r_cstr: float) -> None:
    """Table 1 fixes R_CT(p_min)'s side of R_Pol (R_Pol A <= R_Pol for tau_CT < tau_Cstr, R_Pol / A >= R_Pol for
    tau_Cstr < tau_CT): where the split's R_CT lies on the other side beyond the errors at every tau_Cstr of the
    confidence set, no point follows Table 1 and rule 4d decides nothing; the same numbers under the right order do
    (the test above). The points stay in the split for the SEI-like reading."""
    split = _split(r_ct, r_cstr, order)
    assert split is not None and split.applies and split.points
    assert not any(p.follows_table1 for p in split.points) and split.best_table1_point is None
    assert split.r_pol_ohm_cm2 == pytest.approx(R_POL, rel=0.05)
    assert _split_decision(split, ratio=2.0, z_crit=2.0) is None


def test_no_split_without_an_order_or_interface_element() -> None:
    """No split without Step 5's order, without both spectra, without an interface element in the joint fit, or
    where a constriction element already stands beside it."""
    low = _z(20.0, 0.0, 1.0, 0)
    starts = [Start(r=[100.0, 60.0, 20.0], tau_s=[1e-8, 1e-6, TAU_CT], alpha=[1.0, 0.95, 0.9])] * 2
    joint = fit_series([F, F], [low, low], MERGED, starts, names=["low", "top"], shared=["bulk", "gb"])
    spectrum = Spectrum(frequency_hz=F, impedance=low)
    assert split_interface(joint, spectrum, "low", "top", "ct_faster", "modulus", 2.0) is not None
    assert split_interface(joint, spectrum, "low", "top", "undetermined", "modulus", 2.0) is None
    assert split_interface(joint, spectrum, "low", "missing", "ct_faster", "modulus", 2.0) is None
    beside = SeriesModel.of(["bulk", "gb", "int", "cstr"], ["RC", "RCPE", "RCPE", "RCPE"])  # not one signal
    starts4 = [Start(r=[100.0, 60.0, 20.0, 1.0], tau_s=[1e-8, 1e-6, TAU_CT, 1e-1], alpha=[1.0, 0.95, 0.9, 0.9])] * 2
    joint = fit_series([F, F], [low, low], beside, starts4, names=["low", "top"], shared=["bulk", "gb"])
    assert split_interface(joint, spectrum, "low", "top", "ct_faster", "modulus", 2.0) is None
    no_interface = SeriesModel.of(["bulk", "gb", "sei"], ["RC", "RCPE", "RCPE"])
    joint = fit_series([F, F], [low, low], no_interface, starts, names=["low", "top"], shared=["bulk", "gb"])
    assert split_interface(joint, spectrum, "low", "top", "ct_faster", "modulus", 2.0) is None


def test_a_degenerate_point_decides_nothing_and_survives_json() -> None:
    """A tau of the confidence set where R_CT or R_Cstr is not determined (infinite error, written to JSON as null):
    no decision, also after the round trip through steps36.json (null reads back as NaN, which ``compare`` would take
    for an exact value)."""
    from eisrecipe.serialize import from_dict, json_safe, to_dict

    split = _split(R_POL * 0.9, 2.0, "ct_faster")
    assert split is not None and split.applies
    assert _split_decision(split, ratio=2.0, z_crit=2.0) is not None
    bad = replace(split.points[0], r_cstr_stderr_ohm_cm2=math.inf, degenerate=True)
    worse = replace(split, points=(bad, *split.points[1:]))
    assert _split_decision(worse, ratio=2.0, z_crit=2.0) is None
    back = from_dict(InterfaceSplit, json.loads(json.dumps(json_safe(to_dict(worse)))))
    assert back.points[0].degenerate and math.isnan(back.points[0].r_cstr_stderr_ohm_cm2)
    assert _split_decision(back, ratio=2.0, z_crit=2.0) is None
