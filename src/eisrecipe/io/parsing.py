"""Header, column and unit parsing shared by the text readers: decoding, splitting, names with units, spectra.

Every text reader in :mod:`eisrecipe.io` works the same way: it finds the header line and the data lines of the
table it knows, then hands them to :func:`table_spectra`, which

1. splits every data line (tab, semicolon, comma or whitespace; decimal comma recognised),
2. maps the header names to quantities by tokens (:func:`classify`: a quantity - frequency, angular frequency,
   Z', Z'', |Z|, phase, Y', Y'', sweep/cycle counter - and an optional unit after ``/``, in ``[]`` or ``()``, or
   after ``_`` or a space) with a declared sign (``-Im(Z)``, ``-Z''``); every unit is converted
   (:func:`unit_scale`: Hz/mHz/kHz/MHz/GHz, rad/s; ohm/mohm/kohm/Mohm; deg/rad; S/mS) or the column is refused
   naming it when it is needed (unknown, ambiguous ``mhz``/``MOHM``, area-specific),
3. parses the numbers it needs, naming the file, the line and the column of any bad value,
4. converts to ohm and to Z'' < 0 capacitive, cross-checks Z'/Z'' against |Z|/phase and Y where present and
   refuses what no cell gives, naming the likely cause (:func:`impedance_of`), and splits the sweeps
   (:mod:`eisrecipe.io.sweeps`: out-of-order single sweeps sorted, over-dense sweeps decimated).

Files: UTF-8, UTF-16 or Latin-1 text (:func:`decode`); only regular files up to :data:`MAX_FILE_BYTES` are
opened (:func:`read_bytes`).

Line numbers are 1-based physical lines as Python's universal newlines count them (``\\r\\n``, ``\\r`` and
``\\n`` each end a line).
"""

from __future__ import annotations

import math
import re
import stat
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


#: largest file read, bytes: 64 MiB (a spectrum of 100 points per decade over 12 decades is < 1 MB of text; a
#: 1-million-line table of 46 MB reads in about 5 s and 300 MB of memory)
MAX_FILE_BYTES = 64 * 2**20


def read_bytes(path: str | PathLike[str], limit: int | None = None) -> bytes:
    """Raw bytes of ``path`` (at most ``limit``).

    Raises
    ------
    InputError
        A missing or unreadable file, a directory, anything but a regular file (a FIFO or device would block
        the reader, and is never opened), or (without ``limit``) a file larger than :data:`MAX_FILE_BYTES`.
    """
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a directory, not a file", p)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file (a FIFO, socket or device); refused, reading it could block", p)
        if limit is None and st.st_size > MAX_FILE_BYTES:
            raise InputError(
                f"file is {st.st_size / 2**20:.1f} MiB, more than the {MAX_FILE_BYTES // 2**20} MiB read; an "
                "impedance spectrum needs far less (100 points per decade over 12 decades is < 1 MiB of text): "
                "export fewer points or split the file",
                p,
            )
        with p.open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)
    except FileNotFoundError:
        raise InputError("file not found", p) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", p) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", p) from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when every other byte of the head is NUL (ASCII text in UTF-16)."""
    head = raw[:HEAD_BYTES]
    if len(head) < 4 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(raw: bytes) -> str:
    """Decode instrument text: UTF-16 (with a BOM, or ASCII text with every other byte NUL), UTF-8 (with or
    without BOM), else Latin-1 (EC-Lab, Gamry write Windows-1252). Never raises: bytes UTF-16 cannot decode
    become U+FFFD, and the parser then names their line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return raw.decode(utf16, errors="replace")
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
        Missing, empty, oversized or non-regular file, or a binary file (NUL bytes).
    """
    raw = read_bytes(path)
    text = decode(raw)
    if not text.strip():
        raise InputError("file is empty", path)
    if "\x00" in text[:HEAD_BYTES]:
        raise InputError("binary file, not a text table (wrong format given?)", path)
    return TextFile(str(path), split_lines(text))


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
Kind = Literal["frequency", "real", "imag", "modulus", "phase", "cycle", "y_real", "y_imag"]


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
        ``frequency`` | ``real`` | ``imag`` | ``modulus`` | ``phase`` | ``cycle`` | ``y_real`` | ``y_imag``
        (admittance, used only to cross-check the impedance columns).
    scale
        Factor to Hz (frequency), ohm (impedance), degrees (phase) or siemens (admittance).
    negated
        The name declares a minus sign (``-Im(Z)/Ohm``, ``-Z''``, ``-Phase``).
    unit
        The unit as written, or ``None``.
    problem
        Why the column cannot be read (an unknown, ambiguous or area-specific unit), or ``None``. Raised as an
        :class:`InputError` naming the column only when the column is needed.
    note
        How the unit was converted, where that is worth saying (``rad/s`` -> Hz).
    """

    index: int
    name: str
    kind: Kind
    scale: float = 1.0
    negated: bool = False
    unit: str | None = None
    problem: str | None = None
    note: str | None = None


