"""Detection limit of an RC element a fitted spectrum does not show (Step 3 upper bound of R_Pol).

When the highest-pressure spectrum shows no interface signal, the recipe asks for an upper bound of the
charge-transfer resistance (RECIPE.md Step 3; the paper's case study quotes about 1 ohm cm^2). The bound used
here is the largest resistance R of an extra RC element, R / (1 + j omega tau), that the fit of that spectrum
could not tell from zero:

1. take the converged fit (model Jacobian J at the optimum, weighted residual r, the fit's own weighting);
2. for each trial tau on a grid, add the column g = dZ/dR = 1 / (1 + j omega tau) and solve the linearised
   least-squares problem min |r + J d + g R| (one Gauss-Newton step of the augmented model from the optimum,
   exact at first order because Z is linear in R);
3. R's standard error is s sqrt([(B^T B)^-1]_RR) with B = [J g] and s^2 the augmented reduced chi^2 - the fit's
   own residual scale, so misfit counts as noise and the bound grows with it;
4. bound(tau) = max(R_hat, 0) + k sigma_R, and the reported bound is the largest over the tau range.

The estimate accounts for the correlation of the hidden element with every fitted parameter: an RC at the time
constant of the grain boundary, or slower than the window (where it looks like a series resistance), is
confounded with them and its bound diverges - which is why the tau range matters and is reported with the bound.
Compared with the single-point rule (:func:`eisrecipe.recipe.contact.ct_bound_from_noise`: R/2 = k sigma max|Z|), the
fit uses every point the element would change, so the bound is several times tighter for the same noise.

In a joint series fit whose other spectra share parameters with the tested one (bulk and GB across a pressure
series), :func:`rc_detection_limit_in_series` keeps those shared parameters tied to every spectrum: the extra column
is projected off the whole series' Jacobian, so an RC at the GB's time constant is told from the GB by the other
spectra, which fix the shared GB (Table 1: the GB does not depend on pressure).

Units: resistances in the spectrum's units (ohm cm^2 for area-specific data), time constants in s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eisrecipe.methods.blas import one_blas_thread
from eisrecipe.methods.fitting import CONDITION_LIMIT, SeriesFit, Weighting, residual_weights

__all__ = ["DetectionLimit", "rc_detection_limit", "rc_detection_limit_in_series", "tau_window_s"]


@dataclass(frozen=True)
class DetectionLimit:
    """Upper bound of a hidden RC element's resistance over a range of time constants.

    Attributes
    ----------
    bound
        Largest of ``bounds``, ohm cm^2 (inf when the element is undetermined somewhere in the tau range).
    tau_at_bound_s
        Time constant where ``bound`` is reached, s.
    tau_s
        Trial time constants, s.
    r_hat, r_stderr, bounds
        Per trial tau: linearised estimate of R, its standard error and max(R_hat, 0) + k R_stderr (ohm cm^2;
        inf where the element is not determined by the data).
    k
        Detection threshold in standard errors.
    noise_scale
        sqrt of the fit's reduced chi^2 (the weighted residual scale; relative for modulus weighting).
    """

    bound: float
    tau_at_bound_s: float
    tau_s: np.ndarray
    r_hat: np.ndarray
    r_stderr: np.ndarray
    bounds: np.ndarray
    k: float
    noise_scale: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the per-tau curve included; inf -> None)."""

        def clean(v: np.ndarray) -> list[float | None]:
            return [float(x) if np.isfinite(x) else None for x in v]

        return {
            "bound_ohm_cm2": float(self.bound) if np.isfinite(self.bound) else None,
            "tau_at_bound_s": float(self.tau_at_bound_s),
            "tau_range_s": [float(self.tau_s[0]), float(self.tau_s[-1])],
            "k_sigma": self.k,
            "noise_scale": self.noise_scale,
            "curve": {
                "tau_s": clean(self.tau_s),
                "r_hat_ohm_cm2": clean(self.r_hat),
                "r_stderr_ohm_cm2": clean(self.r_stderr),
                "bound_ohm_cm2": clean(self.bounds),
            },
        }


def tau_window_s(frequency_hz: np.ndarray) -> tuple[float, float]:
    """Time constants whose RC peak lies inside the measured window: 1/(2 pi f_max) .. 1/(2 pi f_min), s."""
    f = np.asarray(frequency_hz, dtype=float)
    return float(1 / (2 * np.pi * f.max())), float(1 / (2 * np.pi * f.min()))


