"""Benchmark: native DRT vs pyDRTtools ``simple_run`` (GCV) vs pyimpspec ``calculate_drt(method="tr-rbf")``.

Prints the median time per spectrum of each engine, the ratios, and how well the peaks agree with the native
ones (matched by nearest log10 tau; areas compared for peaks inside the measured window holding >= 5 % of the
polarisation resistance), once with every engine at its own GCV lambda and once with the native engine at the
peer's lambda (the same regularised problem; the peers' SLSQP search often stays at its start value 1e-3).
All engines get the same problem: real + imaginary data, 1st-derivative penalty
(pyDRTtools' and pyimpspec's default), a series inductance, lambda by GCV.

Usage::

    python bench/drt.py [--external DIR] [--repeat N]

Spectra: the pyDRTtools LIB examples, the LPSCl pellet (>= 20 kHz, above its blocking tail) and the ten ML621
states of charge, read from ``$EISRECIPE_EXTERNAL_DATA`` or ``<repo>/../shared/data/external``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from eisrecipe.methods.drt import DrtSettings, compute_drt
from eisrecipe.methods.peaks import Peak, find_peaks, peaks_of
from eisrecipe.spectrum import Spectrum

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


def _timed(fn: Callable[[Spectrum], tuple[np.ndarray, np.ndarray, float]], s: Spectrum, repeat: int):
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


def compare(ref: list[Peak], other: list[Peak]) -> tuple[int, float, float]:
    """Matched peaks, largest |d log10 tau| and largest |area ratio - 1| among matched peaks."""
    n, dt, dr = 0, 0.0, 0.0
    for p in ref:
        if not other:
            break
        q = min(other, key=lambda q: abs(q.log10_tau - p.log10_tau))
        if abs(q.log10_tau - p.log10_tau) < 0.3:
            n += 1
            dt = max(dt, abs(q.log10_tau - p.log10_tau))
            dr = max(dr, abs(q.r / p.r - 1))
    return n, dt, dr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("EISRECIPE_EXTERNAL_DATA") or str(
        Path(__file__).resolve().parents[1].parent / "shared" / "data" / "external"
    )
    ap.add_argument("--external", default=default)
    ap.add_argument("--repeat", type=int, default=5, help="repeats of the native run (peers run once)")
    ap.add_argument("--no-pyimpspec", action="store_true")
    args = ap.parse_args(argv)
    spectra = load_spectra(Path(args.external))
    if not spectra:
        print(f"no spectra under {args.external}", file=sys.stderr)
        return 1
    engines: dict[str, tuple[Callable, int]] = {"native": (run_native, args.repeat)}
    try:
        from eisrecipe.methods.drt.pydrttools import import_pydrttools

        import_pydrttools()
        engines["pydrttools"] = (run_pydrttools, 1)
    except ImportError as exc:
        print(f"pyDRTtools skipped: {exc}")
    if not args.no_pyimpspec:
        try:
            import pyimpspec  # noqa: F401

            engines["pyimpspec"] = (run_pyimpspec, 1)
        except ImportError:
            print("pyimpspec skipped: not installed")
    times: dict[str, list[float]] = {k: [] for k in engines}
    print(f"{'spectrum':<14} {'n':>4} " + " ".join(f"{k + ' ms':>14} {'lambda':>8}" for k in engines))
    agreement: dict[str, list[tuple[int, int, float, float]]] = {k: [] for k in engines if k != "native"}
    agreement_same: dict[str, list[tuple[int, int, float, float]]] = {k: [] for k in agreement}
    for name, s in spectra.items():
        row = f"{name:<14} {s.n_points:>4} "
        results = {}
        for k, (fn, rep) in engines.items():
            t, out = _timed(fn, s, rep)
            times[k].append(t)
            results[k] = out
            row += f"{t * 1e3:>14.1f} {out[2]:>8.1e}"
        print(row)
        own = compute_drt(s, SETTINGS)
        ref = _significant(find_peaks(own), own.r_pol)
        for k in agreement:
            tau, gamma, lam = results[k]
            other = _significant(_peaks(s, tau, gamma), own.r_pol)
            n, dt, dr = compare(ref, other)
            agreement[k].append((len(ref), n, dt, dr))
            # the same problem: native at the peer's lambda
            same = compute_drt(s, replace(SETTINGS, lambda_method="fixed", lambda_value=lam))
            ref_same = _significant(find_peaks(same), same.r_pol)
            other = _significant(_peaks(s, tau, gamma), same.r_pol)
            n, dt, dr = compare(ref_same, other)
            agreement_same[k].append((len(ref_same), n, dt, dr))
    print()
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        ratio = "" if k == "native" else f"  ({v / med['native']:.0f}x the native time)"
        print(f"median time per spectrum, {k:<10}: {v * 1e3:8.1f} ms{ratio}")
    for title, table in (("own GCV lambdas", agreement), ("native at the peer's lambda", agreement_same)):
        for k, rows in table.items():
            n_ref = sum(r[0] for r in rows)
            n_match = sum(r[1] for r in rows)
            dts = [r[2] for r in rows if r[1]] or [math.nan]
            drs = [r[3] for r in rows if r[1]] or [math.nan]
            print(
                f"peaks vs {k:<10} ({title}): {n_match}/{n_ref} significant native peaks matched within 0.3 "
                f"decade; worst |d log10 tau| per spectrum: median {statistics.median(dts):.3f}, "
                f"max {max(dts):.3f} decade; worst |area ratio - 1|: median {statistics.median(drs):.2f}, "
                f"max {max(drs):.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
