"""The verdict over Steps 1-7: decision-tree paths, Step 7 classification, conflicts shown, strict JSON."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eisrecipe.methods.trends import Trend
from eisrecipe.recipe.dominance import compare, sei_like_tracks
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.step7 import arrhenius_table, step7_findings
from eisrecipe.recipe.steps_1_2 import InterfaceTrackFinding, Steps12Finding
from eisrecipe.recipe.steps_3_6 import (
    CtShareRow,
    Pruned,
    PrunedElement,
    Step3Finding,
    Step4Finding,
    Step5Finding,
    Step6Finding,
    Steps36Finding,
)
from eisrecipe.recipe.verdict import VerdictSettings, decide, lowest_pressure_resistances
from eisrecipe.stages.verdict import interface_from_rows, run_cell_verdict

VALIDATION = {"spectra": [{"spectrum": "p10", "file": "a.txt", "sha256": "0" * 64, "window_hz": [1.0, 1e5]}]}


def s12(
    conclusion: str,
    branch: str = "right",
    at_highest: tuple[int, ...] = (),
    tracks: tuple[InterfaceTrackFinding, ...] | None = None,
) -> Steps12Finding:
    track = InterfaceTrackFinding(
        track=2,
        label="int1",
        behaviour="constriction",
        reason="tau shifts",
        present_at_lowest=True,
        present_at_highest=bool(at_highest),
        tau_range_decades=1.0,
        tau_shift_decades=1.0,
        tau_trend_decades=1.0,
        tau_tol_decades=0.3,
        n_in_window=5,
        r_ratio=0.1,
        log10_tau_first=-3.0,
        log10_tau_last=-2.0,
        slope_log10_tau_per_log10_mpa=1.0,
    )
    return Steps12Finding(
        pristine_spectrum="p10",
        highest_spectrum="p400",
        n_signals_pristine=3,
        bulk_gb={},
        n_interface_pristine=1 if branch == "right" else 2,
        branch=branch,  # type: ignore[arg-type]
        interface_tracks=tracks if tracks is not None else (track,),
        interface_at_highest=tuple(at_highest),
        conclusion=conclusion,
        tau_ct_s=None,
        bulk_gb_stable={"bulk": True, "gb": True},
    )


def step3(r_pol: float | None = None, bound: float | None = None, c_dl: float | None = 1e-5) -> Step3Finding:
    return Step3Finding(
        spectrum="p400",
        pressure_mpa=400.0,
        fit_ok=True,
        flags=(),
        resolved=r_pol is not None,
        r_pol_ohm_cm2=r_pol,
        r_pol_stderr_ohm_cm2=None if r_pol is None else 0.1 * r_pol,
        c_dl_f_cm2=None if r_pol is None else c_dl,
        r_pol_upper_bound_ohm_cm2=bound,
        bound_rule=None if bound is None else "3 x noise",
    )


def step4(model: str, elements: tuple[str, ...]) -> Step4Finding:
    """A converged Step 4 series fit with bulk and GB shared."""
    return Step4Finding(
        model=model,
        elements=elements,
        shared=("bulk", "gb"),
        inductance=False,
        fit_ok=True,
        flags=(),
        reduced_chi2=1.0,
        max_rel_residual={"p10": 0.01},
    )


def s36_right(
    r_pol: float | None = None,
    bound: float | None = None,
    direction: str = "falling",
    ct_share: tuple[CtShareRow, ...] | None = None,
) -> Steps36Finding:
    trend = Trend(n_points=5, slope=-1.3, slope_stderr=0.05, spearman_rho=-1.0, direction=direction)  # type: ignore[arg-type]
    return Steps36Finding(
        cell="c",
        applies=True,
        step3=step3(r_pol, bound),
        step4=step4("three elements", ("bulk", "gb", "int")),
        step5=Step5Finding(branch="right", r_int_trend=trend, ct_share=ct_share),
        step6=Step6Finding(applies=False, reason="right branch"),
    )


def low(**r: float) -> dict[str, tuple[float, float]]:
    """Lowest-pressure resistances (ohm cm^2) with 2 % standard errors."""
    return {k: (v, 0.02 * v) for k, v in r.items()}


EA_CONSTRICTION = [
    {"element": "bulk", "ea_ev": 0.34, "ea_stderr_ev": 0.005, "n_points": 5},
    {"element": "gb", "ea_ev": 0.43, "ea_stderr_ev": 0.005, "n_points": 5},
    {"element": "int", "ea_ev": 0.36, "ea_stderr_ev": 0.006, "n_points": 5},
]


def by_step(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in verdict["steps"]}


def test_r_pol_bound_is_scaled_to_the_lowest_contact_by_table_1() -> None:
    """R_Pol <= 5 is 1.7 % of R_Int = 300, but at A = 0.1 the CT part can be R_Pol / A = 50, 17 %: not negligible."""
    rows = (
        CtShareRow(spectrum="p40", pressure_mpa=40.0, r_int_ohm_cm2=60.0, contact_fraction=0.5,
                   r_ct_upper_bound_ohm_cm2=10.0, ct_share_upper_bound=10.0 / 60.0),
        CtShareRow(spectrum="p10", pressure_mpa=10.0, r_int_ohm_cm2=300.0, contact_fraction=0.1,
                   r_ct_upper_bound_ohm_cm2=50.0, ct_share_upper_bound=50.0 / 300.0),
    )  # fmt: skip
    s36 = s36_right(bound=5.0, ct_share=rows)
    lowest = low(bulk=200.0, gb=60.0, int=300.0)
    v = decide(
        "c",
        VALIDATION,
        s12("constriction_dominates"),
        s36,
        EA_CONSTRICTION,
        VerdictSettings(),
        lowest_pressure_r=lowest,
    )
    step3 = by_step(v)["3"]
    assert step3["numbers"]["r_ct_upper_bound_lowest_pressure_ohm_cm2"] == 50.0
    assert step3["numbers"]["ratio_to_r_int"] == pytest.approx(50.0 / 300.0)
    assert "not tight enough" in step3["finding"] and step3["support"] == "inconclusive"
    assert v["r_pol"]["r_ct_upper_bound_lowest_pressure_ohm_cm2"] == 50.0 and v["r_pol"]["lowest_pressure_mpa"] == 10
    # the same bound with a contact of 0.5 at the lowest pressure: R_CT <= 10, 3 % -> negligible, supports
    half = replace(rows[1], contact_fraction=0.5, r_ct_upper_bound_ohm_cm2=10.0, ct_share_upper_bound=1 / 30)
    s36 = s36_right(bound=5.0, ct_share=(rows[0], half))
    step3 = by_step(decide("c", VALIDATION, s12("constriction_dominates"), s36, EA_CONSTRICTION, VerdictSettings(),
                           lowest_pressure_r=lowest))["3"]  # fmt: skip
    assert "negligible" in step3["finding"] and step3["support"] == "supports"


def test_the_summary_states_the_tau_range_an_r_pol_bound_covers() -> None:
    """Issue 15: Step 3's fit-based bound holds over a tau range only (the case study's: 1.4-1.5e-4 s, 0.03 decade);
    the summary says so, and that a CT arc outside it (merged into the GB's) is not bounded."""
    s36 = s36_right(bound=1.42)
    limit = {"bound_ohm_cm2": 1.42, "tau_range_s": [1.4e-4, 1.5e-4], "k_sigma": 3.0}
    s36 = replace(s36, step3=replace(s36.step3, bound_rule="fit-based", detection_limit=limit))
    v = decide("c", VALIDATION, s12("constriction_dominates"), s36, EA_CONSTRICTION, VerdictSettings(),
               lowest_pressure_r=low(bulk=200.0, gb=60.0, int=300.0))  # fmt: skip
    assert v["r_pol"]["tau_range_s"] == [1.4e-4, 1.5e-4]
    assert "<= 1.42 ohm cm^2 for tau_CT 0.00014 to 0.00015 s (0.03 decade;" in v["summary"]
    assert "not bounded" in v["summary"]


def test_constriction_dominated_right_branch_with_negligible_ct() -> None:
    v = decide(
        "c",
        VALIDATION,
        s12("constriction_dominates"),
        s36_right(bound=1.0),
        EA_CONSTRICTION,
        VerdictSettings(),
        lowest_pressure_r=low(bulk=200.0, gb=60.0, int=300.0),
    )
    assert v["dominant_interface_process"] == "constriction"
    assert v["branch"] == "right"
    assert v["r_pol"] == {"upper_bound_ohm_cm2": 1.0, "bound_rule": "3 x noise"}
    steps = by_step(v)
    # Table 1: a falling R_Int is no evidence for constriction - R_CT = R_Pol / A falls as well
    assert [steps[k]["support"] for k in ("2", "3", "5", "7")] == ["supports", "supports", "inconclusive", "supports"]
    assert "negligible" in steps["3"]["finding"]
    assert steps["6"]["support"] == "not_applicable"
    assert v["conflicts"] == []
    assert [p["level"] for p in v["decision_path"]] == ["chemical stability", "contact", "dominant interface process"]


def test_a_tau_constant_drt_peak_whose_fitted_tau_moves_off_tau_ct_is_not_all_charge_transfer() -> None:
    """Matrix cell c014 (mixed, tau_CT < tau_Cstr, no contact fraction): the one interface peak keeps its tau within
    the DRT's tolerance (0.12 decade), but the fitted element's tau lies above tau_CT beyond its errors at the lower
    pressures - a slower process shares it (ct_faster). R_Int(p_min) 129 < R_Pol 140: Table 1 without A does not
    decide; before, rule 4a read the whole interface as CT."""
    s36 = s36_right(r_pol=140.0, direction="rising")
    s36 = replace(s36, step5=replace(s36.step5, tau_order_from_merged="ct_faster"))  # type: ignore[arg-type]
    steps12 = s12("charge_transfer_present", at_highest=(2,), tracks=(track(2, "charge_transfer", 129.0, 140.0),))
    v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=129.0))
    assert v["dominant_interface_process"] == "undetermined"
    assert v["tau_order"] == "ct_faster"
    # the fitted tau leaves tau_CT both ways (matrix c014 in this run): still not "keeps its tau"
    s36c = replace(s36, step5=replace(s36.step5, tau_order_from_merged="conflicting"))  # type: ignore[arg-type]
    v = decide("c", VALIDATION, steps12, s36c, [], VerdictSettings(), lowest_pressure_r=low(int=129.0))
    assert v["dominant_interface_process"] == "undetermined"
    # the same cell whose fitted tau stays at tau_CT: the whole interface is CT
    s36 = replace(s36, step5=replace(s36.step5, tau_order_from_merged="undetermined"))  # type: ignore[arg-type]
    v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=129.0))
    assert v["dominant_interface_process"] == "charge_transfer"
    assert "keeps its tau" in v["dominance"]["rule"]


