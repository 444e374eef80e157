"""A cell name the sample sheet allows never breaks the workflow's wildcard regex (issue 14: `a+`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "example"

pytestmark = pytest.mark.slow


def test_regex_characters_in_cell_names_plan_every_job(tmp_path: Path) -> None:
    """`a+` next to `a` (and `a.b` next to `axb`): unescaped, `a+` and `a.b` would be regexes that match
    the other cell's paths or none; escaped, the dry run plans each cell's jobs (5.7 s measured)."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    d = tmp_path / "data" / "names"
    d.mkdir(parents=True)
    shutil.copy(EXAMPLE / "cellA_010MPa.txt", d / "a.txt")
    rows = ["cell\tspectrum\tfile\tseries\tpressure_mpa\ttemperature_c\tarea_cm2"]
    cells = ["a+", "a", "a.b", "axb"]
    rows += [f"{c}\tp10\ta.txt\tpressure\t10\t25\t0.5" for c in cells]
    (d / "samples.tsv").write_text("\n".join(rows) + "\n")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    run = subprocess.run(
        [*cmd, "--cores", "1", "-n", "--config", "dataset=data/names"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for cell in cells:
        assert f"results/names/{cell}/verdict.json" in run.stdout
    assert re.search(r"^validate_cell\s+4\s*$", run.stdout, re.MULTILINE), run.stdout[-2000:]


def test_cell_named_like_a_dataset_output_stops_the_run(tmp_path: Path) -> None:
    """A cell called `summary_figures` would put its folder where the summary writes the cross-cell figures (issue
    18): the run stops at parse time with the sheet's line, before any job."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    d = tmp_path / "data" / "clash"
    d.mkdir(parents=True)
    shutil.copy(EXAMPLE / "cellA_010MPa.txt", d / "a.txt")
    rows = ["cell\tspectrum\tfile\tseries\tpressure_mpa\ttemperature_c\tarea_cm2"]
    rows += [f"{c}\tp10\ta.txt\tpressure\t10\t25\t0.5" for c in ("a", "summary_figures")]
    (d / "samples.tsv").write_text("\n".join(rows) + "\n")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
    run = subprocess.run(
        [*cmd, "--cores", "1", "-n", "--config", "dataset=data/clash"], capture_output=True, text=True, timeout=300
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-3000:]
    assert "samples.tsv, line 3, column 'cell': cell name 'summary_figures' is not allowed" in out, out[-3000:]
    assert "results/clash/summary_figures is the dataset's folder of cross-cell figures" in out
