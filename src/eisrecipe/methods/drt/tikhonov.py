"""The native DRT engine: Tikhonov regularisation with a non-negativity constraint.

Model (impedance in the spectrum's unit, ohm or ohm cm^2)::

    Z(w) = R_inf + j w L + integral gamma(ln tau) / (1 + j w tau) d ln tau

``gamma`` is expanded on a log-tau grid (Gaussian radial basis functions or piecewise-linear hat functions)
that extends ``extend_decades`` beyond 1/(2 pi f) of the measured range on each side. The coefficients ``x``
(and R_inf, L) solve

    min ||W (A x - b)||^2 + lambda x^T M x   subject to x >= 0

with ``M`` the Gram matrix of the 1st or 2nd derivative of the basis functions with respect to ln tau, so
``lambda`` is dimensionless and does not depend on the impedance scale (ohm or ohm cm^2). ``b`` holds the real
part, the imaginary part or both. The constrained problem is reduced to a square system by a QR factorisation
and solved with :func:`scipy.optimize.nnls`.

``lambda`` comes from generalised cross-validation (GCV, Wahba 1985), modified GCV (Kim & Gu 2004, the
pyDRTtools variant with rho = 1.3 / 2), the L-curve corner (Hansen 1993), real/imaginary cross-validation
(Saccoccio et al. 2014) or is fixed. GCV, mGCV and the L-curve use the unconstrained smoother (as pyDRTtools
does), evaluated for all lambdas at once from one generalised SVD-like decomposition.

Defaults follow Eckhardt et al. 2023 (Section 2.3): 2nd-derivative penalty, real part for measured data. The
paper's "real part only when its residuals are the smaller" is available as ``data="series"``: decided once per
spectrum series by :func:`choose_data_part` (not the default, see there).

A :func:`compute_drt_series` call puts every spectrum of a cell on one tau grid with one lambda policy (and, with
``data="series"``, one data part) so that peaks are comparable across the series. The ``pydrttools`` engine
(:mod:`eisrecipe.methods.drt.pydrttools`) runs the same problem through pyDRTtools for cross-checks;
:func:`eisrecipe.methods.drt.run_drt` dispatches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar, nnls

from eisrecipe.errors import InputError
from eisrecipe.methods.blas import one_blas_thread
from eisrecipe.methods.drt.model import (
    Basis,
    DrtResult,
    DrtSettings,
    FloatArray,
    LambdaPolicy,
    TauGrid,
)
from eisrecipe.spectrum import Spectrum

#: full width at half maximum of exp(-x^2), in units of 1/epsilon
_FWHM_GAUSS = 2.0 * math.sqrt(math.log(2.0))
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite.hermgauss(40)
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(24)


# ---------------------------------------------------------------------------------------------- matrices
def _sech(x: FloatArray) -> FloatArray:
    ax = np.abs(x)
    e = np.exp(-ax)
    return 2.0 * e / (1.0 + e * e)


def _logistic(x: FloatArray) -> FloatArray:
    """1 / (1 + exp(2 x)), overflow-free."""
    return 0.5 * (1.0 - np.tanh(x))


def _shape_epsilon(grid: TauGrid, fwhm_coeff: float) -> float:
    return fwhm_coeff * _FWHM_GAUSS / grid.spacing_ln


def _kernel_matrices(omega: FloatArray, grid: TauGrid, basis: Basis, epsilon: float) -> tuple[FloatArray, FloatArray]:
    """A_re, A_im (n_freq x n_tau): response of each basis function (unit coefficient)."""
    s = np.log(omega)[:, None] + grid.ln_tau[None, :]  # ln(w tau_m)
    if basis == "gaussian":
        u = _GH_NODES / epsilon
        w = _GH_WEIGHTS / epsilon
    else:
        h = grid.spacing_ln
        # hat function on [-h, h]: two Gauss-Legendre panels
        half = 0.5 * h * (_GL_NODES + 1.0)
        u = np.concatenate([-half, half])
        wh = 0.5 * h * _GL_WEIGHTS * (1.0 - half / h)
        w = np.concatenate([wh, wh])
    x = s[:, :, None] + u[None, None, :]
    a_re = _logistic(x) @ w
    a_im = -0.5 * _sech(x) @ w
    return a_re, a_im


def _penalty_matrix(grid: TauGrid, basis: Basis, epsilon: float, derivative: int) -> FloatArray:
    """Gram matrix of the derivative of order ``derivative`` of the basis functions (w.r.t. ln tau)."""
    m = grid.tau_s.size
    if basis == "gaussian":
        d = grid.ln_tau[:, None] - grid.ln_tau[None, :]
        a2 = (epsilon * d) ** 2
        g = np.exp(-a2 / 2.0) * math.sqrt(math.pi / 2.0)
        if derivative == 1:
            return epsilon * (1.0 - a2) * g
        return epsilon**3 * (3.0 - 6.0 * a2 + a2 * a2) * g
    h = grid.spacing_ln
    dmat = np.diff(np.eye(m), n=derivative, axis=0) / h**derivative
    return h * dmat.T @ dmat


def _basis_integral(grid: TauGrid, basis: Basis, epsilon: float) -> float:
    """Integral over ln tau of one basis function."""
    return math.sqrt(math.pi) / epsilon if basis == "gaussian" else grid.spacing_ln


def _evaluate_basis(ln_tau_out: FloatArray, grid: TauGrid, basis: Basis, epsilon: float) -> FloatArray:
    d = ln_tau_out[:, None] - grid.ln_tau[None, :]
    if basis == "gaussian":
        return np.exp(-((epsilon * d) ** 2))
    return np.clip(1.0 - np.abs(d) / grid.spacing_ln, 0.0, None)


@dataclass(frozen=True, eq=False)
class _Problem:
    """Precomputed matrices for one frequency vector and one grid."""

    omega: FloatArray
    grid: TauGrid
    basis: Basis
    epsilon: float
    a_re: FloatArray
    a_im: FloatArray
    penalty: FloatArray


@lru_cache(maxsize=64)
def _problem_cached(omega_bytes: bytes, tau_bytes: bytes, basis: Basis, fwhm_coeff: float, derivative: int) -> _Problem:
    omega = np.frombuffer(omega_bytes, dtype=np.float64)
    grid = TauGrid(np.frombuffer(tau_bytes, dtype=np.float64))
    eps = _shape_epsilon(grid, fwhm_coeff)
    a_re, a_im = _kernel_matrices(omega, grid, basis, eps)
    pen = _penalty_matrix(grid, basis, eps, derivative)
    return _Problem(omega, grid, basis, eps, a_re, a_im, pen)


def _problem(omega: FloatArray, grid: TauGrid, settings: DrtSettings) -> _Problem:
    return _problem_cached(
        np.ascontiguousarray(omega, dtype=np.float64).tobytes(),
        np.ascontiguousarray(grid.tau_s, dtype=np.float64).tobytes(),
        settings.basis,
        float(settings.fwhm_coeff),
        int(settings.derivative),
    )


# ---------------------------------------------------------------------------------------------- system
@dataclass(frozen=True, eq=False)
class _System:
    """Weighted least-squares system for one data part: rows of [R_inf, L, x...]."""

    a: FloatArray  # (rows, n_extra + n_tau), weighted
    b: FloatArray  # weighted data
    penalty: FloatArray  # (n_extra + n_tau) square, zero for the extras
    n_extra: int
    has_r: bool
    has_l: bool


def _build_system(problem: _Problem, z: NDArray[np.complex128], part: str, settings: DrtSettings) -> _System:
    n = z.size
    w = 1.0 / np.abs(z) if settings.weighting == "modulus" else np.ones(n)
    has_r = settings.fit_r_inf and part in ("real", "both")
    has_l = settings.fit_inductance and part in ("imag", "both")
    blocks_a: list[FloatArray] = []
    blocks_b: list[FloatArray] = []
    if part in ("real", "both"):
        extra = []
        if has_r:
            extra.append(np.ones(n))
        if has_l:
            extra.append(np.zeros(n))
        blocks_a.append(np.column_stack([*extra, problem.a_re]) if extra else problem.a_re)
        blocks_b.append(z.real)
    if part in ("imag", "both"):
        extra = []
        if has_r:
            extra.append(np.zeros(n))
        if has_l:
            extra.append(problem.omega)
        blocks_a.append(np.column_stack([*extra, problem.a_im]) if extra else problem.a_im)
        blocks_b.append(z.imag)
    wt = np.concatenate([w] * len(blocks_a))
    a = np.vstack(blocks_a) * wt[:, None]
    b = np.concatenate(blocks_b) * wt
    n_extra = int(has_r) + int(has_l)
    m = problem.penalty.shape[0]
    pen = np.zeros((n_extra + m, n_extra + m))
    pen[n_extra:, n_extra:] = problem.penalty
    return _System(a, b, pen, n_extra, has_r, has_l)


def _penalty_root(pen: FloatArray, n_extra: int) -> FloatArray:
    """Upper-triangular R with R^T R = penalty + tiny ridge (the ridge keeps the extras free in practice)."""
    m = pen.shape[0]
    scale = float(np.mean(np.diag(pen)[n_extra:])) if m > n_extra else 1.0
    reg = pen + np.eye(m) * scale * 1e-10
    reg[:n_extra, :n_extra] += np.eye(n_extra) * scale * 1e-12
    try:
        return np.linalg.cholesky(reg).T
    except np.linalg.LinAlgError:
        vals, vecs = np.linalg.eigh(reg)
        vals = np.clip(vals, scale * 1e-12, None)
        _, r = np.linalg.qr(np.sqrt(vals)[:, None] * vecs.T)
        return r


def _solve_nnls(system: _System, root: FloatArray, lam: float) -> FloatArray:
    """Non-negative Tikhonov solution [extras, x] for one lambda."""
    c = np.vstack([system.a, math.sqrt(lam) * root])
    d = np.concatenate([system.b, np.zeros(root.shape[0])])
    q, r = np.linalg.qr(c, mode="reduced")
    sol, _ = nnls(r, q.T @ d, maxiter=50 * r.shape[1])
    return sol


class _Smoother:
    """All-lambda evaluation of the unconstrained Tikhonov smoother via an SVD of A R^-1."""

    def __init__(self, system: _System, root: FloatArray) -> None:
        at = np.linalg.solve(root.T, system.a.T).T  # A R^-1
        u, s, _ = np.linalg.svd(at, full_matrices=False)
        self.s2 = s * s
        self.beta = u.T @ system.b
        self.n = system.b.size
        self.resid0 = float(system.b @ system.b - self.beta @ self.beta)  # part outside range(A)

    def _filters(self, lam: float) -> FloatArray:
        return self.s2 / (self.s2 + lam)

    def residual2(self, lam: float) -> float:
        f = self._filters(lam)
        return float(np.sum(((1 - f) * self.beta) ** 2) + max(self.resid0, 0.0))

    def seminorm2(self, lam: float) -> float:
        f = self._filters(lam)
        return float(np.sum((f * self.beta) ** 2 / self.s2))

    def gcv(self, lam: float, rho: float = 1.0) -> float:
        f = self._filters(lam)
        denom = (self.n - rho * float(np.sum(f))) / self.n
        if denom <= 0:
            return math.inf
        return self.residual2(lam) / self.n / denom**2


def _log_grid(bounds: tuple[float, float], n: int) -> FloatArray:
    return np.logspace(math.log10(bounds[0]), math.log10(bounds[1]), n)


def _refine(fun: Any, grid: FloatArray, scores: FloatArray) -> float:
    """Minimise ``fun(log10 lambda)`` near the best grid point."""
    i = int(np.nanargmin(scores))
    lg = np.log10(grid)
    lo, hi = lg[max(i - 1, 0)], lg[min(i + 1, lg.size - 1)]
    if hi <= lo:
        return float(grid[i])
    res = minimize_scalar(fun, bounds=(lo, hi), method="bounded", options={"xatol": 1e-3})
    best = float(res.x) if res.fun <= scores[i] else lg[i]
    return float(10**best)


def _choose_lambda(
    problem: _Problem, z: NDArray[np.complex128], part: str, settings: DrtSettings
) -> tuple[float, dict[str, float]]:
    method = settings.lambda_method
    if method == "fixed":
        return float(settings.lambda_value), {}
    bounds = settings.lambda_bounds
    if method in ("gcv", "mgcv", "lcurve"):
        system = _build_system(problem, z, part, settings)
        smoother = _Smoother(system, _penalty_root(system.penalty, system.n_extra))
        grid = _log_grid(bounds, 57)
        if method in ("gcv", "mgcv"):
            rho = 1.0 if method == "gcv" else (1.3 if smoother.n < 50 else 2.0)

            def score(lg: float) -> float:
                return smoother.gcv(10**lg, rho)

            scores = np.array([score(math.log10(v)) for v in grid])
            lam = _refine(score, grid, scores)
            return lam, {"score": score(math.log10(lam))}
        # L-curve: corner = maximum curvature of (log residual, log seminorm) along log lambda
        fine = _log_grid(bounds, 241)
        rho_ = np.log(np.array([max(smoother.residual2(v), 1e-300) for v in fine])) / 2
        eta_ = np.log(np.array([max(smoother.seminorm2(v), 1e-300) for v in fine])) / 2
        t = np.log(fine)
        d_r, d_e = np.gradient(rho_, t), np.gradient(eta_, t)
        dd_r, dd_e = np.gradient(d_r, t), np.gradient(d_e, t)
        kappa = (d_r * dd_e - dd_r * d_e) / np.maximum((d_r**2 + d_e**2) ** 1.5, 1e-300)
        kappa[:3] = kappa[-3:] = -np.inf
        i = int(np.argmax(kappa))
        return float(fine[i]), {"curvature": float(kappa[i])}
    # re-im cross-validation: fit one part, predict the other
    s_re = _build_system(problem, z, "real", replace(settings, fit_inductance=False))
    s_im = _build_system(problem, z, "imag", replace(settings, fit_r_inf=False))
    r_re = _penalty_root(s_re.penalty, s_re.n_extra)
    r_im = _penalty_root(s_im.penalty, s_im.n_extra)
    w = 1.0 / np.abs(z) if settings.weighting == "modulus" else np.ones(z.size)

    def score_reim(lg: float) -> float:
        lam = 10**lg
        x_re = _solve_nnls(s_re, r_re, lam)
        x_im = _solve_nnls(s_im, r_im, lam)
        g_re, g_im = x_re[s_re.n_extra :], x_im[s_im.n_extra :]
        r_inf = x_re[0] if s_re.has_r else 0.0
        ind = x_im[0] if s_im.has_l else 0.0
        pred_re = r_inf + problem.a_re @ g_im
        pred_im = ind * problem.omega + problem.a_im @ g_re
        return float(np.sum((w * (z.real - pred_re)) ** 2) + np.sum((w * (z.imag - pred_im)) ** 2))

    grid = _log_grid(bounds, 19)
    scores = np.array([score_reim(math.log10(v)) for v in grid])
    lam = _refine(score_reim, grid, scores)
    return lam, {"score": score_reim(math.log10(lam))}


def _output_grid(grid: TauGrid, per_decade: float, basis: Basis, epsilon: float) -> FloatArray:
    # reach past the outermost centres by the support of their basis functions (3/epsilon for Gaussians)
    pad = (3.0 / epsilon if basis == "gaussian" else grid.spacing_ln) / math.log(10.0)
    lo, hi = math.log10(grid.tau_s[0]) - pad, math.log10(grid.tau_s[-1]) + pad
    n = max(math.ceil(round((hi - lo) * per_decade, 6)) + 1, 2)
    return np.logspace(lo, hi, n)


def _fit_part(
    problem: _Problem, spectrum: Spectrum, part: str, lam: float, settings: DrtSettings
) -> tuple[FloatArray, float, float]:
    z = spectrum.impedance
    system = _build_system(problem, z, part, settings)
    sol = _solve_nnls(system, _penalty_root(system.penalty, system.n_extra), lam)
    x = sol[system.n_extra :]
    k = 0
    r_inf = 0.0
    ind = 0.0
    if system.has_r:
        r_inf = float(sol[0])
        k = 1
    if system.has_l:
        ind = float(sol[k])
    if part == "imag" and settings.fit_r_inf:
        # R_inf is invisible in Z''; take it from the real part (median of the remainder, >= 0)
        r_inf = max(float(np.median(z.real - problem.a_re @ x)), 0.0)
    return x, r_inf, ind


def _assemble(
    problem: _Problem,
    spectrum: Spectrum,
    part: str,
    x: FloatArray,
    r_inf: float,
    ind: float,
    lam: float,
    method: str,
    settings: DrtSettings,
    diagnostics: dict[str, float],
) -> DrtResult:
    tau_out = _output_grid(problem.grid, settings.output_points_per_decade, problem.basis, problem.epsilon)
    gamma = _evaluate_basis(np.log(tau_out), problem.grid, problem.basis, problem.epsilon) @ x
    z_fit = r_inf + 1j * problem.omega * ind + problem.a_re @ x + 1j * (problem.a_im @ x)
    fitted = replace(spectrum, impedance=np.ascontiguousarray(z_fit))
    return DrtResult(
        tau_s=tau_out,
        gamma=gamma,
        unit=spectrum.unit,
        r_inf=r_inf,
        inductance=ind,
        lambda_value=float(lam),
        lambda_method=method,
        data=part,
        basis_tau_s=problem.grid.tau_s,
        coefficients=x,
        spectrum=spectrum,
        fitted=fitted,
        settings=settings,
        backend="native",
        diagnostics=diagnostics,
    )


def choose_data_part(real: Sequence[DrtResult], both: Sequence[DrtResult]) -> tuple[str, dict[str, Any]]:
    """The paper's data-part rule for one spectrum series: real part only when its residuals are the smaller.

    ``real`` and ``both`` are the DRTs of the same spectra (same grid, same lambda policy) fitted to the real part
    only and to the real and imaginary parts together. Each is judged by how well it reconstructs the *whole*
    measured series: the figure is the RMS of the relative residuals (Z_fit - Z)/|Z|, real and imaginary
    components alike, over every point of every spectrum (``n`` = 2 x points residual components).

    Rule: ``"real"`` when rms_real <= rms_both (1 + 1/sqrt(n)), else ``"both"``. The margin is the resolution of
    the figures themselves, not a tuned number: an RMS of ``n`` residual components is known to about
    1/sqrt(2 n) (relative standard error of a chi distribution with ``n`` degrees of freedom), so two such figures
    differ resolvably only beyond about 1/sqrt(n); within that they tie, and a tie keeps the real part (the
    paper's choice for measured data). A series of one spectrum is decided the same way.

    Limitation (why ``"series"`` is not the default): the real-only reconstruction is also charged for series
    terms the real part cannot see - a lead inductance, a blocking electrode's capacitance - while the joint fit
    bends gamma to absorb them; the rule then picks ``"both"`` where that DRT is the worse one (measured pellets
    with a blocking-electrode spur lose their in-window peaks; figures in README.md, "DRT data part").

    Returns
    -------
    tuple
        The chosen part (``"real"`` or ``"both"``) and the record of the decision (JSON-able): the rule, the
        chosen part, both figures, their ratio, ``n`` and the tie margin.
    """
    if len(real) != len(both) or not real:
        raise InputError("choose_data_part needs the same non-empty series fitted both ways")
    r_real = np.concatenate([r.residuals for r in real])
    r_both = np.concatenate([r.residuals for r in both])
    n = 2 * r_real.size
    rms_real = float(np.sqrt(np.sum(r_real.real**2 + r_real.imag**2) / n))
    rms_both = float(np.sqrt(np.sum(r_both.real**2 + r_both.imag**2) / n))
    margin = 1.0 / math.sqrt(n)
    part = "real" if rms_real <= rms_both * (1.0 + margin) else "both"
    record = {
        "rule": "real if rms_real <= rms_both * (1 + 1/sqrt(n)), else both",
        "chosen": part,
        "rms_real_rel": rms_real,
        "rms_both_rel": rms_both,
        "ratio_real_to_both": rms_real / rms_both if rms_both > 0 else math.inf,
        "n_residuals": n,
        "tie_margin_rel": margin,
        "n_spectra": len(real),
    }
    return part, record


def _relative_rms(result: DrtResult) -> float:
    r = result.residuals
    return float(np.sqrt(np.mean(r.real**2 + r.imag**2)))


def compute_drt(
    spectrum: Spectrum,
    settings: DrtSettings | None = None,
    *,
    grid: TauGrid | None = None,
    lambda_value: float | None = None,
) -> DrtResult:
    """DRT of one spectrum with the native engine.

    Parameters
    ----------
    spectrum
        The (validated, cropped) spectrum; impedance in ohm or ohm cm^2.
    settings
        Settings (defaults: Gaussian RBF, 2nd-derivative penalty, real part, GCV, R_inf fitted; with
        ``data="series"`` the data part by :func:`choose_data_part` on this one spectrum).
    grid
        Basis grid; ``None`` builds one from the spectrum's frequencies (see :meth:`TauGrid.for_frequencies`).
    lambda_value
        Use this lambda instead of ``settings.lambda_method`` (series mode passes the shared value).

    Returns
    -------
    DrtResult
        gamma(tau) in the spectrum's unit, R_inf, L, lambda used, reconstructed spectrum.

    Raises
    ------
    InputError
        Too few points for the requested fit.
    """
    with one_blas_thread():
        return _compute_drt(spectrum, settings, grid, lambda_value)


def _compute_drt(
    spectrum: Spectrum, settings: DrtSettings | None, grid: TauGrid | None, lambda_value: float | None
) -> DrtResult:
    settings = settings or DrtSettings()
    if spectrum.n_points < 5:
        raise InputError(f"DRT needs at least 5 points, got {spectrum.n_points}", spectrum.source)
    if grid is None:
        grid = TauGrid.for_frequencies(
            spectrum.frequency_hz,
            points_per_decade=settings.points_per_decade,
            extend_decades=settings.extend_decades,
        )
    if settings.data == "series":  # a series of one spectrum
        fits = [_compute_drt(spectrum, replace(settings, data=p), grid, lambda_value) for p in ("real", "both")]
        part, record = choose_data_part(fits[:1], fits[1:])
        return replace(fits[0] if part == "real" else fits[1], settings=settings, data_choice=record)
    problem = _problem(spectrum.omega, grid, settings)
    parts = ("real", "imag") if settings.data == "auto" else (settings.data,)
    candidates: list[DrtResult] = []
    for part in parts:
        if lambda_value is not None:
            lam, diag, method = float(lambda_value), {}, "given"
        else:
            lam, diag = _choose_lambda(problem, spectrum.impedance, part, settings)
            method = settings.lambda_method
        x, r_inf, ind = _fit_part(problem, spectrum, part, lam, settings)
        candidates.append(_assemble(problem, spectrum, part, x, r_inf, ind, lam, method, settings, diag))
    if len(candidates) == 1:
        return candidates[0]
    best = min(candidates, key=_relative_rms)
    diag = {**best.diagnostics, **{f"rms_{c.data}": _relative_rms(c) for c in candidates}}
    return replace(best, diagnostics=diag)


def compute_drt_series(
    spectra: Sequence[Spectrum],
    settings: DrtSettings | None = None,
    *,
    lambda_policy: LambdaPolicy = "shared",
) -> list[DrtResult]:
    """DRTs of all spectra of one cell on one tau grid.

    Parameters
    ----------
    spectra
        The cell's spectra (any order; results come back in the same order).
    settings
        Settings shared by all spectra.
    lambda_policy
        ``"shared"``: lambda is chosen per spectrum by ``settings.lambda_method`` and the geometric median of
        those values is then used for every spectrum (so peak widths are comparable); ``"individual"``: each
        spectrum keeps its own lambda. With ``lambda_method="fixed"`` both give the fixed value.

    With ``settings.data == "series"`` the whole series is computed twice, real part only and real and imaginary
    parts together (same grid, same lambda policy), and one part is kept for every spectrum by
    :func:`choose_data_part`; each result's ``data_choice`` records why.

    Returns
    -------
    list of DrtResult
        One per spectrum, all with the same ``basis_tau_s`` and ``tau_s`` (and the same ``data``).
    """
    settings = settings or DrtSettings()
    if not spectra:
        return []
    if lambda_policy not in ("shared", "individual"):
        raise InputError(f"unknown lambda policy {lambda_policy!r}; expected 'shared' or 'individual'")
    if settings.data == "series":
        runs = [
            compute_drt_series(spectra, replace(settings, data=p), lambda_policy=lambda_policy)
            for p in ("real", "both")
        ]
        part, record = choose_data_part(runs[0], runs[1])
        return [replace(r, settings=settings, data_choice=record) for r in runs[0 if part == "real" else 1]]
    freqs = np.concatenate([s.frequency_hz for s in spectra])
    grid = TauGrid.for_frequencies(
        freqs, points_per_decade=settings.points_per_decade, extend_decades=settings.extend_decades
    )
    first = [compute_drt(s, settings, grid=grid) for s in spectra]
    if lambda_policy == "individual" or settings.lambda_method == "fixed":
        return first
    lam = float(np.exp(np.median(np.log([r.lambda_value for r in first]))))
    out = []
    for s, r in zip(spectra, first, strict=True):
        part_settings = replace(settings, data=r.data)  # keep the part chosen by "auto"
        res = compute_drt(s, part_settings, grid=grid, lambda_value=lam)
        diag = {**r.diagnostics, "own_lambda": r.lambda_value}
        out.append(replace(res, lambda_method=f"shared:{settings.lambda_method}", settings=settings, diagnostics=diag))
    return out