def test_one_overlapping_signal_split_by_table1_decides_without_a_contact_fraction() -> None:
    """Full matrix c010 (CT-limited, tau_CT < tau_Cstr, no contact fraction): R_Pol 309, R_Int(p_min) 165 ohm cm^2;
    the fitted tau leaves tau_CT (ct_faster), R_Int(p_min) < R_Pol, so Table 1's bounds do not decide - it was
    undetermined. The split with tau_CT held (its prototype numbers: R_CT 159.5, R_Cstr 5.7 at 1.1 decades; truth
    159.5 and 5.5) gives charge transfer; a profile whose confidence set holds a tau where the comparison is not
    decided, or a split whose premise failed, decides nothing."""
    from eisrecipe.recipe.interface_split import InterfaceSplit, SplitPoint

    def point(tau: float, r_ct: float, r_cstr: float, err: float) -> SplitPoint:
        return SplitPoint(tau, 100.0, r_ct, 0.3, r_cstr, err, 0.9)

    points = (point(5e-3, 160.0, 5.5, 0.4), point(6e-3, 159.5, 5.7, 0.3), point(8e-3, 159.0, 6.0, 0.4))
    split = InterfaceSplit("p1", "ct_faster", 5e-4, 1.0, True, 101.0, 100.0, 150, points, best=1)
    s36 = s36_right(r_pol=309.0, direction="rising")
    s36 = replace(s36, step5=replace(s36.step5, tau_order_from_merged="ct_faster", tau_shift_z_lowest=8.0))  # type: ignore[arg-type]
    steps12 = s12("charge_transfer_present", at_highest=(2,), tracks=(track(2, "charge_transfer", 165.0, 309.0),))
    before = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=165.0))
    assert before["dominant_interface_process"] == "undetermined"
    assert "needs the contact fraction" in before["dominance"]["rule"]
    with_split = replace(s36, step5=replace(s36.step5, interface_split=split))  # type: ignore[arg-type]
    v = decide("c", VALIDATION, steps12, with_split, [], VerdictSettings(), lowest_pressure_r=low(int=165.0))
    assert v["dominant_interface_process"] == "charge_transfer"
    assert "split by Table 1" in v["dominance"]["rule"]
    assert v["dominance"]["r_ct_ohm_cm2"] == 159.5 and v["dominance"]["r_cstr_ohm_cm2"] == 5.7
    # one tau of the confidence set where R_Cstr may be as large as R_CT / 2: no decision
    wide = replace(split, points=(*points, point(2e-3, 120.0, 45.0, 20.0)))
    s36w = replace(s36, step5=replace(s36.step5, interface_split=wide))  # type: ignore[arg-type]
    v = decide("c", VALIDATION, steps12, s36w, [], VerdictSettings(), lowest_pressure_r=low(int=165.0))
    assert v["dominant_interface_process"] == "undetermined"
    failed = replace(split, applies=False, points=(), best=None, reason="premise")
    s36f = replace(s36, step5=replace(s36.step5, interface_split=failed))  # type: ignore[arg-type]
    v = decide("c", VALIDATION, steps12, s36f, [], VerdictSettings(), lowest_pressure_r=low(int=165.0))
    assert v["dominant_interface_process"] == "undetermined"


def test_a_split_whose_tau_constant_part_keeps_r_pol_beside_a_constriction_part_is_sei_like() -> None:
    """Full matrix c115 (SEI of 32.9 ohm cm^2, sheet `stable`, beside a constriction arc of 29.7 at the lowest
    pressure that vanishes at full contact): the split recovers both parts (29.1 +- 3.6 at tau_CT, 34.1 +- 3.7 at
    1 ms) - but the tau-constant part keeps R_Pol = 32.9 while the contact changes, which charge transfer (R_Pol A)
    would not: SEI-like, undetermined with the suspicion; it had been called "mixed". The same split with the
    tau-constant part at R_Pol A = 0.5 R_Pol is Table 1's CT and decides."""
    from eisrecipe.recipe.interface_split import InterfaceSplit, SplitPoint

    points = (
        SplitPoint(1.0e-3, 50.0, 29.1, 3.6, 34.1, 3.7, 0.9),
        SplitPoint(1.07e-3, 50.5, 31.5, 0.46, 31.6, 0.51, 0.9),
    )
    split = InterfaceSplit("p1", "ct_faster", 4.25e-4, 0.995, True, 51.0, 50.0, 150, points, best=0)
    s36 = s36_right(r_pol=32.9, direction="falling")
    s36 = replace(s36, step5=replace(s36.step5, tau_order_from_merged="ct_faster", interface_split=split))  # type: ignore[arg-type]
    steps12 = s12("charge_transfer_present", at_highest=(2,), tracks=(track(2, "charge_transfer", 60.0, 32.9),))
    v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=63.2))
    assert v["dominant_interface_process"] == "undetermined"
    assert "SEI-like" in v["dominance"]["sei_suspected"]
    halved = replace(split, points=(SplitPoint(1.0e-3, 50.0, 16.4, 0.5, 4.0, 0.5, 0.9),), best=0)
    s36h = replace(s36, step5=replace(s36.step5, interface_split=halved))  # type: ignore[arg-type]
    v = decide("c", VALIDATION, steps12, s36h, [], VerdictSettings(), lowest_pressure_r=low(int=20.4))
    assert v["dominant_interface_process"] == "charge_transfer" and "split by Table 1" in v["dominance"]["rule"]


def test_two_tau_constant_signals_read_as_all_charge_transfer_carry_a_premise() -> None:
    """Full matrix c274 and c283 (mixed, tau_Cstr < tau_CT): the constriction arc merged into the GB peak, and that
    peak moved by less than the DRT tolerance; with the real CT track beside it, rule 4a read both tau-constant
    signals as CT, and 16 of 16 (15 of 16) replicas repeated it: "charge transfer", confidence high, wrong. With more
    than one tau-constant signal the decision carries that reading as its premise, so its confidence is at most
    medium; with one signal it does not."""
    from eisrecipe.recipe.dominance import ALL_TAU_CONSTANT_ARE_CT
    from eisrecipe.recipe.verdict import apply_confidence

    s36 = s36_right(r_pol=40.0, direction="falling")
    s36 = replace(s36, step5=replace(s36.step5, tau_order_from_merged="undetermined"))  # type: ignore[arg-type]
    two = (track(1, "charge_transfer", 201.0, 51.0), track(2, "charge_transfer", 133.0, 40.0))
    steps12 = s12("charge_transfer_present", branch="left", at_highest=(1, 2), tracks=two)
    v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=334.0))
    assert v["dominant_interface_process"] == "charge_transfer" and "keeps its tau" in v["dominance"]["rule"]
    assert v["dominance"]["premise"] == ALL_TAU_CONSTANT_ARE_CT
    replicas = {"assessed": True, "process_probabilities": {"charge_transfer": 1.0}, "replicas": [],
                "settings": {"high": 0.9, "medium": 0.7, "min_probability": 0.5}}  # fmt: skip
    assert apply_confidence(v, replicas)["confidence"] == "medium"
    one = s12("charge_transfer_present", branch="right", at_highest=(2,), tracks=two[1:])
    v = decide("c", VALIDATION, one, s36, [], VerdictSettings(), lowest_pressure_r=low(int=133.0))
    assert v["dominant_interface_process"] == "charge_transfer" and "premise" not in v["dominance"]


