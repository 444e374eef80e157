"""Frequency cropping by Kramers-Kronig residuals and configured limits (RECIPE.md, "Data quality").

The rule, applied per spectrum:

1. Points outside the configured window ``f_min_hz .. f_max_hz`` are dropped (reason ``below_f_min`` /
   ``above_f_max``). With ``drop_inductive``, the contiguous run of highest-frequency points with Z'' > 0
   (inductive: leads, cables) is dropped too (reason ``inductive``).
2. The linear KK test (:func:`eisrecipe.methods.kk.kk_test`) runs on what is left. Points whose relative
   residual (real or imaginary) exceeds ``kk_threshold`` (paper: 4 %) are excluded (reason ``kk_residual``, with
   the residual that condemned it): an *isolated* one - its two neighbours on each side pass - alone, as a hole in
   the window; the others cut the window, which is the largest contiguous run of points that pass or are
   isolated failures (ties go to the run at higher frequency), so that artefacts, which fail in runs at an end
   (a drift at the low frequencies, a bulk arc or leads at the top), crop that end as the paper describes. A hole
   counts as a failure beside a later one (two failing neighbours cut the window, also across rounds), and at
   most :data:`MAX_HOLE_FRACTION` of the points become holes.
   Where every failure lies inside the window (none in a failing run that reaches an end: one that holds the end
   point or the one beside it and runs until two passing points in a row), a point fails only where the window's KK
   fit by the ``"density"`` rule (the systematic test's, rule 4) fails it too; where that fit passes it, the failure
   is the configured fit's under-fit, not the data's. The ``"chi2_floor"`` rule stops at an RC count whose pseudo
   chi-squared is within ``chi2_factor`` (4) of the floor, i.e. a residual RMS up to twice the noise: at ~1 % noise
   its structured misfit reached 4-5 % in mid-spectrum on KK-consistent known-answer spectra, where the density fit's
   residuals stayed below 2.4-3 % (full matrix c104_p04, c230_p03, c033_p02, c122_p08: two to seven such points cut
   the window, and the next rounds, each refitting a window that ends inside an arc, cascaded to 24-42 lost points,
   in c104_p04 the whole CT arc).
   Such points stay in the window with residuals above the threshold in ``kk_final``; ``validation.json`` counts them
   (``kk_density_passed``) and the report says so beside the largest residual. The price, measured on 20 seeded
   spectra at 1 % noise per case with a non-KK bump of three points in mid-spectrum: a 6 % bump of the real part
   stays in 48 of 60 points (11 before), 6 % of both parts 53 (24), 8 % of both parts 11 (5) - kept, they bend a fit
   over three points; cut, the old rule threw away whole arcs of good data.
   A failing run at an end (drift, bulk arc, leads) keeps the configured fit's judgement of every point: the
   artefact's reach is not known, and on the case study's 0 degC spectrum (a failing top point, then two more
   three and four points in) judging those two by the density fit kept four more points at the top, which moved
   Ea,Int from 0.325 to 0.289 eV and the Arrhenius fit's reduced chi-squared from 0.4 to 7.5.
   Until 2026-12 every failing point cut the window: at 1 % noise one excursion to 5 % in mid-spectrum (a KK fit
   that leaves residuals of 1-3 % there) threw away the 25 points beyond it (matrix c262_p08) - 65 of 2106
   spectra of the full known-answer matrix, in 27 of its 305 cells, all at 0.72-0.99 % noise, lost 1.4-4.6
   decades of KK-consistent data that way; with holes, 49 of them keep all but at most 4 of their points.
3. Step 2 repeats on the kept window - an artefact distorts the KK fit of the whole spectrum, so the residuals
   of the window alone are the ones that count - until the window passes as a whole or ``max_iterations`` is
   reached. The final KK result is that of the kept window.
4. Residuals below the threshold can still be systematic: a slow drift or relaxation of the cell during the sweep
   leaves a smooth run of same-signed residuals far above the noise yet below 4 % when the noise is low
   (:meth:`eisrecipe.methods.kk.KKResult.systematic_z`, on a KK fit of the window whose RC count follows the
   ``"density"`` rule - the default ``"chi2_floor"`` rule fits a drift away). With ``kk_z_max`` set, such a
   run that reaches an end of the window is cropped like a 4 % violation (reason ``kk_systematic``) and the KK
   test repeats, within the same ``max_iterations``; a systematic run left inside the window (or at an end
   after the last round) is not cropped - the spectrum keeps it with a quality flag
   (:meth:`CropResult.systematic_problem`), which the verdict's KK gate sees.
5. The noise level of the kept window (:attr:`CropResult.noise_level`) is read from the residuals of that window's
   KK fits by neighbour differences (:func:`eisrecipe.methods.noise.relative_noise_level`, the scale the systematic
   test divides by, without its floor): of the ``"density"`` fit and of ``kk_final``, the smaller - a misfit the
   differences do not cancel can only add to them, and each fit has its regime: on a sparse window (under about 5
   points per decade) the density fit, capped at half the points, is too coarse (8-10 points over 3 decades read
   3.5-25 x the noise, ``kk_final`` 0.85-2.1 x), elsewhere ``kk_final`` may leave a smooth drift the density fit
   takes up. The kept window's own KK fit (``kk_final``) gives no noise measurement by its chi-squared: its RC
   count stops once its pseudo chi-squared is within ``chi2_factor`` (4) of the floor, so its
   ``noise_estimate`` = sqrt(chi2 / dof) may exceed the noise by up to 2x - measured on the known-answer matrix
   (the estimate over the generator's noise, 436 spectra of 61 circuit cells of the full matrix, without and with
   a drift): median 1.42 and 1.49 for ``kk_final.noise_estimate``; for ``noise_level`` 1.00 (10-90 % range
   0.88-1.14) over 564 spectra of 80 cells.

A window with fewer than ``min_points`` points is an error: the spectrum is excluded with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from eisrecipe.errors import InputError
from eisrecipe.methods.blocking import detect_blocking
from eisrecipe.methods.kk import FitType, KKResult, kk_test
from eisrecipe.methods.noise import relative_noise_level
from eisrecipe.spectrum import Spectrum

__all__ = ["CropResult", "CropSettings", "KKSettings", "crop_spectrum"]

REASONS = ("below_f_min", "above_f_max", "inductive", "kk_residual", "kk_systematic")

#: most points of a spectrum that may be excluded alone, as holes (rule 2); beyond it the noise is near the
#: threshold (at noise well below 4 %, an isolated excursion above it is rare) and failures cut the window again
MAX_HOLE_FRACTION = 0.05


@dataclass(frozen=True)
class KKSettings:
    """Options of the KK test (see :func:`eisrecipe.methods.kk.kk_test`).

    ``capacitance``: ``True``/``False`` fit a series capacitance or not; ``"auto"`` decides per spectrum in
    :func:`crop_spectrum` (:func:`resolve_capacitance`).
    """

    mu_threshold: float = 0.85
    max_rc: int = 50
    fit: FitType = "complex"
    inductance: bool = True
    capacitance: bool | str = "auto"
    min_rc_per_decade: float = 3.0
    extend_decades: float = 0.0
    noise_floor: float = 1e-3
    rc_rule: str = "chi2_floor"

    def resolved(self, spectrum: Spectrum, threshold: float) -> tuple[KKSettings, dict[str, Any]]:
        """These settings with ``capacitance`` decided for ``spectrum`` (``"auto"``), and the evidence.

        Rule: the KK test runs without and with a series capacitor; the capacitor is kept when the spectrum ends in
        a blocking spur (:func:`eisrecipe.methods.blocking.detect_blocking`), its fitted C is positive and more
        points have residuals below ``threshold`` with it than without (a blocking electrode's
        capacitive spur loses its lowest points without one). An extra free term always lowers the residuals a
        little; only a larger valid window counts.
        """
        if self.capacitance != "auto":
            return self, {"mode": str(self.capacitance), "included": bool(self.capacitance)}
        without = replace(self, capacitance=False)
        with_c = replace(self, capacitance=True)
        a, b = without.run(spectrum), with_c.run(spectrum)
        n_a = int(np.sum(a.max_abs_residual < threshold))
        n_b = int(np.sum(b.max_abs_residual < threshold))
        spur = detect_blocking(spectrum.frequency_hz, spectrum.impedance)
        use = bool(b.inverse_capacitance > 0 and n_b > n_a and spur.blocking)
        evidence = {
            "mode": "auto",
            "included": use,
            "points_below_threshold_without": n_a,
            "points_below_threshold_with": n_b,
            "blocking_spur": spur.reason,
            "rule": "series capacitor when the spectrum ends in a capacitive (blocking) spur, its C > 0 and more "
            "points pass the KK threshold with it (a non-KK artefact that mimics a spur, e.g. a phase error "
            "growing toward low frequency, is not made KK-consistent by a capacitor it does not have)",
        }
        return (with_c if use else without), evidence

    def run(self, spectrum: Spectrum, rc_rule: str | None = None) -> KKResult:
        """KK-test ``spectrum`` with these options (``capacitance = "auto"`` runs without one); ``rc_rule``
        overrides the configured rule (the systematic-residual test always uses ``"density"``)."""
        return kk_test(
            spectrum,
            mu_threshold=self.mu_threshold,
            max_rc=self.max_rc,
            fit=self.fit,
            inductance=self.inductance,
            capacitance=self.capacitance is True,
            min_rc_per_decade=self.min_rc_per_decade,
            extend_decades=self.extend_decades,
            rc_rule=rc_rule or self.rc_rule,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class CropSettings:
    """Cropping options.

    Attributes
    ----------
    kk_threshold
        Largest accepted relative KK residual (dimensionless; paper: 0.04).
    f_min_hz, f_max_hz
        Optional fixed window in Hz (``None``: no limit).
    drop_inductive
        Drop the inductive (Z'' > 0) points at the high-frequency end.
    max_iterations
        Most KK-crop rounds.
    min_points
        Fewest points a kept window may have.
    unconverged
        What a crop that still leaves residuals above ``kk_threshold`` after ``max_iterations`` rounds does to its
        spectrum: ``"flag"`` keeps it with a quality flag the later steps see, ``"exclude"`` excludes it.
    kk_z_max
        Largest accepted systematic-residual score (:meth:`~eisrecipe.methods.kk.KKResult.systematic_z`; about
        N(0, 1) for white noise, so 5 is passed by chance about once in 10^4 spectra of 100 points); ``None``
        uses the 4 % rule alone (the paper's).
    kk_systematic_min
        Smallest local mean residual (relative to |Z|) a systematic run must have to be cropped or flagged
        (0.005: below it no DRT peak area or fitted resistance moves by more than the noise of lab data).
    kk
        KK-test options.
    """

    kk_threshold: float = 0.04
    f_min_hz: float | None = None
    f_max_hz: float | None = None
    drop_inductive: bool = True
    max_iterations: int = 5
    min_points: int = 8
    unconverged: str = "flag"
    kk_z_max: float | None = 5.0
    kk_systematic_min: float = 0.005
    kk: KKSettings = field(default_factory=KKSettings)

    def __post_init__(self) -> None:
        if self.unconverged not in ("flag", "exclude"):
            raise InputError(f"crop.unconverged must be 'flag' or 'exclude', got {self.unconverged!r}")

    @classmethod
    def from_config(cls, crop: dict[str, Any] | None, kk: dict[str, Any] | None = None) -> CropSettings:
        """Build from the ``crop:`` and ``kk:`` sections of the workflow config (unknown keys are errors)."""
        crop = {k: v for k, v in (crop or {}).items() if k != "cells"}
        return cls(**crop, kk=KKSettings(**(kk or {})))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "kk"}
        out["kk"] = dict(self.kk.__dict__)
        return out


@dataclass(frozen=True, eq=False)
class CropResult:
    """What cropping kept and dropped.

    Attributes
    ----------
    keep
        Boolean mask over the input points.
    reason
        Per input point: ``""`` when kept, else one of ``below_f_min``, ``above_f_max``, ``inductive``,
        ``kk_residual``.
    kk_full
        KK result of the spectrum before any KK-based cropping (after the configured window), aligned with the
        points it covered (``candidate``).
    candidate
        Mask of the points the first KK test saw.
    kk_final
        KK result of the kept window.
    kk_systematic
        The kept window's KK fit by the ``"density"`` rule (the systematic-residual test's; one of the noise level's).
    iterations
        KK-crop rounds performed.
    residual_at_drop
        Per input point: the max relative residual that dropped it (NaN when not dropped by KK).
    frequency_hz
        Frequencies of the input points, Hz.
    lines
        Source lines of the input points (``None`` when unknown).
    """

    frequency_hz: np.ndarray
    lines: np.ndarray | None
    keep: np.ndarray
    reason: np.ndarray
    kk_full: KKResult
    candidate: np.ndarray
    kk_final: KKResult
    iterations: int
    residual_at_drop: np.ndarray
    _threshold: float | None = None
    capacitor: dict[str, Any] | None = None
    z_max: float | None = None
    systematic_min: float = 0.005
    noise_floor: float = 1e-3
    kk_systematic: KKResult | None = None

    @property
    def noise_level(self) -> float:
        """Relative noise level of the kept window (fraction of |Z| per part; module docstring, rule 5): the smaller
        of the neighbour-difference levels of the residuals of its ``"density"`` KK fit and of ``kk_final``."""
        fits = [kk for kk in (self.kk_systematic, self.kk_final) if kk is not None]
        return min(relative_noise_level(kk.residual_real, kk.residual_imag) for kk in fits)

    @property
    def converged(self) -> bool:
        """True when every point of the kept window passes the threshold it was cropped with: in ``kk_final``, or,
        where every failure there lies inside the window, in the density fit ``kk_systematic`` (module docstring,
        rule 2; :attr:`density_passed` counts those points)."""
        if self._threshold is None:
            return False
        if self.kk_systematic is None:
            return self.kk_final.passes(self._threshold)
        return bool(_passing(self.kk_final, self.kk_systematic, self._threshold).all())

    @property
    def density_passed(self) -> int:
        """Kept points above the threshold in ``kk_final`` that pass it in the density fit (rule 2: every failure
        inside the window, the configured fit's under-fit)."""
        if self._threshold is None or self.kk_systematic is None:
            return 0
        above = self.kk_final.max_abs_residual >= self._threshold
        return int(np.sum(above & _passing(self.kk_final, self.kk_systematic, self._threshold)))

    def window_hz(self) -> tuple[float, float]:
        """(lowest, highest) kept frequency in Hz."""
        f = self.frequency_hz[self.keep]
        return float(f.min()), float(f.max())

    def convergence_problem(self) -> str | None:
        """Why the crop did not converge (largest residual left against the threshold, rounds), or None."""
        if self.converged or self._threshold is None:
            return None
        worst = float(np.max(self.kk_final.max_abs_residual))
        return (
            f"KK crop did not converge: largest relative residual {100 * worst:.2g} % > {100 * self._threshold:g} % "
            f"after {self.iterations} round(s)"
        )

    def systematic_problem(self) -> str | None:
        """Why the kept window is not KK-consistent although its residuals pass the threshold, or None.

        A run of residuals that stands out from the noise by more than ``z_max`` (systematic-residual score)
        is left in the kept window: a drift or a time-variant process inside it.
        """
        kk = self.kk_systematic
        if self.z_max is None or kk is None:
            return None
        bad = kk.systematic(self.z_max, self.systematic_min, self.noise_floor)
        if not bad.any():
            return None
        z = kk.systematic_z(self.noise_floor)
        f = kk.frequency_hz[bad]
        return (
            f"KK residuals systematic: score {float(z[bad].max()):.1f} > {self.z_max:g} (noise units) and local "
            f"mean >= {100 * self.systematic_min:g} % of |Z| at {float(f.min()):.3g}-{float(f.max()):.3g} Hz in the "
            "kept window (drift or time-variant cell?)"
        )

    def summary(self) -> dict[str, Any]:
        """JSON-ready record of the cropping: window, counts per reason, every dropped point with its line."""
        lo, hi = self.window_hz()
        dropped = [
            {
                "frequency_hz": float(self.frequency_hz[i]),
                "line": None if self.lines is None else int(self.lines[i]),
                "reason": str(self.reason[i]),
                **({"kk_residual": float(self.residual_at_drop[i])} if np.isfinite(self.residual_at_drop[i]) else {}),
            }
            for i in np.flatnonzero(~self.keep)
        ]
        counts = {r: int(np.sum(self.reason == r)) for r in REASONS}
        return {
            "n_points": int(self.keep.size),
            "n_kept": int(self.keep.sum()),
            "window_hz": [lo, hi],
            "dropped_by_reason": counts,
            "iterations": self.iterations,
            "converged": self.converged,
            **({"kk_density_passed": n_density} if (n_density := self.density_passed) else {}),
            "noise_level": self.noise_level,
            **(
                {
                    "systematic_z_max": float(np.max(self.kk_systematic.systematic_z(self.noise_floor))),
                    "systematic_n_rc": self.kk_systematic.n_rc,
                }
                if self.z_max is not None and self.kk_systematic is not None
                else {}
            ),
            "kk_full": self.kk_full.summary(),
            "kk_final": self.kk_final.summary(),
            "kk_series_capacitor": self.capacitor,
            "dropped": dropped,
        }


def _largest_run(ok: np.ndarray, weight: np.ndarray | None = None) -> tuple[int, int]:
    """(start, stop) of the run of True in ``ok`` with the most points (with ``weight``: the most True in
    ``weight`` inside it, i.e. holes not counted); the first (highest-frequency) wins ties."""
    w = np.ones(ok.size, dtype=int) if weight is None else np.asarray(weight, dtype=int)
    best, best_score = (0, 0), -1
    start = None
    for i, v in enumerate(np.append(ok, False)):
        if v and start is None:
            start = i
        elif not v and start is not None:
            score = int(w[start:i].sum())
            if score > best_score:
                best, best_score = (start, i), score
            start = None
    return best


def _inside_only(bad: np.ndarray, reach: int = 2) -> bool:
    """Whether ``bad`` has failing points and none of them in a run that reaches an end of the window (within
    ``reach`` points of it, :func:`_systematic_ends`)."""
    return bool(bad.any()) and _systematic_ends(bad, reach) == (0, bad.size)


def _passing(configured: KKResult, density: KKResult, threshold: float) -> np.ndarray:
    """Points of a window that pass the KK threshold: in the ``configured`` fit, or, where every failure of that fit
    lies inside the window, in the ``density`` fit of the same points (module docstring, rule 2)."""
    ok = configured.max_abs_residual < threshold
    if not _inside_only(~ok):
        return ok
    return ok | (density.max_abs_residual < threshold)


def _isolated(bad: np.ndarray, reach: int = 2) -> np.ndarray:
    """Failing points whose ``reach`` neighbours on each side all pass (never the first or last ``reach`` points)."""
    out = np.zeros_like(bad)
    for i in np.flatnonzero(bad):
        if reach <= i < bad.size - reach and not bad[i - reach : i].any() and not bad[i + 1 : i + 1 + reach].any():
            out[i] = True
    return out


def _systematic_ends(bad: np.ndarray, reach: int) -> tuple[int, int]:
    """(start, stop) of the window left after cutting the systematic runs (``bad``) that reach an end.

    A run "reaches" an end when it has a point within ``reach`` points of it (a centred window score is diluted at
    the end point itself); it ends at the first two clean points in a row.
    """

    def cut(b: np.ndarray) -> int:
        if not b[:reach].any():
            return 0
        last = 0
        for i, v in enumerate(b):
            if v:
                last = i
            elif i - last >= 2:
                break
        return last + 1

    return cut(bad), bad.size - cut(bad[::-1])


def crop_spectrum(spectrum: Spectrum, settings: CropSettings | None = None) -> tuple[Spectrum, CropResult]:
    """Crop ``spectrum`` to its KK-valid window within the configured limits.

    Parameters
    ----------
    spectrum
        Spectrum in descending frequency order (as :class:`~eisrecipe.spectrum.Spectrum` stores it).
    settings
        Cropping options (defaults: 4 % threshold, no fixed window, inductive points dropped).

    Returns
    -------
    cropped, result
        The kept points as a new spectrum, and the record of what was dropped and why.

    Raises
    ------
    InputError
        When fewer than ``settings.min_points`` points survive.
    """
    s = settings or CropSettings()
    f = spectrum.frequency_hz
    n = f.size
    reason = np.full(n, "", dtype=object)
    residual_at_drop = np.full(n, np.nan)
    if s.f_min_hz is not None:
        reason[f < s.f_min_hz] = "below_f_min"
    if s.f_max_hz is not None:
        reason[(f > s.f_max_hz) & (reason == "")] = "above_f_max"
    if s.drop_inductive:
        # contiguous inductive run from the highest kept frequency downwards
        for i in np.flatnonzero(reason == ""):
            if spectrum.z_imag[i] > 0:
                reason[i] = "inductive"
            else:
                break
    candidate = reason == ""
    if candidate.sum() < s.min_points:
        raise InputError(
            f"only {int(candidate.sum())} points inside the configured window "
            f"({s.f_min_hz} .. {s.f_max_hz} Hz, inductive dropped: {s.drop_inductive}); "
            f"at least {s.min_points} are needed",
            spectrum.source,
        )
    idx = np.flatnonzero(candidate)
    kk_settings, capacitor = s.kk.resolved(spectrum.select(idx), s.kk_threshold)
    s = replace(s, kk=kk_settings)
    kk_full = s.kk.run(spectrum.select(idx))
    kk_now = kk_full
    kk_sys: KKResult | None = None  # the systematic test's refit of the current window (None: not made yet)
    iterations = 0
    n_holes = 0
    while True:
        iterations += 1
        resid = kk_now.max_abs_residual
        ok = resid < s.kk_threshold
        if not ok.all() and _inside_only(~ok):
            # failures inside the window only: the configured fit's under-fit where the density fit passes (rule 2)
            kk_sys = s.kk.run(spectrum.select(idx), rc_rule="density")
            ok = _passing(kk_now, kk_sys, s.kk_threshold)
        if ok.all():
            if s.kk_z_max is None:
                break
            if kk_sys is None:
                kk_sys = s.kk.run(spectrum.select(idx), rc_rule="density")
            bad = kk_sys.systematic(s.kk_z_max, s.kk_systematic_min, s.kk.noise_floor)
            start, stop = _systematic_ends(bad, reach=2)
            if (start, stop) == (0, idx.size) or stop - start < s.min_points:
                break
            why = "kk_systematic"
        else:
            # earlier holes count as failures beside a new one (the window no longer holds them)
            held_out = np.zeros(n, dtype=bool)
            held_out[idx[~ok]] = True
            held_out |= (reason == "kk_residual") & (np.arange(n) > idx[0]) & (np.arange(n) < idx[-1])
            isolated = _isolated(held_out[candidate])[np.searchsorted(np.flatnonzero(candidate), idx)] & ~ok
            isolated[:2] = isolated[-2:] = False  # two window points on each side, as _isolated asks
            if int(np.sum(isolated)) + n_holes > max(1, int(MAX_HOLE_FRACTION * candidate.sum())):
                isolated[:] = False  # noise near the threshold: failures cut the window (rule 2)
            start, stop = _largest_run(ok | isolated, weight=ok)
            why = "kk_residual"
        holes = np.flatnonzero(~ok[start:stop]) + start if why == "kk_residual" else np.array([], dtype=int)
        if stop - start - holes.size < s.min_points:
            raise InputError(
                f"no window of at least {s.min_points} points has KK residuals below "
                f"{100 * s.kk_threshold:g} % (largest: {stop - start - holes.size} points; max residual "
                f"{100 * resid.max():.1f} %): the spectrum fails the Kramers-Kronig test",
                spectrum.source,
            )
        n_holes += holes.size
        out = np.r_[np.arange(start), holes, np.arange(stop, idx.size)].astype(int)
        reason[idx[out]] = why
        residual_at_drop[idx[out]] = resid[out]
        idx = np.delete(idx, out)
        kk_now = s.kk.run(spectrum.select(idx))
        kk_sys = None
        if iterations >= s.max_iterations:
            break
    keep = reason == ""
    if kk_sys is None:  # the noise level reads this fit, with or without the systematic test
        kk_sys = s.kk.run(spectrum.select(idx), rc_rule="density")
    result = CropResult(
        frequency_hz=f,
        lines=spectrum.lines,
        keep=keep,
        reason=reason.astype(str),
        kk_full=kk_full,
        candidate=candidate,
        kk_final=kk_now,
        iterations=iterations,
        residual_at_drop=residual_at_drop,
        _threshold=s.kk_threshold,
        capacitor=capacitor,
        z_max=s.kk_z_max,
        systematic_min=s.kk_systematic_min,
        noise_floor=s.kk.noise_floor,
        kk_systematic=kk_sys,
    )
    return spectrum.select(keep), result
