"""Per-cell validation stage: read -> normalise -> KK -> crop, with bad spectra isolated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eisrecipe.errors import InputError
from eisrecipe.io.samplesheet import load_sample_sheet
from eisrecipe.methods.crop import CropSettings
from eisrecipe.stages.validate import CellValidation, load_validated, settings_for_cell, validate_cell

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """The example dataset's cellA plus a broken file in the same cell."""
    d = tmp_path / "ds"
    d.mkdir()
    for name in ["cellA_010MPa.txt", "cellA_041MPa.txt"]:
        shutil.copy(EXAMPLE / name, d / name)
    good = (EXAMPLE / "cellA_020MPa.txt").read_text().splitlines()
    good[5] = good[5].split("\t")[0] + "\tnan\t1.0"  # line 6 of the file
    (d / "broken.txt").write_text("\n".join(good) + "\n")
    rows = [
        "cell\tspectrum\tfile\tseries\tpressure_mpa\tarea_cm2",
        "cellA\tp010\tcellA_010MPa.txt\tpressure\t10\t0.5",
        "cellA\tp020\tbroken.txt\tpressure\t20\t0.5",
        "cellA\tp041\tcellA_041MPa.txt\tpressure\t41\t0.5",
    ]
    (d / "samples.tsv").write_text("\n".join(rows) + "\n")
    return d


def test_bad_spectrum_is_excluded_and_the_others_validated(dataset: Path, tmp_path: Path) -> None:
    sheet = load_sample_sheet(dataset)
    result = validate_cell(sheet, CropSettings())
    assert [r["spectrum"] for r in result.records] == ["p010", "p041"]
    assert len(result.excluded) == 1
    error = result.excluded[0]["error"]
    assert "broken.txt" in error and "line 6" in error and "NaN" in error

    result.write(tmp_path / "out" / "spectra.csv", tmp_path / "out" / "validation.json")
    table = pd.read_csv(tmp_path / "out" / "spectra.csv")
    doc = json.loads((tmp_path / "out" / "validation.json").read_text())
    assert doc["n_accepted"] == 2 and doc["n_excluded"] == 1
    assert set(table["spectrum"]) == {"p010", "p041"}

    # area normalisation: ohm cm^2 = ohm x 0.5 cm^2; the raw file line is kept for every point
    raw = np.loadtxt(EXAMPLE / "cellA_010MPa.txt", skiprows=1)
    p010 = table[table["spectrum"] == "p010"].sort_values("source_line")
    np.testing.assert_allclose(p010["z_real_ohm_cm2"], raw[:, 1] * 0.5, rtol=1e-9)
    np.testing.assert_allclose(p010["z_imag_ohm_cm2"], -raw[:, 2] * 0.5, rtol=1e-9)
    assert list(p010["source_line"]) == list(range(2, raw.shape[0] + 2))

    # the drift below 1 Hz (data/example/generate.py) fails the KK test and is cropped
    record = doc["spectra"][0]
    lo = record["window_hz"][0]
    assert 0.1 < lo <= 2.0
    assert record["dropped_by_reason"]["kk_residual"] > 0
    assert record["window_hz"][1] == pytest.approx(7e6)  # the high-frequency end passes
    kept = p010[p010["kept"]]
    assert np.all(np.abs(kept[["kk_residual_real", "kk_residual_imag"]].to_numpy()) < 0.2)
    assert len(record["sha256"]) == 64

    # the next stage reads back the kept points with their metadata
    spectra = load_validated(tmp_path / "out" / "spectra.csv", tmp_path / "out" / "validation.json")
    assert [s.meta["spectrum"] for s in spectra] == ["p010", "p041"]
    assert spectra[0].unit == "ohm cm^2" and spectra[0].n_points == record["n_kept"]
    assert spectra[0].meta["pressure_mpa"] == 10.0
    assert spectra[0].meta["kk_noise"] == record["noise_level"] > 0  # the kept window's measured noise
    # a validation.json written before noise_level existed: the KK fit's estimate
    old = json.loads((tmp_path / "out" / "validation.json").read_text())
    for rec in old["spectra"]:
        del rec["noise_level"]
    (tmp_path / "out" / "validation.json").write_text(json.dumps(old))
    again = load_validated(tmp_path / "out" / "spectra.csv", tmp_path / "out" / "validation.json")
    assert again[0].meta["kk_noise"] == record["kk_final"]["noise_estimate"]
    np.testing.assert_allclose(spectra[0].frequency_hz, kept["frequency_hz"])