_FREQUENCY = {"f", "freq", "frequency", "fre", "frequencies", "freqency", "frq"}
_ANGULAR = {"omega", "ω", "angularfrequency", "angfreq", "angularfreq"}
_REAL = {"re(z)", "z'", "zs'", "zreal", "zre", "real", "re", "rez", "zr", "z'real", "z(re)", "re(zs)", "r", "realz"}
_IMAG = {"im(z)", "z''", "zs''", "zimag", "zim", "zimg", "imag", "im", "imz", "zi", "z(im)", "im(zs)", "x", "imagz"}
_IMAG |= {"zimaginary", "imaginary"}
_MODULUS = {"|z|", "z", "zmod", "mod(z)", "|zs|", "abs(z)", "zabs", "modz", "zs", "|z(ω)|", "impedance", "zmag"}
_MODULUS |= {"absz", "modulus", "magnitude", "|z|mag"}
_PHASE = {"phase(z)", "phase", "zphz", "theta(z)", "theta", "phi", "phz", "phase(zs)", "θ", "φ", "zphase", "phi(z)"}
_PHASE |= {"phaseangle", "zphi", "arg(z)"}
_CYCLE = {"cyclenumber", "zcycle", "cycle", "sweep", "sweepnumber", "cycleno", "sweepno"}
_Y_REAL = {"re(y)", "y'", "yreal", "yre", "realy", "re(ys)", "ys'"}
_Y_IMAG = {"im(y)", "y''", "yimag", "yim", "imagy", "im(ys)", "ys''"}
#: a parenthesis holding one of these is the argument of a quantity (``Phase(Y)``), not a unit
_ARGUMENTS = {"z", "y", "zs", "ys", "re", "im", "a", "b", "ω", "w", "s", "p"}

