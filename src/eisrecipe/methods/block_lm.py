"""Bounded Levenberg-Marquardt for block-sparse least squares: the joint series fit of a long spectrum series.

Why not :func:`scipy.optimize.least_squares` on this path: a joint series fit's Jacobian is block-arrow shaped
(a spectrum's rows touch only the shared parameters and its own few), so its normal matrix can be solved exactly
in time linear in the number of spectra - a small dense solve per spectrum and one for the shared parameters
(Schur complement). scipy offers an exact trust-region step only through the SVD of the dense Jacobian (cost per
iteration ~ spectra^3) and otherwise LSMR, an iterative solve that on these ill-conditioned problems ran into its
iteration limit (100, 200 Jacobian products through three layers of ``LinearOperator``) at every step: ~20 ms per
step for a 40-spectrum series, three quarters of it Python overhead. Measured on the 36 sparse-path fits of four
bench cells' confidence replicas (15-40 spectra, ``bench/fit.py --solver``): see :mod:`eisrecipe.methods.fitting`.

Method
------
Levenberg-Marquardt with Marquardt's scaling (the damping proportional to the running maximum of diag(J^T J), so
the steps do not depend on the parameters' units, as scipy's ``x_scale="jac"``) and box bounds by projection: a
parameter on a bound whose gradient points out of the box is held for the step, and a trial point is clipped into
the box. A step is taken when it lowers the cost; the damping falls (/3) after a step the linear model predicted
well (ratio > 0.75), rises (x2) after a poor one (< 0.25) and x10 after a refused one. It stops on the tolerances
of scipy's trf (``ftol`` on the relative fall of the cost with a well-predicted step, ``xtol`` on the step relative
to the parameters, or no step lowering the cost at the largest damping) or on MINPACK's cosine test of the gradient
(``gtol``, with the current column norms), or at ``max_nfev`` residual evaluations. A non-finite trial cost (exp
overflowing far along an ill-determined direction) is a refused step. An ftol or xtol stop that leaves a projected
gradient cosine above :data:`RESTART_COSINE` starts the scaling and damping afresh (at most :data:`RESTARTS`
times): the running maximum of diag(J^T J) can freeze a parameter whose column has shrunk by orders of magnitude
since, and a review's stress run (14-spectrum series from starts off by ln R ~ N(0, 1.6)) stopped there at 40x the
minimum's chi2.

The end point is not scipy's bit for bit: the search paths differ, so on a multi-minimum problem the two can end in
different minima (4 of that stress run's 40 series here, each flagged; scipy's trf found the minimum in all 40).
``fitting.fit_series`` therefore races scipy's trf wherever this search's end point would be flagged (trf gets as many
residual evaluations as this search took and is run to its end only where it is ahead by then) and keeps the lower
cost, and keeps the dense scipy path for series of up to
:data:`eisrecipe.methods.fitting.DENSE_MAX_SPECTRA` spectra, where every validation-matrix cell and the case study
fall, so their numbers do not move. tests/test_fitting_scale.py compares the paths.

Units: whatever the caller's residuals and parameters carry; nothing here is physical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from eisrecipe.spectrum import FloatArray

__all__ = ["BlockProblem", "BlockResult", "block_least_squares"]

#: scipy.optimize.least_squares' default xtol and gtol (gtol as MINPACK's cosine test, see small_lsq)
XTOL = GTOL = 1e-8
#: Marquardt's damping (relative to the scaling) at the start, its floor, and where the search gives up
LAMBDA_START, LAMBDA_MIN, LAMBDA_MAX = 1e-3, 1e-12, 1e16
#: a stop (ftol, xtol) that leaves a larger projected gradient cosine than this restarts the scaling and damping
RESTART_COSINE = 1e-3
#: restarts at most
RESTARTS = 3


@dataclass(frozen=True)
class BlockProblem:
    """A block-sparse least-squares problem.

    Attributes
    ----------
    residual
        x -> residual vector r(x), shape (m,).
    blocks
        x -> per block j, its Jacobian rows dr/dx over the slots ``index[j]``, shape (m_j, len(index[j])); the
        blocks' rows partition r (their order does not matter here).
    block_residual
        r -> per block j, its rows of r in the order of ``blocks``' rows.
    index
        Per block, the global slots of its parameters.
    """

    residual: Callable[[FloatArray], FloatArray]
    blocks: Callable[[FloatArray], list[np.ndarray]]
    block_residual: Callable[[FloatArray], list[FloatArray]]
    index: Sequence[np.ndarray]


@dataclass(frozen=True)
class BlockResult:
    """Outcome of :func:`block_least_squares`, in the fields :func:`scipy.optimize.least_squares` uses.

    Attributes
    ----------
    x
        Last accepted iterate.
    fun
        Residuals there.
    status
        0: ``max_nfev`` reached; 1: gtol, 2: ftol, 3: xtol met (or no step lowers the cost at the largest damping);
        -1: no finite residual at the start.
    nfev
        Residual evaluations.
    message
        The status in words.
    """

    x: FloatArray
    fun: FloatArray
    status: int
    nfev: int
    message: str


class _Group(NamedTuple):
    """Blocks of the same shape (own slots x common slots), stacked: their global own slots ``own`` (g x o), the
    global slots of their common ones ``common`` (g x c) and those slots' positions among all common ones ``pos``."""

    blocks: np.ndarray
    own: np.ndarray
    common: np.ndarray
    pos: np.ndarray


