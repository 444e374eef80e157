"""Impedance of an assembled network: reduced-order model with exact Foster form, and direct reference solves.

Current-driven formulation: ``Z(s) = b^T (G + sC)^{-1} b`` with ``b`` the unit vector of the WE node. The reduced
model solves ``(G + s_k C) x = b`` (and, for more moments, ``(G + s_k C) x' = C x``) at a few real shifts
``s_k >= 0`` (SPD systems), orthonormalises the solutions into ``V`` and projects the pencil:
``G_r = V^T G V``, ``C_r = V^T C V``, ``b_r = V^T b``. The generalised eigenproblem ``C_r x = tau G_r x``
(G_r positive definite) gives the exact Foster (Voigt) form of the reduced network,
``Z(s) = R_inf + sum_k r_k / (1 + s tau_k)`` with ``r_k = (x_k^T b_r)^2 >= 0`` and
``sum_k r_k + R_inf = b_r^T G_r^{-1} b_r``; a shift at ``s = 0`` makes that the network's exact Z(0).
Passive by construction.

Each shift needs one SPD operator ``A = G + s C`` restricted to the interior nodes (all but the WE node, so the
solver never sees the dense WE row); full-system solutions follow from interior solves by the Schur complement
on the WE node. The GB mid-nodes and interface nodes are condensed out exactly at each real shift (they touch
only voxels), leaving a 7-point voxel system: sparse LU (SuperLU) below :data:`AMG_THRESHOLD` voxels,
smoothed-aggregation AMG (pyamg, the optional extra ``simulate``) preconditioned CG above. Defaults (5 shifts
incl. 0, 3 Krylov vectors each, CG rtol 1e-8) matched direct solves to <= 1e-6 on random small networks and to
~1e-8 on 20^3 - 25^3 paper-parameter networks.

Cost (issue 19): the shifts are independent, so :func:`reduce` solves them in forked worker processes
(``jobs``; the network is shared copy-on-write, the Krylov vectors come back through shared memory); Python
threads gave no speed-up (pyamg's smoothers hold the GIL). Shifts whose condensed operators are close
(:func:`shift_groups`, a bound on the change of every branch admittance and voxel ground term) share one AMG
hierarchy, built for the group's first shift and used as the preconditioner of the others; within a group CG
starts from the previous shift's solutions. CG's stopping rule does not change, so neither does the accuracy.
All AMG levels are CSR (pyamg's 1x1-block BSR coarse levels smoothed at half the speed). The finest level's
prolongation smoother takes its weight from the Gershgorin bound of the spectral radius, not from pyamg's restarted
Arnoldi estimate (:class:`_AmgHierarchy`): the same smoother, 1.2 s less per hierarchy at 100^3.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import multiprocessing
import os
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike
from scipy import sparse
from scipy.sparse.linalg import splu

from eisrecipe.errors import InputError
from eisrecipe.network.assembly import Network
from eisrecipe.spectrum import ComplexArray, FloatArray

log = logging.getLogger(__name__)

Backend = Literal["auto", "lu", "amg"]

#: from this many voxels on ``backend="auto"`` uses AMG-CG instead of sparse LU
AMG_THRESHOLD = 8_000
#: from this many voxels on :func:`reduce` solves the shifts in parallel processes by default
PARALLEL_MIN_VOXELS = 30_000
#: most worker processes :func:`reduce` starts by default (each holds its own operator and AMG hierarchy:
#: about 3 GB at 160^3 voxels)
MAX_DEFAULT_JOBS = 2
#: largest :func:`reuse_bound` under which shifts share one AMG hierarchy (:func:`shift_groups`)
REUSE_KAPPA = 4.0
#: a shared hierarchy is replaced when the first solve needs more than REBUILD_FACTOR n + REBUILD_SLACK CG
#: iterations, n those of the hierarchy's own first solve (across the group boundary of a 40^3 network a shared
#: hierarchy needed 31-39 iterations against 10-11)
REBUILD_FACTOR = 2.0
REBUILD_SLACK = 5


def _single_threaded_blas() -> contextlib.AbstractContextManager[object]:
    """Limit BLAS to one thread: the solves only do vector operations, and a multi-threaded OpenBLAS on a
    shared 2-core machine made AMG setup and V-cycles 3-10x slower (measured)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class FosterModel:
    """Foster (Voigt) form ``Z(s) = R_inf + sum_k r_k / (1 + s tau_k)``: the exact DRT of a network.

    Attributes
    ----------
    tau_s
        Relaxation times in s, ascending, all > 0.
    r
        Resistances of the modes (ohm, or ohm cm^2 after :meth:`scaled`), all >= 0.
    r_inf
        Series resistance at infinite frequency (0 for a network with a capacitor in every branch).
    """

    tau_s: FloatArray
    r: FloatArray
    r_inf: float = 0.0

    @property
    def r_dc(self) -> float:
        """Z(0) = R_inf + sum r_k."""
        return float(self.r_inf + self.r.sum())

    def impedance(self, frequency_hz: ArrayLike) -> ComplexArray:
        """Z at the given frequencies (Hz), in the unit of ``r``; Z'' < 0 capacitive."""
        f = np.asarray(frequency_hz, dtype=float)
        s = 2j * np.pi * f[..., None]
        return self.r_inf + (self.r / (1.0 + s * self.tau_s)).sum(axis=-1)

    def scaled(self, factor: float) -> FosterModel:
        """All resistances multiplied by ``factor`` (e.g. the area, ohm -> ohm cm^2)."""
        return FosterModel(self.tau_s, self.r * factor, self.r_inf * factor)

    def pruned(self, rel: float = 1e-12) -> FosterModel:
        """Without modes whose r_k is below ``rel`` times Z(0) (numerically empty directions of the basis)."""
        keep = self.r > rel * self.r_dc
        return FosterModel(self.tau_s[keep], self.r[keep], self.r_inf)


