"""Header, column and unit parsing shared by the text readers: decoding, splitting, names with units, spectra.

Every text reader in :mod:`eisrecipe.io` works the same way: it finds the header line and the data lines of the
table it knows, then hands them to :func:`table_spectra`, which

1. splits every data line (tab, semicolon, comma or whitespace; decimal comma recognised),
2. maps the header names to quantities (:func:`classify`: frequency, Z', Z'', |Z|, phase, sweep/cycle counters),
   with their units (Hz/kHz/MHz/mHz; ohm/mohm/kohm/Mohm; deg/rad) and a declared sign (``-Im(Z)``, ``-Z''``),
3. parses the numbers it needs, naming the file, the line and the column of any bad value,
4. converts to ohm and to Z'' < 0 capacitive, and splits the sweeps (:mod:`eisrecipe.io.sweeps`).

Line numbers are 1-based physical lines as Python's universal newlines count them (``\\r\\n``, ``\\r`` and
``\\n`` each end a line).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.io.sweeps import build_spectra
from eisrecipe.spectrum import Spectrum

#: bytes read for format sniffing
HEAD_BYTES = 16384

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_DECIMAL_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d*(?:[eE][+-]?\d+)?")


# ---------------------------------------------------------------------------------------------- files and lines
@dataclass(frozen=True)
class TextFile:
    """A decoded text file.

    Attributes
    ----------
    path
        The file, as given (used in messages).
    lines
        Its lines without terminators; ``lines[i]`` is line ``i + 1``.
    """

    path: str
    lines: list[str]


def read_bytes(path: str | PathLike[str], limit: int | None = None) -> bytes:
    """Raw bytes of ``path`` (at most ``limit``), with a missing or unreadable file as :class:`InputError`."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except FileNotFoundError:
        raise InputError("file not found", p) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", p) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", p) from None


def decode(raw: bytes) -> str:
    """Decode instrument text: UTF-8 (with or without BOM), else Latin-1 (EC-Lab, Gamry write Windows-1252)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_lines(text: str) -> list[str]:
    """Split on ``\\r\\n``, ``\\r`` or ``\\n`` only (``str.splitlines`` would also split on Latin-1 ``\\x85``)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_text(path: str | PathLike[str]) -> TextFile:
    """Read and decode a text file.

    Raises
    ------
    InputError
        Missing file, empty file, or a binary file (NUL bytes).
    """
    raw = read_bytes(path)
    if not raw.strip():
        raise InputError("file is empty", path)
    if b"\x00" in raw[:HEAD_BYTES]:
        raise InputError("binary file, not a text table (wrong format given?)", path)
    return TextFile(str(path), split_lines(decode(raw)))


# ---------------------------------------------------------------------------------------------- splitting
@dataclass(frozen=True)
class Layout:
    """How the data lines of a table are split.

    Attributes
    ----------
    delimiter
        ``"\\t"``, ``";"``, ``","`` or ``None`` (runs of whitespace).
    decimal_comma
        Numbers are written with a decimal comma (``1,5E-3``).
    """

    delimiter: str | None
    decimal_comma: bool = False


def detect_layout(line: str) -> Layout:
    """Delimiter and decimal mark of one data line.

    Tab wins over semicolon over comma over whitespace. A comma is a decimal comma when the delimiter is tab,
    semicolon or whitespace, or when every whitespace-separated field reads as a number, with a decimal comma
    or without one.
    """
    s = line.strip()
    if "\t" in s:
        return Layout("\t", "," in s)
    if ";" in s:
        return Layout(";", "," in s)
    if "," in s:
        fields = s.split()
        if len(fields) >= 2 and all(_DECIMAL_COMMA_NUMBER.fullmatch(f) or _NUMBER.fullmatch(f) for f in fields):
            return Layout(None, True)
        return Layout(",", False)
    return Layout(None, False)


