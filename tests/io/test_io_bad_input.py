"""Bad input files raise InputError naming the file and, where meaningful, the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.io import read_spectra, read_spectrum

HEADER = "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _raises(path: Path, match: str, line: int | None, **kwargs: object) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        read_spectra(path, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err)
    assert err.line == line
    if line is not None:
        assert f"line {line}" in str(err)
    return err


def test_empty_file(tmp_path: Path) -> None:
    _raises(_write(tmp_path, "empty.csv", ""), "file is empty", None)


def test_blank_file(tmp_path: Path) -> None:
    _raises(_write(tmp_path, "blank.txt", "\n  \n\n"), "file is empty", None)


def test_header_only(tmp_path: Path) -> None:
    _raises(_write(tmp_path, "header.csv", HEADER), r"header only: no data lines after the header \(line 1\)", None)


def test_nan_impedance(tmp_path: Path) -> None:
    p = _write(tmp_path, "nan.csv", HEADER + "1000,1,0.5\n100,nan,1\n10,3,2\n")
    _raises(p, "impedance is NaN", 3)


def test_nan_frequency(tmp_path: Path) -> None:
    p = _write(tmp_path, "nanf.csv", HEADER + "1000,1,0.5\nNaN,2,1\n10,3,2\n")
    _raises(p, "frequency is NaN", 3)


def test_zero_frequency(tmp_path: Path) -> None:
    p = _write(tmp_path, "zero.csv", HEADER + "1000,1,0.5\n100,2,1\n0,3,2\n")
    _raises(p, r"frequency must be > 0 Hz, got 0", 4)


def test_negative_frequency(tmp_path: Path) -> None:
    p = _write(tmp_path, "neg.txt", "1000\t1\t-0.5\n-100\t2\t-1\n10\t3\t-2\n")
    _raises(p, r"frequency must be > 0 Hz, got -100", 2)


def test_duplicate_frequency(tmp_path: Path) -> None:
    p = _write(tmp_path, "dup.csv", HEADER + "1000,1,0.5\n100,2,1\n100,2.5,1\n10,3,2\n")
    err = _raises(p, r"frequency 100 Hz repeats the previous point \(line 3\)", 4)
    assert err.problem.startswith("frequency 100 Hz")


def test_out_of_order_single_sweep_is_sorted(tmp_path: Path) -> None:
    # 300 Hz after 100 Hz steps back, but not to within a factor 2 of the sweep's start (1000 Hz): no second
    # sweep; every frequency is unique, so it is one sweep out of order, sorted with a note
    p = _write(tmp_path, "unsorted.csv", HEADER + "1000,1,0.5\n100,2,1\n300,2.5,1\n10,3,2\n")
    with pytest.warns(EisRecipeWarning, match=r"out of order \(line 4: 300 Hz after 100 Hz\).*sorted"):
        s = read_spectrum(p)
    assert s.frequency_hz.tolist() == [1000, 300, 100, 10]
    assert s.lines.tolist() == [2, 4, 3, 5]
    assert s.z_real.tolist() == [1, 2.5, 2, 3]
    assert "sorted by frequency" in s.meta["frequency_order"]


def test_out_of_order_ascending_is_sorted(tmp_path: Path) -> None:
    p = _write(tmp_path, "unsorted_up.csv", HEADER + "1,1,0.5\n10,2,1\n100,2.5,1\n5,3,2\n50,3,2\n")
    with pytest.warns(EisRecipeWarning, match=r"line 5: 5 Hz after 100 Hz"):
        s = read_spectrum(p)
    assert s.frequency_hz.tolist() == [100, 50, 10, 5, 1]


def test_two_sweeps_stay_two_sweeps(tmp_path: Path) -> None:
    # the second run restarts within a factor 2 of the first start: the documented sweep rule, not sorting
    text = HEADER + "1000,1,0.5\n100,2,1\n10,3,2\n700,1,0.5\n70,2,1\n7,3,2\n"
    assert [s.n_points for s in read_spectra(_write(tmp_path, "two.csv", text))] == [3, 3]


def test_interleaved_sweeps_are_refused(tmp_path: Path) -> None:
    # two sweeps on the same grid written point by point: ambiguous (repeated frequencies), refused
    text = HEADER + "1000,1,0.5\n100,2,1\n1000,1.1,0.5\n10,3,2\n100,2.1,1\n10,3.1,2\n"
    match = r"breaks the descending .*10 Hz appears more than once \(lines 5 and 7\)"
    _raises(_write(tmp_path, "interleaved.csv", text), match, 6)


def test_too_short_sweep(tmp_path: Path) -> None:
    # a second sweep (starts at 1000 Hz again) with only two points
    p = _write(tmp_path, "short.csv", HEADER + "1000,1,0.5\n100,2,1\n10,3,2\n1000,1,0.5\n100,2,1\n")
    _raises(p, r"sweep 2 of 2 \(lines 5-6\) has only 2 point\(s\)", 5)


def test_garbage_in_data_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "garbage.csv", HEADER + "1000,1,0.5\n100,abc,1\n10,3,2\n")
    err = _raises(p, r"non-numeric value 'abc' in a data line", 3)
    assert err.column == "Re(Z)/Ohm"


def test_garbage_in_headerless_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "garbage.txt", "1000 1 -0.5\n100 2 -1\n#comment is fine\n10 3 oops\n1 4 -3\n")
    _raises(p, r"non-numeric value 'oops'", 4)


def test_wrong_field_count(tmp_path: Path) -> None:
    p = _write(tmp_path, "fields.csv", HEADER + "1000,1,0.5\n100,2\n10,3,2\n")
    _raises(p, r"2 value\(s\) where the table has 3 columns", 3)


def test_unrecognised_header(tmp_path: Path) -> None:
    p = _write(tmp_path, "names.csv", "a,b,c\n1000,1,0.5\n100,2,1\n10,3,2\n")
    _raises(p, r"no recognised column header and line 1 is not numeric data", 1)


def test_two_columns_without_header(tmp_path: Path) -> None:
    p = _write(tmp_path, "two.txt", "1000 1\n100 2\n10 3\n")
    _raises(p, r"at least 3 columns", 1)


def test_area_specific_units_refused(tmp_path: Path) -> None:
    p = _write(tmp_path, "area.csv", "freq/Hz,Re(Z)/Ohm.cm2,-Im(Z)/Ohm.cm2\n1000,1,0.5\n100,2,1\n10,3,2\n")
    _raises(p, r"area-specific impedance", 1)


def test_unknown_format_name(tmp_path: Path) -> None:
    p = _write(tmp_path, "x.csv", HEADER + "1000,1,0.5\n100,2,1\n10,3,2\n")
    err = _raises(p, r"unknown format 'nosuch'; known formats: .*biologic-mpt.*text", None, format="nosuch")
    assert "gamry" in err.problem


def test_unrecognised_content_and_extension(tmp_path: Path) -> None:
    p = _write(tmp_path, "notes.xyz", "just some words\nand more words\n")
    _raises(p, r"cannot tell the file format.*known formats: .*zplot", None)


def test_missing_file(tmp_path: Path) -> None:
    _raises(tmp_path / "missing.csv", "file not found", None)


def test_binary_as_text(tmp_path: Path) -> None:
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\x00\x01\x02" * 100)
    _raises(p, "binary file", None, format="text")


def test_gamry_without_zcurve(tmp_path: Path) -> None:
    p = _write(tmp_path, "cv.DTA", "EXPLAIN\nTAG\tCV\nCURVE\tTABLE\n\tPt\tT\n\t#\ts\n\t0\t1\n")
    _raises(p, "no ZCURVE table", None)


def test_mpr_truncated(tmp_path: Path, external_data: Path) -> None:
    pytest.importorskip("galvani", reason="galvani (extra [mpr]) not installed")
    src = external_data / "hybrid-drt" / "PEIS_LPSCl_IonBlocking_-25C.mpr"
    data = src.read_bytes()
    for n in (100, len(data) // 2, len(data) - 50):
        p = tmp_path / f"cut_{n}.mpr"
        p.write_bytes(data[:n])
        _raises(p, r"cannot read the .mpr file; truncated or corrupt\?", None)


def test_mpr_not_an_mpr(tmp_path: Path) -> None:
    p = _write(tmp_path, "fake.mpr", "freq,re,im\n")
    _raises(p, "not a BioLogic .mpr file", None, format="biologic-mpr")


def test_mpr_without_galvani(tmp_path: Path, external_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    src = external_data / "hybrid-drt" / "PEIS_SSB.mpr"
    p = tmp_path / "copy.mpr"
    shutil.copyfile(src, p)
    monkeypatch.setitem(sys.modules, "galvani", None)  # import galvani -> ImportError
    _raises(p, r"needs the optional package galvani: pip install 'eisrecipe\[mpr\]'", None)


def test_several_sweeps_need_a_choice(tmp_path: Path) -> None:
    body = "1000,1,0.5\n100,2,1\n10,3,2\n"
    p = _write(tmp_path, "two_sweeps.csv", HEADER + body + body)
    with pytest.raises(InputError, match=r"holds 2 sweeps; choose one with the sample sheet's 'sweep' column"):
        read_spectrum(p)
    assert read_spectrum(p, sweep=2).lines.tolist() == [5, 6, 7]
    with pytest.raises(InputError, match=r"sweep 3 requested, but the file holds 2 sweep"):
        read_spectrum(p, sweep=3)
