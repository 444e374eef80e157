"""The Li|LLZO case-study stand-in dataset (data/li_llzo_case_study): files, sheet and ground truth on target."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from eisrecipe.io import read_spectrum
from eisrecipe.io.samplesheet import load_sample_sheet

DATA = Path(__file__).resolve().parents[1] / "data" / "li_llzo_case_study"
PRESSURES = [10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 41.0, 400.0]

pytestmark = pytest.mark.skipif(not (DATA / "samples.tsv").is_file(), reason="case-study dataset not generated")


@pytest.fixture(scope="module")
def sheet():
    return load_sample_sheet(DATA)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((DATA / "ground_truth.json").read_text())


def _by_pressure(truth: dict) -> dict[float, dict]:
    return {e["pressure_mpa"]: e for e in truth["spectra"] if e["series"] == "pressure"}


def test_sheet_loads_with_both_series(sheet) -> None:
    assert set(sheet["cell"]) == {"LiLLZO"}
    p = sheet[sheet["series"] == "pressure"]
    assert sorted(p["pressure_mpa"]) == PRESSURES
    assert list(p.loc[p["pressure_mpa"] == 400.0, "pressure_mode"]) == ["isostatic"]
    t = sheet[sheet["series"] == "temperature"]
    assert len(set(t["temperature_c"])) >= 5
    assert (sheet["area_cm2"] > 0).all()


def test_files_read_with_the_eclab_reader(sheet) -> None:
    for row in sheet.itertuples(index=False):
        s = read_spectrum(row.path, format=row.format)
        auto = read_spectrum(row.path, format="auto")
        np.testing.assert_array_equal(auto.impedance, s.impedance)
        f = s.frequency_hz
        assert f.size == 79 and f.max() == pytest.approx(7e6) and f.min() == pytest.approx(0.1)
        assert np.all(np.isfinite(s.impedance))
        assert s.impedance[-1].real > 0


def test_ground_truth_on_target(truth) -> None:
    by_p = _by_pressure(truth)
    assert 250 <= by_p[10.0]["r_int_ohm_cm2"] <= 350
    assert 40 <= by_p[41.0]["r_int_ohm_cm2"] <= 60
    assert by_p[400.0]["r_int_ohm_cm2"] < 0.1
    fr = [by_p[p]["contact_fraction"] for p in PRESSURES]
    assert fr[0] == pytest.approx(0.2, abs=0.02) and fr[-1] >= 0.99
    assert all(b > a for a, b in itertools.pairwise(fr))
    r_int = [by_p[p]["r_int_ohm_cm2"] for p in PRESSURES]
    assert all(b < a for a, b in itertools.pairwise(r_int))
    ea = truth["activation_energies_dc_ev"]
    assert ea["bulk"] == pytest.approx(0.34, abs=0.005)
    assert 0.35 <= ea["int_dc"] <= 0.39
    e10 = by_p[10.0]["elements"]
    assert 1e-5 < e10["tau_gb_s"] < 2e-5
    assert truth["area_cm2"] == pytest.approx(0.503)
