"""The sweep-splitting rule of eisrecipe.io.sweeps."""

from __future__ import annotations

import numpy as np
import pytest

from eisrecipe.errors import InputError
from eisrecipe.io.sweeps import build_spectra, split_by_frequency, split_by_labels


def _split(f: list[float]) -> list[list[int]]:
    return [g.tolist() for g in split_by_frequency(f, np.arange(1, len(f) + 1), "x.csv")]


def test_single_descending_and_ascending() -> None:
    assert _split([1e6, 1e3, 1]) == [[0, 1, 2]]
    assert _split([1, 1e3, 1e6]) == [[0, 1, 2]]


def test_repeat_of_the_start_begins_a_new_sweep() -> None:
    assert _split([1e6, 1e3, 1, 1e6, 1e3, 1]) == [[0, 1, 2], [3, 4, 5]]
    assert _split([1, 10, 100, 1, 10, 100, 1.5, 20]) == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_within_a_factor_two_of_the_start() -> None:
    assert _split([1e6, 1e3, 1, 5e5, 10]) == [[0, 1, 2], [3, 4]]  # exactly f0/2
    assert _split([1e6, 1e3, 1, 3e6, 10]) == [[0, 1, 2], [3, 4]]  # beyond the start
    assert _split([1, 10, 100, 2, 50]) == [[0, 1, 2], [3, 4]]  # ascending: exactly 2 f0


def test_new_sweep_may_run_the_other_way() -> None:
    assert _split([1e6, 1e3, 1, 1e6, 1e7]) == [[0, 1, 2], [3, 4]]


def test_step_back_not_to_the_start_is_an_error() -> None:
    with pytest.raises(InputError, match=r"x.csv, line 4: frequency 490000 Hz after 1 Hz breaks the descending"):
        _split([1e6, 1e3, 1, 4.9e5, 10])
    with pytest.raises(InputError, match=r"line 4: .*breaks the ascending order"):
        _split([1, 10, 100, 2.1])


def test_repeated_frequency_is_an_error() -> None:
    with pytest.raises(InputError, match=r"line 3: frequency 1000 Hz repeats the previous point \(line 2\)"):
        _split([1e6, 1e3, 1e3, 1])


def test_labels() -> None:
    assert [g.tolist() for g in split_by_labels([1, 1, 1, 2, 2, 1])] == [[0, 1, 2], [3, 4], [5]]
    assert split_by_labels([]) == []


def test_build_spectra_with_labels_and_meta() -> None:
    f = [1e3, 1e2, 1e1, 1e3, 1e2, 1e1]
    z = np.array([1 - 1j, 2 - 2j, 3 - 3j, 1 - 1j, 2 - 2j, 3 - 3j])
    spectra = build_spectra(f, z, np.arange(10, 16), "x", labels=[0, 0, 0, 1, 1, 1], meta={"format": "t"})
    assert [s.meta["sweep"] for s in spectra] == [1, 2]
    assert all(s.meta["n_sweeps"] == 2 and s.meta["format"] == "t" for s in spectra)
    assert spectra[1].lines.tolist() == [13, 14, 15]


def test_explicit_labels_do_not_split_by_frequency() -> None:
    f = [1e3, 1e2, 1e1, 1e3, 1e2, 1e1]
    with pytest.raises(InputError, match="not sorted"):
        build_spectra(f, np.ones(6), np.arange(1, 7), "x", labels=[0] * 6)
