"""Peaks of a DRT: position, height, resistance (area) and width.

A peak is a local maximum of gamma(ln tau) whose prominence exceeds ``prominence`` times the height of the
largest peak. Its resistance is either the integral of gamma over its domain (from the valley on its left to
the valley on its right, ``area="domain"``) or the area of its component in a least-squares decomposition of
gamma into one Gaussian (in ln tau) per peak (``area="gauss"``), which splits overlapping peaks more fairly.

Units: tau in s, frequency in Hz, height and resistance in the DRT's unit (ohm or ohm cm^2), width in decades,
capacitance C = tau / R in F (or F cm^-2 for area-specific impedance).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy.optimize import least_squares

from eisrecipe.errors import InputError
from eisrecipe.spectrum import FloatArray

if TYPE_CHECKING:
    import pandas as pd

    from eisrecipe.methods.drt import DrtResult

AreaMethod = Literal["domain", "gauss"]

_LN10 = math.log(10.0)


@dataclass(frozen=True)
class Peak:
    """One DRT peak.

    Attributes
    ----------
    tau_s
        Peak position in s (parabolic interpolation of the maximum on the log grid).
    frequency_hz
        1 / (2 pi tau) in Hz.
    height
        gamma at the maximum, in the DRT unit (ohm or ohm cm^2 per unit of ln tau).
    r
        Resistance of the peak (its area over ln tau) in the DRT unit.
    width_decades
        Full width at half maximum in decades of tau.
    prominence_rel
        Prominence relative to the largest peak's height.
    tau_lo_s, tau_hi_s
        Limits of the peak's domain (valleys or grid ends) in s.
    r_domain
        Integral of gamma over the domain (equals ``r`` with ``area="domain"``).
    in_window
        Whether the peak lies inside the measured window 1/(2 pi f_max) .. 1/(2 pi f_min), widened by
        ``window_margin_decades`` on each side. Peaks far outside it are extrapolation: the data constrain them
        only through their tails, and noise alone can make them (``True`` when no window is known).
    """

    tau_s: float
    frequency_hz: float
    height: float
    r: float
    width_decades: float
    prominence_rel: float
    tau_lo_s: float
    tau_hi_s: float
    r_domain: float
    in_window: bool = True

    @property
    def c(self) -> float:
        """Capacitance tau / R in F (or F cm^-2 for area-specific R); NaN for R = 0."""
        return self.tau_s / self.r if self.r > 0 else math.nan

    @property
    def log10_tau(self) -> float:
        """log10(tau / 1 s)."""
        return math.log10(self.tau_s)


def _parabolic_max(y: FloatArray, x: FloatArray, i: int) -> tuple[float, float]:
    if 0 < i < y.size - 1:
        y0, y1, y2 = y[i - 1], y[i], y[i + 1]
        denom = y0 - 2 * y1 + y2
        if denom < 0:
            d = 0.5 * (y0 - y2) / denom
            h = x[1] - x[0]
            return float(x[i] + d * h), float(y1 - 0.25 * (y0 - y2) * d)
    return float(x[i]), float(y[i])


def _fwhm(y: FloatArray, x: FloatArray, i: int, lo: int, hi: int) -> float:
    half = y[i] / 2.0
    j = i
    while j > lo and y[j] > half:
        j -= 1
    left = x[j] if y[j] > half else x[j] + (half - y[j]) / (y[j + 1] - y[j]) * (x[j + 1] - x[j])
    k = i
    while k < hi and y[k] > half:
        k += 1
    right = x[k] if y[k] > half else x[k - 1] + (y[k - 1] - half) / (y[k - 1] - y[k]) * (x[k] - x[k - 1])
    return float(right - left)


def _gauss_areas(
    y: FloatArray, x: FloatArray, centres: Sequence[float], heights: Sequence[float], widths: Sequence[float]
) -> FloatArray:
    """Areas over x of a sum-of-Gaussians fit to y (x in ln tau)."""
    k = len(centres)
    p0 = []
    lb, ub = [], []
    span = x[-1] - x[0]
    for c, h, w in zip(centres, heights, widths, strict=True):
        s = max(w / 2.3548, 1e-3)
        p0 += [max(h, 1e-300), c, s]
        lb += [0.0, c - 1.5, 1e-3]
        ub += [np.inf, c + 1.5, span]

    def model(p: FloatArray) -> FloatArray:
        out = np.zeros_like(x)
        for j in range(k):
            a, c, s = p[3 * j : 3 * j + 3]
            out += a * np.exp(-0.5 * ((x - c) / s) ** 2)
        return out

    scale = float(np.max(y)) or 1.0
    res = least_squares(lambda p: (model(p) - y) / scale, np.array(p0), bounds=(lb, ub), x_scale="jac")
    p = res.x
    return np.array([p[3 * j] * p[3 * j + 2] * math.sqrt(2 * math.pi) for j in range(k)])


def find_peaks(
    result: DrtResult,
    *,
    prominence: float = 0.05,
    area: AreaMethod = "gauss",
    min_r_fraction: float = 0.0,
    window_margin_decades: float = 0.5,
) -> tuple[Peak, ...]:
    """Peaks of a DRT, shortest tau first.

    Parameters
    ----------
    result
        A DRT (``tau_s`` ascending, ``gamma`` in ohm or ohm cm^2).
    prominence
        Minimum prominence relative to the height of the largest peak (0.05: a peak must stand 5 % of the
        highest peak above its surrounding valleys, which drops ripples of a regularised DRT of ~1 % noisy
        data while keeping shoulders of a tenth of the main peak).
    area
        ``"gauss"`` (Gaussian decomposition; default, it splits overlapping peaks fairly: RC pairs one decade
        apart come out within 5 %) or ``"domain"`` (integral between the neighbouring valleys, which gives a
        peak the tails of its neighbours).
    min_r_fraction
        Drop peaks whose resistance is below this fraction of the DRT's total polarisation resistance.
    window_margin_decades
        Peaks whose maximum lies more than this many decades outside the measured window get
        ``in_window=False`` (0.5 decade: an RC element half a decade beyond f_min still shows 75 % of its
        Z'' maximum at f_min, one further out shows little more than its tail).

    Returns
    -------
    tuple of Peak
    """
    lo, hi = result.window_tau_s
    m = 10.0**window_margin_decades
    return peaks_of(
        result.tau_s,
        result.gamma,
        prominence=prominence,
        area=area,
        min_r_fraction=min_r_fraction,
        window_tau_s=(lo / m, hi * m),
    )


def _local_maxima(x: FloatArray) -> list[int]:
    """Indices of the local maxima of ``x`` (a flat top counts once, at its middle rounded down), as
    :func:`scipy.signal.find_peaks` finds them; the ends are never maxima."""
    out = []
    i, i_max = 1, x.size - 1
    while i < i_max:
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < i_max and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                out.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    return out


def _prominence(x: FloatArray, i: int) -> float:
    """Prominence of the maximum at ``i``: its height above the higher of the lowest points on either side before
    a higher sample or the end (:func:`scipy.signal.peak_prominences` without a window)."""
    top = x[i]
    left = right = top
    j = i
    while j >= 0 and x[j] <= top:
        left = min(left, x[j])
        j -= 1
    j = i
    while j < x.size and x[j] <= top:
        right = min(right, x[j])
        j += 1
    return float(top - max(left, right))


def find_maxima(x: FloatArray, min_prominence: float) -> tuple[np.ndarray, np.ndarray]:
    """Local maxima of ``x`` whose prominence is at least ``min_prominence``: their indices (ascending) and
    prominences.

    The same selection as ``scipy.signal.find_peaks(x, prominence=min_prominence)``, in plain Python: that
    function's module pulls in :mod:`scipy.stats` (0.3 s of imports per job for a loop over a few hundred points).
    """
    x = np.asarray(x, dtype=float)
    found = [(i, p) for i in _local_maxima(x) if (p := _prominence(x, i)) >= min_prominence]
    return np.array([i for i, _ in found], dtype=np.intp), np.array([p for _, p in found], dtype=float)


def peaks_of(
    tau_s: FloatArray,
    gamma: FloatArray,
    *,
    prominence: float = 0.05,
    area: AreaMethod = "gauss",
    min_r_fraction: float = 0.0,
    window_tau_s: tuple[float, float] | None = None,
) -> tuple[Peak, ...]:
    """Peaks of gamma(ln tau) on a log-uniform ascending ``tau_s`` grid (see :func:`find_peaks`).

    ``window_tau_s`` (s, s) sets :attr:`Peak.in_window`; ``None`` marks every peak as in the window.
    """
    if area not in ("domain", "gauss"):
        raise InputError(f"unknown peak area method {area!r}; expected 'domain' or 'gauss'")
    tau = np.asarray(tau_s, dtype=float)
    g = np.clip(np.asarray(gamma, dtype=float), 0.0, None)
    if tau.size < 3 or not np.any(g > 0):
        return ()
    x = np.log(tau)
    gmax = float(g.max())
    # pad with zeros so that maxima at the grid ends count as peaks
    padded = np.concatenate([[0.0], g, [0.0]])
    idx, prom = find_maxima(padded, prominence * gmax)
    idx = idx - 1
    if idx.size == 0:
        return ()
    # domains: split at the minimum of gamma between neighbouring maxima
    bounds = [0]
    bounds.extend(int(a + np.argmin(g[a : b + 1])) for a, b in itertools.pairwise(idx))
    bounds.append(tau.size - 1)
    r_dom = np.array(
        [
            float(np.trapezoid(g[bounds[j] : bounds[j + 1] + 1], x[bounds[j] : bounds[j + 1] + 1]))
            for j in range(idx.size)
        ]
    )
    centres, heights, widths = [], [], []
    for j, i in enumerate(idx):
        c, h = _parabolic_max(g, x, int(i))
        centres.append(c)
        heights.append(h)
        widths.append(_fwhm(g, x, int(i), bounds[j], bounds[j + 1]))
    r_val = _gauss_areas(g, x, centres, heights, widths) if area == "gauss" else r_dom
    total = float(np.trapezoid(g, x))
    peaks = []
    for j in range(idx.size):
        if total > 0 and r_val[j] < min_r_fraction * total:
            continue
        t = math.exp(centres[j])
        peaks.append(
            Peak(
                tau_s=t,
                frequency_hz=1.0 / (2 * math.pi * t),
                height=heights[j],
                r=float(r_val[j]),
                width_decades=widths[j] / _LN10,
                prominence_rel=float(prom[j] / gmax),
                tau_lo_s=float(tau[bounds[j]]),
                tau_hi_s=float(tau[bounds[j + 1]]),
                r_domain=float(r_dom[j]),
                in_window=window_tau_s is None or (window_tau_s[0] <= t <= window_tau_s[1]),
            )
        )
    return tuple(peaks)


def peaks_frame(
    peaks_by_spectrum: Mapping[str, Sequence[Peak]] | Iterable[tuple[str, Sequence[Peak]]],
    *,
    unit: str = "ohm cm^2",
    meta: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """The ``peaks.csv`` table: one row per spectrum and peak.

    Parameters
    ----------
    peaks_by_spectrum
        Spectrum name -> its peaks (mapping or pairs, kept in the given order).
    unit
        Impedance unit of the DRTs (``"ohm cm^2"`` -> ``r_ohm_cm2``, ``c_f_cm2``; ``"ohm"`` -> ``r_ohm``,
        ``c_f``).
    meta
        Optional spectrum name -> extra columns (e.g. ``pressure_mpa``, ``temperature_c``).

    Returns
    -------
    pandas.DataFrame
        Columns ``spectrum``, ``peak`` (0 = shortest tau), ``tau_s``, ``log10_tau_s``, ``frequency_hz``,
        ``r_<unit>``, ``c_<F unit>``, ``height_<unit>``, ``width_decades``, ``prominence_rel``,
        ``tau_lo_s``, ``tau_hi_s``, ``r_domain_<unit>``, ``in_window``, then the ``meta`` columns.
    """
    import pandas as pd

    if unit not in ("ohm", "ohm cm^2"):
        raise InputError(f"unknown impedance unit {unit!r}")
    su = "ohm_cm2" if unit == "ohm cm^2" else "ohm"
    cu = "f_cm2" if unit == "ohm cm^2" else "f"
    items = peaks_by_spectrum.items() if isinstance(peaks_by_spectrum, Mapping) else peaks_by_spectrum
    rows = []
    for name, peaks in items:
        extra = dict((meta or {}).get(name, {}))
        for k, p in enumerate(peaks):
            rows.append(
                {
                    "spectrum": name,
                    "peak": k,
                    "tau_s": p.tau_s,
                    "log10_tau_s": p.log10_tau,
                    "frequency_hz": p.frequency_hz,
                    f"r_{su}": p.r,
                    f"c_{cu}": p.c,
                    f"height_{su}": p.height,
                    "width_decades": p.width_decades,
                    "prominence_rel": p.prominence_rel,
                    "tau_lo_s": p.tau_lo_s,
                    "tau_hi_s": p.tau_hi_s,
                    f"r_domain_{su}": p.r_domain,
                    "in_window": p.in_window,
                    **extra,
                }
            )
    columns = [
        "spectrum",
        "peak",
        "tau_s",
        "log10_tau_s",
        "frequency_hz",
        f"r_{su}",
        f"c_{cu}",
        f"height_{su}",
        "width_decades",
        "prominence_rel",
        "tau_lo_s",
        "tau_hi_s",
        f"r_domain_{su}",
        "in_window",
    ]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    return frame


def peaks_from_frame(frame: pd.DataFrame) -> dict[str, tuple[Peak, ...]]:
    """Inverse of :func:`peaks_frame`: spectrum name -> its peaks (rows in table order).

    Raises
    ------
    InputError
        The table lacks a required column.
    """
    su = "ohm_cm2" if "r_ohm_cm2" in frame.columns else "ohm"
    need = ["spectrum", "tau_s", f"r_{su}", f"height_{su}", "width_decades", "prominence_rel", "tau_lo_s", "tau_hi_s"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InputError(f"peaks table lacks column(s) {missing}")
    out: dict[str, list[Peak]] = {}
    for row in frame.itertuples(index=False):
        d = row._asdict()
        tau = float(d["tau_s"])
        out.setdefault(str(d["spectrum"]), []).append(
            Peak(
                tau_s=tau,
                frequency_hz=1.0 / (2 * math.pi * tau),
                height=float(d[f"height_{su}"]),
                r=float(d[f"r_{su}"]),
                width_decades=float(d["width_decades"]),
                prominence_rel=float(d["prominence_rel"]),
                tau_lo_s=float(d["tau_lo_s"]),
                tau_hi_s=float(d["tau_hi_s"]),
                r_domain=float(d.get(f"r_domain_{su}", d[f"r_{su}"])),
                in_window=bool(d.get("in_window", True)),
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def peak_to_dict(peak: Peak) -> dict[str, float]:
    """Plain mapping of a peak (JSON-able), with the capacitance."""
    return {**asdict(peak), "c": peak.c}