def split_fields(line: str, layout: Layout) -> list[str]:
    """Fields of ``line`` (stripped; trailing empty fields from a trailing delimiter dropped)."""
    s = line.strip()
    fields = s.split() if layout.delimiter is None else [f.strip() for f in s.split(layout.delimiter)]
    while fields and fields[-1] == "":
        fields.pop()
    return fields


def parse_number(text: str, decimal_comma: bool = False) -> float:
    """A float from ``text`` (``ValueError`` if it is not a plain number; ``nan``/``inf`` are accepted here and
    rejected later by :meth:`Spectrum.from_points` with the line)."""
    t = unquote(text)
    if decimal_comma:
        t = t.replace(",", ".")
    if not _NUMBER.fullmatch(t):
        raise ValueError(text)
    return float(t)


def is_numeric_line(line: str, min_fields: int = 2) -> bool:
    """Whether ``line`` holds at least ``min_fields`` fields that are all numbers."""
    layout = detect_layout(line)
    fields = split_fields(line, layout)
    if len(fields) < min_fields:
        return False
    try:
        for f in fields:
            parse_number(f, layout.decimal_comma)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------- column names
Kind = Literal["frequency", "real", "imag", "modulus", "phase", "cycle"]


@dataclass(frozen=True)
class Column:
    """What a table column holds.

    Attributes
    ----------
    index
        0-based field index.
    name
        The header name as written.
    kind
        ``frequency`` | ``real`` | ``imag`` | ``modulus`` | ``phase`` | ``cycle``.
    scale
        Factor to Hz (frequency), ohm (impedance) or degrees (phase).
    negated
        The name declares a minus sign (``-Im(Z)/Ohm``, ``-Z''``, ``-Phase``).
    """

    index: int
    name: str
    kind: Kind
    scale: float = 1.0
    negated: bool = False


_UNIT_SUFFIX = re.compile(r"^(?P<q>.*?)\s*(?:/\s*(?P<u1>[^/()\[\]]+)|\[(?P<u2>[^\]]*)\]|\((?P<u3>[^)]*)\))\s*$")
_KNOWN_UNIT = re.compile(
    r"^(?:[mkMG]?(?:ohms?|Ω|Ω)|[mkMG]?hz|deg(?:rees?)?|°|rad|s|sec|v|a|ma|ua|µa|f|µf|%)$", re.IGNORECASE
)

_FREQUENCY = {"f", "freq", "frequency", "fre", "frequencies", "freqency"}
_REAL = {"re(z)", "z'", "zs'", "zreal", "zre", "real", "re", "rez", "zr", "z'real", "z(re)", "re(zs)", "r"}
_IMAG = {"im(z)", "z''", "zs''", "zimag", "zim", "zimg", "imag", "im", "imz", "zi", "z(im)", "im(zs)", "x"}
_MODULUS = {"|z|", "z", "zmod", "mod(z)", "|zs|", "abs(z)", "zabs", "modz", "zs", "|z(ω)|", "impedance"}
_PHASE = {"phase(z)", "phase", "zphz", "theta(z)", "theta", "phi", "phz", "phase(zs)", "θ", "φ", "zphase", "phi(z)"}
_CYCLE = {"cyclenumber", "zcycle", "cycle", "sweep", "sweepnumber", "cycleno", "sweepno"}


