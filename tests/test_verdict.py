"""The verdict over Steps 1-7: decision-tree paths, Step 7 classification, conflicts shown, strict JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eisrecipe.methods.trends import Trend
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.step7 import arrhenius_table, step7_findings
from eisrecipe.recipe.steps_1_2 import InterfaceTrackFinding, Steps12Finding
from eisrecipe.recipe.steps_3_6 import (
    CtShareRow,
    Step3Finding,
    Step4Finding,
    Step5Finding,
    Step6Finding,
    Steps36Finding,
)
from eisrecipe.recipe.verdict import VerdictSettings, decide, lowest_pressure_resistances
from eisrecipe.stages.verdict import interface_from_rows, run_cell_verdict

VALIDATION = {"spectra": [{"spectrum": "p10", "file": "a.txt", "sha256": "0" * 64, "window_hz": [1.0, 1e5]}]}


def s12(conclusion: str, branch: str = "right", at_highest: tuple[int, ...] = ()) -> Steps12Finding:
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
        interface_tracks=(track,),
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
        step4=Step4Finding(
            model="three elements",
            elements=("bulk", "gb", "int"),
            shared=("bulk", "gb"),
            inductance=False,
            fit_ok=True,
            flags=(),
            reduced_chi2=1.0,
            max_rel_residual={"p10": 0.01},
        ),
        step5=Step5Finding(branch="right", r_int_trend=trend, ct_share=ct_share),
        step6=Step6Finding(applies=False, reason="right branch"),
    )


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
    lowest = {"bulk": 200.0, "gb": 60.0, "int": 300.0}
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
    low = replace(rows[1], contact_fraction=0.5, r_ct_upper_bound_ohm_cm2=10.0, ct_share_upper_bound=1 / 30)
    s36 = s36_right(bound=5.0, ct_share=(rows[0], low))
    step3 = by_step(decide("c", VALIDATION, s12("constriction_dominates"), s36, EA_CONSTRICTION, VerdictSettings(),
                           lowest_pressure_r=lowest))["3"]  # fmt: skip
    assert "negligible" in step3["finding"] and step3["support"] == "supports"


def test_constriction_dominated_right_branch_with_negligible_ct() -> None:
    v = decide(
        "c",
        VALIDATION,
        s12("constriction_dominates"),
        s36_right(bound=1.0),
        EA_CONSTRICTION,
        VerdictSettings(),
        lowest_pressure_r={"bulk": 200.0, "gb": 60.0, "int": 300.0},
    )
    assert v["dominant_interface_process"] == "constriction"
    assert v["branch"] == "right"
    assert v["r_pol"] == {"upper_bound_ohm_cm2": 1.0, "bound_rule": "3 x noise"}
    steps = by_step(v)
    assert [steps[k]["support"] for k in ("2", "3", "5", "7")] == ["supports"] * 4
    assert "negligible" in steps["3"]["finding"]
    assert steps["6"]["support"] == "not_applicable"
    assert v["conflicts"] == []
    assert [p["level"] for p in v["decision_path"]] == ["chemical stability", "contact", "dominant interface process"]


def test_charge_transfer_when_the_persisting_signal_carries_the_resistance() -> None:
    v = decide(
        "c",
        VALIDATION,
        s12("charge_transfer_present", at_highest=(2,)),
        s36_right(r_pol=90.0, direction="flat"),
        [],
        VerdictSettings(),
        lowest_pressure_r={"int": 100.0},
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
        lowest_pressure_r={"ct": 60.0, "cstr": 50.0},
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
        lowest_pressure_r={"int": 300.0},
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
        }
    )
    assert lowest_pressure_resistances(fits) == {"gb": 61.0, "int": 300.0}
    assert interface_from_rows([{"interface": "SEI "}, {"interface": None}]) == "sei"
    with pytest.raises(ValueError, match="several 'interface' values"):
        interface_from_rows([{"interface": "sei"}, {"interface": "stable"}])
