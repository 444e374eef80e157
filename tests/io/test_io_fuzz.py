"""Fuzzing the readers (Hypothesis): random bytes, mutated good files and random headers never give a
traceback - always spectra or an InputError naming the file (and, where it gives one, a line of the file)."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.io import available_formats, read_spectra
from eisrecipe.spectrum import Spectrum

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = REPO.parent / "shared" / "data" / "external"
FORMATS = ["auto", *available_formats()]

F = np.logspace(6, -1, 22)
Z = 10 + 100 / (1 + 1j * 2 * np.pi * F * 1e-4) + 50 / (1 + 1j * 2 * np.pi * F * 1e-1)


def _seed_files() -> list[bytes]:
    """Good files to mutate: generated tables in several dialects, plus the real files where present."""
    rows = list(zip(F, Z, strict=True))
    seeds = [
        (
            "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\tPhase(Z)/deg\tcycle number\n"
            + "".join(
                f"{f:.7e}\t{z.real:.7e}\t{-z.imag:.7e}\t{abs(z):.7e}\t{np.angle(z, deg=True):.5f}\t1\n" for f, z in rows
            )
        ).encode("latin-1"),
        (
            "frequency_hz,z_real_ohm,z_imag_ohm,source_line\n"
            + "".join(f"{f:.10g},{z.real:.10g},{z.imag:.10g},{k}\n" for k, (f, z) in enumerate(rows, 2))
        ).encode(),
        (
            "Freq;Z' [kOhm];Z'' [kOhm]\r\n"
            + "".join(f"{f:.6g};{z.real / 1e3:.6g};{z.imag / 1e3:.6g}\r\n".replace(".", ",") for f, z in rows)
        ).encode(),
        "".join(f"{f:.6g} {z.real:.6g} {z.imag:.6g}\n" for f, z in rows).encode("utf-16"),
    ]
    if EXTERNAL.is_dir():  # read there, never copied
        for name in (
            "eis-dct/ML621_soc100.csv",
            "impedance.py/exampleDataGamry.DTA",
            "eisfitpython/Example2a.txt",
            "impedance.py/exampleDataBioLogic.mpt",
            "impedance.py/Circuit1_EIS_1.z",
        ):
            path = EXTERNAL / name
            if path.is_file():
                seeds.append(path.read_bytes()[:20000])
    return seeds


SEEDS = _seed_files()


def _check(data: bytes, fmt: str, suffix: str = ".txt") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        n_lines = data.count(b"\n") + data.count(b"\r") + 2
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EisRecipeWarning)
                spectra = read_spectra(path, format=fmt)
        except InputError as exc:
            assert exc.path == str(path), exc
            assert exc.line is None or 1 <= exc.line <= max(n_lines, 100_000), exc  # .mpr: record numbers
            return
        assert spectra and all(isinstance(s, Spectrum) for s in spectra)
        for s in spectra:
            assert np.all(np.isfinite(s.frequency_hz)) and np.all(s.frequency_hz > 0)
            assert np.all(np.diff(s.frequency_hz) < 0)
            assert np.all(np.isfinite(s.impedance))


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.binary(max_size=3000), fmt=st.sampled_from(FORMATS), suffix=st.sampled_from([".txt", ".csv", ".mpr"]))
def test_random_bytes(data: bytes, fmt: str, suffix: str) -> None:
    _check(data, fmt, suffix)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup_line", "swap_lines"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[i] = draw(st.sampled_from(b"0123456789.,;-+eE \t\n\r\"'/()[]|xX\x00\xff"))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=12))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 40))]
        elif op == "truncate":
            del data[i:]
        else:
            lines = bytes(data).split(b"\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(b, lines[a])
            else:
                lines[a], lines[b] = lines[b], lines[a]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@FUZZ
@given(data=mutated(), fmt=st.sampled_from(["auto", "text"]))
def test_mutated_good_files(data: bytes, fmt: str) -> None:
    _check(data, fmt)


QUANTITIES = [
    "freq",
    "Frequency",
    "f",
    "omega",
    "Re(Z)",
    "Z'",
    "z_real",
    "Zreal",
    "Real",
    "Im(Z)",
    "-Im(Z)",
    "Z''",
    "-Z''",
    "z_imag",
    "Imag",
    "|Z|",
    "Phase(Z)",
    "phase",
    "Re(Y)",
    "Im(Y)",
    "cycle number",
    "time",
    "Z",
    "Ewe",
    "R",
    "X",
    "theta",
]
UNITS = [
    "",
    "Hz",
    "hz",
    "mHz",
    "mhz",
    "MHz",
    "kHz",
    "rad/s",
    "rad",
    "ohm",
    "Ohm",
    "mohm",
    "MOHM",
    "kΩ",
    "ohm cm2",
    "ohm_cm2",
    "deg",
    "°",
    "S",
    "furlong",
    "V",
    "s",
    "%",
]
SEPARATORS = ["/", "_", " ", "[{}]", "({})", " ({})", " [{}]"]


@st.composite
def header_name(draw: st.DrawFn) -> str:
    q, u, sep = draw(st.sampled_from(QUANTITIES)), draw(st.sampled_from(UNITS)), draw(st.sampled_from(SEPARATORS))
    if not u:
        return q
    return q + (sep.format(u) if "{}" in sep else sep + u)


@FUZZ
@given(
    names=st.lists(header_name(), min_size=1, max_size=7),
    delimiter=st.sampled_from([",", "\t", ";"]),
    sign=st.sampled_from([1.0, -1.0]),
    shuffle=st.booleans(),
)
def test_random_headers(names: list[str], delimiter: str, sign: float, shuffle: bool) -> None:
    rng = np.random.default_rng(len(names))
    columns = [F, Z.real, sign * Z.imag, np.abs(Z), np.angle(Z, deg=True), (1 / Z).real, (1 / Z).imag]
    order = rng.permutation(F.size) if shuffle else np.arange(F.size)
    lines = [delimiter.join(names)]
    lines += [delimiter.join(f"{columns[j % len(columns)][k]:.6g}" for j in range(len(names))) for k in order]
    _check(("\n".join(lines) + "\n").encode(), "text", ".csv")
