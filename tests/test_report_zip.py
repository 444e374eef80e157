"""``snakemake --report results/report.zip``: the workflow description, the figures with their captions in one
category per cell, and summary.html (the index of the report bundle) whose every link resolves inside the zip."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

import pytest
from test_reproducible import _workdir
from test_workflow import snakemake

pytestmark = pytest.mark.slow


def _links(html: str) -> list[str]:
    """Targets of href/src attributes that point at files (no data URIs, anchors or absolute URLs)."""
    targets = re.findall(r'(?:href|src)="([^"]+)"', html)
    return [t for t in targets if not re.match(r"(data:|#|[a-z]+://|mailto:)", t)]


def test_report_zip_links_work_and_figures_have_captions(tmp_path: Path) -> None:
    root = _workdir(tmp_path / "w")
    run = snakemake(root, "--config", "dataset=data/tiny")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "open results/tiny/summary.html" in run.stderr  # onsuccess names the summary
    run = snakemake(root, "--config", "dataset=data/tiny", "--report", "results/report.zip")
    assert run.returncode == 0, run.stderr[-3000:]
    with zipfile.ZipFile(root / "results" / "report.zip") as z:
        names = set(z.namelist())
        summaries = [n for n in names if n.endswith("/summary.html")]
        assert len(summaries) == 1, summaries  # only the bundle's index, not a stray copy with broken links
        index = summaries[0]
        html = z.read(index).decode()
        links = _links(html)
        assert {"cellA/report.html", "cellB/report.html", "parameters.xlsx"} <= set(links)
        broken = [t for t in links if posixpath.normpath(posixpath.join(posixpath.dirname(index), t)) not in names]
        assert not broken, f"links of summary.html not in the zip: {broken}"
        main = z.read("report/report.html").decode()
    assert "hierarchical recipe of Eckhardt" in main  # the workflow description
    assert "Cell cellA" in main and "Cell cellB" in main  # one category per cell
    assert "Nyquist plots of the area-specific impedance" in main and "Arrhenius plot" in main  # figure captions
