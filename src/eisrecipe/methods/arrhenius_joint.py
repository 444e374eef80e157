"""Joint Arrhenius fit of a temperature series: every spectrum at once, each R_i(T) on the Arrhenius law (Step 7).

RECIPE.md Step 7 names two routes to the activation energies. The two-stage route fits every spectrum on its own
(:mod:`eisrecipe.recipe.temperature`) and then ln(T/R) on 1/T (:mod:`eisrecipe.methods.arrhenius`); it fails where an
arc leaves the measured window (a bulk arc above the top frequency at high T, an interface arc below the bottom
frequency at low T), because that spectrum alone cannot pin the arc's R. This module is the stronger route: one
complex non-linear least-squares fit of all spectra in which, per element i present in the series,

- R_i(T) = T / A_i exp(Ea_i / (kB T)) (R in ohm cm^2, T in K; the convention of :mod:`eisrecipe.methods.arrhenius`,
  ln(T/R) = ln A - Ea/(kB T)), parametrised internally as ln R_i(T_ref) and Ea_i with 1/T_ref the mean 1/T of the
  series (centring removes the strong ln A - Ea correlation from the optimiser's view; ln A and its covariance
  with Ea follow by the linear map ln A = ln T_ref - ln R_ref + Ea/(kB T_ref));
- the capacitance is shared across temperatures (permittivities do not depend on T): ln C_i, with
  tau_i(T) = R_i(T) C_i. For an R-CPE this C is the Brug effective capacitance, which for a parallel R-CPE equals
  tau/R (:mod:`eisrecipe.methods.circuits`), so the same relation holds for both kinds;
- an R-CPE element has one alpha_i for all temperatures;

and per spectrum R_inf and, where the two-stage fit of that spectrum chose it, a series inductance L. An element
enters the Arrhenius part when the two-stage fits hold it at two distinct temperatures or more; it is then part of
*every* spectrum's model, also where the two-stage fit lacked it (the shared C and the Arrhenius law pin its R
where its arc has left the window - the point of the joint fit). An element found at a single temperature keeps
free (ln R, ln tau, alpha) in that spectrum only. Spectra without a two-stage fit (no DRT peak) are left out.

Start values come from the two-stage fits (``fits.csv`` rows ``fit = temperature``: r, tau, alpha, r_inf,
l_h_cm2) and the two-stage Ea (weighted ln(T/R) on 1/T over the element's rows). Element kind: R-CPE when any
two-stage fit gave the element an R-CPE, else RC; an R-CPE whose shared alpha ends at 1 is refitted as an RC (the
R-CPE bound alpha <= 1 is the RC itself, not a failure).

Numerics follow :mod:`eisrecipe.methods.fitting`: residuals (Z_model - Z_data) x weight with the same weighting, real
and imaginary parts stacked; :func:`scipy.optimize.least_squares` (trf, ``x_scale="jac"``, one BLAS thread); the
Jacobian is analytic: every spectrum's local circuit parameters (ln R, ln tau, alpha, R_inf, ln L) are an affine
function x_local = M_j x + b_j of the global ones, so J = (dZ/dx_local) M_j with dZ/dx_local from
:meth:`eisrecipe.methods.circuits.SeriesModel.jacobian` (tested against impedance.py). That is exact and costs one
evaluation per iteration where finite differences would cost one per parameter (30-40 here), and it avoids the
step-size trouble of finite differences for parameters spanning decades. Covariance s^2 (J^T J)^-1 with
s^2 = chi2/(m - n) (:func:`eisrecipe.methods.fitting._covariance`); flags for non-convergence, degeneracy (condition
number above 1e10), parameters on a bound (Ea in [0, 3] eV, C between its neighbours' start values, alpha range,
R_inf / L limits) and a significantly negative R_inf. The Ea standard error reported is the larger of this formal
one and a leave-one-temperature-out jackknife (:func:`fit_arrhenius_joint`), which also sees model error.
A flagged fit is reported, never used silently: the verdict
then falls back to the two-stage Ea (:mod:`eisrecipe.stages.verdict`).

Outputs: ``fits.csv`` rows ``fit = temperature_joint`` (one per spectrum and element: R(T) from the fitted law
with its propagated standard error, tau, the shared C and alpha, R_inf, L) and a JSON-ready summary with Ea,
ln A, their covariance and the two-stage values for comparison (``steps36.json["temperature"]["joint"]``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from eisrecipe.methods.arrhenius import K_B_EV, ZERO_CELSIUS_K, arrhenius_fit
from eisrecipe.methods.blas import one_blas_thread
from eisrecipe.methods.circuits import Element, ElementKind, SeriesModel
from eisrecipe.methods.fitting import (
    ALPHA_BOUNDS,
    CONDITION_LIMIT,
    R_INF_NEGATIVE_Z,
    _covariance,
    _series_bounds,
    largest_residual,
    local_misfit,
    residual_weights,
)
from eisrecipe.spectrum import Spectrum

__all__ = ["EA_BOUNDS_EV", "JointArrheniusFit", "JointElement", "fit_arrhenius_joint"]

log = logging.getLogger(__name__)

EA_BOUNDS_EV = (0.0, 3.0)
"""Activation energy range, eV: ion transport in solids is activated (Ea > 0) and below a few eV; a fit ending on
either end is flagged."""
R_REF_SPAN = 1e6
"""ln R(T_ref) is bounded to [max|Z| / 1e6, 1e6 max|Z|]: keeps trial steps finite, never binds a real element."""
JACKKNIFE_MIN_TEMPERATURES = 4
"""Temperatures needed for the jackknife standard error of Ea (each leave-one-out fit keeps three or more, so its
Ea still has a residual to be checked against; with three temperatures the formal error stands alone)."""


@dataclass(frozen=True)
class JointElement:
    """Fitted Arrhenius law and shared capacitance of one element.

    Attributes
    ----------
    element, kind
        Element name and kind (``RC`` or ``RCPE``).
    ea_ev, ea_stderr_ev
        Activation energy and its standard error, eV.
    ln_prefactor, ln_prefactor_stderr
        ln A with R in ohm cm^2 and T in K (A in K ohm^-1 cm^-2), and its standard error.
    cov_ln_prefactor_ea
        Covariance of ln A and Ea, eV.
    c_f_cm2, c_stderr_f_cm2
        Shared capacitance (Brug effective capacitance for an R-CPE), F cm^-2.
    alpha, alpha_stderr
        Shared CPE exponent (1 and 0 for an RC).
    n_spectra_two_stage
        Spectra whose two-stage fit held the element.
    ea_start_ev
        Two-stage Ea (the start value), eV; NaN when that fit failed.
    ea_formal_stderr_ev, ea_jackknife_stderr_ev
        The two estimates ``ea_stderr_ev`` is the larger of (:func:`fit_arrhenius_joint`), eV; NaN where not
        computed (the jackknife needs :data:`JACKKNIFE_MIN_TEMPERATURES` temperatures).
    """

    element: str
    kind: str
    ea_ev: float
    ea_stderr_ev: float
    ln_prefactor: float
    ln_prefactor_stderr: float
    cov_ln_prefactor_ea: float
    c_f_cm2: float
    c_stderr_f_cm2: float
    alpha: float
    alpha_stderr: float
    n_spectra_two_stage: int
    ea_start_ev: float
    ea_formal_stderr_ev: float = math.nan
    ea_jackknife_stderr_ev: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return dict(self.__dict__)


@dataclass
class JointArrheniusFit:
    """Result of :func:`fit_arrhenius_joint`.

    Attributes
    ----------
    elements
        Element name -> fitted law (elements with an Arrhenius law only).
    local_elements
        ``(spectrum, element)`` pairs fitted freely in one spectrum (found at a single temperature).
    table
        ``fits.csv`` rows ``fit = temperature_joint``.
    t_ref_k
        Reference temperature of the internal parametrisation, K.
    chi2, dof
        Weighted sum of squared residuals and its degrees of freedom.
    ok
        Converged, not degenerate, nothing on a bound.
    flags
        Reasons when not ``ok``.
    refits
        Notes on refits (an R-CPE whose alpha ended at 1 refitted as RC).
    n_params
        Number of fitted parameters.
    chi2_spectra
        Weighted chi2 of each spectrum's residuals (spectrum name -> chi2).
    """

    elements: dict[str, JointElement]
    local_elements: list[tuple[str, str]]
    table: pd.DataFrame
    t_ref_k: float
    chi2: float
    dof: int
    ok: bool
    flags: list[str] = field(default_factory=list)
    refits: list[str] = field(default_factory=list)
    n_params: int = 0
    chi2_spectra: dict[str, float] = field(default_factory=dict)

    @property
    def reduced_chi2(self) -> float:
        """chi2 / dof (NaN without degrees of freedom)."""
        return self.chi2 / self.dof if self.dof > 0 else math.nan

    def findings(self) -> dict[str, Any]:
        """JSON-ready summary (``steps36.json["temperature"]["joint"]``)."""
        return {
            "applies": True,
            "ok": self.ok,
            "flags": list(self.flags),
            "refits": list(self.refits),
            "jacobian": "analytic (chain rule through the affine map to each spectrum's circuit parameters)",
            "t_ref_k": self.t_ref_k,
            "chi2": self.chi2,
            "dof": self.dof,
            "reduced_chi2": self.reduced_chi2,
            "spectra": sorted(set(self.table["spectrum"].astype(str))) if not self.table.empty else [],
            "elements": {k: v.to_dict() for k, v in self.elements.items()},
            "local_elements": [{"spectrum": s, "element": e} for s, e in self.local_elements],
        }


@dataclass(frozen=True)
class _Layout:
    """Global parameter layout and the affine map to every spectrum's circuit parameters."""

    names: list[str]
    x0: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    models: list[SeriesModel]
    maps: list[np.ndarray]  # M_j, (n_local_j, n_global)
    offsets: list[np.ndarray]  # b_j, (n_local_j,)
    slots: dict[str, dict[str, int]]  # element -> {"ln_r_ref", "ea", "ln_c", "alpha"} global indices


