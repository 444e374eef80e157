"""Novocontrol (WinDETA) style ASCII export: a few header lines, then ``Freq.[Hz]  Zs'[ohm]  Zs''[ohm]``.

Written here (impedance.py has no reader for it), on the generic table machinery: lines before the names line
(sample name, geometry, ``Fixed value(s)``) are skipped. ``Zs''`` is Im(Z) (negative capacitive), no conversion.
"""

from __future__ import annotations

import re
from pathlib import Path

from eisrecipe.io.parsing import head_text, read_text
from eisrecipe.io.registry import register
from eisrecipe.io.text import read_table
from eisrecipe.spectrum import Spectrum

_NAMES = re.compile(r"Freq\.?\s*\[Hz\].*Zs'", re.IGNORECASE)


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    if _NAMES.search(text[:4000]):
        return 0.8
    return 0.5 if "Fixed value(s)" in text[:4000] else 0.0


@register(
    "novocontrol",
    extensions=(),
    sniff=_sniff,
    description="Novocontrol-style text (Freq.[Hz], Zs'[ohm], Zs''[ohm])",
)
def read(path: Path) -> list[Spectrum]:
    """Read a Novocontrol-style export."""
    return read_table(read_text(path), fmt="novocontrol", sign="declared")
