"""A real solid ion-conductor pellet (EISFitpython Example2a: sample s05751, 25 C, 13 mm x 0.75 mm from its header)
through the whole workflow chain. Example2b and 2c are other pellets (an LAGP pellet and s04147 at 120 C, see the
external data's README), not runs of this one: tests/test_pellet_real_issue17.py takes each as its own cell."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
AREA_CM2 = 3.14159265 * 0.65**2  # 13 mm diameter (file header)
THICKNESS_CM = 0.075  # 0.75 mm (file header)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pellet_results(external_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("pellet")
    shutil.copy(REPO / "config.yaml", work / "config.yaml")
    data = work / "data" / "pellet"
    data.mkdir(parents=True)
    rows = ["cell\tspectrum\tfile\tseries\ttemperature_c\tarea_cm2\tthickness_cm"]
    shutil.copy(external_data / "eisfitpython" / "Example2a.txt", data / "Example2a.txt")
    rows.append(f"s05751\tT25\tExample2a.txt\ttemperature\t25\t{AREA_CM2:.6g}\t{THICKNESS_CM}")
    (data / "samples.tsv").write_text("\n".join(rows) + "\n")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(work)]
    run = subprocess.run(
        [*cmd, "--cores", "2", "--config", "dataset=data/pellet"], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return work / "results" / "pellet" / "s05751"


def test_every_stage_ran_and_nothing_was_excluded(pellet_results: Path) -> None:
    validation = json.loads((pellet_results / "validation.json").read_text())
    assert validation["n_accepted"] == 1 and validation["excluded"] == []
    verdict = json.loads((pellet_results / "verdict.json").read_text())
    # one temperature: Step 7 cannot apply, and no pressure series: Steps 1-6 do not apply - said, not guessed
    steps = {s["step"]: s["support"] for s in verdict["steps"]}
    assert all(steps[k] == "not_applicable" for k in "1234567")
    assert verdict["dominant_interface_process"] == "undetermined"


def test_bulk_conductivity_is_reported_and_consistent_with_the_drt(pellet_results: Path) -> None:
    """sigma = L / R_bulk; the fitted R_bulk agrees with the DRT's bulk peak area within 30 % (the
    Gaussian peak areas split overlapping bulk/GB arcs differently from the R-CPE fit; both are estimates of the
    same arc, a factor-level disagreement would mean a wrong assignment)."""
    verdict = json.loads((pellet_results / "verdict.json").read_text())
    bulk = {c["spectrum"]: c for c in verdict["conductivity"] if c["element"] == "bulk"}
    assert set(bulk) == {"T25"}
    fits = pd.read_csv(pellet_results / "fits.csv")
    steps36 = json.loads((pellet_results / "steps36.json").read_text())
    for entry in steps36["temperature"]["spectra"]:
        name = entry["spectrum"]
        c = bulk[name]
        assert 1e-10 < c["sigma_s_cm"] < 1e-3  # solid ion conductors at 25 C
        assert 0 < c["sigma_stderr_s_cm"] < 0.5 * c["sigma_s_cm"]
        r_fit = fits.loc[(fits["spectrum"] == name) & (fits["element"] == "bulk"), "r_ohm_cm2"].item()
        assert c["sigma_s_cm"] == pytest.approx(THICKNESS_CM / r_fit, rel=1e-9)
        r_drt = sum(p["r_ohm_cm2"] for p in entry["peaks"] if p["element"] == "bulk" and p["in_window"])
        assert r_fit == pytest.approx(r_drt, rel=0.3), name
