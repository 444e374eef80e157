"""The workflow config: nested values from the command line read back by the schema's types, per-cell overrides
validated by their section's schema, unknown keys refused at the start of a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eisrecipe.config import check_overrides, coerce_to_schema, load_schema
from eisrecipe.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(REPO / "workflow" / "schemas" / "config.schema.yaml")


def test_command_line_strings_are_read_back_by_the_schema_types() -> None:
    # what `--config 'crop={...}' 'drt={...}'` gives (YAML BaseLoader: every nested scalar a string)
    config = {
        "dataset": "123",
        "crop": {"kk_threshold": "0.02", "f_max_hz": "2e5", "f_min_hz": "null", "drop_inductive": "false",
                 "max_iterations": "3", "cells": {"A": {"min_points": "10", "f_min_hz": "1e2"}}},
        "drt": {"data": "both", "lambda_bounds": ["1e-6", "1"], "points_per_decade": "~"},
    }  # fmt: skip
    coerce_to_schema(config, SCHEMA)
    assert config["dataset"] == "123"  # a string where the schema says string
    crop = config["crop"]
    assert crop["kk_threshold"] == 0.02 and crop["f_max_hz"] == 2e5 and crop["f_min_hz"] is None
    assert crop["drop_inductive"] is False and crop["max_iterations"] == 3
    assert crop["cells"]["A"] == {"min_points": 10, "f_min_hz": 100.0}
    assert config["drt"]["data"] == "both" and config["drt"]["lambda_bounds"] == [1e-6, 1]
    assert config["drt"]["points_per_decade"] is None


def test_a_string_that_is_no_number_stays_for_the_validation_to_refuse() -> None:
    config = {"crop": {"kk_threshold": "abc", "max_iterations": "2.5"}}
    coerce_to_schema(config, SCHEMA)
    assert config["crop"] == {"kk_threshold": "abc", "max_iterations": "2.5"}  # no integer: the schema refuses it


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"crop": {"cells": {"cellA": {"min_points": -5}}}}, r"crop\.cells\.cellA\.min_points: -5 is less than"),
        ({"crop": {"cells": {"cellA": {"kk_threshold": "abc"}}}}, r"crop\.cells\.cellA\.kk_threshold: 'abc' is not"),
        ({"drt": {"cells": {"LiLLZO": {"dta": "both"}}}}, r"drt\.cells\.LiLLZO: Additional properties .*'dta'"),
        ({"drt": {"cells": {"LiLLZO": "both"}}}, r"drt\.cells\.LiLLZO: expected a mapping"),
    ],
)
def test_bad_overrides_are_refused_naming_section_cell_and_key(override: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_overrides(override, SCHEMA)


def test_good_overrides_pass_and_get_no_defaults() -> None:
    config = {"drt": {"cells": {"LiLLZO": {"data": "both"}}}, "crop": {"cells": {"A": {"f_max_hz": 2.0e5}}}}
    check_overrides(config, SCHEMA)
    assert config["drt"]["cells"]["LiLLZO"] == {"data": "both"}


def dry_run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--config", "dataset=data/example", *args]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_workflow_takes_nested_numbers_from_the_command_line_and_a_configfile(tmp_path: Path) -> None:
    run = dry_run("crop={kk_threshold: 0.02, cells: {cellA: {f_max_hz: 2e5}}}")
    assert run.returncode == 0, run.stderr[-2000:]
    extra = tmp_path / "mine.yaml"
    extra.write_text("crop:\n  kk_threshold: 0.03\n")
    run = dry_run("--configfile", str(extra))
    assert run.returncode == 0, run.stderr[-2000:]


def test_workflow_refuses_unknown_keys_and_bad_overrides_at_the_start() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--config", "datset=data/example"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0 and "'datset' was unexpected" in run.stderr + run.stdout
    run = dry_run("drt={cells: {cellA: {dta: both}}}")
    assert run.returncode != 0 and "drt.cells.cellA" in run.stderr + run.stdout


def test_files_outside_the_dataset_need_the_switch(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes((REPO / "data" / "example" / "cellA_010MPa.txt").read_bytes())
    ds = tmp_path / "outside_ds"
    ds.mkdir()
    (ds / "samples.tsv").write_text(
        "cell\tspectrum\tfile\tseries\ttemperature_c\tarea_cm2\nc\ts\t../elsewhere.txt\ttemperature\t25\t0.5\n"
    )
    cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--config", f"dataset={ds}"]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and "outside" in run.stderr + run.stdout
    run = subprocess.run([*cmd, "allow_outside_dataset=true"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
