"""The workflow's CSVs read back with their text columns as text: a spectrum called "10" stays "10"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eisrecipe.recipe.steps_3_6 import ElementAssignment, _primary_ct, series_seeds
from eisrecipe.serialize import read_results_csv


def test_digit_spectrum_names_stay_text_and_find_their_peaks(tmp_path: Path) -> None:
    """A sheet may name spectra "10", "20" (pandas reads them back as integers). The fit stage's Step 4 seeds look
    the peaks up by those names: read as integers they matched no spectrum, and every element of the series started
    from its fallback (a CT element from a tenth of its smallest DRT area) instead of its own peak."""
    tracks = pd.DataFrame(
        {
            "track": [0, 0, 1, 1],
            "label": ["gb", "gb", "int1", "int1"],
            "spectrum": ["10", "20", "10", "20"],
            "r_ohm_cm2": [60.0, 61.0, 200.0, 100.0],
            "tau_s": [1e-5, 1e-5, 1e-3, 1e-3],
        }
    )
    path = tmp_path / "tracks.csv"
    tracks.to_csv(path, index=False)
    assert pd.read_csv(path)["spectrum"].tolist() == [10, 20, 10, 20]  # what pandas alone gives
    table = read_results_csv(path)
    assert table["spectrum"].tolist() == ["10", "20", "10", "20"] and table["label"].tolist()[0] == "gb"
    a = ElementAssignment(
        order=["10", "20"],
        pressure={"10": 10.0, "20": 20.0},
        elements=["gb", "ct"],
        tracks={"gb": [0], "ct": [1]},
        branch="right",
        drt_order=None,
    )
    seeds = series_seeds(table, a, a.order)
    assert seeds["10"]["ct"] == pytest.approx((200.0, 1e-3)) and seeds["20"]["ct"] == pytest.approx((100.0, 1e-3))
    assert seeds["20"]["gb"] == pytest.approx((61.0, 1e-5))
    # the primary CT among CT-like tracks: the largest DRT area at the highest pressure ("20"), found by its name
    two = pd.concat([table, table.assign(track=2, label="int2", r_ohm_cm2=[1.0, 2.0, 300.0, 150.0])], ignore_index=True)
    track, rule = _primary_ct([1, 2], two[two["track"] > 0], ["10", "20"])
    assert track == 2 and "(20)" in rule
    track, rule = _primary_ct([1, 2], pd.read_csv(path).pipe(lambda t: t.assign(track=t["track"] + 1)), ["10", "20"])
    assert "no peak" in rule  # pandas' integers: the old reading found none
