"""Byte-identical reruns: the default target on a small dataset, run from scratch in two different folders, writes
the same bytes into every CSV, JSON and HTML file (no dates, no absolute paths, seeded randomness, stable SVG) - the
first run with every job in its own process, the second with jobs in warm workers (eisrecipe.stages.warm)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from test_workflow import EXAMPLE, REPO, snakemake

pytestmark = pytest.mark.slow

STAGE_RULES = ("validate_cell", "drt_cell", "fit_cell", "confidence_cell", "verdict_cell", "report_cell")
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
    for name, warm in (("first", "0"), ("second", "1")):
        root = _workdir(tmp_path / name)
        # a run of its own (the environment names the warm server), servers gone soon after
        env = dict(os.environ, EISRECIPE_WARM=warm, EISRECIPE_WARM_IDLE="5", EISRECIPE_TEST_RUN=str(time.time_ns()))
        env.pop("SLURM_JOB_ID", None)
        run = snakemake(root, "--config", "dataset=data/tiny", env=env)
        assert run.returncode == 0, run.stderr[-3000:]
        runs.append(_outputs(root))
        stage_logs = [p for rule in STAGE_RULES for p in (root / "logs" / rule).rglob("*.log")]
        in_worker = [p for p in stage_logs if "warm worker (pid" in p.read_text()]
        assert len(stage_logs) == 6 * 2
        if warm == "0":
            assert not in_worker
        elif sys.platform.startswith("linux"):  # the first jobs wait for the server they start
            assert in_worker == stage_logs, "not every job of the warm run ran in a warm worker"
    first, second = runs
    assert first, "the default target wrote nothing"
    assert "summary.csv" in first and any(n.endswith("report.html") for n in first)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"not byte-identical between two runs: {differ}"
