"""Statistics over the long table: weighted log-log slopes against the contact fraction, spans in decades, means
with standard errors, and which fitted points are left out of a slope (element on its tau bound).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from eisrecipe.reproduction.longtable import FULL_CONTACT, ON_BOUND, sel

__all__ = ["C_PORE_A_LIMIT", "determined", "loglog_slope", "mean_stderr", "on_bound_keys", "slopes", "span_decades"]

#: largest smallest-A of a series that enters the C_Cstr -> C_Pore (A -> 0) comparison (the table and its note)
C_PORE_A_LIMIT = 0.1


def loglog_slope(x: Sequence[float], y: Sequence[float], err: Sequence[float] | None = None) -> tuple[float, float]:
    """Least-squares slope of log10 y against log10 x and its standard error (nan with < 2 / < 3 points).

    ``err`` (standard errors of y): weighted least squares with weights 1 / (err / y)^2 (the variance of ln y)
    when every point has a finite, positive error; otherwise unweighted. The standard error is the residual
    scatter's (both cases), so a weighted fit is not credited with errors that misfit makes too small.
    """
    xa, ya = np.asarray(x, float), np.asarray(y, float)
    ea = np.full_like(ya, np.nan) if err is None else np.asarray(err, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lx, ly = np.log10(xa), np.log10(ya)
    ok = np.isfinite(lx) & np.isfinite(ly)
    lx, ly, ea, ya = lx[ok], ly[ok], ea[ok], ya[ok]
    if lx.size < 2 or np.ptp(lx) == 0:
        return math.nan, math.nan
    w = (ya / ea) ** 2 if ea.size and np.all(np.isfinite(ea) & (ea > 0)) else np.ones_like(lx)
    sw = np.sqrt(w / w.max())
    a = np.vstack([lx, np.ones_like(lx)]).T
    coef, *_ = np.linalg.lstsq(a * sw[:, None], ly * sw, rcond=None)
    if lx.size < 3:
        return float(coef[0]), math.nan
    resid = (ly - a @ coef) * sw
    s2 = float(resid @ resid) / (lx.size - 2)
    cov = s2 * np.linalg.inv((a * sw[:, None]).T @ (a * sw[:, None]))
    return float(coef[0]), float(math.sqrt(cov[0, 0]))


def span_decades(values: Sequence[float]) -> float:
    """log10(max / min) of positive values (nan with < 2)."""
    v = np.asarray([x for x in values if x > 0 and math.isfinite(x)], float)
    return float(np.log10(v.max() / v.min())) if v.size >= 2 else math.nan


def mean_stderr(values: Sequence[float]) -> tuple[float, float]:
    """Mean and its standard error (spread / sqrt(n); nan with < 2)."""
    v = np.asarray([x for x in values if math.isfinite(x)], float)
    if v.size == 0:
        return math.nan, math.nan
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan


def on_bound_keys(long: pd.DataFrame, quantity: str) -> set[tuple[str, str]]:
    """(series, spectrum) where the fitted element of ``quantity`` (``r_ct`` -> ``ct``) ended on its tau bound."""
    el = quantity.split("_", 1)[-1]
    b = long[(long["source"] == "analysis") & (long["quantity"] == f"{ON_BOUND}{el}")]
    return set(zip(b["series"].astype(str), b["spectrum"].astype(str), strict=True))


def determined(long: pd.DataFrame, frame: pd.DataFrame, quantity: str) -> pd.DataFrame:
    """``frame`` (rows of one quantity) without the fitted points whose element ended on its tau bound
    (:data:`ON_BOUND`); rows of other sources pass unchanged."""
    keys = on_bound_keys(long, quantity)
    if not keys or frame.empty:
        return frame
    pairs = zip(frame["series"].astype(str), frame["spectrum"].astype(str), strict=True)
    bad = np.array([(k in keys) for k in pairs]) & (frame["source"] == "analysis").to_numpy()
    return frame[~bad]


def slopes(
    long: pd.DataFrame, order: str, source: str, quantity: str, a_max: float = FULL_CONTACT, weighted: bool = True
) -> list[float]:
    """Per-series log-log slopes of ``quantity`` against A (A <= ``a_max``), weighted by the values' standard
    errors where every point has one (fits; :func:`loglog_slope`). A contact fraction a morphology cannot go
    below on its grid repeats the same spectrum (frame on a 10-pixel face: A >= 0.28): counted once. Fitted
    points whose element ended on its tau bound (:data:`ON_BOUND`: not determined by the data) are left out."""
    out = []
    picked = sel(long, kind="pressure", tau_order=order, source=source, quantity=quantity)
    for _, g in determined(long, picked, quantity).groupby("series"):
        g = g[(g["contact_fraction"] <= a_max) & (g["value"] > 0)]
        g = g.drop_duplicates("contact_fraction")
        s, _ = loglog_slope(g["contact_fraction"], g["value"], g["stderr"] if weighted else None)
        if math.isfinite(s):
            out.append(s)
    return out