def _has_r_inf(row: pd.Series) -> bool:
    """Whether a two-stage fit carried R_inf (a model without it writes 0 +- 0)."""
    value, err = float(row["r_inf_ohm_cm2"]), float(row.get("r_inf_stderr_ohm_cm2", math.nan))
    return not (value == 0.0 and (err == 0.0 or not math.isfinite(err)))


def _two_stage_start(rows: pd.DataFrame, name: str) -> tuple[float, float]:
    """(Ea, ln A) of the two-stage fit over ``rows`` (weighted when every stderr is finite), NaN if it fails."""
    err = rows["r_stderr_ohm_cm2"].to_numpy(float)
    weighted = bool(np.all(np.isfinite(err) & (err > 0)))
    try:
        fit = arrhenius_fit(
            rows["temperature_c"].to_numpy(float),
            rows["r_ohm_cm2"].to_numpy(float),
            err if weighted else None,
            element=name,
        )
    except ValueError:
        return math.nan, math.nan
    return fit.ea_ev, fit.ln_prefactor


def _build_layout(
    spectra: Sequence[Spectrum],
    rows: pd.DataFrame,
    joint: dict[str, ElementKind],
    local: dict[str, list[tuple[str, ElementKind]]],
    t_k: np.ndarray,
    t_ref: float,
    ea_start: dict[str, float],
    omegas: Sequence[np.ndarray],
    data: Sequence[np.ndarray],
    local_alpha: bool = False,
    local_c: bool = False,
    r_inf: bool | None = None,
) -> _Layout:
    names: list[str] = []
    x0: list[float] = []
    lo: list[float] = []
    hi: list[float] = []

    def add(pname: str, value: float, bounds: tuple[float, float] = (-math.inf, math.inf)) -> int:
        names.append(pname)
        x0.append(value)
        lo.append(bounds[0])
        hi.append(bounds[1])
        return len(names) - 1

    zmax = max(float(np.max(np.abs(z))) for z in data)
    slots: dict[str, dict[str, int]] = {}
    c_start = {}
    for name in joint:
        g = rows[rows["element"] == name]
        c_start[name] = float(np.exp(np.mean(np.log(g["tau_s"].to_numpy(float) / g["r_ohm_cm2"].to_numpy(float)))))
    order = sorted(joint, key=lambda n: c_start[n])
    ln_c = np.log([c_start[n] for n in order])
    mids = (ln_c[1:] + ln_c[:-1]) / 2
    c_lo = dict(zip(order, np.r_[-np.inf, mids], strict=True))
    c_hi = dict(zip(order, np.r_[mids, np.inf], strict=True))
    for name in order:
        g = rows[rows["element"] == name]
        ea = ea_start[name] if math.isfinite(ea_start[name]) else 0.4
        ea = float(np.clip(ea, EA_BOUNDS_EV[0] + 0.01, EA_BOUNDS_EV[1] - 0.01))
        # ln R(T_ref) from the element's two-stage R with the start Ea (robust to a failed two-stage line)
        tk = g["temperature_c"].to_numpy(float) + ZERO_CELSIUS_K
        ln_r_ref = float(
            np.mean(np.log(g["r_ohm_cm2"].to_numpy(float)) - np.log(tk / t_ref) - ea / K_B_EV * (1 / tk - 1 / t_ref))
        )
        s = {
            "ln_r_ref": add(f"{name}.ln_r_ref", ln_r_ref, (math.log(zmax / R_REF_SPAN), math.log(zmax * R_REF_SPAN))),
            "ea": add(f"{name}.ea_ev", ea, EA_BOUNDS_EV),
        }
        if not local_c:
            s["ln_c"] = add(f"{name}.ln_c", float(np.log(c_start[name])), (c_lo[name], c_hi[name]))
        if joint[name] == "RCPE" and not local_alpha:
            alpha = float(np.clip(np.nanmean(g["alpha"].to_numpy(float)), 0.5, 0.99))
            s["alpha"] = add(f"{name}.alpha", alpha, ALPHA_BOUNDS)
        slots[name] = s

    models: list[SeriesModel] = []
    maps: list[np.ndarray] = []
    offsets: list[np.ndarray] = []
    local_index: list[dict[str, int]] = []
    for s_obj in spectra:
        spec = str(s_obj.meta.get("spectrum"))
        g = rows[rows["spectrum"] == spec]
        first = g.iloc[0]
        with_l = bool(np.isfinite(first["l_h_cm2"]) and first["l_h_cm2"] > 0)
        with_r_inf = _has_r_inf(first) if r_inf is None else r_inf
        idx: dict[str, int] = {}
        if with_r_inf:
            idx["r_inf"] = add(f"{spec}:r_inf", float(first["r_inf_ohm_cm2"]))
        if with_l:
            idx["ln_l"] = add(f"{spec}:ln_l", float(np.log(first["l_h_cm2"])))
        for name, kind in joint.items():
            if local_c:  # the element's capacitance free in every spectrum (bounded between its neighbours')
                own_c = g[g["element"] == name]
                c0 = float(own_c["tau_s"].iloc[0] / own_c["r_ohm_cm2"].iloc[0]) if len(own_c) else c_start[name]
                c0 = float(np.clip(c0, math.exp(c_lo[name]) * 1.01, math.exp(c_hi[name]) / 1.01))
                idx[f"{name}.jln_c"] = add(f"{spec}:{name}.ln_c", math.log(c0), (c_lo[name], c_hi[name]))
            if kind == "RCPE" and local_alpha:  # the element's CPE exponent free in every spectrum
                own = g[g["element"] == name]["alpha"].to_numpy(float)
                a0 = own[0] if own.size else np.nanmean(rows[rows["element"] == name]["alpha"].to_numpy(float))
                idx[f"{name}.jalpha"] = add(f"{spec}:{name}.alpha", float(np.clip(a0, 0.5, 0.99)), ALPHA_BOUNDS)
        for name, kind in local.get(spec, []):
            r = g[g["element"] == name].iloc[0]
            if kind == "CPE":  # a series (blocking) CPE: its own Q and exponent in every spectrum
                idx[f"{name}.ln_q"] = add(f"{spec}:{name}.ln_q", float(np.log(r["c_f_cm2"])))
                alpha0 = float(np.clip(r["alpha"], ALPHA_BOUNDS[0] + 0.01, ALPHA_BOUNDS[1] - 0.01))
                idx[f"{name}.alpha"] = add(f"{spec}:{name}.alpha", alpha0, ALPHA_BOUNDS)
                continue
            idx[f"{name}.ln_r"] = add(f"{spec}:{name}.ln_r", float(np.log(r["r_ohm_cm2"])))
            idx[f"{name}.ln_tau"] = add(f"{spec}:{name}.ln_tau", float(np.log(r["tau_s"])))
            if kind == "RCPE":
                idx[f"{name}.alpha"] = add(f"{spec}:{name}.alpha", float(np.clip(r["alpha"], 0.5, 0.99)), ALPHA_BOUNDS)
        local_index.append(idx)
        elements = [Element(n, k) for n, k in joint.items()] + [Element(n, k) for n, k in local.get(spec, [])]
        models.append(SeriesModel(tuple(elements), r_inf=with_r_inf, inductance=with_l))

    n_global = len(names)
    lo_arr, hi_arr = np.asarray(lo), np.asarray(hi)
    for j, model in enumerate(models):
        spec = str(spectra[j].meta.get("spectrum"))
        m = np.zeros((model.n_params, n_global))
        b = np.zeros(model.n_params)
        d = (1.0 / t_k[j] - 1.0 / t_ref) / K_B_EV
        idx = local_index[j]
        k = 0
        if model.r_inf:
            m[k, idx["r_inf"]] = 1.0
            k += 1
        if model.inductance:
            m[k, idx["ln_l"]] = 1.0
            k += 1
        for e in model.elements:
            if e.name in joint:
                s = slots[e.name]
                for row in (k, k + 1):  # ln R and ln tau = ln R + ln C
                    m[row, s["ln_r_ref"]] = 1.0
                    m[row, s["ea"]] = d
                    b[row] = math.log(t_k[j] / t_ref)
                m[k + 1, s["ln_c"] if "ln_c" in s else idx[f"{e.name}.jln_c"]] = 1.0
                if e.kind == "RCPE":
                    m[k + 2, s["alpha"] if "alpha" in s else idx[f"{e.name}.jalpha"]] = 1.0
            elif e.kind == "CPE":
                m[k, idx[f"{e.name}.ln_q"]] = 1.0
                m[k + 1, idx[f"{e.name}.alpha"]] = 1.0
            else:
                m[k, idx[f"{e.name}.ln_r"]] = 1.0
                m[k + 1, idx[f"{e.name}.ln_tau"]] = 1.0
                if e.kind == "RCPE":
                    m[k + 2, idx[f"{e.name}.alpha"]] = 1.0
            k += e.n_params
        maps.append(m)
        offsets.append(b)
        # R_inf and L limits of fitting.py, from this spectrum's data
        lj, hj = np.full(model.n_params, -np.inf), np.full(model.n_params, np.inf)
        _series_bounds(model, omegas[j], data[j], lj, hj)
        if model.r_inf:
            lo_arr[idx["r_inf"]], hi_arr[idx["r_inf"]] = lj[0], hj[0]
        if model.inductance:
            i_l = int(model.r_inf)
            lo_arr[idx["ln_l"]], hi_arr[idx["ln_l"]] = lj[i_l], hj[i_l]
    return _Layout(names, np.asarray(x0), lo_arr, hi_arr, models, maps, offsets, slots)


