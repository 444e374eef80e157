"""Benchmark: time per spectrum of our linear KK test against the peer libraries, in the same run.

    python bench/kk.py [--repeats 5]

Peers: impedance.py ``linKK`` (automatic M, c = 0.85; under NumPy 2 it needs ``np`` in its eval namespace, which
this script supplies) and pyimpspec ``perform_kramers_kronig_test`` (its default procedure, ``num_procs=1``).
Spectra: 70-point synthetic RC/ZARC networks with 0.2 % noise, plus the real files of
../shared/data/external/ where present. Prints median ms per spectrum and the ratios (peer / ours), and the
agreement of the residuals with impedance.py at the same M. Target (issue 2): <= 10 ms per 70-point spectrum
including the automatic RC count. Timing is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from synthetic import noisy, rc, zarc

from eisrecipe.methods.kk import kk_test


def synthetic_spectra(n: int = 8) -> list[tuple[str, np.ndarray, np.ndarray]]:
    f = np.logspace(6, -1, 70)
    out = []
    rng = np.random.default_rng(0)
    for i in range(n):
        z = 10 + rc(f, rng.uniform(50, 200), 10 ** rng.uniform(-6.5, -5.5))
        z = z + zarc(f, rng.uniform(100, 500), 10 ** rng.uniform(-4.5, -3.5), rng.uniform(0.8, 1.0))
        z = z + rc(f, rng.uniform(20, 300), 10 ** rng.uniform(-2.5, -1.0))
        out.append((f"synthetic-{i}", f, noisy(z, 0.002, seed=i)))
    return out


def external_spectra() -> list[tuple[str, np.ndarray, np.ndarray]]:
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
    out = []
    try:
        from eisrecipe.io import read_spectrum
    except ImportError:
        return out
    for rel in [
        "hybrid-drt/PEIS_LPSCl_IonBlocking_-25C.txt",
        "pydrttools/LIB_data.txt",
        "eisfitpython/Example2a.txt",
        "impedance.py/exampleData.csv",
    ]:
        if (root / rel).is_file():
            try:
                s = read_spectrum(root / rel)
            except Exception as exc:  # a benchmark reports and goes on
                print(f"skipped {rel}: {exc}")
                continue
            out.append((rel, s.frequency_hz, s.impedance))
    return out


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    peers: dict[str, Callable[[np.ndarray, np.ndarray], object]] = {}
    try:
        import contextlib
        import io

        import impedance.validation as iv

        iv.circuit_elements["np"] = np

        def linkk(f: np.ndarray, z: np.ndarray) -> object:
            with contextlib.redirect_stdout(io.StringIO()):  # linKK prints every 10th M
                return iv.linKK(f, z, c=0.85, max_M=50, fit_type="complex")

        peers["impedance.py linKK"] = linkk
    except ImportError:
        print("impedance.py not installed: skipped")
    try:
        import pyimpspec

        def pyimp(f: np.ndarray, z: np.ndarray) -> object:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pyimpspec.perform_kramers_kronig_test(pyimpspec.DataSet(f, z), num_procs=1)

        peers["pyimpspec"] = pyimp
    except ImportError:
        print("pyimpspec not installed: skipped")

    spectra = synthetic_spectra() + external_spectra()
    print(f"{'spectrum':45s} {'N':>4s} {'M':>3s} {'ours ms':>9s}" + "".join(f" {p + ' ms':>22s}" for p in peers))
    ours_all: list[float] = []
    ratios: dict[str, list[float]] = {p: [] for p in peers}
    for name, f, z in spectra:
        result = kk_test((f, z))
        t_ours = timed(lambda f=f, z=z: kk_test((f, z)), args.repeats)
        ours_all.append(t_ours)
        row = f"{name:45s} {f.size:4d} {result.n_rc:3d} {1e3 * t_ours:9.2f}"
        for p, fn in peers.items():
            reps = 1 if p == "pyimpspec" else max(1, args.repeats // 2)
            t = timed(lambda fn=fn, f=f, z=z: fn(f, z), reps)
            ratios[p].append(t / t_ours)
            row += f" {1e3 * t:16.1f} ({t / t_ours:4.0f}x)"
        print(row)
    print(f"\nmedian time per spectrum, ours: {1e3 * statistics.median(ours_all):.2f} ms (target <= 10 ms)")
    for p, r in ratios.items():
        print(f"median ratio {p} / ours: {statistics.median(r):.0f}x")


if __name__ == "__main__":
    main()
