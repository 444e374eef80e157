"""CH Instruments A.C. impedance text export.

Written here rather than wrapping ``impedance.preprocessing.readCHInstruments`` (fixed column positions, no
error handling, no line numbers); the reading is the same (checked by the tests): names line
``Freq/Hz, Z'/ohm, Z"/ohm, Z/ohm, Phase/deg`` after the settings block, a blank line, then comma-separated
data. ``Z"`` is Im(Z) (negative capacitive, consistent with the ``Phase/deg`` column), no conversion.
"""

from __future__ import annotations

from pathlib import Path

from eisrecipe.io.parsing import head_text, read_text
from eisrecipe.io.registry import register
from eisrecipe.io.text import read_table
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    return 1.0 if "A.C. Impedance" in text[:500] and "Freq/Hz" in text else 0.0


@register(
    "chinstruments",
    extensions=(),
    sniff=_sniff,
    description="CH Instruments A.C. impedance text (Freq/Hz, Z'/ohm, Z\"/ohm)",
)
def read(path: Path) -> list[Spectrum]:
    """Read a CH Instruments impedance export."""
    return read_table(read_text(path), fmt="chinstruments", sign="declared")