def _solve(
    layout: _Layout, omegas: Sequence[np.ndarray], data: Sequence[np.ndarray], weighting: str
) -> tuple[Any, np.ndarray, str, list[np.ndarray]]:
    weights = [residual_weights(z, weighting) for z in data]  # type: ignore[arg-type]
    sizes = [2 * z.size for z in data]
    row_off = np.r_[0, np.cumsum(sizes)]
    n_spec = len(data)

    def residual(x: np.ndarray) -> np.ndarray:
        out = np.empty(row_off[-1])
        for j in range(n_spec):
            d = layout.models[j].impedance(omegas[j], layout.maps[j] @ x + layout.offsets[j]) - data[j]
            n = data[j].size
            out[row_off[j] : row_off[j] + n] = d.real * weights[j][0]
            out[row_off[j] + n : row_off[j + 1]] = d.imag * weights[j][1]
        return out

    def jacobian(x: np.ndarray) -> np.ndarray:
        jac = np.empty((row_off[-1], x.size))
        for j in range(n_spec):
            jl = layout.models[j].jacobian(omegas[j], layout.maps[j] @ x + layout.offsets[j]) @ layout.maps[j]
            n = data[j].size
            jac[row_off[j] : row_off[j] + n] = jl.real * weights[j][0][:, None]
            jac[row_off[j] + n : row_off[j + 1]] = jl.imag * weights[j][1][:, None]
        return jac

    lo, hi = layout.lo, layout.hi
    x0 = np.clip(layout.x0, np.where(np.isfinite(lo), lo + 1e-9, lo), np.where(np.isfinite(hi), hi - 1e-9, hi))
    with one_blas_thread():
        sol = least_squares(residual, x0, jac=jacobian, bounds=(lo, hi), method="trf", x_scale="jac")
        dof = int(row_off[-1] - x0.size)
        cov, degenerate = _covariance(sol.jac, float(np.sum(sol.fun**2)) / max(dof, 1))
    res = [
        (layout.models[j].impedance(omegas[j], layout.maps[j] @ sol.x + layout.offsets[j]) - data[j]) / np.abs(data[j])
        for j in range(n_spec)
    ]
    return sol, cov, degenerate, res


