"""Confidence of a cell's verdict, measured by re-running the decision on perturbed inputs (issue 16).

A verdict is only as good as its stability under what the analyst could equally well have done or measured. Each
replica re-runs the pressure-series chain - DRT, peaks, tracks, Steps 1-2, the Step 3-6 fits and the Table 1
decision - on one perturbed copy of the cell:

- **noise**: every kept point gets complex Gaussian noise, proportional to its |Z|, of the level measured on the
  kept window of its own spectrum (``validation.json``, ``noise_level``:
  :attr:`eisrecipe.methods.crop.CropResult.noise_level`); without it, the level of the kept window's residuals in
  ``spectra.csv`` (:func:`eisrecipe.methods.noise.relative_noise_level`, from neighbour differences). Those
  residuals are the full-range KK fit's, whose misfit inside the window reached 15 x the noise on the case study:
  resampling them (the first design) gave replicas far noisier than the data. Until 2026-12 the level was the kept
  window's KK ``noise_estimate``, which overstates the noise by a median 1.4x (up to 2x; see
  :mod:`eisrecipe.methods.crop`): replicas carried about 1.7 x the measured noise instead of sqrt 2 x.
  Never below 0.1 % of |Z| (:data:`eisrecipe.methods.peaks.NOISE_FLOOR_REL`, the instrument accuracy), so exact
  simulations are perturbed too. The noise comes on top of the data's own, so a replica carries about sqrt 2 times
  the measured noise: a deliberately harder test than a second measurement;
- **cropping window**: each end of the kept window moves by up to ``window_points`` points, inward or outward
  (outward only into points the KK crop dropped, never past a configured limit or into inductive points);
- **DRT lambda**: the cell's shared lambda times one of ``lambda_scales`` (1/3, 1, 3), held fixed;
- **peak thresholds**: the significance a peak needs (``peaks.min_snr``, 5) times one of ``snr_scales`` (0.6, 1,
  1.4: 3 to 7 sigma, the span of common detection conventions - a factor 1/2 would admit bumps of noise, whose SNR
  is ~2, and turn every replica's series into spurious one-point tracks), and the prominence floor times one of
  ``prominence_scales`` (1/2, 1, 2; inert at the default floor 0).

The settings are drawn per replica from a generator seeded by (``seed``, cell name, replica index), so a rerun is
byte-identical. The fraction of replicas reaching each process is its probability; the verdict stage turns it into
the confidence of the un-perturbed verdict (:func:`eisrecipe.recipe.verdict.apply_confidence`):

- ``high``: its process is reached by >= ``high`` of the replicas (0.9), no quality gate closed a step and the
  process is not inferred from one overlapping interface signal (right branch);
- ``medium``: >= ``medium`` (0.7) (or >= ``high`` with a gate);
- ``low``: below that; below ``min_probability`` (0.5) the verdict is ``undetermined``, with the reason.
Replicas cover the pressure-series process only (Steps 1-6); a cell without a pressure series, or with the switch
``replicas: 0``, gets ``assessed: false`` with the reason. A replica that fails counts as ``failed`` (it is no vote
for any process) and its error is kept.

Units: impedances ohm cm^2, lambda dimensionless, prominence relative to the largest DRT peak.
"""

from __future__ import annotations

import json
import logging
import math
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.errors import InputError
from eisrecipe.methods.noise import relative_noise_level
from eisrecipe.methods.peaks import NOISE_FLOOR_REL
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.steps_1_2 import steps12_from_dict
from eisrecipe.recipe.verdict import VerdictSettings
from eisrecipe.serialize import json_safe
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import FitSettings, run_cell_fits
from eisrecipe.stages.validate import load_validated
from eisrecipe.stages.verdict import interface_from_rows, run_cell_verdict

__all__ = ["ConfidenceSettings", "Replica", "cell_confidence", "run_confidence_stage"]

log = logging.getLogger(__name__)

#: points the window may grow into: dropped by the KK crop, not by a configured limit or as inductive
_MOVABLE = ("", "kk_residual", "kk_systematic")


