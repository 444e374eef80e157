"""Fits of the spectra outside a pressure series, each on its own, elements named from DRT tracks (Step 7 input).

Mainly the temperature series (rows ``fit = temperature``); spectra of an aging series or lone spectra are fitted
the same way (``fit = individual``), so every spectrum of a dataset gets its bulk resistance and conductivity.

RECIPE.md Step 7 needs the resistance of every process at every temperature. Unlike a pressure series, no element
is shared between the spectra (resistances are thermally activated); what stays constant with temperature is the
capacitance (permittivities do not depend on T), while every peak moves to shorter tau as T rises. The elements
come from tracks through the series, as in a pressure series (issue 17):

1. Tracks: the DRT peaks of the temperature-ordered spectra linked on log10 C = tau/R
   (:func:`eisrecipe.methods.tracking.track_peaks` with ``by="c"``): C hardly moves with T, tau moves by a large
   fraction of a decade per step, so tau alone links a peak to a faster neighbour.
2. How many elements: for k = 1 .. ``max_elements`` the k main tracks (:func:`main_tracks`: most often among a
   spectrum's k largest peaks) are the elements of every spectrum; the k with the fewest failed fits, then the
   lowest summed BIC, wins (:func:`choose_element_count`). A peak on no main track (a satellite of a non-ideal
   arc, which the fits do not support as a process of its own) joins the nearest main track's element in log tau
   (:func:`track_groups`); two main tracks are never one element. A main track without a peak in a spectrum whose
   Arrhenius-like extrapolation lies inside the window, or at most a decade above it, keeps its element there,
   seeded from the track (:func:`missing_elements`: a bulk arc leaving the window as T rises).
3. Names (:func:`name_tracks`), in tau order at the temperatures the tracks share: with the same cell's
   pressure-series fits (``fits.csv`` rows of the joint ``series`` fit), the order-preserving match to their
   elements by capacitance (within ``c_match_decades``); otherwise, and for the tracks left over, the
   shortest-tau track that persists is bulk, the next with a larger capacitance than bulk's is GB (the ratio, not
   an absolute class), the slower ones interface (``int``, ``int2`` ...). Irvine, Sinclair & West (1990) classes
   on C x thickness only make plausibility notes (``element_count.plausibility_notes``): in real pellets bulk
   and GB can both lie in the bulk class, 2-3x apart.

Each spectrum's fit: R_inf + its elements in tau order (R-CPE or RC per :func:`select_model`, optional series
inductance). A peak beyond the measured window (``in_window`` false) is used only when it lies at most one decade
above the highest measured frequency.

The resulting rows carry ``fit = temperature`` in ``fits.csv``; Step 7 (:mod:`eisrecipe.recipe.step7`) turns them
into the two-stage Arrhenius table. With two temperatures or more (and ``joint`` on), the same spectra are then
fitted jointly with every resistance on the Arrhenius law and shared capacitances
(:func:`eisrecipe.recipe.step7.joint_arrhenius`, started from these fits): rows ``fit = temperature_joint`` in
``fits.csv`` and the activation energies under ``findings["joint"]`` (``steps36.json["temperature"]["joint"]``).
The joint fit runs in the fit stage because it holds the spectra; the verdict stage only reads its results.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.constants import ZERO_CELSIUS_K
from eisrecipe.errors import InputError
from eisrecipe.methods.blocking import BlockingEvidence, detect_blocking
from eisrecipe.methods.circuits import Element, ElementKind, SeriesModel
from eisrecipe.methods.fitting import SeriesFit, Start, fit_spectrum
from eisrecipe.methods.inductance import choose_inductance
from eisrecipe.methods.peaks import peaks_from_frame
from eisrecipe.methods.starts import inductance_start, merged_seed, r_inf_start, seeded_start
from eisrecipe.methods.tracking import SeriesEntry, track_peaks
from eisrecipe.recipe.elements import DEFAULT_KINDS, ELECTRODE, element_rank
from eisrecipe.recipe.step7 import gate_fits, joint_arrhenius
from eisrecipe.serialize import to_dict
from eisrecipe.spectrum import Spectrum

__all__ = ["TemperatureFits", "TemperatureSettings", "run_cell_temperature_fits"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemperatureSettings:
    """Options of the temperature-series fits (config ``temperature``, element kinds from ``fit.kinds``).

    Attributes
    ----------
    c_match_decades
        Largest |log10 C_track - log10 C_ref| for a track to take a pressure-series element's name (1 decade: the
        capacitance of one process varies by far less with temperature).
    bulk_c_max_f_cm, gb_c_max_f_cm
        Irvine class limits on the specific capacitance, F/cm: plausibility notes only, never an element's name.
    assumed_thickness_cm
        Thickness used when the sample sheet gives none, cm.
    kinds
        Element kind per element name.
    weighting
        Residual weighting of the fits.
    inductance
        Series inductance (lead inductance at the top frequencies): ``auto``, ``true`` or ``false``; ``auto``
        decides per spectrum with the rule of the pressure-series fits (inductive top point, else F-test).
    joint
        Also fit the temperature series jointly with Arrhenius resistances (:mod:`eisrecipe.methods.arrhenius_joint`).
    r_inf
        Series resistance R_inf: ``auto`` (in only where identifiable, :func:`select_model`), ``true`` or ``false``.
    max_elements
        Most parallel elements per spectrum (the series' number is chosen by BIC, :func:`choose_element_count`).
    blocking_min_angle_deg
        Steepest direction, degrees, that still counts as a closing arc at the low-frequency end; steeper and rising
        is a blocking-electrode spur (:func:`eisrecipe.methods.blocking.detect_blocking`).
    max_rel_residual
        Quality gate of Step 7: a per-spectrum fit whose largest relative residual exceeds this fraction stays out of
        the Arrhenius table (as do fits with ``fit_ok`` false), :func:`eisrecipe.recipe.step7.gate_fits`.
    """

    c_match_decades: float = 1.0
    bulk_c_max_f_cm: float = 5e-11
    gb_c_max_f_cm: float = 1e-7
    assumed_thickness_cm: float = 0.1
    kinds: Mapping[str, ElementKind] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    weighting: str = "modulus"
    inductance: str = "auto"
    joint: bool = True
    r_inf: str = "auto"
    max_elements: int = 3
    blocking_min_angle_deg: float = 45.0
    max_rel_residual: float = 0.05

    @classmethod
    def from_config(cls, temperature: Mapping[str, Any] | None, fit: Mapping[str, Any] | None) -> TemperatureSettings:
        """Build from the config sections ``temperature`` and ``fit``."""
        cfg = dict(temperature or {})
        fit = dict(fit or {})
        kinds = {**DEFAULT_KINDS, **(fit.get("kinds") or {})}
        if "r_inf" in cfg:
            cfg["r_inf"] = str(cfg["r_inf"]).lower()
        return cls(
            kinds=kinds,
            weighting=str(fit.get("weighting", "modulus")),
            inductance=str(fit.get("inductance", "auto")).lower(),
            **cfg,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {
            "c_match_decades": self.c_match_decades,
            "bulk_c_max_f_cm": self.bulk_c_max_f_cm,
            "gb_c_max_f_cm": self.gb_c_max_f_cm,
            "assumed_thickness_cm": self.assumed_thickness_cm,
            "kinds": dict(self.kinds),
            "weighting": self.weighting,
            "inductance": self.inductance,
            "joint": self.joint,
            "r_inf": self.r_inf,
            "max_elements": self.max_elements,
            "blocking_min_angle_deg": self.blocking_min_angle_deg,
            "max_rel_residual": self.max_rel_residual,
        }


@dataclass
class TemperatureFits:
    """Fits of one cell's temperature series.

    Attributes
    ----------
    table
        ``fits.csv`` rows (``fit = temperature`` or ``individual``) with ``temperature_c``.
    findings
        JSON-ready: whether it applies, the assignment of every peak with its rule, fit quality per spectrum.
    """

    table: pd.DataFrame
    findings: dict[str, Any]


def reference_capacitances(pressure_fits: pd.DataFrame | None) -> dict[str, float]:
    """Median fitted capacitance (F cm^-2) per element of the joint pressure-series fit; empty without one."""
    if pressure_fits is None or pressure_fits.empty or "fit" not in pressure_fits:
        return {}
    rows = pressure_fits[(pressure_fits["fit"] == "series") & (pressure_fits["c_f_cm2"] > 0)]
    return {str(k): float(np.exp(np.log(v).median())) for k, v in rows.groupby("element")["c_f_cm2"]}


R_INF_Z = 2.0
"""R_inf enters a model only when it is positive by more than this many standard errors (a series resistance the
data cannot tell from zero, or a negative one, is not identified: it only trades off against the bulk arc)."""


def _bic(fit: SeriesFit) -> float:
    """Bayesian information criterion of a fit on its weighted chi2 (n = real and imaginary residuals)."""
    n = fit.chi2 + 0.0
    m = int(fit.dof + fit.x.size)
    return float(m * math.log(max(n, 1e-300) / m) + fit.x.size * math.log(m))


def _cpe_start(s: Spectrum, alpha: float = 0.6) -> float:
    """Start Q of a series CPE (F s^(alpha-1) per unit of Z) from the lowest-frequency point."""
    k = int(np.argmin(s.frequency_hz))
    w = 2 * np.pi * float(s.frequency_hz[k])
    return float(math.sin(alpha * math.pi / 2) / (max(abs(s.z_imag[k]), 1e-300) * w**alpha))


def _fit_one(
    s: Spectrum,
    name: str,
    seeds: Sequence[tuple[float, float]],
    labels: Sequence[str],
    kinds: Sequence[ElementKind],
    blocking: bool,
    weighting: str,
    r_inf: bool,
    with_l: bool,
) -> SeriesFit:
    """One spectrum's fit: (R_inf) + parallel elements in tau order (+ series CPE when ``blocking``) (+ L)."""
    start = seeded_start(list(seeds), list(kinds), r_inf_start(s), inductance_start(s))
    elements = [Element(n, k) for n, k in zip(labels, kinds, strict=True)]
    r, taus, alphas = list(start.r), list(start.tau_s), list(start.alpha or [])
    if blocking:
        elements.append(Element(ELECTRODE, "CPE"))
        r.append(_cpe_start(s))
        taus.append(taus[-1] * 10 if taus else 1.0)
        alphas.append(0.6)
    start = Start(r=r, tau_s=taus, alpha=alphas, r_inf=start.r_inf, inductance=start.inductance)
    model = SeriesModel(tuple(elements), r_inf=r_inf, inductance=with_l)
    return fit_spectrum(s.frequency_hz, s.impedance, model, start, name=name, weighting=weighting)  # type: ignore[arg-type]


def _r_inf_identified(fit: SeriesFit, name: str) -> tuple[bool, str]:
    """Whether a fit's R_inf is identified: positive beyond :data:`R_INF_Z` standard errors."""
    value, err = fit.r_inf[name]
    if not (math.isfinite(err) and err > 0):
        return False, f"R_inf = {value:.3g} without a finite standard error"
    if value <= R_INF_Z * err:
        return False, f"R_inf = {value:.3g} +- {err:.2g} is not positive beyond {R_INF_Z:g} standard errors"
    return True, f"R_inf = {value:.3g} +- {err:.2g}"


def select_model(
    s: Spectrum,
    seeds: Sequence[tuple[float, float]],
    labels: Sequence[str],
    kinds: Sequence[ElementKind],
    blocking: bool,
    settings: TemperatureSettings,
) -> tuple[SeriesFit, dict[str, Any]]:
    """One spectrum's model, chosen term by term (the model-selection part of Step 7's input).

    1. R_inf (``settings.r_inf = auto``): in when the fit with it is unflagged, has the lower BIC and R_inf is
       positive beyond :data:`R_INF_Z` standard errors; otherwise out (with a bulk arc running past the highest
       frequency, R_inf and R_bulk trade off and a negative R_inf is no series resistance).
    2. Per parallel element, R-CPE or RC: an R-CPE becomes an RC when the RC fit is unflagged and either has the
       lower BIC or the R-CPE fit is flagged (alpha ending on its bound 1 is the RC itself).
    3. Series inductance: :func:`eisrecipe.methods.inductance.choose_inductance` (``fit.inductance``).

    Returns
    -------
    fit, selection
        The chosen fit and what was compared (JSON-ready).
    """
    name = str(s.meta.get("spectrum"))
    kinds = list(kinds)

    def fit(kk: Sequence[ElementKind], r_inf: bool, with_l: bool = False) -> SeriesFit:
        return _fit_one(s, name, seeds, labels, kk, blocking, settings.weighting, r_inf, with_l)

    def try_fit(kk: Sequence[ElementKind], r_inf: bool) -> SeriesFit | None:
        """A trial fit; one that raises (non-finite Jacobian on a bad start) is a rejected trial."""
        try:
            return fit(kk, r_inf)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            log.warning("%s: trial fit %s failed: %s", name, list(kk), exc)
            return None

    sel: dict[str, Any] = {}
    without = fit(kinds, False)
    use_r_inf = settings.r_inf == "true"
    if settings.r_inf == "auto":
        with_r = fit(kinds, True)
        ident, why = _r_inf_identified(with_r, name)
        better = _bic(with_r) < _bic(without)
        use_r_inf = bool(ident and better and with_r.ok)
        sel["r_inf"] = {
            "included": use_r_inf,
            "bic_without": _bic(without),
            "bic_with": _bic(with_r),
            "evidence": why + ("" if with_r.ok else f"; fit with R_inf flagged: {'; '.join(with_r.flags)}"),
        }
    else:
        sel["r_inf"] = {"included": use_r_inf, "evidence": f"temperature.r_inf = {settings.r_inf}"}
    current = fit(kinds, use_r_inf) if use_r_inf else without
    chosen_kinds: dict[str, str] = {}
    # every R-CPE whose exponent ended at 1 is an RC: all of them at once (one at a time, the others' bound
    # would still flag each trial)
    at_one = [k for k, lab in enumerate(labels) if kinds[k] == "RCPE" and current.element(name, lab).alpha >= 1 - 1e-6]
    if len(at_one) > 1:
        trial_kinds = [("RC" if k in at_one else kind) for k, kind in enumerate(kinds)]
        trial = try_fit(trial_kinds, use_r_inf)  # type: ignore[arg-type]
        if trial is not None and trial.ok and (not current.ok or _bic(trial) < _bic(current)):
            kinds, current = trial_kinds, trial  # type: ignore[assignment]
            for k in at_one:
                chosen_kinds[labels[k]] = "RC (R-CPE exponents ended at 1 together)"
    for k, label in enumerate(labels):
        if kinds[k] != "RCPE":
            chosen_kinds.setdefault(label, f"{kinds[k]} (config)")
            continue
        trial_kinds = [*kinds[:k], "RC", *kinds[k + 1 :]]
        trial = try_fit(trial_kinds, use_r_inf)  # type: ignore[arg-type]
        if trial is not None and trial.ok and (not current.ok or _bic(trial) < _bic(current)):
            why = "R-CPE fit flagged" if not current.ok else f"BIC {_bic(trial):.1f} < {_bic(current):.1f}"
            kinds, current = trial_kinds, trial  # type: ignore[assignment]
            chosen_kinds[label] = f"RC ({why})"
        else:
            chosen_kinds[label] = "RCPE" + (
                " (RC fit failed)" if trial is None else "" if trial.ok else " (RC fit flagged)"
            )
    sel["kinds"] = chosen_kinds
    final, _, inductance = choose_inductance(settings.inductance, [s], partial(fit, kinds, use_r_inf))
    sel["inductance"] = inductance
    sel["bic"] = _bic(final)
    return final, sel


def _temperature(s: Spectrum) -> float:
    t = s.meta.get("temperature_c")
    try:
        return float(t) if t is not None and math.isfinite(float(t)) else math.nan
    except (TypeError, ValueError):
        return math.nan


def _seeds(peaks: pd.DataFrame, assigned: Sequence[str]) -> dict[str, tuple[float, float]]:
    """(R, tau) per element from its peaks (:func:`eisrecipe.methods.starts.merged_seed`)."""
    frame = peaks.assign(element=list(assigned))
    return {str(name): merged_seed(rows) for name, rows in frame.groupby("element", sort=False)}


def anchor_groups(rows: pd.DataFrame, k: int) -> list[pd.DataFrame]:
    """Split one spectrum's peaks (tau order) into ``k`` elements: the ``k`` largest peaks (by R) anchor them and
    every other peak joins the anchor nearest in log tau (a broad, non-ideal arc splits into a main peak and
    satellites in the DRT; the satellites belong to it, the main peaks are the resolved processes)."""
    rows = rows.sort_values("tau_s")
    k = min(k, len(rows))
    anchors = np.sort(np.argsort(-rows["r_ohm_cm2"].to_numpy(float), kind="stable")[:k])
    lt = np.log10(rows["tau_s"].to_numpy(float))
    owner = np.array([anchors[int(np.argmin(np.abs(lt[anchors] - v)))] for v in lt])
    return [rows[owner == a] for a in anchors]


def labels_for(k: int, blocking: bool) -> list[str]:
    """Element names of ``k`` parallel elements in tau order: bulk, gb, then ``int`` (with blocking electrodes
    there is no interface element: a third process is named ``p3``, ...)."""
    names = ["bulk", "gb"]
    rest = [f"p{i + 1}" for i in range(2, k)] if blocking else ["int", *[f"int{i}" for i in range(2, k - 1)]]
    return (names + rest)[:k]


def _group_c(group: pd.DataFrame) -> float:
    """Capacitance (F cm^-2) of an anchored peak group: tau/R of its merged seed."""
    r, tau = merged_seed(group)
    return float(tau / r) if r > 0 else math.nan


def series_capacitances(used: Mapping[str, pd.DataFrame], k: int, blocking: bool) -> dict[str, float]:
    """Median capacitance (F cm^-2) of each of the series' ``k`` elements over the spectra that resolve all ``k``
    (the capacitance of a process hardly moves with temperature while its tau moves by decades)."""
    values: dict[str, list[float]] = {}
    for rows in used.values():
        if rows.empty:
            continue
        groups = anchor_groups(rows, k)
        if len(groups) < k:
            continue
        for g, name in zip(groups, labels_for(k, blocking), strict=True):
            values.setdefault(name, []).append(math.log(_group_c(g)))
    return {n: float(math.exp(np.median(v))) for n, v in values.items() if np.isfinite(v).all()}


def names_by_capacitance(
    groups: Sequence[pd.DataFrame], k: int, series_c: Mapping[str, float], blocking: bool
) -> tuple[list[str], str]:
    """Names of one spectrum's anchored groups (tau order) and the rule, as a format string with ``{name}``.

    All ``k`` resolved: the series' names in tau order. Fewer (an arc merged or outside the window at this
    temperature): the order-preserving choice of names whose series capacitances are nearest in log C, so a lone
    GB arc is not called bulk because it is the first."""
    names = labels_for(k, blocking)
    if len(groups) >= k or not series_c or any(n not in series_c for n in names):
        names_n = labels_for(len(groups), blocking)
        return names_n, "{name}: " + f"by tau order, {len(groups)} of {k} elements"
    c = [math.log(_group_c(g)) for g in groups]
    best = min(
        itertools.combinations(names, len(groups)),
        key=lambda combo: sum(abs(ci - math.log(series_c[n])) for ci, n in zip(c, combo, strict=True)),
    )
    return list(best), "{name}: " + f"{len(groups)} of {k} elements resolved, named by the series' capacitances"


@dataclass(frozen=True)
class SeriesTrack:
    """A DRT peak followed through the temperature series (linked on log C, which hardly moves with T).

    Attributes
    ----------
    track
        Track number.
    peaks
        Spectrum name -> tau (s) of its peak on this track.
    log10_tau
        Spectrum name -> log10 tau.
    r_ohm_cm2
        Spectrum name -> DRT resistance of its peak, ohm cm^2.
    c_median_f_cm2
        Median DRT capacitance tau/R, F cm^-2.
    share
        Sum over the spectra of the peak's share of that spectrum's DRT resistance (how much of the series the
        track carries; a persistent large process scores high, a satellite or one-spectrum bump low).
    """

    track: int
    peaks: Mapping[str, float]
    log10_tau: Mapping[str, float]
    r_ohm_cm2: Mapping[str, float]
    c_median_f_cm2: float
    share: float

    @property
    def n_points(self) -> int:
        """Spectra where the track has a peak."""
        return len(self.peaks)


def _series_tracks(series: Sequence[Spectrum], used: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Track the used DRT peaks through the temperature-ordered series (:func:`eisrecipe.methods.tracking.track_peaks`
    with ``order=False``, linked on log10 C): the tracks as a frame, and (spectrum, peak tau) -> track number."""
    entries = []
    for s in series:
        name = str(s.meta.get("spectrum"))
        rows = used.get(name)
        if rows is None or rows.empty:
            entries.append(SeriesEntry(name, ()))
            continue
        peaks = peaks_from_frame(rows.assign(spectrum=name)).get(name, ())
        entries.append(SeriesEntry(name, tuple(peaks)))
    result = track_peaks(entries, order=False, only_in_window=False, by="c")
    frame = result.to_frame()
    where: dict[str, int] = {}
    for _, r in frame.iterrows():
        where[_key(str(r["spectrum"]), float(r["tau_s"]))] = int(r["track"])
    return frame, where


def _key(spectrum: str, tau_s: float) -> str:
    return f"{spectrum}|{float(tau_s):.6e}"


def series_tracks(frame: pd.DataFrame, used: Mapping[str, pd.DataFrame]) -> list[SeriesTrack]:
    """The tracks of :func:`_series_tracks` with their capacitance and share of the series' DRT resistance."""
    if frame.empty:
        return []
    total = {n: float(r["r_ohm_cm2"].sum()) for n, r in used.items() if not r.empty}
    out = []
    for t, g in frame.groupby("track"):
        c = g["tau_s"].to_numpy(float) / g["r_ohm_cm2"].to_numpy(float)
        share = sum(
            float(r) / total[str(n)] for n, r in zip(g["spectrum"], g["r_ohm_cm2"], strict=True) if total.get(str(n))
        )
        out.append(
            SeriesTrack(
                track=int(t),
                peaks={str(n): float(tau) for n, tau in zip(g["spectrum"], g["tau_s"], strict=True)},
                log10_tau={str(n): math.log10(float(tau)) for n, tau in zip(g["spectrum"], g["tau_s"], strict=True)},
                r_ohm_cm2={str(n): float(r) for n, r in zip(g["spectrum"], g["r_ohm_cm2"], strict=True)},
                c_median_f_cm2=float(np.median(c)),
                share=share,
            )
        )
    return out


def _tau_before(a: SeriesTrack, b: SeriesTrack) -> int:
    """-1 when track ``a`` lies at shorter tau than ``b`` in most of the spectra holding both (by capacitance
    where they share none), 1 when after, 0 when tied."""
    shared = set(a.log10_tau) & set(b.log10_tau)
    votes = sum(np.sign(a.log10_tau[n] - b.log10_tau[n]) for n in shared)
    if votes:
        return int(np.sign(votes))
    return int(np.sign(math.log(a.c_median_f_cm2) - math.log(b.c_median_f_cm2)))


def tau_ordered(tracks: Sequence[SeriesTrack]) -> list[SeriesTrack]:
    """Tracks in tau order at the temperatures they share (see :func:`_tau_before`)."""
    return sorted(tracks, key=functools.cmp_to_key(_tau_before))


def main_tracks(tracks: Sequence[SeriesTrack], k: int) -> list[SeriesTrack]:
    """The candidate elements of a ``k``-element model, in tau order: the ``k`` tracks most often among the ``k``
    largest DRT peaks of a spectrum (ties: the larger share of the series' DRT resistance). A satellite of a
    non-ideal arc is small next to its parent wherever both are seen, so it seldom counts; a process whose peak is
    large at some temperatures only (bulk at low T, an interface at high T) counts there."""
    spectra = {n for t in tracks for n in t.peaks}
    votes = {t.track: 0 for t in tracks}
    for n in spectra:
        here = sorted((t for t in tracks if n in t.r_ohm_cm2), key=lambda t: -t.r_ohm_cm2[n])
        for t in here[:k]:
            votes[t.track] += 1
    best = sorted(tracks, key=lambda t: (-votes[t.track], -t.share, t.track))[:k]
    return tau_ordered(best)


def track_groups(
    rows: pd.DataFrame,
    spectrum: str,
    main: Sequence[SeriesTrack],
    temperatures: Mapping[str, float] | None = None,
) -> list[tuple[SeriesTrack, pd.DataFrame]]:
    """One spectrum's peaks grouped by the main tracks, in tau order: a peak on a main track is that track's
    element; a peak on no main track (a satellite, or a process whose peak the tracking put elsewhere at this
    temperature) joins the nearest in log tau of the main peaks present and of the positions of the absent main
    tracks extrapolated to this temperature (:func:`track_at`). Every main track present is one element, never
    merged with another."""
    rows = rows.sort_values("tau_s")
    if rows.empty or not main:
        return []
    temperatures = temperatures or {}
    taus = rows["tau_s"].to_numpy(float)
    on: list[int | None] = [
        next((t.track for t in main if math.isclose(t.peaks.get(spectrum, math.nan), tau, rel_tol=1e-6)), None)
        for tau in taus
    ]
    anchors = {t.track: math.log10(taus[on.index(t.track)]) for t in main if t.track in on}
    t_c = temperatures.get(spectrum, math.nan)
    for t in main:
        if t.track not in anchors and (at := track_at(t, t_c, temperatures)) is not None:
            anchors[t.track] = math.log10(at[1])
    if not anchors:  # no main peak and nothing to extrapolate: the largest peak takes the track nearest in C
        k = int(np.argmax(rows["r_ohm_cm2"].to_numpy(float)))
        c = float(taus[k] / rows["r_ohm_cm2"].to_numpy(float)[k])
        anchors = {min(main, key=lambda m: abs(math.log(c / m.c_median_f_cm2))).track: math.log10(taus[k])}
    owner = np.array(
        [
            o if o is not None else min(anchors, key=lambda a: abs(anchors[a] - math.log10(tau)))
            for o, tau in zip(on, taus, strict=True)
        ]
    )
    groups = [(t, rows[owner == t.track]) for t in main if (owner == t.track).any()]
    return sorted(groups, key=lambda tg: float(merged_seed(tg[1])[1]))


def track_at(track: SeriesTrack, temperature_c: float, temperatures: Mapping[str, float]) -> tuple[float, float] | None:
    """(R, tau) of a track at a temperature where it has no peak, from the Arrhenius-like lines of log R and
    log tau on 1/T through its peaks (two temperatures or more); ``None`` where it has fewer."""
    pts = [
        (temperatures[n], r, track.peaks[n])
        for n, r in track.r_ohm_cm2.items()
        if math.isfinite(temperatures.get(n, math.nan))
    ]
    if len({t for t, _, _ in pts}) < 2 or not math.isfinite(temperature_c):
        return None
    x = np.array([1.0 / (t + ZERO_CELSIUS_K) for t, _, _ in pts])
    x0 = 1.0 / (temperature_c + ZERO_CELSIUS_K)
    lr = np.polyval(np.polyfit(x, np.log([r for _, r, _ in pts]), 1), x0)
    lt = np.polyval(np.polyfit(x, np.log([tau for _, _, tau in pts]), 1), x0)
    return float(np.exp(lr)), float(np.exp(lt))


def missing_elements(
    main: Sequence[SeriesTrack], present: Sequence[SeriesTrack], s: Spectrum, temperatures: Mapping[str, float]
) -> list[tuple[SeriesTrack, float, float]]:
    """Main tracks without a peak in spectrum ``s`` whose extrapolation (:func:`track_at`) puts them inside the
    measured window or at most one decade above its highest frequency (the rule for out-of-window peaks): the
    process is there, its DRT peak merged with a neighbour or beyond the window, so the spectrum's fit holds its
    element, seeded from the track (track, R, tau)."""
    tau_top = 1.0 / (2 * np.pi * float(s.frequency_hz.max()))
    tau_bottom = 1.0 / (2 * np.pi * float(s.frequency_hz.min()))
    out = []
    ids = {t.track for t in present}
    for t in main:
        if t.track in ids:
            continue
        at = track_at(t, _temperature(s), temperatures)
        if at is not None and tau_top / 10 <= at[1] <= tau_bottom and at[0] > 0:
            out.append((t, at[0], at[1]))
    return out


def name_tracks(
    main: Sequence[SeriesTrack],
    reference: Mapping[str, float],
    blocking: bool,
    settings: TemperatureSettings,
    n_spectra: int,
) -> dict[int, tuple[str, str]]:
    """Element name and naming rule per main track (tau order, see the module docstring).

    With the same cell's pressure-series fits (``reference``, element -> C in F cm^-2): the order-preserving
    matching of the tracks to the reference elements (in their element order) with the smallest summed
    |log10 C| distance, every pair within ``c_match_decades``, as many pairs as possible. Without (or for the
    tracks left unmatched): the shortest-tau track that persists (two spectra or more, where there are two) is
    bulk; the next with a larger capacitance than the bulk track's is GB (the ratio, not an absolute class); the
    slower ones interface (``int``, ``int2`` ...; ``p3`` ... with blocking electrodes). A track in between that
    fits none of these keeps its own element ``x<track>``. Absolute Irvine classes never name an element
    (:func:`plausibility_notes`)."""
    names: dict[int, tuple[str, str]] = {}
    if reference:
        refs = sorted(reference, key=element_rank)
        best: tuple[int, float, list[tuple[int, str]]] = (0, 0.0, [])
        for m in range(min(len(main), len(refs)), 0, -1):
            for ti in itertools.combinations(range(len(main)), m):
                for rj in itertools.combinations(refs, m):
                    d = [abs(math.log10(main[i].c_median_f_cm2 / reference[r])) for i, r in zip(ti, rj, strict=True)]
                    if max(d) > settings.c_match_decades:
                        continue
                    if (m, -sum(d)) > (best[0], -best[1]) or not best[2]:
                        best = (m, sum(d), list(zip(ti, rj, strict=True)))
            if best[2]:
                break
        for i, r in best[2]:
            d = abs(math.log10(main[i].c_median_f_cm2 / reference[r]))
            names[main[i].track] = (
                r,
                f"track {main[i].track} in tau order matched to the pressure-series element {r} "
                f"(C {main[i].c_median_f_cm2:.2g} vs {reference[r]:.2g} F/cm2, {d:.2f} decade)",
            )
    persist = min(2, n_spectra)
    taken = {n for n, _ in names.values()}
    bulk = next((t for t in main if names.get(t.track, ("",))[0] == "bulk"), None)
    if bulk is None and "bulk" not in taken:
        bulk = next((t for t in main if t.track not in names and t.n_points >= persist), None)
        if bulk is not None:
            names[bulk.track] = (
                "bulk",
                f"track {bulk.track}: the shortest-tau track that persists ({bulk.n_points} spectra)",
            )
    gb = next((t for t in main if names.get(t.track, ("",))[0] == "gb"), None)
    if gb is None and "gb" not in taken and bulk is not None:
        after = main[main.index(bulk) + 1 :]
        gb = next((t for t in after if t.track not in names and t.c_median_f_cm2 > bulk.c_median_f_cm2), None)
        if gb is not None:
            ratio = gb.c_median_f_cm2 / bulk.c_median_f_cm2
            names[gb.track] = ("gb", f"track {gb.track}: the next track in tau order, C {ratio:.2g} x the bulk track's")
    electrolyte = [t for t in main if names.get(t.track, ("",))[0] in ("bulk", "gb")]
    last = max((main.index(t) for t in electrolyte), default=-1)
    c_floor = max((t.c_median_f_cm2 for t in electrolyte), default=0.0)
    used = {n for n, _ in names.values()}
    extra = (
        (f"p{i}" for i in itertools.count(3)) if blocking else (n for n in ("int", *(f"int{i}" for i in range(2, 99))))
    )
    for i, t in enumerate(main):
        if t.track in names:
            continue
        if i > last and t.c_median_f_cm2 > c_floor:
            name = next(n for n in extra if n not in used)
            names[t.track] = (name, f"track {t.track}: slower than bulk and GB, its own element")
        else:
            name = f"x{t.track}"
            names[t.track] = (name, f"track {t.track}: resolved but neither bulk nor GB by tau order and C ratio")
        used.add(name)
    return names


def plausibility_notes(
    main: Sequence[SeriesTrack],
    names: Mapping[int, tuple[str, str]],
    thickness_cm: float | None,
    settings: TemperatureSettings,
) -> list[str]:
    """Irvine, Sinclair & West classes of the named tracks and the bulk/GB capacitance ratio: notes only."""
    notes = []
    for t in main:
        name = names[t.track][0]
        cls = _irvine(t.c_median_f_cm2, thickness_cm, settings)
        expected = "bulk" if name == "bulk" else "gb" if name == "gb" else "interface"
        if cls != expected:
            c_spec = t.c_median_f_cm2 * (thickness_cm or settings.assumed_thickness_cm)
            notes.append(
                f"{name} (track {t.track}): C x thickness {c_spec:.2g} "
                f"F/cm is in Irvine's {cls} class (plausibility only; named by tau order and C ratio)"
            )
    by = {names[t.track][0]: t for t in main}
    if "bulk" in by and "gb" in by:
        notes.append(f"C_GB / C_bulk = {by['gb'].c_median_f_cm2 / by['bulk'].c_median_f_cm2:.2g} (DRT track medians)")
    return notes


def _irvine(c_f_cm2: float, thickness_cm: float | None, settings: TemperatureSettings) -> str:
    """Irvine, Sinclair & West class of a capacitance (plausibility only)."""
    c_spec = c_f_cm2 * (thickness_cm or settings.assumed_thickness_cm)
    if not math.isfinite(c_spec):
        return "unknown"
    return "bulk" if c_spec <= settings.bulk_c_max_f_cm else "gb" if c_spec <= settings.gb_c_max_f_cm else "interface"


def choose_element_count(
    series: Sequence[Spectrum],
    used: Mapping[str, pd.DataFrame],
    blocking: Mapping[str, bool],
    settings: TemperatureSettings,
    tracks: Sequence[SeriesTrack] = (),
) -> tuple[int, dict[str, Any]]:
    """Number of parallel elements for the whole series: for k = 1 ..
    ``max_elements``, every spectrum is fitted with min(k, its peaks) anchored elements (R-CPE, no R_inf, no L);
    the k with the fewest failed fits (flagged - an exponent at 1 is an RC, no failure -, or above the Step 7
    residual gate ``max_rel_residual``: two arcs
    fitted as one fail it) and then the lowest summed BIC wins. One k for the series, so that every
    temperature names the same processes. With ``tracks``, the k elements are the k main tracks
    (:func:`main_tracks`, :func:`track_groups`); without, the k largest peaks of each spectrum
    (:func:`anchor_groups`)."""
    most = len(tracks) if tracks else max((len(r) for r in used.values()), default=0)
    temperatures = {str(s.meta.get("spectrum")): _temperature(s) for s in series}
    scores: dict[int, tuple[int, float]] = {}
    for k in range(1, min(settings.max_elements, most) + 1):
        flagged, bic = 0, 0.0
        for s in series:
            name = str(s.meta.get("spectrum"))
            rows = used.get(name)
            if rows is None or rows.empty:
                continue
            if tracks:
                main = main_tracks(tracks, k)
                by_track = track_groups(rows, name, main, temperatures)
                seeds = [merged_seed(g) for _, g in by_track]
                missing = missing_elements(main, [t for t, _ in by_track], s, temperatures)
                seeds = sorted([*seeds, *((r, tau) for _, r, tau in missing)], key=lambda rt: rt[1])
            else:
                seeds = [merged_seed(g) for g in anchor_groups(rows, k)]
            labels = labels_for(len(seeds), blocking[name])
            try:
                fit = _fit_one(
                    s, name, seeds, labels, ["RCPE"] * len(seeds), blocking[name], settings.weighting, False, False
                )
            except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:  # a fit that raises has failed
                log.warning("%s: %d-element fit failed: %s", name, k, exc)
                flagged += 1
                continue
            flagged += int(bool(fit.failures) or fit.max_relative_residual(name) > settings.max_rel_residual)
            bic += _bic(fit)
        scores[k] = (flagged, bic)
    if not scores:
        return 0, {"rule": "no DRT peak to fit"}
    best = min(scores, key=lambda k: scores[k])
    return best, {
        "chosen": best,
        "rule": "fewest failed fits (flagged, an exponent at 1 aside, or above the residual gate), then lowest summed "
        "BIC over the series (R-CPE elements, no R_inf, no L; elements = the main tracks)",
        "candidates": {str(k): {"flagged_fits": f, "bic_sum": b} for k, (f, b) in scores.items()},
    }


def _blocking_evidence(s: Spectrum, settings: TemperatureSettings) -> BlockingEvidence:
    """Blocking-electrode evidence of a validated spectrum: the spur's start from the kept points, the verdict from
    the uncropped spectrum where the validation stage recorded it (``meta["blocking_uncropped"]``) - cropping a
    low-frequency artefact can leave the start of a closing arc that looks like a spur."""
    e = detect_blocking(s.frequency_hz, s.impedance, min_angle_deg=settings.blocking_min_angle_deg)
    whole = s.meta.get("blocking_uncropped")
    if whole is None or bool(whole) == e.blocking:
        return e
    why = "the uncropped spectrum ends in a spur" if whole else "the uncropped spectrum ends in no spur"
    return replace(e, blocking=bool(whole), reason=f"{why}; kept points: {e.reason}")


def run_cell_temperature_fits(
    cell: str,
    spectra: Sequence[Spectrum],
    peaks: pd.DataFrame,
    pressure_fits: pd.DataFrame | None = None,
    settings: TemperatureSettings | None = None,
    *,
    include_pressure: bool = False,
) -> TemperatureFits:
    """Fit every spectrum of the cell's temperature series (see module docstring).

    Parameters
    ----------
    cell
        Cell name.
    spectra
        The cell's validated spectra (ohm cm^2); those with ``series == "temperature"`` are used.
    peaks
        The cell's ``peaks.csv``.
    pressure_fits
        The cell's pressure-series ``fits.csv`` rows (reference capacitances), or ``None``.
    settings
        Options.
    include_pressure
        Fit the pressure-series spectra too (``fit = individual``): when Steps 3-6 did not apply to them.

    Returns
    -------
    TemperatureFits
        An empty table and ``applies = False`` with the reason when every spectrum belongs to the pressure series;
        ``step7_applies`` says whether there are two temperatures or more.
    """
    settings = settings or TemperatureSettings()
    series = [s for s in spectra if include_pressure or s.meta.get("series") != "pressure"]
    series.sort(
        key=lambda s: (math.isnan(_temperature(s)), np.nan_to_num(_temperature(s)), str(s.meta.get("spectrum")))
    )
    temps = {t for s in series if s.meta.get("series") == "temperature" and math.isfinite(t := _temperature(s))}
    if not series:
        reason = "every spectrum of this cell belongs to its pressure series"
        return TemperatureFits(pd.DataFrame(), {"cell": cell, "applies": False, "reason": reason})
    reference = reference_capacitances(pressure_fits)
    # blocking electrodes, per spectrum and for the cell (the majority of its spectra)
    evidence = {str(s.meta.get("spectrum")): _blocking_evidence(s, settings) for s in series}
    cell_blocking = sum(e.blocking for e in evidence.values()) * 2 > len(evidence)
    blocking = {n: cell_blocking for n in evidence}
    # the peaks each spectrum's fit may use
    used: dict[str, pd.DataFrame] = {}
    for s in series:
        name = str(s.meta.get("spectrum"))
        rows = peaks[(peaks["spectrum"].astype(str) == name) & (peaks["r_ohm_cm2"] > 0)]
        # a peak up to one decade above the window stays (a bulk arc leaving the window as T rises: its tail is
        # still measured and the fit gives R with the error that the truncation implies); slower ones do not
        tau_top = 1.0 / (2 * np.pi * float(s.frequency_hz.max()))
        keep = rows["in_window"].astype(bool) | (rows["tau_s"].between(tau_top / 10, tau_top))
        if cell_blocking:  # the spur's DRT peaks are the series CPE, not parallel elements
            keep &= rows["tau_s"] < min(evidence[name].tau_turn_s, math.inf)
        used[name] = rows[keep].sort_values("tau_s")
    try:
        tracks_frame, track_of = _series_tracks(series, used)
    except (InputError, ValueError) as exc:  # without tracks, each spectrum's largest peaks anchor the elements
        tracks_frame, track_of = pd.DataFrame(), {}
        log.warning("temperature-series tracking failed: %s", exc)
    tracks = series_tracks(tracks_frame, used)
    k_series, k_finding = choose_element_count(series, used, blocking, settings, tracks)
    main = main_tracks(tracks, k_series)
    n_spectra = sum(1 for r in used.values() if not r.empty)
    temperatures = {str(s.meta.get("spectrum")): _temperature(s) for s in series}
    thickness_cell = next((s.meta.get("thickness_cm") for s in series if s.meta.get("thickness_cm")), None)
    track_names = name_tracks(main, reference, cell_blocking, settings, n_spectra) if main else {}
    series_c: dict[str, float] = {}
    if not tracks and not reference and len(temps) >= 2:
        series_c = series_capacitances(used, k_series, cell_blocking)
    if main:
        k_finding["main_tracks"] = [
            {"track": t.track, "element": track_names[t.track][0], "rule": track_names[t.track][1]} for t in main
        ]
        k_finding["median_capacitance_f_cm2"] = {track_names[t.track][0]: t.c_median_f_cm2 for t in main}
        k_finding["plausibility_notes"] = plausibility_notes(main, track_names, thickness_cell, settings)
    elif series_c:
        k_finding["median_capacitance_f_cm2"] = series_c
    frames: list[pd.DataFrame] = []
    per_spectrum: list[dict[str, Any]] = []
    stats: dict[str, tuple[float, int, int]] = {}  # chi2, parameters, data points of each spectrum's fit
    for s in series:
        name = str(s.meta.get("spectrum"))
        t_c = _temperature(s)
        kind = "temperature" if s.meta.get("series") == "temperature" and math.isfinite(t_c) else "individual"
        rows = used[name]
        entry: dict[str, Any] = {
            "spectrum": name,
            "temperature_c": t_c,
            "blocking_electrode": to_dict(evidence[name]),
        }
        if rows.empty:
            entry.update(fit_ok=False, reason="no DRT peak inside the measured window")
            per_spectrum.append(entry)
            continue
        thickness = s.meta.get("thickness_cm")
        if main:
            owner = {
                float(tau): track_names[t.track][0]
                for t, g in track_groups(rows, name, main, temperatures)
                for tau in g["tau_s"]
            }
            labels = [
                (owner[float(t)], f"{owner[float(t)]}: track {track_of.get(_key(name, t))} -> {owner[float(t)]}")
                for t in rows["tau_s"]
            ]
        else:
            groups = anchor_groups(rows, k_series)
            names_k, rule = names_by_capacitance(groups, k_series, series_c, cell_blocking)
            owner = {float(t): n for g, n in zip(groups, names_k, strict=True) for t in g["tau_s"]}
            labels = [(owner[float(t)], rule.format(name=owner[float(t)])) for t in rows["tau_s"]]
        entry["peaks"] = [
            {
                "tau_s": float(tau),
                "r_ohm_cm2": float(r),
                "c_f_cm2": float(c),
                "in_window": bool(inside),
                "element": lab,
                "rule": rule,
                "track": track_of.get(_key(name, tau)),
            }
            for (tau, r, c, inside), (lab, rule) in zip(
                rows[["tau_s", "r_ohm_cm2", "c_f_cm2", "in_window"]].itertuples(index=False), labels, strict=True
            )
        ]
        seeds = _seeds(rows, [lab for lab, _ in labels])
        if main:
            present = [t for t, _ in track_groups(rows, name, main, temperatures)]
            for t, r_x, tau_x in missing_elements(main, present, s, temperatures):
                seeds[track_names[t.track][0]] = (r_x, tau_x)
                entry.setdefault("extrapolated_elements", []).append(
                    {"element": track_names[t.track][0], "track": t.track, "r_ohm_cm2": r_x, "tau_s": tau_x}
                )
        names = sorted(seeds, key=lambda n: seeds[n][1])
        if reference:
            # an element gathering several DRT peaks is a distribution, not one RC: it gets a CPE exponent
            counts = {n: sum(lab == n for lab, _ in labels) for n in names}
            kinds: list[ElementKind] = ["RCPE" if counts[n] > 1 else settings.kinds.get(n, "RCPE") for n in names]
        else:
            kinds = ["RCPE"] * len(names)
        try:
            fit, selection = select_model(s, [seeds[n] for n in names], names, kinds, cell_blocking, settings)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            log.warning("%s: fit failed: %s", name, exc)
            entry.update(fit_ok=False, reason=f"fit failed: {exc}")
            per_spectrum.append(entry)
            continue
        entry["inductance"] = selection.pop("inductance")
        entry["model_selection"] = selection
        frame = fit.to_frame()
        frame.insert(0, "temperature_c", t_c)
        frame.insert(0, "pressure_mpa", s.meta.get("pressure_mpa"))
        frame.insert(0, "fit", kind)
        frames.append(frame)
        irvine = {n: _irvine(fit.element(name, n).c, thickness, settings) for n in names}
        entry.update(
            elements=names,
            irvine_classes=irvine,
            fit_ok=fit.ok,
            flags=list(fit.flags),
            max_rel_residual=fit.max_relative_residual(name),
            reduced_chi2=fit.reduced_chi2,
        )
        stats[name] = (float(fit.chi2), int(fit.x.size), int(fit.dof + fit.x.size))
        per_spectrum.append(entry)
    if main:  # the tracks that are no element of their own, and where their peaks went
        main_ids = {t.track for t in main}
        joined: dict[int, set[str]] = {}
        for entry in per_spectrum:
            for p in entry.get("peaks", []):
                if p["track"] is not None and p["track"] not in main_ids:
                    joined.setdefault(int(p["track"]), set()).add(str(p["element"]))
        share = {t.track: t for t in tracks}
        k_finding["joined_tracks"] = [
            {
                "track": t,
                "joined": sorted(els),
                "n_spectra": share[t].n_points,
                "c_median_f_cm2": share[t].c_median_f_cm2,
                "share": share[t].share,
                "rule": "not among the main tracks of the chosen element count: its peaks join the nearest element "
                "in log tau (a satellite of a non-ideal arc, or a process the fits do not resolve)",
            }
            for t, els in sorted(joined.items())
        ]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    gated, left_out = gate_fits(table, settings.max_rel_residual)
    joint = joint_arrhenius(
        series,
        gated,
        len(temps),
        enabled=settings.joint,
        weighting=settings.weighting,
        r_inf=settings.r_inf,
        two_stage_stats=stats,
    )
    if joint is not None and not joint[0].empty:
        table = pd.concat([table, joint[0]], ignore_index=True)
    findings = {
        "cell": cell,
        "applies": True,
        "settings": settings.to_dict(),
        "reference_capacitances_f_cm2": reference,
        "temperatures_c": sorted(temps),
        "step7_applies": len(temps) >= 2,
        "blocking_electrodes": {
            "detected": cell_blocking,
            "spectra": [n for n, e in evidence.items() if e.blocking],
            "rule": f"a spur at the low-frequency end (steeper than {settings.blocking_min_angle_deg:g} deg, -Z'' "
            "rising) in the majority of the spectra; modelled as a series CPE named "
            f"'{ELECTRODE}'",
        },
        "element_count": k_finding,
        "tracks": _track_summary(tracks_frame),
        "plausibility": _plausibility(table, settings),
        "left_out_of_step7": left_out,
        "spectra": per_spectrum,
    }
    if joint is not None:
        findings["joint"] = joint[1]
    return TemperatureFits(table, findings)


def _track_summary(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per track: its spectra, tau range (s) and median C = tau/R (F cm^-2)."""
    out: list[dict[str, Any]] = []
    if frame.empty:
        return out
    for t, g in frame.groupby("track"):
        c = g["tau_s"].to_numpy(float) / g["r_ohm_cm2"].to_numpy(float)
        out.append(
            {
                "track": int(t),
                "spectra": [str(x) for x in g["spectrum"]],
                "tau_min_s": float(g["tau_s"].min()),
                "tau_max_s": float(g["tau_s"].max()),
                "c_median_f_cm2": float(np.median(c)),
            }
        )
    return out


def _plausibility(table: pd.DataFrame, settings: TemperatureSettings) -> dict[str, Any]:
    """Per element over the temperature series: tau falling with T, spread of log10 C (decades; nearly
    T-independent for a bulk or GB process), and the order of the capacitances (bulk below GB)."""
    out: dict[str, Any] = {}
    if table.empty:
        return out
    rows = table[(table["fit"] == "temperature") & (table["r_ohm_cm2"] > 0)]
    medians: dict[str, float] = {}
    for name, g in rows.groupby("element"):
        g = g.sort_values("temperature_c")
        if g["temperature_c"].nunique() < 2:
            continue
        lc = np.log10(g["c_f_cm2"].to_numpy(float))
        tau = g["tau_s"].to_numpy(float)
        medians[str(name)] = float(np.median(lc))
        out[str(name)] = {
            "tau_falls_with_t": bool(np.all(np.diff(tau) < 0)),
            "log10_c_spread_decades": float(lc.max() - lc.min()),
        }
    if "bulk" in medians and "gb" in medians:
        out["c_gb_over_c_bulk"] = float(10 ** (medians["gb"] - medians["bulk"]))
    return out
