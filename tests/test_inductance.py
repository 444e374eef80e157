"""Whether a series inductance belongs in the joint fit (methods.inductance.choose_inductance): the F-test of the
two fits, no test where the fit with L has no more parameters, and no L that only a failed fit would carry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eisrecipe.methods.fitting import ALPHA_AT_ONE, R_INF_NEGATIVE
from eisrecipe.methods.inductance import choose_inductance
from eisrecipe.spectrum import Spectrum

F = np.logspace(6, -1, 50)
SPECTRA = [Spectrum(F, 100.0 / (1 + 2j * np.pi * F * 1e-4) + 10.0, meta={"spectrum": f"s{k}"}) for k in range(3)]


@dataclass
class FakeFit:
    """What choose_inductance reads of a SeriesFit: the parameter count, chi2, degrees of freedom and flags."""

    n_params: int
    chi2: float
    flags: tuple[str, ...] = ()
    spectra: tuple[str, ...] = ("s0",)

    @property
    def x(self) -> np.ndarray:
        return np.zeros(self.n_params)

    @property
    def dof(self) -> int:
        return 300 - self.n_params

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(f for f in self.flags if not f.endswith(ALPHA_AT_ONE))

    def max_relative_residual(self, spectrum: str) -> float:
        return 0.01


def test_nested_models_are_f_tested_and_a_clear_drop_takes_l() -> None:
    calls: list[bool] = []

    def joint(with_l: bool) -> FakeFit:
        calls.append(with_l)
        return FakeFit(20 + 3 * with_l, 0.5 if with_l else 5.0)

    fit, use, finding = choose_inductance("auto", SPECTRA, joint)
    assert calls == [False, True] and use and fit.n_params == 23
    assert finding["extra_parameters"] == 3 and finding["p_value"] < 1e-10


def test_a_fit_with_l_that_pruned_more_than_l_adds_gets_no_f_test_and_no_l() -> None:
    # the fit with L dropped two elements (6 parameters) the fit without L kept: 20 + 3 L - 6 = 17 < 20; the old
    # code divided by k (0 or negative) here
    for n_with in (20, 17):

        def joint(with_l: bool, n_with: int = n_with) -> FakeFit:
            return FakeFit(n_with if with_l else 20, 0.5 if with_l else 5.0)

        fit, use, finding = choose_inductance("auto", SPECTRA, joint)
        assert not use and fit.n_params == 20 and fit.chi2 == 5.0
        assert "L left out" in finding["rule"] and np.isnan(finding["f_statistic"])


def test_an_l_only_a_failed_fit_carries_stays_out_but_an_ideal_rc_is_no_failure() -> None:
    def joint(flag: str):
        return lambda with_l: FakeFit(20 + 3 * with_l, 0.5 if with_l else 5.0, (flag,) if with_l else ())

    _, use, finding = choose_inductance(
        "auto", SPECTRA, joint("s0:gb.ln_tau ended on its bound (element order / CPE range)")
    )
    assert not use and "flagged (s0:gb.ln_tau" in finding["rule"]
    _, use, _ = choose_inductance("auto", SPECTRA, joint(f"s0:gb.alpha {ALPHA_AT_ONE}"))
    assert use


def test_a_negative_r_inf_does_not_keep_a_significant_l_out() -> None:
    # the case study: 0.35 uH in the data, the fit with L ends with R_inf = -1.8 +/- 0.5 ohm cm^2 (a gate of its
    # own); refusing L for that put 12 ohm cm^2 of the bulk into R_inf
    flag = f"p010: R_inf = -1.82 +/- 0.49 {R_INF_NEGATIVE} beyond 3 standard errors"
    _, use, _ = choose_inductance(
        "auto", SPECTRA, lambda with_l: FakeFit(20 + 3 * with_l, 0.5 if with_l else 5.0, (flag,) if with_l else ())
    )
    assert use
