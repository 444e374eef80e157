"""Benchmark: native DRT vs pyDRTtools ``simple_run`` vs pyimpspec ``calculate_drt(method="tr-rbf")``.

Every engine runs under the same BLAS thread limit (``--blas-threads``, default 1: the native engine pins one
thread itself) and is timed the same way: *cold* is its first call in this process (lazy imports, first-use
caches; its import time is printed apart), *warm* the median of ``--repeat`` further calls on each spectrum.

Peaks are compared at the SAME lambda: each peer runs with its own GCV lambda, then the native engine solves the
same problem at that fixed lambda, and the significant peaks (inside the measured window, >= 5 % of the
polarisation resistance) are matched by nearest log10 tau within ``--tol`` decade (0.1: issue 19's target).
Every unmatched peak is listed on both sides with its position and share, so a disagreement can be explained.
All engines get the same problem: real + imaginary data, 1st-derivative penalty (pyDRTtools' and pyimpspec's
default), a series inductance. Load averages and versions are printed with the figures.

Usage::

    python bench/drt.py [--external DIR] [--repeat N] [--blas-threads N] [--tol 0.1] [--no-pyimpspec] [--only A,B]

Spectra: the pyDRTtools LIB examples, the LPSCl pellet (>= 20 kHz, above its blocking tail) and the ten ML621
states of charge, read from ``$EISRECIPE_EXTERNAL_DATA`` or ``<repo>/../shared/data/external``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from eisrecipe.methods.drt import DrtSettings, compute_drt
from eisrecipe.methods.peaks import Peak, find_peaks, peaks_of
from eisrecipe.spectrum import Spectrum

Result = tuple[np.ndarray, np.ndarray, float]

SETTINGS = DrtSettings(data="both", derivative=1, lambda_method="gcv", fit_inductance=True)


def load_spectra(root: Path) -> dict[str, Spectrum]:
    """The benchmark spectra that exist under ``root``."""
    out: dict[str, Spectrum] = {}
    for name in ("LIB_data", "LIB_data_2"):
        p = root / "pydrttools" / f"{name}.txt"
        if p.is_file():
            d = np.loadtxt(p)
            out[name] = Spectrum.from_points(d[:, 0], d[:, 1] + 1j * d[:, 2], source=str(p))
    p = root / "hybrid-drt" / "PEIS_LPSCl_IonBlocking_-25C.txt"
    if p.is_file():
        d = np.loadtxt(p, skiprows=65, usecols=(0, 1, 2), encoding="latin-1")
        s = Spectrum.from_points(d[:, 0], d[:, 1] - 1j * d[:, 2], source=str(p))
        out["LPSCl"] = s.select(s.frequency_hz >= 2e4)
    for soc in range(10, 101, 10):
        p = root / "eis-dct" / f"ML621_soc{soc}.csv"
        if p.is_file():
            d = np.loadtxt(p, delimiter=",", skiprows=1, usecols=(0, 1, 2))
            out[f"ML621_soc{soc}"] = Spectrum.from_points(d[:, 0], d[:, 1] - 1j * d[:, 2], source=str(p))
    return out


def run_native(s: Spectrum) -> tuple[np.ndarray, np.ndarray, float]:
    r = compute_drt(s, SETTINGS)
    return r.tau_s, r.gamma, r.lambda_value


def run_pydrttools(s: Spectrum) -> tuple[np.ndarray, np.ndarray, float]:
    from eisrecipe.methods.drt.pydrttools import compute_drt_pydrttools

    r = compute_drt_pydrttools(s, SETTINGS)
    return r.tau_s, r.gamma, r.lambda_value


def run_pyimpspec(s: Spectrum) -> tuple[np.ndarray, np.ndarray, float]:
    import pyimpspec

    ds = pyimpspec.DataSet(s.frequency_hz[::-1].copy(), s.impedance[::-1].copy())
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        r = pyimpspec.calculate_drt(
            ds,
            method="tr-rbf",
            mode="complex",
            cross_validation="gcv",
            derivative_order=1,
            inductance=True,
            num_procs=1,
        )
    tau = np.asarray(r.get_time_constants(), dtype=float)
    gamma = np.asarray(r.get_gammas(), dtype=float)
    order = np.argsort(tau)
    lam = float(r.to_statistics_dataframe().set_index("Label").loc["Lambda", "Value"])
    return tau[order], gamma[order], lam


def _timed(fn: Callable[[Spectrum], Result], s: Spectrum, repeat: int) -> tuple[float, Result]:
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(s)
        times.append(time.perf_counter() - t0)
    assert out is not None
    return statistics.median(times), out


def _significant(peaks: tuple[Peak, ...], total: float) -> list[Peak]:
    return [p for p in peaks if p.in_window and p.r >= 0.05 * total]


def _peaks(s: Spectrum, tau: np.ndarray, gamma: np.ndarray) -> tuple[Peak, ...]:
    f = s.frequency_hz
    lo, hi = 1 / (2 * np.pi * f.max()), 1 / (2 * np.pi * f.min())
    m = 10**0.5
    grid = np.logspace(np.log10(tau[0]), np.log10(tau[-1]), max(int(50 * np.log10(tau[-1] / tau[0])), 10))
    g = np.interp(np.log(grid), np.log(tau), gamma)  # peers' grids are not log-uniform everywhere
    return peaks_of(grid, g, window_tau_s=(lo / m, hi * m))


def compare(ref: list[Peak], other: list[Peak], tol: float) -> tuple[int, float, list[Peak], list[Peak]]:
    """Peaks of ``ref`` matched in ``other`` within ``tol`` decade (each used once, nearest first), the largest
    |d log10 tau| among them, and the unmatched peaks of each side."""
    pairs = sorted((abs(q.log10_tau - p.log10_tau), i, j) for i, p in enumerate(ref) for j, q in enumerate(other))
    used_r, used_o, worst = set(), set(), 0.0
    for d, i, j in pairs:
        if d <= tol and i not in used_r and j not in used_o:
            used_r.add(i)
            used_o.add(j)
            worst = max(worst, d)
    lost = [p for i, p in enumerate(ref) if i not in used_r]
    extra = [q for j, q in enumerate(other) if j not in used_o]
    return len(used_r), worst, lost, extra


def _describe(peaks: list[Peak], total: float) -> str:
    return ", ".join(f"{p.log10_tau:+.2f} ({100 * p.r / total:.0f} %)" for p in peaks) or "-"


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _versions(names: tuple[str, ...]) -> str:
    out = [f"Python {platform.python_version()}"]
    for n in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out.append(f"{n} {metadata.version(n)}")
    return ", ".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("EISRECIPE_EXTERNAL_DATA") or str(
        Path(__file__).resolve().parents[1].parent / "shared" / "data" / "external"
    )
    ap.add_argument("--external", default=default)
    ap.add_argument("--repeat", type=int, default=1, help="warm repeats per spectrum, every engine alike")
    ap.add_argument("--blas-threads", type=int, default=1, help="BLAS threads of every engine")
    ap.add_argument("--tol", type=float, default=0.1, help="peak match tolerance, decades of tau")
    ap.add_argument("--no-pyimpspec", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated spectrum names (default: all)")
    args = ap.parse_args(argv)
    spectra = load_spectra(Path(args.external))
    if args.only:
        spectra = {k: v for k, v in spectra.items() if k in args.only.split(",")}
    if not spectra:
        print(f"no spectra under {args.external}", file=sys.stderr)
        return 1
    print(_versions(("numpy", "scipy", "threadpoolctl", "pyDRTtools", "cvxopt", "pyimpspec")))
    engines: dict[str, Callable[[Spectrum], Result]] = {"native": run_native}
    imports: dict[str, float] = {}
    t0 = time.perf_counter()
    try:
        from eisrecipe.methods.drt.pydrttools import import_pydrttools

        import_pydrttools()
        engines["pydrttools"] = run_pydrttools
        imports["pydrttools"] = time.perf_counter() - t0
    except ImportError as exc:
        print(f"pyDRTtools skipped: {exc}")
    if not args.no_pyimpspec:
        t0 = time.perf_counter()
        try:
            import pyimpspec  # noqa: F401

            engines["pyimpspec"] = run_pyimpspec
            imports["pyimpspec"] = time.perf_counter() - t0
        except ImportError:
            print("pyimpspec skipped: not installed")
    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        blas = [
            f"{i['internal_api']} {i['num_threads']} thread(s)" for i in threadpool_info() if i["user_api"] == "blas"
        ]
        print(f"BLAS: {', '.join(blas)}; {_load()}")
        first = next(iter(spectra.values()))
        cold: dict[str, float] = {}
        for k, fn in engines.items():
            t0 = time.perf_counter()
            fn(first)
            cold[k] = time.perf_counter() - t0
        warm: dict[str, list[float]] = {k: [] for k in engines}
        print(f"{'spectrum':<14} {'n':>4} " + " ".join(f"{k + ' ms':>14} {'lambda':>8}" for k in engines))
        peers = [k for k in engines if k != "native"]
        agreement: dict[str, list[tuple[int, int, float]]] = {k: [] for k in peers}
        notes: list[str] = []
        for name, s in spectra.items():
            row = f"{name:<14} {s.n_points:>4} "
            results = {}
            for k, fn in engines.items():
                t, out = _timed(fn, s, args.repeat)
                warm[k].append(t)
                results[k] = out
                row += f"{t * 1e3:>14.1f} {out[2]:>8.1e}"
            print(row)
            for k in peers:
                tau, gamma, lam = results[k]
                same = compute_drt(s, replace(SETTINGS, lambda_method="fixed", lambda_value=lam))
                ref = _significant(find_peaks(same), same.r_pol)
                other = _significant(_peaks(s, tau, gamma), same.r_pol)
                n, dt, lost, extra = compare(ref, other, args.tol)
                agreement[k].append((len(ref), n, dt))
                if lost or extra:
                    notes.append(
                        f"  {name} vs {k} at lambda {lam:.1e}: native only {_describe(lost, same.r_pol)}; "
                        f"{k} only {_describe(extra, same.r_pol)} (log10 tau/s, share of R_pol)"
                    )
        print(f"after: {_load()}")
    print()
    med = {k: statistics.median(v) for k, v in warm.items()}
    for k in engines:
        ratio = "" if k == "native" else f"  (warm {med[k] / med['native']:.0f}x, cold {cold[k] / cold['native']:.0f}x)"
        imp = f", import {imports[k]:.2f} s" if k in imports else ""
        print(f"{k:<10}: warm median {med[k] * 1e3:8.1f} ms, cold first call {cold[k] * 1e3:8.1f} ms{imp}{ratio}")
    for k, rows in agreement.items():
        n_ref = sum(r[0] for r in rows)
        n_match = sum(r[1] for r in rows)
        full = sum(1 for r in rows if r[0] == r[1])
        dts = [r[2] for r in rows if r[1]] or [math.nan]
        print(
            f"peaks vs {k} at its lambda: {n_match}/{n_ref} significant native peaks within {args.tol} decade; "
            f"{full}/{len(rows)} spectra with every peak matched; worst |d log10 tau| median "
            f"{statistics.median(dts):.3f}, max {max(dts):.3f}"
        )
    if notes:
        print("unmatched peaks:")
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
