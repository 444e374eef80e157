"""The documentation: the mkdocs site builds (strict: no broken link, every API page renders from the docstrings)
and the tutorial notebook runs on the shipped data without an error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_docs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocstrings", reason="docs tools: pip install -e '.[docs]'")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(tmp_path)]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    api = (tmp_path / "api" / "index.html").read_text()
    for name in ("run_cell", "parse_circuit", "nyquist", "CellRun"):
        assert name in api, name
    assert (tmp_path / "tutorial.ipynb").is_file()


@pytest.mark.slow
def test_tutorial_notebook_runs() -> None:
    nbclient = pytest.importorskip("nbclient", reason="docs tools: pip install -e '.[docs]'")
    import nbformat

    nb = nbformat.read(REPO / "docs" / "tutorial.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    text = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "KK(kept 68/80 points" in text and "R3 = 30" in text and "cannot be expressed" in text
    assert "CellRun('cellA': constriction" in text
