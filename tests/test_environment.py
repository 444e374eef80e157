"""The install files agree: the conda environments hold every run-time dependency of pyproject.toml from channels
that publish them, with no relative path (Snakemake copies env files under --sdm conda), and every rule's
``conda:`` names an existing env file. conda itself is not run here (not installed on CI): files are checked by
their structure."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import numpy as np
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
        wanted |= {_name(r) for r in _project()["optional-dependencies"]["simulate"]}  # the simulate rules' pyamg
    have = conda | {_name(p) for p in pip}
    assert wanted <= have, f"{path} lacks {sorted(wanted - have)}"
    for package in conda:
        assert CHANNEL.get(package, "conda-forge") in channels, f"{path}: no channel publishes {package}"
    for requirement in pip:
        assert not re.match(r"^(-e\s|\.|/|file:)", requirement), f"{path}: local path {requirement!r} under pip"


def test_main_install_is_light() -> None:
    """`pip install -e .` brings no test tool, peer implementation, cluster plugin or network solver (issue 18: the
    main install measured 545 MB with pyamg in a fresh venv, the test environment 1029 MB)."""
    core = {_name(r) for r in _project()["dependencies"]}
    heavy = {"pytest", "hypothesis", "ruff", "selenium", "pyimpspec", "impedance", "pydrttools", "cvxopt"}
    assert not core & heavy
    assert not core & {"snakemake-executor-plugin-slurm", "scikit-learn", "galvani", "pyamg"}


def test_readme_main_command_installs_the_main_job_only() -> None:
    """The README's first command installs the package with the `mpr` extra and nothing for tests, without pip's
    up-front bytecode (issue 18: 404 MB then, against 1031 MB for `.[test,mpr]`; bench/install_size.py)."""
    readme = (REPO / "README.md").read_text()
    command = next(line for line in readme.splitlines() if line.startswith("python3 -m venv .venv"))
    install = re.search(r"pip install (.*?) &&", command)
    assert install and install.group(1) == '--no-compile -e ".[mpr]"', command
    assert "bench/install_size.py" in readme


def test_the_test_extra_holds_every_other_extra() -> None:
    """`.[test]` installs every optional package, so the tests exercise each feature with its extra installed."""
    extras = {k: {_name(r) for r in v} for k, v in _project()["optional-dependencies"].items()}
    test = extras.pop("test")
    for extra, packages in extras.items():
        assert packages <= test, f"extra {extra!r}: {sorted(packages - test)} missing from the test extra"


def test_pyamg_is_imported_in_one_guarded_place() -> None:
    """Only eisrecipe.network.solver._import_pyamg imports pyamg (the analysis never needs the `simulate` extra)."""
    hits = [
        f"{p.relative_to(REPO)}:{i}"
        for p in sorted((REPO / "src").rglob("*.py"))
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if re.match(r"\s*(import|from)\s+pyamg\b", line)
    ]
    assert len(hits) == 1 and hits[0].startswith("src/eisrecipe/network/solver.py"), hits


def _small_network():
    from eisrecipe.network.assembly import ElementValues, assemble
    from eisrecipe.network.microstructure import Grid, voronoi_grains
    from eisrecipe.network.morphology import disordered

    grid = Grid.cube(100, 5)
    return assemble(grid, disordered((5, 5), 0.3, 2.0, 0), ElementValues(), voronoi_grains(grid, 40.0, 0))


def test_amg_without_pyamg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the `simulate` extra (pyamg made unimportable) the AMG solver stops with a message naming the extra;
    sparse LU, what small networks use, still works."""
    from eisrecipe.network.solver import reduce

    net, freq = _small_network(), np.geomspace(1e6, 1e-1, 8)
    monkeypatch.setitem(sys.modules, "pyamg", None)  # import pyamg -> ImportError
    with pytest.raises(ImportError, match=r'needs the optional package pyamg: pip install "eisrecipe\[simulate\]"'):
        reduce(net, freq, backend="amg")
    assert np.all(np.isfinite(reduce(net, freq, backend="lu").impedance(freq)))


def test_amg_with_the_simulate_extra_agrees_with_lu() -> None:
    pytest.importorskip("pyamg")
    from eisrecipe.network.solver import reduce

    net, freq = _small_network(), np.geomspace(1e6, 1e-1, 8)
    z_amg, z_lu = reduce(net, freq, backend="amg").impedance(freq), reduce(net, freq, backend="lu").impedance(freq)
    assert np.max(np.abs(z_amg - z_lu) / np.abs(z_lu)) <= 1e-6


def test_every_rule_environment_exists() -> None:
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for env in re.findall(r"conda:\s*\n\s*\"([^\"]+)\"", smk.read_text()):
            assert (smk.parent / env).resolve().is_file(), f"{smk.name}: conda env {env} missing"