def unquote(text: str) -> str:
    """``text`` without one pair of surrounding double quotes (a lone ``"`` is a double prime: ``Z"``)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        t = t[1:-1].strip()
    return t


def _normal_quantity(q: str) -> str:
    q = q.strip()
    q = q.replace("″", "''").replace("′", "'").replace("’", "'").replace("´", "'").replace('"', "''")
    q = q.replace("−", "-")
    q = re.sub(r"^[a-z ]*:\s*", "", q, flags=re.IGNORECASE)  # "Data: Z'" (RelaxIS)
    q = re.sub(r"\((?:a|b)\)$", "", q)  # "Z'(a)", "Z''(b)" (ZPlot, Autolab)
    return re.sub(r"[\s._]", "", q.lower())


def _unit_scale(kind: Kind, unit: str | None, name: str, path: str | None, line: int | None) -> float:
    """Scale factor from the unit of a column to Hz, ohm or degrees."""
    if unit is None or unit.strip() == "":
        return 1.0
    u = unit.strip().replace(" ", "")
    ul = u.lower()
    if kind == "frequency":
        prefixes = {"hz": 1.0, "khz": 1e3, "ghz": 1e9}
        if u in ("MHz", "Mhz"):
            return 1e6
        if u == "mHz":
            return 1e-3
        return prefixes.get(ul, 1.0)
    if kind == "phase":
        return 180.0 / math.pi if ul in ("rad", "radian", "radians") else 1.0
    if kind in ("real", "imag", "modulus"):
        if "cm" in ul or "m2" in ul or "m²" in ul:
            raise InputError(
                f"column {name!r} holds area-specific impedance; export the raw impedance in ohm "
                "(the electrode area belongs in the sample sheet's area_cm2)",
                path,
                line,
            )
        base = re.sub(r"(?i)(ohms?|Ω|Ω)$", "", u)
        if base == u:  # not an impedance unit (e.g. Z'(a)): take as ohm
            return 1.0
        return {"": 1.0, "m": 1e-3, "µ": 1e-6, "u": 1e-6, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}.get(base, 1.0)
    return 1.0


def classify(name: str, index: int, path: str | None = None, line: int | None = None) -> Column | None:
    """Interpret one header name (``freq/Hz``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm``, ``Zs'[ohm]``, ``Z'' (ohm)``,
    ``Zreal``, ``|Z|/Ohm``, ``Phase(Z)/deg``, ``cycle number`` ...).

    Returns
    -------
    Column or None
        ``None`` for columns that are not needed (time, potential, admittance ...).
    """
    raw = unquote(name)
    m = _UNIT_SUFFIX.match(raw)
    unit: str | None = None
    q = raw
    if m and m.group("q"):
        u = m.group("u1") or m.group("u2") or m.group("u3")
        if m.group("u3") is None or _KNOWN_UNIT.match((u or "").replace(" ", "")):
            q, unit = m.group("q"), u
    nq = _normal_quantity(q)
    negated = nq.startswith("-")
    nq = nq.lstrip("-+")
    kind: Kind | None = None
    if nq in _FREQUENCY:
        kind = "frequency"
    elif nq in _REAL:
        kind = "real"
    elif nq in _IMAG:
        kind = "imag"
    elif nq in _MODULUS:
        kind = "modulus"
    elif nq in _PHASE:
        kind = "phase"
    elif nq in _CYCLE:
        kind = "cycle"
    if kind is None:
        return None
    if kind == "modulus" and nq == "z" and unit is None:
        return None  # a bare "Z" is too vague
    return Column(index, raw, kind, _unit_scale(kind, unit, raw, path, line), negated and kind in ("imag", "phase"))


@dataclass
class ColumnMap:
    """The columns a table needs, found from its header."""

    frequency: Column | None = None
    real: Column | None = None
    imag: Column | None = None
    modulus: Column | None = None
    phase: Column | None = None
    cycles: list[Column] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Frequency plus (Z', Z'') or (|Z|, phase)."""
        return self.frequency is not None and (
            (self.real is not None and self.imag is not None) or (self.modulus is not None and self.phase is not None)
        )

    def used(self) -> list[Column]:
        """Columns to parse."""
        cols = [self.frequency, self.real, self.imag, self.modulus, self.phase, *self.cycles]
        return [c for c in cols if c is not None]


def map_columns(names: Sequence[str], path: str | None = None, line: int | None = None) -> ColumnMap:
    """Classify header names; the first column of each kind wins."""
    cmap = ColumnMap()
    for i, n in enumerate(names):
        c = classify(n, i, path, line)
        if c is None:
            continue
        if c.kind == "cycle":
            cmap.cycles.append(c)
        elif getattr(cmap, c.kind) is None:
            setattr(cmap, c.kind, c)
    return cmap


