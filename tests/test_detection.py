"""Fit-based detection limit of a hidden RC element (eisrecipe.methods.detection), checked against closed forms.

- Exactness: with the fitted model linear in the hidden R, the linearised estimate at the hidden tau returns the
  hidden R exactly from noise-free data (tolerance 1e-6 relative).
- Calibration: over 40 noise seeds with no hidden element, (R_hat / R_stderr) at a tau between the fitted arcs
  has mean ~0 and rms ~1 (tolerances 0.5 and 0.7..1.4: the standard error of an rms of 40 normal draws is
  ~0.11, of the mean ~0.16, so these are 3-sigma bands, not tuned).
- Coverage: a hidden RC of 3 bound-widths is found by the bound-at-its-tau in every seed (R_hat within 4
  standard errors of the truth).
- Scaling: the standard error is proportional to the noise (halving the noise halves it within 15 %).
- Divergence: an RC far slower than the window looks like a series resistance: no finite bound.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import noisy, rc

from eisrecipe.methods.circuits import SeriesModel
from eisrecipe.methods.detection import rc_detection_limit, tau_window_s
from eisrecipe.methods.fitting import Start, fit_spectrum
from eisrecipe.recipe.contact import ct_bound_from_noise

F = np.logspace(6, 1, 51)  # 1 MHz .. 10 Hz, 10 per decade
R_INF, R1, TAU1, R2, TAU2 = 5.0, 200.0, 1e-6, 100.0, 1e-5  # bulk-like and GB-like arcs, ohm cm^2 and s
MODEL = SeriesModel.of(["bulk", "gb"], "RC", r_inf=True)
START = Start(r=[R1, R2], tau_s=[TAU1, TAU2], r_inf=R_INF)


def _clean() -> np.ndarray:
    return R_INF + rc(F, R1, TAU1) + rc(F, R2, TAU2)


def _limit(z: np.ndarray, tau_range: tuple[float, float], **kw):
    fit = fit_spectrum(F, z, MODEL, START)
    return fit, rc_detection_limit(fit, F, z, tau_range, **kw)


def test_exact_for_noise_free_hidden_element() -> None:
    r_h, tau_h = 3.0, 1e-3
    # fit the model to data WITHOUT the hidden element, then evaluate the limit on data WITH it: the augmented
    # problem is linear in R_h, and the other parameters are at the optimum of the clean data, so the one
    # Gauss-Newton step from there recovers R_h to first order in the (tiny) Jacobian change
    z = _clean() + rc(F, r_h, tau_h)
    fit = fit_spectrum(F, _clean(), MODEL, START)
    limit = rc_detection_limit(fit, F, z, (tau_h, tau_h))
    assert limit.r_hat[0] == pytest.approx(r_h, rel=1e-6)
    assert limit.r_stderr[0] < 1e-6 * r_h  # no residual left: the error vanishes


def test_calibrated_z_scores_without_hidden_element() -> None:
    z_scores = []
    for seed in range(40):
        _, limit = _limit(noisy(_clean(), 0.002, seed), (1e-3, 1e-3))
        z_scores.append(limit.r_hat[0] / limit.r_stderr[0])
    z_scores = np.array(z_scores)
    assert abs(z_scores.mean()) < 0.5
    assert 0.7 < np.sqrt(np.mean(z_scores**2)) < 1.4


def test_hidden_element_above_the_bound_is_found() -> None:
    _, base = _limit(noisy(_clean(), 0.002, 0), (1e-3, 1e-3))
    r_h = 3 * base.bounds[0]
    for seed in range(10):
        z = noisy(_clean() + rc(F, r_h, 1e-3), 0.002, seed)
        fit = fit_spectrum(F, z, MODEL, START)
        limit = rc_detection_limit(fit, F, z, (1e-3, 1e-3))
        assert abs(limit.r_hat[0] - r_h) < 4 * limit.r_stderr[0]
        assert limit.r_hat[0] > limit.k * limit.r_stderr[0]  # detected


def test_stderr_scales_with_noise_and_beats_the_single_point_rule() -> None:
    _, hi = _limit(noisy(_clean(), 0.002, 3), (1e-4, 1e-2))
    _, lo = _limit(noisy(_clean(), 0.001, 3), (1e-4, 1e-2))
    ratio = hi.r_stderr / lo.r_stderr
    assert np.allclose(ratio, 2.0, rtol=0.15)
    # the fit uses every point the element changes: tighter than R/2 = 3 sigma max|Z|
    assert hi.bound < ct_bound_from_noise(F, np.abs(_clean()), 0.002, k=3.0)


def test_no_finite_bound_far_beyond_the_window() -> None:
    slowest = tau_window_s(F)[1]
    _, limit = _limit(noisy(_clean(), 0.002, 1), (slowest, 1e4 * slowest))
    assert not np.isfinite(limit.bound) or limit.bound > 100 * limit.bounds[0]
    assert limit.tau_at_bound_s > slowest


def test_argument_errors() -> None:
    fit = fit_spectrum(F, _clean(), MODEL, START)
    with pytest.raises(ValueError, match="positive"):
        rc_detection_limit(fit, F, _clean(), (0.0, 1e-3))
    assert tau_window_s(F) == pytest.approx((1 / (2 * np.pi * 1e6), 1 / (2 * np.pi * 10)))


# --- the series form (rc_detection_limit_in_series): the same linearised bound over a joint fit -----------------------
SERIES_F = np.logspace(6, 0, 49)  # 1 MHz .. 1 Hz, 8 per decade
SERIES_MODEL = SeriesModel.of(["gb", "int"], "RC", r_inf=True)
GB_R, GB_TAU = 100.0, 1e-5  # a GB-like arc shared by the series (Table 1: independent of pressure)


def _series(r_int: list[float], tau_int: float, noise: float, seed: int, hidden: float = 0.0):
    """Spectra of one GB plus an interface RC of falling R 0.5 decade slower; the last spectrum holds ``hidden``
    ohm cm^2 at the interface tau but is modelled without an interface element."""
    zs = []
    for k, r in enumerate(r_int):
        z = R_INF + rc(SERIES_F, GB_R, GB_TAU) + rc(SERIES_F, r, tau_int)
        zs.append(noisy(z, noise, seed + k))
    zs.append(noisy(R_INF + rc(SERIES_F, GB_R, GB_TAU) + rc(SERIES_F, hidden, tau_int), noise, seed + 99))
    models = [SERIES_MODEL] * len(r_int) + [SeriesModel.of(["gb"], "RC", r_inf=True)]
    starts = [Start(r=[GB_R, r], tau_s=[GB_TAU, tau_int], r_inf=R_INF) for r in r_int]
    starts.append(Start(r=[GB_R], tau_s=[GB_TAU], r_inf=R_INF))
    names = [f"p{k}" for k in range(len(zs))]
    data = {n: (SERIES_F, z) for n, z in zip(names, zs, strict=True)}
    return models, starts, names, data


def test_series_limit_without_shared_parameters_is_the_single_spectrum_limit() -> None:
    """Nothing shared: the series' Jacobian is block-diagonal and the tested spectrum's block alone takes up the trial
    column, so R_hat is the single-spectrum form's (tolerance 1e-6 relative); the residual scale is the larger of
    the series' and the spectrum's own, so the standard error is never below the single-spectrum form's, and equals
    it (1e-6) where that spectrum is the noisier one (5x the others' noise)."""
    from eisrecipe.methods.detection import rc_detection_limit_in_series
    from eisrecipe.methods.fitting import fit_series

    for noisy_last in (False, True):
        models, starts, names, data = _series([30.0, 10.0], 10**-4.5, 0.003, 5)
        if noisy_last:
            z = R_INF + rc(SERIES_F, GB_R, GB_TAU)
            data["p2"] = (SERIES_F, noisy(z, 0.015, 104))
        fit = fit_series([d[0] for d in data.values()], [d[1] for d in data.values()], models, starts, names=names)
        joint = rc_detection_limit_in_series(fit, data, "p2", (1e-4, 1e-2))
        alone = rc_detection_limit(fit, *data["p2"], (1e-4, 1e-2), spectrum="p2")
        np.testing.assert_allclose(joint.r_hat, alone.r_hat, rtol=1e-6, atol=1e-9)
        assert np.all(joint.r_stderr >= alone.r_stderr * (1 - 1e-6))
        if noisy_last:
            np.testing.assert_allclose(joint.r_stderr, alone.r_stderr, rtol=1e-6)


def test_series_limit_ties_the_shared_gb_and_finds_a_hidden_arc() -> None:
    from eisrecipe.methods.detection import rc_detection_limit_in_series
    from eisrecipe.methods.fitting import fit_series

    tau_int = GB_TAU * 10**0.5
    for hidden in (0.0, 5.0):
        models, starts, names, data = _series([40.0, 25.0, 12.0], tau_int, 0.003, 11, hidden)
        freq, imp = [d[0] for d in data.values()], [d[1] for d in data.values()]
        shared = fit_series(freq, imp, models, starts, names=names, shared=["gb"])
        free = fit_series(freq, imp, models, starts, names=names)
        # from the fitted GB's tau in the tested spectrum, as Step 2's absence test reads it
        tau_tied, tau_free = (f.element("p3", "gb").tau_s for f in (shared, free))
        tied = rc_detection_limit_in_series(shared, data, "p3", (tau_tied, 10 * tau_tied))
        untied = rc_detection_limit_in_series(free, data, "p3", (tau_free, 10 * tau_free))
        # at the GB's own tau an RC of the last spectrum is its own GB's R when that GB is free: undetermined;
        # a GB shared with the series is fixed by the other spectra, and the bound is finite
        assert not np.isfinite(untied.bounds[0])
        assert np.isfinite(tied.bound)
        assert np.isfinite(untied.bounds[-1])  # a decade above the GB it is told from the free GB too
        at = int(np.argmin(np.abs(np.log(tied.tau_s / tau_int))))
        if hidden:
            # the hidden arc is found at its tau within 4 standard errors (the linearisation from a fit that
            # missed it: first order), and it lies under the bound
            assert abs(tied.r_hat[at] - hidden) < 4 * tied.r_stderr[at] + 0.1 * hidden
            assert tied.bound > hidden
        else:
            # below Step 2's measure of "gone" (Steps12Thresholds.absence_ratio = 0.1 of the first R, 40 ohm cm^2)
            assert tied.bound < 0.1 * 40.0
