"""The simulator against closed forms (NETWORK.md, 'Closed forms for the tests')."""

from __future__ import annotations

import numpy as np
import pytest

from eisrecipe.network.assembly import EPS0_F_CM, ElementValues, assemble
from eisrecipe.network.microstructure import Grid, layered_grains, single_grain
from eisrecipe.network.morphology import CONTACT, PORE, full_contact
from eisrecipe.network.solver import dc_resistance, direct_impedance, reduce

SIGMA = 4.6e-4  # S/cm
SIGMA_GB = 5.97e-6  # S/cm
EPS = 150.0
D_GB = 1e-6  # cm
FREQ = np.geomspace(1e9, 1e-3, 73)


def rc(f: np.ndarray, r: float, c: float) -> np.ndarray:
    return r / (1 + 2j * np.pi * f * r * c)


def max_rel(z: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(z - ref) / np.abs(ref)))


@pytest.mark.parametrize("shape", [(6, 6, 6), (5, 4, 7)])
def test_homogeneous_cube_is_one_rc(shape: tuple[int, int, int]) -> None:
    grid = Grid(*shape, voxel_cm=1e-4 * 100 / 6)
    v = ElementValues(sigma_bulk_s_cm=SIGMA, eps_bulk=EPS, r_pol_ohm_cm2=0.0)
    net = assemble(grid, full_contact((grid.nx, grid.ny)), v, single_grain(grid))
    area, length = grid.area_cm2, grid.lz_cm
    r, c = length / (SIGMA * area), EPS0_F_CM * EPS * area / length
    rm = reduce(net, FREQ)
    assert max_rel(rm.impedance(FREQ), rc(FREQ, r, c)) < 1e-6
    assert max_rel(direct_impedance(net, FREQ[::12]), rc(FREQ[::12], r, c)) < 1e-6
    drt = rm.foster.pruned(1e-9)
    assert drt.tau_s.size == 1
    assert drt.tau_s[0] == pytest.approx(r * c, rel=1e-6)
    assert drt.r[0] == pytest.approx(r, rel=1e-6)


def test_uniform_charge_transfer_layer() -> None:
    grid = Grid(5, 5, 6, voxel_cm=2e-4)
    r_pol, c_dl = 0.5, 1.77e-3
    v = ElementValues(sigma_bulk_s_cm=SIGMA, eps_bulk=EPS, r_pol_ohm_cm2=r_pol, c_dl_f_cm2=c_dl)
    net = assemble(grid, full_contact((5, 5)), v)
    a, length = grid.area_cm2, grid.lz_cm
    ref = rc(FREQ, length / (SIGMA * a), EPS0_F_CM * EPS * a / length) + rc(FREQ, r_pol / a, c_dl * a)
    assert max_rel(reduce(net, FREQ).impedance(FREQ), ref) < 1e-6


@pytest.mark.parametrize("n_gb", [1, 3])
def test_layered_bulk_and_gb_perpendicular(n_gb: int) -> None:
    grid = Grid(4, 4, 8, voxel_cm=1.25e-3 / 8)
    v = ElementValues(sigma_bulk_s_cm=SIGMA, sigma_gb_s_cm=SIGMA_GB, d_gb_cm=D_GB, r_pol_ohm_cm2=0.0)
    net = assemble(grid, full_contact((4, 4)), v, layered_grains(grid, n_gb, axis=2))
    a, length = grid.area_cm2, grid.lz_cm
    nd = n_gb * D_GB
    ref = rc(FREQ, (length - nd) / (SIGMA * a), EPS0_F_CM * EPS * a / (length - nd))
    ref = ref + rc(FREQ, nd / (SIGMA_GB * a), EPS0_F_CM * EPS * a / nd)
    rm = reduce(net, FREQ)
    assert max_rel(rm.impedance(FREQ), ref) < 1e-6
    # two arcs at the bulk and GB time constants
    drt = rm.foster.pruned(1e-9)
    assert drt.tau_s == pytest.approx([EPS0_F_CM * EPS / SIGMA, EPS0_F_CM * EPS / SIGMA_GB], rel=1e-6)


