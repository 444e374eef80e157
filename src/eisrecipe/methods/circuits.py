"""1D equivalent circuits: optional R_inf and series inductance, then N RC or R-CPE elements in series.

Why a model of our own next to impedance.py: the joint series fit shares parameters (bulk, GB) across many
spectra, which impedance.py's ``CustomCircuit`` cannot express, and it evaluates circuits through string
parsing per call (slow inside a least-squares loop). This module evaluates the same element formulas
vectorised with NumPy; ``tests/test_circuits.py`` checks it against impedance.py's elements (``R``, ``C``,
``CPE``, ``L``) and ``bench/fit.py`` times fits against ``CustomCircuit``.

Parameterisation (per element, what the fitter sees):

- RC: ``(ln R, ln tau)`` with Z = R / (1 + j w tau), C = tau / R;
- R-CPE: ``(ln R, ln tau, alpha)`` with Z = R / (1 + (j w tau)^alpha); the CPE parameter is
  Q = tau^alpha / R and the effective capacitance of Brug et al. (J. Electroanal. Chem. 176 (1984) 275) for a
  parallel R-CPE, C_eff = Q^(1/alpha) R^((1 - alpha)/alpha), equals tau / R - so C_i = tau_i / R_i for both
  kinds and stays comparable between them.

- CPE (series, blocking: an ion-blocking electrode or an unresolved very slow process): ``(ln Q, alpha)`` with
  Z = 1 / (Q (j w)^alpha); Q in F s^(alpha-1) (per cm^2 for area-specific data), no resistance, no tau.

Series terms: R_inf (``r_inf``, linear: it is often zero within its error, where a log parameter would pin it
near 0 and hide its correlation with the bulk resistance) and inductance L (``ln L``), each optional. Units
follow the data: with Z in ohm cm^2, R in ohm cm^2, C in F cm^-2, tau in s, L in H cm^2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from eisrecipe.spectrum import ComplexArray, FloatArray

ElementKind = Literal["RC", "RCPE", "CPE"]

__all__ = ["Element", "SeriesModel", "element_impedance"]


@dataclass(frozen=True)
class Element:
    """One parallel element of the series chain.

    Attributes
    ----------
    name
        Process name: ``bulk``, ``gb``, ``ct``, ``cstr``, ``int``, ``sei`` (DESIGN.md) or any label.
    kind
        ``"RC"``, ``"RCPE"`` (parallel elements) or ``"CPE"`` (a series, blocking CPE).
    """

    name: str
    kind: ElementKind = "RC"

    @property
    def n_params(self) -> int:
        """Number of fitted parameters (2 for RC, 3 for R-CPE)."""
        return 3 if self.kind == "RCPE" else 2

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the fitted parameters."""
        if self.kind == "CPE":
            return (f"{self.name}.ln_q", f"{self.name}.alpha")
        base = (f"{self.name}.ln_r", f"{self.name}.ln_tau")
        return (*base, f"{self.name}.alpha") if self.kind == "RCPE" else base

    @property
    def parallel(self) -> bool:
        """True for the parallel (R-C / R-CPE) elements that have a resistance and a time constant."""
        return self.kind != "CPE"


def element_impedance(
    omega: FloatArray, r: float | FloatArray, tau: float | FloatArray, alpha: float | FloatArray = 1.0
) -> ComplexArray:
    """Z of a parallel R-CPE (alpha = 1: RC): R / (1 + (j w tau)^alpha).

    Parameters
    ----------
    omega
        Angular frequency, rad/s.
    r
        Resistance (unit of Z).
    tau
        Time constant, s.
    alpha
        CPE exponent (0, 1].
    """
    return r / (1.0 + (1j * omega * tau) ** alpha)


