"""Benchmark of the 3D impedance-network solver: spectrum time and peak memory against grid size.

For every grid size N (an N^3 voxel cube of 100 um with 10 um Voronoi grains, a disordered contact map at
A = 30 % and the paper's tau_Cstr ~ tau_CT parameter set) it times

- the reduced-order model (real shifts, AMG-CG or sparse LU, projection, exact Foster form) for a 91-frequency
  spectrum (10 MHz .. 10 mHz), and
- per-frequency direct solves (SuperLU on the real equivalent form of the complex system) on ``--direct-freqs``
  frequencies spread over the band, extrapolated to 91 frequencies (the cost per frequency hardly depends on it),

each in its own subprocess so that the peak resident memory (ru_maxrss) belongs to that solve alone. It prints
the ratio of the two, the reduced model's largest relative error against the direct solves, and the scaling
exponents of time and memory in the number of unknowns.

Run: ``python bench/network.py`` (defaults: N = 10 .. 100, direct solves up to N = 25).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

N_FREQ = 91


def _network(n: int):  # type: ignore[no-untyped-def]
    from eisrecipe.network.assembly import assemble
    from eisrecipe.network.microstructure import Grid, voronoi_grains
    from eisrecipe.network.morphology import disordered
    from eisrecipe.network.scenarios import Material

    grid = Grid.cube(100.0, n)
    values = Material().with_tau_order("cstr_eq_ct").at(25.0)
    labels = disordered((n, n), 0.3, correlation_px=n / 10, seed=1)
    return assemble(grid, labels, values, voronoi_grains(grid, 10.0, seed=1))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(kind: str, n: int, n_direct: int, n_shifts: int, n_moments: int, rtol: float) -> dict[str, object]:
    """Run one measurement in this process and return its numbers."""
    from eisrecipe.network.solver import direct_impedance, reduce

    f_all = np.geomspace(1e7, 1e-2, N_FREQ)
    f_direct = f_all[np.linspace(0, N_FREQ - 1, n_direct).round().astype(int)]
    t0 = time.perf_counter()
    net = _network(n)
    t_assemble = time.perf_counter() - t0
    out: dict[str, object] = {"n": n, "unknowns": net.n_nodes, "assemble_s": t_assemble}
    if kind == "reduced":
        t0 = time.perf_counter()
        rm = reduce(net, f_all, n_shifts=n_shifts, n_moments=n_moments, rtol=rtol)
        z = rm.impedance(f_all)
        out["time_s"] = time.perf_counter() - t0
        out["z_direct_freqs"] = [[v.real, v.imag] for v in rm.impedance(f_direct)]
        out["backend"] = rm.stats.backend
        out["basis"] = rm.stats.basis_size
        out["setup_s"] = rm.stats.seconds["setup"]
        out["solve_s"] = rm.stats.seconds["solve"]
        out["iterations"] = list(rm.stats.iterations)
        out["r_dc_ohm"] = float(z[-1].real)
    else:
        t0 = time.perf_counter()
        z = direct_impedance(net, f_direct)
        dt = time.perf_counter() - t0
        out["time_s"] = dt / n_direct * N_FREQ
        out["per_frequency_s"] = dt / n_direct
        out["z_direct_freqs"] = [[v.real, v.imag] for v in z]
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def run(kind: str, n: int, args: argparse.Namespace) -> dict[str, object]:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--sizes",
        str(n),
        "--direct-freqs",
        str(args.direct_freqs),
        "--shifts",
        str(args.shifts),
        "--moments",
        str(args.moments),
        "--rtol",
        str(args.rtol),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 15, 20, 25, 40, 60, 80, 100])
    p.add_argument("--direct-max", type=int, default=25, help="largest N with per-frequency direct solves")
    p.add_argument("--direct-freqs", type=int, default=3, help="frequencies timed by the direct solver")
    p.add_argument("--shifts", type=int, default=5, help="reduced model: shifts incl. s = 0")
    p.add_argument("--moments", type=int, default=3, help="reduced model: Krylov vectors per shift")
    p.add_argument("--rtol", type=float, default=1e-8, help="CG relative residual (AMG backend)")
    p.add_argument("--worker", choices=["reduced", "direct"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        out = worker(args.worker, args.sizes[0], args.direct_freqs, args.shifts, args.moments, args.rtol)
        print(json.dumps(out))
        return

    print(
        f"{'N':>4} {'unknowns':>9} {'backend':>7} {'reduced s':>10} {'RSS MB':>7} "
        f"{'direct s (x91)':>14} {'RSS MB':>7} {'ratio':>8} {'max rel err':>11}"
    )
    rows = []
    for n in args.sizes:
        red = run("reduced", n, args)
        line = f"{n:>4} {red['unknowns']:>9} {red['backend']:>7} {red['time_s']:>10.2f} {red['peak_rss_mb']:>7.0f}"
        if n <= args.direct_max:
            d = run("direct", n, args)
            zr = np.array(red["z_direct_freqs"]) @ [1, 1j]
            zd = np.array(d["z_direct_freqs"]) @ [1, 1j]
            err = float(np.max(np.abs(zr - zd) / np.abs(zd)))
            ratio = d["time_s"] / red["time_s"]  # type: ignore[operator]
            line += f" {d['time_s']:>14.1f} {d['peak_rss_mb']:>7.0f} {ratio:>8.1f} {err:>11.2e}"
        print(line, flush=True)
        print(
            f"      setup {red['setup_s']:.2f} s, solves {red['solve_s']:.2f} s, assembly "
            f"{red['assemble_s']:.2f} s, basis {red['basis']}, CG iterations {red['iterations']}",
            flush=True,
        )
        rows.append(red)
    big = [r for r in rows if r["unknowns"] >= 20_000]  # type: ignore[operator]
    if len(big) >= 2:
        n_u = np.log([r["unknowns"] for r in big])
        k_t = np.polyfit(n_u, np.log([r["time_s"] for r in big]), 1)[0]
        k_m = np.polyfit(n_u, np.log([r["peak_rss_mb"] for r in big]), 1)[0]
        print(f"reduced model scaling (unknowns >= 2e4): time ~ n^{k_t:.2f}, peak memory ~ n^{k_m:.2f}")


if __name__ == "__main__":
    main()
