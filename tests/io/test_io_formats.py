"""Generic text variants, registry behaviour and instrument layouts on small synthetic files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eisrecipe.errors import EisRecipeWarning
from eisrecipe.io import available_formats, read_spectra, read_spectrum, registry

F = [1000.0, 100.0, 10.0]
Z = [complex(10, -1), complex(12, -5), complex(20, -9)]


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _check(s, f=F, z=Z) -> None:
    np.testing.assert_allclose(s.frequency_hz, f, rtol=1e-12)
    np.testing.assert_allclose(s.impedance, z, rtol=1e-12)


def test_available_formats() -> None:
    names = available_formats()
    assert names == sorted(names)
    for n in (
        "text",
        "biologic-mpt",
        "biologic-mpr",
        "gamry",
        "zplot",
        "novocontrol",
        "autolab",
        "parstat",
        "versastudio",
        "chinstruments",
        "powersuite",
        "relaxis",
    ):
        assert n in names


def test_import_is_lazy() -> None:
    code = (
        "import sys, eisrecipe.io; "
        "bad = [m for m in ('pandas', 'galvani', 'impedance', 'eisrecipe.io.text', 'eisrecipe.io.mpr') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    "text",
    [
        "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm\n1000,10,1\n100,12,5\n10,20,9\n",
        "Frequency (Hz)\tZ' (ohm)\tZ'' (ohm)\n1000\t10\t-1\n100\t12\t-5\n10\t20\t-9\n",
        "f [Hz]; Zreal [Ohm]; Zimag [Ohm]\n1000;10;-1\n100;12;-5\n10;20;-9\n",
        "Frequency (Hz) Z' (ohm) -Z'' (ohm)\n1000 10 1\n100 12 5\n10 20 9\n",  # whitespace, names with spaces
        "Freq.[Hz]\tZs'[ohm]\tZs''[ohm]\n1000\t10\t-1\n100\t12\t-5\n10\t20\t-9\n",
        "freq/kHz,Re(Z)/kOhm,Im(Z)/kOhm\n1,0.010,-0.001\n0.1,0.012,-0.005\n0.01,0.020,-0.009\n",  # prefixes
        "freq/Hz;Re(Z)/Ohm;-Im(Z)/Ohm\n1000;10,0;1,0\n100;12,0;5,0\n10;20,0;9,0\n",  # decimal comma
        "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n1000\t10,0\t1,0\n100\t12,0\t5,0\n10\t20,0\t9,0\n",
        "1000 10,0 -1,0\n100 12,0 -5,0\n10 20,0 -9,0\n",  # whitespace + decimal comma, headerless
        "1000,10,-1\n100,12,-5\n10,20,-9\n",  # headerless
        "10,20,-9\n100,12,-5\n1000,10,-1\n",  # ascending
        "# freq,Re(Z),Im(Z)\n1000,10,-1\n100,12,-5\n10,20,-9\n",  # impedance.py saveCSV
        "sample A\nmeasured today\nFreq\tReal\tImag\n\n1000\t10\t-1\n100\t12\t-5\n\n10\t20\t-9\n\n",
    ],
)
def test_generic_text_variants(tmp_path: Path, text: str) -> None:
    s = read_spectrum(_write(tmp_path, "x.txt", text))
    assert s.meta["format"] in {"text", "novocontrol", "biologic-mpt"}  # what sniffing picks; all read alike
    _check(s)


def test_polar_columns(tmp_path: Path) -> None:
    rows = "\n".join(f"{f},{float(abs(z))!r},{float(np.degrees(np.angle(z)))!r}" for f, z in zip(F, Z, strict=True))
    s = read_spectrum(_write(tmp_path, "polar.csv", "Frequency (Hz),|Z| (Ohm),Phase (deg)\n" + rows + "\n"))
    _check(s)
    rows = "\n".join(f"{f},{float(abs(z))!r},{float(-np.degrees(np.angle(z)))!r}" for f, z in zip(F, Z, strict=True))
    s = read_spectrum(_write(tmp_path, "polar2.csv", "Frequency (Hz);Z (Ω);-Phase (°)\n" + rows.replace(",", ";")))
    _check(s)


def test_phase_column_decides_an_undeclared_sign(tmp_path: Path) -> None:
    text = "Freq,Real,Imag,Phase(Z)/deg\n1000,10,1,-5.7\n100,12,5,-22\n10,20,9,-24\n"  # Imag holds -Im(Z)
    s = read_spectrum(_write(tmp_path, "phase.csv", text))
    _check(s)
    assert "read as -Im(Z): its sign disagrees with the phase" in s.meta["z_imag_sign"]


def test_headerless_flipped_sign_warns(tmp_path: Path) -> None:
    p = _write(tmp_path, "flipped.txt", "1000\t10\t1\n100\t12\t5\n10\t20\t9\n")
    with pytest.warns(EisRecipeWarning, match="taken as -Im"):
        s = read_spectrum(p)
    _check(s)
    assert "read as -Im(Z)" in s.meta["z_imag_sign"]


def test_cycle_column_splits_sweeps(tmp_path: Path) -> None:
    text = "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm,cycle number\n" + "".join(
        f"{f},{z.real},{-z.imag},{c}\n" for c in (1, 2) for f, z in zip(F, Z, strict=True)
    )
    spectra = read_spectra(_write(tmp_path, "cyc.csv", text))
    assert [s.meta["sweep"] for s in spectra] == [1, 2]
    for s in spectra:
        _check(s)


def test_sniffing_beats_extension(tmp_path: Path) -> None:
    ec = "EC-Lab ASCII FILE\nNb header lines : 3\nfreq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\tcycle number\t\n"
    ec += "".join(f"{f}\t{z.real}\t{-z.imag}\t1\t\n" for f, z in zip(F, Z, strict=True))
    p = _write(tmp_path, "export.csv", ec, "latin-1")
    assert registry.detect(p).name == "biologic-mpt"
    _check(read_spectrum(p))


def test_extension_when_content_says_nothing(tmp_path: Path) -> None:
    p = _write(tmp_path, "odd.z", "nothing numeric here\n")
    assert registry.detect(p).name == "zplot"


def test_biologic_cycles_and_other_technique_rows(tmp_path: Path) -> None:
    lines = ["EC-Lab ASCII FILE", "Nb header lines : 4", "", "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\tcycle number\t"]
    lines += ["0,0000000E+000\t0,0000000E+000\t0,0000000E+000\t1,0\t"]  # an OCV row, decimal commas
    for c in (1, 2):
        lines += [
            f"{f:.7E}\t{z.real:.7E}\t{-z.imag:.7E}\t{c:.1f}\t".replace(".", ",") for f, z in zip(F, Z, strict=True)
        ]
    spectra = read_spectra(_write(tmp_path, "loops.mpt", "\r\n".join(lines) + "\r\n", "latin-1"))
    assert len(spectra) == 2
    assert spectra[0].lines.tolist() == [6, 7, 8]
    for s in spectra:
        _check(s)


def test_gamry_two_tables(tmp_path: Path) -> None:
    table = "ZCURVE\tTABLE\n\tPt\tTime\tFreq\tZreal\tZimag\n\t#\ts\tHz\tohm\tohm\n"
    table += "".join(f"\t{i}\t{i}\t{f}\t{z.real}\t{z.imag}\n" for i, (f, z) in enumerate(zip(F, Z, strict=True)))
    p = _write(tmp_path, "two.DTA", "EXPLAIN\nTAG\tEISPOT\n" + table + "EXPERIMENTABORTED\n" + table, "latin-1")
    spectra = read_spectra(p)
    assert [(s.meta["sweep"], s.meta["n_sweeps"]) for s in spectra] == [(1, 2), (2, 2)]
    for s in spectra:
        _check(s)


def test_relaxis_blocks_and_minus_z(tmp_path: Path) -> None:
    text = "RelaxIS 3.0 Spectrum export\nDate: x\nData: Frequency\tData: Z'\tData: -Z''\n"
    for name in ("a", "b"):
        text += f"DC=0\tModel: none\t(WE/RE Spectrum) {name}\t\t\n"
        text += "".join(f"{f}\t{z.real}\t{-z.imag}\n" for f, z in zip(F[::-1], Z[::-1], strict=True))
    spectra = read_spectra(_write(tmp_path, "r.txt", text))
    assert len(spectra) == 2
    for s in spectra:
        _check(s)


def test_repeated_header_splits_sweeps(tmp_path: Path) -> None:
    block = "Frequency (Hz),Z' (ohm),Z'' (ohm)\n" + "".join(
        f"{f},{z.real},{z.imag}\n" for f, z in zip(F, Z, strict=True)
    )
    spectra = read_spectra(_write(tmp_path, "concat.csv", block + block))
    assert [s.lines.tolist() for s in spectra] == [[2, 3, 4], [6, 7, 8]]
    for s in spectra:
        _check(s)


def test_aliases(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.csv", "1000,10,-1\n100,12,-5\n10,20,-9\n")
    _check(read_spectrum(p, format="CSV"))
    assert registry.get("mpr").name == "biologic-mpr"