@dataclass(frozen=True)
class SeriesModel:
    """R_inf - L - element_1 - ... - element_N in series.

    Attributes
    ----------
    elements
        The parallel elements, in ascending order of tau (bulk first).
    r_inf
        Fit a series resistance R_inf (lead and contact resistances; 0 when absent).
    inductance
        Fit a series inductance L.
    unordered
        Names of parallel elements whose tau may cross the element before them, by up to a decade below its
        start (a fit's element-order bounds, :func:`eisrecipe.methods.fitting.fit_series`): an own element beside a
        shared one, whose sharing over the series keeps the two apart.
    """

    elements: tuple[Element, ...]
    r_inf: bool = False
    inductance: bool = False
    unordered: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: Sequence[str], kind: ElementKind | Sequence[ElementKind] = "RC", **options: bool) -> SeriesModel:
        """Build from element names and one kind (or one kind per element)."""
        kinds = [kind] * len(names) if isinstance(kind, str) else list(kind)
        return cls(tuple(Element(n, k) for n, k in zip(names, kinds, strict=True)), **options)  # type: ignore[arg-type]

    @property
    def names(self) -> tuple[str, ...]:
        """Element names in order."""
        return tuple(e.name for e in self.elements)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of all fitted parameters in vector order: series terms, then elements."""
        head = (("r_inf",) if self.r_inf else ()) + (("ln_l",) if self.inductance else ())
        return head + tuple(p for e in self.elements for p in e.param_names)

    @property
    def n_params(self) -> int:
        """Length of the parameter vector."""
        return len(self.param_names)

    def slices(self) -> dict[str, slice]:
        """Where each element's parameters sit in the vector (plus ``_series`` for R_inf/L)."""
        out: dict[str, slice] = {}
        i = int(self.r_inf) + int(self.inductance)
        out["_series"] = slice(0, i)
        for e in self.elements:
            out[e.name] = slice(i, i + e.n_params)
            i += e.n_params
        return out

    def impedance(self, omega: FloatArray, x: FloatArray) -> ComplexArray:
        """Model impedance at angular frequencies ``omega`` (rad/s) for parameter vector ``x``."""
        z = np.zeros(omega.shape, dtype=complex)
        i = 0
        if self.r_inf:
            z += x[i]
            i += 1
        if self.inductance:
            z += 1j * omega * np.exp(x[i])
            i += 1
        for e in self.elements:
            if e.kind == "CPE":
                z += 1.0 / (np.exp(x[i]) * (1j * omega) ** x[i + 1])
            else:
                r, tau = np.exp(x[i]), np.exp(x[i + 1])
                alpha = x[i + 2] if e.kind == "RCPE" else 1.0
                z += element_impedance(omega, r, tau, alpha)
            i += e.n_params
        return z

    def jacobian(self, omega: FloatArray, x: FloatArray) -> np.ndarray:
        """Complex derivatives dZ/dx, shape (n_frequencies, n_params), for parameter vector ``x``.

        ``x`` may also be 2D, shape (n_params, n_frequencies): one parameter vector per frequency point (how
        :func:`eisrecipe.methods.fitting.fit_series` evaluates many spectra in one call); :meth:`impedance` takes
        the same.
        """
        jac = np.empty((omega.size, len(x)), dtype=complex)
        i = 0
        if self.r_inf:
            jac[:, i] = 1.0
            i += 1
        if self.inductance:
            jac[:, i] = 1j * omega * np.exp(x[i])
            i += 1
        for e in self.elements:
            if e.kind == "CPE":
                zc = 1.0 / (np.exp(x[i]) * (1j * omega) ** x[i + 1])
                jac[:, i] = -zc  # dZ/d ln Q
                jac[:, i + 1] = -zc * np.log(1j * omega)  # dZ/d alpha
                i += e.n_params
                continue
            r, tau = np.exp(x[i]), np.exp(x[i + 1])
            alpha = x[i + 2] if e.kind == "RCPE" else 1.0
            jwt = 1j * omega * tau
            h = 1.0 / (1.0 + jwt**alpha)
            # p / (1 + p)^2 written as (1 - h) h: finite for any tau (the direct form overflows once |p|^2 does,
            # which a trial step of an ill-determined element can reach)
            shape = (1.0 - h) * h
            jac[:, i] = r * h  # dZ/d ln R
            jac[:, i + 1] = -r * alpha * shape  # dZ/d ln tau
            if e.kind == "RCPE":
                # dZ/d alpha; 0 where the arc has left the frequencies (shape 0): an end element's ln tau is
                # unbounded outward, and once tau underflows to 0 the product would be 0 x log(0) = NaN
                jac[:, i + 2] = np.where(shape != 0, -r * shape * np.log(jwt), 0.0)
            i += e.n_params
        return jac

    def pack(
        self,
        r: Sequence[float],
        tau: Sequence[float],
        alpha: Sequence[float] | None = None,
        r_inf: float = 0.0,
        inductance: float = 0.0,
    ) -> FloatArray:
        """Parameter vector from physical values (R and tau per element; alpha for R-CPE and CPE elements).

        For a series CPE element, ``r`` holds its Q and ``tau`` is ignored. L must be > 0 when fitted
        (use a small positive value as a start when unknown); R_inf enters linearly, L as ln L.
        """
        x: list[float] = []
        if self.r_inf:
            x.append(float(r_inf))
        if self.inductance:
            x.append(np.log(max(inductance, 1e-15)))
        for k, e in enumerate(self.elements):
            if e.kind == "CPE":
                x += [np.log(r[k]), 1.0 if alpha is None else alpha[k]]
                continue
            x += [np.log(r[k]), np.log(tau[k])]
            if e.kind == "RCPE":
                x.append(1.0 if alpha is None else alpha[k])
        return np.asarray(x, dtype=float)
