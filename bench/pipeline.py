"""Benchmark: the whole chain (validate -> DRT -> fit -> verdict -> report, summary, bundle) through Snakemake.

    python bench/pipeline.py [--spectra 1000] [--cores 2] [--sizes 5,10,20,40] [--per-cell N] [--keep DIR]

Generates a seeded dataset of ``--spectra`` synthetic spectra in cells of 5-40 spectra (``--sizes``, drawn in
turn; ``--per-cell N`` makes every cell N spectra, the layout of issue 19's first measurement) and runs the default
target on it (every per-cell output, the reports, the summary and the bundle), then prints the wall time, the load
average before and after, the versions, and the per-rule breakdown from Snakemake's ``benchmarks/`` files (job
seconds summed per rule, its share, median per job, per spectrum). Job seconds include each job's Python start-up
and imports; the wall time also holds Snakemake's own work (DAG, scheduling), which no benchmark file records.

Jobs run in warm workers (:mod:`eisrecipe.stages.warm`) unless ``--warm off``: a job's computation then happens in
a fork of a server process, outside the process tree Snakemake's benchmark samples, so the per-rule CPU adds the
CPU each worker wrote to the job's log, and the whole run's CPU counts the servers too (this process adopts them as
a Linux child subreaper and waits for them to leave, ``EISRECIPE_WARM_IDLE`` = 3 s after the run).

The cells (three-arc equivalent circuits with 0.2 % noise, 1 uH leads and a low-frequency artefact below 1 Hz, as
data/example/generate.py makes them; 80 points, 7 MHz .. 0.1 Hz) come in three kinds, one after another:

- pressure series at 25 C, log-spaced 5 .. 400 MPa: the interface arc shrinks as p^-a (a per cell), its time
  constant either moves with pressure (constriction) or stays (charge transfer);
- temperature series at 41 MPa, -20 .. 80 C: every resistance on its Arrhenius law (0.3 .. 0.5 eV);
- both: a pressure series at 25 C and a five-point temperature series at the highest pressure.

Target (issue 19): 1000 spectra through the whole chain in <= 60 s wall with --cores 2, cost linear in spectra.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "data" / "example"))

import generate  # noqa: E402

HEADER = "cell\tspectrum\tfile\tseries\tpressure_mpa\tpressure_mode\ttemperature_c\tarea_cm2\tthickness_cm"
KINDS = ("pressure", "temperature", "both")


def load() -> str:
    """The 1, 5 and 15 minute load averages, as text."""
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _write(d: Path, name: str, z_ohm_cm2: np.ndarray) -> None:
    z = z_ohm_cm2 / generate.AREA_CM2
    lines = ["freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm"]
    lines += [f"{f:.6e}\t{a:.6e}\t{-b:.6e}" for f, a, b in zip(generate.F, z.real, z.imag, strict=True)]
    (d / name).write_text("\n".join(lines) + "\n")


def cell_sizes(n_spectra: int, sizes: list[int]) -> list[int]:
    """Cell sizes drawn in turn from ``sizes`` until ``n_spectra``; a remainder below the smallest size joins the
    last cell."""
    out: list[int] = []
    k = 0
    while sum(out) < n_spectra:
        out.append(min(sizes[k % len(sizes)], n_spectra - sum(out)))
        k += 1
    if len(out) > 1 and out[-1] < min(sizes):
        out[-2] += out.pop()
    return out


def make_dataset(root: Path, n_spectra: int, sizes: list[int], per_cell: int | None = None, seed: int = 0) -> Path:
    """Write ``data/bench/`` (instrument files and samples.tsv) and a copy of config.yaml under ``root``."""
    d = root / "data" / "bench"
    d.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    rows = [HEADER]
    counts = [per_cell] * -(-n_spectra // per_cell) if per_cell else cell_sizes(n_spectra, sizes)
    if per_cell:
        counts[-1] = n_spectra - per_cell * (len(counts) - 1)
    serial = 0
    for c, n in enumerate(counts):
        cell = f"cell{c:04d}"
        kind = "pressure" if per_cell else KINDS[c % len(KINDS)]
        r_b, r_gb = 10 ** rng.uniform(1.3, 2.3), 10 ** rng.uniform(1.3, 2.0)
        r_int10, a = 10 ** rng.uniform(2.0, 3.0), rng.uniform(0.8, 1.5)
        tau10, constriction = 10 ** rng.uniform(-3.5, -2.5), bool(rng.integers(2))
        n_t = n if kind == "temperature" else (5 if kind == "both" else 0)
        n_p = n - n_t
        if per_cell:  # issue 19's first layout: 10 + 5 k MPa, the interface as bench/pipeline.py made it then
            pressures = [10.0 + 5 * k for k in range(n_p)]
        else:
            pressures = [float(f"{p:.3g}") for p in np.geomspace(5.0, 400.0, n_p)] if n_p else []
        for k, p in enumerate(pressures):
            if per_cell:
                z = generate.spectrum_ohm_cm2(40.0, 60.0, 300.0 * 10 / p, tau10, seed=serial)
            else:
                r_int = r_int10 * (p / 10.0) ** -a
                tau = tau10 * (p / 10.0) ** -a if constriction else tau10
                z = generate.spectrum_ohm_cm2(r_b, r_gb, r_int, tau, seed=serial)
            name = f"{cell}_p{k:02d}.txt"
            _write(d, name, z)
            rows.append(f"{cell}\tp{k:02d}\t{name}\tpressure\t{p:g}\tuniaxial\t25\t{generate.AREA_CM2}\t0.1")
            serial += 1
        p_t = pressures[-1] if pressures else 41.0
        r_int_t = r_int10 * (p_t / 10.0) ** -a
        tau_t = tau10 * (p_t / 10.0) ** -a if constriction else tau10
        ea = rng.uniform(0.3, 0.5, size=3)
        for k, t_c in enumerate(np.linspace(-20.0, 80.0, n_t) if n_t else []):
            t_c = round(float(t_c), 1)
            r_int = generate.arrhenius(r_int_t, ea[2], t_c)
            z = generate.spectrum_ohm_cm2(
                generate.arrhenius(r_b, ea[0], t_c),
                generate.arrhenius(r_gb, ea[1], t_c),
                r_int,
                tau_t * r_int / r_int_t,
                seed=serial,
            )
            name = f"{cell}_t{k:02d}.txt"
            _write(d, name, z)
            rows.append(f"{cell}\tt{k:02d}\t{name}\ttemperature\t{p_t:g}\tuniaxial\t{t_c:g}\t{generate.AREA_CM2}\t0.1")
            serial += 1
    (d / "samples.tsv").write_text("\n".join(rows) + "\n")
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    return d


WORKER_CPU = re.compile(r"warm worker \(pid \d+\): ([0-9.]+) CPU s")


def worker_cpu_s(log: Path) -> float:
    """CPU seconds a warm worker spent on the job of ``log`` (0 where the job ran in its own process)."""
    if not log.is_file():
        return 0.0
    return sum(float(m.group(1)) for m in WORKER_CPU.finditer(log.read_text(errors="replace")))


def rule_breakdown(root: Path) -> tuple[dict[str, list[tuple[float, float]]], int]:
    """Rule -> (run time, CPU time) in s of each of its jobs, from ``benchmarks/<rule>/bench/*.tsv`` (and
    ``benchmarks/<rule>/bench.tsv`` for the dataset-wide rules), the CPU plus that of a warm worker (the job's log
    at ``logs/<rule>/...log``); and how many jobs ran in a warm worker."""
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    warm = 0
    for path in sorted((root / "benchmarks").rglob("*.tsv")):
        relative = path.relative_to(root / "benchmarks")
        rule = relative.parts[0]
        extra = worker_cpu_s((root / "logs" / relative).with_suffix(".log"))
        warm += extra > 0
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                cpu = row.get("cpu_time", "NA")
                out[rule].append((float(row["s"]), (float(cpu) if cpu not in ("", "NA") else math.nan) + extra))
    return dict(out), warm


def adopt_orphans() -> bool:
    """Become a child subreaper (Linux): processes a job leaves behind (warm servers) are re-parented here, so
    their CPU can be counted once they are waited for."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def wait_for_orphans(limit_s: float = 120.0) -> None:
    """Wait for every child left (adopted warm servers leave ``EISRECIPE_WARM_IDLE`` s after their last job)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.2)


ORDER = (
    "validate_cell",
    "drt_cell",
    "fit_cell",
    "confidence_cell",
    "verdict_cell",
    "report_cell",
    "summary",
    "report_bundle",
)


def print_breakdown(jobs: dict[str, list[tuple[float, float]]], n_spectra: int, wall: float, cores: int) -> None:
    """Per rule: jobs, job seconds (and their share), median and longest job, job ms per spectrum, and the CPU
    seconds Snakemake's benchmark sampled (it misses the end of short jobs: see the whole run's CPU instead)."""
    times = {r: [t for t, _ in v] for r, v in jobs.items()}
    cpus = {r: [c for _, c in v] for r, v in jobs.items()}
    total = sum(sum(v) for v in times.values())
    print(f"{'rule':<16}{'jobs':>6}{'job s':>9}{'share':>8}{'median s':>10}{'max s':>8}{'ms/spectrum':>13}{'cpu s':>8}")
    for rule in sorted(times, key=lambda r: (ORDER.index(r) if r in ORDER else len(ORDER), r)):
        v = times[rule]
        print(
            f"{rule:<16}{len(v):>6}{sum(v):>9.1f}{100 * sum(v) / total:>7.0f}%{statistics.median(v):>10.2f}"
            f"{max(v):>8.2f}{1000 * sum(v) / n_spectra:>13.1f}{sum(cpus[rule]):>8.1f}"
        )
    cpu_total = sum(sum(v) for v in cpus.values())
    print(f"{'all jobs':<16}{sum(len(v) for v in times.values()):>6}{total:>9.1f}{'':>52}{cpu_total:>8.1f}")
    busy = total / (cores * wall)
    print(f"job seconds / ({cores} cores x wall) = {busy:.0%} (the rest: Snakemake, idle, other load)")


def _own_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` itself, without its children (Linux ``/proc``), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_watched(
    cmd: list[str], every_s: float = 0.2, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float | None]:
    """Run ``cmd`` to the end; also return the CPU seconds of its own process (not its children), read from /proc
    every ``every_s`` seconds until it exits (the last ``every_s`` before the exit are missed; None off Linux).
    Snakemake runs each job in a child process, so this is Snakemake's own work."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    last: list[float | None] = [None]

    def watch() -> None:
        while proc.poll() is None:
            value = _own_cpu_s(proc.pid)
            if value is not None:
                last[0] = value
            time.sleep(every_s)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    watcher.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), last[0]


def versions() -> str:
    names = ("snakemake", "numpy", "scipy", "pandas", "matplotlib", "eisrecipe")
    found = []
    for n in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found.append(f"{n} {metadata.version(n)}")
    return f"Python {platform.python_version()}, " + ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spectra", type=int, default=1000)
    parser.add_argument("--sizes", default="5,10,20,40,8,15,30", help="cell sizes, drawn in turn (5-40 spectra)")
    parser.add_argument("--per-cell", type=int, default=None, help="every cell this many spectra, pressure only")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    parser.add_argument("--snakemake-args", default="", help="more arguments for snakemake, one string")
    parser.add_argument("--warm", choices=("on", "off"), default="on", help="warm workers (eisrecipe.stages.warm)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    root = args.keep or Path(tempfile.mkdtemp(prefix="eisrecipe-bench-"))
    try:
        make_dataset(root, args.spectra, sizes, args.per_cell, args.seed)
        n_cells = len({ln.split("\t")[0] for ln in (root / "data/bench/samples.tsv").read_text().splitlines()[1:]})
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
            "--quiet",
            *args.snakemake_args.split(),
        ]
        print(versions())
        print(f"{args.spectra} spectra in {n_cells} cells; before: {load()}", flush=True)
        # a run of its own: the digest of its environment differs from any other run's, so no server of an
        # earlier run (not this process's descendant, its CPU not counted) takes its jobs
        env = dict(os.environ, EISRECIPE_WARM="1" if args.warm == "on" else "0", EISRECIPE_WARM_IDLE="3")
        env["EISRECIPE_BENCH_RUN"] = f"{os.getpid()}-{time.time_ns()}"
        adopted = adopt_orphans()
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run, own_cpu = run_watched(cmd, env=env)
        wall = time.perf_counter() - t0
        wait_for_orphans()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # every process of the run (Snakemake and all its jobs, each waited for): exact, and steadier than the
        # wall time on a shared machine
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        if run.returncode != 0:
            print(run.stderr[-3000:])
            raise SystemExit(f"snakemake failed ({run.returncode})")
        print(f"whole chain, --cores {args.cores}, warm workers {args.warm}: {wall:.1f} s wall; after: {load()}")
        if args.warm == "on" and not adopted:
            print("(warm servers not adopted: their CPU is missing from the whole run's CPU below)")
        print(
            f"CPU of the whole run (Snakemake and every job): {cpu:.1f} s = {cpu / args.cores:.1f} s on {args.cores} "
            f"idle cores at best; projected for 1000 spectra: {1000 * cpu / args.spectra / args.cores:.0f} s"
        )
        if own_cpu is not None:
            print(
                f"Snakemake's own process (DAG, scheduling, job bookkeeping; its jobs run in other processes): "
                f"{own_cpu:.1f} CPU s = {own_cpu / cpu:.0%} of the run's CPU"
            )
        print(f"throughput: {args.spectra / wall:.1f} spectra/s; {wall / n_cells:.2f} s per cell")
        print(f"projected for 1000 spectra (linear): {1000 * wall / args.spectra:.0f} s (target <= 60 s)")
        jobs, warm = rule_breakdown(root)
        print(f"jobs in a warm worker: {warm} of {sum(len(v) for v in jobs.values())}")
        print_breakdown(jobs, args.spectra, wall, args.cores)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