def test_two_tau_constant_signals_that_do_not_follow_one_contact_fraction_leave_the_process_undetermined() -> None:
    """Full matrix c040, c274 (mixed, tau_Cstr < tau_CT): the constriction arc merged into the GB peak, which kept its
    tau while its area fell towards the GB's (c274: 201 -> 51 ohm cm^2) beside the CT arc (133 -> 20.6); rule 4a read
    both as charge transfer - wrong. Their areas' ratio rose with pressure (Steps 1-2: a contact conflict), which
    Table 1's one contact fraction forbids: which of them is CT is not known, so R_CT(p_min) is not either -
    undetermined; also where a lowest-pressure track conflicts with one first seen later (either may be the one that
    is not CT). A conflict between two tracks neither of which is at the lowest pressure changes nothing."""
    from eisrecipe.recipe.steps_1_2 import ContactConflict

    s36 = s36_right(r_pol=40.0, direction="falling")
    s36 = replace(s36, step5=replace(s36.step5, tau_order_from_merged="undetermined"))  # type: ignore[arg-type]
    two = (track(1, "charge_transfer", 201.0, 51.0), track(2, "charge_transfer", 133.0, 20.6))
    steps12 = s12("charge_transfer_present", branch="left", at_highest=(1, 2), tracks=two)
    conflict = ContactConflict(1, 2, "charge-transfer tracks 1 and 2: the ratio of their DRT areas is rising")
    conflicting = replace(steps12, ct_contact_conflicts=(conflict,))
    v = decide("c", VALIDATION, conflicting, s36, [], VerdictSettings(), lowest_pressure_r=low(int=334.0))
    assert v["dominant_interface_process"] == "undetermined"
    assert "do not all follow one contact fraction" in v["dominance"]["rule"]
    later = replace(steps12, ct_contact_conflicts=(ContactConflict(1, 3, "tracks 1 and 3 (3 first seen later)"),))
    v = decide("c", VALIDATION, later, s36, [], VerdictSettings(), lowest_pressure_r=low(int=334.0))
    assert v["dominant_interface_process"] == "undetermined"
    elsewhere = replace(steps12, ct_contact_conflicts=(ContactConflict(3, 4, "tracks 3 and 4"),))
    v = decide("c", VALIDATION, elsewhere, s36, [], VerdictSettings(), lowest_pressure_r=low(int=334.0))
    assert v["dominant_interface_process"] == "charge_transfer"


def test_a_constriction_arc_first_seen_at_a_higher_pressure_was_hidden_in_the_lowest_pressure_signal() -> None:
    """Matrix cell c130 (full matrix; mixed, tau_Cstr < tau_CT, no contact fraction): at the lowest pressure R_CT = 80
    and R_Cstr = 61 ohm cm^2 merge into one interface peak that keeps its tau within the DRT's tolerance; the
    constriction arc separates from the third pressure on (Step 2: constriction). Table 1's R_Cstr only falls as A
    grows, so it was inside the lowest-pressure signal: that signal is not all CT (before: R_CT = R_Int = 142,
    charge transfer). Without A, the bounds (R_Pol 18.8 against R_Int - R_Pol 123) do not decide."""
    ct = track(2, "charge_transfer", 142.0, 18.8)
    cstr = replace(track(3, "constriction", 30.0, 3.0, tau_trend=-0.36, at_highest=False), present_at_lowest=False)
    s36 = s36_right(r_pol=18.8, direction="falling")
    steps12 = s12("charge_transfer_present", branch="left", at_highest=(2,), tracks=(ct, cstr))
    v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=142.0))
    assert v["dominant_interface_process"] == "undetermined"
    assert "constriction track(s) 3, first resolved at a higher pressure" in v["dominance"]["rule"]
    # the same series without the later constriction arc: the tau-constant signal is all CT (rule 4a)
    alone = s12("charge_transfer_present", branch="right", at_highest=(2,), tracks=(ct,))
    v = decide("c", VALIDATION, alone, s36, [], VerdictSettings(), lowest_pressure_r=low(int=142.0))
    assert v["dominant_interface_process"] == "charge_transfer" and "keeps its tau" in v["dominance"]["rule"]
    # nor is a later "constriction" track whose only evidence is its missing last peak (tau and R kept, or one point)
    for weak in (replace(cstr, tau_trend_decades=0.1, r_ratio=0.9), replace(cstr, n_in_window=1)):
        steps12 = s12("charge_transfer_present", branch="left", at_highest=(2,), tracks=(ct, weak))
        v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=142.0))
        assert v["dominant_interface_process"] == "charge_transfer"
    # a track of undetermined behaviour seen only later is no such evidence (a CT arc can grow out of the noise)
    later = replace(cstr, behaviour="undetermined")
    steps12 = s12("charge_transfer_present", branch="left", at_highest=(2,), tracks=(ct, later))
    v = decide("c", VALIDATION, steps12, s36, [], VerdictSettings(), lowest_pressure_r=low(int=142.0))
    assert v["dominant_interface_process"] == "charge_transfer"


def test_the_fitted_tau_order_decides_table_1_only_where_it_holds_at_the_lowest_pressure() -> None:
    """Matrix cell c009 (CT-limited, tau_Cstr < tau_CT, the sheet's A = 0.477 at the lowest pressure, R_Pol 32.8,
    R_Int 70): R_Pol / A = 68.7 makes it charge transfer, R_Pol A = 15.6 constriction - the order decides. The
    DRT peak does not move beyond its tolerance; the fitted element's tau lies below tau_CT (z = -3 at the lowest
    pressure): tau_Cstr < tau_CT, charge transfer. A shift that is not significant at the lowest pressure, where the
    constriction's share is largest, does not set the order: undetermined."""
    row = CtShareRow(spectrum="p10", pressure_mpa=10.0, r_int_ohm_cm2=70.0, contact_fraction=0.477)
    steps12 = s12("charge_transfer_present", at_highest=(2,), tracks=(track(2, "charge_transfer", 70.0, 33.0),))
    base = replace(s36_right(r_pol=32.8, ct_share=(row,)), pressure_order=("p10", "p400"))
    for z_low, expected in ((-3.0, "charge_transfer"), (-1.0, "undetermined")):
        s5 = replace(base.step5, tau_order_from_merged="cstr_faster", tau_shift_z_lowest=z_low)  # type: ignore[arg-type]
        v = decide("c", VALIDATION, steps12, replace(base, step5=s5), [], VerdictSettings(),
                   lowest_pressure_r=low(int=70.0))  # fmt: skip
        assert v["dominant_interface_process"] == expected, z_low


def test_a_signal_that_keeps_its_r_beside_a_vanishing_constriction_part_is_sei_like() -> None:
    """Full-matrix c052 (an SEI of 137 ohm cm^2 declared `stable`, a constriction arc of 30 ohm cm^2 at the lowest
    pressure vanishing with pressure, no contact fraction): one interface signal, its DRT peak R ratio 1.00; the fitted
    element's tau leaves tau_CT at the lowest pressure (tau_Cstr < tau_CT, Step 5). Rule 4c read R_CT(p_min) =
    R_Pol / A >= R_Pol = 137 >= 2 x (167 - 137): charge transfer. But charge transfer would follow R_Pol / A while
    the contact changes; a signal that keeps its R is SEI-like (or CT at nearly full contact from the start)."""
    base = replace(s36_right(r_pol=137.0), pressure_order=("p10", "p400"))
    s36 = replace(base, step5=replace(base.step5, tau_order_from_merged="cstr_faster", tau_shift_z_lowest=-5.0))  # type: ignore[arg-type]
    flat = s12("charge_transfer_present", at_highest=(2,), tracks=(track(2, "charge_transfer", 137.0, 137.0),))
    v = decide("c", VALIDATION, flat, s36, [], VerdictSettings(), lowest_pressure_r=low(int=167.0))
    assert v["dominant_interface_process"] == "undetermined"
    assert "SEI-like" in v["dominance"]["sei_suspected"] and "R ratio 1.00" in v["dominance"]["sei_suspected"]
    assert any(c.startswith("SEI suspected") for c in v["conflicts"])
    # the same fit with a signal that follows R_Pol / A (A(p_min) = 0.5: R ratio 0.5): charge transfer, as before
    ct = s12("charge_transfer_present", at_highest=(2,), tracks=(track(2, "charge_transfer", 274.0, 137.0),))
    v = decide("c", VALIDATION, ct, s36, [], VerdictSettings(), lowest_pressure_r=low(int=167.0))
    assert v["dominant_interface_process"] == "charge_transfer"
    # no constriction part beyond the errors (R_Int(p_min) 140 +- 2.8 against R_Pol 137): no contact change seen
    v = decide("c", VALIDATION, flat, s36, [], VerdictSettings(), lowest_pressure_r=low(int=140.0))
    assert v["dominant_interface_process"] == "charge_transfer"


def test_charge_transfer_when_the_persisting_signal_carries_the_resistance() -> None:
    v = decide(
        "c",
        VALIDATION,
        s12("charge_transfer_present", at_highest=(2,)),
        s36_right(r_pol=90.0, direction="flat"),
        [],
        VerdictSettings(),
        lowest_pressure_r=low(int=100.0),
    )
    # R_Pol 90 of R_Int 100: CT 90 >= 2 x Cstr 10
    assert v["dominant_interface_process"] == "charge_transfer"
    assert by_step(v)["7"]["support"] == "not_applicable"


def test_mixed_between_the_dominance_ratios() -> None:
    v = decide(
        "c",
        VALIDATION,
        s12("charge_transfer_present", branch="left", at_highest=(3,)),
        Steps36Finding(cell="c", applies=True, step3=step3(r_pol=40.0), step5=Step5Finding(branch="left")),
        [],
        VerdictSettings(),
        lowest_pressure_r=low(ct=60.0, cstr=50.0),
    )
    assert v["dominant_interface_process"] == "mixed"


def test_step7_contradiction_is_listed_not_hidden() -> None:
    ea = [dict(r) for r in EA_CONSTRICTION]
    ea[2]["ea_ev"] = 0.45  # interface at or above GB: charge-transfer-like
    v = decide(
        "c",
        VALIDATION,
        s12("constriction_dominates"),
        s36_right(bound=1.0),
        ea,
        VerdictSettings(),
        lowest_pressure_r=low(int=300.0),
    )
    assert v["dominant_interface_process"] == "constriction"  # the pressure series decides ...
    assert by_step(v)["7"]["support"] == "contradicts"  # ... and Step 7's disagreement is shown
    assert any(c.startswith("Step 7") for c in v["conflicts"])
    assert "conflicting" in v["summary"]


