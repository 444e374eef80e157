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


def test_cpe_tail_switch_reaches_the_peak_finder() -> None:
    # peaks.cpe_tails (default on) is the stage's setting and its record; off, the stage finds the ZARC tail bumps
    import numpy as np

    from eisrecipe.spectrum import Spectrum
    from eisrecipe.stages.drt import run_cell_drt

    assert DrtStageSettings.from_config({}).cpe_tails is True
    off = DrtStageSettings.from_config({"peaks": {"cpe_tails": False}})
    assert off.cpe_tails is False and off.to_dict()["cpe_tails"] is False
    f = np.logspace(6, -2, 81)
    rng = np.random.default_rng(1)
    z = 100.0 + 1500.0 / (1 + (2j * np.pi * f * 1e-3) ** 0.9)
    z = z + 0.002 * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    s = Spectrum(f, z, unit="ohm cm^2", meta={"spectrum": "s0", "series": "temperature", "temperature_c": 25.0})
    on_peaks = run_cell_drt("c", [s], DrtStageSettings.from_config({})).peaks["s0"]
    off_peaks = run_cell_drt("c", [s], off).peaks["s0"]
    assert len([p for p in on_peaks if -5.5 < p.log10_tau < -0.5]) == 1
    assert len([p for p in off_peaks if -5.5 < p.log10_tau < -0.5]) > 1