def headerless_map() -> ColumnMap:
    """A headerless table: f, Z', Z'' in the first three columns."""
    return ColumnMap(
        frequency=Column(0, "column 1", "frequency"),
        real=Column(1, "column 2", "real"),
        imag=Column(2, "column 3", "imag"),
    )


_UNIT_TOKEN = re.compile(r"^[\[(/].*|^(?:ohms?|Ω|hz|deg|°)$", re.IGNORECASE)


def split_header(line: str, layout: Layout | None = None) -> list[str]:
    """Names of a header line.

    With a delimiter the header is split like the data; with whitespace, unit tokens such as ``(ohm)`` or
    ``[Hz]`` are joined to the name before them, so that ``Z'' (ohm)`` stays one name.
    """
    s = line.strip().lstrip("#").strip()
    if s.startswith('"') and s.endswith('"') and s.count('"') == 2:
        s = s[1:-1]  # a quoted header (Autolab/Z60W)
    lay = layout if layout is not None else detect_layout(s)
    if lay.delimiter is not None and lay.delimiter in s:
        names = [unquote(f) for f in s.split(lay.delimiter)]
        while names and names[-1] == "":
            names.pop()
        return names
    names = []
    for tok in s.split():
        if names and _UNIT_TOKEN.match(tok):
            names[-1] = f"{names[-1]} {tok}"
        else:
            names.append(unquote(tok))
    return names


# ---------------------------------------------------------------------------------------------- parsing rows
@dataclass
class Rows:
    """Parsed values of the used columns, one entry per data row."""

    values: dict[int, np.ndarray]
    lines: np.ndarray
    labels: np.ndarray | None = None  # explicit sweep label per row (block number, cycle ...)


def parse_rows(
    tf: TextFile,
    row_lines: Sequence[int],
    layout: Layout,
    columns: Sequence[Column],
    *,
    n_fields: int | None = None,
    labels: Sequence[int] | None = None,
) -> Rows:
    """Parse the used columns of the given 0-based line indices.

    Parameters
    ----------
    tf
        The file.
    row_lines
        0-based indices of the data lines.
    layout
        How to split them.
    columns
        Columns to parse.
    n_fields
        Exact field count expected per line (``None``: at least enough for the used columns).
    labels
        Optional sweep label of every row.

    Raises
    ------
    InputError
        A line with the wrong number of fields, or a value that is not a number (names the line and column).
    """
    need = max(c.index for c in columns) + 1
    values = {c.index: np.empty(len(row_lines)) for c in columns}
    for k, i in enumerate(row_lines):
        fields = split_fields(tf.lines[i], layout)
        if (n_fields is not None and len(fields) != n_fields) or len(fields) < need:
            expected = n_fields if n_fields is not None else need
            raise InputError(f"{len(fields)} value(s) where the table has {expected} columns", tf.path, i + 1)
        for c in columns:
            try:
                values[c.index][k] = parse_number(fields[c.index], layout.decimal_comma)
            except ValueError:
                raise InputError(
                    f"non-numeric value {fields[c.index]!r} in a data line", tf.path, i + 1, c.name
                ) from None
    return Rows(
        values,
        np.asarray(row_lines, dtype=np.int64) + 1,
        None if labels is None else np.asarray(labels, dtype=np.int64),
    )


# ---------------------------------------------------------------------------------------------- impedance
SignPolicy = Literal["declared", "header", "headerless"]


