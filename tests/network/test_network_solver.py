"""Reduced-order model against direct solves; exact DRT: sum rule, passivity, KK consistency."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eisrecipe.network.assembly import ElementValues, Network, assemble
from eisrecipe.network.microstructure import Grid, voronoi_grains
from eisrecipe.network.morphology import disordered, pores_and_sei
from eisrecipe.network.solver import (
    FosterModel,
    dc_resistance,
    direct_impedance,
    exact_foster_dense,
    reduce,
)

FREQ = np.geomspace(1e7, 1e-2, 91)


def realistic(n: int = 8, seed: int = 0, sei: bool = False) -> Network:
    """Small network with Voronoi grains and a disordered (or contact + SEI + pore) map, paper parameters."""
    grid = Grid.cube(100, n)
    labels = pores_and_sei((n, n), 0.3, 0.3, 2.0, seed) if sei else disordered((n, n), 0.3, 2.0, seed)
    values = ElementValues(c_dl_f_cm2=1771e-6, c_pore_f_cm2=443e-6)
    return assemble(grid, labels, values, voronoi_grains(grid, 40.0, seed))


@pytest.fixture(scope="module")
def net() -> Network:
    return realistic(10)


@pytest.fixture(scope="module")
def z_direct(net: Network) -> np.ndarray:
    return direct_impedance(net, FREQ)


@pytest.mark.parametrize("backend", ["lu", "amg"])
def test_reduced_model_matches_direct_solves(net: Network, z_direct: np.ndarray, backend: str) -> None:
    rm = reduce(net, FREQ, backend=backend)  # type: ignore[arg-type]
    err = np.abs(rm.impedance(FREQ) - z_direct) / np.abs(z_direct)
    assert err.max() <= 1e-6
    assert rm.stats.backend == backend


def test_reduced_model_with_sei_and_pores_matches_direct() -> None:
    net = realistic(8, seed=4, sei=True)
    f = FREQ[::6]
    z = reduce(net, f).impedance(f)
    ref = direct_impedance(net, f)
    assert np.max(np.abs(z - ref) / np.abs(ref)) <= 1e-6


def test_sum_rule_and_passivity(net: Network, z_direct: np.ndarray) -> None:
    foster = reduce(net, FREQ).foster
    assert np.all(foster.r >= 0)
    assert np.all(foster.tau_s > 0)
    z0 = dc_resistance(net)
    # sum r_k = Z(0) - Z(inf); a capacitor in every branch: Z(inf) = 0
    assert foster.r_inf == pytest.approx(0.0, abs=1e-12 * z0)
    assert foster.r.sum() == pytest.approx(z0 - foster.r_inf, rel=1e-9)
    z_inf = direct_impedance(net, [1e16])[0]
    assert abs(z_inf) < 1e-6 * z0
    # low-frequency limit of the direct solve
    assert direct_impedance(net, [1e-9])[0].real == pytest.approx(z0, rel=1e-8)


def test_reduced_drt_agrees_with_dense_pencil() -> None:
    net = realistic(6, seed=2)
    dense = exact_foster_dense(net)
    reduced = reduce(net, FREQ).foster
    assert dense.r_dc == pytest.approx(reduced.r_dc, rel=1e-9)
    assert np.max(np.abs(dense.impedance(FREQ) - reduced.impedance(FREQ)) / np.abs(dense.impedance(FREQ))) < 1e-6
    # same DRT after smoothing in log tau (not mode by mode)
    grid = np.linspace(-10, 3, 27)

    def smooth(m: FosterModel) -> np.ndarray:
        w = np.exp(-0.5 * ((grid[:, None] - np.log10(m.tau_s)[None, :]) / 0.5) ** 2)
        return w @ m.r

    assert np.max(np.abs(smooth(dense) - smooth(reduced))) < 1e-4 * dense.r_dc


def lin_kk_residuals(f: np.ndarray, z: np.ndarray) -> np.ndarray:
    """A small linear KK test (Boukamp 1995 / Schoenleber et al. 2014): R_0 plus Voigt elements on a fixed
    tau grid (7 per decade) fitted to both parts; returns the residuals relative to |Z| (real, then imag)."""
    tau = np.geomspace(0.1 / (2 * np.pi * f.max()), 10 / (2 * np.pi * f.min()), 80)
    w = 2 * np.pi * f
    basis = np.column_stack([np.ones_like(w), 1 / (1 + 1j * w[:, None] * tau[None, :])])
    a = np.vstack([basis.real, basis.imag]) / np.concatenate([np.abs(z), np.abs(z)])[:, None]
    rhs = np.concatenate([z.real, z.imag]) / np.concatenate([np.abs(z), np.abs(z)])
    coef, *_ = np.linalg.lstsq(a, rhs, rcond=None)
    return rhs - a @ coef


def test_simulated_spectrum_is_kk_consistent(net: Network) -> None:
    from eisrecipe.spectrum import Spectrum

    f = np.geomspace(1e7, 1e-2, 71)
    z = reduce(net, f).impedance(f) * net.area_cm2
    spec = Spectrum.from_points(f, z, unit="ohm cm^2")
    # our own small linear KK test (always)
    assert np.max(np.abs(lin_kk_residuals(spec.frequency_hz, spec.impedance))) < 1e-3
    # the package's KK test where it exists: noise-free residuals far below the 1 % noise level of lab data,
    # and with 0.1 % noise added, residuals at the noise level
    if importlib.util.find_spec("eisrecipe.methods.kk") is None:
        pytest.skip("eisrecipe.methods.kk not available; checked with the local linear KK test only")
    from eisrecipe.methods import kk

    result = kk.kk_test(spec)
    assert np.max(np.abs(np.concatenate([result.residual_real, result.residual_imag]))) < 2e-3
    rng = np.random.default_rng(0)
    noisy = z + 1e-3 * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))
    result = kk.kk_test(Spectrum.from_points(f, noisy, unit="ohm cm^2"))
    res = np.concatenate([result.residual_real, result.residual_imag])
    assert np.sqrt(np.mean(res**2)) < 2e-3


@settings(max_examples=25, deadline=None)
@example(seed=212, frac=0.8125, r_pol=50.0, c_dl=1.1015625)
@given(
    seed=st.integers(0, 10_000),
    frac=st.floats(0.05, 1.0),
    r_pol=st.sampled_from([0.0, 0.5, 50.0]),
    c_dl=st.floats(1e-5, 2.0),
)
def test_any_network_is_passive_and_obeys_the_sum_rule(seed: int, frac: float, r_pol: float, c_dl: float) -> None:
    grid = Grid.cube(50, 4)
    labels = disordered((4, 4), frac, 1.5, seed)
    values = ElementValues(r_pol_ohm_cm2=r_pol, c_dl_f_cm2=c_dl)
    net = assemble(grid, labels, values, voronoi_grains(grid, 20.0, seed))
    foster = reduce(net, FREQ).foster
    assert np.all(foster.r >= 0) and np.all(foster.tau_s > 0)
    assert foster.r_dc == pytest.approx(dc_resistance(net), rel=1e-9)
    f = FREQ[::15]
    ref = direct_impedance(net, f)
    # over random networks the worst case seen is 1.06e-6 at 10 MHz (seed 212, A = 0.81, R_Pol = 50 ohm cm^2,
    # C_DL = 1.1 F/cm^2; more Krylov vectors did not lower it, so the limit is the solvers' tolerance at the
    # band edge): bound 5e-6 here, inside the 1e-5 target of the issue; the dedicated reduced-vs-direct test
    # above holds 1e-6 on its network
    assert np.max(np.abs(foster.impedance(f) - ref) / np.abs(ref)) < 5e-6


# ---------------------------------------------------------------- parallel shifts and shared AMG hierarchies
def test_shared_hierarchies_and_worker_processes_keep_the_spectrum(net: Network, z_direct: np.ndarray) -> None:
    """Issue 19 item 3: shifts solved in two processes, one AMG hierarchy per shift group. The spectrum stays
    within 1e-6 of the direct solves, and within 1e-8 of the one-process, one-hierarchy-per-shift solve (CG
    stops at the same rtol either way; only rounding differs)."""
    own = reduce(net, FREQ, backend="amg", jobs=1, reuse=False)
    shared = reduce(net, FREQ, backend="amg", jobs=1)
    parallel = reduce(net, FREQ, backend="amg", jobs=2)
    assert own.stats.hierarchies == 5 and own.stats.jobs == 1
    # s = 0, 6.3e-3 and 13.5 1/s share one hierarchy on this network; 2.9e4 and 6.3e7 get their own
    assert [len(g) for g in shared.stats.groups] == [3, 1, 1]
    assert shared.stats.hierarchies == 3 and parallel.stats.hierarchies == 3
    assert parallel.stats.jobs == 2
    # a shared hierarchy costs at most one CG iteration per solve here
    assert max(np.subtract(shared.stats.iterations, own.stats.iterations)) <= 1
    z_own = own.impedance(FREQ)
    for rm in (shared, parallel):
        z = rm.impedance(FREQ)
        assert np.max(np.abs(z - z_direct) / np.abs(z_direct)) <= 1e-6
        assert np.max(np.abs(z - z_own) / np.abs(z_own)) <= 1e-8
        assert rm.foster.r_dc == pytest.approx(own.foster.r_dc, rel=1e-9)


def test_lu_shifts_in_worker_processes_are_bit_identical(net: Network) -> None:
    one = reduce(net, FREQ, backend="lu", jobs=1)
    two = reduce(net, FREQ, backend="lu", jobs=2)
    assert two.stats.jobs == 2
    assert np.array_equal(one.foster.tau_s, two.foster.tau_s) and np.array_equal(one.foster.r, two.foster.r)


def test_shift_groups_follow_the_operator_bound(net: Network) -> None:
    from eisrecipe.network.solver import default_shifts, reuse_bound, shift_groups

    s = default_shifts(FREQ)
    assert reuse_bound(net, s[2], s[2]) == pytest.approx(1.0)
    assert reuse_bound(net, s[1], s[3]) == pytest.approx(reuse_bound(net, s[3], s[1]))
    # the bound grows with the distance of the shifts
    assert reuse_bound(net, 0.0, s[2]) < reuse_bound(net, 0.0, s[3]) < reuse_bound(net, 0.0, s[4])
    assert shift_groups(net, s) == [[0, 1, 2], [3], [4]]
    # input order does not matter: indices refer to the given order, groups ascend in shift
    assert shift_groups(net, s[::-1]) == [[4, 3, 2], [1], [0]]
    assert shift_groups(net, s, kappa_max=np.inf) == [[0, 1, 2, 3, 4]]


def test_a_badly_shared_hierarchy_is_replaced(net: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runtime guard: a hierarchy from s = 0 used at 1e12 1/s needs about twice the CG iterations on this
    small network (24 against 11; on 40^3 three times), beyond the guard's 1.5 n here; the solver then builds its
    own hierarchy, and the solution still solves the system."""
    from eisrecipe.network import solver as solver_module
    from eisrecipe.network.solver import _InteriorSolver, _split

    monkeypatch.setattr(solver_module, "REBUILD_FACTOR", 1.5)
    monkeypatch.setattr(solver_module, "REBUILD_SLACK", 0)

    a0, _, _ = _split(net, 0.0)
    proxy = _InteriorSolver(a0, net.n_voxel_nodes, "amg", 1e-10)
    rng = np.random.default_rng(0)
    proxy.solve(rng.standard_normal(a0.shape[0]))
    a_hi, _, _ = _split(net, 1e12)
    solver = _InteriorSolver(a_hi, net.n_voxel_nodes, "amg", 1e-10, proxy.hierarchy)
    r = rng.standard_normal(a_hi.shape[0])
    x = solver.solve(r)
    assert solver.rebuilt
    assert proxy.hierarchy is not None and proxy.hierarchy.reference_iterations is not None
    assert solver.iterations[0] > 1.5 * proxy.hierarchy.reference_iterations
    assert np.linalg.norm(a_hi @ x - r) <= 1e-8 * np.linalg.norm(r)
    # later solves use the new hierarchy: few iterations
    solver.solve(r)
    assert solver.iterations[1] <= proxy.hierarchy.reference_iterations + 5


