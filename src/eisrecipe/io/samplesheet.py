"""The sample sheet ``data/<dataset>/samples.tsv``: loading, JSON-schema validation and semantic checks.

One row per spectrum; columns and their meaning are in ``eisrecipe/schemas/samples.schema.yaml`` (also used by
the Snakefile through ``snakemake.utils.validate``). Every error names the sheet, the line of the offending row
(header = line 1) and the column.

Text: UTF-8 (with or without BOM), UTF-16 (with BOM), else Windows Latin-1 - never a decoding traceback.
Files: every ``file`` must lie inside the dataset folder once symbolic links are resolved (no ``../``, no
absolute paths, no links pointing out), unless ``allow_outside=True``; the messages name the sheet's line and
never show anything read from outside the folder. Numbers must be finite (``inf``/``nan`` are refused).
Cell and spectrum names: ASCII letters, digits and ``_ . + -``, starting with a letter or digit (they name
result folders and are matched, escaped, in Snakemake wildcards). A cell may not take the name of a file or folder
the workflow writes beside the cell folders in ``results/<dataset>/`` (:data:`DATASET_OUTPUTS`, ignoring case).
"""

from __future__ import annotations

import io
import math
import stat
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import decode, split_lines

__all__ = [
    "DATASET_OUTPUTS",
    "NUMERIC_COLUMNS",
    "RESERVED_CELL_NAMES",
    "SHEET_NAME",
    "check_sample_sheet",
    "load_sample_sheet",
    "sample_schema",
    "schema_path",
]

SHEET_NAME = "samples.tsv"
NUMERIC_COLUMNS = (
    "pressure_mpa",
    "temperature_c",
    "area_cm2",
    "thickness_cm",
    "time_h",
    "contact_fraction",
)
INTEGER_COLUMNS = ("sweep",)
#: largest sample sheet read, bytes
MAX_SHEET_BYTES = 16 * 2**20
NAME_RULE = "ASCII letters, digits and _ . + - only, starting with a letter or digit"

#: what the default run writes in ``results/<dataset>/`` beside the cell folders (``rule all`` asks for these:
#: rules/common.smk), name -> what it is
DATASET_OUTPUTS: dict[str, str] = {
    "summary.csv": "the dataset's summary table",
    "summary.html": "the dataset's summary page",
    "parameters.xlsx": "the dataset's parameter workbook",
    "summary_figures": "the dataset's folder of cross-cell figures",
    "report_bundle": "the dataset's folder of summary and cell reports for snakemake --report",
}
#: every name the workflow writes in ``results/<dataset>/`` other than a cell folder (the default run's outputs and
#: ``snakemake matrix_score``'s folder, rules/matrix.smk), name -> what it is; no cell may be called so, ignoring case
#: (macOS and Windows file systems do): its folder would be that file or folder (tests/test_samplesheet.py checks
#: that the rule files write nothing else there)
RESERVED_CELL_NAMES: dict[str, str] = {
    **DATASET_OUTPUTS,
    "matrix": "the folder of the validation-matrix scores (snakemake matrix_score)",
}


def schema_path() -> Path:
    """Path of the sample-sheet JSON schema (YAML) inside the installed package."""
    return Path(str(resources.files("eisrecipe") / "schemas" / "samples.schema.yaml"))


@cache
def sample_schema() -> dict[str, Any]:
    """The sample-sheet JSON schema as a dictionary."""
    import yaml

    return yaml.safe_load(schema_path().read_text())


#: columns that say where a spectrum's data are and how to read them, not what the spectrum is
_LOCATION_COLUMNS = ("file", "format", "sweep")


def sheet_columns() -> tuple[str, ...]:
    """Every sample-sheet column, in the schema's order (the one place the vocabulary is written down)."""
    return tuple(sample_schema()["properties"])


def spectrum_meta_columns() -> tuple[str, ...]:
    """The columns copied into each spectrum's metadata: what it is (cell, series, conditions), not where its file
    is nor the cell-level ``interface`` declaration."""
    return tuple(c for c in sheet_columns() if c not in (*_LOCATION_COLUMNS, "interface"))


def _line(index: int, lines: list[int] | None = None) -> int:
    """Physical line of data row ``index`` (header = line 1; blank lines counted when ``lines`` is known)."""
    if lines is not None and index + 1 < len(lines):
        return lines[index + 1]
    return index + 2


