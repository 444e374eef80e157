"""Linear KK test: closed forms, cross-check against impedance.py, flagged violations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import noisy, rc, three_arc, zarc

from eisrecipe.methods.kk import kk_test, time_constants

F = np.logspace(6, -1, 71)  # 7 decades, 10 points per decade


def test_time_constants_span_the_measured_band() -> None:
    tau = time_constants(F, 20)
    assert tau[0] == pytest.approx(1 / (2 * np.pi * 1e6))
    assert tau[-1] == pytest.approx(1 / (2 * np.pi * 0.1))
    assert np.all(np.diff(np.log10(tau)) > 0)


@pytest.mark.parametrize(
    "z",
    [rc(F, 100.0, 1e-3), 5 + rc(F, 100.0, 1e-5) + rc(F, 300.0, 1e-2), three_arc(F)],
    ids=["single RC", "two RCs", "RC+ZARC+RC+L"],
)
def test_noise_free_kk_consistent_networks_pass(z: np.ndarray) -> None:
    # noise-free KK-consistent data: only the discretisation of tau limits the fit; 0.1 % is far below
    # the 4 % cropping threshold and any measurement noise
    result = kk_test((F, z))
    assert result.max_abs_residual.max() < 1e-3
    assert result.passes(0.04)


@pytest.mark.parametrize("sigma", [0.001, 0.005])
def test_residuals_of_noisy_data_sit_at_the_noise_level(sigma: float) -> None:
    result = kk_test((F, noisy(three_arc(F), sigma, seed=3)))
    # the residual rms estimates the noise: within a factor 1.5 either way
    assert sigma / 1.5 < result.noise_estimate < 1.5 * sigma
    # no point beyond 5 sigma (142 Gaussian residuals: P(any > 5 sigma) ~ 1e-4)
    assert result.max_abs_residual.max() < 5 * sigma


def test_drift_at_low_frequency_is_flagged() -> None:
    z = noisy(three_arc(F), 0.002, seed=1)
    # the resistance grows during the slow end of the sweep without the matching imaginary part
    drift = np.where(F < 100, 0.3 * np.abs(z) * np.log10(100 / F) / 3, 0.0)
    result = kk_test((F, z + drift))
    res = result.max_abs_residual
    assert not result.passes(0.04)
    assert res[F < 1].max() > 0.04  # the drifting end is where the test fails
    assert result.noise_estimate > 5 * 0.002


def test_non_causal_term_is_flagged() -> None:
    z = three_arc(F)
    # a frequency-independent imaginary offset has no KK-consistent real counterpart
    result = kk_test((F, z - 0.1j * np.abs(z).mean()))
    assert not result.passes(0.04)


def test_series_capacitance_lets_blocking_spectra_pass() -> None:
    w = 2 * np.pi * F
    z = 20 + zarc(F, 500.0, 1e-5, 0.9) + 1 / (1j * w * 1e-6)
    assert kk_test((F, z), capacitance=True).passes(0.01)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        # time constants inside the window (1/w_max = 1.6e-7 s .. 1/w_min = 1.6 s): beyond it an arc is only
        # KK-consistent with extended time constants (tests/test_kk_gate.py)
        st.tuples(st.floats(1.0, 1e4), st.floats(-6.5, 0.0)),
        min_size=1,
        max_size=4,
    ),
    st.floats(0.0, 100.0),
)
def test_any_rc_network_is_kk_consistent(elements: list[tuple[float, float]], r0: float) -> None:
    z = r0 + sum(rc(F, r, 10**log_tau) for r, log_tau in elements)
    assert kk_test((F, z)).max_abs_residual.max() < 0.02


@pytest.mark.parametrize("fit", ["complex", "real", "imag"])
def test_residuals_match_impedance_py_linkk(fit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    validation = pytest.importorskip("impedance.validation")
    # impedance.py 1.7.1 evals a circuit string that contains np.float64(...) reprs under NumPy 2:
    # give its eval namespace the numpy it lacks
    monkeypatch.setitem(validation.circuit_elements, "np", np)
    z = noisy(three_arc(F), 0.002, seed=0)
    m, mu, z_fit, res_re, res_im = validation.linKK(F, z, c=None, max_M=20, fit_type=fit)
    ours = kk_test((F, z), n_rc=20, fit=fit, extend_decades=0.0)
    assert ours.n_rc == m
    assert ours.mu == pytest.approx(mu, abs=1e-6)
    # identical mathematics; impedance.py solves with an unscaled pseudo-inverse, so allow 1e-5
    np.testing.assert_allclose(ours.residual_real, res_re, atol=1e-5)
    np.testing.assert_allclose(ours.residual_imag, res_im, atol=1e-5)
    np.testing.assert_allclose(ours.z_fit, z_fit, rtol=1e-5)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="fit must be"):
        kk_test((F, three_arc(F)), fit="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 3"):
        kk_test((F[:2], three_arc(F[:2])))
    with pytest.raises(ValueError, match="n_rc"):
        kk_test((F, three_arc(F)), n_rc=0)
