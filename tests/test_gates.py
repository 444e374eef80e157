"""Quality gates (issue 16 item 1): a gated step is inconclusive, never supports, and a gated fit decides nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_verdict import VALIDATION, by_step, left_cell, s12, s36_right, track

from eisrecipe.methods.fitting import local_misfit
from eisrecipe.recipe.gates import GateSettings, quality_gates
from eisrecipe.recipe.verdict import VerdictSettings, decide


def fits(**over: object) -> pd.DataFrame:
    """A clean Step 4 series fit of two spectra (bulk, gb, int), thickness 0.1 cm; ``over`` changes columns."""
    rows = []
    for spectrum in ("p10", "p400"):
        for element, r, c in (("bulk", 200.0, 1.3e-10), ("gb", 60.0, 2.7e-7), ("int", 150.0, 5e-6)):
            rows.append(
                {
                    "fit": "series",
                    "spectrum": spectrum,
                    "element": element,
                    "r_ohm_cm2": r,
                    "c_f_cm2": c,
                    "r_inf_ohm_cm2": 1.0,
                    "r_inf_stderr_ohm_cm2": 0.5,
                    "max_rel_residual": 0.01,
                    "flags": "",
                }
            )
    frame = pd.DataFrame(rows)
    for k, v in over.items():
        frame[k] = v
    return frame


THICK = {"p10": 0.1, "p400": 0.1}


def gates_of(frame: pd.DataFrame, validation: dict | None = None) -> list[tuple[str, str]]:
    return [(g.gate, g.step) for g in quality_gates(validation or VALIDATION, None, frame, THICK, GateSettings())]


def test_a_clean_fit_and_alpha_at_one_trip_nothing() -> None:
    assert gates_of(fits()) == []
    assert gates_of(fits(flags="p10:gb.alpha ended on its upper bound 1 (an ideal RC element)")) == []


def test_an_alpha_at_its_lower_bound_is_a_failure() -> None:
    # the fitter flags an exponent at its lower bound (0.4) with the generic text: a CPE range run out, a failure
    assert gates_of(fits(flags="p10:gb.alpha ended on its bound (element order / CPE range)")) == [("fit_flagged", "4")]


def test_each_gate_trips_on_its_own() -> None:
    assert gates_of(fits(flags="p10:degenerate: 2 undetermined direction(s)")) == [("fit_flagged", "4")]
    assert gates_of(fits(max_rel_residual=0.08)) == [("fit_residual", "4")]
    assert gates_of(fits(r_inf_ohm_cm2=-1.8, r_inf_stderr_ohm_cm2=0.5)) == [("negative_r_inf", "4")]
    assert gates_of(fits(r_inf_ohm_cm2=-1.0, r_inf_stderr_ohm_cm2=0.5)) == []  # 2 sigma: within its error
    bulk_like_interface = fits()
    bulk_like_interface.loc[bulk_like_interface["element"] == "int", "c_f_cm2"] = 3e-10  # x 0.1 cm: 3e-11 F/cm
    assert gates_of(bulk_like_interface) == [("implausible_capacitance", "4")]
    # a bulk element fitted above the kept window (tau 3e-8 s, f_max 1 MHz: tau_min 1.6e-7 s) has an extrapolated C:
    # not judged; the same C inside the window is
    big_bulk = fits(tau_s=3e-8)
    big_bulk.loc[big_bulk["element"] == "bulk", "c_f_cm2"] = 1.5e-9  # x 0.1 cm: 1.5e-10 F/cm > 5e-11
    windows = {"spectra": [{"spectrum": p, "window_hz": [0.1, 1e6]} for p in ("p10", "p400")]}
    assert gates_of(big_bulk, windows) == []
    assert gates_of(big_bulk.assign(tau_s=1e-6), windows) == [("implausible_capacitance", "4")]
    flagged = {"spectra": [{"spectrum": "p10", "quality_flags": ["KK crop did not converge: 6 % > 4 %"]}]}
    assert gates_of(fits(), flagged) == [("kk_crop_not_converged", "kk")]


def test_a_process_from_a_gated_fit_is_undetermined_and_its_steps_inconclusive() -> None:
    """The left-branch pair (R_CT 133, R_Cstr 17) would say charge transfer; the series fit misses its data by 8 %."""
    tracks = (track(2, "charge_transfer", 130.0, 40.0), track(3, "constriction", 20.0, 0.0, tau_trend=1.0))
    cell = left_cell(133.0, 17.0, tracks)
    gates = quality_gates(VALIDATION, cell["steps36"], fits(max_rel_residual=0.08), THICK, GateSettings())
    v = decide("g", VALIDATION, **cell, gates=gates)
    assert v["dominant_interface_process"] == "undetermined"
    assert "failed its quality gates" in v["dominance"]["gated"]
    steps = by_step(v)
    assert steps["4"]["support"] == "inconclusive" and "quality gate" in steps["4"]["finding"]
    assert steps["2"]["support"] == "inconclusive"
    assert v["gates"][0]["gate"] == "fit_residual" and "quality gate(s) tripped" in v["summary"]
    assert decide("g", VALIDATION, **cell)["dominant_interface_process"] == "charge_transfer"  # ungated: decides


def test_a_drt_based_process_stands_beside_a_gated_fit() -> None:
    """No interface signal left at full contact is seen in the DRT, not in the fit: a gated Step 4 does not undo it."""
    gates = quality_gates(VALIDATION, None, fits(r_inf_ohm_cm2=-1.8, r_inf_stderr_ohm_cm2=0.5), THICK)
    v = decide("d", VALIDATION, s12("constriction_dominates"), s36_right(bound=1.0), [], VerdictSettings(), gates=gates)
    assert v["dominant_interface_process"] == "constriction"
    assert by_step(v)["4"]["support"] == "inconclusive"


def test_the_residual_gate_reads_a_misfit_over_neighbouring_points_not_one_noisy_point() -> None:
    """One point 8 % off (the noise's extreme value in a replica with sqrt 2 the noise of a 1 % spectrum) beside a
    model that follows the data: no misfit (its 3-point mean is 2.7 %). A stretch the model misses by 8 %: gated. A
    fits table written before the column existed is judged by its largest single residual, as then."""
    assert gates_of(fits(max_rel_residual=0.08, max_local_misfit=0.027)) == []
    assert gates_of(fits(max_rel_residual=0.08, max_local_misfit=0.08)) == [("fit_residual", "4")]
    assert gates_of(fits(max_rel_residual=0.08)) == [("fit_residual", "4")]


def test_local_misfit_is_the_largest_mean_of_three_neighbouring_residuals() -> None:
    rng = np.random.default_rng(7)
    n = 130
    outlier = np.zeros(n, dtype=complex)
    outlier[40] = 0.08j
    assert local_misfit(outlier) == pytest.approx(0.08 / 3)
    run = np.zeros(n, dtype=complex)
    run[-6:] = 0.06  # the model misses the low-frequency end by 6 % in the real part
    assert local_misfit(run) == pytest.approx(0.06)
    assert local_misfit(np.array([0.01, -0.07j])) == pytest.approx(0.07)  # fewer points than the window
    # 1.4 % white noise per part (a replica of a 1 % spectrum), 200 seeds: the largest single residual crosses 5 %
    # in a good share of them, the 3-point mean (sigma 0.8 %, its maximum about 2.7 %) in none
    single, local = [], []
    for _ in range(200):
        r = 0.014 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
        single.append(np.max(np.maximum(np.abs(r.real), np.abs(r.imag))))
        local.append(local_misfit(r))
    assert np.mean(np.array(single) > 0.05) > 0.05 and max(local) < 0.05


def test_local_misfit_catches_a_missed_end_of_three_points_and_a_broken_fit() -> None:
    tail = np.zeros(60, dtype=complex)
    tail[-3:] = 0.07  # the model misses the last three points by 7 %: the gate sees it
    assert local_misfit(tail) == pytest.approx(0.07)
    tail[-3] = 0.0  # two points only: diluted to 2/3 (the crop's business, documented)
    assert local_misfit(tail) == pytest.approx(0.14 / 3)
    broken = np.zeros(10, dtype=complex)
    broken[4] = complex(0.0, np.nan)
    assert np.isnan(local_misfit(broken))
    # a broken fit (NaN in both statistics) trips the gate; NaN > 0.05 being False let it pass before
    assert gates_of(fits(max_local_misfit=np.nan, max_rel_residual=np.nan)) == [("fit_residual", "4")]
