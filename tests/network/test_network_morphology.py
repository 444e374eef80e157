"""Contact maps and grain structures."""

from __future__ import annotations

import numpy as np
import pytest

from eisrecipe.errors import InputError
from eisrecipe.network import morphology as mo
from eisrecipe.network.microstructure import Grid, layered_grains, voronoi_grains


@pytest.mark.parametrize("frac", [1.0, 0.5, 0.22, 0.05])
def test_generators_hit_the_contact_fraction(frac: float) -> None:
    shape = (40, 40)
    row = 2 * 40 / 1600  # within about one pixel row (the square spot rounds its side)
    assert mo.fraction(mo.square_spot(shape, frac)) == pytest.approx(frac, abs=row)
    assert mo.fraction(mo.frame(shape, frac)) == pytest.approx(frac, abs=2 * row)
    assert mo.fraction(mo.disordered(shape, frac, 3.0, seed=1)) == pytest.approx(frac, abs=1 / 1600)
    mixed = mo.pores_and_sei(shape, frac / 2, frac / 2, 3.0, seed=2)
    assert mo.fraction(mixed, mo.CONTACT) == pytest.approx(frac / 2, abs=1 / 1600)
    assert mo.fraction(mixed, mo.SEI) == pytest.approx(frac / 2, abs=1 / 1600)


def test_frame_is_a_symmetric_ring() -> None:
    m = mo.frame((30, 30), 0.3)
    assert np.array_equal(m, m[::-1, :]) and np.array_equal(m, m[:, ::-1]) and np.array_equal(m, m.T)
    assert m[15, 15] == mo.PORE and m[0, 0] == mo.PORE


def test_sei_spot() -> None:
    m = mo.sei_spot((20, 20), 0.1)
    assert m[10, 10] == mo.CONTACT and m[0, 0] == mo.SEI
    assert set(np.unique(m)) == {mo.CONTACT, mo.SEI}
    ring = mo.sei_spot((20, 20), 0.1, sei_fraction=0.3)
    assert mo.fraction(ring, mo.SEI) == pytest.approx(0.3, abs=0.06)
    assert ring[0, 0] == mo.PORE


def test_disordered_is_seeded_and_correlated() -> None:
    a = mo.disordered((32, 32), 0.3, 4.0, seed=5)
    assert np.array_equal(a, mo.disordered((32, 32), 0.3, 4.0, seed=5))
    assert not np.array_equal(a, mo.disordered((32, 32), 0.3, 4.0, seed=6))

    # coarser fields have fewer contact/pore edges
    def edges(m: np.ndarray) -> int:
        return int((np.diff(m, axis=0) != 0).sum() + (np.diff(m, axis=1) != 0).sum())

    assert edges(mo.disordered((32, 32), 0.3, 6.0, seed=5)) < edges(mo.disordered((32, 32), 0.3, 1.0, seed=5))


def test_bad_fraction_is_rejected() -> None:
    with pytest.raises(InputError):
        mo.square_spot((10, 10), 0.0)
    with pytest.raises(InputError):
        mo.pores_and_sei((10, 10), 0.7, 0.5)


def test_voronoi_grains_seeded_with_the_mean_size() -> None:
    grid = Grid.cube(100, 20)
    g = voronoi_grains(grid, 25.0, seed=3)
    assert g.shape == (20, 20, 20)
    assert len(np.unique(g)) <= round(100**3 / 25**3)
    assert np.array_equal(g, voronoi_grains(grid, 25.0, seed=3))


def test_layered_grains() -> None:
    grid = Grid(2, 2, 8, 1e-4)
    g = layered_grains(grid, 3)
    assert np.array_equal(g[0, 0], [0, 0, 1, 1, 2, 2, 3, 3])
