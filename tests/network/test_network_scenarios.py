"""Scenarios, Arrhenius temperature dependence and the dataset writer."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from eisrecipe.errors import InputError
from eisrecipe.io.samplesheet import load_sample_sheet
from eisrecipe.network.scenarios import (
    SAMPLE_COLUMNS,
    Material,
    Scenario,
    arrhenius_factor,
    dataset_is_current,
    expand,
    scenarios_from_config,
    simulate,
    write_dataset_from_config,
)

SMALL = {"size_um": (100.0, 100.0, 100.0), "voxel_um": 12.5, "mean_grain_um": 40.0, "f_min_hz": 1e-2}


def test_arrhenius_factor() -> None:
    assert arrhenius_factor(0.34, 25.0, 25.0) == 1.0
    t1, t2 = 273.15 - 20, 273.15 + 25
    expected = (t2 / t1) * math.exp(-0.34 / 8.617333262e-5 * (1 / t1 - 1 / t2))
    assert arrhenius_factor(0.34, -20.0, 25.0) == pytest.approx(expected, rel=1e-12)
    v = Material().at(-20.0)
    assert v.sigma_bulk_s_cm == pytest.approx(4.6e-4 * expected)
    assert v.c_dl_f_cm2 == Material().c_dl_f_cm2  # capacitances do not depend on T


def test_simulate_full_contact_ground_truth() -> None:
    res = simulate(Scenario("s1", morphology="full", gb_model="none", **SMALL))
    spec = res.spectrum
    assert spec.unit == "ohm cm^2"
    truth = res.truth
    # bulk + uniform CT: R_dc = L/sigma + R_Pol (area-specific)
    assert res.r_dc_ohm_cm2 == pytest.approx(truth["r_bulk_ohm_cm2"] + 0.5, rel=1e-9)
    assert truth["r_cstr_ohm_cm2"] == 0.0
    assert spec.impedance[-1].real == pytest.approx(res.r_dc_ohm_cm2, rel=1e-3)
    assert np.all(spec.impedance.imag <= 0)
    assert res.drt.r.sum() + res.r_inf_ohm_cm2 == pytest.approx(res.r_dc_ohm_cm2, rel=1e-12)


def test_constriction_truth_and_temperature() -> None:
    base = Scenario("s", morphology="disordered", contact_fraction=0.25, correlation_um=25.0, **SMALL)
    cold = simulate(Scenario.from_dict({**base.to_dict(), "spectrum": "cold", "temperature_c": -20.0}))
    warm = simulate(base)
    for r in (cold, warm):
        t = r.truth
        assert t["r_cstr_ohm_cm2"] is not None and t["r_cstr_ohm_cm2"] > 0
        assert t["r_gb_ohm_cm2"] is not None and t["r_gb_ohm_cm2"] > 0
        assert r.contact_fraction == pytest.approx(0.25, abs=1 / 64)
    # the constriction resistance is a bulk resistance: same activation as sigma_bulk (no GB here at full order)
    ratio = cold.truth["r_cstr_ohm_cm2"] / warm.truth["r_cstr_ohm_cm2"]  # type: ignore[operator]
    assert ratio == pytest.approx(1 / arrhenius_factor(0.34, -20.0, 25.0), rel=0.1)
    assert cold.r_dc_ohm_cm2 > warm.r_dc_ohm_cm2


def test_expand_and_from_dict() -> None:
    scen = expand({"cell": "c1", "morphology": "spot", "contact_fractions": [1.0, 0.5], "temperatures_c": [25, -20]})
    assert len(scen) == 4
    assert len({s.spectrum for s in scen}) == 4
    assert {s.series for s in scen} == {"pressure"}
    t_only = expand({"cell": "c2", "temperatures_c": [0, 20, 40], "material": {"r_pol_ohm_cm2": 5.0}})
    assert {s.series for s in t_only} == {"temperature"}
    assert t_only[0].material.r_pol_ohm_cm2 == 5.0
    with pytest.raises(InputError, match="unknown scenario keys"):
        Scenario.from_dict({"spectrum": "x", "colour": "red"})
    round_trip = Scenario.from_dict(scen[1].to_dict())
    assert round_trip == scen[1]


def test_write_dataset(tmp_path: Path) -> None:
    cfg = {
        "area_cm2": 0.5,
        "cells": [
            {
                "cell": "simA",
                "morphology": "spot",
                "contact_fractions": [1.0, 0.3],
                "pressures_mpa": [400, 10],
                "pressure_mode": "isostatic",
                **SMALL,
            },
            {
                "cell": "simB",
                "morphology": "sei_spot",
                "contact_fraction": 0.2,
                "temperatures_c": [25, 0],
                "gb_model": "brick",
                **SMALL,
            },
        ],
    }
    sheet = write_dataset_from_config(cfg, tmp_path / "ds", noise_rel=1e-3)
    with sheet.open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert tuple(rows[0]) == SAMPLE_COLUMNS
    assert len(rows) == 4
    assert rows[0]["area_cm2"] == "0.5"
    truth = json.loads((tmp_path / "ds" / "ground_truth.json").read_text())
    by_name = {t["spectrum"]: t for t in truth["spectra"]}
    for row in rows:
        path = tmp_path / "ds" / row["file"]
        lines = path.read_text().splitlines()
        assert lines[0] == "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm"
        data = np.loadtxt(path, skiprows=1)
        t = by_name[row["spectrum"]]
        # raw ohm = ASR / area; the lowest frequency approaches R_dc
        assert data[-1, 1] * 0.5 == pytest.approx(t["r_dc_ohm_cm2"], rel=0.02)
        assert sum(t["drt"]["r_ohm_cm2"]) == pytest.approx(t["r_dc_ohm_cm2"], rel=1e-9)
    assert (tmp_path / "ds" / "README.md").exists()
    # deterministic
    sheet2 = write_dataset_from_config(cfg, tmp_path / "ds2", noise_rel=1e-3)
    for row in rows:
        assert (tmp_path / "ds" / row["file"]).read_bytes() == (sheet2.parent / row["file"]).read_bytes()


def test_config_path_gives_valid_sample_sheets() -> None:
    """A pressure series needs nominal pressures (the sheet requires pressure_mpa); checked before simulating."""
    series = {"cell": "p", "morphology": "spot", "contact_fractions": [0.5, 1.0], **SMALL}
    with pytest.raises(InputError, match="pressures_mpa"):
        scenarios_from_config({"cells": [series]})
    with pytest.raises(InputError, match="pressures_mpa"):
        scenarios_from_config({"cells": [{**series, "pressure_mpa": 10.0}]})  # one label for two fractions
    ok = scenarios_from_config({"cells": [{**series, "pressures_mpa": [10, 400]}]})
    assert [s.pressure_mpa for s in ok] == [10.0, 400.0]
    single = {"cell": "one", **SMALL}  # one spectrum defaults to a pressure series
    with pytest.raises(InputError, match="pressure series"):
        scenarios_from_config({"cells": [single]})
    assert scenarios_from_config({"cells": [{**single, "pressure_mpa": 5}]})[0].pressure_mpa == 5.0
    temps = scenarios_from_config({"cells": [{"cell": "t", "temperatures_c": [0, 25]}]})
    assert {s.series for s in temps} == {"temperature"}
    with pytest.raises(InputError, match="no 'cells'"):
        scenarios_from_config({"cells": []})


def test_dataset_from_config_is_valid_reproducible_and_recorded(tmp_path: Path) -> None:
    cfg = {
        "area_cm2": 0.5,
        "noise_rel": 1e-3,
        "cells": [{"cell": "p", "morphology": "spot", "contact_fractions": [0.5, 1.0], "pressures_mpa": [10, 400]}],
    }
    cfg["cells"][0].update(SMALL, points_per_decade=3)
    write_dataset_from_config(cfg, tmp_path / "a")
    write_dataset_from_config(cfg, tmp_path / "b")
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == 5  # 2 spectra, samples.tsv, ground_truth.json, README.md
    for rel in files:  # byte-reproducible, ground truth included
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    sheet = load_sample_sheet(tmp_path / "a")  # a valid sample sheet
    assert list(sheet["pressure_mpa"]) == [10.0, 400.0] and (sheet["thickness_cm"] == 0.01).all()
    assert dataset_is_current(cfg, tmp_path / "a")
    assert not dataset_is_current({**cfg, "noise_seed": 1}, tmp_path / "a")
    assert not dataset_is_current(cfg, tmp_path / "missing")
    with pytest.raises(InputError, match="unknown simulation config keys"):
        write_dataset_from_config({**cfg, "nosie_rel": 0.1}, tmp_path / "c")
