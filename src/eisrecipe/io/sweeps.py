"""Splitting a file's points into sweeps.

Many instruments append repeated sweeps to one file. Where a format has an explicit counter (EC-Lab
``cycle number`` / ``z cycle``, a RelaxIS spectrum block, a Gamry ZCURVE table, a VersaStudio segment), a new
sweep begins wherever that counter changes, and nothing else is inferred.

Otherwise the frequencies decide, by this rule:

    A new sweep begins at a point whose frequency steps back against the sweep's direction to within a
    factor 2 of the current sweep's first frequency (or beyond it); any other step against the direction, or a
    repeated frequency, is an error naming the line.

The direction of a sweep is that of its first step. For a descending sweep that began at ``f0``, a point with
``f > f_previous`` starts a new sweep when ``f >= f0 / 2``; for an ascending one, a point with ``f < f_previous``
starts a new sweep when ``f <= 2 f0``. Examples (Hz): ``1e6, 1e3, 1, 1e6, 1e3, 1`` is two sweeps;
``1e6, 1e3, 1, 7e5, ...`` is two sweeps (7e5 is within a factor 2 of 1e6); ``1e6, 1e3, 1, 10, ...`` is an
error (a step back that does not return to the start); ``1e6, 1e3, 1e3`` is an error (repeated frequency).

When the rule fails (a step back that starts no sweep, or a "sweep" of fewer than 3 points) but every frequency
in the file is unique, the file is one sweep measured, or written, out of order: its points are sorted by
frequency, with an :class:`~eisrecipe.errors.EisRecipeWarning` and a ``frequency_order`` note in the metadata.
Only what is ambiguous is refused: a repeated frequency (two sweeps interleaved, or a point measured twice).

A sweep denser than :data:`MAX_POINTS_PER_DECADE` (100 points per decade, ten times the usual density) is
decimated to at most that many points per decade (the first point of each 1/100-decade bin), with a warning and
a ``decimated`` note: a million-point file then costs seconds, not the minutes and gigabytes the KK test and the
DRT would need for it.

Each sweep then becomes a :class:`~eisrecipe.spectrum.Spectrum` through :meth:`Spectrum.from_points`, which
checks NaN, non-positive frequencies and order once more, and stores it in descending frequency.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.spectrum import Spectrum

#: fewest points of one sweep
MIN_POINTS = 3
#: densest sweep kept as it is, points per decade of frequency
MAX_POINTS_PER_DECADE = 100


def _check_frequencies(f: np.ndarray, lines: np.ndarray, path: str | None) -> None:
    bad = ~np.isfinite(f)
    if bad.any():
        raise InputError("frequency is NaN or infinite", path, int(lines[np.argmax(bad)]))
    bad = f <= 0
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"frequency must be > 0 Hz, got {f[i]:g}", path, int(lines[i]))


def split_by_frequency(frequency_hz: ArrayLike, lines: ArrayLike, path: str | None = None) -> list[np.ndarray]:
    """Index arrays of the sweeps found by the frequency rule of this module.

    Parameters
    ----------
    frequency_hz
        Frequencies in Hz in file order.
    lines
        Source line (or record) of every point, for messages.
    path
        The file, for messages.

    Returns
    -------
    list of numpy.ndarray
        Point indices of every sweep, in file order.

    Raises
    ------
    InputError
        NaN or non-positive frequency, a repeated frequency, or a step against the sweep direction that does not
        return to within a factor 2 of the sweep's first frequency.
    """
    f = np.asarray(frequency_hz, dtype=float).ravel()
    ln = np.asarray(lines, dtype=np.int64).ravel()
    _check_frequencies(f, ln, path)
    step = np.diff(f)
    if step.size == 0 or np.all(step < 0) or np.all(step > 0):
        return [np.arange(f.size)]  # one monotonic sweep (the common case, without a Python loop)
    starts = [0]
    start = 0
    direction = 0.0
    for i in range(1, f.size):
        step = f[i] - f[i - 1]
        if step == 0:
            raise InputError(
                f"frequency {f[i]:g} Hz repeats the previous point (line {int(ln[i - 1])})", path, int(ln[i])
            )
        s = float(np.sign(step))
        if direction == 0 or s == direction:
            direction = s
            continue
        f0 = f[start]
        if (direction < 0 and f[i] >= f0 / 2) or (direction > 0 and f[i] <= 2 * f0):
            starts.append(i)
            start = i
            direction = 0.0
            continue
        order = "descending" if direction < 0 else "ascending"
        raise InputError(
            f"frequency {f[i]:g} Hz after {f[i - 1]:g} Hz breaks the {order} order of the sweep that began at "
            f"{f0:g} Hz (line {int(ln[start])}); a new sweep must start within a factor 2 of {f0:g} Hz",
            path,
            int(ln[i]),
        )
    bounds = [*starts, f.size]
    return [np.arange(a, b) for a, b in itertools.pairwise(bounds)]


def split_by_labels(labels: ArrayLike) -> list[np.ndarray]:
    """Index arrays of the runs of equal consecutive labels (an explicit cycle/sweep column)."""
    lab = np.asarray(labels).ravel()
    if lab.size == 0:
        return []
    change = np.flatnonzero(lab[1:] != lab[:-1]) + 1
    bounds = [0, *change.tolist(), lab.size]
    return [np.arange(a, b) for a, b in itertools.pairwise(bounds)]


def build_spectra(
    frequency_hz: ArrayLike,
    impedance: ArrayLike,
    lines: ArrayLike,
    path: str | None,
    *,
    labels: ArrayLike | None = None,
    meta: Mapping[str, Any] | None = None,
) -> list[Spectrum]:
    """Split points into sweeps and build one spectrum per sweep.

    Parameters
    ----------
    frequency_hz
        Frequencies in Hz, file order.
    impedance
        Complex impedance in ohm, Z'' < 0 capacitive, file order.
    lines
        1-based source line (or record) of every point.
    path
        The file.
    labels
        Explicit sweep counter of every point, or ``None`` to use the frequency rule.
    meta
        Metadata for every spectrum; ``sweep`` (1-based) and ``n_sweeps`` are added.

    Returns
    -------
    list of Spectrum
        One per sweep, in file order, each in descending frequency.
    """
    f = np.asarray(frequency_hz, dtype=float).ravel()
    z = np.asarray(impedance, dtype=complex).ravel()
    ln = np.asarray(lines, dtype=np.int64).ravel()
    if f.size == 0:
        raise InputError("no data points", path)
    notes: dict[str, str] = {}
    if labels is None:
        _check_frequencies(f, ln, path)
        try:
            groups = split_by_frequency(f, ln, path)
            if len(groups) > 1 and min(g.size for g in groups) < MIN_POINTS:
                raise InputError("too short", path)
        except InputError as exc:
            if np.unique(f).size < f.size:
                if exc.problem == "too short":
                    groups = split_by_frequency(f, ln, path)
                else:
                    raise InputError(f"{exc.problem}; {_repeated_note(f, ln)}", path, exc.line) from None
            else:
                order = np.argsort(-f, kind="stable")
                notes["frequency_order"] = _out_of_order_note(f, ln)
                warnings.warn(f"{path}: {notes['frequency_order']}", EisRecipeWarning, stacklevel=3)
                f, z, ln = f[order], z[order], ln[order]
                groups = [np.arange(f.size)]
    else:
        _check_frequencies(f, ln, path)
        groups = split_by_labels(labels)
    out = []
    for k, idx in enumerate(groups, start=1):
        kept = decimate(f[idx])
        sweep_notes = dict(notes)
        if kept.size < idx.size:
            what = f"sweep {k} of {len(groups)}" if len(groups) > 1 else "the sweep"
            sweep_notes["decimated"] = (
                f"{what} holds {idx.size} points, more than {MAX_POINTS_PER_DECADE} per decade; kept {kept.size} "
                f"(the first point of every 1/{MAX_POINTS_PER_DECADE} decade)"
            )
            warnings.warn(f"{path}: {sweep_notes['decimated']}", EisRecipeWarning, stacklevel=3)
            idx = idx[kept]
        if idx.size < MIN_POINTS:
            what = f"sweep {k} of {len(groups)}" if len(groups) > 1 else "the sweep"
            raise InputError(
                f"{what} (lines {int(ln[idx[0]])}-{int(ln[idx[-1]])}) has only {idx.size} point(s); at least "
                f"{MIN_POINTS} are needed",
                path,
                int(ln[idx[0]]),
            )
        out.append(
            Spectrum.from_points(
                f[idx],
                z[idx],
                unit="ohm",
                source=path,
                lines=ln[idx],
                meta={**(meta or {}), **sweep_notes, "sweep": k, "n_sweeps": len(groups)},
                min_points=MIN_POINTS,
            )
        )
    return out


def _repeated_note(f: np.ndarray, ln: np.ndarray) -> str:
    order = np.argsort(f, kind="stable")
    same = np.flatnonzero(np.diff(f[order]) == 0)
    a, b = sorted((int(ln[order[same[0]]]), int(ln[order[same[0] + 1]])))
    return (
        f"{f[order[same[0]]]:g} Hz appears more than once (lines {a} and {b}), so the points cannot simply be "
        "sorted: interleaved sweeps or a repeated point"
    )


def _out_of_order_note(f: np.ndarray, ln: np.ndarray) -> str:
    step = np.sign(np.diff(f))
    direction = step[0]
    i = int(np.argmax(step != direction)) + 1
    return (
        f"frequencies out of order (line {int(ln[i])}: {f[i]:g} Hz after {f[i - 1]:g} Hz); the {f.size} points "
        "are all at different frequencies, so they are taken as one sweep and sorted by frequency"
    )


def decimate(frequency_hz: np.ndarray, per_decade: int = MAX_POINTS_PER_DECADE) -> np.ndarray:
    """Indices of the points kept when a sweep is denser than ``per_decade`` points per decade.

    Parameters
    ----------
    frequency_hz
        Frequencies of one sweep in Hz (> 0, unique).
    per_decade
        Densest sampling kept, points per decade.

    Returns
    -------
    numpy.ndarray
        Sorted indices: all points when no decade holds more than ``per_decade`` of them, otherwise the first
        point (in file order) of every bin 1/``per_decade`` decade wide.
    """
    logf = np.log10(frequency_hz)
    decade = np.floor(logf)
    _, counts = np.unique(decade, return_counts=True)
    if counts.size == 0 or counts.max() <= per_decade:
        return np.arange(frequency_hz.size)
    _, first = np.unique(np.floor(logf * per_decade), return_index=True)
    return np.sort(first)


def renumber(spectra: list[Spectrum]) -> list[Spectrum]:
    """Set ``sweep`` (1-based) and ``n_sweeps`` over spectra collected from several tables of one file."""
    n = len(spectra)
    return [s.with_meta(sweep=k, n_sweeps=n) for k, s in enumerate(spectra, start=1)]
