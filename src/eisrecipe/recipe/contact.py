"""Table 1 of Eckhardt et al. 2023 in closed form: contact area from the charge-transfer element (Step 6), the
charge-transfer share of an overlapping interface signal (Step 5), and the upper bound of R_CT when no
interface signal is resolvable (Step 3).

Time-constant orders (RECIPE.md):

- ``"cstr_faster"`` (tau_Cstr < tau_CT): R_CT = R_Pol / A and C_CT = C_DL A, so A = R_Pol/R_CT = C_CT/C_DL;
- ``"ct_faster"`` (tau_CT < tau_Cstr): R_CT = R_Pol A and C_CT = C_DL / A, so A = R_CT/R_Pol = C_DL/C_CT.

Errors propagate in log space (relative errors add in quadrature); the two estimates (from R and from C) are
combined by their inverse-variance weighted mean in ln A and checked for consistency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from eisrecipe.serialize import to_dict

Order = Literal["cstr_faster", "ct_faster"]

__all__ = ["ContactArea", "contact_area", "ct_bound_from_noise", "ct_resistance", "ct_share"]


@dataclass(frozen=True)
class ContactArea:
    """Contact-area estimate A_WE|SE (dimensionless, 0..1 physically) with standard errors.

    Attributes
    ----------
    from_r, from_r_stderr
        A from the resistances.
    from_c, from_c_stderr
        A from the capacitances.
    value, stderr
        Combined estimate (inverse-variance weighted in ln A).
    consistent
        The two estimates agree within ``z_crit`` combined standard errors.
    physical
        The combined value lies within (0, 1] within ``z_crit`` standard errors.
    """

    from_r: float
    from_r_stderr: float
    from_c: float
    from_c_stderr: float
    value: float
    stderr: float
    consistent: bool
    physical: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return to_dict(self)


def _ratio(num: float, num_err: float, den: float, den_err: float) -> tuple[float, float]:
    value = num / den
    rel = np.hypot(num_err / num, den_err / den)
    return float(value), float(value * rel)


def contact_area(
    r_ct: float,
    r_ct_stderr: float,
    c_ct: float,
    c_ct_stderr: float,
    r_pol: float,
    r_pol_stderr: float,
    c_dl: float,
    c_dl_stderr: float,
    order: Order,
    *,
    z_crit: float = 2.0,
    systematic_ln: float = 0.0,
) -> ContactArea:
    """Invert Table 1 for A_WE|SE at one pressure.

    Parameters
    ----------
    r_ct, r_ct_stderr
        Charge-transfer resistance at this pressure and its error, ohm cm^2.
    c_ct, c_ct_stderr
        Charge-transfer capacitance and error, F cm^-2.
    r_pol, r_pol_stderr
        R_CT at full contact (Step 3), ohm cm^2.
    c_dl, c_dl_stderr
        C_CT at full contact (Step 3), F cm^-2.
    order
        ``"cstr_faster"`` or ``"ct_faster"`` (Step 5).
    z_crit
        Standard errors allowed for the consistency and physicality checks.
    systematic_ln
        A further error of ln A, shared by every pressure (e.g. the disagreement of two fits about R_Pol), added
        in quadrature for the physicality check only: it is no error of A's change with pressure.
    """
    if order == "cstr_faster":
        a_r = _ratio(r_pol, r_pol_stderr, r_ct, r_ct_stderr)
        a_c = _ratio(c_ct, c_ct_stderr, c_dl, c_dl_stderr)
    elif order == "ct_faster":
        a_r = _ratio(r_ct, r_ct_stderr, r_pol, r_pol_stderr)
        a_c = _ratio(c_dl, c_dl_stderr, c_ct, c_ct_stderr)
    else:
        raise ValueError(f"order must be 'cstr_faster' or 'ct_faster', got {order!r}")
    ln = np.log([a_r[0], a_c[0]])
    s_ln = np.array([a_r[1] / a_r[0], a_c[1] / a_c[0]])
    w = 1.0 / s_ln**2
    ln_a = float(np.sum(w * ln) / np.sum(w))
    s = float(1.0 / np.sqrt(np.sum(w)))
    value = float(np.exp(ln_a))
    consistent = bool(abs(ln[0] - ln[1]) <= z_crit * np.hypot(*s_ln))
    physical = bool(ln_a - z_crit * float(np.hypot(s, systematic_ln)) <= 0.0)
    return ContactArea(a_r[0], a_r[1], a_c[0], a_c[1], value, value * s, consistent, physical)


def ct_resistance(r_pol: float, contact_fraction: float, order: Order = "cstr_faster") -> float:
    """R_CT at a contact fraction A by Table 1: R_Pol / A (``cstr_faster``) or R_Pol A (``ct_faster``), in the
    unit of ``r_pol`` (ohm cm^2)."""
    return r_pol / contact_fraction if order == "cstr_faster" else r_pol * contact_fraction


def ct_share(r_int: float, r_pol: float, contact_fraction: float, order: Order = "cstr_faster") -> float:
    """Fraction of an overlapping interface resistance R_Int that charge transfer can account for (Step 5).

    From Table 1, R_CT = R_Pol / A (``cstr_faster``) or R_Pol A (``ct_faster``) (:func:`ct_resistance`); the
    share is R_CT / R_Int, capped at 1.
    """
    if not (0 < contact_fraction <= 1):
        raise ValueError(f"contact fraction must lie in (0, 1], got {contact_fraction}")
    return float(min(ct_resistance(r_pol, contact_fraction, order) / r_int, 1.0))


def ct_bound_from_noise(
    frequency_hz: np.ndarray,
    z_abs: np.ndarray,
    noise_rel: float,
    *,
    tau_range_s: tuple[float, float] | None = None,
    k: float = 3.0,
) -> float:
    """Largest RC resistance that could hide in the noise of a spectrum (Step 3 upper bound of R_CT), ohm cm^2.

    An RC element of resistance R adds R/2 to -Z'' at its characteristic frequency 1/(2 pi tau). It stays
    invisible when R/2 < k sigma |Z(f)|, sigma being the relative noise (e.g. the KK noise estimate). The bound
    is the largest such R over the frequencies where tau_CT may lie (default: the whole measured window):
    R_bound = 2 k sigma max |Z(f)| over that window - the conservative choice, since a CT element could sit where
    the spectrum is largest.

    Parameters
    ----------
    frequency_hz
        Frequencies of the spectrum, Hz.
    z_abs
        |Z| at those frequencies (ohm cm^2).
    noise_rel
        Relative noise level (dimensionless, e.g. 0.002).
    tau_range_s
        (min, max) of the time constants considered for CT, s.
    k
        Detection threshold in noise standard deviations.
    """
    f = np.asarray(frequency_hz, dtype=float)
    z = np.asarray(z_abs, dtype=float)
    if tau_range_s is not None:
        lo, hi = 1 / (2 * np.pi * tau_range_s[1]), 1 / (2 * np.pi * tau_range_s[0])
        sel = (f >= lo) & (f <= hi)
        if not sel.any():
            raise ValueError("no measured frequency inside the tau range")
        z = z[sel]
    return float(2 * k * noise_rel * z.max())