@dataclass(frozen=True)
class ConfidenceSettings:
    """Options of the replica analysis (config ``confidence``).

    Attributes
    ----------
    replicas
        Perturbed re-runs per cell (0 switches the analysis off).
    seed
        Seed of the replica settings and noise.
    window_points
        Largest move of each end of the kept window, points.
    lambda_scales, prominence_scales, snr_scales
        Factors on the cell's DRT lambda, the peak prominence floor and the peak significance ``min_snr``, one of each
        drawn per replica.
    high, medium
        Replica fractions of the verdict's process for confidence ``high`` and ``medium``.
    min_probability
        Below this fraction for every process the verdict is ``undetermined``.
    """

    replicas: int = 16
    seed: int = 0
    window_points: int = 2
    lambda_scales: tuple[float, ...] = (1 / 3, 1.0, 3.0)
    prominence_scales: tuple[float, ...] = (0.5, 1.0, 2.0)
    snr_scales: tuple[float, ...] = (0.6, 1.0, 1.4)
    high: float = 0.9
    medium: float = 0.7
    min_probability: float = 0.5

    def __post_init__(self) -> None:
        if self.replicas < 0 or self.window_points < 0:
            raise InputError("confidence: replicas and window_points must be >= 0")
        if not 0 < self.min_probability <= self.medium <= self.high <= 1:
            raise InputError("confidence: need 0 < min_probability <= medium <= high <= 1")
        scales = (self.lambda_scales, self.prominence_scales, self.snr_scales)
        if not all(scales) or min(v for group in scales for v in group) <= 0:
            raise InputError(
                "confidence: lambda_scales, prominence_scales and snr_scales must be non-empty and positive"
            )

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> ConfidenceSettings:
        """From the config section ``confidence`` (unknown keys are errors)."""
        values = dict(config or {})
        unknown = sorted(set(values) - set(cls.__dataclass_fields__))
        if unknown:
            raise InputError(f"unknown confidence setting(s) {unknown}")
        for key in ("lambda_scales", "prominence_scales", "snr_scales"):
            if key in values:
                values[key] = tuple(float(v) for v in values[key])
        return cls(**values)


@dataclass
class Replica:
    """One perturbed re-run: its settings and the process it reached (``failed`` with ``error`` when it broke)."""

    index: int
    lambda_scale: float
    prominence_scale: float
    snr_scale: float = 1.0
    window_shift: dict[str, tuple[int, int]] = field(default_factory=dict)
    process: str = "failed"
    error: str | None = None


def _perturbed(
    spectrum: Spectrum,
    points: pd.DataFrame,
    shift: tuple[int, int],
    rng: np.random.Generator,
    noise_level: float | None = None,
) -> Spectrum:
    """One replica of a validated spectrum: window ends moved by ``shift`` (high-f end, low-f end; positive =
    outward), noise of relative level ``noise_level`` (fraction of |Z| per part; ``None``: from the kept window's
    KK residuals; module docstring)."""
    reason = points["drop_reason"].fillna("").astype(str).to_numpy()
    is_kept = points["kept"].astype(bool).to_numpy()
    kept = np.flatnonzero(is_kept)
    start, stop = int(kept[0]), int(kept[-1]) + 1
    movable = np.isin(reason, _MOVABLE)
    hi, lo = shift
    new_start = start - min(hi, int(np.sum(np.cumprod(movable[:start][::-1])))) if hi > 0 else start - hi
    new_stop = stop + min(lo, int(np.sum(np.cumprod(movable[stop:])))) if lo > 0 else stop + lo
    # points the crop dropped inside its window (isolated KK failures) stay out of every replica
    hole = np.zeros(len(points), dtype=bool)
    hole[start:stop] = ~is_kept[start:stop]
    take = np.zeros(len(points), dtype=bool)
    take[new_start:new_stop] = True
    if np.sum(take & ~hole) < 8:  # never below the crop's own minimum window
        take[:] = False
        take[start:stop] = True
    rows = points[take & ~hole]
    f = rows["frequency_hz"].to_numpy(float)
    z = rows["z_real_ohm_cm2"].to_numpy(float) + 1j * rows["z_imag_ohm_cm2"].to_numpy(float)
    pool = points[is_kept]  # the kept window without its holes
    res_re = pool["kk_residual_real"].to_numpy(float)
    res_im = pool["kk_residual_imag"].to_numpy(float)
    res_re, res_im = res_re[np.isfinite(res_re)], res_im[np.isfinite(res_im)]
    sigma = noise_level
    if sigma is None and res_re.size > 1 and res_im.size > 1:
        sigma = relative_noise_level(res_re, res_im)
    if sigma is not None and math.isfinite(sigma):
        sigma = max(sigma, NOISE_FLOOR_REL)
        z = z + np.abs(z) * sigma * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))
    lines = rows["source_line"].to_numpy(float) if "source_line" in rows else None
    if lines is not None and not np.all(np.isfinite(lines)):  # a reader without line numbers (binary files)
        lines = None
    return replace(spectrum, frequency_hz=f, impedance=z, lines=None if lines is None else lines.astype(int))


