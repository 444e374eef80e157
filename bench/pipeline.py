"""Benchmark: throughput of the validation stage (read -> normalise -> KK -> crop) through Snakemake.

    python bench/pipeline.py [--spectra 1000] [--per-cell 10] [--cores 2] [--keep DIR]

Generates a dataset of ``--spectra`` synthetic spectra (three-arc equivalent circuits with noise, leads and a
low-frequency artefact, as data/example/generate.py makes them; 80 points, 7 MHz .. 0.1 Hz) in ``--per-cell``
spectra per cell, runs ``snakemake --until validate_cell`` on it and prints wall time and spectra per second.
Target (issue 2): 1000 spectra well under 10 minutes with --cores 2. One job per cell keeps the per-job start-up
cost (a Python process, imports) off the per-spectrum budget.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "data" / "example"))

import generate  # noqa: E402


def make_dataset(root: Path, n_spectra: int, per_cell: int) -> Path:
    d = root / "data" / "bench"
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = ["cell\tspectrum\tfile\tseries\tpressure_mpa\ttemperature_c\tarea_cm2"]
    for i in range(n_spectra):
        cell, k = f"cell{i // per_cell:04d}", i % per_cell
        p = 10 + 5 * k
        z = generate.spectrum_ohm_cm2(40.0, 60.0, 300.0 * 10 / p, 10 ** rng.uniform(-3.5, -2.5), seed=i)
        name = f"{cell}_{k:02d}.txt"
        zo = z / generate.AREA_CM2
        lines = ["freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm"]
        lines += [f"{f:.6e}\t{a:.6e}\t{-b:.6e}" for f, a, b in zip(generate.F, zo.real, zo.imag, strict=True)]
        (d / name).write_text("\n".join(lines) + "\n")
        rows.append(f"{cell}\tp{p:03d}\t{name}\tpressure\t{p}\t25\t{generate.AREA_CM2}")
    (d / "samples.tsv").write_text("\n".join(rows) + "\n")
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    return d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spectra", type=int, default=1000)
    parser.add_argument("--per-cell", type=int, default=10)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="eisrecipe-bench-"))
    try:
        make_dataset(root, args.spectra, args.per_cell)
        cmd = [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(root),
            "--cores",
            str(args.cores),
            "--config",
            "dataset=data/bench",
            "--until",
            "validate_cell",
            "--quiet",
        ]
        t0 = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if run.returncode != 0:
            print(run.stderr[-3000:])
            raise SystemExit(f"snakemake failed ({run.returncode})")
        n_cells = -(-args.spectra // args.per_cell)
        print(f"{args.spectra} spectra in {n_cells} cells, --cores {args.cores}: {wall:.1f} s")
        print(f"throughput: {args.spectra / wall:.1f} spectra/s; {wall / n_cells:.2f} s per cell job")
        print(f"target: 1000 spectra well under 600 s -> projected {1000 * wall / args.spectra:.0f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