def test_temperature_only_cell_is_judged_by_step7_and_says_so() -> None:
    v = decide(
        "t",
        VALIDATION,
        NotApplicable(reason="no pressure series"),
        Steps36Finding(cell="t", applies=False),
        EA_CONSTRICTION,
        VerdictSettings(),
    )
    assert v["dominant_interface_process"] == "constriction"
    assert "temperature series alone" in v["summary"]
    assert all(by_step(v)[k]["support"] == "not_applicable" for k in "123456")


def test_sei_branch_reports_the_branch_not_a_step_verdict() -> None:
    v = decide(
        "s",
        VALIDATION,
        s12("charge_transfer_present", at_highest=(2,)),
        s36_right(r_pol=90.0),
        EA_CONSTRICTION,
        VerdictSettings(),
        interface="sei",
    )
    assert v["dominant_interface_process"] == "sei"
    assert v["branch"] == "sei"
    assert "persists" in v["summary"]
    assert {s["support"] for s in v["steps"]} == {"not_applicable"}


def test_unknown_stability_is_said() -> None:
    v = decide("u", VALIDATION, s12("constriction_dominates"), s36_right(bound=1.0), [], VerdictSettings("unknown"))
    assert v["interface_stability"] == "unknown"
    assert "assumes a stable interface" in v["summary"]


@pytest.mark.parametrize(
    ("ea_int", "expected"),
    [
        (0.35, "constriction_like"),
        (0.37, "constriction_like"),
        (0.40, "constriction_like"),
        (0.44, "charge_transfer_like"),
    ],
)
def test_step7_classification(ea_int: float, expected: str) -> None:
    ea = {r["element"]: r for r in EA_CONSTRICTION}
    ea["int"] = {"ea_ev": ea_int, "ea_stderr_ev": 0.005}
    assert step7_findings(ea)["classification"] == expected


def test_step7_order_check_flags_an_interface_outside_the_microscopic_range() -> None:
    ea = {r["element"]: r for r in EA_CONSTRICTION}
    ea["int"] = {"ea_ev": 0.25, "ea_stderr_ev": 0.005}
    checks = step7_findings(ea)["order_checks"]
    assert checks["ea_interface_within_microscopic_range"] is False
    assert checks["ea_bulk_below_ea_gb"] is True


def test_stage_writes_strict_json_and_the_arrhenius_table(tmp_path: Path) -> None:
    rows = []
    for t, (rb, ri) in {0.0: (600.0, 170.0), 25.0: (200.0, 50.0), 50.0: (80.0, 18.0)}.items():
        for el, r in (("bulk", rb), ("int", ri)):
            rows.append(
                {"fit": "temperature", "spectrum": f"T{t:g}", "temperature_c": t, "element": el, "r_ohm_cm2": r}
            )
    fits = pd.DataFrame(rows).assign(r_stderr_ohm_cm2=float("nan"), pressure_mpa=41.0)
    table = arrhenius_table(fits)
    assert list(table["element"]) == ["bulk", "int"]
    assert not table["weighted"].any()  # no standard errors: unweighted, errors from the scatter
    result = run_cell_verdict(
        "x", VALIDATION, {"steps_1_2": {"applies": False, "reason": "none"}}, {"cell": "x", "applies": False}, fits
    )
    result.write(tmp_path / "arrhenius.csv", tmp_path / "verdict.json")
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert verdict["provenance"]["inputs"] == {"a.txt": "0" * 64}
    assert pd.read_csv(tmp_path / "arrhenius.csv").shape[0] == 2


def test_lowest_pressure_resistances_and_interface_column() -> None:
    fits = pd.DataFrame(
        {
            "fit": ["step3", "series", "series", "series"],
            "spectrum": ["p400", "p10", "p10", "p41"],
            "pressure_mpa": [400.0, 10.0, 10.0, 41.0],
            "element": ["gb", "gb", "int", "int"],
            "r_ohm_cm2": [60.0, 61.0, 300.0, 50.0],
            "r_stderr_ohm_cm2": [0.5, 0.6, 3.0, 1.0],
        }
    )
    assert lowest_pressure_resistances(fits) == {"gb": (61.0, 0.6), "int": (300.0, 3.0)}
    assert interface_from_rows([{"interface": "SEI "}, {"interface": None}]) == "sei"
    with pytest.raises(ValueError, match="several 'interface' values"):
        interface_from_rows([{"interface": "sei"}, {"interface": "stable"}])


# --- Table 1 decisions (eisrecipe.recipe.dominance): the cases the R_Pol-against-R_Int logic got wrong ---------


def track(
    n: int, behaviour: str, r_first: float, r_last: float, *, tau_trend: float = 0.0, at_highest: bool = True
) -> InterfaceTrackFinding:
    """An interface track of Steps 1-2 present at the lowest pressure (R in ohm cm^2, tau trend in decades)."""
    return InterfaceTrackFinding(
        track=n,
        label=f"int{n}",
        behaviour=behaviour,  # type: ignore[arg-type]
        reason="",
        present_at_lowest=True,
        present_at_highest=at_highest,
        tau_range_decades=abs(tau_trend),
        tau_shift_decades=tau_trend,
        tau_trend_decades=tau_trend,
        tau_tol_decades=0.3,
        n_in_window=7,
        r_ratio=r_last / r_first,
        log10_tau_first=-3.0,
        log10_tau_last=-3.0 + tau_trend,
        slope_log10_tau_per_log10_mpa=0.0,
        r_first_ohm_cm2=r_first,
        r_last_ohm_cm2=r_last,
    )


def ct_cell(r_pol: float, a_min: float, r_int_min: float, contact: bool) -> dict[str, Any]:
    """A right-branch cell whose single interface signal keeps its tau (Table 1: R_CT = R_Pol / A, C_CT = C_DL A)."""
    t = track(2, "charge_transfer", r_int_min, r_pol)
    rows = None
    if contact:  # the sheet's contact fractions, lowest pressure first (Step 5 rows)
        rows = (
            CtShareRow(spectrum="p10", pressure_mpa=10.0, r_int_ohm_cm2=r_int_min, contact_fraction=a_min),
            CtShareRow(spectrum="p400", pressure_mpa=400.0, r_int_ohm_cm2=r_pol, contact_fraction=1.0),
        )
    s36 = replace(s36_right(r_pol=r_pol, ct_share=rows), pressure_order=("p10", "p400"))
    return {
        "steps12": s12("charge_transfer_present", at_highest=(2,), tracks=(t,)),
        "steps36": s36,
        "arrhenius_rows": [],
        "settings": VerdictSettings(),
        "lowest_pressure_r": low(bulk=200.0, gb=60.0, int=r_int_min),
    }


@pytest.mark.parametrize("contact", [False, True])
def test_charge_transfer_limited_cell_is_not_called_constriction(contact: bool) -> None:
    """R_Pol = 40 ohm cm^2, A from 0.30 to 1: R_Int(p_min) = R_Pol / A = 133 carries 100 % CT. The old rule compared
    R_Pol = 40 with R_Int - R_Pol = 93 and said constriction, with and without contact_fraction in the sheet."""
    v = decide("ct", VALIDATION, **ct_cell(40.0, 0.30, 40.0 / 0.30, contact))
    assert v["dominant_interface_process"] == "charge_transfer", v["steps"][2]["numbers"]
    assert v["dominance"]["ct_share"] == pytest.approx(1.0)


def test_recipe_example_r_ct_from_r_pol_over_a_decides_not_r_int_minus_r_pol() -> None:
    """RECIPE.md Step 5: R_Pol = 40 at A(p_min) = 0.3 gives R_CT = 133 ohm cm^2, CT-limited although R_Int is 150
    (R_Cstr = 17). Here the signal's tau moves (an overlapping constriction part), so the sheet's A decides."""
    t = track(2, "constriction", 150.0, 40.0, tau_trend=0.8)
    rows = (
        CtShareRow(spectrum="p10", pressure_mpa=10.0, r_int_ohm_cm2=150.0, contact_fraction=0.3),
        CtShareRow(spectrum="p400", pressure_mpa=400.0, r_int_ohm_cm2=40.0, contact_fraction=1.0),
    )
    s36 = replace(s36_right(r_pol=40.0, ct_share=rows), pressure_order=("p10", "p400"))
    v = decide(
        "x", VALIDATION, s12("charge_transfer_present", at_highest=(2,), tracks=(t,)), s36, [], VerdictSettings(),
        lowest_pressure_r=low(int=150.0),
    )  # fmt: skip
    assert v["dominant_interface_process"] == "charge_transfer"
    assert v["dominance"]["r_ct_ohm_cm2"] == pytest.approx(40.0 / 0.3)
    assert v["dominance"]["r_cstr_ohm_cm2"] == pytest.approx(150.0 - 40.0 / 0.3)