@dataclass(frozen=True)
class SolveStats:
    """What the reduced-model solve did.

    Attributes
    ----------
    shifts
        Real shifts s_k in 1/s.
    n_moments
        Krylov vectors per shift.
    basis_size
        Columns of the orthonormal basis V after rank truncation.
    backend
        ``"lu"`` or ``"amg"``.
    iterations
        CG iterations per solve (empty for LU).
    seconds
        Wall time in s of shift grouping, setup (condensation, factorisation / AMG hierarchy) and solves
        (both summed over the worker processes) and projection.
    groups
        Shifts (1/s) sharing one AMG hierarchy (one group per shift for LU or ``reuse=False``).
    jobs
        Processes that solved the shifts.
    hierarchies
        AMG hierarchies built (0 for LU).
    """

    shifts: tuple[float, ...]
    n_moments: int
    basis_size: int
    backend: str
    iterations: tuple[int, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    groups: tuple[tuple[float, ...], ...] = ()
    jobs: int = 1
    hierarchies: int = 0


@dataclass(frozen=True)
class ReducedModel:
    """Result of :func:`reduce`: the Foster form (raw ohm) and solve statistics."""

    foster: FosterModel
    stats: SolveStats

    def impedance(self, frequency_hz: ArrayLike) -> ComplexArray:
        """Z in ohm at the given frequencies (Hz)."""
        return self.foster.impedance(frequency_hz)


# ---------------------------------------------------------------------------------------------- interior solves
def _split(network: Network, shift: complex) -> tuple[sparse.csr_matrix, FloatArray, complex]:
    """Interior block A_ii, coupling column a_iw (dense) and a_ww of A = G + shift C."""
    a = (network.g + shift * network.c).tocsr() if shift != 0 else network.g.tocsr()
    w = network.we
    a_ii = a[:w, :w].tocsr()
    a_iw = a[:w, [w]].toarray().ravel()
    return a_ii, a_iw, complex(a[w, w]) if np.iscomplexobj(a.data) else float(a[w, w])


def _lu(a: sparse.csr_matrix) -> Any:
    """SuperLU of a symmetric matrix: COLAMD ordering, symmetric mode, diagonal pivots (fastest here)."""
    return splu(a.tocsc(), permc_spec="COLAMD", diag_pivot_thresh=0.0, options={"SymmetricMode": True})


def _import_pyamg() -> Any:
    """pyamg, an optional dependency (extra ``simulate``): only networks of :data:`AMG_THRESHOLD` voxels and more
    need it, never the analysis of measured spectra."""
    try:
        import pyamg
    except ImportError:
        raise ImportError(
            f"the AMG solver (backend 'amg'; 'auto' from {AMG_THRESHOLD} voxels on) needs the optional package "
            'pyamg: pip install "eisrecipe[simulate]" (in a checkout: pip install -e ".[simulate]"); simulations, '
            "the reproduction and the validation matrix use it"
        ) from None
    return pyamg


class _AmgHierarchy:
    """Smoothed-aggregation AMG hierarchy (pyamg) of one condensed voxel operator, the *proxy* of a shift group.

    Built on ``D S D`` with ``D = diag(S)^(-1/2)`` (symmetric diagonal scaling). Every level is stored as CSR:
    pyamg keeps the coarse levels as BSR with 1x1 blocks, whose Gauss-Seidel sweeps took twice as long as CSR
    ones (measured: 15 vs 7-9 ms per V-cycle at 64 k voxels). Other shifts of the group solve
    ``D S_k D y = D r`` with this hierarchy as the preconditioner (see :func:`shift_groups`).
    """

    def __init__(self, schur: sparse.csr_matrix, *, in_place: bool = False) -> None:
        pyamg = _import_pyamg()

        diagonal = schur.diagonal()
        self.d = 1.0 / np.sqrt(diagonal)
        rho = _gershgorin_bound(schur, diagonal)
        scaled = _scale_symmetric(schur, self.d, copy=not in_place)
        # The finest level has unit diagonal, so pyamg's default Jacobi prolongation smoother
        # P = (I - omega / rho(D^-1 A) D^-1 A) T is Richardson's there, and rho can be handed over (pyamg reads a
        # matrix's cached ``rho``): the Gershgorin bound, within 0.1 % of lambda_max for these operators, instead of
        # pyamg's restarted Arnoldi from a random start (1.2 of 2.8 s per hierarchy at 100^3, and a different
        # estimate on every run). Coarser levels keep pyamg's default (their operators are built inside pyamg).
        scaled.rho = rho
        # forward Gauss-Seidel before and backward after: a symmetric V-cycle (as CG needs) at half the
        # cost of pyamg's default symmetric sweeps (measured: 35 vs 56 ms per iteration at 216 k voxels)
        ml = pyamg.smoothed_aggregation_solver(
            scaled,
            symmetry="symmetric",
            max_coarse=500,
            smooth=[("richardson", {"omega": 4.0 / 3.0, "degree": 1}), ("jacobi", {"omega": 4.0 / 3.0, "degree": 1})],
            presmoother=("gauss_seidel", {"sweep": "forward"}),
            postsmoother=("gauss_seidel", {"sweep": "backward"}),
        )
        for level in ml.levels:
            for name in ("A", "P", "R"):
                m = getattr(level, name, None)
                if m is not None and sparse.issparse(m) and m.format != "csr":
                    setattr(level, name, sparse.csr_matrix(m))
        self.ml = ml
        #: the scaled proxy operator (finest level)
        self.a0: sparse.csr_matrix = ml.levels[0].A
        self.preconditioner = ml.aspreconditioner(cycle="V")
        #: CG iterations of the first solve on the proxy's own operator (reference for the reuse guard)
        self.reference_iterations: int | None = None


def _gershgorin_bound(m: sparse.csr_matrix, diagonal: FloatArray) -> float:
    """Upper bound of the spectral radius of ``diag(m)^-1 m`` (= that of ``D m D`` with ``D = diag(m)^-1/2``):
    Gershgorin's largest absolute row sum of the row-scaled matrix. For the condensed voxel operators (symmetric
    M-matrices with weak diagonal dominance) it is at most 2, while lambda_max lies within 0.1 % below it
    (1.9982-1.9987 against 2.0000 on a 40^3 paper-parameter network at shifts 0 .. 6e7 1/s; 60-step Lanczos)."""
    rows = np.asarray(abs(m).sum(axis=1)).ravel()
    return float(np.max(rows / diagonal))


def _scale_symmetric(m: sparse.csr_matrix, d: FloatArray, *, copy: bool) -> sparse.csr_matrix:
    """``diag(d) m diag(d)`` for a CSR matrix (in place unless ``copy``)."""
    out = m.copy() if copy else m
    rows = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    out.data *= d[rows] * d[out.indices]
    return out


class _InteriorSolver:
    """Solves A_ii y = r for one real shift.

    The GB mid-nodes and interface nodes (all interior nodes after the first ``n_voxel``) touch only voxels and
    the WE, never each other, so their block of A_ii is diagonal: they are condensed out exactly (Schur
    complement S = A_vv - A_vm D^-1 A_mv, a 7-point voxel stencil) before the voxel system is solved by sparse
    LU or by AMG-preconditioned CG (pyamg smoothed aggregation, symmetric diagonal scaling). The condensation
    removes the strong anisotropic coupling of the thin GB elements that slows AMG at high shifts.

    With ``hierarchy`` given (AMG only), CG is preconditioned by that hierarchy (built for another shift of the
    same group, :func:`shift_groups`) instead of building one; if the first solve then needs more than
    ``REBUILD_FACTOR n_ref + REBUILD_SLACK`` iterations (``n_ref``: the hierarchy's own first solve) a hierarchy
    of this shift is built for the remaining solves. CG's stopping rule is the same either way, so only the cost
    changes.
    """

    def __init__(
        self,
        a_ii: sparse.csr_matrix,
        n_voxel: int,
        backend: str,
        rtol: float,
        hierarchy: _AmgHierarchy | None = None,
    ) -> None:
        self.backend = backend
        self.rtol = rtol
        self.iterations: list[int] = []
        self.nv = n_voxel
        self.rebuilt = False
        a_ii = a_ii.tocsr()
        a_mm = a_ii[n_voxel:, n_voxel:].tocsr()
        d_m = a_mm.diagonal()
        if a_mm.nnz and (abs(a_mm - sparse.diags(d_m)).max() > 0 or (d_m <= 0).any()):
            raise RuntimeError("non-voxel nodes must be mutually unconnected with a positive diagonal")
        self._a_vm = a_ii[:n_voxel, n_voxel:].tocsr()
        self._a_mv = self._a_vm.T.tocsr()
        self._d_inv = 1.0 / d_m
        schur = a_ii[:n_voxel, :n_voxel] - self._a_vm @ sparse.diags(self._d_inv) @ self._a_mv
        schur = sparse.csr_matrix(schur)
        schur.eliminate_zeros()
        if backend == "lu":
            self._lu = _lu(schur)
            self.hierarchy: _AmgHierarchy | None = None
        else:
            self._borrowed = hierarchy is not None
            if hierarchy is None:
                self.hierarchy = _AmgHierarchy(schur, in_place=True)
                self._a = self.hierarchy.a0
            else:
                self.hierarchy = hierarchy
                self._a = _scale_symmetric(schur, hierarchy.d, copy=False)

    def _rebuild(self) -> None:
        """Own hierarchy for this shift (the borrowed one preconditioned it badly)."""
        assert self.hierarchy is not None
        schur = _scale_symmetric(self._a, 1.0 / self.hierarchy.d, copy=False)
        self.hierarchy = _AmgHierarchy(schur, in_place=True)
        self._a = self.hierarchy.a0
        self._borrowed = False
        self.rebuilt = True

    def _cg(self, r: FloatArray, x0: FloatArray | None) -> tuple[FloatArray, int]:
        from scipy.sparse.linalg import cg

        assert self.hierarchy is not None
        its = [0]

        def count(_: FloatArray) -> None:
            its[0] += 1

        d = self.hierarchy.d
        y0 = None if x0 is None else x0 / d
        y, info = cg(
            self._a,
            d * r,
            x0=y0,
            rtol=self.rtol,
            atol=0.0,
            M=self.hierarchy.preconditioner,
            maxiter=1000,
            callback=count,
        )
        if info != 0:
            log.warning("AMG-CG did not reach rtol %.1e in %d iterations", self.rtol, its[0])
        return d * y, its[0]

    def _solve_voxels(self, r: FloatArray, x0: FloatArray | None = None) -> FloatArray:
        if self.backend == "lu":
            return self._lu.solve(r)
        assert self.hierarchy is not None
        x, its = self._cg(r, x0)
        first = not self.iterations
        self.iterations.append(its)
        ref = self.hierarchy.reference_iterations
        if ref is None:
            self.hierarchy.reference_iterations = its
        elif first and self._borrowed and its > REBUILD_FACTOR * ref + REBUILD_SLACK:
            log.info("shared AMG hierarchy needed %d CG iterations (own shift: %d): building one", its, ref)
            self._rebuild()  # its reference: the next solve
        return x

    def solve(self, r: FloatArray, x0: FloatArray | None = None) -> FloatArray:
        """Solution of ``A_ii x = r``; ``x0``: a start for CG (AMG backend; its voxel part is used)."""
        r_v, r_m = r[: self.nv], r[self.nv :]
        x_v = self._solve_voxels(r_v - self._a_vm @ (self._d_inv * r_m), None if x0 is None else x0[: self.nv])
        x_m = self._d_inv * (r_m - self._a_mv @ x_v)
        return np.concatenate([x_v, x_m])


def _choose_backend(network: Network, backend: Backend) -> str:
    if backend == "auto":
        return "lu" if network.n_voxel_nodes < AMG_THRESHOLD else "amg"
    if backend not in ("lu", "amg"):
        raise InputError(f"unknown solver backend {backend!r}; expected auto, lu or amg")
    return backend


def default_shifts(frequency_hz: ArrayLike, n_shifts: int = 5) -> FloatArray:
    """Shift set: 0 plus ``n_shifts - 1`` real shifts log-spaced over [2 pi f_min / 10, 2 pi f_max] (1/s).

    The shift at 0 makes the model's Z(0) (= sum of the DRT) exact. Ending at 2 pi f_max rather than above the
    band halved the worst error at the top frequency on small random networks (to <= 5e-7).
    """
    f = np.asarray(frequency_hz, dtype=float)
    if n_shifts < 1:
        raise InputError(f"need at least one shift, got {n_shifts}")
    if n_shifts == 1:
        return np.array([0.0])
    lo, hi = 2 * np.pi * f.min() / 10, 2 * np.pi * f.max()
    return np.concatenate([[0.0], np.geomspace(lo, hi, n_shifts - 1)])


def _orthonormal(vectors: FloatArray, rtol: float = 1e-12) -> FloatArray:
    """Orthonormal basis of the span of the rows of ``vectors`` (rank-revealing QR, columns below ``rtol``
    dropped). ``vectors`` (C order, one vector per row) is normalised and overwritten in place."""
    vectors /= np.linalg.norm(vectors, axis=1)[:, None]
    q, r, _ = scipy.linalg.qr(vectors.T, mode="economic", pivoting=True, overwrite_a=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > rtol * diag[0]).sum())
    # a second pass against round-off: q is orthonormal to ~1e-15 already, so Cholesky QR (Gram matrix, its
    # Cholesky factor, one triangular solve) is stable here, and 6x cheaper than a second Householder QR (0.14 vs
    # 0.89 s for 14 vectors of 1.3 M entries, one thread; serial time after the workers at 100^3)
    q = q[:, :rank]
    upper = scipy.linalg.cholesky(q.T @ q, lower=False)
    return np.asarray(scipy.linalg.solve_triangular(upper, q.T, trans="T", lower=False).T)


