"""Benchmark: equivalent-circuit fits, ours against impedance.py's CustomCircuit, in the same run.

    python bench/fit.py [--spectra 8] [--repeats 3]

Per spectrum: one R_inf + bulk RC + GB R-CPE + interface R-CPE fit (76 points, 0.5 % noise) by
``eisrecipe.methods.fitting.fit_spectrum`` and by impedance.py's ``CustomCircuit("R0-p(R1,C1)-p(R2,CPE1)-p(R3,CPE2)")``,
from the same starting values. Per series: our joint fit of all spectra (bulk and GB shared) against
independent CustomCircuit fits of each. Prints median times, ratios (peer / ours), the largest relative
difference of the fitted R_int, and the GB standard error of joint vs single fits. Not a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from synthetic import noisy

from eisrecipe.methods.circuits import SeriesModel
from eisrecipe.methods.fitting import Start, fit_series, fit_spectrum

F = np.logspace(6.5, -1, 76)
W = 2 * np.pi * F
MODEL = SeriesModel.of(["bulk", "gb", "int"], ["RC", "RCPE", "RCPE"], r_inf=True)


def series(n: int) -> tuple[list[np.ndarray], list[Start], list[float]]:
    """A synthetic pressure series: spectra, starting values, true R_int (ohm cm^2)."""
    zs, starts, truth = [], [], []
    for i in range(n):
        r_int = 300.0 * (10 / (10 + 5 * i)) ** 1.3
        tau_int = 3e-3 * (10 / (10 + 5 * i)) ** 1.5
        x = MODEL.pack([40.0, 60.0, r_int], [1.6e-7, 1.6e-5, tau_int], [1.0, 0.9, 0.8], r_inf=2.0)
        zs.append(noisy(MODEL.impedance(W, x), 0.005, seed=i))
        starts.append(
            Start(r=[50.0, 50.0, 0.7 * r_int], tau_s=[1e-7, 3e-5, 2 * tau_int], alpha=[1, 0.85, 0.85], r_inf=1.0)
        )
        truth.append(r_int)
    return zs, starts, truth


def peer_fit(z: np.ndarray, st: Start) -> np.ndarray:
    from impedance.models.circuits import CustomCircuit

    r, tau, a = list(st.r), list(st.tau_s), list(st.alpha or [1, 0.9, 0.9])
    guess = [st.r_inf, r[0], tau[0] / r[0], r[1], tau[1] ** a[1] / r[1], a[1], r[2], tau[2] ** a[2] / r[2], a[2]]
    circuit = CustomCircuit("R0-p(R1,C1)-p(R2,CPE1)-p(R3,CPE2)", initial_guess=guess)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        circuit.fit(F, z, weight_by_modulus=True)
    return np.asarray(circuit.parameters_)


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spectra", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    zs, starts, _ = series(args.spectra)

    ours_t, peer_t, diffs = [], [], []
    for z, st in zip(zs, starts, strict=True):
        ours = fit_spectrum(F, z, MODEL, st)
        peer = peer_fit(z, st)
        diffs.append(abs(ours.element("0", "int").r / peer[6] - 1))
        ours_t.append(timed(lambda z=z, st=st: fit_spectrum(F, z, MODEL, st), args.repeats))
        peer_t.append(timed(lambda z=z, st=st: peer_fit(z, st), args.repeats))
    o, p = statistics.median(ours_t), statistics.median(peer_t)
    print(f"per spectrum: ours {1e3 * o:.1f} ms, impedance.py CustomCircuit {1e3 * p:.1f} ms, ratio {p / o:.1f}x")
    print(f"largest relative difference of R_int between the two: {max(diffs):.2e}")

    names = [f"s{i}" for i in range(args.spectra)]
    t_joint = timed(
        lambda: fit_series([F] * args.spectra, zs, MODEL, starts, names=names, shared=["bulk", "gb"]), args.repeats
    )
    t_indep = sum(peer_t)
    print(
        f"per series of {args.spectra}: ours joint {1e3 * t_joint:.1f} ms, independent CustomCircuit fits "
        f"{1e3 * t_indep:.1f} ms, ratio {t_indep / t_joint:.1f}x"
    )
    joint = fit_series([F] * args.spectra, zs, MODEL, starts, names=names, shared=["bulk", "gb"])
    single = fit_spectrum(F, zs[0], MODEL, starts[0])
    iteration_times(zs, starts, names, args.repeats)
    print(
        f"GB resistance standard error: joint {joint.element('s0', 'gb').r_stderr:.3g}, "
        f"single spectrum {single.element('0', 'gb').r_stderr:.3g} ohm cm^2"
    )


def iteration_times(zs: list[np.ndarray], starts: list[Start], names: list[str], repeats: int) -> None:
    """Joint fit per least-squares iteration (Jacobian evaluation), with BLAS on one thread (what
    :func:`eisrecipe.methods.fitting.fit_series` does) and with BLAS's default thread count (the old behaviour)."""
    import contextlib

    import eisrecipe.methods.fitting as fitting

    counts: list[int] = []
    real_lsq, real_limit = fitting.least_squares, fitting._one_blas_thread

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        sol = real_lsq(*a, **k)
        counts.append(int(sol.njev))
        return sol

    fitting.least_squares = counting  # type: ignore[assignment]
    try:
        for label, limit in (("one BLAS thread", real_limit), ("default BLAS threads", contextlib.nullcontext)):
            fitting._one_blas_thread = limit  # type: ignore[assignment]
            counts.clear()
            t = timed(lambda: fit_series([F] * len(zs), zs, MODEL, starts, names=names, shared=["bulk", "gb"]), repeats)
            print(f"joint fit, {label}: {1e3 * t:.1f} ms, {counts[-1]} iterations, {1e3 * t / counts[-1]:.2f} ms each")
    finally:
        fitting.least_squares, fitting._one_blas_thread = real_lsq, real_limit  # type: ignore[assignment]


if __name__ == "__main__":
    main()