def test_gb_parallel_to_current_is_bulk_only() -> None:
    grid = Grid(8, 4, 5, voxel_cm=2e-4)
    v = ElementValues(sigma_bulk_s_cm=SIGMA, sigma_gb_s_cm=SIGMA_GB, r_pol_ohm_cm2=0.0)
    net = assemble(grid, full_contact((8, 4)), v, layered_grains(grid, 3, axis=0))
    assert net.n_gb_nodes > 0
    a, length = grid.area_cm2, grid.lz_cm
    ref = rc(FREQ, length / (SIGMA * a), EPS0_F_CM * EPS * a / length)
    assert max_rel(reduce(net, FREQ).impedance(FREQ), ref) < 1e-6


def finite_size_factor(eps: float) -> float:
    """Spreading resistance of a disc on the end face of a cylinder, relative to 1/(4 sigma a)."""
    return 1 - 1.40925 * eps + 0.29591 * eps**3 + 0.05254 * eps**5 + 0.02105 * eps**7 + 0.01107 * eps**9


def spreading_ratio(q: int, eps_target: float = 0.2) -> tuple[float, float]:
    """Simulated / analytic constriction resistance of a centred disc spot (radius q voxels) on a cube.

    One quadrant is simulated (mirror symmetry: the side faces are no-flux); the full cell is four quadrants in
    parallel. Returns (ratio, a / h) with a the equal-area radius of the voxelised disc.
    """
    m = round(q / eps_target)
    h = 1e-4
    grid = Grid(m, m, 2 * m, voxel_cm=h)
    x = np.arange(m) + 0.5
    labels = np.where(x[:, None] ** 2 + x[None, :] ** 2 <= q * q, CONTACT, PORE).astype(np.int8)
    v = ElementValues(sigma_bulk_s_cm=SIGMA, r_pol_ohm_cm2=0.0)
    r_full = dc_resistance(assemble(grid, labels, v), backend="lu") / 4
    side = 2 * m * h
    a = np.sqrt(4 * labels.sum() / np.pi) * h
    eps = a / (side / np.sqrt(np.pi))
    r_cstr = r_full - side / (SIGMA * side * side)
    return r_cstr / (finite_size_factor(eps) / (4 * SIGMA * a)), a / h


def test_spreading_resistance_of_shrinking_spot() -> None:
    """Tolerance (NETWORK.md): the unresolved spot edge adds ~0.4 h/a; require 1 <= ratio <= 1 + 0.5 h/a,
    with the excess shrinking as the resolution a/h grows."""
    results = [spreading_ratio(q) for q in (2, 3, 4)]
    excess = [ratio - 1 for ratio, _ in results]
    for ratio, a_h in results:
        assert 1.0 <= ratio <= 1 + 0.5 / a_h
    assert excess[0] > excess[1] > excess[2]
    # first-order Richardson extrapolation in h/a lands within 3 % of the analytic value
    (r1, a1), (r2, a2) = results[1], results[2]
    r0 = (r2 * a2 - r1 * a1) / (a2 - a1)
    assert r0 == pytest.approx(1.0, abs=0.03)


def test_dc_resistance_independent_of_capacitances() -> None:
    from eisrecipe.network.microstructure import voronoi_grains
    from eisrecipe.network.morphology import disordered

    grid = Grid.cube(100, 8)
    labels = disordered((8, 8), 0.3, 2.0, seed=3)
    grains = voronoi_grains(grid, 30.0, seed=1)
    base = ElementValues()
    values = [
        base,
        ElementValues(c_dl_f_cm2=1771e-6, c_pore_f_cm2=443e-6),
        ElementValues(c_dl_f_cm2=177e-6, c_pore_f_cm2=4425e-6, eps_bulk=30.0, eps_gb=1000.0),
    ]
    r_dc = []
    for v in values:
        net = assemble(grid, labels, v, grains)
        r_dc.append(dc_resistance(net))
        assert reduce(net, FREQ).foster.r_dc == pytest.approx(r_dc[-1], rel=1e-9)
    assert r_dc == pytest.approx([r_dc[0]] * 3, rel=1e-12)