def foster_from_pencil(g: FloatArray, c: FloatArray, b: FloatArray, tau_floor: float = 0.0) -> FosterModel:
    """Exact Foster form of ``b^T (G + sC)^{-1} b`` for small dense symmetric G (positive definite) and C (PSD).

    Solves ``C x = tau G x`` with ``x^T G x = 1``; ``r_k = (x_k^T b)^2``. Modes with ``tau <= tau_floor``
    (including round-off negatives) make up R_inf.
    """
    g = 0.5 * (g + g.T)
    c = 0.5 * (c + c.T)
    tau, x = scipy.linalg.eigh(c, g)
    r = (x.T @ b) ** 2
    scale = max(float(np.abs(tau).max()), 1e-300)
    inf = tau <= max(tau_floor, 1e-14 * scale)
    order = np.argsort(tau[~inf])
    return FosterModel(tau[~inf][order], r[~inf][order], float(r[inf].sum()))


def _branch_tau_range(network: Network) -> tuple[float, float]:
    """Smallest and largest time constant c/g (s) of the branches among voxels and GB mid-nodes.

    Returns ``(0, inf)`` when a branch there has no conductance (no bound on its admittance ratio).
    """
    nb = network.n_voxel_nodes + network.n_gb_nodes
    g, c = network.g.tocsr(), network.c.tocsr()
    if not (np.array_equal(g.indptr, c.indptr) and np.array_equal(g.indices, c.indices)):
        g, c = (g + 0.0 * c).tocsr(), (c + 0.0 * g).tocsr()
        g.sort_indices()
        c.sort_indices()
    lo, hi = np.inf, 0.0
    for r0 in range(0, nb, 1 << 20):  # row blocks: bounded temporary memory
        r1 = min(nb, r0 + (1 << 20))
        i0, i1 = g.indptr[r0], g.indptr[r1]
        rows = np.repeat(np.arange(r0, r1), np.diff(g.indptr[r0 : r1 + 1]))
        cols = g.indices[i0:i1]
        keep = (cols < nb) & (cols != rows)
        gd, cd = -g.data[i0:i1][keep], -c.data[i0:i1][keep]
        if (gd <= 0).any():
            return 0.0, np.inf
        if gd.size:
            tau = cd / gd
            lo, hi = min(lo, float(tau.min())), max(hi, float(tau.max()))
    return (lo, hi) if hi > 0 else (0.0, 0.0)


