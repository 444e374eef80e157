"""The peak finder's fast least-squares path (eisrecipe.methods.small_lsq) against scipy.optimize.least_squares,
the library it stands in for: the same fits, from the same starts, to the optimiser's tolerance.

Tolerances: a ZARC tail within 1e-5 of its height on these 1 %-noise cores (both fits stop on tolerances of 1e-8,
on different search paths; the gap grows with the misfit: 2e-5 was seen on 5 %-noise cores, independent review);
whether a tail exists (a fit ending on a bound) the same in every case. Since a failing fast path falls back to
scipy - the reference itself - the comparison alone cannot see a broken fast path: the fast path must also be the
one that answers clean cores.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import least_squares

from eisrecipe.methods import peaks
from eisrecipe.methods.small_lsq import levenberg_marquardt

X = np.log(np.logspace(-7, 2, 271))  # 30 points per decade, as the DRT's grid


def _scipy_tail(g: np.ndarray, i_max: int, lo: int, hi: int) -> np.ndarray:
    """cpe_tail as it was before the fast path: scipy's bounded fit from the same start (reference)."""
    half = 0.5 * g[i_max]
    a, b = i_max, i_max
    while a > lo and g[a - 1] >= half:
        a -= 1
    while b < hi and g[b + 1] >= half:
        b += 1
    if b - a + 1 < peaks.CPE_CORE_MIN_POINTS:
        return np.zeros(g.size)
    core = slice(a, b + 1)
    x0, step = float(X[i_max]), float(X[1] - X[0])
    r0 = max(float(np.sum(g[core]) * step) * 2.0, 1e-300)
    fit = least_squares(
        lambda q: (peaks.zarc_gamma(X[core], math.exp(q[0]), q[1], q[2]) - g[core]) / g[i_max],
        [math.log(r0), x0, 0.9],
        bounds=([-np.inf, x0 - step, 0.3], [np.inf, x0 + step, 1.0 - 1e-6]),
    )
    if fit.active_mask.any():
        return np.zeros(g.size)
    return peaks.zarc_gamma(X, math.exp(fit.x[0]), fit.x[1], fit.x[2])


def _cases(n: int, seed: int) -> list[tuple[np.ndarray, int]]:
    """DRT-like curves: one ZARC (alpha 0.6-1) with a smaller neighbour and 1 % multiplicative ripple, or an ideal
    RC broadened to a narrow Gaussian (a regularised RC peak), whose core may or may not read as a CPE."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        centre = rng.uniform(-12, -2)
        if k % 3 == 2:
            g = 100 * np.exp(-0.5 * ((X - centre) / rng.uniform(0.15, 0.6)) ** 2)
        else:
            g = peaks.zarc_gamma(X, rng.uniform(10, 1000), centre, rng.uniform(0.6, 0.999))
        g = g + peaks.zarc_gamma(X, rng.uniform(1, 50), centre + rng.choice([-1, 1]) * rng.uniform(3, 6), 0.9)
        g = g * (1 + 0.01 * rng.standard_normal(g.size))
        out.append((np.clip(g, 0, None), int(np.argmin(np.abs(X - centre)))))
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_cpe_tail_matches_scipys_bounded_fit(seed: int) -> None:
    for g, i_max in _cases(60, seed):
        i_max = int(i_max + np.argmax(g[i_max - 3 : i_max + 4]) - 3)  # the grid maximum near the centre
        fast, reference = peaks.cpe_tail(g, X, i_max, 0, g.size - 1), _scipy_tail(g, i_max, 0, g.size - 1)
        assert bool(np.any(fast)) == bool(np.any(reference))
        np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-5 * g[i_max])


def test_fast_path_answers_clean_zarc_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ZARC's core (alpha 0.7-0.95, no noise) is fitted without scipy, and its tail is the ZARC itself."""
    calls = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return least_squares(*args, **kwargs)

    monkeypatch.setattr(peaks, "least_squares", counting)
    for alpha in (0.7, 0.8, 0.9, 0.95):
        g = peaks.zarc_gamma(X, 100.0, float(X[135]), alpha)
        tail = peaks.cpe_tail(g, X, 135, 0, X.size - 1)
        np.testing.assert_allclose(tail, g, rtol=1e-6, atol=1e-9 * g.max())
    assert not calls


def test_zarc_jacobian_matches_finite_differences() -> None:
    q = np.array([math.log(50.0), -6.0, 0.85])
    x = X[100:140]
    _, jac = peaks._zarc_and_jacobian(x, q)
    for k in range(3):
        dq = np.zeros(3)
        dq[k] = 1e-6
        numeric = (peaks._zarc_and_jacobian(x, q + dq)[0] - peaks._zarc_and_jacobian(x, q - dq)[0]) / 2e-6
        np.testing.assert_allclose(jac[:, k], numeric, rtol=1e-5, atol=1e-9 * np.abs(numeric).max())


def test_levenberg_marquardt_closed_form_and_failure() -> None:
    """A linear problem has its closed-form answer; a residual that is non-finite at the start is refused."""
    a = np.vander(np.linspace(0, 1, 20), 3)
    y = a @ np.array([2.0, -1.0, 0.5]) + 0.01 * np.sin(np.arange(20))
    x, converged = levenberg_marquardt(lambda p: (a @ p - y, a), np.zeros(3))
    assert converged
    np.testing.assert_allclose(x, np.linalg.lstsq(a, y, rcond=None)[0], rtol=1e-6)
    _, converged = levenberg_marquardt(lambda p: (np.full(3, np.nan), np.eye(3)), np.zeros(3))
    assert not converged