@pytest.mark.parametrize(
    ("tau_trend", "r_pol", "expected"),
    [
        (0.8, 90.0, "charge_transfer"),  # moves up to tau_CT: tau_Cstr < tau_CT, R_CT(p_min) >= R_Pol = 90 of 100
        (-0.8, 10.0, "constriction"),  # moves down: tau_CT < tau_Cstr, R_CT(p_min) <= R_Pol = 10 of 100
        (0.8, 50.0, "undetermined"),  # R_CT >= 50 of 100 decides nothing without A
    ],
)
def test_overlapping_signal_without_contact_uses_table_1_bounds(tau_trend: float, r_pol: float, expected: str) -> None:
    t = track(2, "constriction", 100.0, r_pol, tau_trend=tau_trend)
    v = decide(
        "x", VALIDATION, s12("charge_transfer_present", at_highest=(2,), tracks=(t,)), s36_right(r_pol=r_pol), [],
        VerdictSettings(), lowest_pressure_r=low(int=100.0),
    )  # fmt: skip
    assert v["dominant_interface_process"] == expected, v["dominance"]


@pytest.mark.parametrize(("r_cstr", "expected"), [(100.0, "undetermined"), (400.0, "constriction")])
def test_pressure_independent_signal_beside_constriction_is_sei_like_never_ct_or_mixed(
    r_cstr: float, expected: str
) -> None:
    """An interface signal keeping tau and R (82 ohm cm^2) while a constriction signal beside it shrinks: the contact
    changes, so charge transfer would change as 1/A; it is SEI-like although the sheet says stable."""
    sei = track(2, "charge_transfer", 82.0, 80.0)
    cstr = track(3, "constriction", r_cstr, 0.0, tau_trend=1.0, at_highest=False)
    v = decide(
        "sei", VALIDATION, s12("charge_transfer_present", at_highest=(2,), tracks=(sei, cstr)), s36_right(r_pol=80.0),
        [], VerdictSettings(), lowest_pressure_r=low(int=82.0 + r_cstr),
    )  # fmt: skip
    assert v["dominant_interface_process"] == expected
    assert v["dominant_interface_process"] not in ("charge_transfer", "mixed")
    assert "SEI-like" in v["dominance"]["sei_suspected"]
    assert any("SEI" in c for c in v["conflicts"])


def test_flat_signal_with_the_sheet_contact_changing_is_sei_like() -> None:
    v = decide("sei", VALIDATION, **{**ct_cell(80.0, 0.3, 82.0, contact=True)})
    assert v["dominant_interface_process"] == "undetermined" and "sei_suspected" in v["dominance"]


@pytest.mark.parametrize(
    ("ct", "cstr", "err", "expected"),
    [
        (133.0, 17.0, 2.0, "charge_transfer"),
        (17.0, 133.0, 2.0, "constriction"),
        (60.0, 50.0, 1.0, "mixed"),
        (100.0, 50.0, 1.0, "undetermined"),  # exactly at the ratio: the errors straddle the boundary
        (133.0, 17.0, 60.0, "undetermined"),  # too uncertain to say
    ],
)
def test_dominance_compares_with_errors(ct: float, cstr: float, err: float, expected: str) -> None:
    assert compare(ct, err, cstr, err, 2.0, 2.0) == expected


def left_cell(ct: float, cstr: float, tracks: tuple[InterfaceTrackFinding, ...]) -> dict[str, Any]:
    s36 = replace(
        s36_right(r_pol=40.0),
        step4=step4("four elements (bulk, GB, CT, Cstr)", ("bulk", "gb", "ct", "cstr")),
        step5=Step5Finding(branch="left"),
        pressure_order=("p10", "p400"),
    )
    return {
        "steps12": s12("charge_transfer_present", branch="left", at_highest=(2,), tracks=tracks),
        "steps36": s36,
        "arrhenius_rows": [],
        "settings": VerdictSettings(),
        "lowest_pressure_r": low(bulk=200.0, gb=60.0, ct=ct, cstr=cstr),
    }


def test_left_branch_decides_from_the_fitted_pair_when_the_drt_agrees() -> None:
    tracks = (track(2, "charge_transfer", 130.0, 40.0), track(3, "constriction", 20.0, 0.0, tau_trend=1.0))
    v = decide("l", VALIDATION, **left_cell(133.0, 17.0, tracks))
    assert v["dominant_interface_process"] == "charge_transfer"


def test_left_branch_is_undetermined_when_fit_and_drt_swap_the_identities() -> None:
    """The fit gives the CT element 600 ohm cm^2 at the lowest pressure, but the DRT shows no CT peak there and a
    634 ohm cm^2 constriction peak (matrix cell c011, a constriction-limited cell): the elements' identities are in
    doubt, so no verdict rather than a confident 'charge transfer'."""
    tracks = (
        track(1, "constriction", 634.0, 13.6, tau_trend=-0.5, at_highest=False),
        replace(track(3, "charge_transfer", 15.0, 10.0), present_at_lowest=False),
    )
    v = decide("l", VALIDATION, **left_cell(600.0, 30.0, tracks))
    assert v["dominant_interface_process"] == "undetermined"
    assert "disagree" in v["dominance"]["rule"]


def test_left_branch_is_undetermined_when_a_further_ct_like_element_decides_by_its_side() -> None:
    """Matrix cell c235 (CT-limited, tau_CT < tau_Cstr; truth at the lowest pressure R_CT 352, R_Cstr 74 ohm cm^2):
    the fit's primary CT element held 6.7 there, a second tau-constant element ct2 352 and the constriction 99.
    Counted on neither side, ct2 left 6.7 against 99: "constriction". Its side decides the answer (with R_CT:
    charge transfer), and which it is is not known (Table 1: CT, or SEI-like when it does not follow A): undetermined,
    naming both readings. A small further element that changes nothing on either side leaves the pair's answer."""
    tracks = (
        track(2, "charge_transfer", 7.0, 40.0),
        track(3, "constriction", 99.0, 0.0, tau_trend=1.0),
        track(4, "charge_transfer", 352.0, 2500.0),
    )
    for ct2, expected in ((352.0, "undetermined"), (3.0, "constriction")):
        cell = left_cell(6.7, 99.0, tracks)
        cell["steps36"] = replace(
            cell["steps36"],
            step4=step4("bulk, GB, CT, Cstr, CT2", ("bulk", "gb", "ct", "cstr", "ct2")),
            assignment={"bulk": [0], "ct": [2], "cstr": [3], "ct2": [4]},
        )
        cell["lowest_pressure_r"] = low(bulk=200.0, gb=60.0, ct=6.7, cstr=99.0, ct2=ct2)
        v = decide("c", VALIDATION, **cell)
        assert v["dominant_interface_process"] == expected, ct2
        rule = v["dominance"]["rule"]
        assert ("with R_CT charge_transfer, with R_Cstr constriction" in rule) == (expected == "undetermined"), rule
        assert ("on either, the same answer" in rule) == (expected == "constriction"), rule


def ct_beside_unknown_cell(
    ct: float, unknown: float, tracks: tuple[InterfaceTrackFinding, ...] | None = None
) -> dict[str, Any]:
    """A left-branch cell whose model holds the CT element and one element of undetermined behaviour (a track missing
    at the highest pressure without evidence that it is gone), no constriction element."""
    tracks = tracks or (
        track(2, "charge_transfer", ct, 5 * ct),
        track(3, "undetermined", unknown, unknown, at_highest=False),
    )
    cell = left_cell(ct, unknown, tracks)
    cell["steps36"] = replace(cell["steps36"], step4=step4("bulk, GB, CT, int2", ("bulk", "gb", "ct", "int2")))
    cell["lowest_pressure_r"] = low(bulk=160.0, gb=78.0, ct=ct, int2=unknown)
    return cell


def test_ct_dominating_an_undetermined_neighbour_is_charge_transfer() -> None:
    """Matrix cell c019 (tau_CT < tau_Cstr, R_CT = R_Pol A grows from 690 to 5400 ohm cm^2): the constriction arc
    (110 ohm cm^2 at the lowest pressure) cannot be shown gone beside the 5400 ohm cm^2 CT arc at the highest one,
    so Step 2 leaves it undetermined. Constriction at most, it is dominated by R_CT at the lowest pressure: charge
    transfer. With the sizes reversed the unknown element could be the dominant constriction: undetermined."""
    v = decide("c", VALIDATION, **ct_beside_unknown_cell(690.0, 110.0))
    assert v["dominant_interface_process"] == "charge_transfer"
    assert "undetermined behaviour" in v["dominance"]["rule"]
    v = decide("c", VALIDATION, **ct_beside_unknown_cell(100.0, 300.0))
    assert v["dominant_interface_process"] == "undetermined"


