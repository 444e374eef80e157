"""The F-test between two least-squares fits of the same data: does the model with more parameters lower chi2 by
more than its extra parameters explain?

F = ((chi2_small - chi2_large) / k) / (chi2_large / dof_large), k = the parameter difference, on (k, dof_large)
degrees of freedom; the p value is the F distribution's survival function (``scipy.special.fdtrc``, no
``scipy.stats`` import in the stage jobs). The models need not be nested - a fit that prunes elements may hold
others than its rival - so the test compares the two chosen models as they are; it assumes the residuals are
noise (weighted chi2), which is why its callers also refuse a model whose fit failed where its rival's did not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import fdtrc

__all__ = ["FTest", "f_test"]


@dataclass(frozen=True)
class FTest:
    """One F-test: ``k`` extra parameters of the larger model, the statistic and its p value (NaN, 1 when there is
    no test: ``k <= 0``, no degrees of freedom left, or chi2 = 0)."""

    k: int
    dof: int
    f_statistic: float
    p_value: float


def f_test(chi2_small: float, chi2_large: float, k: int, dof_large: int) -> FTest:
    """F-test of a model with ``k`` more parameters than its rival and ``dof_large`` degrees of freedom left
    (chi2 values unitless, weighted sums of squared residuals)."""
    if k <= 0 or dof_large <= 0 or not chi2_large > 0 or not math.isfinite(chi2_small):
        return FTest(k, dof_large, float("nan"), 1.0)
    f_stat = max((chi2_small - chi2_large) / k, 0.0) / (chi2_large / dof_large)
    return FTest(k, dof_large, f_stat, float(fdtrc(k, dof_large, f_stat)))
