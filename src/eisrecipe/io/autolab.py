"""Metrohm Autolab exports: the ``Z60W Data File`` text of impedance.py's example and NOVA tables.

Written here rather than wrapping ``impedance.preprocessing.readAutolab`` (fixed column positions 0, 4, 5, the
*last* line containing "Freq" taken as header, no error handling, no line numbers); the reading of the example
is the same (checked by the tests).

- Z60W: a quoted, space-separated names line ``"  Freq (Hz) ... Z'(a)    Z''(b) ..."`` and comma-separated
  data; ``Z''(b)`` is Im(Z) (negative capacitive), no conversion.
- NOVA: ``Frequency (Hz);Z' (Ω);-Z'' (Ω);Z (Ω);-Phase (°)...`` (semicolon, tab or comma; decimal comma
  recognised); ``-Z''`` is negated.
"""

from __future__ import annotations

from pathlib import Path

from eisrecipe.io.parsing import head_text, read_text
from eisrecipe.io.registry import register
from eisrecipe.io.text import read_table
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    if "Z60W Data File" in text[:200]:
        return 0.9
    if "Frequency (Hz)" in text and "-Z'' (Ω)" in text:
        return 0.8
    return 0.0


@register(
    "autolab",
    extensions=(),
    sniff=_sniff,
    description="Metrohm Autolab (Z60W text, NOVA export with -Z'')",
)
def read(path: Path) -> list[Spectrum]:
    """Read an Autolab impedance export."""
    return read_table(read_text(path), fmt="autolab", sign="declared", strict_count=False)
