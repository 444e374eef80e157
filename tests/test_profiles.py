"""The cluster profile (profiles/slurm) plans the workflow with the SLURM executor plugin (dry run, no cluster);
a site profile made from it as README "On a cluster" says names only settings the installed plugin knows.
tests/test_slurm_cluster.py runs it on a real (local) SLURM cluster."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "profiles" / "slurm"

# what a site adds to the lab's profile for a cluster without accounting (README, "On a cluster")
NO_ACCOUNTING = {"slurm-status-command": "squeue"}


def site_profile(dest: Path, resources: dict | None = None, settings: dict | None = None) -> Path:
    """A site's copy of profiles/slurm: its default-resources extended by ``resources`` (slurm_partition,
    slurm_account ...), plugin ``settings`` added; every other key as in the lab's profile."""
    config = yaml.safe_load((PROFILE / "config.yaml").read_text())
    config["default-resources"] = {**config["default-resources"], **(resources or {})}
    config.update(settings or {})
    dest.mkdir(parents=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return dest


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


def test_site_settings_are_known_to_the_plugin() -> None:
    """The settings README and the SLURM test add exist in the installed plugin (a renamed one fails here, not on
    a cluster): a profile key ``slurm-x-y`` is the executor setting ``x_y``."""
    plugin = pytest.importorskip("snakemake_executor_plugin_slurm")
    known = {f.name for f in dataclasses.fields(plugin.ExecutorSettings)}
    used = [*NO_ACCOUNTING, "slurm-init-seconds-before-status-checks", "slurm-no-account"]
    assert {key.removeprefix("slurm-").replace("-", "_") for key in used} <= known


def test_profile_leaves_site_settings_to_the_site() -> None:
    """No partition, account or status command in the lab's profile: they differ between clusters."""
    config = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert not {"slurm_partition", "slurm_account"} & set(config["default-resources"])
    assert "slurm-status-command" not in config


@pytest.mark.slow
@pytest.mark.parametrize("site", [False, True], ids=["lab-profile", "site-profile"])
def test_profile_dry_run_plans_every_job(tmp_path: Path, site: bool) -> None:
    pytest.importorskip("snakemake_executor_plugin_slurm")
    profile = PROFILE
    if site:
        resources = {"slurm_partition": "batch", "slurm_account": "lab"}
        profile = site_profile(tmp_path / "profile", resources, NO_ACCOUNTING)
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    (tmp_path / "data").symlink_to(REPO / "data")
    run = subprocess.run(
        [*cmd, "--profile", str(profile), "-n", "--config", "dataset=data/example"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout + run.stderr
    assert "validate_cell" in out and "report_cell" in out and "summary" in out
    if site:  # the site's keys add to the profile's resources, they do not replace them
        assert "runtime=20" in out and "mem_mb=3000" in out and "slurm_account=lab" in out


def test_workflow_profile_is_read_by_every_run(tmp_path: Path) -> None:
    """profiles/default (the greedy scheduler: the ILP solved a CBC programme per scheduling round for nothing this
    workflow weighs) is found beside the Snakefile also when Snakemake runs in another folder."""
    assert yaml.safe_load((REPO / "profiles" / "default" / "config.yaml").read_text()) == {"scheduler": "greedy"}
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    (tmp_path / "data").symlink_to(REPO / "data")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    run = subprocess.run(
        [*cmd, "-n", "--quiet", "rules", "--config", "dataset=data/example"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Using workflow specific profile" in run.stdout + run.stderr