def _voxel_grounds(network: Network, shift: float) -> tuple[FloatArray, FloatArray]:
    """Ground admittance of every voxel in the condensed voxel operator S(shift), and the voxel diagonal of A.

    The ground term is the row sum of ``S = A_vv - A_vm D^-1 A_mv`` (the WE node held at 0 V): the CE elements
    and the interface elements in series with their half-voxel bulk element. Computed with sparse products,
    without forming S. Both in S.
    """
    nv, w = network.n_voxel_nodes, network.we
    g, c = network.g, network.c
    u = np.zeros(network.n_nodes)
    u[:nv] = 1.0
    au = g @ u + shift * (c @ u)
    y = np.zeros(network.n_nodes)
    diag = g.diagonal() + shift * c.diagonal()
    y[nv:w] = au[nv:w] / diag[nv:w]
    rows = au[:nv] - (g @ y + shift * (c @ y))[:nv]
    return rows, diag[:nv]


def reuse_bound(network: Network, shift_a: float, shift_b: float, *, floor: float = 1e-2) -> float:
    """Bound on how far the condensed voxel operators of two shifts differ (1 = the same up to a factor).

    Every branch among voxels and GB mid-nodes changes its admittance by ``(1 + s_b tau)/(1 + s_a tau)``
    (tau = c/g); a series pair (a GB link condensed over its mid-node) stays within the range of its two
    branches, so ``kappa_links = r(tau_max) / r(tau_min)`` bounds the link part (as the spectrum of
    ``S_a^-1 S_b`` would be bounded for a pure Laplacian). The ground terms of the voxels (CE, and interface
    elements in series with the half-voxel bulk) enter as ratios ``(y_b + e)/(y_a + e)`` with
    ``e = floor * A_vv`` of that voxel: a ground term that is small against the voxel's own diagonal (a pore
    capacitance at a low shift) hardly changes the operator even when its ratio is large.

    Returns
    -------
    float
        ``max(kappa_links, max ratio / min ratio of the ground terms)`` (>= 1).
    """
    lo, hi = _branch_tau_range(network)
    s1, s2 = sorted((float(shift_a), float(shift_b)))
    return _bound(lo, hi, s1, s2, _voxel_grounds(network, s1), _voxel_grounds(network, s2)[0], floor)


