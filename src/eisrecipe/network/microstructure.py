"""Voxel grid and grain structure of the solid electrolyte.

The electrolyte is a box of ``nx x ny x nz`` cubic voxels of edge ``voxel_cm``. The current flows along ``z``:
the working electrode (WE) covers the face ``z = 0``, the counter electrode (CE) the face ``z = L_z``.
Grains are labelled per voxel; a link between two neighbouring voxels of different grains crosses a grain
boundary (GB).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from eisrecipe.errors import InputError

IntArray = NDArray[np.int32]

#: one micrometre in cm
UM_CM = 1e-4


@dataclass(frozen=True)
class Grid:
    """A box of cubic voxels.

    Attributes
    ----------
    nx, ny, nz
        Number of voxels along x, y (electrode plane) and z (current direction).
    voxel_cm
        Voxel edge length h in cm.
    """

    nx: int
    ny: int
    nz: int
    voxel_cm: float

    def __post_init__(self) -> None:
        if min(self.nx, self.ny, self.nz) < 1:
            raise InputError(f"grid needs at least one voxel per axis, got {self.shape}")
        if not (np.isfinite(self.voxel_cm) and self.voxel_cm > 0):
            raise InputError(f"voxel size must be > 0 cm, got {self.voxel_cm!r}")

    @classmethod
    def cube(cls, length_um: float = 100.0, n: int = 20) -> Grid:
        """Cube of edge ``length_um`` (micrometres) with ``n`` voxels per edge."""
        return cls(n, n, n, length_um * UM_CM / n)

    @classmethod
    def box(cls, lx_um: float, ly_um: float, lz_um: float, voxel_um: float) -> Grid:
        """Box of the given edge lengths (micrometres) and voxel edge ``voxel_um``; lengths are rounded to
        whole voxels."""
        n = [max(1, round(v / voxel_um)) for v in (lx_um, ly_um, lz_um)]
        return cls(n[0], n[1], n[2], voxel_um * UM_CM)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(nx, ny, nz)``."""
        return (self.nx, self.ny, self.nz)

    @property
    def n_voxels(self) -> int:
        """Number of voxels."""
        return self.nx * self.ny * self.nz

    @property
    def lx_cm(self) -> float:
        """Edge length along x in cm."""
        return self.nx * self.voxel_cm

    @property
    def ly_cm(self) -> float:
        """Edge length along y in cm."""
        return self.ny * self.voxel_cm

    @property
    def lz_cm(self) -> float:
        """Thickness (current direction) in cm."""
        return self.nz * self.voxel_cm

    @property
    def area_cm2(self) -> float:
        """Electrode area L_x L_y in cm^2."""
        return self.lx_cm * self.ly_cm


def single_grain(grid: Grid) -> IntArray:
    """All voxels in grain 0 (no grain boundaries)."""
    return np.zeros(grid.shape, dtype=np.int32)


def voronoi_grains(grid: Grid, mean_grain_um: float = 10.0, seed: int = 0) -> IntArray:
    """Voronoi tessellation with uniformly random seeds.

    Parameters
    ----------
    grid
        The voxel grid.
    mean_grain_um
        Mean grain size in micrometres: the number of seeds is volume / mean_grain^3 (at least 1).
    seed
        Seed of the random generator.

    Returns
    -------
    numpy.ndarray
        Grain label (int32) of every voxel, shape ``grid.shape``.
    """
    if not mean_grain_um > 0:
        raise InputError(f"mean grain size must be > 0 um, got {mean_grain_um!r}")
    size_um = np.array([grid.lx_cm, grid.ly_cm, grid.lz_cm]) / UM_CM
    n_seeds = max(1, round(float(np.prod(size_um)) / mean_grain_um**3))
    rng = np.random.default_rng(seed)
    seeds = rng.random((n_seeds, 3)) * size_um
    tree = cKDTree(seeds)
    h_um = grid.voxel_cm / UM_CM
    labels = np.empty(grid.shape, dtype=np.int32)
    ys, zs = np.meshgrid((np.arange(grid.ny) + 0.5) * h_um, (np.arange(grid.nz) + 0.5) * h_um, indexing="ij")
    for ix in range(grid.nx):  # one slab at a time keeps memory small on large grids
        pts = np.column_stack([np.full(ys.size, (ix + 0.5) * h_um), ys.ravel(), zs.ravel()])
        labels[ix] = tree.query(pts)[1].reshape(grid.ny, grid.nz)
    return labels


def layered_grains(grid: Grid, n_boundaries: int, axis: int = 2) -> IntArray:
    """Planar grain boundaries perpendicular to ``axis`` (2 = z = current direction), evenly spaced.

    The boundaries lie on voxel faces: boundary ``k`` (1..n) sits after voxel ``round(k n_axis / (n + 1))``.
    Used for the closed-form tests (layered bulk + GB).
    """
    n_ax = grid.shape[axis]
    if not 0 <= n_boundaries < n_ax:
        raise InputError(f"{n_boundaries} boundaries do not fit into {n_ax} voxels along axis {axis}")
    cuts = np.array([round(k * n_ax / (n_boundaries + 1)) for k in range(1, n_boundaries + 1)])
    layer = np.searchsorted(cuts, np.arange(n_ax), side="right").astype(np.int32)
    shape = [1, 1, 1]
    shape[axis] = n_ax
    return np.broadcast_to(layer.reshape(shape), grid.shape).copy()
