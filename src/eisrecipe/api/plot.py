"""Plots of one spectrum or result for interactive use: each draws into ``ax`` (or a new figure) and returns the
matplotlib Axes. The workflow's report figures are :mod:`eisrecipe.report.figures`."""

from __future__ import annotations

from typing import Any

import numpy as np

from eisrecipe.spectrum import Spectrum

__all__ = ["bode", "drt", "nyquist"]


def _axes(ax: Any, n: int = 1) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(n, 1, figsize=(6, 4 * n if n > 1 else 4.5), layout="constrained", squeeze=True)
    return ax


def _unit(spectrum: Spectrum) -> str:
    return "Ω cm²" if spectrum.unit == "ohm cm^2" else "Ω"


def nyquist(spectrum: Any, ax: Any = None, fit: Any = None, **kwargs: Any) -> Any:
    """-Z'' against Z' with equal axes; ``spectrum`` may be a :class:`Spectrum` or the result of ``er.kk``
    (then the dropped points are drawn as crosses); ``fit``: an ``er.fit`` result drawn as a line."""
    ax = _axes(ax)
    dropped = None
    if hasattr(spectrum, "crop") and hasattr(spectrum, "original"):
        keep = np.asarray(spectrum.crop.keep, dtype=bool)
        dropped = spectrum.original.impedance[~keep]
        spectrum = spectrum.spectrum
    z = spectrum.impedance
    ax.plot(z.real, -z.imag, "o", ms=3, label=kwargs.pop("label", "data"), **kwargs)
    if dropped is not None and dropped.size:
        ax.plot(dropped.real, -dropped.imag, "x", color="0.5", ms=4, label="dropped (KK)")
    if fit is not None:
        f = np.geomspace(spectrum.frequency_hz.min(), spectrum.frequency_hz.max(), 400)
        zf = fit.predict(f)
        ax.plot(zf.real, -zf.imag, "-", lw=1.2, label=f"fit {fit.circuit}")
    unit = _unit(spectrum)
    ax.set_xlabel(f"Z' / {unit}")
    ax.set_ylabel(f"-Z'' / {unit}")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="best", frameon=False)
    return ax


def bode(spectrum: Spectrum, ax: Any = None) -> Any:
    """|Z| and phase against frequency (two stacked Axes; returns them)."""
    axes = _axes(ax, 2)
    f, z = spectrum.frequency_hz, spectrum.impedance
    axes[0].loglog(f, np.abs(z), "o-", ms=3)
    axes[0].set_ylabel(f"|Z| / {_unit(spectrum)}")
    axes[1].semilogx(f, -np.degrees(np.angle(z)), "o-", ms=3)
    axes[1].set_ylabel("-phase / °")
    axes[1].set_xlabel("frequency / Hz")
    return axes


def drt(result: Any, ax: Any = None) -> Any:
    """gamma(tau) of an ``er.drt`` result with its peaks marked."""
    ax = _axes(ax)
    r = result.result
    ax.semilogx(r.tau_s, r.gamma, "-")
    for p in result.peaks:
        ax.axvline(p.tau_s, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel("τ / s")
    ax.set_ylabel(f"γ / {'Ω cm²' if r.unit == 'ohm cm^2' else 'Ω'}")
    return ax
