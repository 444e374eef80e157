"""Sample sheet: schema and semantic checks, with errors naming line and column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eisrecipe.errors import InputError
from eisrecipe.io.samplesheet import DATASET_OUTPUTS, RESERVED_CELL_NAMES, load_sample_sheet

REPO = Path(__file__).resolve().parents[1]

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
        ("c/1\ts1\ta.txt\tpressure\t10\t\t25\t0.5", 2, "cell", "cell name .c/1. is not allowed: ASCII letters, digits"),
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


@pytest.mark.parametrize(
    ("row", "column", "text"),
    [
        ("c1\ts1\ta.txt\tpressure\tinf\t\t25\t0.5", "pressure_mpa", "'inf' is not a finite number"),
        ("c1\ts1\ta.txt\tpressure\tnan\t\t25\t0.5", "pressure_mpa", "'nan' is not a finite number"),
        ("c1\ts1\ta.txt\tpressure\t-5\t\t25\t0.5", "pressure_mpa", "less than the minimum of 0"),
        ("c1\ts1\ta.txt\ttemperature\t\t\t-inf\t0.5", "temperature_c", "not a finite number"),
        ("c1\ts1\ta.txt\ttemperature\t\t\t-300\t0.5", "temperature_c", "less than the minimum of -273.15"),
        ("c1\ts1\ta.txt\tpressure\t10\t\t25\tInfinity", "area_cm2", "not a finite number"),
        ("c1\ts1\ta.txt\tpressure\t10\t\t25\t-0.5", "area_cm2", "minimum"),
        ("a b\ts1\ta.txt\tpressure\t10\t\t25\t0.5", "cell", "cell name 'a b' is not allowed"),
        ("..\ts1\ta.txt\tpressure\t10\t\t25\t0.5", "cell", "cell name '..' is not allowed"),
        ("cé\ts1\ta.txt\tpressure\t10\t\t25\t0.5", "cell", "ASCII letters"),
        ("c1\ts 1\ta.txt\tpressure\t10\t\t25\t0.5", "spectrum", "spectrum name 's 1' is not allowed"),
    ],
)
def test_non_finite_negative_and_bad_names_are_refused(tmp_path: Path, row: str, column: str, text: str) -> None:
    d = make(tmp_path, "c1\ts0\tb.txt\tpressure\t5\t\t25\t0.5", "", row)  # a blank line: row is on line 4
    with pytest.raises(InputError, match=text) as info:
        load_sample_sheet(d)
    assert (info.value.line, info.value.column) == (4, column)
    assert str(info.value).startswith(f"{d / 'samples.tsv'}, line 4, column '{column}'")


def test_allowed_cell_names(tmp_path: Path) -> None:
    rows = [f"{c}\ts1\ta.txt\tpressure\t10\t\t25\t0.5" for c in ("a+", "A.b-c_1", "9x+")]
    assert list(load_sample_sheet(make(tmp_path, *rows))["cell"]) == ["a+", "A.b-c_1", "9x+"]


@pytest.mark.parametrize("name", sorted(RESERVED_CELL_NAMES))
def test_cell_named_like_a_dataset_output_is_refused(tmp_path: Path, name: str) -> None:
    """A cell called ``summary_figures`` would write its folder over the dataset's cross-cell figures (issue 18)."""
    d = tmp_path / "my_data"
    d.mkdir()
    make(d, "c1\ts0\tb.txt\tpressure\t5\t\t25\t0.5", "", f"{name}\ts1\ta.txt\tpressure\t10\t\t25\t0.5")
    with pytest.raises(InputError, match=f"cell name '{name}' is not allowed") as info:
        load_sample_sheet(d)
    assert (info.value.path, info.value.line, info.value.column) == (str(d / "samples.tsv"), 4, "cell")
    message = str(info.value)
    assert message.startswith(f"{d / 'samples.tsv'}, line 4, column 'cell': ")
    assert f"results/my_data/{name} is {RESERVED_CELL_NAMES[name]}" in message
    assert "collide" in message and "rename the cell" in message


def test_reserved_cell_names_ignore_case(tmp_path: Path) -> None:
    """On macOS and Windows file systems `Summary_Figures` is the same folder as `summary_figures`."""
    d = make(tmp_path, "Summary_Figures\ts1\ta.txt\tpressure\t10\t\t25\t0.5")
    with pytest.raises(InputError, match="file systems that ignore case take it for 'summary_figures'") as info:
        load_sample_sheet(d)
    assert (info.value.line, info.value.column) == (2, "cell")


