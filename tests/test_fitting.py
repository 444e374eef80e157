"""1D series models and fits: closed forms, impedance.py cross-check, recovery, joint-fit errors, flags."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import noisy

from eisrecipe.methods.circuits import Element, SeriesModel
from eisrecipe.methods.fitting import (
    ALPHA_AT_ONE,
    F_CRIT_ONE_PARAMETER,
    OBSERVABLE_BOUND,
    Start,
    _observable_bounds,
    cost_tolerance,
    fit_series,
    fit_spectrum,
)

F = np.logspace(6.5, -1, 76)
W = 2 * np.pi * F


@pytest.mark.filterwarnings("ignore:Simulating circuit based on initial parameters")
def test_model_matches_impedance_py_elements() -> None:
    circuits = pytest.importorskip("impedance.models.circuits")
    model = SeriesModel.of(["bulk", "gb", "int"], ["RC", "RCPE", "RCPE"], r_inf=True, inductance=True)
    r, tau, alpha = [40.0, 60.0, 300.0], [1.6e-7, 1.6e-5, 3e-3], [1.0, 0.9, 0.8]
    x = model.pack(r, tau, alpha, r_inf=2.0, inductance=1e-7)
    q = [t**a / rr for rr, t, a in zip(r, tau, alpha, strict=True)]
    ref = circuits.CustomCircuit(
        "R0-L0-p(R1,C1)-p(R2,CPE1)-p(R3,CPE2)",
        initial_guess=[2.0, 1e-7, r[0], tau[0] / r[0], r[1], q[1], alpha[1], r[2], q[2], alpha[2]],
    )
    np.testing.assert_allclose(model.impedance(W, x), ref.predict(F, use_initial=True), rtol=1e-12)


def test_single_rc_limits() -> None:
    model = SeriesModel.of(["int"], "RC", r_inf=True)
    z = model.impedance(np.array([1e-9, 1e12]), model.pack([100.0], [1e-3], r_inf=5.0))
    assert z[0] == pytest.approx(105.0, rel=1e-9)  # DC: R_inf + R
    assert z[1] == pytest.approx(5.0, rel=1e-6)  # high frequency: R_inf


def test_analytic_jacobian_matches_finite_differences() -> None:
    model = SeriesModel.of(["bulk", "gb", "int", "block"], ["RC", "RCPE", "RCPE", "CPE"], r_inf=True, inductance=True)
    x = model.pack(
        [40.0, 60.0, 300.0, 1e-5], [1.6e-7, 1.6e-5, 3e-3, 0.0], [1.0, 0.9, 0.8, 0.85], r_inf=2.0, inductance=1e-7
    )
    jac = model.jacobian(W, x)
    z = model.impedance(W, x)
    h = 1e-6
    for k in range(x.size):
        dx = np.zeros_like(x)
        dx[k] = h
        fd = (model.impedance(W, x + dx) - model.impedance(W, x - dx)) / (2 * h)
        # central differences: truncation ~h^2, round-off ~1e-16 |Z| / h = 1e-10 |Z| per point
        assert np.all(np.abs(jac[:, k] - fd) <= 1e-5 * np.abs(fd) + 1e-8 * np.abs(z))


def test_jacobian_finite_where_an_end_element_left_the_window() -> None:
    """An end element's ln tau is unbounded outward; a trial step of an unresolved element can take tau to 0
    (ln tau = -800 underflows), where the impedance is finite (the element is a plain R) and so must the derivatives
    be: a NaN there stopped a series fit with 'array must not contain infs or NaNs' (a failed confidence replica)."""
    model = SeriesModel.of(["fast", "int"], ["RCPE", "RCPE"], r_inf=True)
    x = model.pack([5.0, 300.0], [1e-300, 3e-3], [0.9, 0.8], r_inf=2.0)
    x[model.param_names.index("fast.ln_tau")] = -800.0  # below the smallest double: tau = 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        jac = model.jacobian(W, x)
        z = model.impedance(W, x)
    assert np.all(np.isfinite(z)) and np.all(np.isfinite(jac))
    assert np.all(jac[:, model.param_names.index("fast.alpha")] == 0)


FOUR = SeriesModel.of(["bulk", "gb", "ct", "cstr"], ["RC", "RCPE", "RC", "RCPE"], r_inf=True)
FOUR_TRUE = {"r": [40.0, 60.0, 80.0, 300.0], "tau": [1.6e-7, 1.6e-5, 3e-4, 3e-2], "alpha": [1.0, 0.9, 1.0, 0.8]}
THREE = SeriesModel.of(["bulk", "gb", "int"], ["RC", "RCPE", "RCPE"], r_inf=True)
THREE_TRUE = {"r": [40.0, 60.0, 300.0], "tau": [1.6e-7, 1.6e-5, 3e-3], "alpha": [1.0, 0.9, 0.8]}


@pytest.mark.parametrize(("model", "truth"), [(THREE, THREE_TRUE), (FOUR, FOUR_TRUE)], ids=["three", "four"])
def test_noisy_series_recovered(model: SeriesModel, truth: dict[str, list[float]]) -> None:
    sigma = 0.005
    z = noisy(model.impedance(W, model.pack(truth["r"], truth["tau"], truth["alpha"], r_inf=2.0)), sigma, seed=7)
    # starts off by 30-100 % in R and a factor 2 in tau, as DRT peaks would give them
    start = Start(r=[1.3 * r for r in truth["r"]], tau_s=[2 * t for t in truth["tau"]], r_inf=1.0)
    fit = fit_spectrum(F, z, model, start)
    assert fit.ok, fit.flags
    for k, name in enumerate(model.names):
        e = fit.element("0", name)
        # with 0.5 % noise on 76 points: R within 3 % and within 4 standard errors of the truth
        assert e.r == pytest.approx(truth["r"][k], rel=0.03)
        assert abs(e.r - truth["r"][k]) < 4 * e.r_stderr
        assert e.tau_s == pytest.approx(truth["tau"][k], rel=0.05)
        assert e.c == pytest.approx(truth["tau"][k] / truth["r"][k], rel=0.08)
        assert 0 < e.c_stderr < e.c
    # the residual rms recovers the noise level (factor 1.5)
    assert sigma / 1.5 < np.sqrt(fit.reduced_chi2) < 1.5 * sigma


def _pressure_series(seed: int = 10) -> tuple[list[np.ndarray], list[np.ndarray], list[Start]]:
    freqs, zs, starts = [], [], []
    for i, (r_int, tau_int) in enumerate([(300.0, 3e-3), (120.0, 1e-3), (50.0, 3e-4), (20.0, 1e-4)]):
        x = THREE.pack([40.0, 60.0, r_int], [1.6e-7, 1.6e-5, tau_int], [1.0, 0.9, 0.8], r_inf=2.0)
        freqs.append(F)
        zs.append(noisy(THREE.impedance(W, x), 0.005, seed=seed + i))
        starts.append(Start(r=[50.0, 50.0, 0.7 * r_int], tau_s=[1e-7, 3e-5, 2 * tau_int], r_inf=1.0))
    return freqs, zs, starts


def test_joint_fit_shares_bulk_and_gb_with_smaller_errors() -> None:
    freqs, zs, starts = _pressure_series()
    names = ["p10", "p20", "p41", "p400"]
    joint = fit_series(freqs, zs, THREE, starts, names=names, shared=["bulk", "gb"])
    assert joint.ok, joint.flags
    for name in ["bulk", "gb"]:
        values = {joint.element(s, name).r for s in names}
        assert len(values) == 1  # one shared value
        for j, s in enumerate(names):
            single = fit_spectrum(freqs[j], zs[j], THREE, starts[j], name=s)
            assert single.ok, single.flags
            assert joint.element(s, name).r_stderr < single.element(s, name).r_stderr
    for s, r_int in zip(names, [300.0, 120.0, 50.0, 20.0], strict=True):
        e = joint.element(s, "int")
        assert not e.shared
        assert e.r == pytest.approx(r_int, rel=0.03)
    frame = joint.to_frame()
    assert {"spectrum", "element", "r_ohm_cm2", "r_stderr_ohm_cm2", "c_f_cm2", "c_stderr_f_cm2", "tau_s"} <= set(
        frame.columns
    )
    assert len(frame) == 12
    corr = joint.correlation
    np.testing.assert_allclose(np.diag(corr), 1.0)


def test_unsupported_element_is_flagged_not_kept() -> None:
    # an element whose tau lies five decades below the lowest measured one cannot be determined
    model = SeriesModel.of(["ghost", "bulk", "int"], "RC")
    x = model.pack([1e-3, 40.0, 300.0], [1e-13, 1.6e-7, 3e-3])
    z = noisy(model.impedance(W, x), 0.002, seed=1)
    fit = fit_spectrum(F, z, model, Start(r=[1e-3, 50.0, 200.0], tau_s=[1e-13, 1e-7, 1e-3]))
    assert not fit.ok
    assert any("degenerate" in f or "bound" in f for f in fit.flags)
    assert "fit_ok" in fit.to_frame() and not fit.to_frame()["fit_ok"].any()


def test_unordered_starts_are_repaired_and_reported() -> None:
    # GB's and the interface's starting taus given the wrong way round: nudged apart (x1.5), not a ValueError
    x = THREE.pack(THREE_TRUE["r"], THREE_TRUE["tau"], THREE_TRUE["alpha"], r_inf=2.0)
    z = noisy(THREE.impedance(W, x), 0.005, seed=3)
    start = Start(r=[50.0, 80.0, 200.0], tau_s=[1e-7, 1e-3, 3e-5], r_inf=1.0)
    fit = fit_spectrum(F, z, THREE, start)
    assert len(fit.notes) == 1 and "nudged apart" in fit.notes[0]
    assert fit.element("0", "int").r == pytest.approx(300.0, rel=0.03)


def test_non_positive_start_tau_is_an_error() -> None:
    with pytest.raises(ValueError, match="finite and positive"):
        fit_spectrum(F, np.ones(F.size, complex), THREE, Start(r=[1, 1, 1], tau_s=[1e-5, 0.0, 1e-1]))


def test_blocking_electrode_fit_recovers_bulk_and_cpe() -> None:
    # ion-blocking cell: R_inf + bulk R-CPE + series CPE (Q = 2e-6 F s^(a-1), a = 0.9)
    model = SeriesModel.of(["bulk", "block"], ["RCPE", "CPE"], r_inf=True)
    x = model.pack([1300.0, 2e-6], [1e-7, 0.0], [0.8, 0.9], r_inf=170.0)
    z = noisy(model.impedance(W, x), 0.002, seed=5)
    fit = fit_spectrum(F, z, model, Start(r=[1000.0, 1e-6], tau_s=[1e-6, 1.0], alpha=[0.9, 0.95], r_inf=10.0))
    assert fit.ok, fit.flags
    bulk, block = fit.element("0", "bulk"), fit.element("0", "block")
    assert bulk.r == pytest.approx(1300.0, rel=0.01)
    assert np.isnan(block.r) and np.isnan(block.tau_s)
    assert block.c == pytest.approx(2e-6, rel=0.02)  # Q
    assert block.alpha == pytest.approx(0.9, abs=0.005)


def test_element_absent_in_one_spectrum_of_a_joint_fit() -> None:
    # the interface arc has vanished at the highest pressure: that spectrum is fitted without it
    freqs, zs, starts = _pressure_series(seed=30)
    x_full = THREE.pack([40.0, 60.0, 1.0], [1.6e-7, 1.6e-5, 1e-4], [1.0, 0.9, 0.8], r_inf=2.0)
    two = SeriesModel.of(["bulk", "gb"], ["RC", "RCPE"], r_inf=True)
    zs[-1] = noisy(two.impedance(W, np.delete(x_full, [6, 7, 8])), 0.005, seed=99)
    starts[-1] = Start(r=[50.0, 50.0], tau_s=[1e-7, 3e-5], r_inf=1.0)
    models = [THREE, THREE, THREE, two]
    joint = fit_series(freqs, zs, models, starts, names=["a", "b", "c", "d"], shared=["bulk", "gb"])
    assert joint.ok, joint.flags
    assert [e.element for e in joint.elements if e.spectrum == "d"] == ["bulk", "gb"]
    assert joint.element("d", "gb").r == joint.element("a", "gb").r == pytest.approx(60.0, rel=0.02)
    assert joint.element("c", "int").r == pytest.approx(50.0, rel=0.03)


def test_an_exponent_ending_at_one_is_flagged_as_an_ideal_rc_and_is_no_failure() -> None:
    # an arc a little sharper than an ideal RC (exponent 1.05) fitted as an R-CPE: alpha runs into its upper bound
    # 1 - its own flag, not a failure
    f = np.logspace(5, -1, 49)
    z = 10.0 + 100.0 / (1 + (2j * np.pi * f * 1e-3) ** 1.05)
    fit = fit_spectrum(f, z, SeriesModel((Element("ct", "RCPE"),), r_inf=True), Start([80.0], [2e-3], [0.9], 5.0))
    assert any(flag.endswith(ALPHA_AT_ONE) for flag in fit.flags)
    assert fit.failures == ()


def test_observable_bounds_keep_every_element_where_a_spectrum_can_show_it() -> None:
    """Closed form of the bounds of :func:`_observable_bounds` (76 points, 0.1 Hz .. 3.2 MHz): element R between 1e-6
    and 10 times max|Z|, ln tau within 4 decades of the window for an RC and 10 for an R-CPE (inside the element-order
    bounds, which are kept where they are tighter), ln L above 1e-6 |Z(omega_max)| / omega_max; a series CPE and R_inf
    untouched."""
    model = SeriesModel.of(["bulk", "int", "block"], ["RC", "RCPE", "CPE"], r_inf=True, inductance=True)
    x = model.pack([40.0, 300.0, 1e-5], [1.6e-7, 3e-3, 0.0], [1.0, 0.8, 0.9], r_inf=2.0, inductance=1e-7)
    z = model.impedance(W, x)
    lo, hi = np.full(model.n_params, -np.inf), np.full(model.n_params, np.inf)
    lo[model.param_names.index("int.ln_tau")] = np.log(1e-5)  # an element-order bound, tighter than the window's
    _observable_bounds(model, W, z, lo, hi)
    zmax, w_max, w_min = np.abs(z).max(), W.max(), W.min()
    at = model.param_names.index
    for name in ("bulk", "int"):
        assert lo[at(f"{name}.ln_r")] == pytest.approx(np.log(1e-6 * zmax))
        assert hi[at(f"{name}.ln_r")] == pytest.approx(np.log(10 * zmax))
    # an RC's tail decays as (omega tau)^1: 4 decades; an R-CPE's as (omega tau)^alpha, alpha >= 0.4: 10 decades
    assert hi[at("bulk.ln_tau")] == pytest.approx(np.log(1e4 / w_min))
    assert hi[at("int.ln_tau")] == pytest.approx(np.log(1e10 / w_min))
    assert lo[at("bulk.ln_tau")] == pytest.approx(np.log(1e-4 / w_max))
    assert lo[at("int.ln_tau")] == pytest.approx(np.log(1e-5))
    assert lo[at("ln_l")] == pytest.approx(np.log(1e-6 * abs(z[np.argmax(W)]) / w_max))
    for name in ("r_inf", "block.ln_q", "block.alpha"):
        assert (lo[at(name)], hi[at(name)]) == (-np.inf, np.inf)


def test_a_fit_ending_on_an_observable_bound_says_so() -> None:
    """An element of 1e-3 ohm five decades above the window: nothing of it is in the data, its R falls to the floor
    (1e-6 max|Z|) and stays there, and the flag names the observable range, not the element order."""
    model = SeriesModel.of(["ghost", "bulk", "int"], "RC")
    x = model.pack([1e-3, 40.0, 300.0], [1e-13, 1.6e-7, 3e-3])
    z = noisy(model.impedance(W, x), 0.002, seed=1)
    fit = fit_spectrum(F, z, model, Start(r=[1e-3, 50.0, 200.0], tau_s=[1e-13, 1e-7, 1e-3]))
    assert f"0:ghost.ln_r {OBSERVABLE_BOUND}" in fit.flags
    assert any("moved into the fit's bounds" in n and "0:ghost.ln_tau" in n for n in fit.notes)  # 1e-13 s: 5 decades
    assert fit.element("0", "ghost").r == pytest.approx(1e-6 * np.abs(z).max(), rel=1e-5)
    assert fit.element("0", "int").r == pytest.approx(300.0, rel=0.01)
    assert not fit.ok


def test_observable_bounds_leave_order_bounds_that_lie_wholly_outside_the_window() -> None:
    """Where an element's order bounds and the window's range do not overlap, the order bounds stay: the element keeps
    the place its seed gave it instead of an empty interval."""
    model = SeriesModel.of(["fast", "int"], ["RC", "RC"])
    z = model.impedance(W, model.pack([5.0, 300.0], [1e-13, 3e-3]))
    lo, hi = np.full(model.n_params, -np.inf), np.full(model.n_params, np.inf)
    at = model.param_names.index
    lo[at("fast.ln_tau")], hi[at("fast.ln_tau")] = np.log(1e-20), np.log(1e-19)  # 8 decades above the window
    _observable_bounds(model, W, z, lo, hi)
    assert (lo[at("fast.ln_tau")], hi[at("fast.ln_tau")]) == (np.log(1e-20), np.log(1e-19))
    assert lo[at("fast.ln_r")] == pytest.approx(np.log(1e-6 * np.abs(z).max()))  # R is bounded all the same


@pytest.mark.parametrize(("dof", "expected"), [(100, 1e-6), (880, 7.54e-7), (20_000, 3.32e-8), (10**7, 1e-8)])
def test_cost_tolerance_keeps_a_whole_budget_of_small_steps_below_any_significant_improvement(
    dof: int, expected: float
) -> None:
    # a tenth of the smallest significant one-parameter F-test improvement (6.635 / dof of chi2, p = 0.01), spread
    # over the 1000-evaluation budget, within [1e-8 (scipy's default), 1e-6]
    ftol = cost_tolerance(dof, 1000)
    assert ftol == pytest.approx(expected, rel=2e-3)
    assert 1000 * ftol <= 0.1 * F_CRIT_ONE_PARAMETER / dof or ftol == 1e-8


def test_fit_series_hands_the_cost_tolerance_to_the_optimiser(monkeypatch: pytest.MonkeyPatch) -> None:
    import eisrecipe.methods.fitting as fitting

    seen: list[float] = []
    real = fitting.least_squares

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(float(kwargs["ftol"]))  # type: ignore[arg-type]
        return real(*args, **kwargs)

    monkeypatch.setattr(fitting, "least_squares", spy)
    model = SeriesModel.of(["int"], "RC", r_inf=True)
    z = model.impedance(W, model.pack([100.0], [1e-3], r_inf=5.0))
    fit = fit_series([F], [z], model, [Start(r=[80.0], tau_s=[2e-3], r_inf=4.0)])
    assert seen == [cost_tolerance(2 * F.size - 3, fitting.MAX_NFEV)]
    assert fit.ok


def _crossing_series() -> tuple[list[np.ndarray], list[np.ndarray], list[float], list[float]]:
    """A shared GB (50 ohm cm^2 at 10 us) and an own arc of constant capacitance 5e-8 F/cm^2 whose R falls from 400
    to 40 ohm cm^2, so its tau falls from 20 us to 2 us - from 0.3 decade above the GB's to 0.7 below: it crosses the
    GB. 0.2 % noise."""
    r_own = [400.0, 200.0, 100.0, 40.0]
    c_own = 5e-8
    freqs, zs = [], []
    for j, r in enumerate(r_own):
        z = 30.0 + 50.0 / (1 + 1j * W * 1e-5) + r / (1 + 1j * W * r * c_own)
        freqs.append(F)
        zs.append(noisy(z, 0.002, seed=90 + j))
    return freqs, zs, r_own, [r * c_own for r in r_own]


@pytest.mark.parametrize("unordered", [True, False])
def test_an_unordered_element_may_cross_the_shared_element_before_it(unordered: bool) -> None:
    """Each spectrum's element starts on the slow side of the GB (the order a DRT track gives); only an unordered
    one reaches the taus below the GB's that the data hold, within 5 % in R and tau and with the GB within 2 %; an
    ordered one ends on its order bound."""
    freqs, zs, r_own, tau_own = _crossing_series()
    model = SeriesModel(
        (Element("gb", "RC"), Element("cstr", "RC")), r_inf=True, unordered=("cstr",) if unordered else ()
    )
    starts = [Start(r=[60.0, r], tau_s=[8e-6, 2.5e-5], r_inf=25.0) for r in r_own]
    fit = fit_series(freqs, zs, [model] * 4, starts, names=["a", "b", "c", "d"], shared=["gb"])
    got_tau = [fit.element(s, "cstr").tau_s for s in "abcd"]
    if not unordered:
        assert any("cstr.ln_tau ended on its bound" in f for f in fit.flags), fit.flags
        return
    assert not fit.failures, fit.flags
    assert fit.element("a", "gb").r == pytest.approx(50.0, rel=0.02)
    assert [fit.element(s, "cstr").r for s in "abcd"] == pytest.approx(r_own, rel=0.05)
    assert got_tau == pytest.approx(tau_own, rel=0.05)
    assert got_tau[-1] < fit.element("a", "gb").tau_s  # crossed


def test_an_unordered_element_is_bounded_a_decade_below_the_element_before_it() -> None:
    from eisrecipe.methods.fitting import UNORDERED_CROSSING, _local_bounds

    model = SeriesModel((Element("bulk"), Element("gb"), Element("int")), unordered=("int",))
    lo, hi = _local_bounds(model, Start(r=[1.0, 1.0, 1.0], tau_s=[1e-8, 1e-5, 3e-5]))
    slices = model.slices()
    k_gb, k_int = slices["gb"].start + 1, slices["int"].start + 1
    assert lo[k_int] == pytest.approx(np.log(1e-5 / UNORDERED_CROSSING))
    assert hi[k_int] == np.inf
    assert hi[k_gb] == pytest.approx((np.log(1e-5) + np.log(3e-5)) / 2)  # the GB keeps its order bound
    deep = SeriesModel((Element("bulk"), Element("gb"), Element("int")), unordered=("int",))
    lo2, _ = _local_bounds(deep, Start(r=[1.0, 1.0, 1.0], tau_s=[5e-6, 1e-5, 3e-5]))
    assert lo2[k_int] == pytest.approx((np.log(5e-6) + np.log(1e-5)) / 2)  # not into the bulk's place
