"""Assembly of the nodal conductance and capacitance matrices G (S) and C (F).

Nodes (NETWORK.md):

1. one per voxel centre (C order of ``(nx, ny, nz)``);
2. one mid-node per link that carries a grain-boundary element;
3. one interface node per WE surface pixel whose interface element is not a short;
4. the working-electrode (WE) node, always the last one. The counter electrode (CE) is ground.

Every branch is a parallel (g, c) pair, so G and C are symmetric positive semi-definite and the network
impedance ``Z(s) = b^T (G + sC)^{-1} b`` (``b`` = unit vector of the WE node) has an exact Foster form.

Element values for voxel edge h (cm):

- bulk link: g = sigma h, c = eps0 eps h;
- link carrying a GB of thickness d: bulk part (sigma h^2/(h - d), eps0 eps h^2/(h - d)) from the first voxel to
  the mid-node, GB part (sigma_GB h^2/d, eps0 eps_GB h^2/d) from the mid-node to the second voxel;
- WE pixel: half-voxel bulk (2 sigma h, 2 eps0 eps h) from the voxel to its interface node, then the interface
  element per area times h^2: contact (1/R_Pol, C_DL), pore (0, C_Pore) or SEI (1/R_SEI, C_SEI) to the WE node.
  A contact with R_Pol = 0 (ideal, resistance-free contact) joins the half-voxel element directly to the WE node;
- CE pixel: half-voxel bulk element from the voxel to ground.

The interface layer (thickness delta_Int = 1e-4 L in the paper) is quasi-2D: it has no lateral links (their
conductance, ~ delta_Int^2 / R_Pol, is 1e-4 of a bulk link and below) and does not add to the thickness L_z.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from eisrecipe.constants import EPS0_F_CM
from eisrecipe.errors import InputError
from eisrecipe.network.microstructure import Grid
from eisrecipe.network.morphology import CONTACT, PORE, SEI, LabelMap

log = logging.getLogger(__name__)

GbModel = Literal["explicit", "brick", "none"]


@dataclass(frozen=True)
class ElementValues:
    """Material and interface parameters at one temperature.

    Attributes
    ----------
    sigma_bulk_s_cm, sigma_gb_s_cm
        Bulk and grain-boundary conductivity in S/cm.
    eps_bulk, eps_gb
        Relative permittivities.
    d_gb_cm
        Grain-boundary thickness in cm (incl. space charge).
    r_pol_ohm_cm2
        Charge-transfer resistance of a contact pixel in ohm cm^2; 0 means an ideal contact.
    c_dl_f_cm2
        Double-layer capacitance of a contact pixel in F/cm^2.
    c_pore_f_cm2
        Capacitance of a pore pixel in F/cm^2.
    r_sei_ohm_cm2, c_sei_f_cm2
        SEI pixel resistance (ohm cm^2) and capacitance (F/cm^2).
    """

    sigma_bulk_s_cm: float = 4.6e-4
    sigma_gb_s_cm: float = 5.97e-6
    eps_bulk: float = 150.0
    eps_gb: float = 150.0
    d_gb_cm: float = 1e-6
    r_pol_ohm_cm2: float = 0.5
    c_dl_f_cm2: float = 1.77
    c_pore_f_cm2: float = 885e-6
    r_sei_ohm_cm2: float = 100.0
    c_sei_f_cm2: float = 88e-6

    def __post_init__(self) -> None:
        positive = ("sigma_bulk_s_cm", "sigma_gb_s_cm", "eps_bulk", "eps_gb", "d_gb_cm")
        positive += ("c_dl_f_cm2", "c_pore_f_cm2", "r_sei_ohm_cm2", "c_sei_f_cm2")
        for name in positive:
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"{name} must be a finite number > 0, got {v!r}")
        if not (np.isfinite(self.r_pol_ohm_cm2) and self.r_pol_ohm_cm2 >= 0):
            raise InputError(f"r_pol_ohm_cm2 must be >= 0, got {self.r_pol_ohm_cm2!r}")


@dataclass(frozen=True, eq=False)
class Network:
    """An assembled impedance network.

    Attributes
    ----------
    g
        Conductance matrix in S (CSR, symmetric), WE node last.
    c
        Capacitance matrix in F (CSR, symmetric, same pattern).
    grid
        The voxel grid (its L_x L_y is the electrode area).
    n_voxel_nodes, n_gb_nodes, n_interface_nodes
        Node counts of each kind (the WE node comes on top).
    """

    g: sparse.csr_matrix
    c: sparse.csr_matrix
    grid: Grid
    n_voxel_nodes: int
    n_gb_nodes: int
    n_interface_nodes: int

    @property
    def n_nodes(self) -> int:
        """Number of unknowns (all nodes except ground)."""
        return int(self.g.shape[0])

    @property
    def we(self) -> int:
        """Index of the working-electrode node (the last one)."""
        return self.n_nodes - 1

    @property
    def area_cm2(self) -> float:
        """Electrode area L_x L_y in cm^2."""
        return self.grid.area_cm2


def _laplacian(
    n: int,
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    w: NDArray[np.float64],
    ground_i: NDArray[np.int64],
    ground_w: NDArray[np.float64],
) -> sparse.csr_matrix:
    """Nodal matrix of branches (i, j, w) plus branches from ``ground_i`` to ground."""
    rows = np.concatenate([i, j, i, j, ground_i])
    cols = np.concatenate([j, i, i, j, ground_i])
    vals = np.concatenate([-w, -w, w, w, ground_w])
    m = sparse.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    m.sum_duplicates()
    return m


def gb_thickness_per_link(
    grid: Grid,
    grains: NDArray[np.int32] | None,
    d_gb_cm: float,
    model: GbModel = "explicit",
    mean_grain_um: float = 10.0,
) -> list[NDArray[np.float64]]:
    """GB thickness (cm) carried by every link along x, y and z (0 = pure bulk link).

    Parameters
    ----------
    grid
        The voxel grid.
    grains
        Grain label per voxel (``model="explicit"``).
    d_gb_cm
        Thickness of one grain boundary in cm.
    model
        ``"explicit"``: a link between voxels of different grains carries one GB; ``"brick"``: grains below the
        voxel size, every link carries ``h / mean_grain`` boundaries on average (brick-layer effective element);
        ``"none"``: no GBs.
    mean_grain_um
        Mean grain size in micrometres (``"brick"``).
    """
    shapes = [(grid.nx - 1, grid.ny, grid.nz), (grid.nx, grid.ny - 1, grid.nz), (grid.nx, grid.ny, grid.nz - 1)]
    if model == "none":
        return [np.zeros(s) for s in shapes]
    if model == "brick":
        d = d_gb_cm * grid.voxel_cm / (mean_grain_um * 1e-4)
        if d >= grid.voxel_cm:
            raise InputError(f"brick-layer GB thickness {d:g} cm per link exceeds the voxel {grid.voxel_cm:g} cm")
        return [np.full(s, d) for s in shapes]
    if model != "explicit":
        raise InputError(f"unknown GB model {model!r}; expected explicit, brick or none")
    if grains is None:
        raise InputError("the explicit GB model needs a grain map")
    if d_gb_cm >= grid.voxel_cm:
        raise InputError(f"GB thickness {d_gb_cm:g} cm must be below the voxel size {grid.voxel_cm:g} cm")
    out = []
    for axis in range(3):
        a = np.take(grains, np.arange(grains.shape[axis] - 1), axis=axis)
        b = np.take(grains, np.arange(1, grains.shape[axis]), axis=axis)
        out.append(np.where(a != b, d_gb_cm, 0.0))
    return out


def assemble(
    grid: Grid,
    labels: LabelMap,
    values: ElementValues,
    grains: NDArray[np.int32] | None = None,
    *,
    gb_model: GbModel = "explicit",
    mean_grain_um: float = 10.0,
) -> Network:
    """Build G and C of the network.

    Parameters
    ----------
    grid
        Voxel grid; z is the current direction, the WE covers ``z = 0``.
    labels
        Contact map ``(nx, ny)`` of :data:`~eisrecipe.network.morphology.PORE`, ``CONTACT``, ``SEI`` labels.
    values
        Element values at the simulation temperature.
    grains
        Grain label per voxel (needed for ``gb_model="explicit"``; ``None`` with it means a single crystal).
    gb_model
        ``"explicit"``, ``"brick"`` or ``"none"``, see :func:`gb_thickness_per_link`.
    mean_grain_um
        Mean grain size in micrometres (``"brick"`` only).

    Returns
    -------
    Network
        G in S and C in F; WE node last.

    Raises
    ------
    InputError
        Wrong map shape or labels, or a network without any resistive path to the WE (pores only).
    """
    labels = np.asarray(labels)
    if labels.shape != (grid.nx, grid.ny):
        raise InputError(f"contact map has shape {labels.shape}, the grid's WE face is {(grid.nx, grid.ny)}")
    if not np.isin(labels, (PORE, CONTACT, SEI)).all():
        raise InputError("contact map holds labels other than pore (0), contact (1) and SEI (2)")
    if not np.isin(labels, (CONTACT, SEI)).any():
        raise InputError("contact map has no contact or SEI pixel: the cell is blocking (R_dc infinite)")
    if gb_model == "explicit" and grains is None:
        gb_model = "none"
    h = grid.voxel_cm
    sig, eps = values.sigma_bulk_s_cm, EPS0_F_CM * values.eps_bulk
    sig_gb, eps_gb = values.sigma_gb_s_cm, EPS0_F_CM * values.eps_gb
    idx = np.arange(grid.n_voxels, dtype=np.int64).reshape(grid.shape)
    n_vox = grid.n_voxels

    ii: list[NDArray[np.int64]] = []
    jj: list[NDArray[np.int64]] = []
    gg: list[NDArray[np.float64]] = []
    cc: list[NDArray[np.float64]] = []
    next_node = n_vox
    d_links = gb_thickness_per_link(grid, grains, values.d_gb_cm, gb_model, mean_grain_um)
    for axis in range(3):
        n_ax = grid.shape[axis]
        a = np.take(idx, np.arange(n_ax - 1), axis=axis).ravel()
        b = np.take(idx, np.arange(1, n_ax), axis=axis).ravel()
        d = d_links[axis].ravel()
        plain = d == 0
        ii.append(a[plain])
        jj.append(b[plain])
        gg.append(np.full(int(plain.sum()), sig * h))
        cc.append(np.full(int(plain.sum()), eps * h))
        gb = ~plain
        n_gb = int(gb.sum())
        if n_gb:
            mid = np.arange(next_node, next_node + n_gb, dtype=np.int64)
            next_node += n_gb
            dg = d[gb]
            ii += [a[gb], mid]
            jj += [mid, b[gb]]
            gg += [sig * h * h / (h - dg), sig_gb * h * h / dg]
            cc += [eps * h * h / (h - dg), eps_gb * h * h / dg]
    n_gb_nodes = next_node - n_vox

    # working electrode
    lab = labels.ravel()
    we_vox = idx[:, :, 0].ravel()
    ideal = (lab == CONTACT) & (values.r_pol_ohm_cm2 == 0)
    layered = ~ideal
    n_int = int(layered.sum())
    inode = np.arange(next_node, next_node + n_int, dtype=np.int64)
    we = next_node + n_int
    n = we + 1
    a2 = h * h
    g_if = np.where(
        lab == CONTACT,
        a2 / values.r_pol_ohm_cm2 if values.r_pol_ohm_cm2 > 0 else 0.0,
        np.where(lab == SEI, a2 / values.r_sei_ohm_cm2, 0.0),
    )
    c_if = a2 * np.where(
        lab == CONTACT, values.c_dl_f_cm2, np.where(lab == SEI, values.c_sei_f_cm2, values.c_pore_f_cm2)
    )
    ii += [we_vox[ideal], we_vox[layered], inode]
    jj += [np.full(int(ideal.sum()), we, dtype=np.int64), inode, np.full(n_int, we, dtype=np.int64)]
    gg += [np.full(int(ideal.sum()), 2 * sig * h), np.full(n_int, 2 * sig * h), g_if[layered]]
    cc += [np.full(int(ideal.sum()), 2 * eps * h), np.full(n_int, 2 * eps * h), c_if[layered]]

    # counter electrode (ground)
    ce_vox = idx[:, :, -1].ravel()
    i_all, j_all = np.concatenate(ii), np.concatenate(jj)
    g_mat = _laplacian(n, i_all, j_all, np.concatenate(gg), ce_vox, np.full(ce_vox.size, 2 * sig * h))
    c_mat = _laplacian(n, i_all, j_all, np.concatenate(cc), ce_vox, np.full(ce_vox.size, 2 * eps * h))
    log.debug(
        "assembled %d nodes (%d voxels, %d GB nodes, %d interface nodes), %d branches",
        n,
        n_vox,
        n_gb_nodes,
        n_int,
        i_all.size + ce_vox.size,
    )
    return Network(g_mat, c_mat, grid, n_vox, n_gb_nodes, n_int)