def _bound(
    lo: float, hi: float, s1: float, s2: float, ground_a: tuple[FloatArray, FloatArray], gb: FloatArray, floor: float
) -> float:
    """:func:`reuse_bound` from the branch tau range and the voxel ground terms (``ground_a`` with the diagonal)."""
    s1, s2 = min(s1, s2), max(s1, s2)
    if not np.isfinite(hi):
        k_links = np.inf if s2 > s1 else 1.0
    else:
        k_links = ((1 + s2 * hi) / (1 + s1 * hi)) / ((1 + s2 * lo) / (1 + s1 * lo))
    ga, da = ground_a
    e = floor * da
    ratio = (np.maximum(gb, 0.0) + e) / (np.maximum(ga, 0.0) + e)
    return float(max(k_links, ratio.max() / ratio.min()))


def shift_groups(
    network: Network, shifts: ArrayLike, *, kappa_max: float = REUSE_KAPPA, floor: float = 1e-2
) -> list[list[int]]:
    """Group shifts whose condensed voxel operators are close enough to share one AMG hierarchy.

    Greedy in ascending shift: a shift joins the current group when :func:`reuse_bound` between it and the
    group's first shift (whose operator is the group's proxy, the one the hierarchy is built for) is at most
    ``kappa_max``. With the default 4 on a 40^3 paper-parameter network the five default shifts formed the groups
    {0, 6.3e-3, 13.5} and {2.9e4, 6.3e7} 1/s, and CG needed 10-12 iterations with the shared hierarchy against
    10-11 with its own; across the groups' boundary a shared hierarchy needed 31-39.

    Parameters
    ----------
    network
        Assembled network.
    shifts
        Real shifts in 1/s.
    kappa_max
        Largest :func:`reuse_bound` within a group.
    floor
        See :func:`reuse_bound`.

    Returns
    -------
    list of list of int
        Indices into ``shifts``, each group ascending in shift, the first index the proxy.
    """
    s = np.asarray(shifts, dtype=float)
    order = np.argsort(s, kind="stable")
    lo, hi = _branch_tau_range(network)
    grounds = {int(k): _voxel_grounds(network, float(s[k])) for k in order}
    groups: list[list[int]] = []
    for k in order:
        k = int(k)
        if groups:
            h = groups[-1][0]
            if _bound(lo, hi, s[h], s[k], grounds[h], grounds[k][0], floor) <= kappa_max:
                groups[-1].append(k)
                continue
        groups.append([k])
    return groups