class _Normal:
    """The Gauss-Newton normal equations of a block-arrow Jacobian, solved by Schur complement on the slots held by
    two or more blocks ("common"); every other slot belongs to one block ("own"). Blocks of the same shape (a series'
    spectra with the same model) are handled as one stack - one batched LAPACK solve per shape instead of one call
    per spectrum (the per-spectrum loop was half of a 40-spectrum fit's time)."""

    def __init__(self, index: Sequence[np.ndarray], n: int) -> None:
        if any(np.unique(i).size != len(i) for i in index):
            raise ValueError("a block lists a slot twice")
        counts = np.bincount(np.concatenate(index), minlength=n) if len(index) else np.zeros(n, int)
        self.n = n
        self.common = np.flatnonzero(counts > 1)
        position = np.full(n, -1)
        position[self.common] = np.arange(self.common.size)
        self.own_local = [np.flatnonzero(counts[i] == 1) for i in index]  # positions within the block
        self.common_local = [np.flatnonzero(counts[i] > 1) for i in index]
        shapes: dict[tuple[int, int], list[int]] = {}
        for k, (o, c) in enumerate(zip(self.own_local, self.common_local, strict=True)):
            shapes.setdefault((o.size, c.size), []).append(k)
        self.groups = [
            _Group(
                np.array(ks),
                np.array([index[k][self.own_local[k]] for k in ks], dtype=int).reshape(len(ks), o),
                np.array([index[k][self.common_local[k]] for k in ks], dtype=int).reshape(len(ks), c),
                np.array([position[index[k][self.common_local[k]]] for k in ks], dtype=int).reshape(len(ks), c),
            )
            for (o, c), ks in shapes.items()
        ]

    def assemble(self, blocks: Sequence[np.ndarray], residuals: Sequence[FloatArray]) -> list[tuple[np.ndarray, ...]]:
        """Per group of blocks, stacked: (J_o^T J_o, J_o^T J_c, J_c^T J_c, J_o^T r, J_c^T r)."""
        out = []
        for group in self.groups:
            parts = []
            for k in group.blocks:
                b, r = blocks[k], residuals[k]
                jo, jc = b[:, self.own_local[k]], b[:, self.common_local[k]]
                parts.append((jo.T @ jo, jo.T @ jc, jc.T @ jc, jo.T @ r, jc.T @ r))
            out.append(tuple(np.stack(p) for p in zip(*parts, strict=True)))
        return out

    def gradient(self, parts: Sequence[tuple[np.ndarray, ...]]) -> FloatArray:
        g = np.zeros(self.n)
        for (_, _, _, go, gc), group in zip(parts, self.groups, strict=True):
            g[group.own] = go
            np.add.at(g, group.common, gc)
        return g

    def diagonal(self, parts: Sequence[tuple[np.ndarray, ...]]) -> FloatArray:
        d = np.zeros(self.n)
        for (a, _, cc, _, _), group in zip(parts, self.groups, strict=True):
            d[group.own] = np.diagonal(a, axis1=1, axis2=2)
            np.add.at(d, group.common, np.diagonal(cc, axis1=1, axis2=2))
        return d

    def solve(
        self, parts: Sequence[tuple[np.ndarray, ...]], damping: FloatArray, held: np.ndarray
    ) -> FloatArray | None:
        """The step of (J^T J + diag(damping)) step = -J^T r with the ``held`` slots fixed at 0; None when a
        system is singular."""
        c = self.common.size
        s = np.zeros((c, c))
        h = np.zeros(c)
        eliminated = []
        try:
            for (a, bmat, cc, go, gc), group in zip(parts, self.groups, strict=True):
                free_o = ~held[group.own]
                free_c = ~held[group.common]
                diag = np.arange(a.shape[1])
                a = a.copy()
                a[:, diag, diag] += damping[group.own]
                a = np.where(free_o[:, :, None] & free_o[:, None, :], a, 0.0)
                a[:, diag, diag] = np.where(free_o, a[:, diag, diag], 1.0)
                bmat = bmat * free_o[:, :, None] * free_c[:, None, :]
                go = go * free_o
                if a.shape[1]:
                    sol = np.linalg.solve(a, np.concatenate((bmat, go[:, :, None]), axis=2))
                    xo, yo = sol[:, :, :-1], sol[:, :, -1]
                else:
                    xo, yo = np.zeros((len(group.blocks), 0, group.pos.shape[1])), np.zeros((len(group.blocks), 0))
                bt = np.swapaxes(bmat, 1, 2)
                np.add.at(s, (group.pos[:, :, None], group.pos[:, None, :]), cc - bt @ xo)
                np.add.at(h, group.pos, gc - (bt @ yo[:, :, None])[:, :, 0])
                eliminated.append((group, xo, yo))
            if c:
                held_c = held[self.common]
                s[np.diag_indices(c)] += damping[self.common]
                s[held_c, :] = 0.0
                s[:, held_c] = 0.0
                s[held_c, held_c] = 1.0
                h[held_c] = 0.0
                step_c = np.linalg.solve(s, -h)
            else:
                step_c = np.zeros(0)
        except np.linalg.LinAlgError:
            return None
        step = np.zeros(self.n)
        step[self.common] = step_c
        for group, xo, yo in eliminated:
            step[group.own] = -(yo + (xo @ step_c[group.pos][:, :, None])[:, :, 0])
        step[held] = 0.0
        return step if np.all(np.isfinite(step)) else None


