"""Arrhenius fits against the closed form R(T) = T/A exp(Ea/(kB T))."""

from __future__ import annotations

import numpy as np
import pytest

from eisrecipe.methods.arrhenius import K_B_EV, arrhenius_fit

T_C = np.array([-40.0, -20.0, 0.0, 20.0, 40.0])


def r_of_t(ea_ev: float, t_c: np.ndarray, r_25: float = 100.0) -> np.ndarray:
    t, t0 = t_c + 273.15, 298.15
    return r_25 * (t / t0) * np.exp(ea_ev / K_B_EV * (1 / t - 1 / t0))


@pytest.mark.parametrize("ea", [0.34, 0.43])
def test_exact_data_give_the_activation_energy(ea: float) -> None:
    fit = arrhenius_fit(T_C, r_of_t(ea, T_C), element="bulk")
    assert fit.ea_ev == pytest.approx(ea, rel=1e-10)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.n_points == 5 and fit.element == "bulk"


def test_noisy_data_error_covers_the_truth() -> None:
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(200):
        r = r_of_t(0.37, T_C) * np.exp(0.02 * rng.standard_normal(T_C.size))
        fit = arrhenius_fit(T_C, r, 0.02 * r)
        hits += abs(fit.ea_ev - 0.37) < fit.ea_stderr_ev
    # a standard error covers the truth in ~68 % of repeats (>= 60 % in 200, loose for sampling noise)
    assert hits / 200 > 0.6


def test_input_checks() -> None:
    with pytest.raises(ValueError, match="two distinct"):
        arrhenius_fit([25.0, 25.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="> 0"):
        arrhenius_fit([0.0, 25.0], [1.0, -2.0])
    two = arrhenius_fit([0.0, 25.0], [2.0, 1.0])
    assert not np.isfinite(two.ea_stderr_ev)  # two points without errors: no uncertainty claimed
