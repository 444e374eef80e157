"""The DRT's data part by the paper's rule, decided once per spectrum series (``drt.data: series``).

Rule (eisrecipe.methods.drt.tikhonov.choose_data_part): the real part only when its reconstruction of the whole
series (Re and Im) has an RMS relative residual <= that of the fit to Re and Im together x (1 + 1/sqrt(n)),
n = residual components; else both. A tie (within that margin) keeps the real part.

Cases (stated before the runs, noise 0.1 % of |Z| per part as the case study's, four pressures, five seeds each):

- three interface RC modes within 1.5 decades (6e-5, 2.9e-4, 2e-3 s, the case study's) plus a faster one: a
  real-only fit merges modes and reconstructs the imaginary part worse -> ``both`` for every seed;
- two RC elements three decades apart (well resolved): real-only reconstructs the whole spectrum as well
  -> ``real`` for every seed.

A decision is only asserted, not a margin: the measured ratios real/both were 1.15-1.24 and 0.91-0.95 (margin
0.039 for n = 648), so neither case sits near the boundary.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from synthetic import noisy, rc

from eisrecipe.errors import InputError
from eisrecipe.methods.drt import DrtSettings, choose_data_part, compute_drt, compute_drt_series
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt

F = np.logspace(6, -2, 81)
PRESSURES = (1.0, 3.0, 10.0, 30.0)


def _close_modes(p: float) -> np.ndarray:
    return 10 + rc(F, 100, 1e-6) + rc(F, 50 / (1 + p / 10), 6e-5) + rc(F, 60, 2.9e-4) + rc(F, 40, 2e-3)


def _plain(p: float) -> np.ndarray:
    return 10 + rc(F, 100, 1e-5) + rc(F, 200 / (1 + p / 10), 1e-2)


def _series(model, seed: int) -> list[Spectrum]:  # type: ignore[no-untyped-def]
    return [
        Spectrum.from_points(
            F,
            noisy(model(p), 0.001, 100 * seed + i),
            unit="ohm cm^2",
            meta={"spectrum": f"p{i}", "series": "pressure", "pressure_mpa": p},
        )
        for i, p in enumerate(PRESSURES)
    ]


@pytest.mark.parametrize("seed", range(5))
def test_close_modes_pick_both_and_a_plain_rc_series_picks_real(seed: int) -> None:
    both = compute_drt_series(_series(_close_modes, seed), DrtSettings(data="series"))
    real = compute_drt_series(_series(_plain, seed), DrtSettings(data="series"))
    assert {r.data for r in both} == {"both"}, both[0].data_choice
    assert {r.data for r in real} == {"real"}, real[0].data_choice
    for results in (both, real):
        choice = results[0].data_choice
        assert choice is not None and all(r.data_choice == choice for r in results)  # one part for the series
        assert choice["chosen"] == results[0].data and choice["n_spectra"] == len(PRESSURES)
        assert choice["n_residuals"] == 2 * F.size * len(PRESSURES)
        assert choice["tie_margin_rel"] == pytest.approx(1 / math.sqrt(choice["n_residuals"]))


def test_the_series_choice_is_the_explicit_part_run() -> None:
    """``series`` returns exactly the DRTs of the chosen part (same grid, same shared lambda), settings kept."""
    spectra = _series(_close_modes, 0)
    chosen = compute_drt_series(spectra, DrtSettings(data="series"))
    explicit = compute_drt_series(spectra, DrtSettings(data="both"))
    for a, b in zip(chosen, explicit, strict=True):
        np.testing.assert_array_equal(a.gamma, b.gamma)
        assert a.lambda_value == b.lambda_value and a.settings.data == "series"
        assert a.summary()["data_choice"]["chosen"] == "both" and "data_choice" not in b.summary()


def test_tie_keeps_the_real_part_and_the_margin_is_the_figures_resolution() -> None:
    spectra = _series(_plain, 0)
    fits = compute_drt_series(spectra, DrtSettings(data="both"))
    part, record = choose_data_part(fits, fits)  # identical figures: a tie
    assert part == "real" and record["ratio_real_to_both"] == 1.0
    # just inside and just outside the margin: scale the real-only candidate's misfit
    n = record["n_residuals"]
    for factor, expected in ((1 + 0.9 / math.sqrt(n), "real"), (1 + 1.1 / math.sqrt(n), "both")):
        scaled = [
            replace(
                r,
                fitted=replace(
                    r.fitted, impedance=r.spectrum.impedance + factor * (r.fitted.impedance - r.spectrum.impedance)
                ),
            )
            for r in fits
        ]
        assert choose_data_part(scaled, fits)[0] == expected, factor
    with pytest.raises(InputError):
        choose_data_part(fits, fits[:1])


def test_one_spectrum_is_a_series_of_one() -> None:
    result = compute_drt(_series(_close_modes, 1)[0], DrtSettings(data="series"))
    assert result.data == "both" and result.data_choice is not None
    assert result.data_choice["n_spectra"] == 1 and result.data_choice["n_residuals"] == 2 * F.size


def test_the_stage_records_the_choice_and_real_stays_the_default() -> None:
    assert DrtSettings().data == "real" and DrtStageSettings().drt.data == "real"
    assert "data_choice" not in run_cell_drt("c", _series(_plain, 2), DrtStageSettings()).settings
    with pytest.raises(InputError, match="expected real, imag, both, auto or series"):
        DrtSettings(data="both-ish")  # type: ignore[arg-type]
    settings = DrtStageSettings.from_config({"drt": {"data": "series"}})
    out = run_cell_drt("c", _series(_close_modes, 2), settings)
    choice = out.settings["data_choice"]
    assert set(choice) == {"pressure"} and choice["pressure"]["chosen"] == "both"
    assert choice["pressure"]["rms_real_rel"] > choice["pressure"]["rms_both_rel"] > 0
    assert all(r.data == "both" for r in out.drts.values())


def test_pydrttools_backend_applies_the_rule_to_its_one_spectrum() -> None:
    pytest.importorskip("cvxopt", reason="pyDRTtools backend needs cvxopt (extra [pydrttools])")
    pytest.importorskip("sklearn", reason="pyDRTtools backend needs scikit-learn (extra [pydrttools])")
    from eisrecipe.methods.drt import run_drt
    from eisrecipe.methods.drt.pydrttools import pydrttools_available

    if not pydrttools_available():
        pytest.skip("pyDRTtools not installed (extra [pydrttools])")
    spectrum = _series(_plain, 3)[0]
    settings = DrtSettings(data="series", lambda_method="fixed", lambda_value=1e-3)
    result = run_drt(spectrum, settings, backend="pydrttools")
    assert result.backend == "pydrttools" and result.settings.data == "series"
    assert result.data_choice is not None and result.data == result.data_choice["chosen"]
    assert result.data_choice["n_spectra"] == 1
