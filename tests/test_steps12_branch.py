"""Step 1 branch when the pristine DRT hides the CT peak (tau_CT < tau_Cstr: R_CT = R_Pol A is smallest at the
lowest pressure), and Step 2 with contact down to a few per cent (R_CT ratio below 5 %)."""

from __future__ import annotations

import math

from eisrecipe.methods.peaks import Peak
from eisrecipe.methods.tracking import SeriesEntry
from eisrecipe.recipe.steps_1_2 import LabelRules, steps_1_2, track_series

RULES = LabelRules(thickness_cm=0.01)
AREA = [0.05, 0.15, 0.35, 0.7, 1.0]


def _peak(log10_tau: float, r: float) -> Peak:
    t = 10.0**log10_tau
    return Peak(t, 1 / (2 * math.pi * t), r, r, 0.3, 1.0, t / 3, t * 3, r, True)


def _series(interface: list[list[Peak]]) -> list[SeriesEntry]:
    # bulk 100 ohm cm2 at 1e-7 s, GB 100 ohm cm2 at 1e-5 s
    return [
        SeriesEntry(f"s{k}", (_peak(-7.0, 100.0), _peak(-5.0, 100.0), *peaks), 10.0 + k)
        for k, peaks in enumerate(interface)
    ]


def _constriction(a: float) -> Peak:
    # tau_Cstr falls from 0.3 s to 0.02 s and R_Cstr from 60 to 1.5 ohm cm2 as A grows (gone at A = 1)
    return _peak(-0.5 - 1.2 * (a - 0.05) / 0.65, 3.0 / a - 2.8)


def test_ct_peak_seen_beside_constriction_later_makes_the_left_branch() -> None:
    # CT (tau 1e-4 s, R = 0.5 A) below the peak threshold for A < 0.7: only the constriction in the pristine DRT
    interface = [[_constriction(a)] + ([_peak(-4.0, 0.5 * a)] if a >= 0.7 else []) for a in AREA[:-1]]
    interface.append([_peak(-4.0, 0.5)])
    finding = steps_1_2(track_series(_series(interface), rules=RULES))
    assert finding.n_interface_pristine == 1
    assert {f.behaviour for f in finding.interface_tracks} == {"charge_transfer", "constriction"}
    assert finding.branch == "left"
    assert "side by side in spectrum s3" in finding.branch_rule
    assert finding.tau_ct_s is not None and abs(math.log10(finding.tau_ct_s) + 4.0) < 0.05


def test_ct_only_at_full_contact_far_from_the_constriction_makes_the_left_branch() -> None:
    interface = [[_constriction(a)] for a in AREA[:-1]] + [[_peak(-4.0, 0.5)]]
    finding = steps_1_2(track_series(_series(interface), rules=RULES))
    # the single interface peak left at the highest pressure, seen only there, is tau_CT by Step 2 (ii) (its one point
    # has no pressure behaviour of its own; full matrix c246), and it lies >= 1 decade from every constriction peak
    ct = next(f for f in finding.interface_tracks if f.n_in_window == 1)
    assert ct.behaviour == "charge_transfer", ct.reason
    assert finding.branch == "left" and "apart" in finding.branch_rule, finding.branch_rule
    # CT seen at the last two pressures (constant tau: CT), never in a spectrum with a constriction peak but
    # always >= 1 decade from them: resolved all the same
    interface[-2] = [_peak(-4.0, 0.35)]
    finding = steps_1_2(track_series(_series(interface), rules=RULES))
    assert finding.branch == "left", finding.branch_rule
    assert "apart" in finding.branch_rule


def test_single_overlapping_signal_stays_right() -> None:
    # one interface peak whose tau settles at tau_CT at full contact (tau_Cstr ~ tau_CT): one track, right branch
    interface = [[_peak(-2.0 + 0.25 * k, 50.0 * 0.5**k)] for k in range(4)] + [[_peak(-1.0, 0.5)]]
    finding = steps_1_2(track_series(_series(interface), rules=RULES))
    assert finding.branch == "right"
    assert "pristine" in finding.branch_rule


def test_ct_from_four_per_cent_contact_is_not_called_constriction() -> None:
    # tau_Cstr < tau_CT: R_CT = R_Pol / A falls from 12.5 to 0.5 ohm cm2 (ratio 0.04) at a constant tau of 1 s
    area = [0.04, 0.1, 0.3, 0.6, 1.0]
    interface = [[_peak(-3.0 + 1.5 * a, 30.0 * (1 - a))] if a < 1 else [] for a in area]
    for peaks, a in zip(interface, area, strict=True):
        peaks.append(_peak(0.0, 0.5 / a))
    finding = steps_1_2(track_series(_series(interface), rules=RULES))
    ct = next(f for f in finding.interface_tracks if abs(f.log10_tau_first) < 0.1)
    assert ct.r_ratio < 0.05
    assert ct.behaviour == "charge_transfer", ct.reason
