"""RelaxIS spectrum exports (``RelaxIS 3.0 Spectrum export``).

Written here (impedance.py has no RelaxIS reader). Layout: a ``Data: Frequency<TAB>Data: Z'<TAB>Data: Z''...``
names line, then for each spectrum one description line (``DC=..., TM=...<TAB>Model: ...<TAB>(WE/RE
Spectrum) name``) followed by its data lines, ascending in frequency.

Sign: RelaxIS writes ``Z''`` as Im(Z) itself (negative for capacitive points) - the opposite sign of EC-Lab's
``-Im(Z)/Ohm`` column for the same measurement (checked on hybrid-drt's ``PEIS_LPSCl_IonBlocking_-25C``:
``Z''`` = -8093785.5 ohm at 0.1 Hz where EC-Lab's ``-Im(Z)/Ohm`` = 8.0937855E+006). So no conversion is
applied, unless the column is named ``-Z''``, which is then negated.

Each description line starts a new sweep.
"""

from __future__ import annotations

from pathlib import Path

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import (
    Layout,
    detect_layout,
    head_text,
    is_numeric_line,
    read_text,
    split_header,
    table_spectra,
)
from eisrecipe.io.registry import register
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    return 1.0 if head_text(head).startswith("RelaxIS") else 0.0


@register(
    "relaxis",
    extensions=(),
    sniff=_sniff,
    description="RelaxIS spectrum export (Data: Frequency, Data: Z', Data: Z'')",
)
def read(path: Path) -> list[Spectrum]:
    """Read a RelaxIS spectrum export (one sweep per exported spectrum)."""
    tf = read_text(path)
    header = next((i for i, line in enumerate(tf.lines) if line.strip().startswith("Data:")), None)
    if header is None:
        raise InputError("RelaxIS export without a 'Data: Frequency ...' names line", tf.path)
    rows: list[int] = []
    labels: list[int] = []
    block = 0
    for i in range(header + 1, len(tf.lines)):
        s = tf.lines[i].strip()
        if not s:
            continue
        if is_numeric_line(s.split("\t", 1)[0], 1):
            rows.append(i)  # a data line (bad values in it are reported by the parser)
            labels.append(block)
        elif "Model:" in s or "Spectrum" in s or "=" in s:
            block += 1  # description line of the next spectrum
        else:
            raise InputError(f"neither a data line nor a spectrum description: {s[:60]!r}", tf.path, i + 1)
    layout = detect_layout(tf.lines[rows[0]]) if rows else Layout("\t", False)
    return table_spectra(
        tf,
        fmt="relaxis",
        names=split_header(tf.lines[header], layout),
        header_line=header,
        row_lines=rows,
        sign="declared",
        layout=layout,
        strict_count=False,
        labels=labels,
    )
