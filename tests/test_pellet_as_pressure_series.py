"""Issue 16's first real case: three measured spectra of different pellets (EISFitpython Example2a-c, blocking
electrodes) labelled as a pressure series of one cell. The old pipeline said "charge transfer" with R_Pol = 1.1e7
ohm cm^2 from a bulk-capacitance signal and a green Step 3; the verdict must now be undetermined, with the quality
gates that say why and a stated confidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_workflow import snakemake

REPO = Path(__file__).resolve().parents[1]
AREA_CM2 = 3.14159265 * 0.65**2  # 13 mm diameter (Example2a's header; the label is what the user wrote)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def verdict(external_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("pp")
    shutil.copy(REPO / "config.yaml", work / "config.yaml")
    data = work / "data" / "pp"
    data.mkdir(parents=True)
    rows = ["cell\tspectrum\tfile\tseries\tpressure_mpa\tarea_cm2\tthickness_cm"]
    for p, x in zip((10, 20, 40), "abc", strict=True):
        shutil.copy(external_data / "eisfitpython" / f"Example2{x}.txt", data / f"Example2{x}.txt")
        rows.append(f"pellet\tp{p}\tExample2{x}.txt\tpressure\t{p}\t{AREA_CM2:.6g}\t0.075")
    (data / "samples.tsv").write_text("\n".join(rows) + "\n")
    run = snakemake(work, "--config", "dataset=data/pp")
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads((work / "results" / "pp" / "pellet" / "verdict.json").read_text())


def test_no_interface_verdict_and_the_reasons(verdict: dict) -> None:
    assert verdict["dominant_interface_process"] == "undetermined"
    gates = {(g["gate"], g["step"]) for g in verdict["gates"]}
    # the Step 3 fit misses its data, the interface element carries a bulk-class capacitance
    assert ("fit_residual", "3") in gates and ("implausible_capacitance", "4") in gates
    steps = {s["step"]: s for s in verdict["steps"]}
    assert steps["3"]["support"] != "supports"
    assert "quality gate" in verdict["summary"]


def test_confidence_is_stated_and_not_high(verdict: dict) -> None:
    assert verdict["confidence"] in ("medium", "low")
    assert verdict["replicas"]["assessed"] is True
    assert sum(verdict["process_probabilities"].values()) == pytest.approx(1.0)
