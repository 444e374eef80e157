"""Generic delimited text: comma, tab, semicolon or whitespace; with or without a header.

Written here rather than taken from ``impedance.preprocessing.readCSV`` (numpy ``genfromtxt`` of exactly three
comma-separated columns): that reader knows no headers, units, other delimiters, decimal commas or polar data,
turns bad values silently into NaN, and loses the line numbers our messages need.

Rules
-----
- The header is the first line whose names give a frequency column and either Z' and Z'' or |Z| and phase
  (see :func:`eisrecipe.io.parsing.classify`: ``freq/Hz``, ``Frequency (Hz)``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm``,
  ``Zs'[ohm]``, ``Z'' (ohm)``, ``Zreal``, ``Zimag``, ``frequency_hz``, ``z_imag_mohm``, ``|Z|/Ohm``,
  ``Phase(Z)/deg`` ...): a quantity and an optional unit, separated by ``/``, ``[]``, ``()``, ``_`` or a space.
  Units: Hz/mHz/kHz/MHz/GHz and rad/s, ohm/mohm/kohm/Mohm, deg/rad, S/mS for admittance; an unknown or
  ambiguous unit (``mhz``, ``MOHM``) or an area-specific one is refused naming the column - never taken as x1.
  Lines before the header are ignored; every non-blank line after it (``#`` comments aside) must be a data line.
- Z'' is Im(Z) unless its name carries a minus sign (``-Im(Z)``, ``-Z''``), which flips it. When the header
  also has |Z| and phase (or a phase alone) and/or admittance columns, every point is cross-checked: the sign of
  Z'' follows them, and where Z'/Z'' disagree on part of the points while two other readings agree, those are
  used with a warning (the ML621 files, whose -Im(Z) column lost its sign at 2-7 MHz); with nothing to
  arbitrate, the file is refused. ``meta["z_imag_sign"]`` says what was done. Z' < 0 or Z'' > 0 on most points
  is refused, naming the likely cause (swapped columns, a wrong sign).
- Without a header the first three columns are f (Hz), Z' (ohm), Z'' (ohm). If most Z'' values are > 0 the
  column is taken as -Im(Z) and flipped, with an :class:`~eisrecipe.errors.EisRecipeWarning` (capacitive data
  are mostly Z'' < 0; a file that shows the opposite almost always holds -Z'').
- Decimal commas are recognised with tab, semicolon or whitespace delimiters.
- Sweeps: a ``cycle``/``cycle number``/``z cycle``/``sweep`` column, or the header line repeated between
  blocks (concatenated exports), marks them explicitly; otherwise the frequency rule of
  :mod:`eisrecipe.io.sweeps` splits them.
"""

from __future__ import annotations

from pathlib import Path

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import (
    HEAD_BYTES,
    Layout,
    SignPolicy,
    TextFile,
    data_lines,
    excerpt,
    find_header,
    head_text,
    is_numeric_line,
    read_text,
    resplit_header,
    split_lines,
    table_spectra,
)
from eisrecipe.io.registry import register
from eisrecipe.spectrum import Spectrum


def read_table(
    tf: TextFile,
    *,
    fmt: str,
    start: int = 0,
    stop: int | None = None,
    sign: SignPolicy = "header",
    strict_count: bool = True,
    layout: Layout | None = None,
) -> list[Spectrum]:
    """Spectra from a (header +) data table in lines ``[start, stop)`` of ``tf``.

    Parameters
    ----------
    tf
        The file.
    fmt
        Format name for the metadata.
    start, stop
        0-based line range to look in.
    sign
        Sign policy when a header is found (``"header"`` or ``"declared"``); headerless tables always use
        ``"headerless"``.
    strict_count
        Every data line must have as many fields as the header.
    layout
        Delimiter/decimal mark, detected from the first data line when ``None``.

    Raises
    ------
    InputError
        Header without data, unrecognised header, bad values (with the line), sweep-rule violations.
    """
    found = find_header(tf, start, stop)
    if found is not None:
        header, names = found
        rows = data_lines(tf, header + 1, stop)
        if not rows:
            raise InputError(f"header only: no data lines after the header (line {header + 1})", tf.path)
        labels: list[int] | None = None
        header_text = tf.lines[header].strip()
        if any(tf.lines[i].strip() == header_text for i in rows):  # concatenated exports: header repeated
            kept: list[int] = []
            labels, block = [], 0
            for i in rows:
                if tf.lines[i].strip() == header_text:
                    block += 1
                else:
                    kept.append(i)
                    labels.append(block)
            rows = kept
            if not rows:
                raise InputError(f"header only: no data lines after the header (line {header + 1})", tf.path)
        names = resplit_header(tf, header, names, rows[0])
        return table_spectra(
            tf,
            fmt=fmt,
            names=names,
            header_line=header,
            row_lines=rows,
            sign=sign,
            layout=layout,
            strict_count=strict_count,
            labels=labels,
        )
    rows = data_lines(tf, start, stop)
    if not rows:
        raise InputError("no data lines", tf.path)
    first = rows[0]
    if not is_numeric_line(tf.lines[first], 1):
        raise InputError(
            f"no recognised column header and line {first + 1} is not numeric data: "
            f"{excerpt(tf.lines[first].strip())}; "
            "expected a header naming frequency and Z'/Z'' (or |Z| and phase) columns, e.g. "
            "'freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm', or three columns f, Z', Z'' without header",
            tf.path,
            first + 1,
        )
    return table_spectra(
        tf,
        fmt=fmt,
        names=None,
        header_line=None,
        row_lines=rows,
        sign="headerless",
        layout=layout,
        strict_count=strict_count,
    )


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    lines = split_lines(text[:HEAD_BYTES])
    if lines and len(text) >= HEAD_BYTES:
        lines = lines[:-1]  # possibly cut
    n_numeric = sum(is_numeric_line(line, 3) for line in lines[:200])
    return 0.1 if n_numeric >= 1 else 0.0


@register(
    "text",
    extensions=(".csv", ".txt", ".tsv", ".dat", ".tab"),
    sniff=_sniff,
    description="generic delimited text (comma/tab/semicolon/whitespace), with or without header",
)
def read(path: Path) -> list[Spectrum]:
    """Read a generic delimited text table (see the module docstring for the rules)."""
    return read_table(read_text(path), fmt="text")