def block_least_squares(
    problem: BlockProblem,
    x0: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    *,
    max_nfev: int,
    ftol: float,
    xtol: float = XTOL,
    gtol: float = GTOL,
) -> BlockResult:
    """Minimise 0.5 |r(x)|^2 within lo <= x <= hi (see the module docstring).

    Parameters
    ----------
    problem
        Residuals and block Jacobian.
    x0
        Start, inside the bounds.
    lo, hi
        Bounds (``-inf`` / ``inf`` for none).
    max_nfev
        Cap on residual evaluations.
    ftol, xtol, gtol
        Tolerances as in :func:`scipy.optimize.least_squares` (gtol: MINPACK's cosine test).

    Returns
    -------
    BlockResult
    """
    n = x0.size
    normal = _Normal(problem.index, n)
    x = np.clip(np.asarray(x0, dtype=float), lo, hi)
    r = problem.residual(x)
    nfev = 1
    if not np.all(np.isfinite(r)):
        return BlockResult(x, r, -1, nfev, "residuals are not finite at the start")
    cost = 0.5 * float(r @ r)
    blocks = problem.blocks(x)
    parts = normal.assemble(blocks, problem.block_residual(r))
    span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)

    def held_at(x: FloatArray, gradient: FloatArray) -> np.ndarray:
        """Parameters on a bound whose gradient points out of the box."""
        return ((x - lo <= 1e-12 * span) & (gradient > 0)) | ((hi - x <= 1e-12 * span) & (gradient < 0))

    restarts = 0
    scale, lam = np.zeros(n), LAMBDA_START
    while True:
        gradient = normal.gradient(parts)
        diagonal = normal.diagonal(parts)
        scale = np.maximum(scale, diagonal)
        unit = np.where(scale > 0, scale, 1.0)
        held = held_at(x, gradient)
        cosine = _cosine(gradient, diagonal, held, cost)
        if cosine <= gtol:
            return BlockResult(x, r, 1, nfev, "gtol: the gradient is orthogonal to the residuals")
        stop = None
        while stop is None:
            if nfev >= max_nfev:
                return BlockResult(x, r, 0, nfev, "max_nfev reached")
            step = normal.solve(parts, lam * unit, held)
            if step is not None:
                x_new = np.clip(x + step, lo, hi)
                step = x_new - x
                r_new = problem.residual(x_new)
                nfev += 1
                cost_new = 0.5 * float(r_new @ r_new) if np.all(np.isfinite(r_new)) else np.inf
                if cost_new <= cost:
                    break
            lam *= 10.0
            if lam > LAMBDA_MAX:
                stop = (3, "xtol: no step lowers the cost any more")
        if stop is None:
            jstep = np.concatenate([b @ step[i] for b, i in zip(blocks, problem.index, strict=True)])
            predicted = -float(gradient @ step) - 0.5 * float(jstep @ jstep)
            decrease = cost - cost_new
            ratio = decrease / predicted if predicted > 0 else 0.0
            cost_old = cost
            x, r, cost = x_new, r_new, cost_new
            blocks = problem.blocks(x)
            parts = normal.assemble(blocks, problem.block_residual(r))
            lam = max(lam / 3.0, LAMBDA_MIN) if ratio > 0.75 else lam * 2.0 if ratio < 0.25 else lam
            if decrease < ftol * cost_old and ratio > 0.25:
                stop = (2, "ftol: the cost fell by less than ftol of itself")
            elif float(np.linalg.norm(step)) < xtol * (xtol + float(np.linalg.norm(x))):
                stop = (3, "xtol: the step is small against the parameters")
            else:
                continue
            gradient = normal.gradient(parts)
            diagonal = normal.diagonal(parts)
            held = held_at(x, gradient)
            cosine = _cosine(gradient, diagonal, held, cost)
        # a stop while the gradient still points somewhere: the running-maximum scaling can freeze a parameter
        # whose column has shrunk by orders of magnitude since (the damping outweighs its curvature) while the
        # others converge; start the scaling and damping afresh from here, at most RESTARTS times
        if cosine > RESTART_COSINE and restarts < RESTARTS:
            restarts += 1
            scale, lam = np.zeros(n), LAMBDA_START
            continue
        return BlockResult(x, r, stop[0], nfev, stop[1])


def _cosine(gradient: FloatArray, diagonal: FloatArray, held: np.ndarray, cost: float) -> float:
    """MINPACK's gradient test: the largest |J_i . r| / (|J_i| |r|) over the parameters not held on a bound."""
    norms = np.sqrt(np.where(diagonal > 0, diagonal, 1.0)) * max(np.sqrt(2 * cost), 1e-300)
    return float(np.max(np.where(held, 0.0, np.abs(gradient)) / norms, initial=0.0))
