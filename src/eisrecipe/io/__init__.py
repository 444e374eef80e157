"""Instrument readers: impedance files -> :class:`~eisrecipe.spectrum.Spectrum`.

Public API
----------
:func:`read_spectra`
    Every sweep of a file, one spectrum each.
:func:`read_spectrum`
    One sweep (the sample sheet's ``sweep`` column picks it when a file holds several).
:func:`available_formats`
    Names accepted by ``format=``.

All readers return impedance in ohm with Z = Z' + jZ'', Z'' < 0 for capacitive behaviour, frequencies in Hz
stored descending, and the source line (or record) of every point. Formats (see each module's docstring):
``text`` (generic delimited), ``biologic-mpt`` (EC-Lab .mpt and its .txt export), ``biologic-mpr`` (binary,
needs the ``[mpr]`` extra), ``gamry`` (.DTA), ``zplot`` (.z), ``novocontrol``, ``autolab``, ``parstat``,
``versastudio`` (.par), ``chinstruments``, ``powersuite``, ``relaxis``.

Imports stay lazy: the reader modules load on first use, galvani only when an .mpr file is read.
"""

from __future__ import annotations

import operator
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from eisrecipe.errors import InputError

if TYPE_CHECKING:
    from eisrecipe.spectrum import Spectrum

__all__ = ["READER_NOTES", "available_formats", "read_spectra", "read_spectrum"]

#: ``meta`` keys in which a reader says how it read a file when that was not plain: a frequency unit converted,
#: how the sign of Z'' was read (or taken from |Z| and phase), points sorted, a dense sweep decimated
READER_NOTES = ("frequency_unit", "z_imag_sign", "frequency_order", "decimated")


def available_formats() -> list[str]:
    """Names of the registered formats (``"auto"`` is accepted as well), sorted."""
    from eisrecipe.io import registry

    return registry.formats()


def read_spectra(path: str | PathLike[str], format: str | None = "auto") -> list[Spectrum]:
    """Read every sweep of an impedance file.

    Parameters
    ----------
    path
        The instrument file.
    format
        A name from :func:`available_formats` (or an alias such as ``mpt``, ``mpr``, ``csv``, ``dta``, ``z``,
        see :data:`eisrecipe.io.registry.ALIASES`), or ``"auto"`` (content sniffing, then extension).

    Returns
    -------
    list of Spectrum
        One spectrum per sweep in file order: frequency in Hz (descending), impedance in ohm with Z'' < 0
        capacitive; ``meta`` holds ``format``, ``sweep`` (1-based), ``n_sweeps`` and how the sign of Z'' was
        read (``z_imag_sign``).

    Raises
    ------
    InputError
        Unknown format, missing/empty/corrupt file, bad values; the message names the file and, where it can,
        the line.
    """
    from eisrecipe.io import registry

    p = Path(path)
    if not p.exists():
        raise InputError("file not found", p)
    if p.is_dir():
        raise InputError("is a directory, not a file", p)
    if not p.is_file():
        raise InputError("not a regular file (a FIFO, socket or device); refused, reading it could block", p)
    name = "auto" if format is None else str(format).strip()
    reader = registry.detect(p) if name.lower() in ("auto", "") else registry.get(name, p)
    return reader.read(p)


def read_spectrum(path: str | PathLike[str], format: str | None = "auto", sweep: int | None = None) -> Spectrum:
    """Read one sweep of an impedance file.

    Parameters
    ----------
    path
        The instrument file.
    format
        A name from :func:`available_formats`, or ``"auto"``.
    sweep
        1-based sweep number; may be omitted when the file holds a single sweep.

    Returns
    -------
    Spectrum
        Frequency in Hz (descending), impedance in ohm, Z'' < 0 capacitive.

    Raises
    ------
    InputError
        As :func:`read_spectra`; also when the file holds several sweeps and ``sweep`` is ``None``, or
        ``sweep`` is out of range.
    """
    spectra = read_spectra(path, format)
    n = len(spectra)
    if sweep is None:
        if n > 1:
            raise InputError(
                f"the file holds {n} sweeps; choose one with the sample sheet's 'sweep' column (1..{n})", path
            )
        return spectra[0]
    try:
        k = operator.index(sweep)  # int or NumPy integer, not float or bool-like text
    except TypeError:
        k = 0
    if isinstance(sweep, bool) or not 1 <= k <= n:
        raise InputError(f"sweep {sweep!r} requested, but the file holds {n} sweep(s) (1..{n})", path)
    return spectra[k - 1]
