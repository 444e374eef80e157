"""BioLogic EC-Lab text: ``.mpt`` files and the ``.txt`` export (with or without the EC-Lab header).

Written here rather than wrapping ``impedance.preprocessing.readBioLogic``: that reader needs the
``Nb header lines`` header (so it fails on exports without it), does not know decimal commas, appends all loops
of a file into one array (no use of ``cycle number``/``z cycle``), raises bare ``AssertionError``/``ValueError``,
and loses the line numbers. Its reading of the columns is the same as ours (``-Im(Z)/Ohm`` negated); the tests
check that both agree on the example file.

- The header is line ``Nb header lines`` (or the first line holding ``freq/Hz``), tab-separated.
- Z'' = -(``-Im(Z)/Ohm``).
- Sweeps: ``cycle number`` and ``z cycle`` columns when present (a new sweep wherever either changes).
- Rows with frequency, Re(Z) and Im(Z) all 0 are rows of another technique in the same file and are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import (
    ColumnMap,
    Rows,
    data_lines,
    detect_layout,
    head_text,
    read_text,
    split_header,
    table_spectra,
)
from eisrecipe.io.registry import register
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    if text.startswith("EC-Lab ASCII FILE"):
        return 1.0
    first = text.split("\n", 1)[0]
    if (  # EC-Lab text export without the header block: its usual extra columns
        "freq/Hz\t" in first
        and "Re(Z)/Ohm\t" in first
        and any(c in first for c in ("time/s", "cycle number", "|Z|/Ohm", "Phase(Z)/deg", "<Ewe>/V"))
    ):
        return 0.9
    return 0.0


def not_other_technique(rows: Rows, cmap: ColumnMap) -> np.ndarray:
    """Mask of rows that are not all-zero (f, Z', Z'') rows of another technique."""
    # only the columns that were parsed: with Z taken from |Z| and phase, the rectangular columns are not
    cols = [c for c in (cmap.frequency, cmap.real, cmap.imag) if c is not None and c.index in rows.values]
    if not cols:
        return np.ones(len(rows.lines), dtype=bool)
    zero = np.all([rows.values[c.index] == 0 for c in cols], axis=0)
    return ~zero


@register(
    "biologic-mpt",
    extensions=(".mpt",),
    sniff=_sniff,
    description="BioLogic EC-Lab text (.mpt, .txt export): freq/Hz, Re(Z)/Ohm, -Im(Z)/Ohm",
)
def read(path: Path) -> list[Spectrum]:
    """Read an EC-Lab ``.mpt`` (or ``.txt`` export) impedance file."""
    tf = read_text(path)
    header: int | None = None
    if tf.lines[0].startswith("EC-Lab ASCII FILE") and len(tf.lines) > 1:
        m = re.match(r"\s*Nb header lines\s*:\s*(\d+)", tf.lines[1])
        if m:
            k = int(m.group(1)) - 1
            if 0 <= k < len(tf.lines) and "freq/Hz" in tf.lines[k]:
                header = k
    if header is None:
        header = next((i for i, line in enumerate(tf.lines[:1000]) if "freq/Hz" in line), None)
    if header is None:
        raise InputError("EC-Lab file without a 'freq/Hz' column: not an impedance (PEIS/GEIS) record", tf.path)
    rows = data_lines(tf, header + 1, comment=None)
    if not rows:
        raise InputError(f"header only: no data lines after the header (line {header + 1})", tf.path)
    layout = detect_layout(tf.lines[rows[0]])
    names = split_header(tf.lines[header], layout)
    return table_spectra(
        tf,
        fmt="biologic-mpt",
        names=names,
        header_line=header,
        row_lines=rows,
        sign="declared",
        layout=layout,
        strict_count=False,
        keep=not_other_technique,
    )
