"""Distribution of relaxation times (DRT): the data model, the native Tikhonov engine and the pyDRTtools adapter,
behind one dispatch (:func:`run_drt`, config ``drt.backend``).

- :mod:`eisrecipe.methods.drt.model`: :class:`DrtSettings`, :class:`TauGrid`, :class:`DrtResult`;
- :mod:`eisrecipe.methods.drt.tikhonov`: the native engine (:func:`compute_drt`, :func:`compute_drt_series`) and the
  paper's data-part rule (:func:`choose_data_part`, ``drt.data: series``);
- :mod:`eisrecipe.methods.drt.pydrttools`: pyDRTtools run headless (optional extra), for cross-checks.
"""

from __future__ import annotations

from dataclasses import replace

from eisrecipe.errors import InputError
from eisrecipe.methods.drt.model import (
    Backend,
    Basis,
    DataPart,
    DrtResult,
    DrtSettings,
    LambdaMethod,
    LambdaPolicy,
    TauGrid,
)
from eisrecipe.methods.drt.tikhonov import choose_data_part, compute_drt, compute_drt_series
from eisrecipe.spectrum import Spectrum

__all__ = [
    "Backend",
    "Basis",
    "DataPart",
    "DrtResult",
    "DrtSettings",
    "LambdaMethod",
    "LambdaPolicy",
    "TauGrid",
    "choose_data_part",
    "compute_drt",
    "compute_drt_series",
    "run_drt",
]


def run_drt(
    spectrum: Spectrum,
    settings: DrtSettings | None = None,
    *,
    backend: Backend = "native",
    grid: TauGrid | None = None,
    lambda_value: float | None = None,
) -> DrtResult:
    """Dispatch to the native engine or the pyDRTtools adapter (``drt.backend`` in the config).

    The pyDRTtools backend uses its own collocation grid (tau = 1/f) and ignores ``grid``; with
    ``data="series"`` it applies :func:`choose_data_part` to the one spectrum it is given.
    """
    if backend == "native":
        return compute_drt(spectrum, settings, grid=grid, lambda_value=lambda_value)
    if backend == "pydrttools":
        from eisrecipe.methods.drt.pydrttools import compute_drt_pydrttools

        s = settings or DrtSettings()
        if lambda_value is not None:
            s = replace(s, lambda_method="fixed", lambda_value=float(lambda_value))
        return compute_drt_pydrttools(spectrum, s)
    raise InputError(f"unknown DRT backend {backend!r}; expected 'native' or 'pydrttools'")
