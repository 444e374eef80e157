"""The DRT's data model, shared by every engine: settings, the log-tau basis grid and the result.

Units: tau in s, frequency in Hz, gamma and resistances in the spectrum's impedance unit (ohm or ohm cm^2; gamma
per unit of ln tau), inductance in H or H cm^2, lambda dimensionless.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from eisrecipe.errors import InputError
from eisrecipe.spectrum import FloatArray, Spectrum

if TYPE_CHECKING:
    import pandas as pd


Basis = Literal["gaussian", "pwl"]
DataPart = Literal["real", "imag", "both", "auto", "series"]
LambdaMethod = Literal["gcv", "mgcv", "lcurve", "re-im", "fixed"]
LambdaPolicy = Literal["shared", "individual"]
Backend = Literal["native", "pydrttools"]
Weighting = Literal["none", "modulus"]


@dataclass(frozen=True)
class DrtSettings:
    """How to compute a DRT.

    Attributes
    ----------
    basis
        ``"gaussian"`` radial basis functions or ``"pwl"`` piecewise-linear hat functions on the log-tau grid.
    derivative
        Order of the derivative of gamma(ln tau) in the penalty (1 or 2; the paper uses 2).
    data
        Which part of Z enters the fit: ``"real"`` (paper default for measured data), ``"imag"``, ``"both"``,
        ``"auto"`` (per spectrum: fit real-only and imaginary-only and keep the one that reconstructs the whole
        spectrum with the smaller residuals) or ``"series"`` (the paper's rule "real part only when its residuals
        are the smaller", else real and imaginary together, decided once per spectrum series from the data, see
        :func:`eisrecipe.methods.drt.tikhonov.choose_data_part`; not the default, because a real-only
        reconstruction is also charged for series terms the real part cannot see - a lead inductance, a blocking
        electrode's capacitance - so it picks ``"both"`` where that DRT breaks).
    lambda_method
        ``"gcv"``, ``"mgcv"``, ``"lcurve"``, ``"re-im"`` or ``"fixed"`` (then ``lambda_value`` is used).
    lambda_value
        Regularisation parameter when ``lambda_method="fixed"`` (dimensionless).
    lambda_bounds
        Search interval of the automatic methods (dimensionless).
    fit_r_inf
        Fit a series resistance R_inf >= 0 (ignored with imaginary-only data, where R_inf is estimated
        afterwards from the real part).
    fit_inductance
        Fit a series inductance L >= 0 in H (or H cm^2); needs the imaginary part.
    points_per_decade
        Density of the tau grid; ``None`` takes the density of the data (at least 6 per decade).
    extend_decades
        How far the tau grid reaches beyond 1/(2 pi f_max) and 1/(2 pi f_min), in decades (>= 1 recommended).
    fwhm_coeff
        Gaussian RBF shape: FWHM = grid spacing / ``fwhm_coeff`` (pyDRTtools' "FWHM coefficient", 0.5).
    weighting
        ``"none"`` (absolute residuals, as pyDRTtools) or ``"modulus"`` (residuals divided by |Z|).
    output_points_per_decade
        Density of the grid on which gamma is reported.
    """

    basis: Basis = "gaussian"
    derivative: int = 2
    data: DataPart = "real"
    lambda_method: LambdaMethod = "gcv"
    lambda_value: float = 1e-3
    lambda_bounds: tuple[float, float] = (1e-8, 1e1)
    fit_r_inf: bool = True
    fit_inductance: bool = False
    points_per_decade: float | None = None
    extend_decades: float = 1.0
    fwhm_coeff: float = 0.5
    weighting: Weighting = "none"
    output_points_per_decade: float = 50.0

    def __post_init__(self) -> None:
        if self.basis not in ("gaussian", "pwl"):
            raise InputError(f"unknown DRT basis {self.basis!r}; expected 'gaussian' or 'pwl'")
        if self.derivative not in (1, 2):
            raise InputError(f"DRT penalty derivative must be 1 or 2, got {self.derivative!r}")
        if self.data not in ("real", "imag", "both", "auto", "series"):
            raise InputError(f"unknown DRT data part {self.data!r}; expected real, imag, both, auto or series")
        if self.lambda_method not in ("gcv", "mgcv", "lcurve", "re-im", "fixed"):
            raise InputError(
                f"unknown lambda method {self.lambda_method!r}; expected gcv, mgcv, lcurve, re-im or fixed"
            )
        if not (self.lambda_value > 0 and self.lambda_bounds[0] > 0 and self.lambda_bounds[1] > 0):
            raise InputError("DRT lambda and its bounds must be > 0")
        if self.extend_decades < 0:
            raise InputError(f"extend_decades must be >= 0, got {self.extend_decades}")
        if self.weighting not in ("none", "modulus"):
            raise InputError(f"unknown weighting {self.weighting!r}; expected 'none' or 'modulus'")

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> DrtSettings:
        """Settings from a config mapping (unknown keys are rejected; ``backend`` is ignored here)."""
        values = {k: v for k, v in (config or {}).items() if k != "backend"}
        names = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - names)
        if unknown:
            raise InputError(f"unknown DRT setting(s) {unknown}; known: {sorted(names)}")
        if "lambda_bounds" in values:
            values["lambda_bounds"] = tuple(values["lambda_bounds"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping (JSON-able)."""
        d = asdict(self)
        d["lambda_bounds"] = list(self.lambda_bounds)
        return d


@dataclass(frozen=True)
class TauGrid:
    """Log-uniform grid of basis-function centres.

    Attributes
    ----------
    tau_s
        Centres in s, ascending.
    """

    tau_s: FloatArray

    @property
    def ln_tau(self) -> FloatArray:
        """ln(tau / 1 s)."""
        return np.log(self.tau_s)

    @property
    def spacing_ln(self) -> float:
        """Mean grid step in ln tau."""
        return float(np.log(self.tau_s[-1] / self.tau_s[0]) / (self.tau_s.size - 1))

    @classmethod
    def log_uniform(cls, tau_min_s: float, tau_max_s: float, points_per_decade: float = 10.0) -> TauGrid:
        """Grid from ``tau_min_s`` to ``tau_max_s`` (s) with ``points_per_decade`` points per decade.

        Use it to give every spectrum of a dataset the same grid when DRTs run one spectrum at a time.
        """
        if not (0 < tau_min_s < tau_max_s) or points_per_decade <= 0:
            raise InputError(f"bad tau grid {tau_min_s!r} .. {tau_max_s!r} s, {points_per_decade!r} per decade")
        lo, hi = math.log10(tau_min_s), math.log10(tau_max_s)
        n = max(math.ceil(round((hi - lo) * points_per_decade, 6)) + 1, 4)
        return cls(np.logspace(lo, hi, n))

    @classmethod
    def for_frequencies(
        cls,
        frequency_hz: Sequence[float] | FloatArray,
        *,
        points_per_decade: float | None = None,
        extend_decades: float = 1.0,
    ) -> TauGrid:
        """Grid covering 1/(2 pi f) of all ``frequency_hz`` plus ``extend_decades`` on each side.

        Parameters
        ----------
        frequency_hz
            Frequencies in Hz (any order; several spectra may be concatenated).
        points_per_decade
            Grid density; ``None`` uses the median density of the data, at least 6 and at most 20 per decade.
        extend_decades
            Extension beyond the measured range on each side, in decades.
        """
        f = np.asarray(frequency_hz, dtype=float)
        lo = math.log10(1.0 / (2 * math.pi * f.max())) - extend_decades
        hi = math.log10(1.0 / (2 * math.pi * f.min())) + extend_decades
        if points_per_decade is None:
            lf = np.sort(np.log10(f))
            steps = np.diff(lf)
            steps = steps[steps > 0]
            density = 1.0 / float(np.median(steps)) if steps.size else 10.0
            points_per_decade = min(max(density, 6.0), 20.0)
        n = max(math.ceil(round((hi - lo) * points_per_decade, 6)) + 1, 4)
        return cls(np.logspace(lo, hi, n))


@dataclass(frozen=True, eq=False)
class DrtResult:
    """A DRT of one spectrum.

    Attributes
    ----------
    tau_s
        Output grid in s, ascending (``output_points_per_decade``; the basis grid plus the support of the
        outermost basis functions).
    gamma
        gamma(ln tau) on ``tau_s``, in the spectrum's impedance unit (ohm or ohm cm^2): the resistance per unit
        of ln tau, so that the integral over ln tau of a peak is its resistance.
    unit
        ``"ohm"`` or ``"ohm cm^2"``.
    r_inf
        Series resistance in ``unit``.
    inductance
        Series inductance in H (unit ohm) or H cm^2 (unit ohm cm^2).
    lambda_value
        Regularisation parameter used (dimensionless).
    lambda_method
        How it was chosen (``"gcv"`` ... ``"fixed"``, or ``"shared:<method>"`` in series mode).
    data
        Data part actually fitted (``"real"``, ``"imag"`` or ``"both"``).
    basis_tau_s
        Basis-function centres in s.
    coefficients
        Basis coefficients (``unit``), >= 0.
    spectrum
        The input spectrum.
    fitted
        Reconstructed spectrum on the input frequencies (same unit and metadata).
    settings
        Settings used.
    backend
        ``"native"`` or ``"pydrttools"``.
    diagnostics
        Scores of the lambda choice and similar numbers.
    data_choice
        With ``settings.data == "series"``: why ``data`` was chosen for the series this spectrum belongs to
        (:func:`eisrecipe.methods.drt.tikhonov.choose_data_part`); ``None`` otherwise.
    """

    tau_s: FloatArray
    gamma: FloatArray
    unit: str
    r_inf: float
    inductance: float
    lambda_value: float
    lambda_method: str
    data: str
    basis_tau_s: FloatArray
    coefficients: FloatArray
    spectrum: Spectrum
    fitted: Spectrum
    settings: DrtSettings
    backend: str = "native"
    diagnostics: dict[str, float] = field(default_factory=dict)
    data_choice: dict[str, Any] | None = None

    @property
    def frequency_hz(self) -> FloatArray:
        """Characteristic frequency 1/(2 pi tau) of the output grid, in Hz."""
        return 1.0 / (2.0 * math.pi * self.tau_s)

    @property
    def r_pol(self) -> float:
        """Polarisation resistance: integral of gamma over ln tau, in ``unit``."""
        return float(np.trapezoid(self.gamma, np.log(self.tau_s)))

    @property
    def r_pol_measured(self) -> float:
        """Polarisation resistance seen in the measured window: Re Z_fit(f_min) - R_inf, in ``unit``.

        Unlike :attr:`r_pol` it ignores DRT mass far beyond the lowest measured frequency, which the data
        cannot pin down (non-negative fits of noisy data put small spurious peaks there).
        """
        return float(self.fitted.z_real[-1] - self.r_inf)

    @property
    def window_tau_s(self) -> tuple[float, float]:
        """Measured window 1/(2 pi f_max) .. 1/(2 pi f_min) in s."""
        f = self.spectrum.frequency_hz
        return float(1.0 / (2 * math.pi * f.max())), float(1.0 / (2 * math.pi * f.min()))

    @property
    def residuals(self) -> NDArray[np.complex128]:
        """(Z_fit - Z) / |Z| per point (relative, complex: real and imaginary residuals)."""
        z = self.spectrum.impedance
        return (self.fitted.impedance - z) / np.abs(z)

    @property
    def residual_rms(self) -> tuple[float, float]:
        """RMS of the relative real and imaginary residuals."""
        r = self.residuals
        return float(np.sqrt(np.mean(r.real**2))), float(np.sqrt(np.mean(r.imag**2)))

    def to_frame(self) -> pd.DataFrame:
        """gamma as a table: ``tau_s``, ``frequency_hz``, ``gamma_<unit>``."""
        import pandas as pd

        s = self.spectrum.unit_suffix
        return pd.DataFrame({"tau_s": self.tau_s, "frequency_hz": self.frequency_hz, f"gamma_{s}": self.gamma})

    def residuals_frame(self) -> pd.DataFrame:
        """Fit and residuals per point: ``frequency_hz``, data, fit, relative residuals."""
        import pandas as pd

        s = self.spectrum.unit_suffix
        r = self.residuals
        return pd.DataFrame(
            {
                "frequency_hz": self.spectrum.frequency_hz,
                f"z_real_{s}": self.spectrum.z_real,
                f"z_imag_{s}": self.spectrum.z_imag,
                f"z_real_fit_{s}": self.fitted.z_real,
                f"z_imag_fit_{s}": self.fitted.z_imag,
                "residual_real_rel": r.real,
                "residual_imag_rel": r.imag,
            }
        )

    def summary(self) -> dict[str, Any]:
        """Scalars of the result (JSON-able)."""
        rr, ri = self.residual_rms
        s = self.spectrum.unit_suffix
        out: dict[str, Any] = {
            "backend": self.backend,
            "data": self.data,
            "lambda": self.lambda_value,
            "lambda_method": self.lambda_method,
            f"r_inf_{s}": self.r_inf,
            f"inductance_h{'' if s == 'ohm' else '_cm2'}": self.inductance,
            f"r_pol_{s}": self.r_pol,
            f"r_pol_measured_{s}": self.r_pol_measured,
            "residual_rms_real_rel": rr,
            "residual_rms_imag_rel": ri,
            "tau_min_s": float(self.basis_tau_s[0]),
            "tau_max_s": float(self.basis_tau_s[-1]),
            "n_basis": int(self.basis_tau_s.size),
            "settings": self.settings.to_dict(),
        }
        if self.data_choice is not None:
            out["data_choice"] = dict(self.data_choice)
        return out