def _measured_noise(validation: Mapping[str, Any]) -> dict[str, float]:
    """Spectrum -> the relative noise level of its kept window (``validation.json``, ``noise_level``), where
    recorded."""
    out: dict[str, float] = {}
    for entry in validation.get("spectra") or []:
        level = entry.get("noise_level")
        if level is not None and math.isfinite(float(level)):
            out[str(entry.get("spectrum"))] = float(level)
    return out


def _replica_settings(
    cell: str, k: int, settings: ConfidenceSettings
) -> tuple[np.random.Generator, float, float, float]:
    """The generator of replica ``k`` of ``cell`` and its lambda, prominence and significance factors."""
    rng = np.random.default_rng([settings.seed, zlib.crc32(cell.encode()), k])
    lam = float(rng.choice(settings.lambda_scales))
    prom = float(rng.choice(settings.prominence_scales))
    return rng, lam, prom, float(rng.choice(settings.snr_scales))


def cell_confidence(
    cell: str,
    spectra: Sequence[Spectrum],
    table: pd.DataFrame,
    validation: Mapping[str, Any],
    steps12_doc: Mapping[str, Any],
    drt_settings: DrtStageSettings,
    fit_settings: FitSettings,
    verdict_settings: VerdictSettings,
    settings: ConfidenceSettings,
    interface: str | None = None,
    thickness_cm: Mapping[str, float | None] | None = None,
) -> dict[str, Any]:
    """The replica analysis of one cell (module docstring).

    Parameters
    ----------
    spectra
        The cell's validated spectra (kept points, ohm cm^2), as :func:`~eisrecipe.stages.validate.load_validated`
        gives them.
    table
        The cell's ``spectra.csv`` (every point, with ``kept``, ``drop_reason`` and the KK residuals).
    validation, steps12_doc
        The cell's ``validation.json`` and ``steps12.json``.
    drt_settings, fit_settings, verdict_settings
        The settings of the un-perturbed run.
    settings
        Replica options.
    interface, thickness_cm
        From the sample sheet, as the verdict stage gets them.

    Returns
    -------
    dict
        ``assessed``, ``reason`` (when not), ``replicas`` (settings and process of each), ``process_probabilities``
        and the settings.
    """
    out: dict[str, Any] = {"settings": asdict(settings)}
    if settings.replicas == 0:
        return {**out, "assessed": False, "reason": "switched off (confidence.replicas = 0)"}
    entry = steps12_doc.get("steps_1_2") or {}
    if not entry or entry.get("applies", True) is False:
        return {
            **out,
            "assessed": False,
            "reason": "no pressure series to replicate: "
            + str(entry.get("reason") or steps12_doc.get("reason") or "Steps 1-2 do not apply"),
        }
    lambdas = [s.get("lambda") for s in (steps12_doc.get("spectra") or {}).values() if s.get("lambda")]
    lam0 = float(np.exp(np.mean(np.log(lambdas)))) if lambdas else drt_settings.drt.lambda_value
    by_name = {str(s.meta.get("spectrum")): s for s in spectra}
    noise_levels = _measured_noise(validation)
    points = {str(k): g for k, g in table.groupby(table["spectrum"].astype(str), sort=False)}
    replicas: list[Replica] = []
    for k in range(settings.replicas):
        rng, lam_scale, prom_scale, snr_scale = _replica_settings(cell, k, settings)
        rep = Replica(k, lam_scale, prom_scale, snr_scale)
        try:
            perturbed = []
            for name, s in by_name.items():
                shift = (
                    int(rng.integers(-settings.window_points, settings.window_points + 1)),
                    int(rng.integers(-settings.window_points, settings.window_points + 1)),
                )
                rep.window_shift[name] = shift
                perturbed.append(_perturbed(s, points[name], shift, rng, noise_levels.get(name)))
            drt = replace(
                drt_settings,
                drt=replace(drt_settings.drt, lambda_method="fixed", lambda_value=lam0 * lam_scale),
                prominence=drt_settings.prominence * prom_scale,
                min_snr=drt_settings.min_snr * snr_scale,
            )
            cell_drt = run_cell_drt(cell, perturbed, drt)
            s12 = steps12_from_dict(cell_drt.finding)
            if isinstance(s12, NotApplicable):
                rep.process = "undetermined"
            else:
                tracks = cell_drt.tracking.to_frame() if cell_drt.tracking is not None else pd.DataFrame()
                fits = run_cell_fits(cell, perturbed, tracks, s12, fit_settings)
                verdict = run_cell_verdict(
                    cell,
                    validation,
                    s12,
                    fits.finding,
                    fits.table,
                    verdict_settings,
                    interface=interface,
                    thickness_cm=thickness_cm,
                ).verdict
                rep.process = str(verdict.get("dominant_interface_process"))
        except Exception as exc:  # one broken replica is a missing vote, not a failed cell
            log.warning("replica %d of cell %s failed: %s", k, cell, exc)
            rep.process, rep.error = "failed", f"{type(exc).__name__}: {exc}"
        replicas.append(rep)
    votes = Counter(r.process for r in replicas)
    n = len(replicas)
    return {
        **out,
        "assessed": True,
        "lambda_unperturbed": lam0,
        "process_probabilities": {p: votes[p] / n for p in sorted(votes)},
        "replicas": [asdict(r) for r in replicas],
    }