def test_a_failing_worker_process_raises(net: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from eisrecipe.network import solver as solver_module

    parent = os.getpid()
    original = solver_module._solve_units

    def failing(*args: object, **kwargs: object) -> object:
        if os.getpid() != parent:
            raise ValueError("boom in the worker")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(solver_module, "_solve_units", failing)
    with pytest.raises(RuntimeError, match="boom in the worker"):
        reduce(net, FREQ, backend="lu", jobs=2)


def test_jobs_must_be_positive(net: Network) -> None:
    from eisrecipe.errors import InputError

    with pytest.raises(InputError, match="jobs"):
        reduce(net, FREQ, jobs=0)


@pytest.mark.parametrize("shift", [0.0, 13.5, 6.28e7])
def test_gershgorin_bound_of_the_condensed_operator_is_tight(net: Network, shift: float) -> None:
    """The finest AMG level's smoother weight uses the Gershgorin bound of rho(D^-1 S) instead of pyamg's Arnoldi
    estimate: it must bound the spectral radius from above (never an under-damped smoother) and lie within 1 % of it
    (dense eigenvalues of the condensed voxel operator of a 10^3 network)."""
    from scipy import sparse
    from scipy.linalg import eigvalsh

    from eisrecipe.network.solver import _gershgorin_bound, _split

    a_ii, _, _ = _split(net, shift)
    nv = net.n_voxel_nodes
    a_vm = a_ii[:nv, nv:]
    schur = (a_ii[:nv, :nv] - a_vm @ sparse.diags(1.0 / a_ii[nv:, nv:].diagonal()) @ a_vm.T).tocsr()
    diagonal = schur.diagonal()
    d = 1.0 / np.sqrt(diagonal)
    lam_max = eigvalsh((schur.toarray() * d[:, None]) * d[None, :])[-1]
    bound = _gershgorin_bound(schur, diagonal)
    assert lam_max <= bound * (1 + 1e-12)
    assert bound <= 1.01 * lam_max


def test_orthonormal_basis_drops_dependent_vectors_and_keeps_the_span() -> None:
    from eisrecipe.network.solver import _orthonormal

    rng = np.random.default_rng(3)
    v = rng.standard_normal((6, 5000)) * np.logspace(0, 8, 6)[:, None]
    v[4] = 2.0 * v[1] - 3.0 * v[2]  # exactly dependent
    original = v.copy()
    q = _orthonormal(v)
    assert q.shape == (5000, 5)
    np.testing.assert_allclose(q.T @ q, np.eye(5), atol=1e-13)
    # every original vector lies in the span (relative residual of its projection)
    residual = original.T - q @ (q.T @ original.T)
    assert np.max(np.linalg.norm(residual, axis=0) / np.linalg.norm(original, axis=1)) < 1e-12


def test_the_finest_amg_level_smooths_with_the_gershgorin_bound() -> None:
    """pyamg must read the bound cached on the finest level (its Richardson smoother calls
    approximate_spectral_radius, which returns a matrix's ``rho``): if a later pyamg copied the matrix, the
    hierarchy would silently fall back to the Arnoldi estimate."""
    pytest.importorskip("pyamg")
    from unittest import mock

    from pyamg.aggregation import smooth

    from eisrecipe.network.solver import _AmgHierarchy, _gershgorin_bound, _split

    net = realistic(12)
    a_ii, _, _ = _split(net, 13.5)
    nv = net.n_voxel_nodes
    a_vm = a_ii[:nv, nv:]
    from scipy import sparse

    schur = (a_ii[:nv, :nv] - a_vm @ sparse.diags(1.0 / a_ii[nv:, nv:].diagonal()) @ a_vm.T).tocsr()
    bound = _gershgorin_bound(schur, schur.diagonal())
    seen: list[float] = []
    original = smooth.approximate_spectral_radius

    def spy(a, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(a, "rho", None))
        return original(a, *args, **kwargs)

    with mock.patch.object(smooth, "approximate_spectral_radius", spy):
        h = _AmgHierarchy(schur.copy())
    assert h.ml.levels[0].A.rho == bound
    assert seen and seen[0] == bound  # the finest level's smoother got the cached bound, not an estimate