def test_an_undetermined_element_falling_faster_than_ct_could_is_the_constriction_side() -> None:
    """Matrix cells c005 and c023 (mixed, tau_CT < tau_Cstr): the primary CT track's R rises by 1.45 over the series
    (R_CT = R_Pol A: the contact grows 1.45-fold); the undetermined track falls from 55.6 to 7.5 ohm cm^2 (0.13)
    before the DRT loses it. A CT process at that contact changes by 1.45 or 1/1.45 at most, an SEI not at all:
    it is constriction, and R_CT 62.9 against 54.6 at the lowest pressure is mixed. Falling only to 0.6 of its
    first R it could be a CT process in the other order: undetermined as before."""
    for r_last, expected in ((7.5, "mixed"), (33.0, "undetermined")):
        tracks = (track(2, "charge_transfer", 62.9, 91.2), track(3, "undetermined", 55.6, r_last, at_highest=False))
        cell = ct_beside_unknown_cell(62.9, 54.6, tracks)
        cell["steps36"] = replace(cell["steps36"], assignment={"ct": [2], "int2": [3]})
        v = decide("c", VALIDATION, **cell)
        assert v["dominant_interface_process"] == expected, r_last
        assert ("faster than a CT process" in v["dominance"]["rule"]) == (expected == "mixed")
    # the same fall beside a CT track whose R does not change (no contact change shown): no constriction either
    tracks = (track(2, "charge_transfer", 62.9, 66.0), track(3, "undetermined", 55.6, 7.5, at_highest=False))
    cell = ct_beside_unknown_cell(62.9, 54.6, tracks)
    cell["steps36"] = replace(cell["steps36"], assignment={"ct": [2], "int2": [3]})
    assert decide("c", VALIDATION, **cell)["dominant_interface_process"] == "undetermined"
    # int2 pruned at the lowest pressure as a runaway (infinite error): the runaway R decides nothing; its DRT peak
    # there (55.6 ohm cm^2) gives its size, and R_CT 62.9 against it is mixed. Without a peak there: undetermined
    tracks = (track(2, "charge_transfer", 62.9, 91.2), track(3, "undetermined", 55.6, 7.5, at_highest=False))
    cell = ct_beside_unknown_cell(62.9, 54.6, tracks)
    pruned = Pruned(series=(PrunedElement("p10", "int2", 6.8e9, math.inf, "R/stderr = 0 < 2"),))
    cell["steps36"] = replace(cell["steps36"], assignment={"ct": [2], "int2": [3]}, pruned=pruned)
    cell["lowest_pressure_r"] = low(bulk=160.0, gb=78.0, ct=62.9)
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] == "mixed" and "DRT peak area 55.6" in v["dominance"]["rule"]
    cell["steps12"] = replace(
        cell["steps12"], interface_tracks=(tracks[0], replace(tracks[1], present_at_lowest=False))
    )
    assert decide("c", VALIDATION, **cell)["dominant_interface_process"] == "undetermined"


def test_a_fall_is_compared_with_the_primary_ct_track_over_the_same_spectra() -> None:
    """Full matrix c158 (mixed, tau_CT < tau_Cstr; R_CT 28.7 and R_Cstr 27.9 ohm cm^2 at the lowest pressure): the
    primary CT track rises 29.5 -> 51.1 over five pressures (rho 1.73), the undetermined track falls 28.2 -> 13.3
    over the first two and is lost. Against the whole series' rho the limit is 0.7 x 1/1.73 = 0.40 and its 0.47 is
    no evidence - undetermined, as before. Over the same two spectra the primary rose only 29.5 -> 36.6 (1.24): a CT
    process there changes by 1.24 or 1/1.24, and 0.47 < 0.7 / 1.24 = 0.56 falls faster - constriction, and 29.5
    against 27.2 is mixed. Falling only to 0.7 over those two it could still be CT: undetermined."""
    primary = replace(
        track(1, "charge_transfer", 29.5, 51.1),
        r_by_step=((0, 29.5), (1, 36.6), (2, 44.2), (3, 48.4), (4, 51.1)),
    )
    for r_second, expected in ((13.3, "mixed"), (19.7, "undetermined")):
        unknown = replace(
            track(2, "undetermined", 28.2, r_second, at_highest=False), r_by_step=((0, 28.2), (1, r_second))
        )
        cell = ct_beside_unknown_cell(29.5, 27.2, (primary, unknown))
        cell["steps36"] = replace(cell["steps36"], assignment={"ct": [1], "int2": [2]})
        v = decide("c", VALIDATION, **cell)
        assert v["dominant_interface_process"] == expected, r_second
        assert ("faster than a CT process" in v["dominance"]["rule"]) == (expected == "mixed")
    # without the per-spectrum areas (no common spectra known) the whole series' rho is the reference: undetermined
    unknown = track(2, "undetermined", 28.2, 13.3, at_highest=False)
    cell = ct_beside_unknown_cell(29.5, 27.2, (replace(primary, r_by_step=()), unknown))
    cell["steps36"] = replace(cell["steps36"], assignment={"ct": [1], "int2": [2]})
    assert decide("c", VALIDATION, **cell)["dominant_interface_process"] == "undetermined"


def test_a_further_ct_like_element_falling_faster_than_ct_could_is_the_constriction_side() -> None:
    """Matrix cell c029 (3D network, mixed: R_CT 12.7 and R_Cstr 10.3 ohm cm^2 at A = 0.25): both interface tracks
    keep their tau within the tolerance, so Step 2 calls both charge transfer and the old rule summed them as R_CT
    (23.8, share 1.0: "charge transfer"). The primary CT track falls from 13.4 to 3.26 (rho 0.24, R_CT = R_Pol / A);
    the second from 10.7 to 0.28 (0.026) - faster than any CT process at that contact (Table 1: one A for every CT
    process at the interface), so it is the constriction side: 13.4 against 10.7 is mixed. Falling only as the
    primary does (to 0.24) it stays a second CT-like finding, on neither side, and the cell is charge transfer - also
    when the DRT under-reads its small last peak by 40 % (ratio 0.15: Step 2's CT is moved only on a fall beyond the
    primary's by more than such an under-read)."""
    for r_last, expected in ((0.28, "mixed"), (2.6, "charge_transfer"), (1.6, "charge_transfer")):
        tracks = (track(1, "charge_transfer", 10.7, r_last), track(2, "charge_transfer", 13.4, 3.26))
        cell = left_cell(13.4, 0.0, tracks)
        cell["steps36"] = replace(
            cell["steps36"],
            step4=step4("bulk, CT2, CT", ("bulk", "ct2", "ct")),
            assignment={"bulk": [0], "ct2": [1], "ct": [2]},
        )
        cell["lowest_pressure_r"] = low(bulk=22.0, ct2=10.7, ct=13.4)
        v = decide("c", VALIDATION, **cell)
        assert v["dominant_interface_process"] == expected, r_last
        assert ("faster than a CT process" in v["dominance"]["rule"]) == (expected == "mixed")
        # either premise caps the confidence at medium: one interface (mixed), or two tau-constant signals both CT
        from eisrecipe.recipe.dominance import ALL_TAU_CONSTANT_ARE_CT, ONE_INTERFACE

        assert v["dominance"]["premise"] == (ONE_INTERFACE if expected == "mixed" else ALL_TAU_CONSTANT_ARE_CT)
    # a further CT-like element with no track assigned shows no fall: it cannot join the constriction side
    tracks = (track(1, "charge_transfer", 10.7, 0.28), track(2, "charge_transfer", 13.4, 3.26))
    cell = left_cell(13.4, 0.0, tracks)
    cell["steps36"] = replace(
        cell["steps36"],
        step4=step4("bulk, CT2, CT3, CT", ("bulk", "ct2", "ct3", "ct")),
        assignment={"bulk": [0], "ct2": [1], "ct": [2]},
    )
    cell["lowest_pressure_r"] = low(bulk=22.0, ct2=10.7, ct3=30.0, ct=13.4)
    assert "faster than a CT process" not in decide("c", VALIDATION, **cell)["dominance"]["rule"]


def test_a_tau_constant_signal_with_a_grain_boundary_class_capacitance_is_not_counted_as_charge_transfer() -> None:
    """Full matrix c283 (mixed, tau_Cstr < tau_CT; truth at the lowest pressure R_CT 104, R_Cstr 108, R_GB 104 ohm
    cm^2): the constriction arc merged into the GB peak, which kept its tau within the DRT tolerance while its R fell
    212 -> 104 towards R_GB; beside the primary CT (102 -> 38.4) Step 2 read both as charge transfer and R_CT(p_min)
    = R_Int(p_min) = 314 made the cell "charge transfer" (medium confidence, wrong). The second signal's fitted
    capacitance at the highest pressure is grain-boundary-class (C x thickness 1.2e-9 F/cm) where the primary's is an
    interface one: Table 1's C_CT = C_DL A is an interface capacitance, so it is no charge transfer. R_CT(p_min) is
    the primary's 102; what the other holds of R_Cstr lies between its fall (108: mixed) and all of it (212:
    constriction) - undetermined. Where both ends agree they decide; with an interface-class capacitance the second
    signal stays a CT-like finding (charge transfer, with the premise)."""
    from eisrecipe.recipe.dominance import ALL_TAU_CONSTANT_ARE_CT, GB_CLASS_NOT_CT
    from eisrecipe.recipe.steps_3_6 import InterfaceElement

    def cell_with(ct2_first: float, ct2_last: float, c_ct2: float) -> dict[str, Any]:
        tracks = (track(1, "charge_transfer", ct2_first, ct2_last), track(2, "charge_transfer", 102.0, 38.4))
        cell = left_cell(102.0, 0.0, tracks)
        elements = (
            InterfaceElement("ct2", (1,), "charge_transfer", "a further one", 2e-6, ct2_last, c_highest_f_cm=c_ct2),
            InterfaceElement("ct", (2,), "charge_transfer", "primary", 7e-4, 38.4, c_highest_f_cm=1.2e-6),
        )
        cell["steps36"] = replace(
            cell["steps36"],
            step4=step4("bulk, CT2, CT", ("bulk", "ct2", "ct")),
            assignment={"bulk": [0], "ct2": [1], "ct": [2]},
            interface_elements=elements,
        )
        cell["lowest_pressure_r"] = low(bulk=90.0, ct2=ct2_first, ct=102.0)
        return cell

    v = decide("c", VALIDATION, **cell_with(212.0, 104.0, 1.2e-9))
    assert v["dominant_interface_process"] == "undetermined"
    assert "grain-boundary-class capacitance" in v["dominance"]["rule"] and "disagree" in v["dominance"]["rule"]
    # both ends agree: a small signal (30 -> 15) leaves charge transfer, a large falling one constriction
    v = decide("c", VALIDATION, **cell_with(30.0, 15.0, 1.2e-9))
    assert v["dominant_interface_process"] == "charge_transfer"
    assert "grain-boundary-class capacitance" in v["dominance"]["rule"]
    assert v["dominance"]["r_ct_ohm_cm2"] == 102.0 and v["dominance"]["r_cstr_ohm_cm2"] == 15.0
    v = decide("c", VALIDATION, **cell_with(600.0, 100.0, 1.2e-9))
    assert v["dominant_interface_process"] == "constriction"
    assert v["dominance"]["premise"] == GB_CLASS_NOT_CT  # the confidence is at most medium
    # an interface-class capacitance (1e-6 F/cm): a second CT-like signal as before, summed into R_CT(p_min)
    v = decide("c", VALIDATION, **cell_with(212.0, 104.0, 1e-6))
    assert v["dominant_interface_process"] == "charge_transfer" and "keeps its tau" in v["dominance"]["rule"]
    assert v["dominance"]["premise"] == ALL_TAU_CONSTANT_ARE_CT
    # a third CT-like element of interface-class capacitance stays on the CT side: 102 + 150 against 250 .. 300
    cell = cell_with(300.0, 50.0, 1.2e-9)
    elements = (*cell["steps36"].interface_elements, InterfaceElement("ct3", (3,), "charge_transfer", "", 1e-4, 80.0,
                c_highest_f_cm=1e-6))  # fmt: skip
    cell["steps36"] = replace(cell["steps36"], interface_elements=elements)
    cell["lowest_pressure_r"] = low(bulk=90.0, ct2=300.0, ct=102.0, ct3=150.0)
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] == "mixed" and v["dominance"]["r_ct_ohm_cm2"] == 252.0
    # an element whose error is infinite (a degenerate direction of the fit) decides nothing
    cell = cell_with(600.0, 100.0, 1.2e-9)
    cell["lowest_pressure_r"] = {**cell["lowest_pressure_r"], "ct2": (600.0, math.inf)}
    assert decide("c", VALIDATION, **cell)["dominant_interface_process"] == "undetermined"
    # without the primary CT held at the lowest pressure R_CT(p_min) is not known
    cell = cell_with(212.0, 104.0, 1.2e-9)
    cell["lowest_pressure_r"] = low(bulk=90.0, ct2=212.0)
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] == "undetermined" and "not known" in v["dominance"]["rule"]


