"""The noise level of a spectrum, read from the residuals of a model fitted to it.

A model that describes a spectrum leaves the noise as residuals, plus - where it does not quite fit - a smooth
systematic part (regularisation bias of a DRT, a KK violation). Differences of neighbouring residuals cancel the
smooth part and keep the noise (with variance doubled for white noise), so the robust scale of those differences
(median absolute deviation x 1.4826, / sqrt 2) estimates the noise even beside a misfit; a root mean square of
the residuals themselves would count the misfit as noise.

Units: relative residuals (residual / |Z|) in, a relative noise level (fraction of |Z|) out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["relative_noise_level"]


def relative_noise_level(residual_real: ArrayLike, residual_imag: ArrayLike, floor: float = 0.0) -> float:
    """Noise of a spectrum from its relative residuals (module docstring): the root mean square over the real and
    imaginary parts of MAD(diff(r)) x 1.4826 / sqrt 2, never below ``floor`` (fraction of |Z|)."""
    scales = []
    for r in (np.asarray(residual_real, dtype=float), np.asarray(residual_imag, dtype=float)):
        d = np.diff(r)
        scales.append(1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2.0) if d.size else 0.0)
    return max(float(np.sqrt(np.mean(np.square(scales)))), floor)
