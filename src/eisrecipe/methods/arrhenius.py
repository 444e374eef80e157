"""Arrhenius analysis of area-specific resistances over a temperature series (RECIPE.md Step 7).

With sigma(T) = sigma0/T exp(-Ea/(kB T)) and R ~ 1/sigma, ln(T/R) = ln(A) - (Ea/kB) (1/T): a straight line in
1/T whose slope is -Ea/kB. The fit is a weighted linear regression of y = ln(T/R) on x = 1/T with weights
1/sigma_y^2, sigma_y = sigma_R / R (the fit errors of R propagated); the covariance is scaled by the reduced
chi-squared when it exceeds one (scatter beyond the stated errors is not hidden), and Ea's standard error
follows from the slope's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eisrecipe.constants import K_B_EV, ZERO_CELSIUS_K
from eisrecipe.serialize import to_dict

__all__ = ["K_B_EV", "ArrheniusFit", "arrhenius_fit"]


@dataclass(frozen=True)
class ArrheniusFit:
    """Activation energy of one resistance element.

    Attributes
    ----------
    element
        Element name (``bulk``, ``gb``, ``int`` ...).
    ea_ev, ea_stderr_ev
        Activation energy and its standard error, eV.
    ln_prefactor, ln_prefactor_stderr
        Intercept ln(A) of ln(T/R) with R in ohm cm^2 and T in K (A in K ohm^-1 cm^-2).
    r_squared
        Weighted coefficient of determination.
    reduced_chi2
        Weighted chi-squared per degree of freedom (NaN with two points).
    n_points
        Temperatures used.
    t_min_k, t_max_k
        Temperature range, K.
    """

    element: str
    ea_ev: float
    ea_stderr_ev: float
    ln_prefactor: float
    ln_prefactor_stderr: float
    r_squared: float
    reduced_chi2: float
    n_points: int
    t_min_k: float
    t_max_k: float

    def to_dict(self) -> dict[str, Any]:
        """Row of ``arrhenius.csv``."""
        return to_dict(self)


def arrhenius_fit(
    temperature_c: Sequence[float],
    r_ohm_cm2: Sequence[float],
    r_stderr_ohm_cm2: Sequence[float] | None = None,
    *,
    element: str = "",
) -> ArrheniusFit:
    """Fit ln(T/R) = ln A - Ea/(kB T).

    Parameters
    ----------
    temperature_c
        Temperatures in degrees Celsius.
    r_ohm_cm2
        Area-specific resistances (> 0), ohm cm^2.
    r_stderr_ohm_cm2
        Their standard errors (``None``: unweighted, errors from the scatter).
    element
        Name carried into the result.

    Raises
    ------
    ValueError
        Fewer than two distinct temperatures, or non-positive resistances.
    """
    t = np.asarray(temperature_c, dtype=float) + ZERO_CELSIUS_K
    r = np.asarray(r_ohm_cm2, dtype=float)
    if t.size != r.size:
        raise ValueError("one resistance per temperature is needed")
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(f"resistances must be finite and > 0, got {r.tolist()}")
    if np.unique(t).size < 2:
        raise ValueError("an Arrhenius fit needs at least two distinct temperatures")
    x = 1.0 / t
    y = np.log(t / r)
    if r_stderr_ohm_cm2 is None:
        sigma = np.ones_like(y)
        weighted = False
    else:
        sigma = np.asarray(r_stderr_ohm_cm2, dtype=float) / r
        if np.any(~np.isfinite(sigma)) or np.any(sigma <= 0):
            raise ValueError("standard errors must be finite and > 0")
        weighted = True
    w = 1.0 / sigma**2
    design = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(design.T @ (design * w[:, None]))
    beta = cov @ (design.T @ (w * y))
    resid = y - design @ beta
    dof = t.size - 2
    chi2 = float(np.sum(w * resid**2))
    red = chi2 / dof if dof > 0 else np.nan
    if dof > 0:
        cov = cov * (max(red, 1.0) if weighted else red)
    elif not weighted:
        cov = cov * np.inf  # two points, no errors: the line is exact but its uncertainty unknown
    y_mean = np.sum(w * y) / np.sum(w)
    ss_tot = float(np.sum(w * (y - y_mean) ** 2))
    r2 = 1.0 - chi2 / ss_tot if ss_tot > 0 else np.nan
    return ArrheniusFit(
        element=element,
        ea_ev=float(-beta[1] * K_B_EV),
        ea_stderr_ev=float(np.sqrt(cov[1, 1]) * K_B_EV),
        ln_prefactor=float(beta[0]),
        ln_prefactor_stderr=float(np.sqrt(cov[0, 0])),
        r_squared=float(r2),
        reduced_chi2=float(red),
        n_points=int(t.size),
        t_min_k=float(t.min()),
        t_max_k=float(t.max()),
    )