def _plan(groups: list[list[int]], jobs: int) -> list[list[list[int]]]:
    """Distribute shift groups over ``jobs`` workers; returns per worker its units (one hierarchy each).

    While there are fewer units than workers the largest unit is halved (each half builds its own hierarchy:
    more total work, shorter wall time); then longest-processing-time-first with a unit's cost taken as
    1 + its shift count (the hierarchy setup costs about as much as one shift's solves).
    """
    units = [list(g) for g in groups]
    while len(units) < jobs:
        big = max(units, key=len)
        if len(big) < 2:
            break
        units.remove(big)
        half = (len(big) + 1) // 2
        units += [big[:half], big[half:]]
    loads = [0.0] * max(jobs, 1)
    plan: list[list[list[int]]] = [[] for _ in loads]
    for unit in sorted(units, key=lambda u: (-len(u), u[0])):
        k = int(np.argmin(loads))
        plan[k].append(unit)
        loads[k] += 1 + len(unit)
    return [p for p in plan if p]


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def reduce(
    network: Network,
    frequency_hz: ArrayLike,
    *,
    shifts: ArrayLike | None = None,
    n_shifts: int = 5,
    n_moments: int = 3,
    backend: Backend = "auto",
    rtol: float = 1e-8,
    jobs: int | None = None,
    reuse: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ReducedModel:
    """Reduced-order model of the network from real shifts, with its exact Foster form.

    Parameters
    ----------
    network
        Assembled network (G in S, C in F).
    frequency_hz
        The band the model must cover (Hz); only its ends matter when ``shifts`` is ``None``.
    shifts
        Real shifts s_k >= 0 in 1/s; default :func:`default_shifts` ``(frequency_hz, n_shifts)``.
    n_shifts
        Number of default shifts (including s = 0).
    n_moments
        Krylov vectors per shift: ``x_1 = A^{-1} b``, ``x_{j+1} = A^{-1} C x_j``.
    backend
        ``"lu"`` (SuperLU), ``"amg"`` (pyamg smoothed aggregation + CG) or ``"auto"``.
    rtol
        Relative residual of the CG solves (AMG backend). 1e-8 changed Z by at most 6e-8 relative against
        1e-11 (40^3 bench network; 1e-6: 1.7e-7), below the model's own error at the default shifts.
    jobs
        Worker processes for the shifts (independent solves; forked, so the network is shared, not copied).
        ``None``: the CPUs this process may use, at most :data:`MAX_DEFAULT_JOBS`, for networks of at least
        :data:`PARALLEL_MIN_VOXELS` voxels (below, one process: the fork costs more than it saves). The result
        depends on it only by rounding (1e-10 - 1e-8 relative in Z: NumPy's reductions round by memory
        alignment, and a group split over processes starts CG from other vectors; LU results are identical).
        Without ``os.fork`` one process.
    reuse
        AMG backend: share one hierarchy among the shifts of each :func:`shift_groups` group. ``False``
        builds one per shift (the previous behaviour; same accuracy, more setup).
    progress
        Called with a short message after every shift (in addition to ``logging`` at INFO level); with
        worker processes, when their results arrive.

    Returns
    -------
    ReducedModel
        Foster form in raw ohm and solve statistics.
    """
    s_all = default_shifts(frequency_hz, n_shifts) if shifts is None else np.asarray(shifts, dtype=float)
    if (s_all < 0).any() or not np.isfinite(s_all).all():
        raise InputError("shifts must be finite and >= 0")
    if n_moments < 1:
        raise InputError(f"need at least one moment per shift, got {n_moments}")
    if jobs is not None and jobs < 1:
        raise InputError(f"jobs must be >= 1, got {jobs}")
    kind = _choose_backend(network, backend)
    if jobs is None:
        jobs = min(_available_cpus(), MAX_DEFAULT_JOBS) if network.n_voxel_nodes >= PARALLEL_MIN_VOXELS else 1
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        jobs = 1
    t0 = time.perf_counter()
    groups = shift_groups(network, s_all) if kind == "amg" and reuse else [[k] for k in range(s_all.size)]
    plan = _plan(groups, jobs)
    t_group = time.perf_counter() - t0
    w = network.we
    with _single_threaded_blas():
        vectors, results = _solve_plan(network, s_all, plan, n_moments, kind, rtol)
        its: list[int] = []
        for k in range(s_all.size):
            for res in results:
                if k in res["iterations"]:
                    its += res["iterations"][k]
                    log.info(res["messages"][k])
                    if progress is not None:
                        progress(res["messages"][k])
        t0 = time.perf_counter()
        v = _orthonormal(vectors)
        del vectors
        g_r = v.T @ (network.g @ v)
        c_r = v.T @ (network.c @ v)
        foster = foster_from_pencil(g_r, c_r, v[w].copy())
        t_proj = time.perf_counter() - t0
    stats = SolveStats(
        shifts=tuple(float(s) for s in s_all),
        n_moments=n_moments,
        basis_size=int(v.shape[1]),
        backend=kind,
        iterations=tuple(its),
        seconds={
            "grouping": t_group,
            "setup": sum(float(r["setup"]) for r in results),
            "solve": sum(float(r["solve"]) for r in results),
            "projection": t_proj,
        },
        groups=tuple(tuple(float(s_all[k]) for k in g) for g in groups),
        jobs=len(plan),
        hierarchies=sum(int(r["hierarchies"]) for r in results),
    )
    log.info("reduced model: %d basis vectors, %d modes, Z(0) = %.6g ohm", v.shape[1], foster.tau_s.size, foster.r_dc)
    return ReducedModel(foster, stats)


def _solve_units(
    network: Network,
    s_all: FloatArray,
    units: list[list[int]],
    n_moments: int,
    kind: str,
    rtol: float,
    out: FloatArray,
) -> dict[str, Any]:
    """Krylov vectors of the shifts in ``units`` into ``out[k * n_moments + j]`` (shift k, moment j).

    One AMG hierarchy per unit, built at its first shift and passed to the others. Returns CG iterations and a
    log message per shift, setup and solve seconds, and the number of hierarchies built.
    """
    w = network.we
    c_full = network.c.tocsr()
    iterations: dict[int, list[int]] = {}
    messages: dict[int, str] = {}
    t_setup = t_solve = 0.0
    n_hier = 0
    for unit in units:
        hierarchy: _AmgHierarchy | None = None
        # CG starts from the previous shift's solutions (same moment): within a group the operators are close,
        # so the start is good and CG needs fewer iterations to the same relative residual
        starts: list[FloatArray | None] = [None] * n_moments
        for k in unit:
            s = float(s_all[k])
            t0 = time.perf_counter()
            a_ii, a_iw, a_ww = _split(network, s)
            solver = _InteriorSolver(a_ii, network.n_voxel_nodes, kind, rtol, hierarchy)
            del a_ii
            shared = hierarchy is not None
            if kind == "amg" and hierarchy is None:
                hierarchy = solver.hierarchy
                n_hier += 1
            t1 = time.perf_counter()
            z = solver.solve(-a_iw, starts[0])  # interior voltages for v_WE = 1
            starts[0] = z
            y_in = float(a_ww + a_iw @ z)  # input admittance at s
            x = out[k * n_moments]
            x[:w] = z / y_in  # full solution of A x = b
            x[w] = 1.0 / y_in
            for j in range(1, n_moments):
                r = c_full @ x
                yy = solver.solve(r[:w], starts[j])
                starts[j] = yy
                xw = (r[w] - a_iw @ yy) / y_in
                x = out[k * n_moments + j]
                x[:w] = yy + z * xw
                x[w] = xw
            t2 = time.perf_counter()
            if solver.rebuilt:
                hierarchy = solver.hierarchy
                n_hier += 1
            t_setup += t1 - t0
            t_solve += t2 - t1
            iterations[k] = list(solver.iterations)
            how = " (shared hierarchy)" if shared and not solver.rebuilt else ""
            messages[k] = (
                f"shift {k + 1}/{s_all.size} (s = {s:.3g} 1/s): Z = {1 / y_in:.6g} ohm, setup {t1 - t0:.2f} s, "
                f"solves {t2 - t1:.2f} s" + (f", CG iterations {solver.iterations}{how}" if solver.iterations else "")
            )
            del solver
    return {"iterations": iterations, "messages": messages, "setup": t_setup, "solve": t_solve, "hierarchies": n_hier}


def _child(
    conn: Any,
    network: Network,
    s_all: FloatArray,
    units: list[list[int]],
    n_moments: int,
    kind: str,
    rtol: float,
    out: FloatArray,
) -> None:
    """Worker process: solve its units into the shared ``out``, send the statistics (or the error) back."""
    try:
        with _single_threaded_blas():
            res = _solve_units(network, s_all, units, n_moments, kind, rtol, out)
        conn.send(res)
    except BaseException as exc:  # reported to the parent, which raises
        conn.send({"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"})
    finally:
        conn.close()


def _solve_plan(
    network: Network,
    s_all: FloatArray,
    plan: list[list[list[int]]],
    n_moments: int,
    kind: str,
    rtol: float,
) -> tuple[FloatArray, list[dict[str, Any]]]:
    """Run the plan: worker 0 in this process, the others in forked processes writing to shared memory.

    Returns the Krylov vectors (one per row, shift-major) and each worker's statistics.
    """
    n_vec, n = s_all.size * n_moments, network.n_nodes
    # anonymous shared memory: the children's writes are seen here. Also used by one process, so that the
    # vectors have the same (page) alignment either way: NumPy's SIMD reductions round by alignment, and the
    # result must not depend on the number of processes
    buf = mmap.mmap(-1, n_vec * n * 8)
    out = np.frombuffer(buf, dtype=np.float64).reshape(n_vec, n)
    if len(plan) == 1:
        return out, [_solve_units(network, s_all, plan[0], n_moments, kind, rtol, out)]
    ctx = multiprocessing.get_context("fork")
    workers = []
    with warnings.catch_warnings():
        # Python >= 3.12 warns about fork() in a process with threads (OpenBLAS's idle pool); the children only
        # run NumPy/SciPy/pyamg code on one BLAS thread and never touch locks held by other threads
        warnings.simplefilter("ignore", DeprecationWarning)
        for units in plan[1:]:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(send, network, s_all, units, n_moments, kind, rtol, out))
            proc.start()
            send.close()
            workers.append((proc, recv))
    results = []
    try:
        results.append(_solve_units(network, s_all, plan[0], n_moments, kind, rtol, out))
    finally:
        errors = []
        for proc, recv in workers:
            try:
                res = recv.recv()
            except EOFError:
                res = {"error": f"worker process exited with code {proc.exitcode} without a result"}
            proc.join()
            recv.close()
            if "error" in res:
                errors.append(str(res["error"]))
            else:
                results.append(res)
    if errors:
        raise RuntimeError("network solve failed in a worker process:\n" + "\n".join(errors))
    return out, results


