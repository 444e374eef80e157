"""Per-cell HTML report and dataset summary (the last stage: it reads the stage outputs, computes no science).

- :mod:`eisrecipe.report.data`: load a cell's stage outputs (robust to missing or empty parts);
- :mod:`eisrecipe.report.figures`: one matplotlib figure per plot, from the parsed outputs;
- :mod:`eisrecipe.report.formatting`: numbers with significant digits, standard errors and units;
- :mod:`eisrecipe.report.html`: render ``report.html`` (one self-contained file) and ``summary.csv``/``summary.html``.

Everything written is byte-stable: fixed SVG hash salt, no dates, sorted iteration; SVG text stays text (with a
sans-serif fallback).
"""

from eisrecipe.report.data import CellData, load_cell

__all__ = ["CellData", "load_cell"]
