"""Benchmark: the cost of the verdict's confidence (issue 16 budget: <= 2x the un-perturbed run).

    python bench/confidence.py [--dataset data/li_llzo_case_study] [--cores 2] [--replicas N]

Runs the workflow twice from scratch on a copy of the dataset - once with ``confidence.replicas=0`` (the switch
off: the un-perturbed run) and once with the configured replica count - and prints both wall times, their ratio and
the per-rule times from Snakemake's benchmark files, with the load average and versions beside every figure (the
ratio is what the budget is about; absolute times depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def run(work: Path, dataset: str, cores: int, replicas: int | None) -> tuple[float, dict[str, float]]:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(work)]
    cmd += ["--cores", str(cores), "-q", "--config", f"dataset={dataset}"]
    if replicas is not None:
        cmd.append(f"confidence={{replicas: {replicas}}}")
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    per_rule: dict[str, float] = {}
    for f in (work / "benchmarks").glob("*/*/*.tsv"):
        per_rule[f.parts[-3]] = per_rule.get(f.parts[-3], 0.0) + float(pd.read_csv(f, sep="\t")["s"].iloc[-1])
    return wall, per_rule


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="data/li_llzo_case_study")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--replicas", type=int, default=None, help="replica count (default: config.yaml's)")
    args = ap.parse_args()
    import snakemake

    import eisrecipe

    print(f"eisrecipe {eisrecipe.__version__}, snakemake {snakemake.__version__}, Python {platform.python_version()}")
    results = {}
    for label, replicas in (("off", 0), ("on", args.replicas)):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            shutil.copy(REPO / "config.yaml", work / "config.yaml")
            shutil.copytree(REPO / args.dataset, work / args.dataset)
            load = os.getloadavg()[0]
            wall, per_rule = run(work, args.dataset, args.cores, replicas)
            results[label] = wall
            rules = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(per_rule.items()))
            print(f"confidence {label:3s}: {wall:6.1f} s wall (load {load:.1f} before, cores {args.cores}); {rules}")
    print(f"ratio on/off: {results['on'] / results['off']:.2f} (budget <= 2.0)")


if __name__ == "__main__":
    main()
