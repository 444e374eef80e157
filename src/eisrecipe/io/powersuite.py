"""Princeton Applied Research PowerSuite text export (``Frequency<TAB>Zre<TAB>Zimg``).

Written here rather than wrapping ``impedance.preprocessing.readPowerSuite`` (which unpacks exactly three
tab-separated fields per line and fails on anything else); the reading is the same (checked by the tests).
``Zimg`` is Im(Z) (negative capacitive), no conversion. The example file ends its lines with ``\\r\\r\\n``,
which universal newlines count as two lines: line numbers follow that count.
"""

from __future__ import annotations

import re
from pathlib import Path

from eisrecipe.io.parsing import head_text, read_text
from eisrecipe.io.registry import register
from eisrecipe.io.text import read_table
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    return 0.9 if re.match(r"\s*Frequency\s*\t\s*Zre\s*\t\s*Zimg", text) else 0.0


@register(
    "powersuite",
    extensions=(),
    sniff=_sniff,
    description="PowerSuite text (Frequency, Zre, Zimg)",
)
def read(path: Path) -> list[Spectrum]:
    """Read a PowerSuite impedance export."""
    return read_table(read_text(path), fmt="powersuite", sign="declared")
