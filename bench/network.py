"""Benchmark of the 3D impedance-network solver: spectrum time and peak memory against grid size.

For every grid size N (an N^3 voxel cube of 100 um with 10 um Voronoi grains, a disordered contact map at
A = 30 % and the paper's tau_Cstr ~ tau_CT parameter set) it times

- the reduced-order model (real shifts, AMG-CG or sparse LU, projection, exact Foster form) for a 91-frequency
  spectrum (10 MHz .. 10 mHz), in ``--jobs`` worker processes (``--blas-threads`` BLAS threads each), and
- per-frequency direct solves on ``--direct-freqs`` frequencies spread over the band (up to ``--direct-max``),
  extrapolated to 91 frequencies as cold + 90 x warm, by the strongest direct solvers available here:
  ``superlu-complex`` (SciPy SuperLU on the complex system, COLAMD ordering, default pivoting),
  ``superlu-real2x2`` (the package's reference :func:`eisrecipe.network.solver.direct_impedance`: the real
  equivalent 2x2-block form, COLAMD order of the scalar pattern, no pivoting) and ``pardiso`` (pypardiso on the
  real equivalent form, where it is installed; it takes no complex matrices; it repeats its analysis phase at
  every frequency), all with ``--blas-threads`` BLAS / OpenMP threads (default 1: on a loaded 2-core machine two
  BLAS threads made SuperLU and PARDISO up to 10x slower, the spin-waiting of threaded BLAS).

Figures: ``x91`` of a direct solver against the reduced model's wall time, and its CPU time (one core) against the
reduced model's CPU time summed over its processes; the former is what a user waits, the latter what a fully
loaded machine (many spectra at once) pays.

Every measurement runs in its own subprocess under ``/usr/bin/time -v`` (when installed), so its peak memory
belongs to that solve alone: ``maxRSS`` is time's "Maximum resident set size" (the largest single process of
the tree: GNU time reports the maximum, not the sum, over a parent and its children), ``treePSS`` the largest
sum of proportional set sizes over the whole process tree (parent and forked workers, shared pages counted
once), sampled every 0.2 s. ``cold`` is the first call in a fresh process (imports done, network assembled),
``warm`` a second call in the same process (``--warm-max``; for the direct solvers: the median of the later
frequencies). ``cpu`` is user + system time of the process tree, which the machine's load inflates less than
the wall time. The load average and the library versions are printed with every figure.

Run: ``python bench/network.py`` (defaults: N = 10 .. 100, direct solves up to N = 25).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

N_FREQ = 91
TIME = "/usr/bin/time"


def _network(n: int):  # type: ignore[no-untyped-def]
    from eisrecipe.network.assembly import assemble
    from eisrecipe.network.microstructure import Grid, voronoi_grains
    from eisrecipe.network.morphology import disordered
    from eisrecipe.network.scenarios import Material

    grid = Grid.cube(100.0, n)
    values = Material().with_tau_order("cstr_eq_ct").at(25.0)
    labels = disordered((n, n), 0.3, correlation_px=n / 10, seed=1)
    return assemble(grid, labels, values, voronoi_grains(grid, 10.0, seed=1))


def versions() -> str:
    """Versions of Python and the numerical libraries, and the BLAS in use."""
    import numpy
    import pyamg
    import scipy

    out = [f"python {platform.python_version()}", f"numpy {numpy.__version__}", f"scipy {scipy.__version__}"]
    out.append(f"pyamg {pyamg.__version__}")
    try:
        from importlib.metadata import version

        import pypardiso  # noqa: F401

        out.append(f"pypardiso {version('pypardiso')} (mkl {version('mkl')})")
    except Exception:
        out.append("pypardiso -")
    try:
        from threadpoolctl import threadpool_info

        blas = sorted({f"{i['internal_api']} {i['version']}" for i in threadpool_info() if i["user_api"] == "blas"})
        out.append("BLAS " + ", ".join(blas))
    except ImportError:  # pragma: no cover
        pass
    try:
        rev = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=Path(__file__).parent
        )
        out.append(f"eisrecipe {rev.stdout.strip() or '?'}")
    except OSError:  # pragma: no cover
        pass
    return ", ".join(out)


def _load() -> str:
    return "load " + "/".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------------------------------------ tree memory
def _tree_pids(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return pids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the summed PSS of this process and its descendants (Linux ``/proc``) in a background thread."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._every = every_s
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in _tree_pids(os.getpid())))
            self._stop.wait(self._every)

    def __enter__(self) -> TreeMemory:
        if os.path.exists("/proc/self/smaps_rollup"):
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# --------------------------------------------------------------------------------------------------- workers
def _interior(net: Any) -> tuple[Any, Any, Any, Any, float, float]:
    w = net.we
    return (
        net.g[:w, :w].tocsr(),
        net.c[:w, :w].tocsr(),
        net.g[:w, [w]].toarray().ravel(),
        net.c[:w, [w]].toarray().ravel(),
        float(net.g[w, w]),
        float(net.c[w, w]),
    )


def _superlu_complex(net: Any, f: np.ndarray) -> tuple[np.ndarray, list[tuple[float, float]]]:
    from scipy.sparse.linalg import splu

    g_ii, c_ii, g_iw, c_iw, g_ww, c_ww = _interior(net)
    z, times = np.empty(f.size, dtype=complex), []
    for k, fk in enumerate(f):
        t0, c0 = time.perf_counter(), time.process_time()
        om = 2 * np.pi * fk
        a = (g_ii + 1j * om * c_ii).tocsc()
        a_iw = g_iw + 1j * om * c_iw
        v = splu(a, permc_spec="COLAMD").solve(-a_iw)
        z[k] = 1.0 / (g_ww + 1j * om * c_ww + a_iw @ v)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return z, times


def _pardiso(net: Any, f: np.ndarray) -> tuple[np.ndarray, list[tuple[float, float]]]:
    import pypardiso
    from scipy import sparse

    g_ii, c_ii, g_iw, c_iw, g_ww, c_ww = _interior(net)
    rot = sparse.csr_matrix(np.array([[0.0, -1.0], [1.0, 0.0]]))
    eye2 = sparse.identity(2, format="csr")
    kg, kc = sparse.kron(g_ii, eye2).tocsr(), sparse.kron(c_ii, rot).tocsr()
    z, times = np.empty(f.size, dtype=complex), []
    solver = pypardiso.PyPardisoSolver(mtype=11)
    for k, fk in enumerate(f):
        t0, c0 = time.perf_counter(), time.process_time()
        om = 2 * np.pi * fk
        big = (kg + om * kc).tocsr()
        y = solver.solve(big, np.column_stack([-g_iw, -om * c_iw]).ravel())
        v = y[0::2] + 1j * y[1::2]
        z[k] = 1.0 / (g_ww + 1j * om * c_ww + (g_iw + 1j * om * c_iw) @ v)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    solver.free_memory(everything=True)
    return z, times


def _ours_direct(net: Any, f: np.ndarray) -> tuple[np.ndarray, list[tuple[float, float]]]:
    from eisrecipe.network.solver import direct_impedance

    stamps = [(time.perf_counter(), time.process_time())]
    z = direct_impedance(net, f, progress=lambda _: stamps.append((time.perf_counter(), time.process_time())))
    # the first frequency carries the fill-reducing ordering (one LU of the scalar pattern): cold
    return z, [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(stamps)]


DIRECT = {"superlu-complex": _superlu_complex, "superlu-real2x2": _ours_direct, "pardiso": _pardiso}


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """Run one measurement in this process and return its numbers."""
    from threadpoolctl import threadpool_limits

    kind, n = args.worker, args.sizes[0]
    f_all = np.geomspace(1e7, 1e-2, N_FREQ)
    f_direct = f_all[np.linspace(0, N_FREQ - 1, args.direct_freqs).round().astype(int)]
    t0 = time.perf_counter()
    net = _network(n)
    out: dict[str, Any] = {"n": n, "kind": kind, "unknowns": net.n_nodes, "assemble_s": time.perf_counter() - t0}
    with TreeMemory() as mem:
        if kind == "reduced":
            from eisrecipe.network.solver import reduce

            kw = {"n_shifts": args.shifts, "n_moments": args.moments, "rtol": args.rtol, "jobs": args.jobs}
            kw["reuse"] = not args.no_reuse
            for attempt in ("cold", "warm") if n <= args.warm_max else ("cold",):
                c0, t0 = os.times(), time.perf_counter()
                with threadpool_limits(limits=args.blas_threads, user_api="blas"):
                    rm = reduce(net, f_all, **kw)
                z = rm.impedance(f_all)
                c1 = os.times()
                out[f"{attempt}_s"] = time.perf_counter() - t0
                out[f"{attempt}_cpu_s"] = sum(c1[:4]) - sum(c0[:4])
                out[f"{attempt}_load"] = os.getloadavg()[0]
            st = rm.stats
            out["z_direct_freqs"] = [[v.real, v.imag] for v in rm.impedance(f_direct)]
            out["z_all"] = [[v.real, v.imag] for v in z]
            out.update(backend=st.backend, basis=st.basis_size, jobs=st.jobs, hierarchies=st.hierarchies)
            out.update(seconds=st.seconds, iterations=list(st.iterations), groups=[len(g) for g in st.groups])
        else:
            with threadpool_limits(limits=args.blas_threads):
                z, times = DIRECT[kind](net, f_direct)
            wall, cpu = np.array(times).T
            out["cold_s"], out["warm_s"] = float(wall[0]), float(np.median(wall[1:] if wall.size > 1 else wall))
            warm_cpu = float(np.median(cpu[1:] if cpu.size > 1 else cpu))
            out["x91_s"] = out["cold_s"] + (N_FREQ - 1) * out["warm_s"]
            out["x91_cpu_s"] = float(cpu[0]) + (N_FREQ - 1) * warm_cpu
            out["z_direct_freqs"] = [[v.real, v.imag] for v in z]
    out["tree_pss_mb"] = mem.peak_kb / 1024
    return out


_TIME_KEYS = {
    "Maximum resident set size (kbytes)": "maxrss_mb",
    "Elapsed (wall clock) time (h:mm:ss or m:ss)": "elapsed_s",
    "User time (seconds)": "user_s",
    "System time (seconds)": "sys_s",
}


def _parse_time(stderr: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        key, _, val = line.strip().rpartition(": ")
        if key in _TIME_KEYS:
            if key.startswith("Elapsed"):
                parts = [float(p) for p in val.split(":")]
                v = sum(p * 60**i for i, p in enumerate(reversed(parts)))
            else:
                v = float(val)
            out[_TIME_KEYS[key]] = v / 1024 if key.startswith("Maximum") else v
    return out


def run(kind: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", kind, "--sizes", str(n), "--jobs", str(args.jobs)]
    cmd += ["--blas-threads", str(args.blas_threads)]
    cmd += ["--direct-freqs", str(args.direct_freqs), "--shifts", str(args.shifts), "--moments", str(args.moments)]
    cmd += ["--rtol", str(args.rtol), "--warm-max", str(args.warm_max)] + (["--no-reuse"] if args.no_reuse else [])
    timed = shutil.which(TIME) is not None
    env = dict(os.environ, OMP_NUM_THREADS=str(args.blas_threads), MKL_NUM_THREADS=str(args.blas_threads))
    if args.blas_threads == 1:
        # MKL (pypardiso) took 4.6x its wall time in CPU with one OpenMP/MKL thread requested: sequential layer
        env["MKL_THREADING_LAYER"] = "SEQUENTIAL"
    res = subprocess.run(([TIME, "-v"] if timed else []) + cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise RuntimeError(f"{kind} N={n} failed:\n{res.stderr[-3000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out.update(_parse_time(res.stderr) if timed else {})
    return out


def _fmt_mem(r: dict[str, Any]) -> str:
    rss = f"maxRSS {r['maxrss_mb']:.0f} MB" if "maxrss_mb" in r else "maxRSS - (no /usr/bin/time)"
    return f"{rss}, treePSS {r['tree_pss_mb']:.0f} MB"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 15, 20, 25, 40, 60, 80, 100])
    p.add_argument("--direct-max", type=int, default=25, help="largest N with per-frequency direct solves")
    p.add_argument("--direct-freqs", type=int, default=4, help="frequencies timed by the direct solvers")
    p.add_argument("--direct", nargs="+", default=list(DIRECT), choices=list(DIRECT), help="direct solvers")
    p.add_argument("--jobs", type=int, default=2, help="reduced model: worker processes")
    p.add_argument("--blas-threads", type=int, default=1, help="BLAS/OpenMP threads of every solver (process)")
    p.add_argument("--warm-max", type=int, default=60, help="largest N timed a second time in the same process")
    p.add_argument("--shifts", type=int, default=5, help="reduced model: shifts incl. s = 0")
    p.add_argument("--moments", type=int, default=3, help="reduced model: Krylov vectors per shift")
    p.add_argument("--rtol", type=float, default=1e-8, help="CG relative residual (AMG backend)")
    p.add_argument("--no-reuse", action="store_true", help="reduced model: one AMG hierarchy per shift")
    p.add_argument("--worker", choices=["reduced", *DIRECT], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return

    print(f"# {versions()}")
    print(f"# {os.cpu_count()} CPUs, --jobs {args.jobs}, --blas-threads {args.blas_threads}, {_load()}", flush=True)
    if shutil.which(TIME) is None:
        print(f"# {TIME} not found (apt-get install time): no maxRSS column")
    rows = []
    for n in args.sizes:
        red = run("reduced", n, args)
        warm = f", warm {red['warm_s']:.2f} s (cpu {red['warm_cpu_s']:.1f} s)" if "warm_s" in red else ""
        print(
            f"N={n:>3} unknowns {red['unknowns']:>8} reduced/{red['backend']} jobs {red['jobs']}: cold "
            f"{red['cold_s']:.2f} s (cpu {red['cold_cpu_s']:.1f} s){warm}; process {red.get('elapsed_s', 0):.1f} s "
            f"incl. start and assembly; {_fmt_mem(red)}; {_load()}",
            flush=True,
        )
        sec = {k: round(v, 2) for k, v in red["seconds"].items()}
        print(
            f"      {sec}, hierarchies {red['hierarchies']} for groups {red['groups']}, basis {red['basis']}, "
            f"CG iterations {red['iterations']}",
            flush=True,
        )
        if n <= args.direct_max:
            zr = np.array(red["z_direct_freqs"]) @ [1, 1j]
            for kind in args.direct:
                try:
                    d = run(kind, n, args)
                except RuntimeError as exc:
                    print(f"      {kind:<16} unavailable: {str(exc).strip().splitlines()[-1]}", flush=True)
                    continue
                zd = np.array(d["z_direct_freqs"]) @ [1, 1j]
                err = float(np.max(np.abs(zr - zd) / np.abs(zd)))
                print(
                    f"      {kind:<16} per frequency cold {d['cold_s']:.3f} s, warm {d['warm_s']:.3f} s; x91 "
                    f"{d['x91_s']:.1f} s = {d['x91_s'] / red['cold_s']:.1f} x reduced cold wall, cpu "
                    f"{d['x91_cpu_s']:.1f} s = {d['x91_cpu_s'] / red['cold_cpu_s']:.1f} x; reduced vs it: max rel "
                    f"err {err:.2e}; {_fmt_mem(d)}; {_load()}",
                    flush=True,
                )
        rows.append(red)
    big = [r for r in rows if r["unknowns"] >= 20_000]
    if len(big) >= 2:
        n_u = np.log([r["unknowns"] for r in big])
        k_t = np.polyfit(n_u, np.log([r["cold_s"] for r in big]), 1)[0]
        k_c = np.polyfit(n_u, np.log([r["cold_cpu_s"] for r in big]), 1)[0]
        k_m = np.polyfit(n_u, np.log([r["tree_pss_mb"] for r in big]), 1)[0]
        print(
            f"reduced model scaling (unknowns >= 2e4): wall ~ n^{k_t:.2f}, cpu ~ n^{k_c:.2f}, "
            f"tree PSS ~ n^{k_m:.2f}; {_load()}"
        )


if __name__ == "__main__":
    main()