def _var(g: np.ndarray, cov: np.ndarray) -> float:
    """g^T cov g, inf where cov is infinite along g."""
    used = g != 0
    if not used.any():
        return 0.0
    sub = cov[np.ix_(used, used)]
    if not np.isfinite(sub).all():
        return math.inf
    return float(max(g[used] @ sub @ g[used], 0.0))


def fit_arrhenius_joint(
    spectra: Sequence[Spectrum],
    two_stage: pd.DataFrame,
    *,
    weighting: str = "modulus",
    jackknife: bool = True,
    local_alpha: bool = False,
    local_c: bool = False,
    r_inf: bool | None = None,
) -> JointArrheniusFit | None:
    """Fit a temperature series jointly with Arrhenius resistances and shared capacitances (module docstring).

    Standard error of Ea: the larger of the formal one (covariance, i.e. noise seen through the residual scale)
    and the leave-one-temperature-out jackknife, sqrt((n-1)/n sum (Ea_(i) - mean)^2) over the n fits without
    temperature i (with :data:`JACKKNIFE_MIN_TEMPERATURES` temperatures or more). The formal error assumes the
    circuit is right; model error that changes with temperature - an arc leaving the window, a non-ideal arc
    drawn as an RC - biases Ea far beyond it (case-study stand-in: bulk 0.348 +- 0.0006 eV against a truth of
    0.340), and the jackknife sees it as the spread of the leave-one-out Ea (there 0.010 eV).

    Parameters
    ----------
    spectra
        The temperature series (ohm cm^2, ``meta["spectrum"]`` and finite ``meta["temperature_c"]`` in deg C).
    two_stage
        Their two-stage fits: ``fits.csv`` rows (``spectrum``, ``temperature_c``, ``element``, ``kind``,
        ``r_ohm_cm2``, ``r_stderr_ohm_cm2``, ``tau_s``, ``alpha``, ``r_inf_ohm_cm2``, ``l_h_cm2``).
    weighting
        Residual weighting, as the per-spectrum fits (``modulus``, ``proportional`` or ``unit``).
    jackknife
        Also run the leave-one-temperature-out fits for the jackknife standard error.
    local_alpha
        Give every R-CPE element its own exponent in each spectrum (the capacitance stays shared): a dispersion
        that changes with temperature (arcs sharpening as T rises) is not forced onto one alpha.
    local_c
        Give every element its own capacitance in each spectrum (only the Arrhenius law of R is shared): for a
        series whose per-spectrum capacitances drift with temperature.
    r_inf
        R_inf per spectrum: ``None`` where the two-stage fit of that spectrum has one, ``True`` in every spectrum
        (started from the two-stage value, 0 where it had none), ``False`` in none. With every resistance on its
        Arrhenius law and the capacitances shared, R_inf can be identified jointly where it cannot be in any one
        spectrum (a bulk arc leaving the window): :func:`eisrecipe.recipe.step7.joint_arrhenius` decides.

    Returns
    -------
    JointArrheniusFit or None
        ``None`` when no element is found at two temperatures or more (nothing to fit jointly).
    """
    r_inf_option = r_inf  # the name r_inf is each spectrum's fitted value below
    cpe = two_stage["kind"].astype(str) == "CPE"
    rows = two_stage[((two_stage["r_ohm_cm2"] > 0) & (two_stage["tau_s"] > 0)) | cpe].copy()
    rows["spectrum"] = rows["spectrum"].astype(str)
    spectra = [s for s in spectra if str(s.meta.get("spectrum")) in set(rows["spectrum"])]
    temps = {str(s.meta.get("spectrum")): float(s.meta["temperature_c"]) for s in spectra}
    spectra = sorted(spectra, key=lambda s: temps[str(s.meta.get("spectrum"))])
    rows = rows[rows["spectrum"].isin(temps)]
    joint: dict[str, ElementKind] = {}
    local: dict[str, list[tuple[str, ElementKind]]] = {}
    for name, g in rows.groupby("element", sort=False):
        if (g["kind"] == "CPE").all():  # series CPE (blocking electrodes): no resistance, no Arrhenius law
            for spec in g["spectrum"]:
                local.setdefault(str(spec), []).append((str(name), "CPE"))
            continue
        kind: ElementKind = "RCPE" if (g["kind"] == "RCPE").any() else "RC"
        if g["temperature_c"].nunique() >= 2:
            joint[str(name)] = kind
        else:
            for spec in g["spectrum"]:
                local.setdefault(str(spec), []).append((str(name), kind))
    if not joint:
        return None
    ea_start: dict[str, float] = {}
    rows_rc = rows[rows["kind"] != "CPE"]
    for name in joint:
        ea_start[name] = _two_stage_start(rows_rc[rows_rc["element"] == name], name)[0]
    t_k = np.array([temps[str(s.meta.get("spectrum"))] + ZERO_CELSIUS_K for s in spectra])
    t_ref = float(1.0 / np.mean(1.0 / t_k))
    omegas = [2 * np.pi * np.asarray(s.frequency_hz, dtype=float) for s in spectra]
    data = [np.asarray(s.impedance, dtype=complex) for s in spectra]

    refits: list[str] = []
    while True:
        layout = _build_layout(
            spectra, rows, joint, local, t_k, t_ref, ea_start, omegas, data, local_alpha, local_c, r_inf_option
        )
        sol, cov, degenerate, residuals = _solve(layout, omegas, data, weighting)
        at_one = [n for n, s in layout.slots.items() if "alpha" in s and sol.x[s["alpha"]] > ALPHA_BOUNDS[1] - 1e-6]
        if not at_one:
            break
        for n in at_one:
            joint[n] = "RC"
            refits.append(f"{n}: shared alpha ended at 1, refitted as RC")

    flags: list[str] = []
    if sol.status <= 0:
        flags.append(f"optimiser did not converge: {sol.message}")
    if degenerate:
        flags.append(f"degenerate: Jacobian condition number above {CONDITION_LIMIT:g} ({degenerate})")
    dof = int(sol.fun.size - sol.x.size)
    if dof <= 0:
        flags.append(f"more parameters ({sol.x.size}) than data ({sol.fun.size})")
    lo, hi = layout.lo, layout.hi
    span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
    # a series (blocking) CPE's exponent at 1 is the ideal capacitor, not a bound the fit ran into
    cpe_alpha = {f"{spec}:{n}.alpha" for spec, items in local.items() for n, kind in items if kind == "CPE"}
    capacitor = np.array([name in cpe_alpha for name in layout.names], dtype=bool)
    at_hi = np.isfinite(hi) & (hi - sol.x < 1e-6 * span) & ~capacitor
    on_bound = (np.isfinite(lo) & (sol.x - lo < 1e-6 * span)) | at_hi
    flags += [f"{layout.names[g]} ended on its bound" for g in np.flatnonzero(on_bound)]
    stderr = np.sqrt(np.clip(np.diag(cov), 0, np.inf))
    chi2 = float(np.sum(sol.fun**2))
    red = chi2 / dof if dof > 0 else math.nan

    counts = rows.groupby("element")["spectrum"].nunique()
    elements: dict[str, JointElement] = {}
    for name, s in layout.slots.items():
        i_r, i_e = s["ln_r_ref"], s["ea"]
        g = np.zeros(sol.x.size)
        g[i_r], g[i_e] = -1.0, 1.0 / (K_B_EV * t_ref)  # d ln A / d(ln R_ref, Ea)
        block = cov[np.ix_([i_r, i_e], [i_r, i_e])]
        cov_a_ea = float(g[[i_r, i_e]] @ block[:, 1]) if np.isfinite(block).all() else math.inf
        if "ln_c" in s:
            c, c_err = float(np.exp(sol.x[s["ln_c"]])), float(np.exp(sol.x[s["ln_c"]]) * stderr[s["ln_c"]])
        else:  # geometric mean of the per-spectrum capacitances, spread as its error
            own_lc = np.array([sol.x[i] for i, nm in enumerate(layout.names) if nm.endswith(f":{name}.ln_c")])
            c, c_err = float(np.exp(own_lc.mean())), float(np.exp(own_lc.mean()) * own_lc.std())
        alpha, alpha_err = (float(sol.x[s["alpha"]]), float(stderr[s["alpha"]])) if "alpha" in s else (1.0, 0.0)
        if local_alpha and joint[name] == "RCPE":  # the mean of the per-spectrum exponents
            own = [sol.x[i] for i, nm in enumerate(layout.names) if nm.endswith(f":{name}.alpha")]
            alpha, alpha_err = float(np.mean(own)), float(np.std(own))
        elements[name] = JointElement(
            element=name,
            kind=joint[name],
            ea_ev=float(sol.x[i_e]),
            ea_stderr_ev=float(stderr[i_e]),
            ln_prefactor=float(math.log(t_ref) - sol.x[i_r] + sol.x[i_e] / (K_B_EV * t_ref)),
            ln_prefactor_stderr=math.sqrt(_var(g, cov)),
            cov_ln_prefactor_ea=cov_a_ea,
            c_f_cm2=c,
            c_stderr_f_cm2=c_err if np.isfinite(c_err) else math.inf,
            alpha=alpha,
            alpha_stderr=alpha_err,
            n_spectra_two_stage=int(counts.get(name, 0)),
            ea_start_ev=float(ea_start[name]),
        )

    out_rows: list[dict[str, Any]] = []
    r_inf_flags: list[str] = []
    for j, s_obj in enumerate(spectra):
        spec = str(s_obj.meta.get("spectrum"))
        model, m, b = layout.models[j], layout.maps[j], layout.offsets[j]
        x_loc = m @ sol.x + b
        r_inf, r_inf_err = (float(x_loc[0]), math.sqrt(_var(m[0], cov))) if model.r_inf else (0.0, 0.0)
        if model.r_inf and r_inf < -R_INF_NEGATIVE_Z * r_inf_err:
            r_inf_flags.append(
                f"{spec}: R_inf = {r_inf:.3g} +/- {r_inf_err:.2g} is negative beyond {R_INF_NEGATIVE_Z:g} stderr"
            )
        l_h, l_err = 0.0, 0.0
        i_l = int(model.r_inf)
        if model.inductance:
            l_h = float(np.exp(x_loc[i_l]))
            l_err = l_h * math.sqrt(_var(m[i_l], cov))
        res = residuals[j]
        k = int(model.r_inf) + int(model.inductance)
        for e in model.elements:
            if e.kind == "CPE":
                k += e.n_params
                continue
            r, tau = float(np.exp(x_loc[k])), float(np.exp(x_loc[k + 1]))
            sig_r, sig_t = math.sqrt(_var(m[k], cov)), math.sqrt(_var(m[k + 1], cov))
            sig_c = math.sqrt(_var(m[k + 1] - m[k], cov))
            alpha = float(x_loc[k + 2]) if e.kind == "RCPE" else 1.0
            alpha_err = math.sqrt(_var(m[k + 2], cov)) if e.kind == "RCPE" else 0.0
            out_rows.append(
                {
                    "fit": "temperature_joint",
                    "pressure_mpa": s_obj.meta.get("pressure_mpa"),
                    "temperature_c": temps[spec],
                    "spectrum": spec,
                    "element": e.name,
                    "kind": e.kind,
                    "r_ohm_cm2": r,
                    "r_stderr_ohm_cm2": r * sig_r,
                    "c_f_cm2": tau / r,
                    "c_stderr_f_cm2": tau / r * sig_c,
                    "tau_s": tau,
                    "tau_stderr_s": tau * sig_t,
                    "alpha": alpha,
                    "alpha_stderr": alpha_err,
                    "shared": e.name in joint,
                    "r_inf_ohm_cm2": r_inf,
                    "r_inf_stderr_ohm_cm2": r_inf_err,
                    "l_h_cm2": l_h,
                    "l_stderr_h_cm2": l_err,
                    "max_rel_residual": largest_residual(res),
                    "max_local_misfit": local_misfit(res),
                    "reduced_chi2": red,
                }
            )
            k += e.n_params
    flags += r_inf_flags
    table = pd.DataFrame(out_rows)
    table["fit_ok"] = not flags
    table["flags"] = "; ".join(flags)
    local_pairs = [(spec, n) for spec, items in local.items() for n, _ in items]
    elements = {n: replace(e, ea_formal_stderr_ev=e.ea_stderr_ev) for n, e in elements.items()}
    if jackknife and len(spectra) >= JACKKNIFE_MIN_TEMPERATURES:
        jack = _jackknife_ea(spectra, two_stage, weighting, list(elements), local_alpha, local_c, r_inf_option)
        elements = {
            n: replace(e, ea_jackknife_stderr_ev=jack[n], ea_stderr_ev=max(e.ea_stderr_ev, jack[n]))
            if math.isfinite(jack[n])
            else e
            for n, e in elements.items()
        }
    row_off = np.r_[0, np.cumsum([2 * d.size for d in data])]
    chi2_spectra = {
        str(s_obj.meta.get("spectrum")): float(np.sum(sol.fun[row_off[j] : row_off[j + 1]] ** 2))
        for j, s_obj in enumerate(spectra)
    }
    result = JointArrheniusFit(
        elements,
        local_pairs,
        table,
        t_ref,
        chi2,
        dof,
        not flags,
        flags,
        refits,
        n_params=int(sol.x.size),
        chi2_spectra=chi2_spectra,
    )
    log.info(
        "joint Arrhenius fit: %s; %s",
        ", ".join(f"{n} Ea {e.ea_ev:.3f} +- {e.ea_stderr_ev:.3f} eV" for n, e in elements.items()),
        "ok" if result.ok else "; ".join(flags),
    )
    return result


