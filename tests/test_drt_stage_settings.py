"""DRT-stage settings from the workflow config: per-cell overrides (``drt.cells.<cell>``) of the ``drt`` keys."""

from __future__ import annotations

import pytest

from eisrecipe.errors import InputError
from eisrecipe.stages.drt import DrtStageSettings

CONFIG = {
    "drt": {"data": "real", "lambda_method": "gcv", "cells": {"LiLLZO": {"data": "both", "lambda_method": "lcurve"}}},
    "peaks": {"prominence": 0.05},
}


def test_cell_override_applies_to_that_cell_only() -> None:
    assert DrtStageSettings.from_config(CONFIG, "LiLLZO").drt.data == "both"
    assert DrtStageSettings.from_config(CONFIG, "LiLLZO").drt.lambda_method == "lcurve"
    assert DrtStageSettings.from_config(CONFIG, "other").drt.data == "real"
    assert DrtStageSettings.from_config(CONFIG).drt.data == "real"  # no cell: the dataset-wide keys
    assert CONFIG["drt"]["cells"]  # the caller's config is not consumed


def test_bad_override_is_named() -> None:
    bad = {"drt": {"cells": {"x": {"data": "phase"}}}}
    with pytest.raises(InputError, match="phase"):
        DrtStageSettings.from_config(bad, "x")
