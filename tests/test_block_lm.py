"""The block-sparse Levenberg-Marquardt solver against scipy's least_squares on the same problems: the Schur step
against a dense solve of the same normal equations, optima with and without active bounds, the iteration cap and a
start without finite residuals. Series fits through it are compared with the dense path in test_fitting_scale.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares

from eisrecipe.methods.block_lm import BlockProblem, _Normal, block_least_squares

T = np.linspace(0.0, 4.0, 25)


def _decays(n_blocks: int, seed: int = 0) -> tuple[BlockProblem, np.ndarray, list[np.ndarray]]:
    """Per block j: y = a_j exp(-k t) + b_j exp(-c t) + noise, with k and c shared by all blocks (slots 0, 1) and
    a_j, b_j its own. Returns the problem, the true parameters and the index."""
    rng = np.random.default_rng(seed)
    index = [np.array([0, 1, 2 + 2 * j, 3 + 2 * j]) for j in range(n_blocks)]
    truth = np.r_[0.7, 3.0, rng.uniform(0.5, 2.0, 2 * n_blocks)]
    ys = []
    for i in index:
        k, c, a, b = truth[i]
        ys.append(a * np.exp(-k * T) + b * np.exp(-c * T) + 0.002 * rng.standard_normal(T.size))

    def block_residuals(x: np.ndarray) -> list[np.ndarray]:
        out = []
        for i, y in zip(index, ys, strict=True):
            k, c, a, b = x[i]
            out.append(a * np.exp(-k * T) + b * np.exp(-c * T) - y)
        return out

    def blocks(x: np.ndarray) -> list[np.ndarray]:
        out = []
        for i in index:
            k, c, a, b = x[i]
            ek, ec = np.exp(-k * T), np.exp(-c * T)
            out.append(np.column_stack((-a * T * ek, -b * T * ec, ek, ec)))
        return out

    problem = BlockProblem(
        residual=lambda x: np.concatenate(block_residuals(x)),
        blocks=blocks,
        block_residual=lambda r: [r[j * T.size : (j + 1) * T.size] for j in range(n_blocks)],
        index=index,
    )
    return problem, truth, index


def _dense_jacobian(problem: BlockProblem, x: np.ndarray) -> np.ndarray:
    jac = np.zeros((T.size * len(problem.index), x.size))
    for j, (b, i) in enumerate(zip(problem.blocks(x), problem.index, strict=True)):
        jac[j * T.size : (j + 1) * T.size, i] = b
    return jac


def test_schur_step_equals_the_dense_damped_normal_equations() -> None:
    problem, truth, index = _decays(5)
    x = truth * 1.1
    r = problem.residual(x)
    jac = _dense_jacobian(problem, x)
    normal = _Normal(index, x.size)
    parts = normal.assemble(problem.blocks(x), problem.block_residual(r))
    damping = 0.01 * np.diag(jac.T @ jac)
    for held in (np.zeros(x.size, bool), np.isin(np.arange(x.size), [1, 4])):
        step = normal.solve(parts, damping, held)
        free = ~held
        expected = np.zeros(x.size)
        lhs = jac.T @ jac + np.diag(damping)
        expected[free] = np.linalg.solve(lhs[np.ix_(free, free)], -(jac.T @ r)[free])
        np.testing.assert_allclose(step, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(normal.gradient(parts), jac.T @ r, rtol=1e-12, atol=1e-14)


def test_unbounded_optimum_matches_scipy() -> None:
    problem, truth, _ = _decays(8, seed=1)
    x0 = truth * np.r_[1.4, 0.7, np.full(truth.size - 2, 1.2)]
    lo, hi = np.full(truth.size, -np.inf), np.full(truth.size, np.inf)
    ours = block_least_squares(problem, x0, lo, hi, max_nfev=200, ftol=1e-10)
    ref = least_squares(problem.residual, x0, jac=lambda x: _dense_jacobian(problem, x), x_scale="jac", ftol=1e-10)
    assert ours.status > 0, ours.message
    np.testing.assert_allclose(ours.x, ref.x, rtol=1e-5)
    assert 0.5 * ours.fun @ ours.fun == pytest.approx(ref.cost, rel=1e-8)


def test_active_bound_is_held_like_scipy() -> None:
    # the shared rate k (true 0.7) bounded above at 0.6: the optimum sits on the bound, the others move to suit it
    problem, truth, _ = _decays(6, seed=2)
    lo, hi = np.full(truth.size, -np.inf), np.full(truth.size, np.inf)
    hi[0] = 0.6
    x0 = np.clip(truth * 1.15, lo, hi - 1e-3)
    ours = block_least_squares(problem, x0, lo, hi, max_nfev=300, ftol=1e-12)
    ref = least_squares(
        problem.residual, x0, jac=lambda x: _dense_jacobian(problem, x), bounds=(lo, hi), x_scale="jac", ftol=1e-12
    )
    assert ours.status > 0, ours.message
    assert ours.x[0] == 0.6  # exactly on the bound (trf approaches it from inside)
    assert ref.x[0] == pytest.approx(0.6, abs=1e-6)
    np.testing.assert_allclose(ours.x, ref.x, rtol=1e-4, atol=1e-6)
    assert 0.5 * ours.fun @ ours.fun == pytest.approx(ref.cost, rel=1e-6)


def test_iteration_cap_and_non_finite_start() -> None:
    problem, truth, _ = _decays(3, seed=3)
    lo, hi = np.full(truth.size, -np.inf), np.full(truth.size, np.inf)
    capped = block_least_squares(problem, truth * 2.0, lo, hi, max_nfev=2, ftol=1e-12)
    assert capped.status == 0 and capped.nfev == 2
    assert 0.5 * capped.fun @ capped.fun <= 0.5 * np.sum(problem.residual(truth * 2.0) ** 2)
    bad = np.array(truth)
    bad[0] = -1e4  # exp(1e4 t) overflows
    with np.errstate(over="ignore", invalid="ignore"):
        failed = block_least_squares(problem, bad, lo, hi, max_nfev=50, ftol=1e-8)
    assert failed.status == -1 and failed.nfev == 1
