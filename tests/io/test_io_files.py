"""What kind of file is read: UTF-16 text, huge files, FIFOs, and the CLI writing into a closed pipe."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.io import parsing, read_spectrum
from eisrecipe.io.sweeps import MAX_POINTS_PER_DECADE

F = np.logspace(5, -1, 19)
Z = 10 + 100 / (1 + 1j * 2 * np.pi * F * 1e-3)
TABLE = "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n" + "".join(
    f"{f:.8g}\t{z.real:.8g}\t{-z.imag:.8g}\n" for f, z in zip(F, Z, strict=True)
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "latin-1"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(("# Température 25 °C\n" + TABLE).encode(encoding))
    s = read_spectrum(path)
    np.testing.assert_allclose(s.impedance, Z, rtol=1e-7)
    assert s.lines is not None and int(s.lines[0]) == 3


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for fmt in ("auto", "text", "gamry"):
        with pytest.raises(InputError, match="not a regular file"):
            read_spectrum(fifo, format=fmt)  # would block forever in open() if it were opened
    with pytest.raises(InputError, match="not a regular file"):
        parsing.read_bytes(fifo, parsing.HEAD_BYTES)


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.txt"
    path.write_text(TABLE)
    monkeypatch.setattr(parsing, "MAX_FILE_BYTES", len(TABLE) - 1)
    with pytest.raises(InputError, match=r"MiB, more than the 0 MiB read.*export fewer points"):
        read_spectrum(path)


def test_dense_sweep_is_decimated_per_decade(tmp_path: Path) -> None:
    f = np.logspace(6, 0, 60_001)  # 10,000 points per decade over 6 decades
    z = 10 + 100 / (1 + 1j * 2 * np.pi * f * 1e-3)
    path = tmp_path / "dense.csv"
    np.savetxt(path, np.c_[f, z.real, z.imag], delimiter=",", header="f/Hz,Re(Z)/Ohm,Im(Z)/Ohm", comments="")
    t0 = time.perf_counter()
    with pytest.warns(EisRecipeWarning, match=r"holds 60001 points, more than 100 per decade; kept 601"):
        s = read_spectrum(path)
    assert time.perf_counter() - t0 < 20  # measured 0.4 s; the 1M-line file of the issue 5 s
    counts = np.unique(np.floor(np.log10(s.frequency_hz)), return_counts=True)[1]
    assert counts.max() <= MAX_POINTS_PER_DECADE
    assert s.frequency_hz[0] == f[0] and "kept 601" in s.meta["decimated"]
    np.testing.assert_allclose(s.impedance, 10 + 100 / (1 + 1j * 2 * np.pi * s.frequency_hz * 1e-3), rtol=1e-6)


def test_normal_density_is_not_decimated(tmp_path: Path) -> None:
    f = np.logspace(6, 0, 6 * MAX_POINTS_PER_DECADE)  # just under 100 per decade
    z = 10 + 100 / (1 + 1j * 2 * np.pi * f * 1e-3)
    path = tmp_path / "ok.csv"
    np.savetxt(path, np.c_[f, z.real, z.imag], delimiter=",", header="f/Hz,Re(Z)/Ohm,Im(Z)/Ohm", comments="")
    assert read_spectrum(path).n_points == f.size


def test_cli_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    f = np.logspace(14, -6, 2000)  # ~90 kB of CSV: more than a pipe buffer holds
    z = 10 + 100 / (1 + 1j * 2 * np.pi * f * 1e-2)
    path = tmp_path / "long.csv"
    np.savetxt(path, np.c_[f, z.real, z.imag], delimiter=",", header="f/Hz,Re(Z)/Ohm,Im(Z)/Ohm", comments="")
    proc = subprocess.Popen(
        [sys.executable, "-m", "eisrecipe.cli", "read", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 13
    assert "Traceback" not in err and "BrokenPipe" not in err