_KINDS: tuple[tuple[set[str], Kind], ...] = (
    (_FREQUENCY, "frequency"),
    (_ANGULAR, "frequency"),
    (_REAL, "real"),
    (_IMAG, "imag"),
    (_MODULUS, "modulus"),
    (_PHASE, "phase"),
    (_CYCLE, "cycle"),
    (_Y_REAL, "y_real"),
    (_Y_IMAG, "y_imag"),
)
#: a trailing ``_x``/`` x`` part is tried as a unit only when it looks like one
_UNIT_LIKE = re.compile(r"hz|hertz|ohm|Ω|Ω|rad|deg|°|cm|m2|m²|siemens|mho|^[munkKMG]?S$|/s|s-1|s\^-1", re.IGNORECASE)
_PREFIX = {"": 1.0, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
_SPELLED_PREFIX = {"nano": 1e-9, "micro": 1e-6, "milli": 1e-3, "kilo": 1e3, "kil": 1e3, "mega": 1e6, "meg": 1e6}
_SPELLED_PREFIX |= {"giga": 1e9}
_ANGULAR_UNITS = {"rad/s", "rads-1", "rads^-1", "rad/sec", "rads⁻¹", "radians/s", "radian/s", "radians/second"}
_HZ_UNITS = {"1/s", "s-1", "s^-1", "s⁻¹", "cps"}


def unquote(text: str) -> str:
    """``text`` without one pair of surrounding double quotes (a lone ``"`` is a double prime: ``Z"``)."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        t = t[1:-1].strip()
    return t


def _clean_name(name: str) -> str:
    q = unquote(name)
    q = q.replace("″", "''").replace("′", "'").replace("’", "'").replace("´", "'").replace('"', "''")
    q = q.replace("−", "-").replace("–", "-")
    return re.sub(r"^[a-z ]*:\s*", "", q, flags=re.IGNORECASE).strip()  # "Data: Z'" (RelaxIS)


def _normal_quantity(q: str) -> str:
    q = re.sub(r"[\s._]", "", q.lower())
    return re.sub(r"\((?:a|b)\)$", "", q)  # "Z'(a)", "Z''(b)" (ZPlot, Autolab)


def _quantity(q: str) -> tuple[Kind, bool] | None:
    """Kind of a quantity name and whether it is an angular frequency."""
    nq = _normal_quantity(q)
    for names, kind in _KINDS:
        if nq in names:
            return kind, names is _ANGULAR
    return None


def _candidates(s: str) -> list[tuple[str, str | None]]:
    """Ways to read ``s`` as quantity + unit, most literal first: the whole name; a trailing ``[unit]``;
    a trailing ``(unit)``; ``quantity/unit`` at each ``/``; ``quantity_unit`` or ``quantity unit`` at each
    ``_``/space from the right."""
    out: list[tuple[str, str | None]] = [(s, None)]
    m = re.fullmatch(r"(.+?)\s*\[([^\[\]]*)\]", s)
    if m:
        out.append((m[1], m[2]))
    m = re.fullmatch(r"(.+?)\s*\(([^()]*)\)", s)
    if m and m[2].strip().lower() not in _ARGUMENTS:
        out.append((m[1], m[2]))
    out.extend((s[:i], s[i + 1 :]) for i, c in enumerate(s) if c == "/" and i > 0)
    for m in reversed(list(re.finditer(r"[_\s]+", s))):
        unit = s[m.end() :]
        if m.start() > 0 and unit and _UNIT_LIKE.search(unit):
            out.append((s[: m.start()], unit))
    return out


def _normal_unit(unit: str) -> str:
    u = unit.strip().strip("[]()").strip()
    for a, b in (("Ω", "ohm"), ("Ω", "ohm"), ("µ", "u"), ("μ", "u"), ("°", "deg"), ("²", "2"), ("⁻¹", "-1")):
        u = u.replace(a, b)
    return re.sub(r"[\s*·]+", "", u)


def _area_specific(u: str) -> bool:
    return bool(re.search(r"cm|m\^?2|m-?2", u, re.IGNORECASE))


def unit_scale(kind: Kind, unit: str | None, *, angular: bool = False) -> tuple[float, str | None, str | None]:
    """Factor from a column's unit to Hz, ohm, degrees or siemens.

    Parameters
    ----------
    kind
        What the column holds.
    unit
        The unit as written (``None`` or empty: Hz, ohm, degrees, siemens).
    angular
        The column is an angular frequency (``omega``): rad/s unless the unit says otherwise.

    Returns
    -------
    scale, problem, note
        ``problem`` says why the unit cannot be used (unknown, ambiguous such as ``mhz`` or ``MOHM``, or
        area-specific); ``note`` says how an unusual unit was converted. A unit is never taken as x1 silently.
    """
    if kind == "cycle":
        return 1.0, None, None
    if unit is None or not unit.strip():
        if kind == "frequency" and angular:
            return 1.0 / (2 * math.pi), None, "angular frequency (rad/s) divided by 2 pi"
        return 1.0, None, None
    u = _normal_unit(unit)
    ul = u.lower()
    shown = unit.strip()
    if kind == "frequency":
        if ul in _ANGULAR_UNITS or (angular and ul in _HZ_UNITS):
            return 1.0 / (2 * math.pi), None, f"angular frequency in {shown} divided by 2 pi"
        if angular:
            return 1.0, f"an angular-frequency column in {shown!r}: give it in rad/s or name it 'frequency'", None
        if ul in _HZ_UNITS:
            return 1.0, None, None
        m = re.fullmatch(r"(.*?)(hz|hertz)", u, re.IGNORECASE)
        if m:
            p, stem = m[1], m[2]
            if p.lower() in _SPELLED_PREFIX:
                return _SPELLED_PREFIX[p.lower()], None, None
            if (p == "m" and stem != "Hz") or (p == "M" and stem == "HZ"):
                return 1.0, f"unit {shown!r} is ambiguous (mHz = 1e-3 Hz, MHz = 1e6 Hz); write mHz or MHz", None
            if p in _PREFIX:
                return _PREFIX[p], None, None
        return 1.0, f"unit {shown!r} is not a frequency unit this reader knows (Hz, mHz, kHz, MHz, GHz, rad/s)", None
    if kind in ("real", "imag", "modulus"):
        if _area_specific(u):
            return (
                1.0,
                "holds area-specific impedance; export the raw impedance in ohm "
                "(the electrode area belongs in the sample sheet's area_cm2)",
                None,
            )
        m = re.fullmatch(r"(.*?)(ohms?)", u, re.IGNORECASE)
        if m:
            p, stem = m[1], m[2]
            if p.lower() in _SPELLED_PREFIX:
                return _SPELLED_PREFIX[p.lower()], None, None
            if p == "M" and stem.isupper():
                return 1.0, f"unit {shown!r} is ambiguous (mohm = 1e-3 ohm, Mohm = 1e6 ohm); write mohm or Mohm", None
            if p in _PREFIX:
                return _PREFIX[p], None, None
        return 1.0, f"unit {shown!r} is not an impedance unit this reader knows (ohm, mohm, kohm, Mohm)", None
    if kind == "phase":
        if ul in ("deg", "degs", "degree", "degrees", "deg."):
            return 1.0, None, None
        if ul in ("rad", "rads", "radian", "radians"):
            return 180.0 / math.pi, None, None
        if ul == "mrad":
            return 0.18 / math.pi, None, None
        return 1.0, f"unit {shown!r} is not a phase unit this reader knows (deg, rad)", None
    # admittance
    if _area_specific(u):
        return 1.0, "holds area-specific admittance", None
    if ul in ("ohm-1", "ohm^-1", "1/ohm", "mho", "mhos", "s", "siemens"):
        return 1.0, None, None
    m = re.fullmatch(r"([nuµmkKMG])(S|siemens)", u)
    if m:
        return _PREFIX[m[1]], None, None
    return 1.0, f"unit {shown!r} is not an admittance unit this reader knows (S, mS, ohm-1)", None


def classify(name: str, index: int, path: str | None = None, line: int | None = None) -> Column | None:
    """Interpret one header name by tokens: a quantity and an optional unit, separated by ``/``, ``[]``, ``()``,
    ``_`` or a space (``freq/Hz``, ``Frequency (Hz)``, ``freq_hz``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm``, ``Zs'[ohm]``,
    ``z_imag_mohm``, ``|Z|/Ohm``, ``Phase(Z)/deg``, ``phase_deg``, ``Frequency [rad/s]``, ``cycle number`` ...).

    ``path`` and ``line`` are accepted for symmetry with :func:`map_columns`; a unit that cannot be used is
    recorded in :attr:`Column.problem` and raised only when the column is needed.

    Returns
    -------
    Column or None
        ``None`` for columns that are not needed (time, potential ...) and for a bare ``Z`` (too vague).
    """
    raw = unquote(name)
    s = _clean_name(raw)
    negated = False
    m = re.match(r"^([+-])\s*", s)
    if m:
        negated, s = m[1] == "-", s[m.end() :]
    for q, unit in _candidates(s):
        found = _quantity(q)
        if found is None:
            continue
        kind, angular = found
        if unit is not None and not unit.strip():
            unit = None
        if kind == "modulus" and _normal_quantity(q) == "z" and unit is None:
            return None  # a bare "Z" is too vague
        scale, problem, note = unit_scale(kind, unit, angular=angular)
        return Column(
            index,
            raw,
            kind,
            scale,
            negated and kind in ("imag", "phase", "y_imag"),
            None if unit is None else unit.strip(),
            None if problem is None else f"column {raw!r}: {problem}",
            note,
        )
    return None


@dataclass
class ColumnMap:
    """The columns a table needs, found from its header."""

    frequency: Column | None = None
    real: Column | None = None
    imag: Column | None = None
    modulus: Column | None = None
    phase: Column | None = None
    y_real: Column | None = None
    y_imag: Column | None = None
    cycles: list[Column] = field(default_factory=list)

    @property
    def rectangular(self) -> bool:
        """Z' and Z'' are both named."""
        return self.real is not None and self.imag is not None

    @property
    def polar(self) -> bool:
        """|Z| and phase are both named."""
        return self.modulus is not None and self.phase is not None

    @property
    def complete(self) -> bool:
        """Frequency plus (Z', Z'') or (|Z|, phase)."""
        return self.frequency is not None and (self.rectangular or self.polar)

    def needed(self) -> list[Column]:
        """Columns the impedance is read from (frequency and Z'/Z'', else |Z| and phase)."""
        pair = [self.real, self.imag] if self.rectangular else [self.modulus, self.phase]
        return [c for c in (self.frequency, *pair) if c is not None]

    def used(self) -> list[Column]:
        """Columns to parse: the needed ones, the readable cross-check columns, the cycle counters."""
        extra = [c for c in (self.modulus, self.phase, self.y_real, self.y_imag) if c is not None and c.problem is None]
        cols = [*self.needed(), *extra, *self.cycles]
        return list({c.index: c for c in cols}.values())

    def check(self, path: str | None, line: int | None) -> None:
        """Raise the problem of the first needed column that has one (an unknown or ambiguous unit)."""
        for c in self.needed():
            if c.problem is not None:
                raise InputError(c.problem, path, line)


def map_columns(names: Sequence[str], path: str | None = None, line: int | None = None) -> ColumnMap:
    """Classify header names; the first readable column of each kind wins (one with an unusable unit only
    when no readable one is named)."""
    cmap = ColumnMap()
    for i, n in enumerate(names):
        c = classify(n, i, path, line)
        if c is None:
            continue
        if c.kind == "cycle":
            cmap.cycles.append(c)
            continue
        current = getattr(cmap, c.kind)
        if current is None or (current.problem is not None and c.problem is None):
            setattr(cmap, c.kind, c)
    return cmap


def headerless_map() -> ColumnMap:
    """A headerless table: f, Z', Z'' in the first three columns."""
    return ColumnMap(
        frequency=Column(0, "column 1", "frequency"),
        real=Column(1, "column 2", "real"),
        imag=Column(2, "column 3", "imag"),
    )


_UNIT_TOKEN = re.compile(r"^[\[(/].*|^(?:[a-zµ]?(?:ohms?|Ω|Ω|hz)|deg|°|rad(?:/s)?)$", re.IGNORECASE)


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


#: characters of plain numbers (digits, point, exponent, sign, nan, inf, infinity): with only these, Python's
#: float() accepts exactly what :data:`_NUMBER` does
_NUMBER_CHARS = frozenset("0123456789.eE+-nNaAiIfFtTyY")
#: data lines split at a time (bounds the memory of a huge file's split fields)
CHUNK_LINES = 65536


def _split_all(texts: list[str], layout: Layout) -> list[list[str]]:
    """The fields of many lines at once, as :func:`split_fields` gives them but not stripped (a number's
    surrounding spaces do not matter to :func:`_column_values`; trailing empty fields are dropped)."""
    d = layout.delimiter
    if d is None:
        return [t.split() for t in texts]
    out = [t.strip().split(d) for t in texts]
    for fields in out:
        while fields and not fields[-1].strip():
            fields.pop()
    return out


def _column_values(col: list[str], decimal_comma: bool) -> np.ndarray | None:
    """The numbers of one column, or ``None`` when some field is not a plain number (then found one by one)."""
    chars = set("".join(col))
    if '"' in chars:
        col = [unquote(v) for v in col]
    if decimal_comma and "," in chars:
        col = [v.replace(",", ".") for v in col]
    if not chars - {'"', ",", " ", "\t"} <= _NUMBER_CHARS:
        return None
    try:
        return np.array(col, dtype=float)
    except ValueError:  # e.g. "1e", "+-1", "1 2": found with their line by parse_number
        return None


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
    expected = n_fields if n_fields is not None else need
    parts: dict[int, list[np.ndarray]] = {c.index: [] for c in columns}
    for start in range(0, len(row_lines), CHUNK_LINES):
        chunk = row_lines[start : start + CHUNK_LINES]
        split = _split_all([tf.lines[i] for i in chunk], layout)
        for k, fields in enumerate(split):
            if len(fields) < need or (n_fields is not None and len(fields) != n_fields):
                raise InputError(
                    f"{len(fields)} value(s) where the table has {expected} columns", tf.path, chunk[k] + 1
                )
        for c in columns:
            col = [f[c.index] for f in split]
            parsed = _column_values(col, layout.decimal_comma)
            if parsed is None:
                parsed = np.empty(len(col))
                for k, text in enumerate(col):
                    try:
                        parsed[k] = parse_number(text, layout.decimal_comma)
                    except ValueError:
                        raise InputError(
                            f"non-numeric value {excerpt(text)} in a data line", tf.path, chunk[k] + 1, c.name
                        ) from None
            parts[c.index].append(parsed)
    values = {i: np.concatenate(p) if p else np.empty(0) for i, p in parts.items()}
    return Rows(
        values,
        np.asarray(row_lines, dtype=np.int64) + 1,
        None if labels is None else np.asarray(labels, dtype=np.int64),
    )


def excerpt(text: str, limit: int = 40) -> str:
    """``text`` quoted, cut to ``limit`` characters (messages quote the offending value, never a whole line)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


# ---------------------------------------------------------------------------------------------- impedance
SignPolicy = Literal["declared", "header", "headerless"]

#: relative difference |Z_a - Z_b| / |Z| up to which two readings of one point agree: far above the rounding
#: of a 3-significant-digit export (0.5 %), far below what a wrong sign of Z'' (2 |Z''| / |Z|) or a wrong unit gives
AGREE_TOL = 0.02


def _agree(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(a), np.abs(b))
    return np.abs(a - b) <= AGREE_TOL * np.where(scale > 0, scale, 1.0)


def _ranges(lines: np.ndarray, f: np.ndarray, mask: np.ndarray) -> str:
    ln, fr = lines[mask], f[mask]
    where = f"line {ln[0]}" if ln.size == 1 else f"lines {ln.min()}-{ln.max()}"
    return f"{where}, {fr.min():.3g}-{fr.max():.3g} Hz" if ln.size > 1 else f"{where}, {fr[0]:.3g} Hz"


def _cross_check(
    z: np.ndarray,
    refs: list[tuple[str, np.ndarray]],
    f: np.ndarray,
    lines: np.ndarray,
    path: str,
    imag_name: str,
) -> tuple[np.ndarray, str]:
    """Check Z'/Z'' against the other readings of the same points (|Z| and phase, Y) and pick the consistent one.

    The sign of Z'' is taken as the one that agrees with the other readings on more points. When Z'/Z'' then
    still disagrees on some points, and two other readings agree with each other on every point, those are
    used, with an :class:`EisRecipeWarning`; with nothing to arbitrate, the file is ambiguous and refused.

    Returns
    -------
    impedance, note
        The impedance to use (ohm, Z'' < 0 capacitive) and what was decided (for ``meta["z_imag_sign"]``).
    """
    flipped = np.conj(z)
    n_keep = sum(int(_agree(z, r).sum()) for _, r in refs)
    n_flip = sum(int(_agree(flipped, r).sum()) for _, r in refs)
    ref_names = " and ".join(n for n, _ in refs)
    note = f"column {imag_name!r} read as Im(Z), consistent with {ref_names}"
    if n_flip > n_keep:
        z = flipped
        note = f"column {imag_name!r} read as -Im(Z): its sign disagrees with {ref_names}"
    bad = np.zeros(z.size, dtype=bool)
    for _, r in refs:
        bad |= ~_agree(z, r)
    if not bad.any():
        return z, note
    n = int(bad.sum())
    sign_only = np.all(_agree(np.conj(z[bad]), refs[0][1][bad]))
    cause = (
        f"Z'' has the opposite sign there (the column {imag_name!r} lost its sign on part of the range)"
        if sign_only
        else "the values differ by more than 2 % there (a wrong unit or a shifted column?)"
    )
    where = _ranges(lines, f, bad)
    if len(refs) >= 2 and np.all(_agree(refs[0][1], refs[1][1])):
        warnings.warn(
            f"{path}: Z'/Z'' disagree with {ref_names} on {n} of {z.size} points ({where}); {cause}. "
            f"The impedance is taken from {refs[0][0]}, which agree with {refs[1][0]} on every point.",
            EisRecipeWarning,
            stacklevel=5,
        )
        return refs[0][1], (
            f"from {refs[0][0]} (checked against {refs[1][0]}): Z'/Z'' disagree with both on {n} of {z.size} "
            f"points ({where}); {cause}"
        )
    first = int(np.argmax(bad))
    raise InputError(
        f"the impedance columns contradict each other on {n} of {z.size} points ({where}): Z'/Z'' give "
        f"{z[first].real:.4g}{z[first].imag:+.4g}j ohm, {refs[0][0]} give {refs[0][1][first].real:.4g}"
        f"{refs[0][1][first].imag:+.4g}j ohm; {cause}. Nothing else in the file says which is right: delete the "
        "wrong columns",
        path,
        int(lines[first]),
    )


def _plausible(z: np.ndarray, f: np.ndarray, lines: np.ndarray, cmap: ColumnMap, path: str) -> None:
    """Refuse impedance that no metal | solid-electrolyte | metal cell gives, naming the likely cause.

    A passive cell has Z' > 0 at every frequency and is capacitive (Z'' < 0) over most of its spectrum; when more
    than half of the points break either rule, the columns are almost certainly read wrongly.
    """
    n = z.size
    neg_re = z.real < 0
    if np.count_nonzero(neg_re) > n / 2:
        where = _ranges(lines, f, neg_re)
        if cmap.rectangular and np.all(z.imag >= 0) and np.count_nonzero(z.imag > 0) > n / 2:
            cause = (
                f"the columns {cmap.real.name!r} and {cmap.imag.name!r} look swapped (the first holds "  # type: ignore[union-attr]
                "Z'' values, the second Z')"
            )
        else:
            cause = "a passive cell has Z' > 0; check the column names and signs"
        raise InputError(f"Z' < 0 on {int(neg_re.sum())} of {n} points ({where}): {cause}", path, int(lines[0]))
    inductive = z.imag > 0
    if np.count_nonzero(inductive) > n / 2:
        where = _ranges(lines, f, inductive)
        if cmap.rectangular:
            col = cmap.imag.name  # type: ignore[union-attr]
            fix = (
                f"the column {col!r} most likely holds -Im(Z) although its name says Im(Z): name it '-{col}'"
                if not cmap.imag.negated  # type: ignore[union-attr]
                else f"the column {col!r} most likely holds Im(Z) although its name says -Im(Z)"
            )
        else:
            fix = f"the phase column {cmap.phase.name!r} most likely has the opposite sign"  # type: ignore[union-attr]
        raise InputError(
            f"Z'' > 0 (inductive) on {int(inductive.sum())} of {n} points ({where}), but a cell is capacitive "
            f"(Z'' < 0) over most of its spectrum: {fix}",
            path,
            int(lines[0]),
        )


def impedance_of(
    rows: Rows, cmap: ColumnMap, *, path: str, sign: SignPolicy
) -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    """Frequencies in Hz and Z in ohm with Z'' < 0 capacitive, cross-checked and checked for plausibility.

    Parameters
    ----------
    rows, cmap
        Parsed values and what they are.
    path
        For messages.
    sign
        How far the sign of the Z'' column is trusted:

        - ``"declared"``: the reader knows the instrument's convention; the column name's minus sign is applied.
        - ``"header"`` (generic text with a header): the name's minus sign is applied.
        - ``"headerless"``: no names to go by; column 3 is taken as Z''. If more than half of the points have
          Z'' > 0, the column is taken as -Im(Z) (the common ``-Im(Z)`` export) and flipped, with an
          :class:`EisRecipeWarning`.

        With a header, when |Z| and phase (or only a phase) and/or admittance columns are present beside Z'/Z'',
        every point is cross-checked (:func:`_cross_check`): the sign of Z'' follows the other readings, and
        a reading that disagrees on part of the points is replaced by two that agree, with a warning, or the
        file is refused when nothing can arbitrate.

    Returns
    -------
    frequency_hz, impedance_ohm, notes
        ``notes`` holds ``z_imag_sign`` (how the sign was decided) and ``frequency_unit`` where the frequency
        was converted from rad/s.

    Raises
    ------
    InputError
        Contradicting columns, or impedance no passive cell gives (Z' < 0 or Z'' > 0 on most points), naming
        the likely cause (swapped columns, a wrong sign).
    """
    assert cmap.frequency is not None
    fc = cmap.frequency
    f = rows.values[fc.index] * fc.scale
    notes: dict[str, str] = {}
    if fc.note:
        notes["frequency_unit"] = f"column {fc.name!r}: {fc.note}"
    phase_ok = cmap.phase is not None and cmap.phase.problem is None
    if cmap.rectangular:
        rc, ic = cmap.real, cmap.imag
        assert rc is not None and ic is not None
        re_ = rows.values[rc.index] * rc.scale
        im = rows.values[ic.index] * ic.scale * (-1.0 if ic.negated else 1.0)
        z = re_ + 1j * im
        notes["z_imag_sign"] = f"column {ic.name!r} read as {'-' if ic.negated else ''}Im(Z)"
        refs: list[tuple[str, np.ndarray]] = []
        if sign != "headerless":
            if phase_ok:
                pc = cmap.phase
                assert pc is not None
                ph = np.deg2rad(rows.values[pc.index] * pc.scale * (-1.0 if pc.negated else 1.0))
                mc = cmap.modulus
                if mc is not None and mc.problem is None:
                    refs.append(("|Z| and phase", rows.values[mc.index] * mc.scale * np.exp(1j * ph)))
                else:  # a phase alone checks the direction of Z only
                    refs.append(("the phase", np.abs(z) * np.exp(1j * ph)))
            yr, yi = cmap.y_real, cmap.y_imag
            if yr is not None and yi is not None and yr.problem is None and yi.problem is None:
                y = rows.values[yr.index] * yr.scale + 1j * rows.values[yi.index] * yi.scale * (-1 if yi.negated else 1)
                if np.all(y != 0):
                    refs.append(("Y", 1.0 / y))
        if refs:
            z, notes["z_imag_sign"] = _cross_check(z, refs, f, rows.lines, path, ic.name)
        elif sign == "headerless" and np.count_nonzero(im > 0) > im.size / 2:
            z = np.conj(z)
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
    elif cmap.polar:
        mc, pc = cmap.modulus, cmap.phase
        assert mc is not None and pc is not None
        mod = rows.values[mc.index] * mc.scale
        ph = rows.values[pc.index] * pc.scale * (-1.0 if pc.negated else 1.0)
        z = mod * np.exp(1j * np.deg2rad(ph))
        notes["z_imag_sign"] = f"from |Z| and column {pc.name!r} read as {'-' if pc.negated else ''}phase in degrees"
    else:  # pragma: no cover - callers check cmap.complete
        raise InputError("no impedance columns", path)
    if np.all(np.isfinite(z)) and np.all(np.isfinite(f)):
        _plausible(z, f, rows.lines, cmap, path)
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
    cmap.check(tf.path, hl)
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
    lines = tf.lines
    if comment is None:
        return [i for i in range(start, stop) if lines[i].strip()]
    return [i for i in range(start, stop) if (s := lines[i].strip()) and not s.startswith(comment)]


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
