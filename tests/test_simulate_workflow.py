"""rules/simulate.smk: a configured simulation becomes a dataset that the unchanged analysis runs on.

Checked against the simulation's ground truth: on a pressure series of a centred contact spot (coarse 8^3-voxel
box, so the whole test takes seconds), the fitted interface resistance (CT + constriction) falls as the contact
fraction rises and matches R_Pol / A + R_Cstr within 10 %, and the fitted bulk resistance matches L / sigma_bulk
within 5 % (the GB arc, 2 % of it on this grid, is not resolved and ends up in the bulk element).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_workflow import REPO, snakemake

pytestmark = pytest.mark.slow

NAME = "tiny"
TINY = {
    "area_cm2": 0.5,
    "noise_rel": 1e-3,
    "noise_seed": 3,
    "cells": [
        {
            "cell": "spot",
            "morphology": "spot",
            "contact_fractions": [0.25, 0.5, 1.0],
            "pressures_mpa": [10, 40, 400],
            "material": {"r_pol_ohm_cm2": 10.0},
            "size_um": 100.0,
            "voxel_um": 12.5,
            "mean_grain_um": 40.0,
            "points_per_decade": 6,
        }
    ],
}
STAGE_OUTPUTS = ["spectra.csv", "validation.json", "drt.csv", "peaks.csv", "tracks.csv", "fits.csv", "steps36.json"]
INTERFACE = {"ct", "cstr", "int"}


def write_config(workdir: Path, block: dict) -> None:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["dataset"] = f"data/simulated/{NAME}"
    config["simulate"] = {NAME: block}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def dataset_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_simulate_then_analyse_unchanged(tmp_path: Path) -> None:
    write_config(tmp_path, TINY)
    data = tmp_path / "data" / "simulated" / NAME

    # 1. the simulate target (the dataset does not exist yet: parsing must not need its sample sheet)
    run = snakemake(tmp_path, "simulate")
    assert run.returncode == 0, run.stderr
    sheet = pd.read_csv(data / "samples.tsv", sep="\t")
    assert list(sheet["pressure_mpa"]) == [10, 40, 400] and set(sheet["series"]) == {"pressure"}
    assert (sheet["thickness_cm"] == 0.01).all()
    truth = json.loads((data / "ground_truth.json").read_text())
    assert truth["config"] == TINY | {"file_format": "auto"}  # schema default filled in
    assert (tmp_path / "logs" / "simulate_dataset" / f"{NAME}.log").is_file()
    assert (tmp_path / "benchmarks" / "simulate_dataset" / f"{NAME}.tsv").is_file()

    # 2. byte-reproducible: a forced rebuild writes identical files
    before = dataset_bytes(data)
    run = snakemake(tmp_path, "--forcerun", "simulate_dataset", "--", "simulate")
    assert run.returncode == 0, run.stderr
    assert dataset_bytes(data) == before

    # 3. the analysis, unchanged, on the simulated dataset (the default target)
    run = snakemake(tmp_path)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "results" / NAME / "spot"
    for name in STAGE_OUTPUTS:
        assert (out / name).is_file(), name

    # 4. against the ground truth
    by_name = {t["spectrum"]: t for t in truth["spectra"]}
    fits = pd.read_csv(out / "fits.csv")
    joint = fits[fits["fit"] == "series"]
    r_int = joint[joint["element"].isin(INTERFACE)].groupby("spectrum")["r_ohm_cm2"].sum()
    assert len(r_int) == 3
    a = pd.Series({s: by_name[s]["contact_fraction"] for s in r_int.index})
    r_int = r_int[a.sort_values().index]
    assert r_int.is_monotonic_decreasing and r_int.iloc[0] > 3 * r_int.iloc[-1], r_int
    for spectrum, r in r_int.items():
        el = by_name[spectrum]["elements"]
        expected = el["r_ct_ohm_cm2"] + el["r_cstr_ohm_cm2"]
        assert r == pytest.approx(expected, rel=0.10), spectrum
    r_bulk = joint.loc[joint["element"] == "bulk", "r_ohm_cm2"]
    assert len(r_bulk) == 3
    for r in r_bulk:
        assert r == pytest.approx(by_name[a.index[0]]["elements"]["r_bulk_ohm_cm2"], rel=0.05)

    # 5. an edited block makes the default target rebuild the simulation (not analyse the stale data)
    write_config(tmp_path, TINY | {"noise_seed": 4})
    run = snakemake(tmp_path, "-n")
    assert run.returncode == 0, run.stderr
    log = run.stdout + run.stderr
    assert "was written from another 'simulate: tiny' config block" in log
    assert re.search(r"^simulate_dataset\s+1$", log, re.MULTILINE) and "validate_cell" not in log
