"""Peak detection on known gamma(ln tau) curves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eisrecipe.errors import InputError
from eisrecipe.methods.peaks import find_peaks, peak_to_dict, peaks_frame, peaks_from_frame, peaks_of

TAU = np.logspace(-6, 2, 401)  # 50 per decade
X = np.log(TAU)


def _gauss(log10_tau: float, r: float, sigma_decades: float) -> np.ndarray:
    s = sigma_decades * math.log(10)
    return r / (s * math.sqrt(2 * math.pi)) * np.exp(-0.5 * ((X - log10_tau * math.log(10)) / s) ** 2)


def test_separated_gaussians_area_position_width() -> None:
    g = _gauss(-4, 100.0, 0.15) + _gauss(-1, 30.0, 0.2)
    for area in ("gauss", "domain"):
        peaks = peaks_of(TAU, g, area=area)  # type: ignore[arg-type]
        assert [round(p.log10_tau, 2) for p in peaks] == [-4.0, -1.0]
        assert peaks[0].r == pytest.approx(100.0, rel=0.01)
        assert peaks[1].r == pytest.approx(30.0, rel=0.01)
        assert peaks[0].width_decades == pytest.approx(2.3548 * 0.15, rel=0.02)
        assert peaks[0].frequency_hz == pytest.approx(1 / (2 * math.pi * 1e-4), rel=0.01)
        assert peaks[1].c == pytest.approx(0.1 / 30.0, rel=0.02)


def test_overlapping_gaussians_gauss_split_beats_domain() -> None:
    g = _gauss(-3, 100.0, 0.25) + _gauss(-2.2, 40.0, 0.25)
    gauss = peaks_of(TAU, g, area="gauss")
    domain = peaks_of(TAU, g, area="domain")
    assert len(gauss) == len(domain) == 2
    assert gauss[1].r == pytest.approx(40.0, rel=0.02)
    assert abs(gauss[1].r - 40.0) < abs(domain[1].r - 40.0)


def test_prominence_threshold_relative_to_largest_peak() -> None:
    g = _gauss(-4, 100.0, 0.15) + _gauss(0, 2.0, 0.15)  # second peak ~2 % of the first
    assert len(peaks_of(TAU, g, prominence=0.05)) == 1
    assert len(peaks_of(TAU, g, prominence=0.01)) == 2
    assert len(peaks_of(TAU, g, prominence=0.01, min_r_fraction=0.05)) == 1


def test_window_flag_and_table() -> None:
    g = _gauss(-4, 100.0, 0.15) + _gauss(1.5, 50.0, 0.15)
    peaks = peaks_of(TAU, g, window_tau_s=(1e-6, 1.0))
    assert [p.in_window for p in peaks] == [True, False]
    frame = peaks_frame({"a": peaks, "b": peaks[:1]}, meta={"a": {"pressure_mpa": 10.0}})
    assert frame["spectrum"].tolist() == ["a", "a", "b"]
    assert {"tau_s", "r_ohm_cm2", "c_f_cm2", "frequency_hz", "width_decades", "in_window"} <= set(frame.columns)
    assert frame["pressure_mpa"].iloc[0] == 10.0
    raw = peaks_frame([("x", peaks)], unit="ohm")
    assert "r_ohm" in raw.columns and "c_f" in raw.columns
    assert peaks_frame({}).columns.tolist()[:3] == ["spectrum", "peak", "tau_s"]
    back = peaks_from_frame(frame)
    assert back["a"] == peaks and back["b"] == peaks[:1]
    with pytest.raises(InputError):
        peaks_from_frame(frame.drop(columns=["tau_s"]))
    assert set(peak_to_dict(peaks[0])) >= {"tau_s", "r", "c"}
    with pytest.raises(InputError):
        peaks_frame({}, unit="kohm")


def test_edge_cases() -> None:
    assert peaks_of(TAU, np.zeros_like(TAU)) == ()
    with pytest.raises(InputError):
        peaks_of(TAU, _gauss(-4, 1.0, 0.1), area="skew")  # type: ignore[arg-type]
    # a maximum at the grid end still counts
    edge = peaks_of(TAU, _gauss(2.0, 10.0, 0.3))
    assert len(edge) == 1


def test_find_peaks_uses_the_measured_window() -> None:
    from synthetic import rc

    from eisrecipe.methods.drt import DrtSettings, compute_drt
    from eisrecipe.spectrum import Spectrum

    f = np.logspace(5, -1, 61)
    r = compute_drt(Spectrum.from_points(f, 5 + rc(f, 100.0, 1e-3)), DrtSettings(data="both"))
    peaks = find_peaks(r)
    assert len(peaks) == 1 and peaks[0].in_window
    assert peaks[0].r == pytest.approx(100.0, rel=0.02)


@pytest.mark.parametrize("at", ["inside", "lower bound", "upper bound"])
def test_gauss_area_jacobian_is_scipys_forward_difference_bit_for_bit(at: str) -> None:
    # the Gaussian decomposition's end point is chaotic (small_lsq's docstring): the cheaper Jacobian must be the very
    # numbers scipy's default 2-point difference gives, also where a step is reversed or shortened at a bound
    from scipy.optimize._numdiff import approx_derivative

    from eisrecipe.methods.peaks import _forward_difference

    rng = np.random.default_rng(3)
    y = _gauss(-4, 100.0, 0.15) + _gauss(-3.2, 30.0, 0.2) + 0.01 * rng.standard_normal(X.size)
    p = np.array([40.0, -9.2, 0.35, 12.0, -7.4, 0.45])
    lower = np.array([0.0, -10.7, 1e-3, 0.0, -8.9, 1e-3])
    upper = np.array([np.inf, -7.7, X[-1] - X[0], np.inf, -5.9, X[-1] - X[0]])
    if at == "lower bound":
        p[[0, 4]] = lower[[0, 4]] + 1e-12  # a step that stays inside, and one reversed (ln tau < 0 steps down)
    elif at == "upper bound":
        p[2] = upper[2] - 1e-12  # reversed

    def term(q: np.ndarray, j: int) -> np.ndarray:
        a, c, s = q[3 * j : 3 * j + 3]
        return a * np.exp(-0.5 * ((X - c) / s) ** 2)

    def residual(q: np.ndarray) -> np.ndarray:
        out = np.zeros_like(X)
        for j in range(2):
            out += term(q, j)
        return (out - y) / 7.0

    expected = approx_derivative(residual, p, method="2-point", f0=residual(p), bounds=(lower, upper))
    ours = _forward_difference(p, term, 2, y, 7.0, lower, upper)
    np.testing.assert_array_equal(ours, expected)
    assert ours.flags.f_contiguous == expected.flags.f_contiguous  # the memory order decides scipy's BLAS path
