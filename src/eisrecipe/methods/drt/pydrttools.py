"""pyDRTtools as a second DRT backend (``drt.backend: pydrttools``), imported headless.

pyDRTtools 0.2 (PyPI) cannot be used as a library as it ships:

- ``import pyDRTtools`` imports its PyQt5 GUI, which calls ``matplotlib.use("Qt5Agg")`` and fails without a
  display (and without PyQt5);
- it declares none of what it needs (cvxopt, scikit-learn, pandas, matplotlib);
- ``simple_run(..., data_used="Re Data")`` prints ``entry.lambda_lambda``, an attribute that does not exist
  (``AttributeError``);
- it prints progress on stdout, and cvxopt prints every iteration.

This adapter puts empty stand-ins for ``pyDRTtools.GUI``, ``pyDRTtools.layout`` and ``pyDRTtools.cli`` into
``sys.modules`` before the import, swallows stdout during import and solve, turns cvxopt's progress off and sets
``lambda_lambda`` before the run. Install the extra with ``pip install "eisrecipe[pydrttools]"``.

pyDRTtools places its basis functions at tau = 1/f (one per frequency) and reports gamma on a grid 10 times finer
reaching half a decade beyond; its gamma is per unit of ln tau like the native one.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import types
import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from eisrecipe.errors import InputError
from eisrecipe.methods.drt.model import DrtResult, DrtSettings
from eisrecipe.methods.drt.tikhonov import choose_data_part
from eisrecipe.spectrum import Spectrum

_STUBS = ("pyDRTtools.GUI", "pyDRTtools.layout", "pyDRTtools.cli")
_DATA = {"real": "Re Data", "imag": "Im Data", "both": "Combined Re-Im Data"}
_METHOD = {"gcv": "GCV", "mgcv": "mGCV", "lcurve": "LC", "re-im": "re-im", "fixed": "custom"}
_BASIS = {"gaussian": "Gaussian", "pwl": "PWL"}


def import_pydrttools() -> Any:
    """Import pyDRTtools without its GUI; return its ``runs`` module.

    Raises
    ------
    ImportError
        pyDRTtools or one of its undeclared dependencies (cvxopt, scikit-learn) is missing; the message says
        what to install.
    """
    if "pyDRTtools.runs" in sys.modules:
        return sys.modules["pyDRTtools.runs"]
    for name in _STUBS:
        sys.modules.setdefault(name, types.ModuleType(name))
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its HMC module imports the deprecated numpy.matlib
            import pyDRTtools.runs as runs
    except ImportError as exc:
        for name in _STUBS:
            sys.modules.pop(name, None)
        raise ImportError(
            f"the pydrttools DRT backend needs pyDRTtools, cvxopt and scikit-learn "
            f'(pip install "eisrecipe[pydrttools]"): {exc}'
        ) from exc
    import cvxopt

    cvxopt.solvers.options["show_progress"] = False
    return runs


def pydrttools_available() -> bool:
    """Whether the pyDRTtools backend can be imported."""
    try:
        import_pydrttools()
    except ImportError:
        return False
    return True


def compute_drt_pydrttools(spectrum: Spectrum, settings: DrtSettings | None = None) -> DrtResult:
    """DRT of one spectrum by pyDRTtools' ``simple_run`` (ridge regression, cvxopt QP).

    Parameters
    ----------
    spectrum
        The spectrum (ohm or ohm cm^2).
    settings
        Mapped onto pyDRTtools' options: basis, derivative (1st/2nd order), data part, lambda method (GCV, mGCV,
        LC, re-im, custom = fixed ``lambda_value``), ``fwhm_coeff``, ``fit_inductance`` (induct_used 1 or 0).
        ``points_per_decade``, ``extend_decades``, ``lambda_bounds`` and ``weighting`` have no pyDRTtools
        counterpart and are ignored; ``data="auto"`` is not supported; ``data="series"`` fits ``"real"`` and
        ``"both"`` and keeps one by :func:`eisrecipe.methods.drt.tikhonov.choose_data_part` on this spectrum.

    Returns
    -------
    DrtResult
        ``backend="pydrttools"``; ``tau_s``/``gamma`` on pyDRTtools' fine grid.
    """
    settings = settings or DrtSettings()
    if settings.data == "auto":
        raise InputError("the pydrttools backend does not support data='auto'")
    if settings.data == "series":  # one spectrum at a time: the paper's rule on this spectrum alone
        fits = [compute_drt_pydrttools(spectrum, replace(settings, data=p)) for p in ("real", "both")]
        part, record = choose_data_part(fits[:1], fits[1:])
        return replace(fits[0] if part == "real" else fits[1], settings=settings, data_choice=record)
    runs = import_pydrttools()
    f = spectrum.frequency_hz
    z = spectrum.impedance
    entry = runs.EIS_object(f.copy(), z.real.copy(), z.imag.copy())
    entry.lambda_lambda = settings.lambda_value  # pyDRTtools 0.2 prints this name in its "Re Data" branch
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy quad's IntegrationWarning from its matrix assembly
        runs.simple_run(
            entry,
            rbf_type=_BASIS[settings.basis],
            data_used=_DATA[settings.data],
            induct_used=1 if settings.fit_inductance else 0,
            der_used="1st order" if settings.derivative == 1 else "2nd order",
            cv_type=_METHOD[settings.lambda_method],
            reg_param=settings.lambda_value,
            shape_control="FWHM Coefficient",
            coeff=settings.fwhm_coeff,
        )
    tau = np.asarray(entry.out_tau_vec, dtype=float).ravel()
    gamma = np.asarray(entry.gamma, dtype=float).ravel()
    order = np.argsort(tau)
    z_fit = np.asarray(entry.mu_Z_re, dtype=float) + 1j * np.asarray(entry.mu_Z_im, dtype=float)
    fitted = replace(spectrum, impedance=np.ascontiguousarray(z_fit))
    basis_tau = np.sort(np.asarray(entry.tau, dtype=float))
    coeff = np.asarray(entry.x, dtype=float)
    if entry.tau[0] > entry.tau[-1]:
        coeff = coeff[::-1]
    return DrtResult(
        tau_s=tau[order],
        gamma=gamma[order],
        unit=spectrum.unit,
        r_inf=float(entry.R),
        inductance=float(entry.L),
        lambda_value=float(np.ravel(entry.lambda_value)[0]),
        lambda_method=settings.lambda_method,
        data=settings.data,
        basis_tau_s=basis_tau,
        coefficients=coeff,
        spectrum=spectrum,
        fitted=fitted,
        settings=settings,
        backend="pydrttools",
        diagnostics={"epsilon": float(entry.epsilon), "tau_collocation": "1/f", "two_pi": 2 * math.pi},
    )