def test_every_undetermined_element_counts_and_a_pruned_one_must_not_decide() -> None:
    """Matrix cell c005, perturbed copies: int2 (falling from 57 to 22, 0.38 < 0.7/1.53: faster than a CT process at
    that contact could) is held at the lowest pressure; int3 (a drift split off into a flat track) is pruned there.
    Pruned small (3 +- 2 ohm cm^2), it changes nothing on either side: mixed, with int2 alone asked to fall faster.
    Pruned but large (a runaway sized by its flat DRT peak of 200 ohm cm^2), it would decide the answer - on the
    constriction side mixed, on the CT side charge transfer - and what it is is not known: undetermined (review: the
    first form of this rule left it out and said mixed). An element neither held nor pruned there is not in that
    spectrum's model: undetermined, as when no element is held."""
    tracks = (
        track(2, "charge_transfer", 63.1, 96.5),
        track(3, "undetermined", 57.2, 21.7, at_highest=False),
        track(4, "undetermined", 34.0, 34.0, at_highest=False),
    )
    elements = ("bulk", "gb", "ct", "int2", "int3")

    def cell(int3: tuple[float, float]) -> dict[str, Any]:
        c = ct_beside_unknown_cell(62.3, 57.3, tracks)
        pruned = Pruned(series=(PrunedElement("p10", "int3", int3[0], int3[1], "R/stderr < 2"),))
        c["steps36"] = replace(
            c["steps36"],
            step4=step4("bulk, GB, CT, int2, int3", elements),
            assignment={"ct": [2], "int2": [3], "int3": [4]},
            pruned=pruned,
        )
        return c

    v = decide("c", VALIDATION, **cell((3.0, 2.0)))
    assert v["dominant_interface_process"] == "mixed", v["dominance"]
    assert "track 3 R ratio 0.38" in v["dominance"]["rule"] and "int3 pruned" in v["dominance"]["rule"]
    big = replace(tracks[2], r_first_ohm_cm2=200.0, r_last_ohm_cm2=200.0)
    c = cell((6.8e9, math.inf))
    c["steps12"] = replace(c["steps12"], interface_tracks=(tracks[0], tracks[1], big))
    v = decide("c", VALIDATION, **c)
    assert v["dominant_interface_process"] == "undetermined", v["dominance"]
    c = cell((3.0, 2.0))
    c["steps36"] = replace(c["steps36"], pruned=Pruned(series=()))
    assert decide("c", VALIDATION, **c)["dominant_interface_process"] == "undetermined"


def test_a_flat_arc_stays_sei_like_whatever_trend_the_fit_gives_it() -> None:
    """Matrix cell c007 (an undeclared SEI beside a shrinking constriction arc), perturbed copies: the DRT keeps the
    SEI arc's area within 20 %, while the series fit gives its element a significant fall with C rising (the
    neighbour leaking in) - Table 1's CT signature. Reading that trend as 'R follows the contact' made 10 of 16
    copies say charge transfer; the signal stays SEI-like, never charge transfer or mixed."""
    tracks = (
        track(2, "charge_transfer", 13.0, 10.9),
        track(3, "constriction", 3.5, 0.2, tau_trend=0.8, at_highest=False),
    )
    cell = left_cell(13.0, 3.5, tracks)
    falling = Trend(n_points=6, slope=-0.085, slope_stderr=0.01, spearman_rho=-1.0, direction="falling")
    rising = Trend(n_points=6, slope=0.15, slope_stderr=0.02, spearman_rho=1.0, direction="rising")
    cell["steps36"] = replace(
        cell["steps36"],
        assignment={"ct": [2], "cstr": [3]},
        step5=Step5Finding(branch="left", r_ct_trend=falling, c_ct_trend=rising, tau_order_from_fits="cstr_faster"),
    )
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] not in ("charge_transfer", "mixed")
    assert v["dominance"]["sei_suspected"]


def test_ct_alone_at_the_lowest_pressure_counts_what_was_pruned_there() -> None:
    """Matrix cells c019 and c012: the left-branch model holds ct and int2, but int2 is not held at the lowest
    pressure. With no DRT peak there, what it holds there is not known (a constriction arc may hide under the CT
    peak): undetermined. Pruned there, it counts with the R and error it had when pruned: R 9.8 +- 5.3 beside
    R_CT 750 is dominated; a runaway (R 6.8e9, infinite error: a degenerate direction) says nothing of its size, so
    the process stays undetermined - unless the element's DRT track has a peak at the lowest pressure (c019: 110
    ohm cm^2 beside the CT arc's 750, the size 15 of 16 perturbed re-runs fitted): then that area is its size, and
    R_CT dominates it. The rule for one overlapping signal (contact fraction needed) never applies: this is the left
    branch."""
    cell = ct_beside_unknown_cell(750.0, 110.0)
    cell["lowest_pressure_r"] = low(bulk=160.0, gb=78.0, ct=750.0)
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] == "undetermined"  # a constriction arc may sit under the CT peak
    assert "no DRT peak there" in v["dominance"]["rule"]
    for r, err, expected in ((9.8, 5.3, "charge_transfer"), (6.8e9, math.inf, "undetermined")):
        pruned = Pruned(series=(PrunedElement("p10", "int2", r, err, "R/stderr < 2"),))
        cell["steps36"] = replace(cell["steps36"], pressure_order=("p10", "p400"), pruned=pruned)
        v = decide("c", VALIDATION, **cell)
        assert v["dominant_interface_process"] == expected
        assert "pruned at the lowest pressure" in v["dominance"]["rule"]
    # the runaway with the assignment known: int2 holds track 3, whose DRT peak at the lowest pressure is 110
    cell["steps36"] = replace(cell["steps36"], assignment={"ct": [2], "int2": [3]})
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] == "charge_transfer"
    assert "DRT peak area 110" in v["dominance"]["rule"] and v["dominance"]["r_cstr_ohm_cm2"] == pytest.approx(110.0)


@pytest.mark.parametrize(
    "beside",
    [
        track(3, "undetermined", 3.5, 0.18, at_highest=False),
        replace(track(3, "undetermined", 3.5, 3.5, at_highest=False), n_in_window=1),
    ],
    ids=["shrinking", "one-point"],
)
def test_flat_signal_beside_an_undetermined_vanishing_one_is_sei_like_not_charge_transfer(
    beside: InterfaceTrackFinding,
) -> None:
    """Matrix cell c007 (an undeclared SEI, 13 ohm cm^2, beside a constriction arc of 3.5 ohm cm^2 that shrinks to
    0.2 and is too small to be shown gone): Step 2 calls the flat signal charge transfer and leaves the other one
    undetermined. That one - shrinking, or seen at the lowest pressure only (R ratio 1 with one point; review of
    c007) - shows the contact changing, so the flat one is SEI-like: never charge transfer (issue 15), although R_CT
    dominates the undetermined element at the lowest pressure."""
    v = decide("c", VALIDATION, **ct_beside_unknown_cell(13.0, 3.5, (track(2, "charge_transfer", 13.0, 12.5), beside)))
    assert v["dominant_interface_process"] not in ("charge_transfer", "mixed")
    assert v["dominance"]["sei_suspected"]