def impedance_of(
    rows: Rows, cmap: ColumnMap, *, path: str, sign: SignPolicy
) -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    """Frequencies in Hz and Z in ohm with Z'' < 0 capacitive.

    Parameters
    ----------
    rows, cmap
        Parsed values and what they are.
    path
        For messages.
    sign
        How far the sign of the Z'' column is trusted:

        - ``"declared"``: the reader knows the instrument's convention; the column name's minus sign is applied.
        - ``"header"`` (generic text with a header): the name's minus sign is applied; when a phase column is
          present as well and disagrees with the sign of Z'' on most points, the phase wins and Z'' is flipped.
        - ``"headerless"``: no names to go by; column 3 is taken as Z''. If more than half of the points have
          Z'' > 0, the column is taken as -Z'' (the common ``-Im(Z)`` export) and flipped, with an
          :class:`EisRecipeWarning`.

    Returns
    -------
    frequency_hz, impedance_ohm, notes
        ``notes`` holds ``z_imag_sign`` (how the sign was decided) for the spectrum's metadata.
    """
    assert cmap.frequency is not None
    fc = cmap.frequency
    f = rows.values[fc.index] * fc.scale
    notes: dict[str, str] = {}
    if cmap.real is not None and cmap.imag is not None:
        rc, ic = cmap.real, cmap.imag
        re_ = rows.values[rc.index] * rc.scale
        im = rows.values[ic.index] * ic.scale * (-1.0 if ic.negated else 1.0)
        notes["z_imag_sign"] = f"column {ic.name!r} read as {'-' if ic.negated else ''}Im(Z)"
        if sign == "header" and cmap.phase is not None:
            pc = cmap.phase
            ph = rows.values[pc.index] * (-1.0 if pc.negated else 1.0)
            informative = (np.abs(np.sin(np.deg2rad(ph * pc.scale))) > 1e-3) & (im != 0)
            disagree = np.sign(im[informative]) != np.sign(ph[informative])
            if informative.any() and disagree.mean() > 0.5:
                im = -im
                notes["z_imag_sign"] = (
                    f"column {ic.name!r} read as -Im(Z): its sign disagrees with column {pc.name!r} on "
                    f"{int(disagree.sum())} of {int(informative.sum())} points"
                )
        elif sign == "headerless" and np.count_nonzero(im > 0) > im.size / 2:
            im = -im
            notes["z_imag_sign"] = (
                "headerless file: column 3 read as -Im(Z) because most of its values are > 0 "
                "(capacitive data are then written as -Z'')"
            )
            warnings.warn(
                f"{path}: headerless file with Z'' > 0 on most points; column 3 is taken as -Im(Z) and its sign "
                "flipped. Add a header (e.g. 'freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm') to make this explicit.",
                EisRecipeWarning,
                stacklevel=4,
            )
        z = re_ + 1j * im
    elif cmap.modulus is not None and cmap.phase is not None:
        mc, pc = cmap.modulus, cmap.phase
        mod = rows.values[mc.index] * mc.scale
        ph = rows.values[pc.index] * pc.scale * (-1.0 if pc.negated else 1.0)
        z = mod * np.exp(1j * np.deg2rad(ph))
        notes["z_imag_sign"] = f"from |Z| and column {pc.name!r} read as {'-' if pc.negated else ''}phase in degrees"
    else:  # pragma: no cover - callers check cmap.complete
        raise InputError("no impedance columns", path)
    return f, z, notes


def sweep_labels(rows: Rows, cmap: ColumnMap) -> np.ndarray | None:
    """Explicit sweep labels: the reader's block labels and/or cycle columns, combined (a new sweep wherever any
    of them changes)."""
    keys = []
    if rows.labels is not None:
        keys.append(rows.labels.astype(float))
    keys.extend(rows.values[c.index] for c in cmap.cycles)
    if not keys:
        return None
    stacked = np.vstack(keys)
    change = np.any(np.diff(stacked, axis=1) != 0, axis=0)
    return np.concatenate([[0], np.cumsum(change)]).astype(np.int64)