def test_cell_without_any_good_spectrum_fails_with_all_reasons(dataset: Path) -> None:
    sheet = load_sample_sheet(dataset)
    only_bad = sheet[sheet["spectrum"] == "p020"]
    with pytest.raises(InputError, match=r"no spectrum of cell 'cellA'.*p020: .*broken\.txt"):
        validate_cell(only_bad, CropSettings())


def test_per_cell_overrides() -> None:
    config = {"crop": {"kk_threshold": 0.04, "f_max_hz": 1e6, "cells": {"c2": {"f_max_hz": 2e5}}}, "kk": {}}
    assert settings_for_cell(config, "c1").f_max_hz == 1e6
    assert settings_for_cell(config, "c2").f_max_hz == 2e5
    assert settings_for_cell(config, "c2").kk_threshold == 0.04


EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
UNCONVERGED = EXTERNAL / "hybrid-drt" / "PEIS_LPSCl_IonBlocking_-25C.txt"


@pytest.mark.skipif(not UNCONVERGED.is_file(), reason=f"external data not present ({UNCONVERGED})")
@pytest.mark.filterwarnings("ignore::eisrecipe.EisRecipeWarning")
def test_a_crop_that_does_not_converge_is_flagged_or_excluded(tmp_path: Path) -> None:
    """A measured ion-blocking LPSCl spectrum at -25 C keeps a 5.5 % KK residual after five crop rounds when the KK
    model has no series capacitor (``kk.capacitance: false``); with the default ``auto`` the capacitor is chosen for
    its blocking spur and the crop converges (issue 17)."""
    from eisrecipe.methods.crop import KKSettings
    from eisrecipe.stages.validate import validate_spectrum

    row = {"path": str(UNCONVERGED), "file": UNCONVERGED.name, "cell": "c", "spectrum": "s", "area_cm2": 1.0}
    no_c = KKSettings(capacitance=False)
    _, record = validate_spectrum(row, CropSettings(kk=no_c))
    assert record["converged"] is False
    assert record["quality_flags"] and "did not converge" in record["quality_flags"][0]
    with pytest.raises(InputError, match=r"did not converge.*crop\.unconverged = exclude"):
        validate_spectrum(row, CropSettings(unconverged="exclude", kk=no_c))
    _, auto = validate_spectrum(row, CropSettings())
    assert auto["converged"] is True


def test_reader_notes_reach_the_validation_record(tmp_path: Path) -> None:
    """Points out of order are sorted by the reader; the record says so (not only the log)."""
    from eisrecipe.stages.validate import validate_spectrum

    lines = (EXAMPLE / "cellA_041MPa.txt").read_text().splitlines()
    header_end = next(i for i, line in enumerate(lines) if line[:1].isdigit())
    body = lines[header_end:]
    body[1], body[2] = body[2], body[1]
    path = tmp_path / "swapped.txt"
    path.write_text("\n".join(lines[:header_end] + body) + "\n")
    row = {"path": str(path), "file": path.name, "cell": "c", "spectrum": "s", "area_cm2": 0.5}
    with pytest.warns(Warning, match="order"):
        _, record = validate_spectrum(row, CropSettings())
    assert "frequency_order" in record["reader_notes"]


def test_a_non_finite_kk_summary_does_not_lose_the_cell(tmp_path: Path) -> None:
    # Schonleber's mu is -inf for a KK fit without one positive R_k (two cells of the full validation matrix): the
    # cell's record is written with null there instead of failing the job and losing every spectrum of the cell
    record = {"spectrum": "p1", "kk_final": {"mu": float("-inf"), "n_rc": 3}, "noise_level": 0.002}
    out = CellValidation(cell="c", table=pd.DataFrame({"spectrum": ["p1"]}), records=[record])
    out.write(tmp_path / "spectra.csv", tmp_path / "validation.json")
    doc = json.loads((tmp_path / "validation.json").read_text())
    assert doc["spectra"][0]["kk_final"] == {"mu": None, "n_rc": 3} and doc["spectra"][0]["noise_level"] == 0.002