def _weighted(
    fit: SeriesFit, spectrum: str, frequency_hz: np.ndarray, impedance: np.ndarray, weighting: Weighting
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The weighted least-squares problem of one spectrum of ``fit`` at its optimum: its model's Jacobian (rows: real
    parts, then imaginary parts; columns: the model's ``param_names``), residual, angular frequencies (rad/s) and the
    residual weights (real, imaginary)."""
    model, x = fit.spectrum_vector(spectrum)
    omega = 2 * np.pi * np.asarray(frequency_hz, dtype=float)
    z = np.asarray(impedance, dtype=complex)
    w = residual_weights(z, weighting)
    jac = model.jacobian(omega, x)
    res = model.impedance(omega, x) - z
    return _stacked(jac, w), _stacked(res, w), omega, w


def _stacked(values: np.ndarray, w: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Complex rows (a vector, or a matrix with one row per frequency) as weighted real rows, then imaginary rows."""
    if values.ndim == 1:
        return np.concatenate([values.real * w[0], values.imag * w[1]])
    return np.vstack([values.real * w[0][:, None], values.imag * w[1][:, None]])


def _tau_range(tau_range_s: tuple[float, float]) -> tuple[float, float]:
    """(min, max) of a trial tau range, s; ValueError where not positive and finite."""
    lo, hi = float(min(tau_range_s)), float(max(tau_range_s))
    if not (lo > 0 and np.isfinite(hi)):
        raise ValueError(f"tau range must be positive and finite, got {tau_range_s}")
    return lo, hi


def _tau_grid(lo: float, hi: float, points_per_decade: int) -> np.ndarray:
    """Trial time constants from ``lo`` to ``hi`` (s), ``points_per_decade`` per decade, at least the two ends."""
    return np.geomspace(lo, hi, max(int(np.ceil(np.log10(hi / lo) * points_per_decade)) + 1, 2))


def _limit(taus: np.ndarray, r_hat: np.ndarray, r_err: np.ndarray, k: float, fit: SeriesFit) -> DetectionLimit:
    """The :class:`DetectionLimit` of per-tau estimates and standard errors (ohm cm^2; an infinite error: no bound)."""
    bounds = np.where(np.isfinite(r_err), np.maximum(np.nan_to_num(r_hat, nan=0.0), 0.0) + k * r_err, np.inf)
    i_max = int(np.argmax(bounds))
    return DetectionLimit(
        bound=float(bounds[i_max]),
        tau_at_bound_s=float(taus[i_max]),
        tau_s=taus,
        r_hat=r_hat,
        r_stderr=r_err,
        bounds=bounds,
        k=float(k),
        noise_scale=float(np.sqrt(fit.reduced_chi2)),
    )


def rc_detection_limit(
    fit: SeriesFit,
    frequency_hz: np.ndarray,
    impedance: np.ndarray,
    tau_range_s: tuple[float, float],
    *,
    spectrum: str | None = None,
    k: float = 3.0,
    points_per_decade: int = 8,
    weighting: Weighting = "modulus",
) -> DetectionLimit:
    """Largest RC resistance the fit of one spectrum cannot tell from zero, over a range of time constants.

    Parameters
    ----------
    fit
        Converged fit holding ``spectrum`` (a single-spectrum fit or one spectrum of a joint fit; shared
        parameters are taken as free, which is conservative).
    frequency_hz, impedance
        The spectrum exactly as fitted: Hz and ohm cm^2 (Z'' < 0 capacitive).
    tau_range_s
        (min, max) trial time constants of the hidden element, s.
    spectrum
        Name of the spectrum in ``fit`` (default: its only spectrum).
    k
        Detection threshold in standard errors.
    points_per_decade
        Density of the tau grid.
    weighting
        The weighting the fit used (:func:`eisrecipe.methods.fitting.fit_series`).

    Returns
    -------
    DetectionLimit
        The bound with its per-tau curve.
    """
    lo, hi = _tau_range(tau_range_s)
    if spectrum is None:
        if len(fit.spectra) != 1:
            raise ValueError(f"fit holds {len(fit.spectra)} spectra: name one")
        spectrum = fit.spectra[0]
    a, r0, omega, w = _weighted(fit, spectrum, frequency_hz, impedance, weighting)
    m, p = a.shape
    dof = m - p - 1
    if dof <= 0:
        raise ValueError(f"{m} data for {p + 1} parameters: no detection limit")

    taus = _tau_grid(lo, hi, points_per_decade)
    r_hat = np.full(taus.size, np.nan)
    r_err = np.full(taus.size, np.inf)
    for i, tau in enumerate(taus):
        b = np.column_stack([a, _stacked(1.0 / (1.0 + 1j * omega * tau), w)])
        u, sv, vt = np.linalg.svd(b, full_matrices=False)
        good = sv > sv[0] / CONDITION_LIMIT
        step = -(vt[good].T @ ((u[:, good].T @ r0) / sv[good]))
        s2 = float(np.sum((r0 + b @ step) ** 2)) / dof
        if not good.all() and np.any(np.abs(vt[~good, -1]) > 1e-3):
            continue  # R is along an undetermined direction: no bound at this tau
        var = s2 * float(np.sum((vt[good, -1] / sv[good]) ** 2))
        r_hat[i], r_err[i] = step[-1], np.sqrt(var)
    return _limit(taus, r_hat, r_err, k, fit)


UNEXPLAINED_MIN = 1e-6
"""Smallest share (in norm) of a trial column that the series' Jacobian must leave unexplained for R to count as
determined (:func:`rc_detection_limit_in_series`); below it the standard error would exceed 1e6 times the noise
scale over |g| - no bound in any sense."""


def rc_detection_limit_in_series(
    fit: SeriesFit,
    data: Mapping[str, tuple[np.ndarray, np.ndarray]],
    spectrum: str,
    tau_range_s: tuple[float, float],
    *,
    k: float = 3.0,
    points_per_decade: int = 8,
    weighting: Weighting = "modulus",
    exclude: Sequence[str] = (),
) -> DetectionLimit:
    """Largest RC resistance in one spectrum of a joint series fit that the whole series cannot tell from zero.

    As :func:`rc_detection_limit`, with the linearised augmented problem over every spectrum of ``fit``: the trial
    column g = 1 / (1 + j omega tau) sits in the rows of ``spectrum`` only, and its part that the series' Jacobian J
    (all spectra, the shared parameters in every spectrum's rows) cannot explain, g_perp = (I - P_J) g, gives
    R_hat = -g_perp . r / |g_perp|^2 and var(R) = s^2 / |g_perp|^2. P_J projects on the column space of J at its
    numerical rank (a direction J barely determines still counts as able to take up g, which widens the bound); a g
    that J can almost explain (|g_perp| below :data:`UNEXPLAINED_MIN` of |g|; the projection's round-off leaves ~1e-8
    of a g that J explains exactly) leaves R undetermined: an infinite bound at that tau.

    The residual scale s^2 is the larger of the series' (its residual over m - n - 1 degrees of freedom) and the
    tested spectrum's own (its residual over its rows less its own parameters and the added R), each less the part
    the added R explains: a spectrum the series fits worse than the others keeps its own misfit as noise, as in
    :func:`rc_detection_limit`, whose numbers this gives where nothing is shared and that spectrum is the worse fitted.
    The residual is the fit's own (not its part off J's columns): at an optimum the two agree, elsewhere the larger
    residual only widens the bound.

    Parameters
    ----------
    fit
        Converged joint fit.
    data
        Per spectrum of ``fit``: (frequency in Hz, impedance in ohm cm^2) exactly as fitted.
    spectrum
        The spectrum the hidden element would sit in.
    tau_range_s
        (min, max) trial time constants, s.
    k, points_per_decade, weighting
        As for :func:`rc_detection_limit`.
    exclude
        Parameter names of ``fit`` (``param_names``) left out of J: an element of the fit treated as absent, so that
        the trial RC is not taken up by it (its own fitted part stays in the residual).
    """
    lo, hi = _tau_range(tau_range_s)
    if spectrum not in fit.spectra:
        raise ValueError(f"spectrum {spectrum!r} is not in the fit")
    column = {p: i for i, p in enumerate(fit.param_names)}
    left_out = set(exclude)
    blocks: list[np.ndarray] = []
    residuals: list[np.ndarray] = []
    rows = slice(0, 0)
    own_params = 0
    g_omega, g_w = np.zeros(0), (np.zeros(0), np.zeros(0))
    start = 0
    for name, model in zip(fit.spectra, fit.models, strict=True):
        local, res, omega, w = _weighted(fit, name, *data[name], weighting)
        block = np.zeros((local.shape[0], len(column)))
        own = [f"{name}:{p}" if f"{name}:{p}" in column else p for p in model.param_names]
        block[:, [column[p] for p in own]] = local
        blocks.append(block)
        residuals.append(res)
        if name == spectrum:
            rows = slice(start, start + local.shape[0])
            g_omega, g_w = omega, w
            own_params = sum(1 for p in own if p.startswith(f"{name}:") and p not in left_out)
        start += local.shape[0]
    kept = [i for p, i in column.items() if p not in left_out]
    jac = np.vstack(blocks)[:, kept]
    r0 = np.concatenate(residuals)
    m, p = jac.shape
    dof = m - p - 1
    dof_own = (rows.stop - rows.start) - own_params - 1
    if dof <= 0 or dof_own <= 0:
        raise ValueError(f"{m} data for {p + 1} parameters: no detection limit")
    with one_blas_thread():
        u, sv, _ = np.linalg.svd(jac, full_matrices=False)
    rank = int(np.sum(sv > sv[0] * max(m, p) * np.finfo(float).eps)) if sv.size and sv[0] > 0 else 0
    basis = u[:, :rank]
    rss, rss_own = float(r0 @ r0), float(r0[rows] @ r0[rows])

    taus = _tau_grid(lo, hi, points_per_decade)
    r_hat = np.full(taus.size, np.nan)
    r_err = np.full(taus.size, np.inf)
    for i, tau in enumerate(taus):
        g = np.zeros(m)
        g[rows] = _stacked(1.0 / (1.0 + 1j * g_omega * tau), g_w)
        g_perp = g - basis @ (basis.T @ g)
        denom = float(g_perp @ g_perp)
        if not denom > UNEXPLAINED_MIN**2 * float(g @ g):
            continue  # J takes up the element: R undetermined at this tau
        r_hat[i] = -float(g_perp @ r0) / denom
        explained = r_hat[i] ** 2 * denom
        s2 = max(max(rss - explained, 0.0) / dof, max(rss_own - explained, 0.0) / dof_own)
        r_err[i] = float(np.sqrt(s2 / denom))
    return _limit(taus, r_hat, r_err, k, fit)
