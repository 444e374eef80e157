"""Princeton Applied Research VersaStudio ``.par`` files.

Written here rather than wrapping ``impedance.preprocessing.readVersaStudio``: that reader takes only
``<Segment1>`` and assumes fixed column positions (9, 14, 15); ours reads the column names from each segment's
``Definition=`` line and every segment with impedance columns. Both agree on the example file (checked by the
tests): ``Frequency(Hz)``, ``Z Real``, ``Z Imag`` in ohm, ``Z Imag`` = Im(Z) (negative capacitive), no
conversion.

Each ``<SegmentN>`` with frequency and impedance columns is a sweep (segments without them, e.g. DC steps, are
skipped). The ``Definition=`` list may carry one more name than the data lines have fields; only the used
columns must be present.
"""

from __future__ import annotations

import re
from pathlib import Path

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import (
    Layout,
    head_text,
    map_columns,
    read_text,
    table_spectra,
)
from eisrecipe.io.registry import register
from eisrecipe.io.sweeps import renumber
from eisrecipe.spectrum import Spectrum


def _sniff(path: Path, head: str | bytes) -> float:
    text = head_text(head)
    if text.lstrip().startswith("<Application>") and "VersaStudio" in text[:500]:
        return 1.0
    return 0.0


@register(
    "versastudio",
    extensions=(".par",),
    sniff=_sniff,
    description="Princeton Applied Research VersaStudio .par (Segment Definition: Frequency(Hz), Z Real, Z Imag)",
)
def read(path: Path) -> list[Spectrum]:
    """Read the impedance segments of a VersaStudio ``.par`` file."""
    tf = read_text(path)
    out: list[Spectrum] = []
    i = 0
    n = len(tf.lines)
    layout = Layout(",", False)
    while i < n:
        m = re.match(r"\s*<Segment(\d+)>\s*$", tf.lines[i])
        if not m:
            i += 1
            continue
        end_tag = f"</Segment{m.group(1)}>"
        j = i + 1
        definition: int | None = None
        rows: list[int] = []
        while j < n and tf.lines[j].strip() != end_tag:
            s = tf.lines[j].strip()
            if s.startswith("Definition="):
                definition = j
            elif s and definition is not None and "=" not in s:
                rows.append(j)
            j += 1
        if j >= n:
            raise InputError(f"<Segment{m.group(1)}> is not closed by {end_tag}", tf.path, i + 1)
        if definition is not None and rows:
            names = [x.strip() for x in tf.lines[definition].split("=", 1)[1].split(",")]
            if map_columns(names, tf.path, definition + 1).complete:
                out.extend(
                    table_spectra(
                        tf,
                        fmt="versastudio",
                        names=names,
                        header_line=definition,
                        row_lines=rows,
                        sign="declared",
                        layout=layout,
                        strict_count=False,
                        meta={"segment": int(m.group(1))},
                    )
                )
        i = j + 1
    if not out:
        raise InputError("no segment with impedance data (Frequency(Hz), Z Real, Z Imag)", tf.path)
    return renumber(out)
