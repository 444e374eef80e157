"""One small file per input case of issue 14, built here: each reads to the right spectrum or is refused with
a message naming the file, the line and the cause."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.io import read_spectrum

F = np.logspace(6, -1, 15)
Z = 10 + 100 / (1 + 1j * 2 * np.pi * F * 1e-5)


def table(header: str, f: np.ndarray = F, *cols: np.ndarray, sep: str = ",", encoding: str = "utf-8") -> bytes:
    data = cols or (Z.real, Z.imag)
    rows = [sep.join(f"{v:.10g}" for v in vals) for vals in zip(f, *data, strict=True)]
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def lost_sign(with_y: bool) -> bytes:
    bad = Z.copy()
    bad[:3] = np.conj(bad[:3])
    header = "Freq,Real,Imag,|Z|/Ohm,Phase(Z)/deg" + (",Re(Y)/Ohm-1,Im(Y)/Ohm-1" if with_y else "")
    cols = [bad.real, -bad.imag, np.abs(Z), np.angle(Z, deg=True)]
    if with_y:
        cols += [(1 / Z).real, (1 / Z).imag]
    return table(header, F, *cols)


class Case(NamedTuple):
    build: Callable[[], bytes]
    expect: str  # "ok", "warn:<regex>" or "error:<regex>"
    line: int | None = None  # line the error names


OK_Z = "ok"
CASES: dict[str, Case] = {
    "snake_case header (the tool's own export)": Case(lambda: table("frequency_hz,z_real_ohm,z_imag_ohm"), OK_Z),
    "unit suffixes freq_hz/zreal_ohm/z_imag_mohm": Case(
        lambda: table("freq_hz,zreal_ohm,z_imag_mohm", F, Z.real, Z.imag * 1e3), OK_Z
    ),
    "Re(Z) [milliohm]": Case(
        lambda: table("f [Hz],Re(Z) [milliohm],Im(Z) [milliohm]", F, Z.real * 1e3, Z.imag * 1e3), OK_Z
    ),
    "kHz and kohm": Case(
        lambda: table("Frequency (kHz),Z' (kOhm),Z'' (kOhm)", F / 1e3, Z.real / 1e3, Z.imag / 1e3), OK_Z
    ),
    "Frequency [rad/s]": Case(lambda: table("Frequency [rad/s],Re(Z)/Ohm,Im(Z)/Ohm", 2 * np.pi * F), OK_Z),
    "freq/mhz (ambiguous)": Case(lambda: table("freq/mhz,Re(Z)/Ohm,Im(Z)/Ohm"), "error:unit 'mhz' is ambiguous", 1),
    "unknown unit": Case(lambda: table("freq/Hz,Re(Z) [furlong],Im(Z)/Ohm"), "error:unit 'furlong' is not an", 1),
    "area-specific columns (spectra.csv)": Case(
        lambda: table("frequency_hz,z_real_ohm_cm2,z_imag_ohm_cm2"), "error:area-specific impedance", 1
    ),
    "wrong-sign Z''": Case(
        lambda: table("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", F, Z.real, -Z.imag), "error:most likely holds -Im\\(Z\\)", 2
    ),
    "swapped Re/Im": Case(lambda: table("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", F, Z.imag, Z.real), "error:look swapped", 2),
    "Z'' lost its sign on 3 points, Y arbitrates": Case(lambda: lost_sign(True), "warn:on 3 of 15 points"),
    "Z'' lost its sign on 3 points, nothing arbitrates": Case(
        lambda: lost_sign(False), "error:contradict each other on 3 of 15 points", 2
    ),
    "one sweep out of order": Case(
        lambda: table(
            "freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm",
            F[[0, 2, 1, *range(3, 15)]],
            Z.real[[0, 2, 1, *range(3, 15)]],
            Z.imag[[0, 2, 1, *range(3, 15)]],
        ),
        "warn:out of order",
    ),
    "interleaved sweeps": Case(
        lambda: table("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", np.repeat(F, 2), np.repeat(Z.real, 2), np.repeat(Z.imag, 2)),
        "error:repeats the previous point",
        3,
    ),
    "UTF-16 with BOM": Case(lambda: table("freq/Hz\tRe(Z)/Ohm\tIm(Z)/Ohm", F, sep="\t", encoding="utf-16"), OK_Z),
    "UTF-16-LE without BOM": Case(lambda: table("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", F, encoding="utf-16-le"), OK_Z),
    "Latin-1 text": Case(
        lambda: "Température: 25 °C\n".encode("latin-1") + table("Freq [Hz];Z' [Ohm];Z'' [Ohm]", F, sep=";"), OK_Z
    ),
    "dense sweep (decimated)": Case(
        lambda: table("f/Hz,Re(Z)/Ohm,Im(Z)/Ohm", np.logspace(3, 1, 2001), *_z(np.logspace(3, 1, 2001))),
        "warn:more than 100 per decade; kept 201",
    ),
    "binary junk": Case(lambda: bytes(range(256)) * 4, "error:binary file|cannot tell the file format"),
}


def _z(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = 10 + 100 / (1 + 1j * 2 * np.pi * f * 1e-5)
    return z.real, z.imag


@pytest.mark.parametrize("name", list(CASES))
def test_corpus(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    path = tmp_path / "case.csv"
    path.write_bytes(case.build())
    kind, _, pattern = case.expect.partition(":")
    if kind == "error":
        with pytest.raises(InputError, match=pattern) as info:
            read_spectrum(path)
        assert info.value.path == str(path)
        assert info.value.line == case.line
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EisRecipeWarning)
        s = read_spectrum(path)
    messages = [str(w.message) for w in caught if issubclass(w.category, EisRecipeWarning)]
    if kind == "warn":
        assert any(re.search(pattern, m) for m in messages), messages
    else:
        assert messages == []
    expected = 10 + 100 / (1 + 1j * 2 * np.pi * s.frequency_hz * 1e-5)
    np.testing.assert_allclose(s.impedance, expected, rtol=2e-6)
    assert np.all(np.diff(s.frequency_hz) < 0)
