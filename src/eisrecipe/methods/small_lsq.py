"""Levenberg-Marquardt for the tiny least-squares problem the peak finder solves thousands of times per cell.

Why not :func:`scipy.optimize.least_squares` alone: the peak finder fits a ZARC to every peak's core (3 parameters;
the points at or above half its height, a handful to a few dozen; :func:`eisrecipe.methods.peaks.cpe_tail`) for
every spectrum, and again in each of the verdict's confidence replicas: about 3300 fits for a 40-spectrum bench
cell. scipy's trust-region solver spends ~1 ms of Python per such call (bounds handling, finite-difference
Jacobians, option checks) on a problem whose arithmetic takes microseconds; measured on that cell's 3282 recorded
tail fits: 4.1 s with scipy, 2.8 s with scipy and an analytic Jacobian, 1.2 s here. This solver is the fast path
only: it runs unbounded from the same start with the analytic Jacobian, and the caller keeps scipy's answer wherever
it could differ - a fit that does not converge here, or converges onto or outside a bound, is solved again by
``least_squares`` exactly as before (tests/test_small_lsq.py compares the two; on the recorded fits the tails agree
to 7e-7 of their height, and whether a tail exists never differs). Not used for the Gaussian decomposition of a DRT
(``peaks._gauss_areas``, 3 parameters per peak): that fit has several local minima among which the end point is
chaotic - on 400 synthetic multi-ZARC DRTs, scipy's own solver ended in another minimum in 4 (areas off by up to
84 %) when merely given the analytic Jacobian instead of finite differences - so any change of solver would move some
peak areas by more than their noise.

Units: whatever the caller's residuals and parameters carry; nothing here is physical.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from eisrecipe.spectrum import FloatArray

ResidualAndJacobian = Callable[[FloatArray], tuple[FloatArray, FloatArray]]

#: scipy.optimize.least_squares' default values: FTOL on the relative change of the cost (with a step the linear model
#: predicted well, as scipy asks), XTOL on the step relative to the parameters, as scipy's; GTOL not as scipy's trf
#: (its largest absolute gradient component) but MINPACK's cosine test: the largest gradient component over the
#: lengths of its Jacobian column and of the residual vector
FTOL = XTOL = GTOL = 1e-8


def levenberg_marquardt(
    fun: ResidualAndJacobian, x0: FloatArray, *, max_iterations: int = 100
) -> tuple[FloatArray, bool]:
    """Minimise 0.5 |r(x)|^2 from ``x0``, unbounded (Marquardt's damping scaled by diag(J^T J), which makes the
    steps invariant to the parameters' scales as scipy's ``x_scale="jac"`` does; the callers' scipy fits use
    ``x_scale=1``, so the two search paths differ and only their end points are compared).

    Parameters
    ----------
    fun
        x -> (residuals r, shape (m,), Jacobian dr/dx, shape (m, n)).
    x0
        Start, shape (n,).
    max_iterations
        Accepted steps at most.

    Returns
    -------
    x, converged
        The last iterate and whether a tolerance (:data:`FTOL`, :data:`XTOL`, :data:`GTOL`) was met; ``False`` also
        when residuals turn non-finite at the start or no step keeps the cost from rising.
    """
    x = np.array(x0, dtype=float)
    r, jac = fun(x)
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(jac))):
        return x, False
    cost = 0.5 * float(r @ r)
    damping = 1e-3
    for _ in range(max_iterations):
        gradient = jac.T @ r
        normal = jac.T @ jac
        scale = np.diag(normal).copy()
        scale[scale <= 0] = 1.0
        if float(np.max(np.abs(gradient) / np.sqrt(scale))) <= GTOL * max(np.sqrt(2 * cost), 1e-300):
            return x, True
        while True:
            try:
                step = np.linalg.solve(normal + damping * np.diag(scale), -gradient)
            except np.linalg.LinAlgError:
                step = None
            if step is not None:
                x_new = x + step
                r_new, jac_new = fun(x_new)
                if np.all(np.isfinite(r_new)) and np.all(np.isfinite(jac_new)):
                    cost_new = 0.5 * float(r_new @ r_new)
                    if cost_new <= cost:
                        break
            damping *= 10.0
            if damping > 1e16:
                return x, False
        decrease = cost - cost_new
        # the reduction the linear model promised: a step it predicted well may end the search on FTOL (scipy's
        # condition, too); a poorly predicted one only moves on, with more damping
        predicted = -float(gradient @ step) - 0.5 * float(step @ normal @ step)
        ratio = decrease / predicted if predicted > 0 else 0.0
        x, r, jac = x_new, r_new, jac_new
        damping = max(damping / 3.0, 1e-12) if ratio > 0.75 else damping * 2.0 if ratio < 0.25 else damping
        small_step = float(np.linalg.norm(step)) <= XTOL * (XTOL + float(np.linalg.norm(x)))
        if (decrease <= FTOL * cost and ratio > 0.25) or small_step:
            return x, True
        cost = cost_new
    return x, False
