"""Scribner ZPlot/ZView ``.z`` files (``ZPLOT2 ASCII``).

Written here rather than wrapping ``impedance.preprocessing.readZPlot`` only to keep line numbers, decimal-comma
and error handling; the reading is the same (checked by the tests): data after ``End Comments`` (or after the
``Freq(Hz)`` names line when there is no metadata block), frequency in column ``Freq(Hz)``, Z' in ``Z'(a)``,
Z'' in ``Z''(b)``; ``Z''(b)`` is Im(Z) (negative capacitive), no conversion.

When the header's ``Data Points:`` disagrees with the number of data lines (e.g. impedance.py's
``exampleDataZPlot.z`` announces 56 but holds 21) an :class:`~eisrecipe.errors.EisRecipeWarning` says so;
the points present are read.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from eisrecipe.errors import EisRecipeWarning
from eisrecipe.io.parsing import (
    data_lines,
    detect_layout,
    head_text,
    read_text,
    split_header,
    table_spectra,
)
from eisrecipe.io.registry import register
from eisrecipe.spectrum import Spectrum

#: column order of a ZPlot data line when the file has no names line
DEFAULT_NAMES = ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"]


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    if text.startswith("ZPLOT2 ASCII"):
        return 1.0
    return 0.7 if "Freq(Hz)" in text and "Z'(a)" in text else 0.0


@register(
    "zplot",
    extensions=(".z",),
    sniff=_sniff,
    description="Scribner ZPlot/ZView .z (ZPLOT2 ASCII)",
)
def read(path: Path) -> list[Spectrum]:
    """Read a ZPlot ``.z`` file."""
    tf = read_text(path)
    header = next((i for i, line in enumerate(tf.lines) if line.strip().startswith("Freq(Hz)")), None)
    end = next((i for i, line in enumerate(tf.lines) if line.strip().startswith("End Comments")), None)
    start = end + 1 if end is not None else (header + 1 if header is not None else 0)
    rows = data_lines(tf, start, comment=None)
    names = DEFAULT_NAMES
    if header is not None and rows:
        names = split_header(tf.lines[header], detect_layout(tf.lines[rows[0]]))
    spectra = table_spectra(
        tf,
        fmt="zplot",
        names=names,
        header_line=header,
        row_lines=rows,
        sign="declared",
        strict_count=False,
    )
    announced = next(
        (int(m.group(1)) for line in tf.lines[:start] if (m := re.match(r"\s*Data Points:\s*(\d+)", line))),
        None,
    )
    n = sum(s.n_points for s in spectra)
    if announced is not None and announced != n:
        warnings.warn(
            f"{tf.path}: the header announces {announced} data points but the file holds {n}; "
            "reading the points present",
            EisRecipeWarning,
            stacklevel=3,
        )
    return spectra
