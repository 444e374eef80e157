"""Header names read by tokens (quantity + optional unit), every unit converted or refused with its name, and
the sign/consistency checks that name the likely cause."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from eisrecipe.cli import main
from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.io import read_spectrum
from eisrecipe.io.parsing import classify

F = np.logspace(6, -1, 15)
Z = 10 + 100 / (1 + 1j * 2 * np.pi * F * 1e-5)  # ohm, Z'' < 0


def _write(tmp_path: Path, header: str, f: np.ndarray = F, z: np.ndarray = Z, sep: str = ",") -> Path:
    path = tmp_path / "s.csv"
    rows = [sep.join(f"{v:.10g}" for v in (fi, zi.real, zi.imag)) for fi, zi in zip(f, z, strict=True)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "kind", "scale"),
    [
        ("frequency_hz", "frequency", 1.0),
        ("freq_hz", "frequency", 1.0),
        ("Frequency (Hz)", "frequency", 1.0),
        ("freq/kHz", "frequency", 1e3),
        ("f [MHz]", "frequency", 1e6),
        ("Freq/Mhz", "frequency", 1e6),
        ("freq_mHz", "frequency", 1e-3),
        ("Frequency [rad/s]", "frequency", 1 / (2 * math.pi)),
        ("omega", "frequency", 1 / (2 * math.pi)),
        ("z_real_ohm", "real", 1.0),
        ("zreal_ohm", "real", 1.0),
        ("Re(Z) [milliohm]", "real", 1e-3),
        ("Z' (kOhm)", "real", 1e3),
        ("Re(Z)/Mohm", "real", 1e6),
        ("z_imag_mohm", "imag", 1e-3),
        ("Zs''[Ω]", "imag", 1.0),
        ("|Z| (kΩ)", "modulus", 1e3),
        ("phase_deg", "phase", 1.0),
        ("Phase(Z)/rad", "phase", 180 / math.pi),
        ("Phase (°)", "phase", 1.0),
        ("Re(Y)/Ohm-1", "y_real", 1.0),
        ("Im(Y) [mS]", "y_imag", 1e-3),
    ],
)
def test_header_tokens(name: str, kind: str, scale: float) -> None:
    c = classify(name, 0)
    assert c is not None and c.problem is None, c
    assert c.kind == kind
    assert c.scale == pytest.approx(scale, rel=1e-15)


@pytest.mark.parametrize("name", ["time/s", "Phase(Y)/deg", "Ewe/V", "source_line", "Z", "cycle_time"])
def test_other_columns_are_not_taken(name: str) -> None:
    c = classify(name, 0)
    assert c is None or c.kind not in ("frequency", "real", "imag", "modulus", "phase")


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ("freq/mhz,Re(Z)/Ohm,Im(Z)/Ohm", r"column 'freq/mhz': unit 'mhz' is ambiguous"),
        ("freq/MHZ,Re(Z)/Ohm,Im(Z)/Ohm", r"unit 'MHZ' is ambiguous"),
        ("freq/Hz,Re(Z) [furlong],Im(Z)/Ohm", r"column 'Re\(Z\) \[furlong\]': unit 'furlong' is not an impedance"),
        ("freq/Hz,Re(Z)/MOHM,Im(Z)/MOHM", r"unit 'MOHM' is ambiguous"),
        ("freq/rad,Re(Z)/Ohm,Im(Z)/Ohm", r"unit 'rad' is not a frequency unit"),
        ("frequency_hz,z_real_ohm_cm2,z_imag_ohm_cm2", r"column 'z_real_ohm_cm2': holds area-specific impedance"),
        ("freq/Hz,Re(Z) (ohm cm2),Im(Z) (ohm cm2)", r"area-specific"),
    ],
)
def test_unusable_units_are_refused_with_their_name(tmp_path: Path, header: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        read_spectrum(_write(tmp_path, header))
    assert info.value.line == 1


def test_units_are_converted(tmp_path: Path) -> None:
    s = read_spectrum(_write(tmp_path, "freq_khz,z_real_kohm,z_imag_mohm", F / 1e3, Z.real / 1e3 + 1j * Z.imag * 1e3))
    np.testing.assert_allclose(s.frequency_hz, F, rtol=1e-9)
    np.testing.assert_allclose(s.impedance, Z, rtol=1e-9)


def test_rad_per_s_is_converted_and_noted(tmp_path: Path) -> None:
    s = read_spectrum(_write(tmp_path, "Frequency [rad/s],Re(Z)/Ohm,Im(Z)/Ohm", 2 * np.pi * F))
    np.testing.assert_allclose(s.frequency_hz, F, rtol=1e-9)
    assert "rad/s divided by 2 pi" in s.meta["frequency_unit"]


@pytest.mark.parametrize("area", [None, 0.5])
def test_cli_export_reads_back(tmp_path: Path, area: float | None, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm", F, Z.real - 1j * Z.imag)
    out = tmp_path / "x.csv"
    extra = [] if area is None else ["--area", str(area)]
    assert main(["read", str(src), "-o", str(out), *extra]) == 0
    if area is None:
        s = read_spectrum(out)
        np.testing.assert_allclose(s.impedance, Z, rtol=1e-9)
        np.testing.assert_array_equal(s.frequency_hz, read_spectrum(src).frequency_hz)
    else:  # area-specific export: refused as such, with the clear message
        with pytest.raises(InputError, match="area-specific"):
            read_spectrum(out)
    assert main(["read", str(src)]) == 0  # printed form (comment line, then the same table) reads back too
    printed = tmp_path / "printed.csv"
    printed.write_text(capsys.readouterr().out)
    np.testing.assert_allclose(read_spectrum(printed).impedance, Z, rtol=1e-9)


def test_wrong_sign_names_the_cause(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"Z'' > 0 \(inductive\) on 15 of 15 points .*most likely holds -Im\(Z\)"):
        read_spectrum(_write(tmp_path, "freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", F, np.conj(Z)))


def test_swapped_columns_name_the_cause(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"look swapped"):
        read_spectrum(_write(tmp_path, "freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm", F, Z.imag + 1j * Z.real))


def _table(tmp_path: Path, z_rect: np.ndarray, z_polar: np.ndarray, y: np.ndarray | None) -> Path:
    header = ["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "|Z|/Ohm", "Phase(Z)/deg"]
    cols = [F, z_rect.real, -z_rect.imag, np.abs(z_polar), np.angle(z_polar, deg=True)]
    if y is not None:
        header += ["Re(Y)/S", "Im(Y)/S"]
        cols += [y.real, y.imag]
    path = tmp_path / "xcheck.csv"
    lines = [",".join(header)] + [",".join(f"{v:.6g}" for v in row) for row in zip(*cols, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_partly_lost_sign_uses_the_consistent_pair(tmp_path: Path) -> None:
    bad = Z.copy()
    bad[:4] = np.conj(bad[:4])  # Z'' lost its sign on the 4 highest frequencies
    path = _table(tmp_path, bad, Z, 1 / Z)
    with pytest.warns(EisRecipeWarning, match=r"on 4 of 15 points \(lines 2-5.*taken from \|Z\| and phase"):
        s = read_spectrum(path)
    np.testing.assert_allclose(s.impedance, Z, rtol=1e-5)


def test_partly_lost_sign_without_arbiter_is_refused(tmp_path: Path) -> None:
    bad = Z.copy()
    bad[:4] = np.conj(bad[:4])
    with pytest.raises(InputError, match=r"contradict each other on 4 of 15 points.*lost its sign") as info:
        read_spectrum(_table(tmp_path, bad, Z, None))
    assert info.value.line == 2


def test_consistent_columns_pass_silently(tmp_path: Path) -> None:
    s = read_spectrum(_table(tmp_path, Z, Z, 1 / Z))
    np.testing.assert_allclose(s.impedance, Z, rtol=1e-5)
    assert "consistent with |Z| and phase and Y" in s.meta["z_imag_sign"]
