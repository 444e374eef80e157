"""The workflow config: nested values from the command line read back by the schema's types, per-cell overrides
validated by their section's schema, unknown keys refused at the start of a run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eisrecipe.config import check_overrides, coerce_to_schema, load_schema, merge_dataset_config
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


# --- per-dataset settings: data/<name>/config.yaml (issue 18 item 6) ---------------------------------------------


def test_dataset_config_merges_over_global_and_command_line_over_both(tmp_path: Path) -> None:
    own = "crop:\n  kk_threshold: 0.03\n  min_points: 9\ndrt: {cells: {A: {data: both}}}\n"
    (tmp_path / "config.yaml").write_text(own)
    config = {"dataset": str(tmp_path), "crop": {"kk_threshold": 0.04, "min_points": 8, "max_iterations": 5},
              "drt": {"data": "real", "cells": {}}}  # fmt: skip
    sources = merge_dataset_config(config, tmp_path, SCHEMA, [("--config", {"crop": {"min_points": "12"}})])
    assert config["crop"] == {"kk_threshold": 0.03, "min_points": "12", "max_iterations": 5}
    assert config["drt"] == {"data": "real", "cells": {"A": {"data": "both"}}}
    assert sources == {
        str(tmp_path / "config.yaml"): ["crop.kk_threshold", "crop.min_points", "drt.cells.A.data"],
        "--config": ["crop.min_points"],
    }


def test_no_dataset_config_changes_nothing(tmp_path: Path) -> None:
    config = {"dataset": str(tmp_path), "crop": {"kk_threshold": 0.04}}
    assert merge_dataset_config(config, tmp_path, SCHEMA, [("--config", {})]) == {}
    assert config == {"dataset": str(tmp_path), "crop": {"kk_threshold": 0.04}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dataset: data/other\n", r"dataset may not be set per dataset"),
        ("allow_outside_dataset: true\n", r"allow_outside_dataset may not be set per dataset"),
        ("crop: {kk_treshold: 0.02}\n", r"config\.yaml: crop: Additional properties .*'kk_treshold'"),
        ("crop: {kk_threshold: -1}\n", r"config\.yaml: crop\.kk_threshold: -1 is less than"),
        ("drt: {cells: {A: {dta: both}}}\n", r"config\.yaml: config drt\.cells\.A: Additional properties"),
        ("- a list\n", r"expected a mapping"),
    ],
)
def test_bad_dataset_config_is_refused_naming_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "config.yaml").write_text(text)
    config = {"dataset": str(tmp_path), "crop": {"kk_threshold": 0.04}}
    with pytest.raises(InputError, match=message):
        merge_dataset_config(config, tmp_path, SCHEMA)
    assert config == {"dataset": str(tmp_path), "crop": {"kk_threshold": 0.04}}  # nothing merged


def test_the_case_study_override_lives_in_its_dataset_config() -> None:
    import yaml

    assert yaml.safe_load((REPO / "config.yaml").read_text())["drt"]["cells"] == {}
    own = yaml.safe_load((REPO / "data" / "li_llzo_case_study" / "config.yaml").read_text())
    assert own == {"drt": {"cells": {"LiLLZO": {"data": "both"}}}}


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "data" / "example", tmp_path / "data" / "example")
    return tmp_path


def resolved_config(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """The config a dry run in ``workdir`` resolved (dataset file and command line merged, strings read back, before
    the schema's defaults): the workflow copied there with one line added to its Snakefile that prints ``config`` and
    ``CONFIG_SOURCES`` as JSON right after the merge."""
    for part in ("rules", "workflow"):
        shutil.copytree(REPO / part, workdir / part, dirs_exist_ok=True)
    text = (REPO / "Snakefile").read_text()
    anchor = 'validate(config, "workflow/schemas/config.schema.yaml")'
    assert anchor in text
    probe = "print('PROBE' + __import__('json').dumps({'config': config, 'sources': CONFIG_SOURCES}))\n"
    (workdir / "Snakefile").write_text(text.replace(anchor, probe + anchor, 1))
    cmd = [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--directory", str(workdir), *args]
    run = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300)
    line = next((x for x in run.stdout.splitlines() if x.startswith("PROBE")), None)
    return run, json.loads(line[5:]) if line else {}


def test_workflow_precedence_global_dataset_configfile_command_line(example_copy: Path) -> None:
    ds = example_copy / "data" / "example"
    (ds / "config.yaml").write_text("crop:\n  kk_threshold: 0.03\n  min_points: 9\n  max_iterations: 4\n")
    mine = example_copy / "mine.yaml"
    mine.write_text("crop:\n  min_points: 10\n  max_iterations: 3\n")
    run, got = resolved_config(example_copy, "--configfile", str(mine), "--config", "dataset=data/example",
                               "crop={max_iterations: 2}")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    crop = got["config"]["crop"]
    assert crop["drop_inductive"] is True  # global config.yaml
    assert crop["kk_threshold"] == 0.03  # dataset file over global
    assert crop["min_points"] == 10  # --configfile over dataset file
    assert crop["max_iterations"] == 2  # --config over everything
    assert got["sources"] == {
        "data/example/config.yaml": ["crop.kk_threshold", "crop.min_points", "crop.max_iterations"],
        f"--configfile {mine}": ["crop.min_points", "crop.max_iterations"],
        "--config": ["dataset", "crop.max_iterations"],
    }


def test_workflow_refuses_a_bad_dataset_config_at_the_start(example_copy: Path) -> None:
    (example_copy / "data" / "example" / "config.yaml").write_text("crop: {kk_treshold: 0.02}\n")
    run, _ = resolved_config(example_copy, "--config", "dataset=data/example")
    assert run.returncode != 0
    assert "data/example/config.yaml: crop: Additional properties" in run.stderr + run.stdout
