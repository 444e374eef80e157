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
smoothed-aggregation AMG (pyamg, the optional extra ``simulate``) preconditioned CG above, one hierarchy per
shift. Defaults (5 shifts incl. 0, 3 Krylov vectors each, CG rtol 1e-8) matched direct solves to <= 1e-6 on random
small networks and to ~1e-8 on 20^3 - 25^3 paper-parameter networks; a 100^3 network (1.4 M unknowns) took ~55 s
and 2 GB on 2 cores.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
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
        Wall time of setup (factorisation / AMG hierarchy), solves and projection, in s.
    """

    shifts: tuple[float, ...]
    n_moments: int
    basis_size: int
    backend: str
    iterations: tuple[int, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)


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


class _InteriorSolver:
    """Solves A_ii y = r for one real shift.

    The GB mid-nodes and interface nodes (all interior nodes after the first ``n_voxel``) touch only voxels and
    the WE, never each other, so their block of A_ii is diagonal: they are condensed out exactly (Schur
    complement S = A_vv - A_vm D^-1 A_mv, a 7-point voxel stencil) before the voxel system is solved by sparse
    LU or by AMG-preconditioned CG (pyamg smoothed aggregation, symmetric diagonal scaling). The condensation
    removes the strong anisotropic coupling of the thin GB elements that slows AMG at high shifts.
    """

    def __init__(self, a_ii: sparse.csr_matrix, n_voxel: int, backend: str, rtol: float) -> None:
        self.backend = backend
        self.rtol = rtol
        self.iterations: list[int] = []
        self.nv = n_voxel
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
        else:
            pyamg = _import_pyamg()
            d = 1.0 / np.sqrt(schur.diagonal())
            self._d = d
            scaled = sparse.csr_matrix(sparse.diags(d) @ schur @ sparse.diags(d))
            # forward Gauss-Seidel before and backward after: a symmetric V-cycle (as CG needs) at half the
            # cost of pyamg's default symmetric sweeps (measured: 35 vs 56 ms per iteration at 216 k voxels)
            self._ml = pyamg.smoothed_aggregation_solver(
                scaled,
                symmetry="symmetric",
                max_coarse=500,
                presmoother=("gauss_seidel", {"sweep": "forward"}),
                postsmoother=("gauss_seidel", {"sweep": "backward"}),
            )
            self._m = self._ml.aspreconditioner(cycle="V")
            self._a = scaled

    def _solve_voxels(self, r: FloatArray) -> FloatArray:
        if self.backend == "lu":
            return self._lu.solve(r)
        from scipy.sparse.linalg import cg

        its = [0]

        def count(_: FloatArray) -> None:
            its[0] += 1

        y, info = cg(self._a, self._d * r, rtol=self.rtol, atol=0.0, M=self._m, maxiter=1000, callback=count)
        if info != 0:
            log.warning("AMG-CG did not reach rtol %.1e in %d iterations", self.rtol, its[0])
        self.iterations.append(its[0])
        return self._d * y

    def solve(self, r: FloatArray) -> FloatArray:
        r_v, r_m = r[: self.nv], r[self.nv :]
        x_v = self._solve_voxels(r_v - self._a_vm @ (self._d_inv * r_m))
        x_m = self._d_inv * (r_m - self._a_mv @ x_v)
        return np.concatenate([x_v, x_m])


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


def _orthonormal(vectors: Sequence[FloatArray], rtol: float = 1e-12) -> FloatArray:
    """Orthonormal basis of the span of ``vectors`` (rank-revealing QR, columns below ``rtol`` dropped)."""
    v = np.column_stack([x / np.linalg.norm(x) for x in vectors])
    q, r, _ = scipy.linalg.qr(v, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > rtol * diag[0]).sum())
    q = q[:, :rank]
    # a second pass of Gram-Schmidt against round-off
    q, _ = np.linalg.qr(q)
    return q


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


def reduce(
    network: Network,
    frequency_hz: ArrayLike,
    *,
    shifts: ArrayLike | None = None,
    n_shifts: int = 5,
    n_moments: int = 3,
    backend: Backend = "auto",
    rtol: float = 1e-8,
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
        Relative residual of the CG solves (AMG backend). The projection is a Galerkin one, so Z errs by about
        the square of the basis error: 1e-8 gave the same spectrum as 1e-10 to 1e-9 (40^3 voxels).
    progress
        Called with a short message after every shift (in addition to ``logging`` at INFO level).

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
    kind = _choose_backend(network, backend)
    w = network.we
    c_full = network.c.tocsr()
    with _single_threaded_blas():
        vectors, its, t_setup, t_solve = _shift_solves(network, s_all, n_moments, kind, rtol, progress)
    t0 = time.perf_counter()
    v = _orthonormal(vectors)
    gv = network.g @ v
    cv = c_full @ v
    foster = foster_from_pencil(v.T @ gv, v.T @ cv, v[w].copy())
    t_proj = time.perf_counter() - t0
    stats = SolveStats(
        shifts=tuple(float(s) for s in s_all),
        n_moments=n_moments,
        basis_size=int(v.shape[1]),
        backend=kind,
        iterations=tuple(its),
        seconds={"setup": t_setup, "solve": t_solve, "projection": t_proj},
    )
    log.info("reduced model: %d basis vectors, %d modes, Z(0) = %.6g ohm", v.shape[1], foster.tau_s.size, foster.r_dc)
    return ReducedModel(foster, stats)


def _shift_solves(
    network: Network,
    s_all: FloatArray,
    n_moments: int,
    kind: str,
    rtol: float,
    progress: Callable[[str], None] | None,
) -> tuple[list[FloatArray], list[int], float, float]:
    """Krylov vectors at every shift; returns (vectors, CG iterations, setup seconds, solve seconds)."""
    w = network.we
    c_full = network.c.tocsr()
    vectors: list[FloatArray] = []
    its: list[int] = []
    t_setup = t_solve = 0.0
    for k, s in enumerate(s_all):
        t0 = time.perf_counter()
        a_ii, a_iw, a_ww = _split(network, float(s))
        solver = _InteriorSolver(a_ii, network.n_voxel_nodes, kind, rtol)
        t1 = time.perf_counter()
        z = solver.solve(-a_iw)  # interior voltages for v_WE = 1
        y_in = float(a_ww + a_iw @ z)  # input admittance at s
        x = np.append(z, 1.0) / y_in  # full solution of A x = b
        vectors.append(x)
        for _ in range(1, n_moments):
            r = c_full @ x
            yy = solver.solve(r[:w])
            xw = (r[w] - a_iw @ yy) / y_in
            x = np.append(yy + z * xw, xw)
            vectors.append(x)
        t2 = time.perf_counter()
        t_setup += t1 - t0
        t_solve += t2 - t1
        its += solver.iterations
        msg = (
            f"shift {k + 1}/{s_all.size} (s = {s:.3g} 1/s): Z = {1 / y_in:.6g} ohm, setup {t1 - t0:.2f} s, "
            f"solves {t2 - t1:.2f} s" + (f", CG iterations {solver.iterations}" if solver.iterations else "")
        )
        log.info(msg)
        if progress is not None:
            progress(msg)
        del solver, a_ii
    return vectors, its, t_setup, t_solve


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
    per node, SuperLU; its complex factorisation was ~10x slower here).
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
