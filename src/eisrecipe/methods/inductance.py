"""Whether a series inductance L belongs in a joint circuit fit: the inductive-top-point rule and an F-test of
the two fits (config ``fit.inductance``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from eisrecipe.methods.fitting import R_INF_NEGATIVE, SeriesFit
from eisrecipe.methods.ftest import f_test
from eisrecipe.spectrum import Spectrum

__all__ = ["INDUCTANCE_P", "choose_inductance"]

INDUCTANCE_P = 0.01
"""Significance level of the F-test that adds L in ``auto`` mode (1 %: one extra parameter per spectrum is
cheap, so only a clear chi2 drop justifies it; real lead inductances at MHz give p values many orders smaller)."""


def _undetermined(fit: SeriesFit) -> list[str]:
    """The failures of a fit that say its parameters are not determined (degenerate, not converged, a parameter on
    its bound) - not a significantly negative R_inf, which says the top end misses something that L does not
    cause (it is a gate of its own); refusing L for it cost the case study's R_Bulk 6 % (0.35 uH in its data)."""
    return [f for f in fit.failures if f"{R_INF_NEGATIVE} beyond" not in f]


def choose_inductance(
    mode: str, spectra: Sequence[Spectrum], joint_fit: Callable[[bool], SeriesFit]
) -> tuple[SeriesFit, bool, dict[str, Any]]:
    """The joint fit with or without a series inductance L per spectrum, and why.

    Rule for ``auto``:

    1. If any spectrum's highest-frequency kept point has Z'' > 0, the data are inductive there and no RC/R-CPE
       chain can fit them: L is included.
    2. Otherwise both joint fits are run (each spectrum gets its own L: the lead geometry may change between
       uniaxial and isostatic pressing) and the two fits are compared by the F-test for least squares,
       F = ((chi2_0 - chi2_L) / k) / (chi2_L / dof_L) with k = number of spectra, on (k, dof_L) degrees of
       freedom. L is included when p < :data:`INDUCTANCE_P` and the fit with L is not flagged where the fit
       without L is not (an L the data cannot determine makes the fit degenerate, and then it stays out; an R-CPE
       exponent ending at 1, an ideal RC, and a negative R_inf are no such flag here: :func:`_undetermined`). Each fit
       prunes the elements it cannot resolve, so the two may hold different elements (an element the fit without L
       cannot resolve may be resolved once L takes the top end): the test then compares the two chosen models, not
       nested ones, with k their difference in parameters; where the fit with L has no more parameters than the
       one without (it pruned more than L adds) there is no test and L stays out.

    A lead inductance hides in a capacitive top end: with the bulk arc partly above the window, +j w L shortens
    the arc's visible part and a model without L turns bulk resistance into R_inf (the example data: 1 uH over
    0.5 cm^2, bulk 165 instead of 200 ohm cm^2 without L). The modulus-weighted chi2 assumes the residuals are
    noise; systematic misfit elsewhere also makes the F-test favour an extra parameter, which is why rule 2
    demands a determinable L (not flagged) as well.

    Returns
    -------
    fit, use_l, finding
        The chosen joint fit, whether it carries L, and the evidence (JSON-ready).
    """
    inductive = [str(s.meta.get("spectrum")) for s in spectra if s.z_imag[int(np.argmax(s.frequency_hz))] > 0]
    finding: dict[str, Any] = {"mode": mode, "inductive_top_point": inductive}
    if mode == "false":
        return joint_fit(False), False, {**finding, "included": False, "rule": "fit.inductance = false"}
    if mode == "true":
        return joint_fit(True), True, {**finding, "included": True, "rule": "fit.inductance = true"}
    if inductive:
        rule = "auto: Z'' > 0 at the highest kept frequency of " + ", ".join(inductive)
        return joint_fit(True), True, {**finding, "included": True, "rule": rule}
    without, with_l = joint_fit(False), joint_fit(True)
    k = with_l.x.size - without.x.size
    chi2_0, chi2_1 = without.chi2, with_l.chi2
    # k <= 0: the fit with L pruned more than L adds: no F-test (it would divide by k), L stays out
    test = f_test(chi2_0, chi2_1, k, int(with_l.dof))
    f_stat, p_value = test.f_statistic, test.p_value
    significant = p_value < INDUCTANCE_P
    worse = _undetermined(with_l) and not _undetermined(without)
    use = bool(significant and not worse)
    if k <= 0:
        rule = f"auto: the fit with L has {-k} parameter(s) fewer than the fit without (it pruned more): L left out"
    elif use:
        rule = f"auto: F-test p = {p_value:.3g} < {INDUCTANCE_P:g}"
    elif significant:
        rule = f"auto: F-test p = {p_value:.3g} but the fit with L is flagged ({'; '.join(_undetermined(with_l))})"
    else:
        rule = f"auto: F-test p = {p_value:.3g} >= {INDUCTANCE_P:g}, L not needed"
    finding.update(
        included=use,
        rule=rule,
        chi2_without=chi2_0,
        chi2_with=chi2_1,
        extra_parameters=k,
        dof_with=int(with_l.dof),
        f_statistic=f_stat,
        p_value=p_value,
        max_rel_residual_without=max(without.max_relative_residual(s) for s in without.spectra),
        max_rel_residual_with=max(with_l.max_relative_residual(s) for s in with_l.spectra),
    )
    return (with_l if use else without), use, finding