def run_confidence_stage(
    cell: str,
    inputs: Mapping[str, str | Path],
    output: str | Path,
    config: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """The rule ``confidence_cell``: read the validated spectra and Steps 1-2, run the replicas, write the JSON.

    Parameters
    ----------
    inputs
        Paths ``spectra`` (spectra.csv), ``validation``, ``steps12``.
    output
        Path of ``confidence.json``.
    config
        The workflow config (sections ``confidence``, ``drt``, ``peaks``, ``tracking``, ``steps12``, ``fit``,
        ``verdict``).
    rows
        The cell's sample-sheet rows.
    """
    settings = ConfidenceSettings.from_config(config.get("confidence"))
    doc: dict[str, Any]
    if settings.replicas == 0:
        doc = cell_confidence(
            cell, [], pd.DataFrame(), {}, {}, DrtStageSettings(), FitSettings(), VerdictSettings(), settings
        )
    else:
        doc = cell_confidence(
            cell,
            load_validated(inputs["spectra"], inputs["validation"]),
            pd.read_csv(inputs["spectra"]),
            json.loads(Path(inputs["validation"]).read_text()),
            json.loads(Path(inputs["steps12"]).read_text()),
            DrtStageSettings.from_config(config, cell),
            FitSettings.from_config(config.get("fit")),
            VerdictSettings.from_config(config.get("verdict")),
            settings,
            interface=interface_from_rows(rows),
            thickness_cm={str(r["spectrum"]): r.get("thickness_cm") for r in rows},
        )
    Path(output).write_text(json.dumps(json_safe(doc), indent=2, allow_nan=False) + "\n", encoding="utf-8")
