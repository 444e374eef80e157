"""Follow DRT peaks through a cell's pressure series (recipe Steps 1-2 input).

1. Order the series: uniaxial spectra by pressure, then isostatic ones by pressure (then any other mode).
2. Link the peaks of neighbouring spectra by their distance in log10 tau with an optimal assignment
   (:func:`scipy.optimize.linear_sum_assignment`). A track's expected position is its last tau or, once it has two
   points, the constant-velocity extrapolation in log10 tau (whichever is closer), so that a constriction peak
   moving by several tenths of a decade per step stays on its track; both come from the track's in-window points
   where it has any. Links up to ``gate_decades`` are assigned first; the tracks and peaks left over are then
   linked up to twice the gate, but only where the link keeps the order of the peaks (no other peak of either
   spectrum lies between its two ends), since the gate exists so that a link never jumps over a resolved
   neighbour. A peak that drifts by about the gate per step (a track's first link has no velocity to
   extrapolate) therefore stays on its track. A track may skip ``max_gap`` spectra.
3. Every in-window peak belongs to a track: an unlinked one starts a track (appears; tracks of one point are
   kept). A peak outside the measured window (:attr:`eisrecipe.methods.peaks.Peak.in_window` false, an extrapolation of
   the DRT) never starts a track but may continue one: a slow interface peak that sits at the window edge and
   crosses it back and forth stays one track, its outside points flagged ``in_window`` false. Such points carry
   no measured tau or R: the trends (:func:`track_trends`) use the in-window points only.
   Unlinked tracks end (vanish). A track that ends next to a peak taken by another track is recorded as merged
   into it; a track that starts next to a linked peak as split from it.
4. ``by="c"`` links on log10 C = tau/R instead of log10 tau (everything above with C in place of tau): for a
   temperature series, where every thermally activated peak moves by a large fraction of a decade per step while
   its capacitance (permittivity, geometry) hardly moves, so tau alone links a peak to a faster neighbour.
5. Tracks come back unlabelled: which is bulk, grain boundary or interface is the recipe's call
   (:func:`eisrecipe.recipe.steps_1_2.label_tracks`).

Units: tau in s, R in the DRT unit (ohm cm^2 for area-specific spectra), C = tau/R in F cm^-2, pressure in MPa.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from eisrecipe.errors import InputError
from eisrecipe.methods.peaks import Peak
from eisrecipe.methods.trends import log_trend

if TYPE_CHECKING:
    import pandas as pd

_MODE_ORDER = {"uniaxial": 0, "isostatic": 1}


@dataclass(frozen=True)
class SeriesEntry:
    """One spectrum of a series with its peaks.

    Attributes
    ----------
    spectrum
        Spectrum name (sample-sheet ``spectrum``).
    peaks
        Its DRT peaks (from :func:`eisrecipe.methods.peaks.find_peaks`).
    pressure_mpa
        Stack pressure in MPa (NaN when unknown).
    pressure_mode
        ``"uniaxial"``, ``"isostatic"`` or another string (sorted last).
    """

    spectrum: str
    peaks: tuple[Peak, ...]
    pressure_mpa: float = math.nan
    pressure_mode: str = "uniaxial"


def order_pressure_series(entries: Sequence[SeriesEntry]) -> list[SeriesEntry]:
    """Uniaxial by rising pressure, then isostatic by rising pressure, then other modes; ties by name."""

    def key(e: SeriesEntry) -> tuple[int, float, str]:
        p = e.pressure_mpa if math.isfinite(e.pressure_mpa) else math.inf
        return (_MODE_ORDER.get(str(e.pressure_mode).lower(), 2), p, e.spectrum)

    return sorted(entries, key=key)


@dataclass(frozen=True)
class TrackPoint:
    """A peak on a track: the ``step``-th spectrum of the ordered series."""

    step: int
    spectrum: str
    pressure_mpa: float
    pressure_mode: str
    peak: Peak


@dataclass(frozen=True)
class Track:
    """A peak followed through the series.

    Attributes
    ----------
    track
        Track number (0 = first created; creation follows series order, then tau).
    points
        Its peaks, in series order.
    label
        ``bulk``, ``gb``, ``int1``, ``int2`` ... (``fast1`` ...: faster than bulk/GB, no interface signal) once the
        recipe labelled it (empty before).
    label_rule
        Which rule assigned the label.
    merged_into, split_from
        Track numbers of a merge partner (this track ends next to a peak of that one) or of the track it split
        from, else ``None``.
    """

    track: int
    points: tuple[TrackPoint, ...]
    label: str = ""
    label_rule: str = ""
    merged_into: int | None = None
    split_from: int | None = None

    @property
    def measured(self) -> tuple[TrackPoint, ...]:
        """The in-window points (all points when none is in the window)."""
        inside = tuple(p for p in self.points if p.peak.in_window)
        return inside or self.points

    @property
    def log10_tau(self) -> np.ndarray:
        """log10(tau / s) of every point."""
        return np.array([math.log10(p.peak.tau_s) for p in self.points])

    @property
    def r(self) -> np.ndarray:
        """Resistance of every point (DRT unit)."""
        return np.array([p.peak.r for p in self.points])

    @property
    def steps(self) -> list[int]:
        """Series steps where the track has a peak."""
        return [p.step for p in self.points]

    @property
    def median_c(self) -> float:
        """Median capacitance tau/R (F, or F cm^-2 for area-specific R)."""
        c = [p.peak.c for p in self.points if math.isfinite(p.peak.c)]
        return float(np.median(c)) if c else math.nan


@dataclass(frozen=True)
class TrackingResult:
    """Tracks of one cell's series.

    Attributes
    ----------
    entries
        The series in order (see :func:`order_pressure_series`).
    tracks
        The tracks, ordered by their median tau.
    unit
        Impedance unit of the DRTs (``"ohm cm^2"`` or ``"ohm"``).
    settings
        Tracking parameters used (JSON-able).
    """

    entries: tuple[SeriesEntry, ...]
    tracks: tuple[Track, ...]
    unit: str = "ohm cm^2"
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_steps(self) -> int:
        """Number of spectra in the series."""
        return len(self.entries)

    def by_label(self, label: str) -> Track | None:
        """The track with ``label``, if any."""
        return next((t for t in self.tracks if t.label == label), None)

    def to_frame(self) -> pd.DataFrame:
        """The ``tracks.csv`` table: one row per track and spectrum.

        Columns ``track``, ``label``, ``label_rule``, ``spectrum``, ``step``, ``pressure_mpa``, ``pressure_mode``,
        ``tau_s``, ``log10_tau_s``, ``frequency_hz``, ``r_<unit>``, ``c_<F unit>``, ``width_decades``,
        ``in_window``, ``merged_into``, ``split_from``.
        """
        import pandas as pd

        su, cu = _units(self.unit)
        rows = [
            {
                "track": t.track,
                "label": t.label,
                "label_rule": t.label_rule,
                "spectrum": p.spectrum,
                "step": p.step,
                "pressure_mpa": p.pressure_mpa,
                "pressure_mode": p.pressure_mode,
                "tau_s": p.peak.tau_s,
                "log10_tau_s": p.peak.log10_tau,
                "frequency_hz": p.peak.frequency_hz,
                f"r_{su}": p.peak.r,
                f"c_{cu}": p.peak.c,
                "width_decades": p.peak.width_decades,
                "in_window": p.peak.in_window,
                "merged_into": t.merged_into,
                "split_from": t.split_from,
            }
            for t in self.tracks
            for p in t.points
        ]
        return pd.DataFrame(rows)

    def summary_frame(self) -> pd.DataFrame:
        """One row per track with its trends (see :func:`track_trends`)."""
        import pandas as pd

        return pd.DataFrame([track_trends(t, self) for t in self.tracks])


def _units(unit: str) -> tuple[str, str]:
    if unit == "ohm cm^2":
        return "ohm_cm2", "f_cm2"
    if unit == "ohm":
        return "ohm", "f"
    raise InputError(f"unknown impedance unit {unit!r}")


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0:
        return math.nan
    return float(np.polyfit(x[ok], y[ok], 1)[0])


def tau_trend_decades(steps: np.ndarray, log10_tau: np.ndarray) -> float:
    """Systematic change of log10 tau over a track: the least-squares line against the series step, end to end.

    A pressure-driven drift is systematic, while the scatter of a pressure-independent peak's position largely
    averages out of the fitted line (its range max - min, by contrast, grows with the number of points and the
    noise). Two points give their difference; fewer give 0.
    """
    x = np.asarray(steps, dtype=float)
    y = np.asarray(log10_tau, dtype=float)
    slope = _slope(x, y)
    return float(slope * (x[-1] - x[0])) if math.isfinite(slope) else 0.0


def robust_trend(steps: np.ndarray, values: np.ndarray) -> float:
    """Systematic change of ``values`` over a track, end to end, from the Theil-Sen slope (the median of the
    pairwise slopes) against the series step: as :func:`tau_trend_decades`, but one peak linked into the wrong track
    (a spurious bump beside the bulk arc, 0.7 decade off and a tenth of its area, in one spectrum of ten) moves it by
    a pairwise slope or two instead of pulling the least-squares line; it resists up to about 29 % of such points.
    Same unit as ``values``; 0 with fewer than two points."""
    x = np.asarray(steps, dtype=float)
    y = np.asarray(values, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    i, j = np.triu_indices(x.size, k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    if not keep.any():
        return 0.0
    return float(np.median((y[j] - y[i])[keep] / dx[keep]) * (x.max() - x.min()))


def track_trends(track: Track, result: TrackingResult) -> dict[str, Any]:
    """Trends of one track through the series, from its in-window points (see :attr:`Track.measured`).

    Returns
    -------
    dict
        ``track``, ``label``, ``label_rule``, ``n_points`` (all points), ``n_in_window``, ``first_step``,
        ``last_step`` (all points), ``present_at_lowest``/``present_at_highest`` (an in-window peak in the
        first/last spectrum of the ordered series), ``log10_tau_first``/``_last``, ``tau_shift_decades``
        (last - first), ``tau_range_decades`` (max - min), ``tau_trend_decades`` (see :func:`tau_trend_decades`),
        ``log10_tau_scatter`` (standard deviation about that line, decades), ``median_width_decades``,
        ``slope_log10_tau_per_mpa``, ``slope_log10_tau_per_log10_mpa``, ``r_first``/``r_last`` (DRT unit),
        ``r_ratio`` (last/first), ``slope_log10_r_per_log10_mpa``, ``r_trend`` (the DRT areas against pressure by
        :func:`eisrecipe.methods.trends.log_trend`, no input errors: the slope against its scatter, Student's t;
        ``rising``, ``falling``, ``flat`` or ``undetermined``), ``median_c`` (F or F cm^-2),
        ``merged_into``, ``split_from``.
    """
    pts = track.measured
    p = np.array([pt.pressure_mpa for pt in pts], dtype=float)
    st = np.array([pt.step for pt in pts], dtype=float)
    lt = np.array([math.log10(pt.peak.tau_s) for pt in pts])
    r = np.array([pt.peak.r for pt in pts])
    trend = tau_trend_decades(st, lt)
    if len(pts) >= 3 and np.ptp(st) > 0:
        resid = lt - np.polyval(np.polyfit(st, lt, 1), st)
        scatter = float(np.sqrt(np.sum(resid**2) / (len(pts) - 2)))
    else:
        scatter = math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(p > 0, np.log10(p), np.nan)
        lr = np.where(r > 0, np.log10(r), np.nan)
    return {
        "track": track.track,
        "label": track.label,
        "label_rule": track.label_rule,
        "n_points": len(track.points),
        "n_in_window": sum(1 for pt in track.points if pt.peak.in_window),
        "first_step": track.points[0].step,
        "last_step": track.points[-1].step,
        "present_at_lowest": pts[0].step == 0,
        "present_at_highest": pts[-1].step == result.n_steps - 1,
        "log10_tau_first": float(lt[0]),
        "log10_tau_last": float(lt[-1]),
        "tau_shift_decades": float(lt[-1] - lt[0]),
        "tau_range_decades": float(np.ptp(lt)),
        "tau_trend_decades": trend,
        "log10_tau_scatter": scatter,
        "median_width_decades": float(np.median([pt.peak.width_decades for pt in pts])),
        "slope_log10_tau_per_mpa": _slope(p, lt),
        "slope_log10_tau_per_log10_mpa": _slope(lp, lt),
        "r_first": float(r[0]),
        "r_last": float(r[-1]),
        "r_ratio": float(r[-1] / r[0]) if r[0] > 0 else math.nan,
        "slope_log10_r_per_log10_mpa": _slope(lp, lr),
        "r_trend": log_trend(p, r).direction,
        "median_c": float(np.median(c)) if (c := [q.peak.c for q in pts if math.isfinite(q.peak.c)]) else math.nan,
        "merged_into": track.merged_into,
        "split_from": track.split_from,
    }


def _coordinate(peak: Peak, by: str) -> float:
    """The linking coordinate of a peak: log10 tau (``by="tau"``) or log10 C = log10(tau/R) (``by="c"``)."""
    if by == "c":
        return math.log10(peak.c) if peak.c > 0 and math.isfinite(peak.c) else math.nan
    return math.log10(peak.tau_s)


def _predict(points: list[TrackPoint], step: int, by: str = "tau") -> list[float]:
    """Expected coordinate at ``step``: the last one and the constant-velocity extrapolation, from in-window
    points."""
    points = [p for p in points if p.peak.in_window] or points
    last = points[-1]
    out = [_coordinate(last.peak, by)]
    if len(points) >= 2:
        prev = points[-2]
        v = (out[0] - _coordinate(prev.peak, by)) / (last.step - prev.step)
        out.append(out[0] + v * (step - last.step))
    return out


def _keeps_order(lt_from: float, lt_to: float, prev: Sequence[float], cur: Sequence[float]) -> bool:
    """Whether no peak of the previous (``prev``) or current (``cur``) spectrum lies strictly between two log taus.

    The link's own ends equal ``lt_from``/``lt_to`` and so never lie strictly between them.
    """
    lo, hi = min(lt_from, lt_to), max(lt_from, lt_to)
    return not any(lo < x < hi for x in (*prev, *cur))


def track_peaks(
    entries: Sequence[SeriesEntry],
    *,
    gate_decades: float = 0.5,
    max_gap: int = 1,
    only_in_window: bool = True,
    unit: str = "ohm cm^2",
    order: bool = True,
    may_start: Callable[[str, Peak], bool] | None = None,
    by: str = "tau",
) -> TrackingResult:
    """Link the peaks of a series into tracks (unlabelled; see the module docstring).

    Parameters
    ----------
    entries
        The series (spectrum name, peaks, pressure, mode).
    gate_decades
        Longest link in log10 tau between a track's expected position and a peak that is always accepted (0.5
        decade: about twice the FWHM of a DRT peak of an RC element at 10 points per decade, and the smallest
        separation at which two peaks of one spectrum are reliably resolved, so a link never jumps over a
        resolved neighbour). Links up to twice as long are accepted when no other peak of either spectrum lies
        between their ends (see the module docstring).
    max_gap
        How many spectra a track may miss and still be continued (1: one noisy spectrum does not split a track).
    only_in_window
        Peaks flagged as outside the measured window (extrapolation of the DRT, see
        :attr:`eisrecipe.methods.peaks.Peak.in_window`) may only continue a track, never start one; ``False`` treats
        them like the others.
    unit
        Impedance unit of the DRTs.
    order
        Sort the entries with :func:`order_pressure_series` first (``False`` keeps the given order, e.g. for a
        state-of-charge or temperature series).
    may_start
        (spectrum name, peak) -> whether that outside peak may start a track all the same (e.g. a bulk arc just
        above the highest measured frequency, whose tail is in the data); ``None``: none may (``only_in_window``).
    by
        Link on ``"tau"`` (log10 tau) or ``"c"`` (log10 C = tau/R: a temperature series, see the module
        docstring); the gates are then decades of C.

    Returns
    -------
    TrackingResult
    """
    _units(unit)
    if gate_decades <= 0:
        raise InputError(f"tracking gate must be > 0 decades, got {gate_decades}")
    if by not in ("tau", "c"):
        raise InputError(f"tracking coordinate must be 'tau' or 'c', got {by!r}")
    seq = order_pressure_series(entries) if order else list(entries)
    tracks: list[list[TrackPoint]] = []
    merged: dict[int, tuple[int, int]] = {}  # track -> (step where it found no peak, partner)
    split: dict[int, int] = {}
    big = 1e6
    taus_by_step: list[list[float]] = []  # log10 tau of every peak considered at each step (order check)
    for step, e in enumerate(seq):
        peaks = sorted(e.peaks, key=lambda p: p.tau_s)
        # outside peaks may continue a track but never start one (see the module docstring)
        peaks = [p for p in peaks if math.isfinite(_coordinate(p, by))]
        if by == "c":  # the order check runs on the linking coordinate
            peaks.sort(key=lambda p: _coordinate(p, by))
        can_start = [
            p.in_window or not only_in_window or (may_start is not None and may_start(e.spectrum, p)) for p in peaks
        ]
        pts = [TrackPoint(step, e.spectrum, float(e.pressure_mpa), str(e.pressure_mode), p) for p in peaks]
        lts = [_coordinate(pt.peak, by) for pt in pts]
        taus_by_step.append(lts)
        active = [i for i, t in enumerate(tracks) if step - t[-1].step <= max_gap + 1]
        assigned: dict[int, int] = {}
        # pass 1: links within the gate; pass 2: the tracks and peaks left over, links up to twice the gate
        # that keep the order of the peaks (so a long link never competes with a short one)
        for extended in (False, True):
            rows_left = [i for i in active if i not in assigned.values()]
            cols_left = [b for b in range(len(pts)) if b not in assigned]
            if not rows_left or not cols_left:
                break
            cost = np.full((len(rows_left), len(cols_left)), big)
            for a, i in enumerate(rows_left):
                expected = _predict(tracks[i], step, by)
                last = tracks[i][-1]
                last_lt = _coordinate(last.peak, by)
                for c, b in enumerate(cols_left):
                    d = min(abs(lts[b] - x) for x in expected)
                    # prefer continuing the most recent tracks: a small penalty per missed spectrum
                    d += 0.05 * (step - last.step - 1)
                    if not extended:
                        ok = d <= gate_decades
                    else:
                        ok = d <= 2.0 * gate_decades and _keeps_order(last_lt, lts[b], taus_by_step[last.step], lts)
                    if ok:
                        cost[a, c] = d
            rows, cols = linear_sum_assignment(cost)
            for a, c in zip(rows, cols, strict=True):
                if cost[a, c] < big:
                    assigned[cols_left[c]] = rows_left[a]
        for b, pt in enumerate(pts):
            if b in assigned:
                tracks[assigned[b]].append(pt)
        taken = {i: b for b, i in assigned.items()}
        # tracks that were seen in the previous spectrum but got no peak: merge candidates
        for i in active:
            if i in taken or tracks[i][-1].step != step - 1:
                continue
            lt = _coordinate(tracks[i][-1].peak, by)
            near = [(abs(lts[b] - lt), j) for b, j in assigned.items() if j != i]
            near = [x for x in near if x[0] <= gate_decades]
            if near:
                merged[i] = (step, min(near)[1])
        for b, pt in enumerate(pts):
            if b in assigned or not can_start[b]:
                continue
            new = len(tracks)
            tracks.append([pt])
            if step > 0:
                near = [(abs(lts[c] - lts[b]), j) for c, j in assigned.items()]
                near = [x for x in near if x[0] <= gate_decades]
                if near:
                    split[new] = min(near)[1]
    # a merge only counts if the track really ends there (a gap followed by a continuation is no merge)
    out = []
    for i, pts_i in enumerate(tracks):
        m = merged.get(i)
        partner = m[1] if m is not None and pts_i[-1].step == m[0] - 1 else None
        out.append(Track(track=i, points=tuple(pts_i), merged_into=partner, split_from=split.get(i)))
    return TrackingResult(
        entries=tuple(seq),
        tracks=tuple(sorted(out, key=lambda t: float(np.median(t.log10_tau)))),
        unit=unit,
        settings={
            "gate_decades": gate_decades,
            "max_link_decades": 2.0 * gate_decades,
            "max_gap": max_gap,
            "only_in_window": only_in_window,
            "by": by,
        },
    )


def series_entries(
    peaks_by_spectrum: Mapping[str, Sequence[Peak]], meta: Mapping[str, Mapping[str, Any]]
) -> list[SeriesEntry]:
    """Build series entries from peaks and per-spectrum metadata (``pressure_mpa``, ``pressure_mode``)."""
    out = []
    for name, peaks in peaks_by_spectrum.items():
        m = meta.get(name, {})
        p = m.get("pressure_mpa", math.nan)
        try:
            p = float(p)
        except (TypeError, ValueError):
            p = math.nan
        mode = m.get("pressure_mode") or "uniaxial"
        out.append(SeriesEntry(name, tuple(peaks), p, str(mode)))
    return out
