"""One fitted element per interface track (issue 15): a second charge-transfer-like track keeps its identity.

The known answer is a pressure series built from Table 1 (RECIPE.md, order tau_Bulk < tau_GB < tau_CT < tau_Cstr):
two tau-constant interface arcs whose R goes as A (R_CT = R_Pol A, C_CT = C_DL / A) and a constriction arc with the
matrix generator's R_Cstr(A), C_Cstr(A) (tau shifts from 1.1 s to 0.26 s, gone at A = 1). Merging the two CT-like
tracks into one Int element - what the fit stage did before - puts R_Pol at R_CT + R_CT2 (+37 % here); with one
element per track the primary CT element gives R_Pol, the second one is reported and kept out of R_Pol.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from synthetic import pressure_spectrum, rc, zarc

from eisrecipe.matrix.generator import cstr_c, cstr_r
from eisrecipe.recipe.dominance import constriction_side, interface_resistance, pressure_dominance
from eisrecipe.recipe.elements import element_rank, family
from eisrecipe.recipe.steps_1_2 import InterfaceTrackFinding, Steps12Finding, steps12_from_dict
from eisrecipe.recipe.steps_3_6 import (
    ElementAssignment,
    FitSettings,
    Step3Finding,
    Step4Finding,
    Steps36Finding,
    _model_and_start,
    _primary_from_fit,
    _with_primary,
    assign_elements,
)
from eisrecipe.recipe.verdict import VerdictSettings, decide, lowest_pressure_resistances
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import CellFits, FitStageSettings, run_cell_fits

PRESSURE_MPA = [10.0, 20.0, 41.0, 400.0]
CONTACT = [0.2, 0.4, 0.7, 1.0]
NOISE = 0.002
R_POL, TAU_CT = 200.0, 1e-3  # primary CT: C_DL = 5e-6 F/cm^2
R_CT2, TAU_CT2 = 60.0, 2e-2  # second tau-constant interface process, 1.3 decades slower
R_C, C_P = 326.0, 3e-3  # constriction: R_Cstr 300 -> 26 ohm cm^2, tau 1.1 -> 0.26 s over A 0.2 -> 0.7


def _spectra() -> list[Spectrum]:
    f = np.logspace(np.log10(7e6), -2, round(10 * (np.log10(7e6) + 2)) + 1)
    out = []
    for i, (p, a) in enumerate(zip(PRESSURE_MPA, CONTACT, strict=True)):
        z = 2.0 + 2j * np.pi * f * 5e-7 + rc(f, 200.0, 2.6e-8) + zarc(f, 60.0, 1.6e-5, 0.95)
        z = z + zarc(f, R_POL * a, TAU_CT, 0.95) + zarc(f, R_CT2 * a, TAU_CT2, 0.95)
        if a < 1.0:
            r = cstr_r(R_C, a)
            z = z + zarc(f, r, r * cstr_c(C_P, a), 0.9)
        out.append(pressure_spectrum(f, z, "two_ct", p, a, NOISE, seed=20 + i))
    return out


@pytest.fixture(scope="module")
def two_ct() -> tuple[dict[str, Any], CellFits]:
    spectra = _spectra()
    drt = run_cell_drt("two_ct", spectra, DrtStageSettings())
    assert drt.tracking is not None
    return drt.finding, run_cell_fits("two_ct", spectra, drt.tracking.to_frame(), drt.finding, FitStageSettings())


def _series_rows(fits: CellFits, element: str) -> pd.DataFrame:
    t = fits.table
    return t[(t["fit"] == "series") & (t["element"] == element)].set_index("spectrum")


def test_two_ct_tracks_are_two_elements_and_r_pol_is_the_primary_one(two_ct: tuple[dict[str, Any], CellFits]) -> None:
    finding, fits = two_ct
    ct_tracks = [t["track"] for t in finding["interface_tracks"] if t["behaviour"] == "charge_transfer"]
    assert len(ct_tracks) == 2, finding["interface_tracks"]  # the premise: Step 2 sees two CT-like tracks
    f = fits.findings
    assert "int" not in f["step4"]["elements"]
    assert {"ct", "ct2", "cstr"} <= set(f["step4"]["elements"])
    assert f["assignment"]["ct"] != f["assignment"]["ct2"]
    # Step 3: R_Pol from the primary CT element alone, within 10 % of the truth (the merged Int gave +37 %)
    step3 = f["step3"]
    assert step3["element"] == "ct"
    assert step3["r_pol_ohm_cm2"] == pytest.approx(R_POL, rel=0.10)
    assert step3["c_dl_f_cm2"] == pytest.approx(TAU_CT / R_POL, rel=0.15)
    # every spectrum keeps both CT-like elements with their own R (Table 1: R_CT = R_Pol A)
    for name, r_full in (("ct", R_POL), ("ct2", R_CT2)):
        rows = _series_rows(fits, name)
        for p, a in zip(PRESSURE_MPA, CONTACT, strict=True):
            assert rows.loc[f"p{int(p):03d}", "r_ohm_cm2"] == pytest.approx(r_full * a, rel=0.10), (name, p)
    # Steps 5-6 run on the primary CT element: tau_CT < tau_Cstr, A(p) recovered
    assert f["step5"]["tau_order_from_fits"] == "ct_faster" and f["step5"]["agreement"] == "agree"
    area = {r["spectrum"]: r["value"] for r in f["step6"]["contact_area"]}
    for p, a in zip(PRESSURE_MPA, CONTACT, strict=True):
        assert area[f"p{int(p):03d}"] == pytest.approx(a, rel=0.10)


def test_the_second_ct_track_is_reported_with_the_primary_rule(two_ct: tuple[dict[str, Any], CellFits]) -> None:
    _, fits = two_ct
    f = fits.findings
    assert "largest DRT peak area" in f["primary_ct_rule"]
    roles = {e["element"]: e for e in f["interface_elements"]}
    assert "R_Pol" in roles["ct"]["role"] and "not added to R_Pol" in roles["ct2"]["role"]
    assert roles["ct"]["median_tau_s"] == pytest.approx(TAU_CT, rel=0.3)
    assert roles["ct2"]["median_tau_s"] == pytest.approx(TAU_CT2, rel=0.3)
    # C x thickness (0.1 cm) at the highest pressure: C_DL and the second process's C, both interface-class
    assert roles["ct"]["c_highest_f_cm"] == pytest.approx(TAU_CT / R_POL * 0.1, rel=0.15)
    assert roles["ct2"]["c_highest_f_cm"] == pytest.approx(TAU_CT2 / R_CT2 * 0.1, rel=0.15)
    (note,) = f["notes"]
    assert "second charge-transfer-like signal" in note and "two interfaces" in note and "ct2" in note


def test_the_verdict_lists_the_second_ct_and_keeps_it_out_of_r_ct(two_ct: tuple[dict[str, Any], CellFits]) -> None:
    finding, fits = two_ct
    lowest = lowest_pressure_resistances(fits.table)
    verdict = decide(
        "two_ct",
        {"spectra": []},
        steps12_from_dict(finding),
        fits.finding,
        [],
        VerdictSettings(interface="stable"),
        lowest_pressure_r=lowest,
    )
    assert any("second charge-transfer-like signal" in c for c in verdict["conflicts"])
    assert verdict["r_pol"]["value_ohm_cm2"] == pytest.approx(R_POL, rel=0.10)
    # at A = 0.2: R_CT = 40, R_Cstr = 300 -> constriction; R_CT is the primary element alone, not + R_CT2
    dom = verdict["dominance"]
    assert dom["r_ct_ohm_cm2"] == pytest.approx(R_POL * CONTACT[0], rel=0.10)
    assert verdict["dominant_interface_process"] == "constriction"


# ------------------------------------------------------------------------------------------------ unit level
def _track(track: int, behaviour: str) -> InterfaceTrackFinding:
    return InterfaceTrackFinding(
        track=track,
        label=f"int{track}",
        behaviour=behaviour,  # type: ignore[arg-type]
        reason="",
        present_at_lowest=True,
        present_at_highest=behaviour == "charge_transfer",
        tau_range_decades=0.1,
        tau_shift_decades=0.1,
        tau_trend_decades=0.0,
        tau_tol_decades=0.3,
        n_in_window=3,
        r_ratio=1.0,
        log10_tau_first=-3.0,
        log10_tau_last=-3.0,
        slope_log10_tau_per_log10_mpa=0.0,
    )


def _s12(*tracks: InterfaceTrackFinding) -> Steps12Finding:
    return Steps12Finding(
        pristine_spectrum="a",
        highest_spectrum="c",
        n_signals_pristine=2 + len(tracks),
        bulk_gb={},
        n_interface_pristine=len(tracks),
        branch="left" if len(tracks) > 1 else "right",
        interface_tracks=tracks,
        interface_at_highest=(),
        conclusion="charge_transfer_present",
        tau_ct_s=None,
        bulk_gb_stable={},
    )


def _tracks(rows: list[tuple[int, str, str, float, float]]) -> pd.DataFrame:
    """tracks.csv rows from (track, label, spectrum, tau_s, r_ohm_cm2); spectra a < b < c by pressure."""
    step = {"a": 0, "b": 1, "c": 2}
    pressure = {"a": 10.0, "b": 40.0, "c": 400.0}
    return pd.DataFrame(
        [
            {
                "track": t,
                "label": lab,
                "spectrum": s,
                "step": step[s],
                "pressure_mpa": pressure[s],
                "tau_s": tau,
                "log10_tau_s": np.log10(tau),
                "r_ohm_cm2": r,
            }
            for t, lab, s, tau, r in rows
        ]
    )


MICRO = [(0, "bulk", s, 1e-7, 100.0) for s in "abc"] + [(1, "gb", s, 1e-5, 50.0) for s in "abc"]


def test_primary_ct_is_the_largest_at_the_highest_pressure_not_the_fastest() -> None:
    # track 2 (fast) is small at the top pressure, track 3 (slow) carries the most there: track 3 is ct
    rows = [*MICRO]
    rows += [(2, "int1", s, 1e-3, r) for s, r in (("a", 80.0), ("b", 30.0), ("c", 10.0))]
    rows += [(3, "int2", s, 1e-1, r) for s, r in (("a", 20.0), ("b", 25.0), ("c", 40.0))]
    a = assign_elements(_tracks(rows), _s12(_track(2, "charge_transfer"), _track(3, "charge_transfer")))
    assert a.tracks["ct"] == [3] and a.tracks["ct2"] == [2]
    assert a.elements == ["bulk", "gb", "ct2", "ct"]  # display order: median tau
    assert a.primary_ct_rule is not None and "track 3" in a.primary_ct_rule
    assert a.drt_order is None  # no constriction track


def test_one_interface_track_keeps_the_single_int_element() -> None:
    rows = [*MICRO, *[(2, "int1", s, 1e-3, 10.0) for s in "abc"]]
    a = assign_elements(_tracks(rows), _s12(_track(2, "charge_transfer")))
    assert a.elements == ["bulk", "gb", "int"] and a.tracks["int"] == [2]


def test_tracks_without_charge_transfer_keep_the_single_int_element() -> None:
    rows = [*MICRO, *[(2, "int1", s, 1e-3, 10.0) for s in "ab"], *[(3, "int2", s, 1e-1, 10.0) for s in "ab"]]
    a = assign_elements(_tracks(rows), _s12(_track(2, "constriction"), _track(3, "undetermined")))
    assert a.elements == ["bulk", "gb", "int"] and sorted(a.tracks["int"]) == [2, 3]


def test_drt_order_is_voted_per_spectrum_and_model_order_follows_each_spectrum() -> None:
    # the constriction track crosses the CT track: slower than CT at a and b, faster at c; its median tau
    # (1e-2) is above tau_CT, and so is the per-spectrum majority (2 of 3)
    rows = [*MICRO, *[(2, "int1", s, 3e-3, 10.0) for s in "abc"]]
    rows += [(3, "int2", s, tau, 50.0) for s, tau in (("a", 1e-1), ("b", 1e-2), ("c", 1e-3))]
    a = assign_elements(_tracks(rows), _s12(_track(2, "charge_transfer"), _track(3, "constriction")))
    assert a.drt_order == "ct_faster"
    seeds_c = {"bulk": (100.0, 1e-7), "gb": (50.0, 1e-5), "ct": (10.0, 3e-3), "cstr": (50.0, 1e-3)}
    spectrum = Spectrum.from_points(np.logspace(6, -1, 36), np.full(36, 100.0 + 0j), unit="ohm cm^2")
    model, start = _model_and_start(a.elements, seeds_c, FitSettings(), spectrum)
    assert [e.name for e in model.elements] == ["bulk", "gb", "cstr", "ct"]
    assert list(start.r) == [100.0, 50.0, 50.0, 10.0]


def test_numbered_elements_belong_to_their_family() -> None:
    assert [family(n) for n in ("ct", "ct2", "cstr3", "int2", "gb")] == ["ct", "ct", "cstr", "int", "gb"]
    # tables: the vocabulary first, the numbered elements after it
    expected = ["gb", "cstr", "ct", "cstr2", "ct2", "int2"]
    assert sorted(["ct2", "int2", "ct", "cstr2", "cstr", "gb"], key=element_rank) == expected
    low = {"bulk": (100.0, 1.0), "ct": (40.0, 3.0), "ct2": (12.0, 4.0), "cstr": (300.0, 0.0), "int2": (5.0, 0.0)}
    assert interface_resistance(low) == pytest.approx((357.0, 5.0))
    assert constriction_side(low) == pytest.approx((305.0, 0.0))


class _Fit:
    """Stub of a joint fit: element (spectrum, name) -> (R ohm cm^2, C F cm^-2)."""

    def __init__(self, values: dict[tuple[str, str], tuple[float, float]]) -> None:
        self.values = values

    def element(self, spectrum: str, name: str) -> Any:
        if (spectrum, name) not in self.values:
            raise KeyError(name)
        r, c = self.values[spectrum, name]
        return SimpleNamespace(r=r, r_stderr=0.01 * r, c=c, c_stderr=0.01 * c, tau_s=r * c, alpha=1.0)


def _two_ct_assignment() -> ElementAssignment:
    return ElementAssignment(
        order=["a", "c"],
        pressure={"a": 10.0, "c": 400.0},
        elements=["gb", "ct", "ct2"],
        tracks={"gb": [1], "ct": [2], "ct2": [3]},
        branch="left",
        drt_order=None,
        behaviour={"ct": "charge_transfer", "ct2": "charge_transfer"},
    )


def test_primary_ct_follows_the_fitted_r_among_interface_class_capacitances() -> None:
    a = _two_ct_assignment()
    thickness = {"a": 0.1, "c": 0.1}
    # ct: 130 ohm cm^2 with C 5e-8 F/cm^2 (x 0.1 cm = 5e-9 F/cm: grain-boundary class); ct2: 37 with 1e-3 F/cm^2
    gb_like = _Fit({("c", "ct"): (130.0, 5e-8), ("c", "ct2"): (37.0, 1e-3)})
    name, rule = _primary_from_fit(gb_like, a, thickness)  # type: ignore[arg-type, misc]
    assert name == "ct2" and "interface-class capacitance" in rule and "track 3" in rule
    # both interface-like: the larger fitted R at the highest pressure holding one ("c" holds none: "a" decides)
    both = _Fit({("a", "ct"): (6.8, 0.2), ("a", "ct2"): (91.0, 2e-6)})
    name, rule = _primary_from_fit(both, a, thickness)  # type: ignore[arg-type, misc]
    assert name == "ct2" and "(a)" in rule
    assert _primary_from_fit(_Fit({("c", "ct"): (91.0, 2e-6), ("c", "ct2"): (6.8, 0.2)}), a, thickness) is None  # type: ignore[arg-type]
    swapped = _with_primary(a, _tracks([(2, "int1", "a", 1e-3, 5.0), (3, "int2", "a", 1e-1, 9.0)]), "ct2", "rule")
    assert swapped.tracks["ct"] == [3] and swapped.tracks["ct2"] == [2] and swapped.elements == ["gb", "ct2", "ct"]
    assert swapped.primary_ct_rule == "rule"


def _dominance(elements: tuple[str, ...], lowest: dict[str, tuple[float, float]]) -> Any:
    tracks = (
        replace(_track(2, "charge_transfer"), r_first_ohm_cm2=40.0, r_ratio=2.5),
        replace(
            _track(4, "charge_transfer"), r_first_ohm_cm2=300.0, r_ratio=0.5
        ),  # ct2: would tip the DRT split if counted
        replace(_track(5, "constriction"), r_first_ohm_cm2=150.0),
        _track(3, "undetermined"),
    )
    s36 = Steps36Finding(
        cell="c",
        applies=True,
        pressure_order=("a", "c"),
        assignment={"ct": [2], "ct2": [4], "cstr": [5], "int2": [3]},
        step3=Step3Finding(
            spectrum="c", pressure_mpa=400.0, fit_ok=True, flags=(), resolved=True, r_pol_ohm_cm2=50.0,
            r_pol_stderr_ohm_cm2=1.0,
        ),
        step4=Step4Finding(
            model="m", elements=elements, shared=("gb",), inductance=False, fit_ok=True, flags=(), reduced_chi2=1.0,
            max_rel_residual={},
        ),
    )  # fmt: skip
    return pressure_dominance(_s12(*tracks), s36, lowest, ratio=3.0, z_crit=2.0, amplitude_tolerance=0.3)


def test_dominance_pair_is_the_primary_ct_against_the_constriction_side() -> None:
    # ct2 (5) is neither R_CT nor R_Cstr: R_CT = 40 against R_Cstr = 150 + 10 (cstr + int2) -> constriction, the
    # same answer with ct2 on either side
    dom = _dominance(
        ("gb", "ct", "ct2", "cstr", "int2"),
        {"ct": (40.0, 1.0), "ct2": (5.0, 1.0), "cstr": (150.0, 2.0), "int2": (10.0, 1.0)},
    )
    assert dom.process == "constriction"
    assert dom.r_ct_ohm_cm2 == pytest.approx(40.0) and dom.r_cstr_ohm_cm2 == pytest.approx(160.0)
    assert "ct2 R = 5" in dom.rule
    # ct2 of 300 decides by its side (with R_CT 340 against 160: charge transfer; with R_Cstr 40 against 460:
    # constriction), and its side is not known: undetermined (matrix c235)
    dom = _dominance(
        ("gb", "ct", "ct2", "cstr", "int2"),
        {"ct": (40.0, 1.0), "ct2": (300.0, 3.0), "cstr": (150.0, 2.0), "int2": (10.0, 1.0)},
    )
    assert dom.process == "undetermined" and "ct2 R = 300" in dom.rule
    # an undetermined element alone does not form the fitted pair (no constriction element in the model)
    dom = _dominance(("gb", "ct", "int2"), {"ct": (40.0, 1.0), "int2": (5.0, 1.0)})
    assert "fitted as separate elements" not in dom.rule
