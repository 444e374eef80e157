"""The eisrecipe command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eisrecipe.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example"


def test_read_exports_area_specific_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.csv"
    assert main(["read", str(EXAMPLE / "cellA_010MPa.txt"), "--area", "0.5", "-o", str(out)]) == 0
    header, first = out.read_text().splitlines()[:2]
    assert header == "frequency_hz,z_real_ohm_cm2,z_imag_ohm_cm2,source_line"
    f, zr, zi, line = first.split(",")
    # first data line of the file (line 2): freq, Re Z, -Im Z in ohm -> x 0.5 cm^2, sign of Z'' flipped
    raw = [float(v) for v in (EXAMPLE / "cellA_010MPa.txt").read_text().splitlines()[1].split("\t")]
    assert (float(f), float(zr), float(zi), int(line)) == pytest.approx((raw[0], 0.5 * raw[1], -0.5 * raw[2], 2))


def test_kk_prints_window_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kk", str(EXAMPLE / "cellA_010MPa.txt")]) == 0
    text = capsys.readouterr().out
    assert "KK test (whole window)" in text and "kept" in text and "kk_residual" in text
    assert main(["kk", str(EXAMPLE / "cellA_010MPa.txt"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_points"] == 80 and doc["converged"]


def test_check_sheet_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-sheet", str(EXAMPLE)]) == 0
    assert "9 spectra in 2 cell(s)" in capsys.readouterr().out
    assert main(["formats"]) == 0
    assert "biologic-mpt" in capsys.readouterr().out.split()


def test_bad_input_exits_2_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n100\t1\t1\n100\t2\t1\n10\t3\t1\n")
    assert main(["read", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line 3" in err and "repeats" in err