def _to_number(sheet: pd.DataFrame, path: Path, column: str, integer: bool, lines: list[int] | None = None) -> None:
    values: list[Any] = []
    for i, raw in enumerate(sheet[column]):
        if raw is None or (isinstance(raw, float) and math.isnan(raw)) or str(raw).strip() == "":
            values.append(None)
            continue
        text = str(raw).strip()
        try:
            number = float(text)
        except ValueError:
            raise InputError(f"'{text}' is not a number", path, _line(i, lines), column) from None
        if not math.isfinite(number):
            raise InputError(f"'{text}' is not a finite number", path, _line(i, lines), column)
        if integer:
            if not number.is_integer():
                raise InputError(f"'{text}' is not a whole number", path, _line(i, lines), column)
            values.append(int(number))
        else:
            values.append(number)
    sheet[column] = pd.Series(values, index=sheet.index, dtype=object)


def _records(sheet: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if not _absent(v)} for row in sheet.to_dict(orient="records")]


def _read_sheet_text(path: Path) -> tuple[str, list[int]]:
    """The sheet's text (UTF-8, UTF-16 or Latin-1) and the physical line number of each non-blank line."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise InputError("the sample sheet is not a regular file", path)
        if st.st_size > MAX_SHEET_BYTES:
            raise InputError(f"the sample sheet is {st.st_size / 2**20:.1f} MiB, more than any sheet needs", path)
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the sample sheet ({exc.strerror or exc})", path) from None
    text = decode(raw)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError("the sample sheet holds NUL bytes: not a tab-separated text file", path, line)
    lines = [i + 1 for i, line in enumerate(split_lines(text)) if line.strip()]
    return text, lines


def load_sample_sheet(
    dataset_dir: str | Path, *, check_files: bool = True, allow_outside: bool = False
) -> pd.DataFrame:
    """Read, validate and complete ``<dataset_dir>/samples.tsv``.

    Parameters
    ----------
    dataset_dir
        The dataset folder (holding ``samples.tsv`` and the instrument files it names).
    check_files
        Check that every named file exists and is a regular file.
    allow_outside
        Accept ``file`` entries that lie outside the dataset folder (``../x``, absolute paths, symbolic links
        pointing out). Off by default: a sheet then reads nothing but the dataset, whatever it says (the
        workflow's config switch for data kept elsewhere sets this).

    Returns
    -------
    pandas.DataFrame
        One row per spectrum in sheet order (plain integer index); numeric columns as
        floats (NaN where empty), defaults filled in (``format = auto``, ``pressure_mode = uniaxial`` where a
        pressure is given), plus ``path`` (absolute file path) and ``sheet_line``.

    Raises
    ------
    InputError
        Missing sheet or column, a value of the wrong type or range (also ``inf``/``nan``), a bad cell or
        spectrum name, a cell named like a dataset-level output (:data:`RESERVED_CELL_NAMES`), a duplicated
        (cell, spectrum), a missing file, a directory, a file outside the dataset folder, or a series row without
        its series variable - naming the line and column.
    """
    import jsonschema

    dataset_dir = Path(dataset_dir)
    path = dataset_dir / SHEET_NAME
    if not path.is_file():
        raise InputError(f"no sample sheet: expected a tab-separated {SHEET_NAME} in {dataset_dir}", path)
    text, lines = _read_sheet_text(path)
    try:
        sheet = pd.read_csv(
            io.StringIO(text), sep="\t", dtype=str, comment=None, skip_blank_lines=True, keep_default_na=False
        )
    except pd.errors.EmptyDataError:
        raise InputError("the sample sheet is empty", path) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot parse the sample sheet as tab-separated text: {exc}", path) from None
    sheet.columns = [str(c).strip() for c in sheet.columns]
    schema = sample_schema()
    missing = [c for c in schema["required"] if c not in sheet.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; the sheet has "
            f"{', '.join(repr(c) for c in sheet.columns)} (required: {', '.join(schema['required'])})",
            path,
            1,
        )
    if sheet.empty:
        raise InputError("the sample sheet has a header but no rows", path)
    sheet = sheet.map(lambda v: v.strip() if isinstance(v, str) else v)
    sheet = sheet.replace("", None)
    if len(lines) != len(sheet) + 1:
        lines = None  # a quoted field spans lines: count rows instead
    for column in NUMERIC_COLUMNS:
        if column in sheet.columns:
            _to_number(sheet, path, column, integer=False, lines=lines)
    for column in INTEGER_COLUMNS:
        if column in sheet.columns:
            _to_number(sheet, path, column, integer=True, lines=lines)

    validator = jsonschema.Draft202012Validator(schema)
    rows = _records(sheet)
    for i, row in enumerate(rows):
        for error in sorted(validator.iter_errors(row), key=lambda e: list(e.path)):
            column = str(error.path[0]) if error.path else None
            message = error.message
            if error.validator == "required":
                column = error.message.split("'")[1]
            elif error.validator == "pattern" and column in ("cell", "spectrum"):
                message = f"{column} name {error.instance!r} is not allowed: {NAME_RULE}"
            raise InputError(message, path, _line(i, lines), column)
        for key, spec in schema["properties"].items():
            if "default" in spec and key not in row and not (key == "pressure_mode" and "pressure_mpa" not in row):
                row[key] = spec["default"]
    complete = pd.DataFrame(rows, columns=list(dict.fromkeys([*sheet.columns, "format", "pressure_mode"])))
    for column in NUMERIC_COLUMNS:
        if column in complete.columns:
            complete[column] = pd.to_numeric(complete[column], errors="raise").astype(float)
    if "sweep" in complete.columns:
        complete["sweep"] = complete["sweep"].astype("Int64")
    for column in complete.columns.difference([*NUMERIC_COLUMNS, "sweep"]):
        # text columns stay text even when empty (all-NaN columns would be float: snakemake.utils.validate then
        # fails to fill in a string default such as pressure_mode)
        complete[column] = complete[column].astype(object)
    complete["sheet_line"] = [_line(i, lines) for i in range(len(complete))]
    complete["path"] = [str((dataset_dir / f).resolve()) for f in complete["file"]]
    check_sample_sheet(complete, path, check_files=check_files, allow_outside=allow_outside)
    return complete


def _check_file(row: Any, sheet_path: Path, line: int, *, check_files: bool, allow_outside: bool) -> None:
    """``file`` lies inside the dataset folder (after resolving links) and is a regular file."""
    root = sheet_path.parent.resolve()
    given = str(row.file)
    resolved = Path(row.path)
    if not allow_outside:
        if Path(given).is_absolute():
            raise InputError(
                f"file '{given}' is an absolute path; give it relative to the dataset folder (files outside the "
                "dataset are read only when that is switched on explicitly)",
                sheet_path,
                line,
                "file",
            )
        if not resolved.is_relative_to(root):
            how = "through '..'" if ".." in Path(given).parts else "through a symbolic link"
            raise InputError(
                f"file '{given}' lies outside the dataset folder ({how}); files outside the dataset are read only "
                "when that is switched on explicitly",
                sheet_path,
                line,
                "file",
            )
    if not check_files:
        return
    try:
        mode = resolved.stat().st_mode
    except OSError:
        raise InputError(f"file '{given}' does not exist", sheet_path, line, "file") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"file '{given}' is a directory, not a file", sheet_path, line, "file")
    if not stat.S_ISREG(mode):
        raise InputError(f"file '{given}' is not a regular file (a FIFO, socket or device)", sheet_path, line, "file")


def check_sample_sheet(
    sheet: pd.DataFrame, path: Path, *, check_files: bool = True, allow_outside: bool = False
) -> None:
    """Semantic checks that a schema cannot express (see :func:`load_sample_sheet`)."""
    seen: dict[tuple[str, str], int] = {}
    reserved = {name.lower(): name for name in RESERVED_CELL_NAMES}
    for row in sheet.itertuples(index=False):
        key = (row.cell, row.spectrum)
        line = int(row.sheet_line)
        taken = reserved.get(str(row.cell).lower())
        if taken is not None:
            same = "" if row.cell == taken else f" (file systems that ignore case take it for '{taken}')"
            raise InputError(
                f"cell name '{row.cell}' is not allowed: results/{Path(path).parent.name}/{taken} is "
                f"{RESERVED_CELL_NAMES[taken]}{same}, so the cell's result folder would collide with it; rename the "
                f"cell (reserved: {', '.join(RESERVED_CELL_NAMES)})",
                path,
                line,
                "cell",
            )
        if key in seen:
            raise InputError(
                f"spectrum '{row.spectrum}' of cell '{row.cell}' appears twice (also line {seen[key]}); "
                "(cell, spectrum) must be unique",
                path,
                line,
                "spectrum",
            )
        seen[key] = line
        if row.series == "pressure" and _absent(getattr(row, "pressure_mpa", None)):
            raise InputError("a pressure-series row needs pressure_mpa", path, line, "pressure_mpa")
        if row.series == "temperature" and _absent(getattr(row, "temperature_c", None)):
            raise InputError("a temperature-series row needs temperature_c", path, line, "temperature_c")
        if row.series == "aging" and _absent(getattr(row, "time_h", None)):
            raise InputError("an aging-series row needs time_h", path, line, "time_h")
        _check_file(row, Path(path), line, check_files=check_files, allow_outside=allow_outside)


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
