"""Starting values of circuit fits: an element's (R, tau) from DRT peaks, R_inf and series-L starts, and the
start vector of a series model.

Units: R and Z in the spectrum's unit (ohm or ohm cm^2), tau in s, L in H (or H cm^2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from eisrecipe.methods.circuits import ElementKind
from eisrecipe.methods.fitting import Start
from eisrecipe.spectrum import Spectrum

__all__ = ["inductance_start", "merged_seed", "merged_seed_of", "r_inf_start", "seeded_start"]


def merged_seed(peaks: pd.DataFrame) -> tuple[float, float]:
    """(R, tau) of one element from the DRT peaks assigned to it: R summed (``r_ohm_cm2``), tau (``tau_s``) the
    R-weighted geometric mean."""
    return merged_seed_of(peaks["r_ohm_cm2"].to_numpy(float), peaks["tau_s"].to_numpy(float))


def merged_seed_of(r: np.ndarray, tau: np.ndarray) -> tuple[float, float]:
    """:func:`merged_seed` from the peaks' R (unit of Z) and tau (s) as arrays."""
    return float(r.sum()), float(np.exp(np.sum(r * np.log(tau)) / r.sum()))


def r_inf_start(spectrum: Spectrum) -> float:
    """Start of R_inf: half the smallest Z' of the spectrum (unit of Z), at least 1e-6."""
    return float(max(spectrum.z_real.min() * 0.5, 1e-6))


def inductance_start(spectrum: Spectrum) -> float:
    """Start of a series L (unit of Z x s): the top point's reactance if inductive, else 1 % of |Z| there."""
    k = int(np.argmax(spectrum.frequency_hz))
    z = spectrum.impedance[k]
    return float(max(z.imag, 0.01 * abs(z)) / (2 * np.pi * spectrum.frequency_hz[k]))


def seeded_start(
    seeds: Sequence[tuple[float, float]], kinds: Sequence[ElementKind], r_inf: float, inductance: float | None = None
) -> Start:
    """Starting values from per-element (R, tau) seeds in tau order; taus of merged groups may touch, so they are
    kept strictly ascending (x1.5); alpha 1 for RC, 0.9 for R-CPE; ``inductance`` None: a model without L."""
    taus = [tau for _, tau in seeds]
    for k in range(1, len(taus)):
        taus[k] = max(taus[k], taus[k - 1] * 1.5)
    return Start(
        r=[r for r, _ in seeds],
        tau_s=taus,
        alpha=[1.0 if kind == "RC" else 0.9 for kind in kinds],
        r_inf=max(r_inf, 1e-6),
        inductance=inductance if inductance is not None else 1e-9,
    )
