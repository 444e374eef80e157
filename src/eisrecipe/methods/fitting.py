"""Complex non-linear least-squares fits of 1D series models: one spectrum, or a whole series jointly.

A joint series fit shares chosen elements (bulk and GB across a pressure series, RECIPE.md Step 4) between all
spectra and gives every spectrum its own copy of the others. All spectra enter one residual vector, so the
shared parameters are fitted to all the data at once - which is why their standard errors shrink - and the
interface parameters stay free per spectrum. impedance.py's ``CustomCircuit`` fits one spectrum at a time and
cannot share parameters, hence this module (see :mod:`eisrecipe.methods.circuits`); it uses
:func:`scipy.optimize.least_squares` (trf) with the analytic Jacobian of :meth:`SeriesModel.jacobian`, and for long
series our block-sparse Levenberg-Marquardt (:mod:`eisrecipe.methods.block_lm`).

Numerics
--------
- Residuals: (Z_model - Z_data) x weight, real and imaginary parts stacked. Weighting ``"modulus"``
  (1/|Z|, both parts; default), ``"proportional"`` (1/|Z'| and 1/|Z''|, floored at 1 % of |Z|) or ``"unit"``.
- Series terms: ln R_inf and ln L are bounded above by ten times the largest |Z| of the spectrum (as R, and as
  the reactance at the highest frequency), which keeps trial steps finite.
- Element order: each element's ln tau is bounded between the geometric midpoints of its neighbours' starting
  taus, so elements cannot swap (the DRT assignment fixes the order); a fit that ends on such a bound is flagged.
  An element the model names ``unordered`` may cross the element before it, by up to a decade below that one's
  start (an own element beside a shared one, which the sharing keeps apart: :data:`UNORDERED_CROSSING`).
  Starting taus that are equal or out of order are nudged apart (:func:`repair_taus`, reported in ``notes``).
- Observable range (:func:`_observable_bounds`): a parallel element's R between 1e-6 and 10 times the spectrum's
  largest |Z|, its tau within 4 decades of the measured window (an R-CPE's: 10), the lead reactance omega_max L
  above 1e-6 of |Z| at the top frequency. Beyond them the data show nothing of a parameter, and without them trf
  crawled along such directions (an unresolved element's R towards 0, a phantom's tau out of the window, L towards
  0) to the iteration cap. With them the reduced validation matrix's analysis took 13 % less wall time (10.6 against
  12.2 min, 17.9 against 20.4 user CPU-min, the same quiet machine) and no verdict changed; the case study's
  60 C temperature fit with L, which had collapsed to L -> 0 (so the F-test dropped L and the fit without it left a
  5 % residual, R_GB 14 % low), keeps L as at 0-45 C (0.5 % misfit, R_Bulk and R_GB within 1.1 % of the truth).
- Scaling: parameters are logarithms (ln R, ln tau, ln Q, ln L), exponents and the linear R_inf; trf's
  ``x_scale="jac"`` scales each by its Jacobian column norm, so a step is measured in units the data resolve.
- Long series: the Jacobian of a series is block-sparse (a spectrum's rows touch only the shared parameters and
  its own). Up to :data:`DENSE_MAX_SPECTRA` spectra the fit uses the dense Jacobian and exact SVD trust-region
  steps (cost per iteration ~ spectra^3); above, a CSR Jacobian, all spectra of one model evaluated in one
  vectorised call, and exact Levenberg-Marquardt steps by Schur complement on the shared parameters
  (:mod:`eisrecipe.methods.block_lm`; cost per iteration ~ spectra). ``bench/fit.py``, 2026-12-03, load 0.9: a
  20 / 40 / 100-spectrum series in 26-28 / 47-58 / 138-174 ms, against 78-83 / 158 / 265-401 ms with scipy's trf and
  LSMR steps (the path until then) and 128-136 / 524-558 ms dense; it ends within 4e-6 (ln units) of the dense
  path's optimum, LSMR within 6e-5. On the 36 long-series fits of four bench cells' confidence replicas (15-40
  spectra): 2.3 s against 6.1 s, chi2 within 1e-6 of the dense path's. Where its end point would be flagged (not
  converged, on a bound, degenerate) scipy's trf with LSMR steps runs as well and the lower cost is kept
  (:func:`_sparse_solve`): from poor starts the two can end in different minima.
- Iteration cap: :data:`MAX_NFEV` residual evaluations; a fit that reaches it is flagged (``iteration cap``).
- Standard errors: covariance = s^2 (J^T J)^-1 with s^2 = sum(residual^2)/(m - n), through the SVD of J (for the
  sparse path, of the triangular factor of a block QR of J, which has J's singular values and right vectors);
  a Jacobian whose condition number exceeds 1e10 marks the fit ``degenerate`` and the poorly determined
  directions get infinite errors. Physical errors by the delta method: sigma_R = R sigma_lnR,
  sigma_tau = tau sigma_lntau, C = tau/R with var(ln C) = var(ln tau) + var(ln R) - 2 cov.
- A fit is ``ok`` only when the optimiser converged, nothing is degenerate and no parameter sits on a bound;
  otherwise ``flags`` says why. A failed fit is reported, never silently kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import scipy.linalg
import scipy.sparse
from scipy.optimize import least_squares

from eisrecipe.methods.blas import one_blas_thread
from eisrecipe.methods.block_lm import BlockProblem, block_least_squares
from eisrecipe.methods.circuits import SeriesModel
from eisrecipe.spectrum import ComplexArray, FloatArray

if TYPE_CHECKING:
    import pandas as pd

Weighting = Literal["modulus", "proportional", "unit"]
JacobianMode = Literal["auto", "dense", "sparse"]

__all__ = [
    "ElementFit",
    "SeriesFit",
    "Start",
    "fit_series",
    "fit_spectrum",
    "largest_residual",
    "local_misfit",
    "repair_taus",
    "residual_weights",
]

MISFIT_WINDOW = 3
"""Neighbouring points over which :func:`local_misfit` averages the residuals."""


def largest_residual(residual: ComplexArray) -> float:
    """The largest |relative residual| of a spectrum, real or imaginary part (dimensionless; 0 for no points)."""
    r = np.asarray(residual)
    return float(np.max(np.maximum(np.abs(r.real), np.abs(r.imag)))) if r.size else 0.0


def local_misfit(residual: ComplexArray, window: int = MISFIT_WINDOW) -> float:
    """How far a model misses its data over a stretch of the spectrum: the largest |mean| of ``window`` neighbouring
    relative residuals, real and imaginary parts apart (dimensionless, relative to |Z|).

    A model that misses an arc or a tail leaves a run of same-signed residuals, which the mean keeps; the noise of one
    point averages down by sqrt(window). The largest single residual is the noise's extreme value instead: at 1 %
    noise and 130 points per part it reaches 3.5-4.5 % for a perfect model, and replicas with sqrt 2 the noise
    (:mod:`eisrecipe.stages.confidence`) cross 5 % by chance. With fewer points than ``window``: the largest single
    residual. Where the model misses only the last one or two points (a tail cut short), the mean dilutes it by 3
    or 3/2: such an end is the crop's business (KK), not the fit's. The pressure-series gates
    (:mod:`eisrecipe.recipe.gates`) read this; Step 7's gate and the temperature series' element count keep the
    largest single residual: read this way there, the case study's temperature fits changed and Ea,Int moved from
    0.330 to 0.304 eV (published 0.37) - not examined further."""
    r = np.asarray(residual)
    if not np.all(np.isfinite(r)):
        return float("nan")  # a broken evaluation is no small misfit
    if r.size < window:
        return largest_residual(r)
    kernel = np.full(window, 1.0 / window)
    parts = (np.abs(np.convolve(r.real, kernel, "valid")), np.abs(np.convolve(r.imag, kernel, "valid")))
    return float(max(parts[0].max(), parts[1].max()))


#: chi-square (1 degree of freedom) at p = 0.01: the smallest F statistic of a significant one-parameter
#: improvement (F(1, dof) >= this for every dof), the level of the model-choice F-tests (bulk tail, inductance)
F_CRIT_ONE_PARAMETER = 6.635


def cost_tolerance(dof: int, max_nfev: int) -> float:
    """Relative cost tolerance (``ftol``) of :func:`fit_series`'s least-squares search.

    trf stops when a step lowers the cost by less than ``ftol`` of it. A fit that went on improving by less than
    that for the rest of its budget of ``max_nfev`` evaluations would gain at most about ``max_nfev * ftol`` of its
    chi2; this keeps that below a tenth of the smallest improvement any F-test of the model choice resolves
    (:data:`F_CRIT_ONE_PARAMETER` / ``dof``), within scipy's default 1e-8 and 1e-6. The default 1e-8 alone let
    ill-conditioned series fits crawl along a valley (chi2 falling by 1e-7 of itself per step) to the iteration
    cap: the 8 replicas of matrix cell c011 took 17,086 evaluations with 13 fits capped, 8,450 with none at a flat
    1e-6 and 9,885 with none by this rule - the same votes, the formerly capped fits' chi2 within 0.2 %.
    """
    return float(np.clip(0.1 * F_CRIT_ONE_PARAMETER / (max(dof, 1) * max(max_nfev, 1)), 1e-8, 1e-6))


ALPHA_BOUNDS = (0.4, 1.0)
CONDITION_LIMIT = 1e10
MAX_NFEV = 1000
"""Default cap on residual evaluations of one fit. A well-posed fit converges in tens of evaluations (a
100-spectrum series in ~10-30); one that reaches the cap is stopped and flagged, never run on for 10,000
iterations (scipy's default cap is 100 per parameter)."""
LSMR_OPTIONS = {"atol": 1e-9, "btol": 1e-9, "maxiter": 100}
"""LSMR settings of the sparse path's fallback (scipy's trf with LSMR steps, :func:`_sparse_solve`). At scipy's
default tolerance (1e-6) the steps are inexact enough that trf takes 2-4x the iterations and stops ~5e-4 (in ln R,
ln tau) from the dense path's optimum; at 1e-9 it ends within ~6e-5 of it; ``maxiter`` bounds the cost of a step."""
RACE_MIN_NFEV = 25
"""The fewest residual evaluations scipy's trf gets in the race of the block-sparse path (:func:`_sparse_solve`),
whatever the block search took: a block search that stops after a few evaluations from a poor start would otherwise
leave trf too few to get ahead (the review's four rescued series were ahead after 5-6; this is four times that, at
~20 ms an evaluation for a 40-spectrum series)."""
DENSE_MAX_SPECTRA = 12
"""``jacobian="auto"``: series of up to this many spectra use the dense Jacobian and the exact (SVD) trust-region
solver, as before; longer series a block-sparse Jacobian and :mod:`eisrecipe.methods.block_lm`'s steps, whose cost
per iteration grows linearly with the number of spectra (the dense SVD grows with its cube). Results of the two
agree to the optimiser's tolerance, not bit for bit, so the small series of a typical cell (and every
validation-matrix cell and the case study, 4-10 pressures) keep their numbers. The block solver is faster from 5
spectra on as well (``bench/fit.py``); lowering this limit would move those numbers by ~1e-6 and was not measured on
the matrix."""
TAU_REPAIR_FACTOR = 1.5
"""Starting taus that are equal or out of order are nudged apart: each to at least this factor above the one before
(the factor :func:`eisrecipe.methods.starts.seeded_start` has always used for merged DRT groups)."""


@dataclass(frozen=True)
class Start:
    """Starting values of one spectrum's model (physical units).

    Attributes
    ----------
    r
        Resistance per element (unit of Z); for a series CPE element its Q (F s^(alpha-1), per area for
        area-specific data).
    tau_s
        Time constant per element, s (ascending over the parallel elements; ignored for a series CPE).
    alpha
        CPE exponent per element (ignored for RC elements; default 0.9 for R-CPE).
    r_inf
        Series resistance start.
    inductance
        Series inductance start (unit of Z x s).
    """

    r: Sequence[float]
    tau_s: Sequence[float]
    alpha: Sequence[float] | None = None
    r_inf: float = 1e-3
    inductance: float = 1e-9

    def vector(self, model: SeriesModel) -> FloatArray:
        """Parameter vector for ``model``."""
        alpha = self.alpha if self.alpha is not None else [0.9] * len(self.r)
        return model.pack(self.r, self.tau_s, alpha, self.r_inf, self.inductance)


@dataclass(frozen=True)
class ElementFit:
    """Fitted values of one element in one spectrum (units of the data: ohm cm^2, F cm^-2, s).

    For a series (blocking) CPE element, ``r`` and ``tau_s`` are NaN and ``c`` holds its Q in F s^(alpha-1)
    cm^-2 (the capacitance itself for alpha = 1).
    """

    spectrum: str
    element: str
    kind: str
    r: float
    r_stderr: float
    tau_s: float
    tau_stderr_s: float
    c: float
    c_stderr: float
    alpha: float
    alpha_stderr: float
    shared: bool

    def to_dict(self) -> dict[str, Any]:
        """Row of ``fits.csv`` (DESIGN.md column names)."""
        return {
            "spectrum": self.spectrum,
            "element": self.element,
            "kind": self.kind,
            "r_ohm_cm2": self.r,
            "r_stderr_ohm_cm2": self.r_stderr,
            "c_f_cm2": self.c,
            "c_stderr_f_cm2": self.c_stderr,
            "tau_s": self.tau_s,
            "tau_stderr_s": self.tau_stderr_s,
            "alpha": self.alpha,
            "alpha_stderr": self.alpha_stderr,
            "shared": self.shared,
        }


@dataclass(frozen=True, eq=False)
class SeriesFit:
    """Result of a joint fit of one or more spectra (a single-spectrum fit is a series of one).

    Attributes
    ----------
    models
        The circuit of each spectrum.
    spectra
        Spectrum names in fit order.
    shared
        Element names shared by all spectra.
    x
        Global parameter vector (shared block first, then each spectrum's own block).
    param_names
        Names of the global parameters (``<spectrum>:<param>`` for per-spectrum ones).
    covariance
        Covariance of ``x`` (inf on the diagonal for undetermined directions).
    elements
        Fitted element values per spectrum, in spectrum then model order.
    r_inf, inductance
        Per spectrum (0 when not fitted), with standard errors.
    residuals
        Per spectrum, relative complex residuals (Z_model - Z_data)/|Z_data|.
    chi2
        Weighted sum of squared residuals.
    dof
        Degrees of freedom m - n.
    ok
        Converged, not degenerate, nothing on a bound.
    flags
        Reasons when not ``ok`` (empty otherwise).
    notes
        What the fit changed on its way that does not make it fail: starting taus that were equal or out of order
        and were nudged apart.
    nfev
        Residual evaluations the optimiser used (the cap is ``max_nfev`` of :func:`fit_series`).
    jacobian
        ``"dense"`` (exact SVD trust-region steps) or ``"sparse"`` (block-sparse Jacobian, block Levenberg-Marquardt
        steps).
    chi2_by_spectrum
        Per spectrum, its part of ``chi2``.
    """

    models: tuple[SeriesModel, ...]
    spectra: tuple[str, ...]
    shared: tuple[str, ...]
    x: FloatArray
    param_names: tuple[str, ...]
    covariance: np.ndarray
    elements: tuple[ElementFit, ...]
    r_inf: dict[str, tuple[float, float]]
    inductance: dict[str, tuple[float, float]]
    residuals: dict[str, ComplexArray]
    chi2: float
    dof: int
    ok: bool
    flags: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = field(default_factory=tuple)
    nfev: int = 0
    jacobian: str = "dense"
    #: per spectrum, its part of ``chi2`` (the weighted squared residuals of its points)
    chi2_by_spectrum: dict[str, float] = field(default_factory=dict)

    @property
    def failures(self) -> tuple[str, ...]:
        """``flags`` less those of R-CPE exponents that ended at 1 (:data:`ALPHA_AT_ONE`: an ideal RC element is
        no failed fit)."""
        return tuple(f for f in self.flags if not f.endswith(ALPHA_AT_ONE))

    @property
    def stderr(self) -> FloatArray:
        """Standard errors of ``x``."""
        return np.sqrt(np.clip(np.diag(self.covariance), 0, np.inf))

    @property
    def correlation(self) -> np.ndarray:
        """Correlation matrix of ``x`` (NaN where an error is infinite or zero)."""
        s = self.stderr
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = self.covariance / np.outer(s, s)
        corr[~np.isfinite(corr)] = np.nan
        return corr

    @property
    def reduced_chi2(self) -> float:
        """chi2 / dof."""
        return self.chi2 / max(self.dof, 1)

    def spectrum_vector(self, spectrum: str) -> tuple[SeriesModel, FloatArray]:
        """The model of ``spectrum`` and its fitted parameter vector in that model's order (shared parameters under
        their bare names, the spectrum's own ones as ``<spectrum>:<param>``)."""
        model = self.models[self.spectra.index(spectrum)]
        names = list(self.param_names)
        own = [f"{spectrum}:{p}" if f"{spectrum}:{p}" in names else p for p in model.param_names]
        return model, np.array([self.x[names.index(p)] for p in own])

    def element(self, spectrum: str, name: str) -> ElementFit:
        """The fit of element ``name`` in ``spectrum``."""
        for e in self.elements:
            if e.spectrum == spectrum and e.element == name:
                return e
        raise KeyError(f"no element {name!r} for spectrum {spectrum!r}")

    def scaled(self, names: Sequence[str], factor: float) -> SeriesFit:
        """The same fit with the elements ``names`` reported for ``factor`` identical elements in series: R and its
        error divided by ``factor``, C and its error multiplied (tau and alpha unchanged; the parameter vector and
        covariance stay those of the whole circuit). A symmetric cell's two equal interfaces give ``factor = 2``."""
        elements = tuple(
            replace(e, r=e.r / factor, r_stderr=e.r_stderr / factor, c=e.c * factor, c_stderr=e.c_stderr * factor)
            if e.element in names
            else e
            for e in self.elements
        )
        return replace(self, elements=elements)

    def max_relative_residual(self, spectrum: str) -> float:
        """Largest |relative residual| (real or imaginary part) of one spectrum (:func:`largest_residual`)."""
        return largest_residual(self.residuals[spectrum])

    def max_local_misfit(self, spectrum: str) -> float:
        """:func:`local_misfit` of one spectrum: how far the model misses it over a stretch (relative to |Z|)."""
        return local_misfit(self.residuals[spectrum])

    def to_frame(self) -> pd.DataFrame:
        """``fits.csv`` rows: one per spectrum and element, with fit quality per spectrum.

        Series terms repeat on each of a spectrum's rows: ``r_inf_ohm_cm2`` and ``l_h_cm2`` (series inductance,
        H cm^2 for area-specific data) with their standard errors, 0 where the model has no such term.
        """
        import pandas as pd

        rows = []
        for e in self.elements:
            row = e.to_dict()
            row["r_inf_ohm_cm2"], row["r_inf_stderr_ohm_cm2"] = self.r_inf[e.spectrum]
            row["l_h_cm2"], row["l_stderr_h_cm2"] = self.inductance[e.spectrum]
            row["max_rel_residual"] = self.max_relative_residual(e.spectrum)
            row["max_local_misfit"] = self.max_local_misfit(e.spectrum)
            row["reduced_chi2"] = self.reduced_chi2
            row["fit_ok"] = self.ok
            row["flags"] = "; ".join(self.flags)
            rows.append(row)
        return pd.DataFrame(rows)


def residual_weights(z: ComplexArray, weighting: Weighting) -> tuple[FloatArray, FloatArray]:
    """Weights of the real and imaginary residuals (1/ohm cm^2 for ``modulus`` and ``proportional``)."""
    mod = np.abs(z)
    if weighting == "modulus":
        return 1.0 / mod, 1.0 / mod
    if weighting == "proportional":
        floor = 0.01 * mod
        return 1.0 / np.maximum(np.abs(z.real), floor), 1.0 / np.maximum(np.abs(z.imag), floor)
    if weighting == "unit":
        one = np.ones_like(mod)
        return one, one
    raise ValueError(f"weighting must be 'modulus', 'proportional' or 'unit', got {weighting!r}")


def repair_taus(taus: Sequence[float]) -> tuple[list[float], str]:
    """Starting taus made strictly ascending by nudging, never by reordering (the order is the elements' identity).

    Parameters
    ----------
    taus
        Starting time constants of the parallel elements in model order, s (finite, > 0).

    Returns
    -------
    taus, note
        Each tau raised to at least :data:`TAU_REPAIR_FACTOR` times the one before; ``note`` says what changed
        (empty when nothing did).

    Raises
    ------
    ValueError
        For a tau that is not finite and positive (no order can be made from it).
    """
    out = [float(t) for t in taus]
    if not all(np.isfinite(t) and t > 0 for t in out):
        raise ValueError(f"starting taus must be finite and positive, got {list(taus)}")
    for k in range(1, len(out)):
        if out[k] <= out[k - 1]:
            out[k] = out[k - 1] * TAU_REPAIR_FACTOR
    if out == [float(t) for t in taus]:
        return out, ""
    return out, (
        f"starting taus {[f'{t:.3g}' for t in taus]} s were not strictly ascending; nudged apart to "
        f"{[f'{t:.3g}' for t in out]} s (x{TAU_REPAIR_FACTOR:g} steps)"
    )


def _repaired_start(model: SeriesModel, start: Start) -> tuple[Start, str]:
    """``start`` with the parallel elements' taus strictly ascending (:func:`repair_taus`), and the note."""
    parallel = [k for k, e in enumerate(model.elements) if e.parallel]
    if len(parallel) < 2:
        return start, ""
    fixed, note = repair_taus([start.tau_s[k] for k in parallel])
    if not note:
        return start, ""
    taus = list(start.tau_s)
    for k, t in zip(parallel, fixed, strict=True):
        taus[k] = t
    return replace(start, tau_s=taus), note


def _tau_bounds(taus: Sequence[float]) -> list[tuple[float, float]]:
    """ln tau bounds: between geometric midpoints of neighbouring starting taus (open at the ends); the taus must be
    strictly ascending (:func:`repair_taus` makes them so)."""
    lt = np.log(np.asarray(taus, dtype=float))
    if np.any(np.diff(lt) <= 0):
        raise ValueError(f"starting taus must be strictly ascending, got {list(taus)}")
    mids = (lt[1:] + lt[:-1]) / 2
    lo = np.r_[-np.inf, mids]
    hi = np.r_[mids, np.inf]
    return list(zip(lo, hi, strict=True))


UNORDERED_CROSSING = 10.0
"""How far below the starting tau of the element before it an unordered element's tau may go (a factor; a decade:
:attr:`eisrecipe.methods.circuits.SeriesModel.unordered`)."""


def _local_bounds(model: SeriesModel, start: Start) -> tuple[FloatArray, FloatArray]:
    lo = np.full(model.n_params, -np.inf)
    hi = np.full(model.n_params, np.inf)
    parallel = [k for k, e in enumerate(model.elements) if e.parallel]
    taus = dict(zip(parallel, _tau_bounds([start.tau_s[k] for k in parallel]), strict=True)) if parallel else {}
    for n, k in enumerate(parallel[1:], start=1):
        if model.elements[k].name in model.unordered:
            # an unordered element may cross the element before it, by up to UNORDERED_CROSSING below that one's
            # start, not into the place of the one before that; the element before it keeps its own bounds
            before = parallel[n - 1]
            taus[k] = (max(taus[before][0], np.log(start.tau_s[before] / UNORDERED_CROSSING)), taus[k][1])
    slices = model.slices()
    for k, e in enumerate(model.elements):
        sl = slices[e.name]
        if e.kind == "CPE":
            lo[sl.start + 1], hi[sl.start + 1] = ALPHA_BOUNDS
            continue
        lo[sl.start + 1], hi[sl.start + 1] = taus[k]
        if e.kind == "RCPE":
            lo[sl.start + 2], hi[sl.start + 2] = ALPHA_BOUNDS
    return lo, hi


ALPHA_AT_ONE = "ended on its upper bound 1 (an ideal RC element)"
"""The flag of an R-CPE exponent that ended at its upper bound: the element is an ideal RC, which is no failure
(:attr:`SeriesFit.failures` leaves it out); an exponent at its lower bound is ``ended on its bound``."""

R_INF_NEGATIVE = "is negative"
"""The words of the flag of a significantly negative R_inf (:data:`R_INF_NEGATIVE_Z`)."""

SERIES_TERM_LIMIT = 10.0
R_INF_NEGATIVE_Z = 3.0
"""A fitted R_inf below -3 standard errors is flagged: a negative series resistance beyond noise means the model
misses high-frequency structure (e.g. an inductance or an arc above the window)."""


def _series_bounds(model: SeriesModel, omega: FloatArray, z: ComplexArray, lo: FloatArray, hi: FloatArray) -> None:
    """Bounds of R_inf and ln L from the data (in place).

    |R_inf| <= 10 max|Z| and omega_max L <= 10 max|Z|: a series term ten times larger than the whole spectrum
    cannot be what the data show (a fit ending there is flagged). Without the L bound a series term the data
    barely determine (dZ/d ln L -> 0 as L -> 0) gets huge trial steps under ``x_scale="jac"`` and exp() overflows.
    R_inf may go negative within these bounds: a series resistance that is zero within its error must be free to
    scatter below zero, or its covariance with the bulk resistance is lost (:data:`R_INF_NEGATIVE_Z` flags a
    significantly negative one).
    """
    zmax = float(np.max(np.abs(z)))
    i = 0
    if model.r_inf:
        lo[i], hi[i] = -SERIES_TERM_LIMIT * zmax, SERIES_TERM_LIMIT * zmax
        i += 1
    if model.inductance:
        hi[i] = np.log(SERIES_TERM_LIMIT * zmax / float(np.max(omega)))


OBSERVABLE_DECADES = 4.0
"""How far outside the measured window (decades of tau beyond 1/omega_max and 1/omega_min) an RC element's time
constant may go in a fit; an R-CPE's margin is this divided by the smallest exponent, 0.4
(:func:`_observable_bounds`)."""
OBSERVABLE_FLOOR = 1e-6
"""Smallest element R (and lead reactance omega_max L), relative to the largest |Z| of the spectrum (resp. |Z| at the
highest frequency), a fit may reach (:func:`_observable_bounds`)."""
OBSERVABLE_BOUND = "ended on its bound (observable range: the data cannot resolve it)"
"""The flag of a parameter that ended on a bound of :func:`_observable_bounds`."""
SERIES_LIMIT = "ended on its bound (series-term limit: 10 x the largest |Z|)"
"""The flag of R_inf or ln L that ended on a bound of :func:`_series_bounds`."""


def _observable_bounds(model: SeriesModel, omega: FloatArray, z: ComplexArray, lo: FloatArray, hi: FloatArray) -> None:
    """Bounds of what a spectrum can show at all (in place, where tighter than those already set).

    - a parallel element's ln R >= ln(:data:`OBSERVABLE_FLOOR` x max|Z|) and <= ln(10 max|Z|) (as the series terms);
    - its ln tau within :data:`OBSERVABLE_DECADES` decades of the window [1/omega_max, 1/omega_min] for an RC, that
      divided by the smallest CPE exponent (0.4: 10 decades) for an R-CPE (intersected with the element-order bounds;
      left to those where the two do not overlap);
    - ln L >= ln(:data:`OBSERVABLE_FLOOR` x |Z(omega_max)| / omega_max): a lead reactance below 1e-6 of |Z| at the
      top frequency.

    What an element beyond them adds to the spectrum: below the R floor, less than 1e-6 of |Z|. With tau above the
    window (faster) it is a resistor in series - its R stays visible as an offset, but its tau, and its split from
    R_inf, only through a tail of relative size (omega tau)^alpha <= 1e-4 at the top frequency (the margin divided by
    alpha keeps that true for an R-CPE, whose tail decays as (omega tau)^alpha). With tau below the window (slower) it
    is a capacitor-like branch of |Z| ~ R (omega tau)^-alpha <= 1e-4 x 10 max|Z| = 1e-3 max|Z| at the lowest
    frequency. Both are at or below the instrument floor of 1e-3 of |Z|. Without the bounds such a parameter is a
    direction along which the cost keeps falling a little - an unresolved element's R towards 0, a phantom's tau out
    of the window, L towards 0 - and trf crawled along it to the iteration cap (measured on a replica of a matrix
    cell: ln R -> -480, ln tau -> 690, ln L -> -3400 after 1000 evaluations). A fit ending on one of them is flagged
    (:data:`OBSERVABLE_BOUND`, a failure: such a spectrum leaves Step 7 rather than biasing it); an element ending
    there is unresolved (its error is large) and the pruning drops it. A shared element gets the bounds of the first
    spectrum holding it, as for the element-order bounds.
    """
    zmax = float(np.max(np.abs(z)))
    w_max, w_min = float(np.max(omega)), float(np.min(omega))
    i = int(model.r_inf)
    if model.inductance:
        z_top = float(np.abs(z[int(np.argmax(omega))]))
        lo[i] = max(lo[i], np.log(OBSERVABLE_FLOOR * z_top / w_max))
    slices = model.slices()
    for element in model.elements:
        if not element.parallel:
            continue
        margin = OBSERVABLE_DECADES * np.log(10.0) / (ALPHA_BOUNDS[0] if element.kind == "RCPE" else 1.0)
        k_r, k_t = slices[element.name].start, slices[element.name].start + 1
        lo[k_r] = max(lo[k_r], np.log(OBSERVABLE_FLOOR * zmax))
        hi[k_r] = min(hi[k_r], np.log(SERIES_TERM_LIMIT * zmax))
        new_lo, new_hi = max(lo[k_t], -np.log(w_max) - margin), min(hi[k_t], -np.log(w_min) + margin)
        if new_lo < new_hi:
            lo[k_t], hi[k_t] = new_lo, new_hi


def fit_series(
    frequency_hz: Sequence[FloatArray],
    impedance: Sequence[ComplexArray],
    model: SeriesModel | Sequence[SeriesModel],
    starts: Sequence[Start],
    *,
    names: Sequence[str] | None = None,
    shared: Sequence[str] = (),
    weighting: Weighting = "modulus",
    max_nfev: int = MAX_NFEV,
    jacobian: JacobianMode = "auto",
    trf_race: bool = True,
) -> SeriesFit:
    """Fit several spectra at once, sharing the elements named in ``shared``.

    Parameters
    ----------
    frequency_hz, impedance
        Per spectrum: frequencies (Hz) and complex impedance (ohm or ohm cm^2; Z'' < 0 capacitive).
    model
        One series model for all spectra, or one per spectrum (elements in ascending tau order). Per-spectrum
        models let an element be absent where its signal has gone (e.g. a constriction arc at full contact); an
        element present in several spectra is the same kind in each.
    starts
        Per spectrum starting values (for a shared element, the first spectrum holding it starts the fit).
    names
        Spectrum names (default ``"0"``, ``"1"`` ...).
    shared
        Element names whose parameters are common to all spectra that hold them.
    weighting
        ``"modulus"``, ``"proportional"`` or ``"unit"``.
    max_nfev
        Cap on residual evaluations (default :data:`MAX_NFEV`); a fit that reaches it is flagged (``ok`` False,
        the reason in ``flags``) with the values of its last iterate.
    jacobian
        ``"dense"``: dense Jacobian, exact (SVD) trust-region steps, cost per iteration ~ (number of spectra)^3;
        ``"sparse"``: block-sparse Jacobian and exact block steps (:mod:`eisrecipe.methods.block_lm`), cost per
        iteration ~ number of spectra; ``"auto"``
        (default): dense up to :data:`DENSE_MAX_SPECTRA` spectra, sparse above. Standard errors come from the
        same SVD either way (for ``"sparse"`` of the triangular factor of a block QR of the Jacobian, which has
        the Jacobian's singular values).
    trf_race
        Sparse path only: where the block search's end point is flagged, race scipy's trf from the same start and
        keep the lower cost (:func:`_sparse_solve`; its guard against another basin from a poor start). False for
        a caller to which a worse basin does no harm (Step 4's element beside the GB: it is then not added).

    Starting taus of a spectrum's parallel elements that are equal or out of order are nudged apart
    (:func:`repair_taus`) and the repair is reported in ``notes``.

    Returns
    -------
    SeriesFit
        Parameters with standard errors, residuals, quality flags.
    """
    n_spec = len(frequency_hz)
    if not (n_spec == len(impedance) == len(starts)) or n_spec == 0:
        raise ValueError("need one frequency array, impedance array and start per spectrum (at least one)")
    models = [model] * n_spec if isinstance(model, SeriesModel) else list(model)
    if len(models) != n_spec:
        raise ValueError(f"{len(models)} models for {n_spec} spectra")
    names = tuple(names) if names is not None else tuple(str(i) for i in range(n_spec))
    all_names = {n for m in models for n in m.names}
    unknown = set(shared) - all_names
    if unknown:
        raise ValueError(f"shared elements {sorted(unknown)} are in no model ({sorted(all_names)})")
    kinds: dict[str, str] = {}
    for m in models:
        for e in m.elements:
            if kinds.setdefault(e.name, e.kind) != e.kind:
                raise ValueError(f"element {e.name!r} has different kinds across spectra")

    omegas = [2 * np.pi * np.asarray(f, dtype=float) for f in frequency_hz]
    data = [np.asarray(z, dtype=complex) for z in impedance]

    # global layout: one slot per shared parameter name, one per (spectrum, own parameter)
    slot: dict[object, int] = {}
    index: list[np.ndarray] = []
    x0_list: list[float] = []
    lo_list: list[float] = []
    hi_list: list[float] = []
    param_names: list[str] = []
    notes: list[str] = []
    series_cpe_alpha: list[bool] = []  # a series CPE's exponent: 1 is the ideal capacitor, not a bound to flag
    observable_lo: list[bool] = []  # the bound is one of _observable_bounds (for the flag's words)
    observable_hi: list[bool] = []
    for j, m in enumerate(models):
        start_j, note = _repaired_start(m, starts[j])
        if note:
            notes.append(f"{names[j]}: {note}")
        xj = start_j.vector(m)
        lj, hj = _local_bounds(m, start_j)
        _series_bounds(m, omegas[j], data[j], lj, hj)
        lj0, hj0 = lj.copy(), hj.copy()
        _observable_bounds(m, omegas[j], data[j], lj, hj)
        obs_lo, obs_hi = lj != lj0, hj != hj0
        shared_params = {p for e in m.elements if e.name in shared for p in e.param_names}
        cpe_alphas = {f"{e.name}.alpha" for e in m.elements if e.kind == "CPE"}
        idx = []
        for k, pname in enumerate(m.param_names):
            key: object = pname if pname in shared_params else (j, pname)
            if key not in slot:
                slot[key] = len(x0_list)
                x0_list.append(xj[k])
                lo_list.append(lj[k])
                hi_list.append(hj[k])
                param_names.append(pname if pname in shared_params else f"{names[j]}:{pname}")
                series_cpe_alpha.append(pname in cpe_alphas)
                observable_lo.append(bool(obs_lo[k]))
                observable_hi.append(bool(obs_hi[k]))
            idx.append(slot[key])
        index.append(np.asarray(idx, dtype=int))
    n_global = len(x0_list)
    lo, hi = np.asarray(lo_list), np.asarray(hi_list)
    x0 = np.clip(
        np.asarray(x0_list), np.where(np.isfinite(lo), lo + 1e-9, lo), np.where(np.isfinite(hi), hi - 1e-9, hi)
    )
    moved = [
        param_names[g]
        for g in np.flatnonzero(np.abs(x0 - np.asarray(x0_list)) > 1e-6)
        if observable_lo[g] or observable_hi[g]
    ]
    if moved:
        notes.append(f"starting values moved into the fit's bounds (observable range): {', '.join(moved)}")

    weights = [residual_weights(z, weighting) for z in data]
    sizes = [2 * z.size for z in data]
    offsets = np.r_[0, np.cumsum(sizes)]
    if jacobian not in ("auto", "dense", "sparse"):
        raise ValueError(f"jacobian must be 'auto', 'dense' or 'sparse', got {jacobian!r}")
    sparse = jacobian == "sparse" or (jacobian == "auto" and n_spec > DENSE_MAX_SPECTRA)

    def residual(x: FloatArray) -> FloatArray:
        out = np.empty(offsets[-1])
        for j in range(n_spec):
            d = models[j].impedance(omegas[j], x[index[j]]) - data[j]
            n = data[j].size
            out[offsets[j] : offsets[j] + n] = d.real * weights[j][0]
            out[offsets[j] + n : offsets[j + 1]] = d.imag * weights[j][1]
        return out

    def blocks(x: FloatArray) -> list[np.ndarray]:
        """Per spectrum: the weighted real Jacobian block, rows (real parts, imaginary parts) x its own slots."""
        out = []
        for j in range(n_spec):
            jl = models[j].jacobian(omegas[j], x[index[j]])
            out.append(np.vstack((jl.real * weights[j][0][:, None], jl.imag * weights[j][1][:, None])))
        return out

    def dense_jacobian(x: FloatArray) -> np.ndarray:
        jac = np.zeros((offsets[-1], n_global))
        for j, b in enumerate(blocks(x)):
            jac[offsets[j] : offsets[j + 1], index[j]] = b
        return jac

    if sparse:
        stacked = _Stacked(models, omegas, data, weights, index)

    # one BLAS thread: trf takes an SVD of the (few hundred x few tens) Jacobian per iteration, and threaded BLAS
    # on such small matrices only adds synchronisation - on a loaded machine up to ~70 ms per SVD instead of
    # ~1 ms (measured; the same cure as the DRT's, :func:`eisrecipe.methods.drt._one_blas_thread`)
    # a trial step far out along an ill-determined direction overflows exp(); trf answers a non-finite cost by
    # shrinking its trust region, so the overflow is part of the search, not a fault to warn about
    ftol = cost_tolerance(offsets[-1] - x0.size, max_nfev)
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if sparse:
            bound_is_fine = np.array([n.endswith(".alpha") for n in param_names]) | np.asarray(series_cpe_alpha)
            sol, cov_and_degenerate = _sparse_solve(
                stacked, index, x0, lo, hi, bound_is_fine, max_nfev, ftol, trf_race=trf_race
            )
        else:
            sol = least_squares(
                residual,
                x0,
                jac=dense_jacobian,
                bounds=(lo, hi),
                method="trf",
                x_scale="jac",
                max_nfev=max_nfev,
                ftol=ftol,
            )
    flags: list[str] = []
    if sol.status == 0:
        flags.append(
            f"iteration cap: stopped after {sol.nfev} residual evaluations (max_nfev = {max_nfev}) without "
            "converging; the values are those of the last iterate"
        )
    elif sol.status < 0:
        flags.append(f"optimiser did not converge: {sol.message}")
    m = offsets[-1]
    dof = m - n_global
    chi2 = float(np.sum(sol.fun**2))
    with one_blas_thread():
        if sparse:
            cov, degenerate = cov_and_degenerate
        else:
            cov, degenerate = _covariance(sol.jac, chi2 / max(dof, 1))
    if degenerate:
        flags.append(f"degenerate: Jacobian condition number above {CONDITION_LIMIT:g} ({degenerate})")
    if dof <= 0:
        flags.append(f"more parameters ({n_global}) than data ({m})")
    at_lo, at_hi = _at_bounds(sol.x, lo, hi, np.asarray(series_cpe_alpha, dtype=bool))
    on_bound = at_lo | at_hi
    observable = (at_lo & np.asarray(observable_lo, dtype=bool)) | (at_hi & np.asarray(observable_hi, dtype=bool))
    flags += [
        f"{param_names[g]} {ALPHA_AT_ONE}"
        if at_hi[g] and param_names[g].endswith(".alpha")
        else f"{param_names[g]} {OBSERVABLE_BOUND}"
        if observable[g]
        else f"{param_names[g]} {SERIES_LIMIT}"
        if param_names[g].rsplit(":", 1)[-1] in ("r_inf", "ln_l")
        else f"{param_names[g]} ended on its bound (element order / CPE range)"
        for g in np.flatnonzero(on_bound)
    ]

    stderr = np.sqrt(np.clip(np.diag(cov), 0, np.inf))
    elements: list[ElementFit] = []
    r_inf: dict[str, tuple[float, float]] = {}
    ind: dict[str, tuple[float, float]] = {}
    for j in range(n_spec):
        xs, cs = sol.x[index[j]], cov[np.ix_(index[j], index[j])]
        ss = stderr[index[j]]
        model_j = models[j]
        slices = model_j.slices()
        k = 0
        if model_j.r_inf:
            r_inf[names[j]] = (float(xs[k]), float(ss[k]))
            k += 1
        else:
            r_inf[names[j]] = (0.0, 0.0)
        if model_j.inductance:
            ind[names[j]] = (float(np.exp(xs[k])), _scaled(np.exp(xs[k]), ss[k]))
        else:
            ind[names[j]] = (0.0, 0.0)
        for e in model_j.elements:
            sl = slices[e.name]
            if e.kind == "CPE":
                q = float(np.exp(xs[sl.start]))
                elements.append(
                    ElementFit(
                        spectrum=names[j],
                        element=e.name,
                        kind=e.kind,
                        r=np.nan,
                        r_stderr=np.nan,
                        tau_s=np.nan,
                        tau_stderr_s=np.nan,
                        c=q,
                        c_stderr=_scaled(q, ss[sl.start]),
                        alpha=float(xs[sl.start + 1]),
                        alpha_stderr=float(ss[sl.start + 1]),
                        shared=e.name in shared,
                    )
                )
                continue
            i_r, i_t = sl.start, sl.start + 1
            r, tau = float(np.exp(xs[i_r])), float(np.exp(xs[i_t]))
            block = cs[np.ix_([i_r, i_t], [i_r, i_t])]
            var_ln_c = block[1, 1] + block[0, 0] - 2 * block[0, 1] if np.isfinite(block).all() else np.inf
            c = tau / r if r > 0 else np.inf
            alpha, alpha_err = (float(xs[sl.start + 2]), float(ss[sl.start + 2])) if e.kind == "RCPE" else (1.0, 0.0)
            elements.append(
                ElementFit(
                    spectrum=names[j],
                    element=e.name,
                    kind=e.kind,
                    r=r,
                    r_stderr=_scaled(r, ss[i_r]),
                    tau_s=tau,
                    tau_stderr_s=_scaled(tau, ss[i_t]),
                    c=c,
                    c_stderr=float(c * np.sqrt(max(var_ln_c, 0.0))) if np.isfinite(var_ln_c) else np.inf,
                    alpha=alpha,
                    alpha_stderr=alpha_err,
                    shared=e.name in shared,
                )
            )
    flags += [
        f"{name}: R_inf = {v:.3g} +/- {e:.2g} {R_INF_NEGATIVE} beyond {R_INF_NEGATIVE_Z:g} standard errors"
        for name, (v, e) in r_inf.items()
        if v < -R_INF_NEGATIVE_Z * e
    ]
    residuals = {
        names[j]: (models[j].impedance(omegas[j], sol.x[index[j]]) - data[j]) / np.abs(data[j]) for j in range(n_spec)
    }
    return SeriesFit(
        models=tuple(models),
        spectra=names,
        shared=tuple(shared),
        x=sol.x,
        param_names=tuple(param_names),
        covariance=cov,
        elements=tuple(elements),
        r_inf=r_inf,
        inductance=ind,
        residuals=residuals,
        chi2=chi2,
        chi2_by_spectrum={names[j]: float(np.sum(sol.fun[offsets[j] : offsets[j + 1]] ** 2)) for j in range(n_spec)},
        dof=dof,
        ok=not flags,
        flags=tuple(flags),
        notes=tuple(notes),
        nfev=int(sol.nfev),
        jacobian="sparse" if sparse else "dense",
    )


def _at_bounds(
    x: FloatArray, lo: FloatArray, hi: FloatArray, upper_exempt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which parameters ended on their lower and on their upper bound (within 1e-6 of the bounded span), the
    ``upper_exempt`` ones never on their upper bound."""
    span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    at_lo = np.isfinite(lo) & (x - lo < 1e-6 * span)
    at_hi = np.isfinite(hi) & (hi - x < 1e-6 * span) & ~upper_exempt
    return at_lo, at_hi


def _sparse_solve(
    stacked: _Stacked,
    index: Sequence[np.ndarray],
    x0: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    bound_is_fine: np.ndarray,
    max_nfev: int,
    ftol: float,
    trf_race: bool = True,
) -> tuple[Any, tuple[np.ndarray, str]]:
    """The block-sparse path's search: :func:`eisrecipe.methods.block_lm.block_least_squares` first, and where its
    end point would be flagged - not converged, a parameter on a bound (other than an exponent at 1:
    ``bound_is_fine``) or a degenerate Jacobian - also scipy's trf with LSMR steps from the same start, keeping the
    lower cost. Why: from poor starts the two searches can end in different minima; on 40 14-spectrum series
    started with ln R off by N(0, 1.6) and ln tau by N(0, 1), trf found chi2 ~0.04 in all, the block search alone
    ended 40-250x higher in 4 (each of them flagged) - the fallback keeps them.

    The fallback races the block search on an equal budget: trf first gets as many residual evaluations as the block
    search took (at least :data:`RACE_MIN_NFEV`), and is run to its end (again from the same start, so its end point
    is that of one uninterrupted run) only where it already stands below the block search's cost by then. Why: a
    flag alone does not mean another basin - an element held on its order bound, where it merges into a neighbour,
    is a flagged end point too (Step 4's element beside the GB, :func:`eisrecipe.recipe.steps_3_6.beside_gb`, on a
    30-spectrum bench cell: 18 trf runs of 32-476 evaluations at ~20 ms each, 96 of the fit's 100 s, each ending at
    or above the block search's cost). In the four rescued series above trf was below the block search's cost after
    5-6 evaluations, the block search having taken 30-123.

    Without ``trf_race`` the block search's end point stands as it is.

    Returns the solution and its (covariance, degenerate) from :func:`_block_covariance`.

    Raises
    ------
    ValueError
        Where the residuals are not finite at the start (as scipy's ``least_squares`` does on the dense path).
    """
    problem = BlockProblem(stacked.residual, stacked.blocks, stacked.block_residual, index)
    sol = block_least_squares(problem, x0, lo, hi, max_nfev=max_nfev, ftol=ftol)
    if sol.status == -1 and sol.nfev == 1:
        raise ValueError("Residuals are not finite in the initial point.")

    def covariance(s: Any) -> tuple[np.ndarray, str]:
        dof = max(s.fun.size - x0.size, 1)
        return _block_covariance(stacked.blocks(s.x), index, x0.size, float(np.sum(s.fun**2)) / dof)

    found = covariance(sol)
    at_lo, at_hi = _at_bounds(sol.x, lo, hi, bound_is_fine)
    if not trf_race or (sol.status > 0 and not (at_lo | at_hi).any() and not found[1]):
        return sol, found
    cost = float(np.sum(sol.fun**2))

    def trf(budget: int) -> Any:
        return least_squares(
            stacked.residual,
            x0,
            jac=stacked.jacobian,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            tr_solver="lsmr",
            tr_options=LSMR_OPTIONS,
            max_nfev=budget,
            ftol=ftol,
        )

    def below(s: Any) -> bool:
        return bool(np.all(np.isfinite(s.fun))) and float(np.sum(s.fun**2)) < cost

    budget = min(max(int(sol.nfev), RACE_MIN_NFEV), max_nfev)
    other = trf(budget)
    if other.status == 0 and budget < max_nfev and below(other):  # ahead when stopped: run it to its end
        other = trf(max_nfev)
    if below(other):
        return other, covariance(other)
    return sol, found


class _Stacked:
    """Residuals and block-sparse Jacobian of a series, evaluated per group of spectra with the same model in one
    vectorised call (one parameter vector per frequency point) instead of one call per spectrum.

    Row order: per group, the real parts of all its points, then the imaginary parts; a row of spectrum j holds
    the slots ``index[j]`` (column order as in the model, not sorted).
    """

    def __init__(
        self,
        models: Sequence[SeriesModel],
        omegas: Sequence[FloatArray],
        data: Sequence[ComplexArray],
        weights: Sequence[tuple[FloatArray, FloatArray]],
        index: Sequence[np.ndarray],
    ) -> None:
        groups: dict[SeriesModel, list[int]] = {}
        for j, m in enumerate(models):
            groups.setdefault(m, []).append(j)
        self.groups = list(groups.items())
        self.index = index
        self.omega, self.data, self.w_re, self.w_im, self.gather = [], [], [], [], []
        indices, row_nnz = [], []
        self.where: dict[int, tuple[int, int, int]] = {}  # spectrum -> (group, first point, last point + 1)
        self.row0 = [0]
        for g, (_, members) in enumerate(self.groups):
            counts = np.array([omegas[j].size for j in members])
            starts = np.r_[0, np.cumsum(counts)]
            for k, j in enumerate(members):
                self.where[j] = (g, int(starts[k]), int(starts[k + 1]))
            self.omega.append(np.concatenate([omegas[j] for j in members]))
            self.data.append(np.concatenate([data[j] for j in members]))
            self.w_re.append(np.concatenate([weights[j][0] for j in members]))
            self.w_im.append(np.concatenate([weights[j][1] for j in members]))
            per_point = np.repeat(np.stack([index[j] for j in members]), counts, axis=0)
            self.gather.append(per_point.T)
            indices += [per_point.ravel(), per_point.ravel()]
            row_nnz.append(np.full(2 * per_point.shape[0], per_point.shape[1]))
            self.row0.append(self.row0[-1] + 2 * per_point.shape[0])
        self.m = self.row0[-1]
        self.indices = np.concatenate(indices)
        self.indptr = np.r_[0, np.cumsum(np.concatenate(row_nnz))]

    def residual(self, x: FloatArray) -> FloatArray:
        """Weighted residuals (Z_model - Z_data) x weight, real then imaginary parts per group."""
        out = np.empty(self.m)
        for g, (model, _) in enumerate(self.groups):
            d = model.impedance(self.omega[g], x[self.gather[g]]) - self.data[g]
            n = d.size
            out[self.row0[g] : self.row0[g] + n] = d.real * self.w_re[g]
            out[self.row0[g] + n : self.row0[g + 1]] = d.imag * self.w_im[g]
        return out

    def _group_jacobians(self, x: FloatArray) -> list[np.ndarray]:
        out = []
        for g, (model, _) in enumerate(self.groups):
            jl = model.jacobian(self.omega[g], x[self.gather[g]])
            out.append(np.vstack((jl.real * self.w_re[g][:, None], jl.imag * self.w_im[g][:, None])))
        return out

    def jacobian(self, x: FloatArray) -> scipy.sparse.csr_matrix:
        """The block-sparse Jacobian of :meth:`residual` (CSR), for scipy's trf with LSMR steps."""
        values = np.concatenate([b.ravel() for b in self._group_jacobians(x)])
        return scipy.sparse.csr_matrix((values, self.indices, self.indptr), shape=(self.m, x.size))

    def block_residual(self, r: FloatArray) -> list[FloatArray]:
        """Per spectrum, its rows of :meth:`residual`'s ``r`` in the order of :meth:`blocks`' rows."""
        out = []
        for j in range(len(self.index)):
            g, a, b = self.where[j]
            n = self.omega[g].size
            first = self.row0[g]
            out.append(np.concatenate((r[first + a : first + b], r[first + n + a : first + n + b])))
        return out

    def blocks(self, x: FloatArray) -> list[np.ndarray]:
        """Per spectrum, its Jacobian rows (real parts, then imaginary parts) over its slots ``index[j]``."""
        jacs = self._group_jacobians(x)
        out = []
        for j in range(len(self.index)):
            g, a, b = self.where[j]
            n = self.omega[g].size
            out.append(np.vstack((jacs[g][a:b], jacs[g][n + a : n + b])))
        return out


def _scaled(value: float, rel: float) -> float:
    """Standard error of a log-parameter mapped to its value: value x sigma_ln (inf stays inf)."""
    return float(value * rel) if np.isfinite(rel) else np.inf


def _covariance(jac: np.ndarray, s2: float) -> tuple[np.ndarray, str]:
    """s^2 (J^T J)^-1 via SVD; infinite variance along directions the data do not determine."""
    n = jac.shape[1]
    if not np.isfinite(jac).all():
        return np.full((n, n), np.inf), "non-finite Jacobian"
    _, sv, vt = np.linalg.svd(jac, full_matrices=False)
    if sv.size == 0 or sv[0] == 0:
        return np.full((n, n), np.inf), "zero Jacobian"
    good = sv > sv[0] / CONDITION_LIMIT
    inv = (vt[good].T / sv[good] ** 2) @ vt[good]
    cov = s2 * inv
    if good.all():
        return cov, ""
    # undetermined directions: infinite variance for every parameter they touch
    touched = np.any(np.abs(vt[~good]) > 1e-3, axis=0)
    cov[touched, :] = np.inf
    cov[:, touched] = np.inf
    return cov, f"{int((~good).sum())} undetermined direction(s)"


def _block_covariance(
    blocks: Sequence[np.ndarray], index: Sequence[np.ndarray], n: int, s2: float
) -> tuple[np.ndarray, str]:
    """:func:`_covariance` of the block-sparse Jacobian without forming it: a block QR, then the SVD of its n x n
    triangular factor R (J = Q R has J's singular values and right singular vectors).

    Parameters
    ----------
    blocks
        Per spectrum, the weighted Jacobian rows over that spectrum's slots ``index[j]`` (dimensionless per unit
        of the parameters).
    index
        Per spectrum, the global slots of its parameters.
    n
        Number of global parameters.
    s2
        Residual variance estimate chi2 / dof.

    Notes
    -----
    Slots held by two or more spectra (the shared elements) are "common", the others "own". Each spectrum's rows
    touch only its own slots and the common ones, so QR of [own | common] per spectrum gives R_j = [[R_oo, R_oc],
    [0, R_cc_j]]; a QR of the stacked R_cc_j gives the common block. The cost is linear in the number of spectra up
    to the final SVD of R, O(n^3) with n the number of parameters (a few ms at n ~ 400).
    """
    if not all(np.isfinite(b).all() for b in blocks):
        return np.full((n, n), np.inf), "non-finite Jacobian"
    counts = np.bincount(np.concatenate(index), minlength=n)
    common = np.flatnonzero(counts > 1)
    c = common.size
    own = [i[counts[i] == 1] for i in index]
    perm = np.concatenate([*own, common]).astype(int)
    r_full = np.zeros((n, n))
    pos = {g: k for k, g in enumerate(perm)}
    row = 0
    tails = []
    for b, i, o in zip(blocks, index, own, strict=True):
        local = {g: k for k, g in enumerate(i)}
        a = np.zeros((b.shape[0], o.size + c))
        a[:, : o.size] = b[:, [local[g] for g in o]]
        for k, g in enumerate(common):
            if g in local:
                a[:, o.size + k] = b[:, local[g]]
        r = scipy.linalg.qr(a, mode="r", check_finite=False)[0]
        r = np.vstack((r, np.zeros((o.size + c - r.shape[0], o.size + c)))) if r.shape[0] < o.size + c else r
        cols = [pos[g] for g in o] + list(range(n - c, n))
        r_full[row : row + o.size, cols] = r[: o.size]
        tails.append(r[o.size : o.size + c, o.size :])
        row += o.size
    if c:
        r_cc = scipy.linalg.qr(np.vstack(tails), mode="r", check_finite=False)[0]
        r_full[n - c : n - c + min(r_cc.shape[0], c), n - c :] = r_cc[:c]
    cov_perm, degenerate = _covariance(r_full, s2)
    cov = np.empty_like(cov_perm)
    cov[np.ix_(perm, perm)] = cov_perm
    return cov, degenerate


def fit_spectrum(
    frequency_hz: FloatArray,
    impedance: ComplexArray,
    model: SeriesModel,
    start: Start,
    *,
    name: str = "0",
    weighting: Weighting = "modulus",
) -> SeriesFit:
    """Fit one spectrum (a series of one; see :func:`fit_series`)."""
    return fit_series([frequency_hz], [impedance], model, [start], names=[name], weighting=weighting)
