"""The cluster profile (profiles/slurm) plans the workflow with the SLURM executor plugin (dry run, no cluster)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "profiles" / "slurm"


def test_profile_names_only_known_rules() -> None:
    config = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert config["executor"] == "slurm"
    rules = {
        line.split()[1].rstrip(":")
        for smk in (REPO / "rules").glob("*.smk")
        for line in smk.read_text().splitlines()
        if line.startswith("rule ")
    }
    assert set(config["set-resources"]) <= rules


@pytest.mark.slow
def test_profile_dry_run_plans_every_job(tmp_path: Path) -> None:
    pytest.importorskip("snakemake_executor_plugin_slurm")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    (tmp_path / "data").symlink_to(REPO / "data")
    run = subprocess.run(
        [*cmd, "--profile", str(PROFILE), "-n", "--config", "dataset=data/example"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout + run.stderr
    assert "validate_cell" in out and "report_cell" in out and "summary" in out
