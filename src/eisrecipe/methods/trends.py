"""Trends of a fitted quantity over a series (RECIPE.md Step 5): does R_CT(p) rise or fall with pressure?

A trend is judged on two pieces of evidence that must agree:

- the weighted least-squares slope of ln y against ln x (a power law y ~ x^slope, the form Table 1 predicts
  for R_CT ~ A^-1 or A^+1) with its standard error from the fit (covariance scaled by the residual variance
  when there are degrees of freedom left, and never smaller than the one the input errors alone give);
- Spearman's rank correlation, which does not care about the functional form.

Whether y rises or falls is a test with a p-value, chosen by what is known about the errors:

- with input errors: the change of ln y from the lowest to the highest x against their combined error (normal
  distribution). It asks "does y change?" and not "is y a power law?": a trend that is real but not a straight line
  in log-log (R_CT = R_Pol A over pressures at which A is not a power law) keeps its significance, which a slope
  error inflated by that misfit would hide;
- without input errors: the slope against its scatter-based error, Student's t with n - 2 degrees of freedom.
  With four points a slope needs |t| > 4.3 where the normal rule would take 2.

``direction`` is ``"rising"`` or ``"falling"`` when p is below the two-sided level of ``z_crit`` normal standard
errors (z_crit = 2: p < 0.0455) and the rank correlation has the same sign; ``"flat"`` when it is not (no trend the
data can show - which is not a proof of flatness); ``"undetermined"`` with fewer than three points, or when the
test and the rank correlation disagree. No trend is claimed on a bare rank correlation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import ndtr, stdtr

from eisrecipe.serialize import to_dict

Direction = Literal["rising", "falling", "flat", "undetermined"]

__all__ = ["Trend", "log_trend"]


@dataclass(frozen=True)
class Trend:
    """A trend of y over x.

    Attributes
    ----------
    n_points
        Points used.
    slope
        d ln y / d ln x (dimensionless exponent).
    slope_stderr
        Its standard error.
    spearman_rho
        Rank correlation (-1..1; NaN with fewer than three points).
    direction
        ``rising``, ``falling``, ``flat`` or ``undetermined`` (see module docstring).
    p_value
        Two-sided p-value of the slope against zero (NaN with fewer than three points).
    """

    n_points: int
    slope: float
    slope_stderr: float
    spearman_rho: float
    direction: Direction
    p_value: float = float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy (NaN -> None)."""
        return to_dict(self)


def log_trend(
    x: Sequence[float], y: Sequence[float], y_stderr: Sequence[float] | None = None, *, z_crit: float = 2.0
) -> Trend:
    """Power-law trend of positive ``y`` over positive ``x``.

    Parameters
    ----------
    x
        Abscissa, e.g. pressure in MPa (> 0).
    y
        Quantity, e.g. R_CT in ohm cm^2 (> 0).
    y_stderr
        Standard errors of ``y`` (same unit); ``None`` or non-finite entries: unweighted.
    z_crit
        How many standard errors make a slope significant.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    ok = np.isfinite(xa) & np.isfinite(ya) & (xa > 0) & (ya > 0)
    if y_stderr is not None:
        ea = np.asarray(y_stderr, dtype=float)
        ok &= np.isfinite(ea) & (ea > 0)
    xa, ya = xa[ok], ya[ok]
    n = int(xa.size)
    if n < 3 or np.unique(xa).size < 2:
        return Trend(n, np.nan, np.nan, np.nan, "undetermined")
    lx, ly = np.log(xa), np.log(ya)
    sigma = (ea[ok] / ya) if y_stderr is not None else np.ones(n)
    w = 1.0 / sigma**2
    design = np.stack([np.ones(n), lx], axis=1)
    normal = design.T @ (design * w[:, None])
    cov = np.linalg.inv(normal)
    beta = cov @ (design.T @ (w * ly))
    resid = ly - design @ beta
    dof = n - 2
    chi2_red = float(np.sum(w * resid**2) / dof) if dof > 0 else 1.0
    # with input errors, never claim more precision than they give
    scale = chi2_red if y_stderr is None else max(chi2_red, 1.0)
    slope = float(beta[1])
    slope_err = float(np.sqrt(cov[1, 1] * scale))
    rho = _spearman(lx, ly)
    if y_stderr is not None:  # end to end, against the input errors
        first, last = int(np.argmin(lx)), int(np.argmax(lx))
        change = float(ly[last] - ly[first])
        z = abs(change) / float(np.hypot(sigma[first], sigma[last]))
        p_value = float(2 * ndtr(-z))
        sign = np.sign(change)
    else:  # the slope against its scatter
        z = abs(slope) / slope_err if slope_err > 0 else np.inf
        p_value = float(2 * stdtr(dof, -z)) if dof > 0 else float("nan")
        sign = np.sign(slope)
    alpha = float(2 * ndtr(-z_crit))
    if not p_value < alpha:
        direction: Direction = "flat"
    elif np.sign(rho) == sign and np.sign(slope) == sign and rho != 0:
        direction = "rising" if sign > 0 else "falling"
    else:
        direction = "undetermined"
    return Trend(n, slope, slope_err, rho, direction, p_value)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x``, ties given their average rank (``scipy.stats.rankdata(x, "average")``)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]]
    dense = np.cumsum(first)[np.argsort(order, kind="mergesort")]
    bounds = np.r_[np.flatnonzero(first), x.size]
    return 0.5 * (bounds[dense] + bounds[dense - 1] + 1)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation, as ``scipy.stats.spearmanr(a, b).statistic`` computes it (the Pearson
    correlation of the average ranks; NaN for a constant or NaN-holding input), without importing scipy.stats
    (about 0.3 s per job, more on a loaded machine; this runs in every fit job)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or np.all(a == a[0]) or np.all(b == b[0]) or np.isnan(a).any() or np.isnan(b).any():
        return float("nan")
    ranked = np.column_stack((_average_ranks(a), _average_ranks(b)))
    return float(np.corrcoef(ranked, rowvar=False)[1, 0])