def _jackknife_ea(
    spectra: Sequence[Spectrum],
    two_stage: pd.DataFrame,
    weighting: str,
    names: Sequence[str],
    local_alpha: bool,
    local_c: bool = False,
    r_inf: bool | None = None,
) -> dict[str, float]:
    """Leave-one-temperature-out jackknife standard error of each element's Ea, eV (NaN where fewer than
    :data:`JACKKNIFE_MIN_TEMPERATURES` - 1 of the reduced fits converged unflagged and held the element)."""
    loo: dict[str, list[float]] = {n: [] for n in names}
    for s_out in spectra:
        name = str(s_out.meta.get("spectrum"))
        rest = [s for s in spectra if s is not s_out]
        try:
            fit = fit_arrhenius_joint(
                rest,
                two_stage[two_stage["spectrum"].astype(str) != name],
                weighting=weighting,
                jackknife=False,
                local_alpha=local_alpha,
                local_c=local_c,
                r_inf=r_inf,
            )
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            continue
        if fit is None or not fit.ok:
            continue
        for n in names:
            if n in fit.elements:
                loo[n].append(fit.elements[n].ea_ev)
    out: dict[str, float] = {}
    for n, v in loo.items():
        k = len(v)
        arr = np.asarray(v)
        out[n] = (
            float(np.sqrt((k - 1) / k * np.sum((arr - arr.mean()) ** 2)))
            if k >= JACKKNIFE_MIN_TEMPERATURES - 1
            else math.nan
        )
    return out
