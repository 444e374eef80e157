"""Princeton Applied Research Parstat (VersaStudio/PowerSuite table) text export.

Written here rather than wrapping ``impedance.preprocessing.readParstat``, which assumes fixed column positions
(3, 4, 5) and loses the line numbers; the reading is the same (checked by the tests). Columns by name:
``Frequency (Hz)``, ``Zre (ohms)``, ``Zim (ohms)``; ``Zim`` = Im(Z) (negative capacitive), no conversion.

The file also logs the DC part of the experiment with frequency, Zre and Zim all 0; those rows are skipped.
"""

from __future__ import annotations

from pathlib import Path

from eisrecipe.errors import InputError
from eisrecipe.io.biologic import not_other_technique
from eisrecipe.io.parsing import data_lines, detect_layout, head_text, read_text, split_header, table_spectra
from eisrecipe.io.registry import register
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    first = head_text(head).split("\n", 1)[0]
    return 0.9 if "Frequency (Hz)" in first and "Zre (ohms)" in first and "Zim (ohms)" in first else 0.0


@register(
    "parstat",
    extensions=(),
    sniff=_sniff,
    description="Parstat text export (Frequency (Hz), Zre (ohms), Zim (ohms); DC rows skipped)",
)
def read(path: Path) -> list[Spectrum]:
    """Read a Parstat text export."""
    tf = read_text(path)
    rows = data_lines(tf, 1)
    if not rows:
        raise InputError("header only: no data lines after the header (line 1)", tf.path)
    layout = detect_layout(tf.lines[rows[0]])
    return table_spectra(
        tf,
        fmt="parstat",
        names=split_header(tf.lines[0], layout),
        header_line=0,
        row_lines=rows,
        sign="declared",
        layout=layout,
        keep=not_other_technique,
    )
