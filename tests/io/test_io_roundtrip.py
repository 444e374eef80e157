"""Property test: a random spectrum written as generic text reads back exactly (Hypothesis)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from eisrecipe.errors import EisRecipeWarning
from eisrecipe.io import read_spectrum

# (names, the Z'' column holds -Im(Z)); None = no header
HEADERS: list[tuple[tuple[str, str, str], bool] | None] = [
    None,
    (("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"), True),
    (("Frequency (Hz)", "Z' (ohm)", "Z'' (ohm)"), False),
    (("f [Hz]", "Zreal [Ohm]", "Zimag [Ohm]"), False),
    (("Freq", "Z'", "-Z''"), True),
    (("# freq", "Re(Z)", "Im(Z)"), False),
]

# what a passive cell gives: Z' >= 0, Z'' <= 0 (the reader refuses data that break this on most points)
non_negative = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


@st.composite
def spectra(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    f = draw(
        st.lists(
            st.floats(min_value=1e-5, max_value=1e8, allow_nan=False, allow_infinity=False),
            min_size=3,
            max_size=30,
            unique=True,
        )
    )
    n = len(f)
    re = draw(st.lists(non_negative, min_size=n, max_size=n))
    im = draw(st.lists(non_negative, min_size=n, max_size=n))
    return np.sort(np.asarray(f))[::-1], np.asarray(re) - 1j * np.asarray(im)


@settings(max_examples=150, deadline=None)
@given(
    data=spectra(),
    delimiter=st.sampled_from([",", "\t", ";", " "]),
    header=st.sampled_from(HEADERS),
    decimal_comma=st.booleans(),
    ascending=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_generic_text_round_trip(
    data: tuple[np.ndarray, np.ndarray],
    delimiter: str,
    header: tuple[tuple[str, str, str], bool] | None,
    decimal_comma: bool,
    ascending: bool,
    newline: str,
) -> None:
    f, z = data
    decimal_comma = decimal_comma and delimiter != ","
    negate = header is not None and header[1]

    def num(x: float) -> str:
        s = repr(float(x))
        return s.replace(".", ",") if decimal_comma else s

    order = slice(None, None, -1) if ascending else slice(None)
    lines = [] if header is None else [delimiter.join(header[0])]
    for fi, zi in zip(f[order], z[order], strict=True):
        lines.append(delimiter.join([num(fi), num(zi.real), num(-zi.imag if negate else zi.imag)]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spectrum.txt"
        path.write_text(newline.join(lines) + newline, encoding="utf-8", newline="")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EisRecipeWarning)
            s = read_spectrum(path, format="text")
    expected = z
    np.testing.assert_array_equal(s.frequency_hz, f)
    np.testing.assert_array_equal(s.impedance.real, expected.real)
    np.testing.assert_array_equal(s.impedance.imag, expected.imag)
    first_data_line = 1 if header is None else 2
    assert sorted(s.lines.tolist()) == list(range(first_data_line, first_data_line + f.size))
