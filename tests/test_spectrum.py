"""Spectrum data model: checks, ordering, normalisation, tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from eisrecipe.errors import InputError
from eisrecipe.spectrum import Spectrum

F = np.array([1e5, 1e4, 1e3, 1e2])
Z = np.array([10 - 1j, 12 - 5j, 20 - 8j, 30 - 2j])


def test_ascending_input_is_stored_descending_with_its_lines() -> None:
    s = Spectrum.from_points(F[::-1], Z[::-1], source="x.txt", lines=[5, 6, 7, 8])
    np.testing.assert_array_equal(s.frequency_hz, F)
    np.testing.assert_array_equal(s.impedance, Z)
    assert list(s.lines) == [8, 7, 6, 5]


@pytest.mark.parametrize(
    ("f", "z", "message", "line"),
    [
        (F, np.r_[Z[:2], np.nan, Z[3:]], "impedance is NaN", 12),
        (np.r_[F[:1], np.nan, F[2:]], Z, "frequency is NaN", 11),
        (np.r_[F[:3], 0.0], Z, "must be > 0", 13),
        (np.r_[F[:3], -5.0], Z, "must be > 0", 13),
        (np.r_[F[:2], F[1], F[3]], Z, "repeats the previous point", 12),
        (np.array([1e5, 1e3, 1e4, 1e2]), Z, "not sorted", 12),
    ],
)
def test_bad_points_name_the_line(f: np.ndarray, z: np.ndarray, message: str, line: int) -> None:
    with pytest.raises(InputError, match=message) as info:
        Spectrum.from_points(f, z, source="x.txt", lines=[10, 11, 12, 13])
    assert info.value.line == line and info.value.path == "x.txt"
    assert f"x.txt, line {line}" in str(info.value)


def test_empty_and_too_short() -> None:
    with pytest.raises(InputError, match="no data points"):
        Spectrum.from_points([], [], source="x.txt")
    with pytest.raises(InputError, match="at least 3"):
        Spectrum.from_points(F[:2], Z[:2], source="x.txt")


def test_normalise_multiplies_by_area_once() -> None:
    s = Spectrum.from_points(F, Z).normalise(0.5)
    assert s.unit == "ohm cm^2" and s.meta["area_cm2"] == 0.5
    np.testing.assert_allclose(s.impedance, Z * 0.5)
    assert list(s.to_frame().columns[:3]) == ["frequency_hz", "z_real_ohm_cm2", "z_imag_ohm_cm2"]
    with pytest.raises(InputError, match="already"):
        s.normalise(0.5)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(InputError, match="area"):
            Spectrum.from_points(F, Z).normalise(bad)


@given(
    st.lists(st.integers(-600, 700), min_size=12, max_size=12, unique=True),
    arrays(complex, 12, elements=st.complex_numbers(max_magnitude=1e9, allow_nan=False, allow_infinity=False)),
)
def test_frame_round_trip(centi_decades: list[int], z: np.ndarray) -> None:
    f = np.sort(10.0 ** (np.array(centi_decades) / 100))  # 1 uHz .. 10 MHz, distinct
    s = Spectrum.from_points(f, z, unit="ohm cm^2")
    back = Spectrum.from_frame(s.to_frame())
    np.testing.assert_array_equal(back.frequency_hz, s.frequency_hz)
    np.testing.assert_array_equal(back.impedance, s.impedance)
    np.testing.assert_array_equal(back.lines, s.lines)
    assert back.unit == s.unit
