"""Contact maps of the working-electrode interface.

A contact map is an ``(nx, ny)`` array of ``int8`` labels, one per WE surface pixel:
:data:`PORE` (capacitor C_Pore only), :data:`CONTACT` (charge transfer R_Pol || C_DL) or :data:`SEI`
(R_SEI || C_SEI). Every generator hits its target fraction to within one pixel row (or exactly, for the random
fields, which are thresholded at the quantile).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from eisrecipe.errors import InputError

LabelMap = NDArray[np.int8]

PORE = 0
CONTACT = 1
SEI = 2
LABEL_NAMES = {PORE: "pore", CONTACT: "contact", SEI: "sei"}


def _check_fraction(name: str, value: float) -> None:
    if not (np.isfinite(value) and 0 < value <= 1):
        raise InputError(f"{name} must lie in (0, 1], got {value!r}")


def fraction(labels: LabelMap, label: int = CONTACT) -> float:
    """Area fraction of pixels carrying ``label``."""
    return float(np.mean(labels == label))


def full_contact(shape: tuple[int, int]) -> LabelMap:
    """Every pixel in contact (A_WE|SE = 100 %)."""
    return np.full(shape, CONTACT, dtype=np.int8)


def _centred_square(shape: tuple[int, int], side: int) -> NDArray[np.bool_]:
    nx, ny = shape
    mask = np.zeros(shape, dtype=bool)
    sx, sy = min(side, nx), min(side, ny)
    x0, y0 = (nx - sx) // 2, (ny - sy) // 2
    mask[x0 : x0 + sx, y0 : y0 + sy] = True
    return mask


def square_spot(shape: tuple[int, int], contact_fraction: float, outside: int = PORE) -> LabelMap:
    """One centred square contact spot of area ``contact_fraction`` (side rounded to whole pixels, >= 1).

    Parameters
    ----------
    shape
        ``(nx, ny)`` pixels.
    contact_fraction
        Target contact area fraction in (0, 1].
    outside
        Label of the remaining pixels (:data:`PORE` or :data:`SEI`).
    """
    _check_fraction("contact_fraction", contact_fraction)
    side = max(1, round(np.sqrt(contact_fraction * shape[0] * shape[1])))
    out = np.full(shape, outside, dtype=np.int8)
    out[_centred_square(shape, side)] = CONTACT
    return out


def frame(shape: tuple[int, int], contact_fraction: float, margin_fraction: float = 0.1) -> LabelMap:
    """A square frame (ring) of contact, centred, with pores inside and outside.

    Parameters
    ----------
    shape
        ``(nx, ny)`` pixels.
    contact_fraction
        Target contact area fraction in (0, 1].
    margin_fraction
        Width of the pore margin outside the frame as a fraction of ``nx`` (shrunk when the frame needs the room).
    """
    _check_fraction("contact_fraction", contact_fraction)
    n = min(shape)
    target = contact_fraction * shape[0] * shape[1]
    outer = max(1, n - 2 * round(margin_fraction * n))
    if outer * outer < target:
        outer = min(n, int(np.ceil(np.sqrt(target))))
    # inner side of the same parity as the outer one (a symmetric frame), closest to the target area
    ideal = np.sqrt(max(0.0, outer * outer - target))
    candidates = [i for i in range(outer % 2, outer - 1, 2)] or [0]
    inner = min(candidates, key=lambda i: abs(i - ideal))
    out = np.full(shape, PORE, dtype=np.int8)
    out[_centred_square(shape, outer)] = CONTACT
    if inner > 0:
        out[_centred_square(shape, inner)] = PORE
    return out


def correlated_field(shape: tuple[int, int], correlation_px: float, seed: int = 0) -> NDArray[np.float64]:
    """Periodic Gaussian random field with a Gaussian covariance of length ``correlation_px`` (pixels).

    White noise filtered in Fourier space by exp(-(k l)^2 / 4); normalised to zero mean and unit variance.
    """
    if not correlation_px > 0:
        raise InputError(f"correlation length must be > 0 pixels, got {correlation_px!r}")
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(shape)
    kx = 2 * np.pi * np.fft.fftfreq(shape[0])
    ky = 2 * np.pi * np.fft.fftfreq(shape[1])
    k2 = kx[:, None] ** 2 + ky[None, :] ** 2
    field = np.fft.ifft2(np.fft.fft2(noise) * np.exp(-k2 * correlation_px**2 / 4)).real
    field -= field.mean()
    std = field.std()
    return field / std if std > 0 else field


def _top_fraction(field: NDArray[np.float64], frac: float) -> NDArray[np.bool_]:
    """Mask of the ``round(frac * n)`` largest values (ties broken by position: exact count)."""
    n = field.size
    k = max(1, round(frac * n))
    order = np.argsort(-field.ravel(), kind="stable")
    mask = np.zeros(n, dtype=bool)
    mask[order[:k]] = True
    return mask.reshape(field.shape)


def disordered(shape: tuple[int, int], contact_fraction: float, correlation_px: float = 4.0, seed: int = 0) -> LabelMap:
    """Disordered contact: a correlated random field thresholded at its ``1 - contact_fraction`` quantile.

    Stands in for the paper's binarised Li-surface stress maps; ``correlation_px`` sets the feature size
    (pixels), ``seed`` the realisation. The contact fraction is met to one pixel.
    """
    _check_fraction("contact_fraction", contact_fraction)
    out = np.full(shape, PORE, dtype=np.int8)
    out[_top_fraction(correlated_field(shape, correlation_px, seed), contact_fraction)] = CONTACT
    return out


def sei_spot(shape: tuple[int, int], contact_fraction: float, sei_fraction: float | None = None) -> LabelMap:
    """SEI partial coverage: a centred square contact spot surrounded by SEI.

    Parameters
    ----------
    shape
        ``(nx, ny)`` pixels.
    contact_fraction
        Contact area fraction of the central spot, in (0, 1].
    sei_fraction
        Area fraction of the SEI square ring around the spot; ``None`` covers all the rest with SEI,
        otherwise the remaining pixels are pores.
    """
    _check_fraction("contact_fraction", contact_fraction)
    if sei_fraction is None:
        return square_spot(shape, contact_fraction, outside=SEI)
    _check_fraction("sei_fraction", sei_fraction)
    if contact_fraction + sei_fraction > 1 + 1e-12:
        raise InputError(f"contact_fraction + sei_fraction = {contact_fraction + sei_fraction:g} > 1")
    n_px = shape[0] * shape[1]
    outer = max(1, round(np.sqrt((contact_fraction + sei_fraction) * n_px)))
    out = np.full(shape, PORE, dtype=np.int8)
    out[_centred_square(shape, outer)] = SEI
    out[square_spot(shape, contact_fraction) == CONTACT] = CONTACT
    return out


def pores_and_sei(
    shape: tuple[int, int],
    contact_fraction: float,
    sei_fraction: float,
    correlation_px: float = 4.0,
    seed: int = 0,
) -> LabelMap:
    """Disordered mix of contact, SEI and pores from one correlated field.

    The highest ``contact_fraction`` of the field is contact (the closest approach of Li), the next
    ``sei_fraction`` SEI, the rest pores.
    """
    _check_fraction("contact_fraction", contact_fraction)
    _check_fraction("sei_fraction", sei_fraction)
    if contact_fraction + sei_fraction > 1 + 1e-12:
        raise InputError(f"contact_fraction + sei_fraction = {contact_fraction + sei_fraction:g} > 1")
    field = correlated_field(shape, correlation_px, seed)
    out = np.full(shape, PORE, dtype=np.int8)
    out[_top_fraction(field, min(1.0, contact_fraction + sei_fraction))] = SEI
    out[_top_fraction(field, contact_fraction)] = CONTACT
    return out


def contact_gap(shape: tuple[int, int], contact_fraction: float, correlation_px: float = 4.0, seed: int = 0) -> NDArray:
    """Depth of every pixel below the contact threshold of :func:`disordered` (same field, same seed).

    The correlated field plays the part of the (inverted) gap height between metal and electrolyte: the highest
    ``contact_fraction`` of it touches (gap 0), every other pixel lies ``threshold - value`` (in units of the
    field's standard deviation) below the contact level. Rising ``contact_fraction`` lowers the threshold of the
    one field, so contact grows monotonically (nested maps) and every pore's gap shrinks.
    """
    _check_fraction("contact_fraction", contact_fraction)
    field = correlated_field(shape, correlation_px, seed)
    mask = _top_fraction(field, contact_fraction)
    gap = field[mask].min() - field
    gap[mask] = 0.0
    return np.maximum(gap, 0.0)


def pore_capacitance_factors(gap: NDArray, classes: Sequence[tuple[float, float]]) -> NDArray:
    """Factor on C_Pore per pixel from its gap depth: ``classes`` = ((gap upper edge, factor), ...), ascending
    edges; pixels deeper than the last edge keep the last factor. Contact pixels (gap 0) get 1."""
    if not classes:
        return np.ones_like(gap, dtype=float)
    edges = [float(e) for e, _ in classes]
    factors = np.array([float(f) for _, f in classes])
    if np.any(np.diff(edges) <= 0) or not np.all(factors > 0):
        raise InputError(f"pore classes need ascending gap edges and factors > 0, got {list(classes)!r}")
    k = np.minimum(np.searchsorted(np.asarray(edges), gap, side="right"), len(edges) - 1)
    out = factors[k]
    out[gap <= 0] = 1.0
    return out