def dc_resistance(network: Network, *, backend: Backend = "auto", rtol: float = 1e-10) -> float:
    """Z(0) = b^T G^{-1} b in ohm (one SPD solve)."""
    a_ii, a_iw, a_ww = _split(network, 0.0)
    solver = _InteriorSolver(a_ii, network.n_voxel_nodes, _choose_backend(network, backend), rtol)
    z = solver.solve(-a_iw)
    return float(1.0 / (a_ww + a_iw @ z))


def direct_impedance(
    network: Network, frequency_hz: ArrayLike, progress: Callable[[str], None] | None = None
) -> ComplexArray:
    """Reference: Z(j omega) in ohm by one sparse LU solve per frequency (small grids only).

    Voltage-driven interior solve ``(G_ii + j w C_ii) v_i = -(g_iw + j w c_iw)``, then
    ``Z = 1 / (a_ww + a_wi v_i)`` on all interior nodes (no condensation: independent of the reduced model's
    code path). The complex system is solved in its real equivalent form (2x2 blocks ``[[Re, -Im], [Im, Re]]``
    per node, SuperLU). Not the fastest direct route: ``bench/network.py`` measured SuperLU on the complex
    system with COLAMD and default pivoting 2.3x faster at 20^3 voxels, pypardiso on this real form 19x.
    """
    f = np.asarray(frequency_hz, dtype=float).ravel()
    out = np.empty(f.size, dtype=complex)
    w = network.we
    g_ii = network.g[:w, :w].tocsr()
    c_ii = network.c[:w, :w].tocsr()
    g_iw = network.g[:w, [w]].toarray().ravel()
    c_iw = network.c[:w, [w]].toarray().ravel()
    g_ww, c_ww = float(network.g[w, w]), float(network.c[w, w])
    # fill-reducing order of the scalar pattern, applied to 2x2 blocks (real and imaginary part of a node next
    # to each other); the symmetric part of the block matrix is positive definite, so no pivoting is needed
    p = np.argsort(_lu(g_ii + c_ii).perm_c)  # perm_c[i] is the new position of column i
    g_p = g_ii[p][:, p]
    c_p = c_ii[p][:, p]
    rot = sparse.csr_matrix(np.array([[0.0, -1.0], [1.0, 0.0]]))
    eye2 = sparse.identity(2, format="csr")
    for k, fk in enumerate(f):
        om = 2 * np.pi * fk
        big = (sparse.kron(g_p, eye2) + om * sparse.kron(c_p, rot)).tocsc()
        lu = splu(big, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
        y = lu.solve(np.column_stack([-g_iw[p], -om * c_iw[p]]).ravel())
        v = np.empty(w, dtype=complex)
        v[p] = y[0::2] + 1j * y[1::2]
        a_iw = g_iw + 1j * om * c_iw
        out[k] = 1.0 / (g_ww + 1j * om * c_ww + a_iw @ v)
        if progress is not None:
            progress(f"direct solve {k + 1}/{f.size} ({fk:.3g} Hz)")
    return out


def exact_foster_dense(network: Network) -> FosterModel:
    """Exact Foster form of the whole network from the dense pencil (tiny grids only: O(n^3))."""
    if network.n_nodes > 6000:
        raise InputError(f"dense eigen-decomposition of {network.n_nodes} nodes is too large; use reduce()")
    b = np.zeros(network.n_nodes)
    b[network.we] = 1.0
    return foster_from_pencil(network.g.toarray(), network.c.toarray(), b)
