"""The DRT stage of one cell: DRT of every validated spectrum, peaks, pressure-series tracks, Steps 1-2.

One job per cell, so that one tau grid and one lambda policy cover the whole cell (peaks stay comparable) and
the per-job start-up cost is paid once. The cell's pressure-series spectra get one DRT series (one grid, one
lambda and, with ``drt.data: series``, one data part), peaks, tracks labelled by Step 1 and the Step 1-2 finding
(:mod:`eisrecipe.recipe.steps_1_2`); its other spectra (temperature, aging) get DRTs and peaks on the same
settings, as a group of their own. A spectrum whose DRT fails is recorded with the reason and the others go on.

Outputs (per cell):

- ``drt.csv``: ``spectrum``, ``tau_s``, ``frequency_hz``, ``gamma_ohm_cm2``;
- ``drt_fit.csv``: per spectrum and point, the data, the DRT reconstruction and the relative residuals;
- ``peaks.csv``: one row per spectrum and peak (``spectrum``, ``tau_s``, ``r_ohm_cm2`` ...);
- ``tracks.csv``: one row per track and spectrum (``track``, ``label``, ``spectrum``, ``tau_s``, ``r_ohm_cm2`` ...);
- ``steps12.json``: the settings (with ``data_choice``: per group, ``pressure`` and ``others``, the data part the
  DRT kept and both residual figures), per spectrum the DRT summary, the track summaries and the Step 1-2 finding
  (or why it does not apply).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from eisrecipe.errors import InputError
from eisrecipe.methods.drt import DrtResult, DrtSettings, compute_drt_series, run_drt
from eisrecipe.methods.peaks import DEFAULT_MIN_SNR, Peak, find_peaks, peaks_frame
from eisrecipe.methods.tracking import TrackingResult, series_entries
from eisrecipe.recipe.steps_1_2 import (
    LabelRules,
    Steps12Thresholds,
    absence_at_highest,
    pressure_series_check,
    steps_1_2,
    track_series,
)
from eisrecipe.serialize import FLOAT_FORMAT, json_safe
from eisrecipe.spectrum import Spectrum

__all__ = ["CellDrt", "DrtStageSettings", "run_cell_drt"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrtStageSettings:
    """Settings of the stage, from the config sections ``drt``, ``peaks``, ``tracking`` and ``steps12``."""

    backend: str = "native"
    drt: DrtSettings = field(default_factory=DrtSettings)
    lambda_policy: str = "shared"
    prominence: float = 0.0
    min_snr: float = DEFAULT_MIN_SNR
    cpe_tails: bool = True
    peak_area: str = "gauss"
    gate_decades: float = 0.5
    thresholds: Steps12Thresholds = field(default_factory=Steps12Thresholds)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], cell: str | None = None) -> DrtStageSettings:
        """Build from the workflow config; ``drt.cells.<cell>`` (when ``cell`` is given) overrides ``drt`` keys."""
        drt = dict(config.get("drt") or {})
        overrides = drt.pop("cells", None) or {}
        if cell is not None:
            drt.update(overrides.get(cell) or {})
        backend = drt.pop("backend", "native")
        policy = drt.pop("lambda_policy", "shared")
        peaks = dict(config.get("peaks") or {})
        tracking = dict(config.get("tracking") or {})
        return cls(
            backend=backend,
            drt=DrtSettings.from_config(drt),
            lambda_policy=policy,
            prominence=float(peaks.get("prominence", 0.0)),
            min_snr=float(peaks.get("min_snr", DEFAULT_MIN_SNR)),
            cpe_tails=bool(peaks.get("cpe_tails", True)),
            peak_area=str(peaks.get("area", "gauss")),
            gate_decades=float(tracking.get("gate_decades", 0.5)),
            thresholds=Steps12Thresholds.from_config(config.get("steps12")),
        )

    def find_peaks(self, result: DrtResult, *, every: bool = False) -> list[Peak]:
        """The peaks of a DRT by these settings (area rule, CPE tails, prominence floor, significance ``min_snr``);
        ``every``: every local maximum with its significance (no prominence floor, no significance cut; a DRT of
        the real part alone still loses the peaks its imaginary data do not support, which are no relaxation)."""
        return find_peaks(
            result,
            prominence=0.0 if every else self.prominence,
            area=self.peak_area,  # type: ignore[arg-type]
            min_snr=0.0 if every else self.min_snr,
            cpe_tails=self.cpe_tails,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {
            "backend": self.backend,
            "drt": self.drt.to_dict(),
            "lambda_policy": self.lambda_policy,
            "prominence": self.prominence,
            "min_snr": self.min_snr,
            "cpe_tails": self.cpe_tails,
            "peak_area": self.peak_area,
            "gate_decades": self.gate_decades,
            "steps12": dict(self.thresholds.__dict__),
        }


@dataclass
class CellDrt:
    """Everything the stage computed for one cell."""

    cell: str
    drts: dict[str, DrtResult]
    peaks: dict[str, tuple[Peak, ...]]
    tracking: TrackingResult | None
    finding: dict[str, Any]
    failed: list[dict[str, str]]
    settings: dict[str, Any]

    def write(
        self,
        drt_csv: str | Path,
        fit_csv: str | Path,
        peaks_csv: str | Path,
        tracks_csv: str | Path,
        steps_json: str | Path,
    ) -> None:
        """Write the five outputs (deterministic formatting)."""
        frames, fits = [], []
        for name, result in self.drts.items():
            f = result.to_frame()
            f.insert(0, "spectrum", name)
            frames.append(f)
            g = result.residuals_frame()
            g.insert(0, "spectrum", name)
            fits.append(g)
        pd.concat(frames, ignore_index=True).to_csv(drt_csv, index=False, float_format=FLOAT_FORMAT)
        pd.concat(fits, ignore_index=True).to_csv(fit_csv, index=False, float_format=FLOAT_FORMAT)
        meta = {
            k: {
                "pressure_mpa": r.spectrum.meta.get("pressure_mpa"),
                "pressure_mode": r.spectrum.meta.get("pressure_mode"),
            }
            for k, r in self.drts.items()
        }
        peaks_frame(self.peaks, unit="ohm cm^2", meta=meta).to_csv(peaks_csv, index=False, float_format=FLOAT_FORMAT)
        if self.tracking is not None:
            tracks = self.tracking.to_frame()
        else:
            tracks = pd.DataFrame(columns=["track", "label", "spectrum", "tau_s", "r_ohm_cm2"])
        tracks.to_csv(tracks_csv, index=False, float_format=FLOAT_FORMAT)
        doc = {
            "cell": self.cell,
            "settings": self.settings,
            "spectra": {k: r.summary() for k, r in self.drts.items()},
            "failed": self.failed,
            "tracks": (
                json.loads(self.tracking.summary_frame().to_json(orient="records")) if self.tracking is not None else []
            ),
            "steps_1_2": self.finding,
        }
        Path(steps_json).write_text(json.dumps(json_safe(doc), indent=2, allow_nan=False) + "\n")


def _is_pressure(s: Spectrum) -> bool:
    p = s.meta.get("pressure_mpa")
    return s.meta.get("series") == "pressure" and p is not None and not (isinstance(p, float) and math.isnan(p))


def _drts(spectra: Sequence[Spectrum], settings: DrtStageSettings) -> tuple[list[DrtResult | None], list[str]]:
    """DRTs of a group of spectra (one grid/lambda policy for the native backend); failures as messages."""
    if not spectra:
        return [], []
    if settings.backend == "native":
        try:
            return list(compute_drt_series(spectra, settings.drt, lambda_policy=settings.lambda_policy)), [""] * len(
                spectra
            )
        except Exception as exc:  # fall back to one spectrum at a time to isolate the bad one
            log.warning("series DRT failed (%s); computing spectrum by spectrum", exc)
    out: list[DrtResult | None] = []
    errors: list[str] = []
    for s in spectra:
        try:
            out.append(run_drt(s, settings.drt, backend=settings.backend))
            errors.append("")
        except Exception as exc:
            log.error("DRT of spectrum %s failed: %s", s.meta.get("spectrum"), exc)
            out.append(None)
            errors.append(f"{type(exc).__name__}: {exc}")
    return out, errors


ABOVE_WINDOW_DECADES = 1.0
"""A significant DRT peak up to this many decades above the highest measured frequency may start a track (and so
become the fit's bulk element): an arc whose maximum lies there still shows its low-frequency tail in the data (at
one decade, Z'' = 10 % of R at f_max), which R_inf alone cannot fit - the temperature stage keeps such peaks for
the same reason (a bulk arc leaving the window)."""


def _above_window(drts: Mapping[str, DrtResult], name: str, peak: Peak) -> bool:
    """Whether ``peak`` of spectrum ``name`` lies above the window by at most :data:`ABOVE_WINDOW_DECADES`."""
    tau_top = drts[name].window_tau_s[0]
    return tau_top / 10.0**ABOVE_WINDOW_DECADES <= peak.tau_s < tau_top


def _beyond_top(drts: Mapping[str, DrtResult], name: str, peak: Peak) -> bool:
    """Whether ``peak`` of spectrum ``name`` lies above the measured window (tau < 1 / (2 pi f_max))."""
    return peak.tau_s < drts[name].window_tau_s[0]


def _would_show(
    drts: Mapping[str, DrtResult],
    peaks: Mapping[str, Sequence[Peak]],
    settings: DrtStageSettings,
    name: str,
    tau_s: float,
    r_ohm_cm2: float,
) -> bool:
    """Injection test of Steps 1-2's evidence of absence: add an RC (``r_ohm_cm2``, ``tau_s`` in s) to spectrum
    ``name``, redo its DRT with the same lambda and data part, and say whether a significant peak appears within
    the tracking gate of ``tau_s`` that the spectrum did not have (``peaks``: its peaks as the stage found them;
    a new peak, not a grown neighbour)."""
    result = drts[name]
    s = result.spectrum
    w = 2 * math.pi * s.frequency_hz
    injected = replace(s, impedance=s.impedance + r_ohm_cm2 / (1 + 1j * w * tau_s))
    drt = replace(result.settings, lambda_method="fixed", lambda_value=result.lambda_value, data=result.data)
    try:
        again = run_drt(injected, drt, backend=settings.backend)
    except Exception as exc:  # no evidence is no evidence
        log.warning("injection test on %s failed: %s", name, exc)
        return False
    found = settings.find_peaks(again)
    near = [p for p in found if abs(math.log10(p.tau_s / tau_s)) <= settings.gate_decades]
    return len(near) > sum(1 for p in peaks[name] if abs(math.log10(p.tau_s / tau_s)) <= settings.gate_decades)


REMNANT_MIN_SNR = 2.0
"""Significance (noise units, the peak finder's :func:`~eisrecipe.methods.peaks.peak_snr` with the CPE-tail test)
from which a DRT peak below the detection threshold (``peaks.min_snr``, 5) counts as something left where a track
was (:func:`_remnant`): the conventional two-sigma level of a hint. Below it stay most ripples of noise (which
reach about 2) and the bumps a regularised DRT puts on the flank of a depressed (CPE) arc (0-0.1 measured), which
would otherwise stop every small track beside such an arc from being shown gone; a ripple above it only withholds
the evidence of absence (the track is then judged on the points where it is seen, never called gone)."""


def _remnant(
    drts: Mapping[str, DrtResult],
    peaks: Mapping[str, Sequence[Peak]],
    settings: DrtStageSettings,
    name: str,
    tau_s: float,
) -> float:
    """Steps 1-2's evidence of absence, what is left: R (ohm cm^2) of the largest DRT peak of spectrum ``name``
    within the tracking gate of ``tau_s`` (s) that the stage did not keep (``peaks``: below the significance
    threshold or the prominence floor) but that stands at least :data:`REMNANT_MIN_SNR` above the noise; 0 when
    there is none."""
    every = settings.find_peaks(drts[name], every=True)
    kept = [math.log10(p.tau_s) for p in peaks[name]]
    left = [
        p.r
        for p in every
        if abs(math.log10(p.tau_s / tau_s)) <= settings.gate_decades
        and not any(abs(math.log10(p.tau_s) - k) < 0.02 for k in kept)
        and math.isfinite(p.r)
        and p.snr is not None
        and p.snr >= REMNANT_MIN_SNR
    ]
    return max(left, default=0.0)


def run_cell_drt(cell: str, spectra: Sequence[Spectrum], settings: DrtStageSettings) -> CellDrt:
    """Run the DRT stage on one cell's validated spectra (see module docstring)."""
    pressure = [s for s in spectra if _is_pressure(s)]
    others = [s for s in spectra if not _is_pressure(s)]
    drts: dict[str, DrtResult] = {}
    failed: list[dict[str, str]] = []
    choices: dict[str, Any] = {}  # drt.data: series - the data part of each group and why
    for label, group in (("pressure", pressure), ("others", others)):
        results, errors = _drts(group, settings)
        records = [r.data_choice for r in results if r is not None and r.data_choice is not None]
        if records:
            same = all(r == records[0] for r in records)
            choices[label] = records[0] if same else "chosen per spectrum (see spectra.<name>.data_choice)"
        for s, r, e in zip(group, results, errors, strict=True):
            name = str(s.meta.get("spectrum"))
            if r is None:
                failed.append({"spectrum": name, "error": e})
            else:
                drts[name] = r
    if not drts:
        reasons = "; ".join(f"{f['spectrum']}: {f['error']}" for f in failed) or "no validated spectra"
        raise InputError(f"no DRT could be computed for cell '{cell}' ({reasons})")
    # keep sheet order
    order = [str(s.meta.get("spectrum")) for s in spectra]
    drts = {k: drts[k] for k in order if k in drts}
    peaks = {k: settings.find_peaks(r) for k, r in drts.items()}
    p_names = [str(s.meta.get("spectrum")) for s in pressure if str(s.meta.get("spectrum")) in drts]
    tracking: TrackingResult | None = None
    if len(p_names) >= 2:
        thickness = pressure[0].meta.get("thickness_cm")
        rules = LabelRules(thickness_cm=float(thickness)) if thickness else LabelRules()
        tracking = track_series(
            series_entries({k: peaks[k] for k in p_names}, {k: drts[k].spectrum.meta for k in p_names}),
            gate_decades=settings.gate_decades,
            rules=rules,
            unit="ohm cm^2",
            may_start=partial(_above_window, drts),
            above_top=partial(_beyond_top, drts),
        )
        pressures = [float(drts[k].spectrum.meta["pressure_mpa"]) for k in p_names]
        refused = pressure_series_check(pressures)
        if refused:
            finding = refused.to_dict()
        else:
            absence = absence_at_highest(
                tracking,
                partial(_would_show, drts, peaks, settings),
                settings.thresholds,
                partial(_remnant, drts, peaks, settings),
            )
            finding = steps_1_2(tracking, settings.thresholds, absence).to_dict()
    else:
        finding = {
            "applies": False,
            "reason": f"Steps 1-2 need a pressure series of at least two spectra; this cell has {len(p_names)}",
        }
    recorded = settings.to_dict()
    if choices:
        recorded["data_choice"] = choices
    return CellDrt(cell, drts, peaks, tracking, finding, failed, recorded)
