"""The reduced known-answer matrix end to end (issue 15, "Done when"): build it with `snakemake matrix`, analyse it
with the unchanged pipeline and score it with `matrix_score`, then assert the acceptance numbers.

Excluded from the default run (`-m "not matrix"` in pyproject.toml); run it with `pytest -m matrix`. It was expected
to fail when it was written (the decision logic of issue 15 items 2-4 was still open); the measured figures are in
results/matrix_reduced/matrix/acceptance.csv of the working directory and printed on failure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.matrix


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
    return subprocess.run([*cmd, "--cores", "2", *args], capture_output=True, text=True, timeout=3600)


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("matrix")
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["matrix"] = {"size": "reduced", "seed": 1}
    config["dataset"] = "data/example"  # the build run parses some dataset's sheet
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    shutil.copytree(REPO / "data" / "example", work / "data" / "example")
    build = snakemake(work, "matrix")
    assert build.returncode == 0, build.stderr[-3000:]
    run = snakemake(work, "--config", "dataset=data/simulated/matrix_reduced", "--keep-going", "matrix_score")
    failed = [line.strip() for line in run.stderr.splitlines() if "Error in rule" in line or "check log file" in line]
    (work / "analysis.rc").write_text(f"{run.returncode}\n" + "\n".join(failed))
    out = work / "results" / "matrix_reduced" / "matrix"
    if not (out / "acceptance.csv").is_file():  # a cell's job failed: score what is there, failed cells as missing
        score = [
            sys.executable,
            "-m",
            "eisrecipe.matrix.score",
            "data/simulated/matrix_reduced",
            "results/matrix_reduced",
        ]
        done = subprocess.run(score, cwd=work, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_every_cell_is_analysed(scored: Path) -> None:
    rc, _, stderr = (scored.parents[2] / "analysis.rc").read_text().partition("\n")
    assert rc == "0", f"some cells' pipeline jobs failed:\n{stderr}"


def figures(scored: Path) -> dict[str, pd.Series]:
    acc = pd.read_csv(scored / "acceptance.csv")
    return {r["figure"]: r for _, r in acc.iterrows()}


def test_reduced_matrix_outputs(scored: Path) -> None:
    for name in ("score.csv", "errors.csv", "acceptance.csv", "confusion.csv", "score.html"):
        assert (scored / name).is_file()
    assert len(pd.read_csv(scored / "score.csv")) >= 27


@pytest.mark.parametrize(
    ("figure", "threshold"),
    [
        ("verdict_right_identifiable", 0.95),
        ("tau_order_right", 0.90),
        ("a_within_10pct", 0.90),
        ("r_bulk_within_5pct", 0.95),
        ("r_gb_within_5pct", 0.95),
    ],
)
def test_acceptance_figure(scored: Path, figure: str, threshold: float) -> None:
    f = figures(scored)[figure]
    assert f["of"] > 0, f"no cell where {figure} applies"
    assert f["value"] >= threshold, f"{figure} = {f['value']:.3g} ({f['count']}/{f['of']}), needs >= {threshold}"


def test_no_sei_cell_called_charge_transfer_or_mixed(scored: Path) -> None:
    score = pd.read_csv(scored / "score.csv")
    bad = score[(score["truth"] == "sei") & score["verdict"].isin(["charge_transfer", "mixed"])]
    assert bad.empty, bad[["cell", "class", "verdict"]].to_string()


def test_no_wrong_verdict_with_high_confidence(scored: Path) -> None:
    """Issue 16: no wrong verdict is stated with confidence high, and >= 98 % of the high ones are right."""
    score = pd.read_csv(scored / "score.csv")
    high = score[score["confidence"] == "high"]
    wrong = high[~high["verdict_right"].astype(bool)]
    assert wrong.empty, wrong[["cell", "class", "truth", "verdict", "confidence_fraction"]].to_string()
    f = figures(scored)["high_confidence_right"]
    assert f["of"] == 0 or f["value"] >= 0.98


@pytest.mark.parametrize("figure", ["definite_wrong", "unperturbed_definite_wrong"])
def test_no_wrong_definite_answer_before_or_after_the_replicas(scored: Path, figure: str) -> None:
    """No process named that is not the truth - in the final verdict, nor in the un-perturbed decision the replicas
    may have turned into ``undetermined`` (a fault of the decision logic they would hide)."""
    f = figures(scored)[figure]
    score = pd.read_csv(scored / "score.csv")
    final = figure == "definite_wrong"
    column, right = ("verdict", "verdict_right") if final else ("verdict_unperturbed", "unperturbed_right")
    bad = score[~score[column].isin(["undetermined", "missing"]) & ~score[right].astype(bool)]
    assert f["count"] == 0, bad[["cell", "class", "truth", column]].to_string()
