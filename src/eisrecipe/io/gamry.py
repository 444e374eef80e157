"""Gamry Framework ``.DTA`` files: the ``ZCURVE`` table(s) of EIS experiments (potentiostatic or galvanostatic).

Written here rather than wrapping ``impedance.preprocessing.readGamry``: that reader silently returns garbage
(or raises ``UnboundLocalError``) when there is no ZCURVE table, reads only the last ZCURVE of a file, and
loses the line numbers. Where both work they agree (checked by the tests): ``Freq`` in Hz, ``Zreal`` and
``Zimag`` in ohm, ``Zimag`` = Im(Z) (negative capacitive), no conversion.

- After ``ZCURVE<TAB>TABLE`` come a names line, a units line and tab-indented data lines; the table ends at
  the first line that is not tab-indented (``EXPERIMENTABORTED``, the next table ...).
- Each ZCURVE table is a sweep; decimal commas are recognised.
"""

from __future__ import annotations

from pathlib import Path

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import detect_layout, head_text, read_text, split_header, table_spectra
from eisrecipe.io.registry import register
from eisrecipe.io.sweeps import renumber
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    if not text.startswith("EXPLAIN"):
        return 0.0
    return 1.0 if "ZCURVE" in text or "EIS" in text[:300] else 0.8


@register(
    "gamry",
    extensions=(".dta",),
    sniff=_sniff,
    description="Gamry Framework .DTA (ZCURVE table: Freq, Zreal, Zimag)",
)
def read(path: Path) -> list[Spectrum]:
    """Read the ZCURVE table(s) of a Gamry ``.DTA`` file."""
    tf = read_text(path)
    tables = [i for i, line in enumerate(tf.lines) if line.split("\t", 1)[0].strip() == "ZCURVE"]
    if not tables:
        raise InputError("no ZCURVE table: not an impedance (EIS) file", tf.path)
    out: list[Spectrum] = []
    for t in tables:
        header = t + 1
        if header >= len(tf.lines):
            raise InputError("ZCURVE table without column names", tf.path, t + 1)
        rows = []
        i = t + 3  # names line, units line
        while i < len(tf.lines) and tf.lines[i][:1] in ("\t", " ") and tf.lines[i].strip():
            rows.append(i)
            i += 1
        if not rows:
            raise InputError(f"ZCURVE table (line {t + 1}) holds no data lines", tf.path, t + 1)
        layout = detect_layout(tf.lines[rows[0]])
        names = split_header(tf.lines[header], layout)
        out.extend(
            table_spectra(
                tf,
                fmt="gamry",
                names=names,
                header_line=header,
                row_lines=rows,
                sign="declared",
                layout=layout,
                strict_count=False,
                meta={"table_line": t + 1},
            )
        )
    return renumber(out)