def test_names_near_the_reserved_ones_are_fine(tmp_path: Path) -> None:
    cells = ["summary", "summary_figures_2", "report", "matrix1", "summary.csv.bak", "parameters"]
    rows = [f"{c}\ts1\ta.txt\tpressure\t10\t\t25\t0.5" for c in cells]
    assert list(load_sample_sheet(make(tmp_path, *rows))["cell"]) == cells


def test_reserved_names_are_what_the_workflow_writes_beside_the_cells() -> None:
    """The rule files write nothing in results/<dataset>/ beside the cell folders that is not reserved, every
    reserved name is written by some rule, `rule all` asks for DATASET_OUTPUTS from the one list, and the README
    names them all."""
    text = "\n".join(p.read_text() for p in [REPO / "Snakefile", *sorted((REPO / "rules").glob("*.smk"))])
    written = set(re.findall(r"\{RESULTS\}/([A-Za-z0-9_.+-]+)", text))
    assert written, "no dataset-level output found: has RESULTS been renamed?"
    assert written <= set(RESERVED_CELL_NAMES), f"not reserved: {sorted(written - set(RESERVED_CELL_NAMES))}"
    assert set(RESERVED_CELL_NAMES) <= written, f"reserved, never written: {sorted(set(RESERVED_CELL_NAMES) - written)}"
    assert "for name in DATASET_OUTPUTS" in (REPO / "rules" / "common.smk").read_text()
    readme_row = next(line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `cell` |"))
    assert all(f"`{name}`" in readme_row for name in RESERVED_CELL_NAMES), readme_row
    assert set(DATASET_OUTPUTS) < set(RESERVED_CELL_NAMES)


def _outside(tmp_path: Path) -> tuple[Path, Path]:
    d = tmp_path / "ds"
    d.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:do-not-echo\n")
    (d / "a.txt").write_text("dummy\n")
    return d, secret


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "symlinked_dir"])
def test_files_outside_the_dataset_are_refused(tmp_path: Path, kind: str) -> None:
    d, secret = _outside(tmp_path)
    if kind == "dotdot":
        file, why = "../secret.txt", "outside the dataset folder \\(through '..'\\)"
    elif kind == "absolute":
        file, why = str(secret), "is an absolute path"
    elif kind == "symlink":
        (d / "link.txt").symlink_to(secret)
        file, why = "link.txt", "outside the dataset folder \\(through a symbolic link\\)"
    else:
        (d / "sub").symlink_to(tmp_path, target_is_directory=True)
        file, why = "sub/secret.txt", "through a symbolic link"
    (d / "samples.tsv").write_text(
        f"{HEADER}\nc1\ts0\ta.txt\tpressure\t5\t\t25\t0.5\nc1\ts1\t{file}\tpressure\t9\t\t25\t1\n"
    )
    with pytest.raises(InputError, match=why) as info:
        load_sample_sheet(d)
    assert (info.value.line, info.value.column) == (3, "file")
    assert "do-not-echo" not in str(info.value)
    sheet = load_sample_sheet(d, allow_outside=True)  # the explicit switch
    assert Path(sheet["path"].iloc[1]) == secret.resolve()


def test_symlink_inside_the_dataset_is_fine(tmp_path: Path) -> None:
    d, _ = _outside(tmp_path)
    (d / "alias.txt").symlink_to(d / "a.txt")
    (d / "samples.tsv").write_text(f"{HEADER}\nc1\ts1\talias.txt\tpressure\t5\t\t25\t0.5\n")
    assert Path(load_sample_sheet(d)["path"].iloc[0]) == (d / "a.txt").resolve()


def test_directory_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    d = make(tmp_path, "c1\ts1\tsub\tpressure\t10\t\t25\t0.5")
    with pytest.raises(InputError, match="file 'sub' is a directory, not a file") as info:
        load_sample_sheet(d)
    assert (info.value.line, info.value.column) == (2, "file")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-8-sig", "cp1252"])
def test_sheet_encodings(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "données.txt").write_text("dummy\n")
    text = f"{HEADER}\nc1\ts1\tdonnées.txt\tpressure\t10\t\t25\t0.5\n"
    (tmp_path / "samples.tsv").write_bytes(text.encode(encoding))
    sheet = load_sample_sheet(tmp_path)
    assert Path(sheet["path"].iloc[0]).name == "données.txt"


def test_binary_sheet_is_refused_with_line(tmp_path: Path) -> None:
    (tmp_path / "samples.tsv").write_bytes(HEADER.encode() + b"\nc1\ts1\x00\x01\ta.txt\n")
    with pytest.raises(InputError, match="NUL bytes") as info:
        load_sample_sheet(tmp_path)
    assert info.value.line == 2
