"""Step 5 trends and the Table 1 relations of Steps 3, 5 and 6."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eisrecipe.methods.trends import log_trend
from eisrecipe.recipe.contact import contact_area, ct_bound_from_noise, ct_share

P = np.array([10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 41.0])


def test_power_law_slope_is_recovered_with_its_error() -> None:
    rng = np.random.default_rng(0)
    y = 300 * (P / 10) ** -1.3 * np.exp(0.02 * rng.standard_normal(P.size))
    t = log_trend(P, y, 0.02 * y)
    assert t.direction == "falling"
    assert abs(t.slope + 1.3) < 3 * t.slope_stderr
    assert t.slope_stderr == pytest.approx(0.02 / np.sqrt(np.sum((np.log(P) - np.log(P).mean()) ** 2)), rel=0.5)
    assert t.spearman_rho == pytest.approx(-1.0)


def test_flat_and_undetermined() -> None:
    rng = np.random.default_rng(1)
    y = 5.0 * np.exp(0.01 * rng.standard_normal(P.size))
    assert log_trend(P, y, 0.01 * y).direction == "flat"
    assert log_trend(P[:2], y[:2]).direction == "undetermined"
    assert log_trend(P, np.r_[y[:-1], np.nan]).n_points == P.size - 1


def test_rising_trend_without_errors() -> None:
    t = log_trend(P, 2.0 * P**0.8)
    assert t.direction == "rising" and t.slope == pytest.approx(0.8, abs=1e-9)


@pytest.mark.parametrize("order", ["cstr_faster", "ct_faster"])
def test_contact_area_inverts_table_1(order: str) -> None:
    r_pol, c_dl, a = 0.5, 1.77, 0.22
    r_ct, c_ct = (r_pol / a, c_dl * a) if order == "cstr_faster" else (r_pol * a, c_dl / a)
    est = contact_area(r_ct, 0.05 * r_ct, c_ct, 0.05 * c_ct, r_pol, 0.02 * r_pol, c_dl, 0.02 * c_dl, order)
    assert est.from_r == pytest.approx(a) and est.from_c == pytest.approx(a)
    assert est.value == pytest.approx(a)
    # two independent 5.4 % estimates combine to 5.4 %/sqrt(2)
    assert est.stderr / est.value == pytest.approx(np.hypot(0.05, 0.02) / np.sqrt(2))
    assert est.consistent and est.physical


def test_inconsistent_and_unphysical_areas_are_flagged() -> None:
    est = contact_area(1.0, 0.01, 1.0, 0.01, 0.5, 0.005, 0.1, 0.001, "cstr_faster")
    assert est.from_r == pytest.approx(0.5) and est.from_c == pytest.approx(10.0)
    assert not est.consistent and not est.physical


def test_ct_share_and_bound() -> None:
    # case-study numbers: R_Pol bound 0.2 ohm cm^2, contact 20 %, R_Int 300 ohm cm^2 -> CT share 1/300
    assert ct_share(300.0, 0.2, 0.2) == pytest.approx(1 / 300)
    assert ct_share(1.0, 0.5, 0.1) == 1.0
    f = np.logspace(6, -1, 71)
    z = np.full(f.size, 100.0)
    assert ct_bound_from_noise(f, z, 0.002) == pytest.approx(1.2)
    with pytest.raises(ValueError):
        ct_share(1.0, 1.0, 0.0)


def test_few_points_need_student_t_not_the_normal_rule() -> None:
    """Four pressures, no input errors, the slope 3 standard errors from zero: the normal rule (z > 2) would call it
    falling; Student's t with 2 degrees of freedom gives p = 0.095 and does not. Eight points at the same t: p =
    0.024, falling."""

    def detrended(xv: np.ndarray, pattern: list[float]) -> np.ndarray:
        lxv = np.log(xv)
        r = 0.05 * np.array(pattern)
        return r - np.polyval(np.polyfit(lxv, r, 1), lxv)  # scatter with no slope of its own

    def series(xv: np.ndarray, resid: np.ndarray, t_value: float) -> np.ndarray:
        lxv = np.log(xv)
        s2 = np.sum(resid**2) / (xv.size - 2)
        slope = -t_value * np.sqrt(s2 / np.sum((lxv - lxv.mean()) ** 2))
        return np.exp(2.0 + slope * lxv + resid)

    x = np.array([10.0, 20.0, 30.0, 40.0])
    few = log_trend(x, series(x, detrended(x, [1, -1, -1, 1]), 3.0))
    assert few.p_value == pytest.approx(0.0955, abs=0.002) and few.direction == "flat"
    x8 = np.geomspace(10, 41, 8)
    many = log_trend(x8, series(x8, detrended(x8, [1, -1, -1, 1, 1, -1, -1, 1]), 3.0))
    assert many.p_value == pytest.approx(0.024, abs=0.002) and many.direction == "falling"


def test_a_real_trend_that_is_no_power_law_keeps_its_significance() -> None:
    """R_CT = R_Pol A at 10, 20, 41, 400 MPa with A = 0.2, 0.4, 0.7, 1 and 1 % errors: not a straight line in log-log
    (the scatter-based slope error is large), but a change of a factor 5 against 1 % errors is certain."""
    p = np.array([10.0, 20.0, 41.0, 400.0])
    r = 0.5 * np.array([0.2, 0.4, 0.7, 1.0])
    trend = log_trend(p, r, 0.01 * r)
    assert trend.direction == "rising" and trend.p_value < 1e-10
    rng = np.random.default_rng(3)
    same = 0.5 * np.exp(0.01 * rng.standard_normal(4))
    assert log_trend(p, same, 0.01 * same).direction == "flat"


def test_rank_correlation_is_scipys_without_importing_scipy_stats() -> None:
    """The trend's Spearman rho is bit for bit scipy.stats.spearmanr's (ties, constant and NaN inputs included),
    and the fit stage's trend code does not import scipy.stats (a second or more per job on a loaded machine)."""
    import subprocess
    import sys
    import warnings

    from scipy.stats import spearmanr

    from eisrecipe.methods.trends import _spearman

    rng = np.random.default_rng(7)
    for k in range(400):
        n = int(rng.integers(2, 12))
        a = rng.integers(0, 4, n).astype(float) if k % 2 else rng.normal(size=n)
        b = rng.integers(0, 3, n).astype(float) if k % 3 == 0 else rng.normal(size=n)
        if k % 50 == 0:
            a[0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = spearmanr(a, b).statistic
        ours = _spearman(a, b)
        assert ours == ref or (np.isnan(ours) and np.isnan(ref)), (a, b, ours, ref)
    code = (
        "import sys, eisrecipe.stages.fit, eisrecipe.stages.confidence\n"
        "from eisrecipe.methods.trends import log_trend\n"
        "log_trend([10, 20, 40, 80], [5.0, 4.0, 2.5, 2.0])\n"
        "log_trend([10, 20, 40, 80], [5.0, 4.0, 2.5, 2.0], [0.1, 0.1, 0.1, 0.1])\n"
        "print('scipy.stats' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def _step6_inputs(r_ct: dict[str, float], c_ct: dict[str, float], rel_err: float = 0.003):  # type: ignore[no-untyped-def]
    """Duck-typed inputs of :func:`step6_contact_area`: a joint fit whose CT element has the given R and C per
    spectrum, Step 3 on the last spectrum with R_Pol = 40 ohm cm^2 and C_DL = 10 uF cm^-2 (0.25 % errors)."""
    from types import SimpleNamespace

    elements = {
        s: SimpleNamespace(r=r, r_stderr=rel_err * r, c=c_ct[s], c_stderr=rel_err * c_ct[s], tau_s=r * c_ct[s], alpha=1)
        for s, r in r_ct.items()
    }
    joint = SimpleNamespace(element=lambda s, name: elements[s])
    names = list(r_ct)
    a = SimpleNamespace(elements=("bulk", "gb", "ct"), order=names, pressure={s: 10.0 * (k + 1) for k, s in
                        enumerate(names)})  # fmt: skip
    step3 = SimpleNamespace(spectrum=names[-1], r_pol=(40.0, 0.1), c_dl=(1e-5, 2.5e-8))
    step5 = SimpleNamespace(tau_order="cstr_faster")
    spectra = {s: SimpleNamespace(meta={}) for s in names}
    return joint, a, step3, step5, spectra


def test_step6_allows_for_the_two_fits_of_the_step3_spectrum() -> None:
    """A(p_max) is 1 by definition; the joint fit's element of Step 3's own spectrum says R_Pol and C_DL again, 2 %
    off (it shares the bulk and GB elements). The (0, 1] check allows for that difference (``fit_discrepancy``), so
    A = 1.02 +- 0.003 at full contact is no unphysical area (matrix cell c216 before: a closed gate); the errors
    stay statistical, a real A = 1.3 stays unphysical and a 4 % fall of A with pressure is still seen."""
    from eisrecipe.recipe.steps_3_6 import step6_contact_area

    # Table 1, tau_Cstr < tau_CT: R_CT = R_Pol / A, C_CT = C_DL A; the last spectrum's element 2 % off Step 3
    r_ct = {"p1": 40.0 / 0.4, "p2": 40.0 / 0.7, "p3": 40.0 / 1.02}
    c_ct = {"p1": 1e-5 * 0.4, "p2": 1e-5 * 0.7, "p3": 1e-5 * 1.02}
    found = step6_contact_area(*_step6_inputs(r_ct, c_ct), z_crit=2.0)
    areas = {r.spectrum: r.area for r in found.contact_area}
    assert areas["p3"].value == pytest.approx(1.02, rel=1e-9)
    # statistical error only: R and C ratios of 0.3 % and 0.25 % errors, two estimates averaged
    assert areas["p3"].stderr == pytest.approx(1.02 * math.hypot(0.003, 0.0025) / math.sqrt(2), rel=1e-6)
    assert found.fit_discrepancy == pytest.approx(math.log(1.02), rel=1e-9)
    assert found.all_physical and found.monotonic
    assert areas["p1"].value == pytest.approx(0.4, rel=1e-9)
    # an A above 1 by far more than the two fits differ is still unphysical
    high = dict(r_ct, p2=40.0 / 1.3)
    assert not step6_contact_area(*_step6_inputs(high, dict(c_ct, p2=1e-5 * 1.3)), z_crit=2.0).all_physical
    # A falling 4 % with pressure (0.5 -> 0.48) is seen although the fits of p3 differ by 5 %
    r_fall = {"p1": 40.0 / 0.5, "p2": 40.0 / 0.48, "p3": 40.0 / 1.05}
    c_fall = {"p1": 1e-5 * 0.5, "p2": 1e-5 * 0.48, "p3": 1e-5 * 1.05}
    assert step6_contact_area(*_step6_inputs(r_fall, c_fall), z_crit=2.0).monotonic is False
