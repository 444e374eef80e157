"""The install files agree: the conda environments hold every run-time dependency of pyproject.toml from channels
that publish them, with no relative path (Snakemake copies env files under --sdm conda), and every rule's
``conda:`` names an existing env file. conda itself is not run here (not installed on CI): files are checked by
their structure."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
#: PyPI name -> conda-forge name where they differ
CONDA_NAME = {"matplotlib": "matplotlib-base", "snakemake": "snakemake-minimal"}
#: packages and the channel that publishes them (everything else: conda-forge)
CHANNEL = {"snakemake-minimal": "bioconda"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].strip().lower()


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _env(path: Path) -> tuple[list[str], set[str], list[str]]:
    env = yaml.safe_load(path.read_text())
    assert set(env) <= {"name", "channels", "dependencies"}, f"{path.name}: unknown keys {set(env)}"
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    pip = [p for d in env["dependencies"] if isinstance(d, dict) for p in d.get("pip", [])]
    return env["channels"], conda, pip


@pytest.mark.parametrize("path", ["environment.yml", "workflow/envs/eisrecipe.yaml"])
def test_conda_env_holds_every_runtime_dependency(path: str) -> None:
    channels, conda, pip = _env(REPO / path)
    wanted = {CONDA_NAME.get(_name(r), _name(r)) for r in _project()["dependencies"]}
    wanted |= {_name(r) for r in _project()["optional-dependencies"]["mpr"]}
    if path != "environment.yml":
        wanted.discard("snakemake-minimal")  # a rule's job does not run Snakemake
    have = conda | {_name(p) for p in pip}
    assert wanted <= have, f"{path} lacks {sorted(wanted - have)}"
    for package in conda:
        assert CHANNEL.get(package, "conda-forge") in channels, f"{path}: no channel publishes {package}"
    for requirement in pip:
        assert not re.match(r"^(-e\s|\.|/|file:)", requirement), f"{path}: local path {requirement!r} under pip"


def test_main_install_is_light() -> None:
    """`pip install -e .` brings no test tool, peer implementation or cluster plugin."""
    core = {_name(r) for r in _project()["dependencies"]}
    heavy = {"pytest", "hypothesis", "ruff", "selenium", "pyimpspec", "impedance", "pydrttools", "cvxopt"}
    assert not core & heavy
    assert not core & {"snakemake-executor-plugin-slurm", "scikit-learn", "galvani"}


def test_every_rule_environment_exists() -> None:
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for env in re.findall(r"conda:\s*\n\s*\"([^\"]+)\"", smk.read_text()):
            assert (smk.parent / env).resolve().is_file(), f"{smk.name}: conda env {env} missing"
