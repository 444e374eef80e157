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


def test_found_by_the_fuzzer_a_mangled_imaginary_header_with_modulus_and_phase() -> None:
    """CI's fuzz run: '-Im(Z)/Ohm' mutated to '0Im(Z)/Ohm' beside |Z| and phase - Z then comes from |Z| and phase and
    the EC-Lab reader's zero-row filter asked for a column that was never parsed (KeyError)."""
    _check(FOUND_MANGLED_HEADER, "auto")


FOUND_MANGLED_HEADER = "\n".join(
    [
        "freq/Hz\tRe(Z)/Ohm\t0Im(Z)/Ohm\t|Z|/Ohm\tPhase(Z)/deg\tcycle number",
        "1.0000000e+06\t1.0000253e+01\t1.5923412e-01\t1.0001521e+01\t-0.91224\t1",
        "4.6415888e+05\t1.0001176e+01\t3.4305634e-01\t1.0007058e+01\t-1.96457\t1",
        "2.1544347e+05\t1.0005457e+01\t7.3906086e-01\t1.0032715e+01\t-4.22453\t1",
        "1.0000000e+05\t1.0025324e+01\t1.5919422e+00\t1.0150931e+01\t-9.02278\t1",
        "4.6415888e+04\t1.0117435e+01\t3.4265770e+00\t1.0681944e+01\t-18.71023\t1",
        "2.1544347e+04\t1.0542763e+01\t7.3509161e+00\t1.2852464e+01\t-34.88604\t1",
        "1.0000000e+04\t1.2470454e+01\t1.5530267e+01\t1.9917365e+01\t-51.23632\t1",
        "4.6415888e+03\t2.0520378e+01\t3.0698718e+01\t3.6925563e+01\t-56.23949\t1",
        "2.1544347e+03\t4.5305453e+01\t4.7828876e+01\t6.5880084e+01\t-46.55202\t1",
        "1.0000000e+03\t8.1695807e+01\t4.5127302e+01\t9.3331014e+01\t-28.91547\t1",
        "4.6415888e+02\t1.0216193e+02\t2.7049341e+01\t1.0568219e+02\t-14.82988\t1",
        "2.1544347e+02\t1.0820328e+02\t1.3662471e+01\t1.0906242e+02\t-7.19647\t1",
        "1.0000000e+02\t1.0961943e+02\t7.0540510e+00\t1.0984616e+02\t-3.68193\t1",
        "4.6415888e+01\t1.0997374e+02\t4.6263492e+00\t1.1007100e+02\t-2.40889\t1",
        "2.1544347e+01\t1.1025306e+02\t5.0270345e+00\t1.1036761e+02\t-2.61062\t1",
        "1.0000000e+01\t1.1123128e+02\t8.3894485e+00\t1.1154721e+02\t-4.31328\t1",
        "4.6415888e+00\t1.1525934e+02\t1.5632424e+01\t1.1631460e+02\t-7.72380\t1",
        "2.1544347e+00\t1.2765253e+02\t2.4031337e+01\t1.2989486e+02\t-10.66149\t1",
        "1.0000000e+00\t1.4584780e+02\t2.2586694e+01\t1.4758638e+02\t-8.80317\t1",
        "4.6415888e-01\t1.5608066e+02\t1.3468113e+01\t1.5666066e+02\t-4.93180\t1",
        "2.1544347e-01\t1.5910027e+02\t6.6600996e+00\t1.5923961e+02\t-2.39706\t1",
        "1.0000000e-01\t1.5980338e+02\t3.1355221e+00\t1.5983414e+02\t-1.12406\t1",
        "",
    ]
).encode()


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
