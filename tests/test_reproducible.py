"""Byte-identical reruns: the default target on a small dataset, run from scratch in two different folders, writes
the same bytes into every CSV, JSON and HTML file (no dates, no absolute paths, seeded randomness, stable SVG)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_workflow import EXAMPLE, REPO, snakemake

pytestmark = pytest.mark.slow

FILES = ["cellA_010MPa.txt", "cellA_400MPa.txt", "cellB_00C.txt", "cellB_25C.txt", "cellB_60C.txt"]


def _workdir(root: Path) -> Path:
    root.mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    d = root / "data" / "tiny"
    d.mkdir(parents=True)
    lines = (EXAMPLE / "samples.tsv").read_text().splitlines()
    keep = [lines[0]] + [ln for ln in lines[1:] if ln.split("\t")[2] in FILES]
    (d / "samples.tsv").write_text("\n".join(keep) + "\n")
    for name in FILES:
        shutil.copy(EXAMPLE / name, d / name)
    return root


def _outputs(root: Path) -> dict[str, bytes]:
    out = root / "results" / "tiny"
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.suffix in {".csv", ".json", ".html", ".xlsx"}
    }


def test_rerun_from_scratch_is_byte_identical(tmp_path: Path) -> None:
    runs = []
    for name in ("first", "second"):
        root = _workdir(tmp_path / name)
        run = snakemake(root, "--config", "dataset=data/tiny")
        assert run.returncode == 0, run.stderr[-3000:]
        runs.append(_outputs(root))
    first, second = runs
    assert first, "the default target wrote nothing"
    assert "summary.csv" in first and any(n.endswith("report.html") for n in first)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"not byte-identical between two runs: {differ}"
