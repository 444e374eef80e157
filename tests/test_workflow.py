"""The Snakemake workflow on a small dataset: outputs, isolation of bad input, lint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "example"

pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "2",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working directory with the config and a dataset 'mini': a good cell, a mixed cell, a hopeless cell."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    d = tmp_path / "data" / "mini"
    d.mkdir(parents=True)
    for name in ["cellA_010MPa.txt", "cellA_020MPa.txt", "cellA_041MPa.txt", "cellB_25C.txt"]:
        shutil.copy(EXAMPLE / name, d / name)
    (d / "empty.txt").write_text("")
    (d / "garbage.txt").write_text("freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n1000\tabc\t1\n")
    rows = [
        "cell\tspectrum\tfile\tseries\tpressure_mpa\ttemperature_c\tarea_cm2",
        "good\tp10\tcellA_010MPa.txt\tpressure\t10\t25\t0.5",
        "good\tp20\tcellA_020MPa.txt\tpressure\t20\t25\t0.5",
        "good\tp41\tcellA_041MPa.txt\tpressure\t41\t25\t0.5",
        "mixed\tT25\tcellB_25C.txt\ttemperature\t41\t25\t0.5",
        "mixed\tT40\tempty.txt\ttemperature\t41\t40\t0.5",
        "hopeless\tx\tgarbage.txt\tpressure\t10\t25\t0.5",
    ]
    (d / "samples.tsv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_workflow_validates_every_cell_and_isolates_bad_input(workdir: Path) -> None:
    run = snakemake(workdir, "--config", "dataset=data/mini", "--keep-going")
    assert run.returncode != 0, run.stderr  # the hopeless cell fails ...
    out = workdir / "results" / "mini"
    # ... and the others finish
    assert (out / "good" / "validation.json").is_file(), run.stderr
    good = json.loads((out / "good" / "validation.json").read_text())
    assert good["n_accepted"] == 3 and good["n_excluded"] == 0
    table = pd.read_csv(out / "good" / "spectra.csv")
    assert set(table["spectrum"]) == {"p10", "p20", "p41"}
    assert {"frequency_hz", "z_real_ohm_cm2", "z_imag_ohm_cm2", "kept", "drop_reason"} <= set(table.columns)

    mixed = json.loads((out / "mixed" / "validation.json").read_text())
    assert mixed["n_accepted"] == 1
    assert mixed["excluded"][0]["spectrum"] == "T40"
    assert "empty.txt" in mixed["excluded"][0]["error"]
    log = (workdir / "logs" / "validate_cell" / "mini" / "mixed.log").read_text()
    assert "empty.txt" in log

    # DRT stage: peaks and tracks with the contract's columns, a Step 1-2 finding for the pressure series
    peaks = pd.read_csv(out / "good" / "peaks.csv")
    assert {"spectrum", "tau_s", "r_ohm_cm2"} <= set(peaks.columns) and set(peaks["spectrum"]) == {"p10", "p20", "p41"}
    tracks = pd.read_csv(out / "good" / "tracks.csv")
    assert {"track", "label", "spectrum", "tau_s", "r_ohm_cm2"} <= set(tracks.columns)
    assert {"bulk", "gb"} <= set(tracks["label"])
    steps = json.loads((out / "good" / "steps12.json").read_text())
    assert steps["steps_1_2"]["branch"] in {"left", "right", "none"}
    assert json.loads((out / "mixed" / "steps12.json").read_text())["steps_1_2"]["applies"] is False
    drt = pd.read_csv(out / "good" / "drt.csv")
    assert list(drt.columns) == ["spectrum", "tau_s", "frequency_hz", "gamma_ohm_cm2"]

    # fit stage: fits.csv with standard errors, Steps 3-6 findings; not applicable to the temperature-only cell
    fits = pd.read_csv(out / "good" / "fits.csv")
    assert {"spectrum", "element", "r_ohm_cm2", "r_stderr_ohm_cm2", "c_f_cm2", "c_stderr_f_cm2", "tau_s"} <= set(
        fits.columns
    )
    assert set(fits["fit"]) == {"step3", "series"}
    steps36 = json.loads((out / "good" / "steps36.json").read_text())
    assert {"step3", "step4", "step5", "step6"} <= set(steps36)
    assert json.loads((out / "mixed" / "steps36.json").read_text())["applies"] is False
    # ... whose lone spectrum is still fitted on its own (bulk conductivity needs no series)
    mixed_fits = pd.read_csv(out / "mixed" / "fits.csv")
    assert set(mixed_fits["fit"]) == {"temperature"} and "bulk" in set(mixed_fits["element"])

    # verdict stage: a verdict for every finished cell; the excluded spectrum named as the sheet names it
    good_verdict = json.loads((out / "good" / "verdict.json").read_text())
    # three pressures of the example's constriction cell (data/example/generate.py: R_Int 300 -> 50 ohm cm^2): the
    # un-perturbed decision is constriction; with only three pressures of one broad ZARC the replicas' DRTs split it
    # into tracks of different behaviour (measured: 6 of 16 reach constriction), so the verdict may honestly be
    # undetermined by its confidence - never another process
    assert good_verdict["dominance"]["process"] == "constriction"
    assert good_verdict["dominant_interface_process"] in ("constriction", "undetermined")
    if good_verdict["dominant_interface_process"] == "undetermined":
        assert "Un-perturbed decision: constriction" in good_verdict["summary"]
    assert good_verdict["r_pol"]["value_ohm_cm2"] > 0
    assert {s["step"] for s in good_verdict["steps"]} == {"kk", "1", "2", "3", "4", "5", "6", "7"}
    mixed_verdict = json.loads((out / "mixed" / "verdict.json").read_text())
    assert mixed_verdict["excluded_spectra"][0]["spectrum"] == "T40"
    reason = mixed_verdict["excluded_spectra"][0]["reason"]
    assert "empty.txt" in reason and str(workdir) not in reason
    assert pd.read_csv(out / "mixed" / "arrhenius.csv").empty  # one temperature: no Arrhenius row

    assert not (out / "hopeless" / "validation.json").exists()
    hopeless_log = (workdir / "logs" / "validate_cell" / "mini" / "hopeless.log").read_text()
    assert "garbage.txt" in hopeless_log and "line 2" in hopeless_log
    failure = json.loads((out / "hopeless" / "FAILED.json").read_text())
    assert failure["stage"] == "validate" and "garbage.txt" in failure["error"]

    # --keep-going: the summary lists the finished cells and the failed one with its stage and reason
    summary = pd.read_csv(out / "summary.csv").set_index("cell")
    assert list(summary.index) == ["good", "mixed", "hopeless"]  # finished cells first, then the failed ones
    assert summary.loc["good", "dominant_interface_process"] == good_verdict["dominant_interface_process"]
    assert summary.loc["hopeless", "failed_stage"] == "validate" and "garbage.txt" in summary.loc["hopeless", "failure"]
    assert 'href="hopeless/FAILED.json"' in (out / "summary.html").read_text()
    # the onerror summary writes the workbook and the cross-cell figures of the finished cells too
    from openpyxl import load_workbook

    sheets = load_workbook(out / "parameters.xlsx", read_only=True).sheetnames
    assert sheets[:2] == ["about", "pressure series"] and "temperature" in sheets
    assert (out / "summary_figures" / "r_int_pressure.csv").is_file()
    assert (workdir / "benchmarks" / "validate_cell" / "mini" / "good.tsv").is_file()

    # a rerun has nothing to do for the cells that finished and reproduces their files byte for byte
    # (figures/ included: SVG, PNG and CSV of every figure)
    names = sorted(p.relative_to(out / "good").as_posix() for p in (out / "good").rglob("*") if p.is_file())
    assert "figures/nyquist.svg" in names and "figures/nyquist.png" in names and "figures/nyquist.csv" in names
    before = {n: (out / "good" / n).read_bytes() for n in names}
    shutil.rmtree(out / "good")
    snakemake(workdir, "--config", "dataset=data/mini", "--keep-going")
    after = {n: (out / "good" / n).read_bytes() for n in names}
    assert before == after

    # a cell that fails later loses its stale verdict and report: they no longer follow from its data
    for name in ["cellA_010MPa.txt", "cellA_020MPa.txt", "cellA_041MPa.txt"]:
        (workdir / "data" / "mini" / name).write_text("freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n1\tx\t1\n")
    snakemake(workdir, "--config", "dataset=data/mini", "--keep-going")
    assert not (out / "good" / "verdict.json").exists() and not (out / "good" / "report.html").exists()
    assert not (out / "good" / "figures").exists()
    assert json.loads((out / "good" / "FAILED.json").read_text())["stage"] == "validate"
    assert pd.read_csv(out / "summary.csv").set_index("cell").loc["good", "failed_stage"] == "validate"


def test_bad_sample_sheet_stops_before_any_job(workdir: Path) -> None:
    sheet = workdir / "data" / "mini" / "samples.tsv"
    sheet.write_text(sheet.read_text().replace("\t0.5\n", "\t-0.5\n", 1))
    run = snakemake(workdir, "--config", "dataset=data/mini", "-n")
    assert run.returncode != 0
    assert "samples.tsv, line 2, column 'area_cm2'" in run.stderr + run.stdout


def test_lint_is_clean() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert "Lints for" not in run.stdout + run.stderr, run.stdout + run.stderr
