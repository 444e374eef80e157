"""The paper's logic on typed inputs and outputs: the element vocabulary, the findings of Steps 1-2, 3-6 and 7,
contact area, the temperature-series element assignment and the verdict (Eckhardt et al. 2023; RECIPE.md).

May import: :mod:`eisrecipe.methods`, :mod:`eisrecipe.spectrum`, :mod:`eisrecipe.errors`,
:mod:`eisrecipe.serialize`. Reads and writes no files (docs/architecture.md).
"""