@pytest.mark.parametrize(("trend", "expected_sei"), [("falling", True), ("rising", True), ("flat", False)])
def test_flat_signal_beside_one_with_a_significant_r_trend_is_sei_like(trend: str, expected_sei: bool) -> None:
    """Matrix cell c007 once the drift's track is gone (eisrecipe.methods.peaks, imaginary support): the SEI (13
    ohm cm^2, flat) beside the GB peak that holds the shrinking constriction arc, read as a second tau-constant
    interface signal falling 18.1 -> 14.5 ohm cm^2 over six pressures - by 20 %, within Step 2's 30 % tolerance,
    but monotonic: its trend test (p < 0.0455) shows the contact changing, so the flat signal is SEI-like and not
    charge transfer. A second signal without a significant trend shows nothing (two flat signals: charge transfer
    at full contact reads the same)."""
    flat = track(2, "charge_transfer", 13.2, 13.0)
    other = replace(track(3, "charge_transfer", 18.1, 14.5), r_trend=trend)
    v = decide(
        "c", VALIDATION, s12("charge_transfer_present", at_highest=(2, 3), tracks=(flat, other)),
        s36_right(r_pol=27.5), [], VerdictSettings(), lowest_pressure_r=low(int=31.3),
    )  # fmt: skip
    if expected_sei:
        assert v["dominant_interface_process"] not in ("charge_transfer", "mixed")
        assert "SEI-like" in v["dominance"]["sei_suspected"]
    else:
        assert not v["dominance"].get("sei_suspected")


def test_a_flat_signal_keeps_its_sei_reading_whatever_its_own_small_trend() -> None:
    """Matrix c043: an undeclared SEI (504 ohm cm^2) whose DRT area falls by a "significant" 1.4 % (a constriction
    arc shrinking beside it) next to an undetermined track seen at the low pressures: still SEI-like, never CT."""
    sei = replace(track(2, "charge_transfer", 520.7, 513.5), r_trend="falling")
    beside = track(3, "undetermined", 59.5, 22.1, at_highest=False)
    found = sei_like_tracks(s12("charge_transfer_present", at_highest=(2,), tracks=(sei, beside)), {}, 0.3)
    assert [t.track for t in found] == [2]


def test_a_changing_element_beside_the_gb_shows_the_contact_changing() -> None:
    """Full matrix c178 (an undeclared SEI of 164 ohm cm^2 whose constriction arc, 69 ohm cm^2 at the lowest
    pressure, crosses tau_GB and leaves no DRT track), as Step 4 read it while the element beside the GB was tried for
    single-int models: the element is held at the lowest pressure and gone from the fit at the highest while the
    SEI's track keeps its R - the contact changes, so the flat track is SEI-like, not charge transfer. The same flat
    track beside a flat element beside the GB shows nothing."""
    sei = track(2, "charge_transfer", 170.2, 167.0)
    falling = replace(track(-1, "constriction", 69.0, 5.6, tau_trend=-0.8, at_highest=False), label="beside-gb")
    steps = s12("charge_transfer_present", at_highest=(2,), tracks=(sei,))
    assert sei_like_tracks(steps, {}, 0.3) == []
    assert [t.track for t in sei_like_tracks(steps, {}, 0.3, beside_gb=falling)] == [2]
    flat = replace(track(-1, "charge_transfer", 30.0, 29.0), label="beside-gb")
    assert sei_like_tracks(steps, {}, 0.3, beside_gb=flat) == []


def test_a_one_point_charge_transfer_track_is_not_sei_like() -> None:
    """A CT track seen only at the highest pressure (Step 2 (ii), full matrix c246) keeps its one R trivially: it was
    not seen while the contact changed, so it is no SEI-like signal, however the constriction beside it moves. The
    same R over seven pressures is."""
    once = replace(track(3, "charge_transfer", 1.6, 1.6), present_at_lowest=False, n_in_window=1)
    cstr = track(2, "constriction", 131.0, 8.9, tau_trend=-0.6, at_highest=False)
    assert sei_like_tracks(s12("charge_transfer_present", at_highest=(3,), tracks=(once, cstr)), {}, 0.3) == []
    seven = track(3, "charge_transfer", 1.6, 1.6)
    found = sei_like_tracks(s12("charge_transfer_present", at_highest=(3,), tracks=(seven, cstr)), {}, 0.3)
    assert [t.track for t in found] == [3]


def test_constriction_outweighing_undetermined_tracks_by_the_ratio_dominates() -> None:
    """No CT track; a constriction track of 300 ohm cm^2 at the lowest pressure shown gone, and a track of 20 not
    shown gone (undetermined). Even as charge transfer the small one cannot dominate: constriction (rule 2b). At
    300 against 200 (within the dominance ratio 2) the undetermined track could matter: not decided by this rule."""
    for small, expected in ((20.0, "constriction"), (200.0, "undetermined")):
        tracks = (
            track(2, "constriction", 300.0, 20.0, tau_trend=-0.8, at_highest=False),
            track(3, "undetermined", small, small, at_highest=False),
        )
        cell = ct_cell(40.0, 0.2, 320.0, False)
        cell["steps12"] = s12("undetermined", at_highest=(), tracks=tracks)
        v = decide("c", VALIDATION, **cell)
        assert v["dominant_interface_process"] == expected, v["dominance"]


def test_step_4_reads_an_ideal_rc_as_no_failure_and_names_the_top_end() -> None:
    s4 = replace(
        step4("three elements", ("bulk", "gb", "int")),
        fit_ok=False,
        flags=("gb.alpha ended on its upper bound 1 (an ideal RC element)",),
        bulk_tail={"included": True, "rule": "auto: F-test of R_inf (3 parameter(s) more) p = 1 >= 0.01"},
        r_inf_left_out={"spectra": ["p10", "p400"], "rule": "apex above the window"},
    )
    s36 = replace(s36_right(r_pol=90.0, direction="flat"), step4=s4)
    steps = by_step(decide("c", VALIDATION, s12("charge_transfer_present", at_highest=(2,)), s36, [],
                           VerdictSettings(), lowest_pressure_r=low(int=100.0)))  # fmt: skip
    assert steps["4"]["support"] == "supports" and "converged" in steps["4"]["finding"]
    assert (
        "bulk RC takes R_inf's place" in steps["4"]["finding"]
        and "R_inf left out in 2 spectra" in steps["4"]["finding"]
    )
    failed = replace(s36, step4=replace(s4, flags=("gb.alpha ended on its bound (element order / CPE range)",)))
    steps = by_step(decide("c", VALIDATION, s12("charge_transfer_present", at_highest=(2,)), failed, [],
                           VerdictSettings(), lowest_pressure_r=low(int=100.0)))  # fmt: skip
    assert steps["4"]["support"] == "inconclusive"


def test_step_4_text_never_shows_a_non_finite_residual_as_zero() -> None:
    # a spectrum whose series-fit residual is not finite (a failed evaluation): the text said "0 %" - a perfect fit
    s4 = replace(step4("three elements", ("bulk", "gb", "int")), max_rel_residual={"p10": 0.012, "p400": math.nan})
    s36 = replace(s36_right(r_pol=90.0, direction="flat"), step4=s4)
    steps = by_step(decide("c", VALIDATION, s12("charge_transfer_present", at_highest=(2,)), s36, [],
                           VerdictSettings(), lowest_pressure_r=low(int=100.0)))  # fmt: skip
    assert "largest relative residual 1.2 % (1 spectra not finite)" in steps["4"]["finding"]
    s36 = replace(s36, step4=replace(s4, max_rel_residual={"p10": 0.012, "p400": 0.031}))
    steps = by_step(decide("c", VALIDATION, s12("charge_transfer_present", at_highest=(2,)), s36, [],
                           VerdictSettings(), lowest_pressure_r=low(int=100.0)))  # fmt: skip
    assert "largest relative residual 3.1 %" in steps["4"]["finding"]


def test_an_unresolved_r_pol_is_named_as_the_reason_not_a_missing_signal() -> None:
    # matrix c012: a CT track persists at the highest pressure, but Step 3 is closed: the rule said "no interface
    # signal at the highest pressure to give R_Pol" although Step 2 had one there
    cell = ct_cell(40.0, 0.30, 40.0 / 0.30, contact=False)
    cell["steps36"] = replace(cell["steps36"], step3=step3(None, bound=5.0))
    v = decide("c", VALIDATION, **cell)
    assert v["dominant_interface_process"] == "undetermined"
    assert "Step 3 gives no R_Pol" in v["dominance"]["rule"]


def test_a_series_without_an_interface_signal_at_the_lowest_pressure_is_not_called_no_pressure_series() -> None:
    # full-matrix c119: ten pressures, the interface arc first resolved at the second (Step 1 branch "none"); the
    # decision path said "no pressure series"
    steps12 = s12(
        "charge_transfer_present", branch="none", at_highest=(2,), tracks=(track(2, "charge_transfer", 9.0, 7.4),)
    )
    v = decide("c", VALIDATION, steps12, s36_right(r_pol=7.4), [], VerdictSettings(), lowest_pressure_r=low(int=9.0))
    contact = next(p for p in v["decision_path"] if p["level"] == "contact")
    assert "no pressure series" not in contact["evidence"]
    assert contact["evidence"].startswith("no interface signal at the lowest pressure")
    # a cell without a pressure series says so
    v = decide("c", VALIDATION, NotApplicable(reason="no pressure series"), None, [], VerdictSettings())
    assert next(p for p in v["decision_path"] if p["level"] == "contact")["evidence"] == "no pressure series"
