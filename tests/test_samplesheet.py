"""Sample sheet: schema and semantic checks, with errors naming line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from eisrecipe.errors import InputError
from eisrecipe.io.samplesheet import load_sample_sheet

HEADER = "cell\tspectrum\tfile\tseries\tpressure_mpa\tpressure_mode\ttemperature_c\tarea_cm2"


def make(tmp_path: Path, *rows: str, header: str = HEADER, files: tuple[str, ...] = ("a.txt", "b.txt")) -> Path:
    for name in files:
        (tmp_path / name).write_text("dummy\n")
    (tmp_path / "samples.tsv").write_text("\n".join([header, *rows]) + "\n")
    return tmp_path


def test_valid_sheet_gets_defaults_and_paths(tmp_path: Path) -> None:
    d = make(tmp_path, "c1\ts1\ta.txt\tpressure\t10\t\t25\t0.5", "c1\ts2\tb.txt\ttemperature\t\t\t40\t0.5")
    sheet = load_sample_sheet(d)
    assert list(sheet["spectrum"]) == ["s1", "s2"]
    assert list(sheet["format"]) == ["auto", "auto"]
    assert sheet["pressure_mode"].iloc[0] == "uniaxial"  # default where a pressure is given
    assert sheet["pressure_mode"].isna().iloc[1]
    assert sheet["area_cm2"].dtype == float
    assert Path(sheet["path"].iloc[0]) == (d / "a.txt").resolve()
    assert list(sheet["sheet_line"]) == [2, 3]


@pytest.mark.parametrize(
    ("row", "line", "column", "text"),
    [
        ("c1\ts1\ta.txt\tpressure\t10\t\t25\t0", 2, "area_cm2", "less than or equal to the minimum"),
        ("c1\ts1\ta.txt\tpressure\t10\t\t25\t-1", 2, "area_cm2", "minimum"),
        ("c1\ts1\ta.txt\tpressure\t10\t\t25\tbig", 2, "area_cm2", "not a number"),
        ("c1\ts1\ta.txt\tpressure\t\t\t25\t0.5", 2, "pressure_mpa", "needs pressure_mpa"),
        ("c1\ts1\ta.txt\ttemperature\t10\t\t\t0.5", 2, "temperature_c", "needs temperature_c"),
        ("c1\ts1\ta.txt\tcycling\t10\t\t25\t0.5", 2, "series", "is not one of"),
        ("c1\ts1\ta.txt\tpressure\t10\tbiaxial\t25\t0.5", 2, "pressure_mode", "is not one of"),
        ("c/1\ts1\ta.txt\tpressure\t10\t\t25\t0.5", 2, "cell", "does not match"),
        ("c1\ts1\tmissing.txt\tpressure\t10\t\t25\t0.5", 2, "file", "does not exist"),
        ("c1\ts1\t\tpressure\t10\t\t25\t0.5", 2, "file", "required"),
    ],
)
def test_bad_rows_name_line_and_column(tmp_path: Path, row: str, line: int, column: str, text: str) -> None:
    d = make(tmp_path, "c1\ts0\tb.txt\tpressure\t5\t\t25\t0.5", row.replace("c1\ts1", "c1\ts1"))
    with pytest.raises(InputError, match=text) as info:
        load_sample_sheet(d)
    err = info.value
    assert err.path == str(d / "samples.tsv")
    assert err.line == line + 1  # the good row comes first
    assert err.column == column
    assert f"line {line + 1}" in str(err) and column in str(err)


def test_duplicate_cell_spectrum_names_both_lines(tmp_path: Path) -> None:
    d = make(tmp_path, "c1\ts1\ta.txt\tpressure\t10\t\t25\t0.5", "c1\ts1\tb.txt\tpressure\t20\t\t25\t0.5")
    with pytest.raises(InputError, match=r"line 3.*appears twice \(also line 2\)"):
        load_sample_sheet(d)


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = HEADER.replace("\tarea_cm2", "")
    d = make(tmp_path, "c1\ts1\ta.txt\tpressure\t10\t\t25", header=header)
    with pytest.raises(InputError, match=r"line 1: missing column\(s\) 'area_cm2'"):
        load_sample_sheet(d)


def test_missing_and_empty_sheets(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no sample sheet"):
        load_sample_sheet(tmp_path)
    (tmp_path / "samples.tsv").write_text("")
    with pytest.raises(InputError, match="empty"):
        load_sample_sheet(tmp_path)
    (tmp_path / "samples.tsv").write_text(HEADER + "\n")
    with pytest.raises(InputError, match="no rows"):
        load_sample_sheet(tmp_path)


def test_sweep_must_be_a_positive_whole_number(tmp_path: Path) -> None:
    header = HEADER + "\tsweep"
    d = make(tmp_path, "c1\ts1\ta.txt\tpressure\t10\t\t25\t0.5\t1.5", header=header)
    with pytest.raises(InputError, match="whole number"):
        load_sample_sheet(d)
    d = make(tmp_path, "c1\ts1\ta.txt\tpressure\t10\t\t25\t0.5\t2", header=header)
    assert int(load_sample_sheet(d)["sweep"].iloc[0]) == 2