def table_spectra(
    tf: TextFile,
    *,
    fmt: str,
    names: Sequence[str] | None,
    header_line: int | None,
    row_lines: Sequence[int],
    sign: SignPolicy,
    layout: Layout | None = None,
    strict_count: bool = True,
    labels: Sequence[int] | None = None,
    keep: Callable[[Rows, ColumnMap], np.ndarray] | None = None,
    meta: dict[str, object] | None = None,
) -> list[Spectrum]:
    """Turn a located table into spectra.

    Parameters
    ----------
    tf
        The file.
    fmt
        Format name (stored in the metadata).
    names
        Header names, or ``None`` for a headerless f, Z', Z'' table.
    header_line
        0-based index of the header line (for messages), or ``None``.
    row_lines
        0-based indices of the data lines.
    sign
        Sign policy, see :func:`impedance_of`.
    layout
        Splitting of the data lines (detected from the first one when ``None``).
    strict_count
        Every data line must have as many fields as the header has names.
    labels
        Explicit sweep label of every row (e.g. table or block number), or ``None``.
    keep
        Optional filter of rows (e.g. to drop the DC rows of a Parstat file), given the parsed rows.
    meta
        Extra metadata for every spectrum.

    Raises
    ------
    InputError
        No data lines, missing columns, bad values, or a violation of the sweep rule.
    """
    hl = None if header_line is None else header_line + 1
    if not row_lines:
        where = f" after the header (line {hl})" if hl is not None else ""
        raise InputError(f"no data lines{where}", tf.path)
    lay = layout if layout is not None else detect_layout(tf.lines[row_lines[0]])
    first_fields = split_fields(tf.lines[row_lines[0]], lay)
    if names is None:
        if len(first_fields) < 3:
            raise InputError(
                f"a table without header needs at least 3 columns (f/Hz, Z'/ohm, Z''/ohm), found {len(first_fields)}",
                tf.path,
                row_lines[0] + 1,
            )
        cmap = headerless_map()
        n_fields: int | None = len(first_fields) if strict_count else None
    else:
        cmap = map_columns(names, tf.path, hl)
        if not cmap.complete:
            raise InputError(
                "the header does not name a frequency column and Z'/Z'' (or |Z| and phase) columns; found: "
                + ", ".join(repr(n) for n in names),
                tf.path,
                hl,
            )
        n_fields = len(names) if strict_count else None
    rows = parse_rows(tf, row_lines, lay, cmap.used(), n_fields=n_fields, labels=labels)
    if keep is not None:
        mask = keep(rows, cmap)
        rows = Rows(
            {k: v[mask] for k, v in rows.values.items()},
            rows.lines[mask],
            None if rows.labels is None else rows.labels[mask],
        )
        if rows.lines.size == 0:
            raise InputError("no impedance data lines", tf.path)
    f, z, notes = impedance_of(rows, cmap, path=tf.path, sign=sign)
    return build_spectra(
        f,
        z,
        rows.lines,
        tf.path,
        labels=sweep_labels(rows, cmap),
        meta={"format": fmt, **notes, **(meta or {})},
    )


def data_lines(tf: TextFile, start: int, stop: int | None = None, *, comment: str | None = "#") -> list[int]:
    """0-based indices of the non-blank (and non-comment) lines in ``[start, stop)``."""
    stop = len(tf.lines) if stop is None else stop
    out = []
    for i in range(start, stop):
        s = tf.lines[i].strip()
        if not s or (comment is not None and s.startswith(comment)):
            continue
        out.append(i)
    return out


def find_header(tf: TextFile, start: int = 0, stop: int | None = None) -> tuple[int, list[str]] | None:
    """First line in ``[start, stop)`` whose names give a complete column map (frequency + impedance)."""
    stop = len(tf.lines) if stop is None else min(stop, len(tf.lines))
    for i in range(start, stop):
        s = tf.lines[i].strip()
        if not s or is_numeric_line(s, 1):
            continue
        names = split_header(s)
        if map_columns(names, tf.path, i + 1).complete:
            return i, names
    return None


def resplit_header(tf: TextFile, header: int, names: list[str], first_data: int) -> list[str]:
    """Split the header again with the data lines' delimiter when that gives a matching count."""
    lay = detect_layout(tf.lines[first_data])
    n = len(split_fields(tf.lines[first_data], lay))
    if len(names) == n:
        return names
    again = split_header(tf.lines[header], lay)
    return again if len(again) == n else names


def head_text(head: str | bytes) -> str:
    """The sniffing head as text."""
    return decode(head) if isinstance(head, bytes) else head
