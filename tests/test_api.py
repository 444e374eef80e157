"""The Python API (``import eisrecipe as er``): light import, circuit strings, read -> kk -> drt -> fit on the
example data with short reprs, plots, the old module paths beside the API names, and run_cell against the
workflow's own files."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

import eisrecipe as er
from eisrecipe.api.circuit import parse_circuit
from eisrecipe.errors import InputError

REPO = Path(__file__).resolve().parents[1]
FILE = REPO / "data" / "example" / "cellA_010MPa.txt"  # truth (data/example/generate.py): R_int 300, tau 3e-3 s


def test_import_stays_light() -> None:
    code = (
        "import sys, eisrecipe as er; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'scipy', 'eisrecipe.api') if m in sys.modules)); "
        "er.read; print('eisrecipe.api' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "True"]


@pytest.mark.parametrize(
    ("circuit", "kinds", "r_inf", "inductance"),
    [
        ("R0-p(R1,CPE1)-p(R2,CPE2)", [("R1", "RCPE"), ("R2", "RCPE")], True, False),
        ("L0-R0-p(C1,R1)-p(R2,CPE2)-CPE3", [("R1", "RC"), ("R2", "RCPE"), ("CPE3", "CPE")], True, True),
        ("p(R1,C1)", [("R1", "RC")], False, False),
    ],
)
def test_circuit_strings_map_onto_the_series_model(circuit: str, kinds: list, r_inf: bool, inductance: bool) -> None:
    parsed = parse_circuit(circuit)
    assert [(e.name, e.kind) for e in parsed.elements] == kinds
    assert (parsed.r_inf, parsed.inductance) == (r_inf, inductance)
    model = parsed.model()
    assert model.r_inf is r_inf and model.inductance is inductance and model.names == tuple(n for n, _ in kinds)


@pytest.mark.parametrize(
    ("circuit", "message"),
    [
        ("R0-p(R1,C1)-W1", r"series 'W1' cannot be expressed"),
        ("R0-C1", r"series 'C1' cannot be expressed \(use a CPE"),
        ("R0-R1-p(R2,C2)", r"a second series resistance 'R1'"),
        ("R0-p(R1,p(R2,C2))", r"nested p\(\) cannot be expressed"),
        ("R0-p(R1,C1,CPE1)", r"p\(R1,C1,CPE1\) cannot be expressed"),
        ("R0-p(C1,CPE1)", r"p\(C1,CPE1\) cannot be expressed"),
        ("R0-p(R1,C1", r"expected 'close', got 'the end'"),
        ("R0-Q1", r"unknown element 'Q1'"),
        ("R0", r"no p\(R,C\) or p\(R,CPE\) element"),
    ],
)
def test_what_the_model_cannot_express_is_refused_clearly(circuit: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        parse_circuit(circuit)
    assert "series of parallel" in str(err.value) or "expected" in message  # says what the model holds


def test_read_kk_drt_fit_on_the_example() -> None:
    s = er.read(FILE, area_cm2=0.5)
    k = er.kk(s)
    assert k.spectrum.n_points < s.n_points and k.window_hz[0] > 0.5  # the < 1 Hz artefact is cropped
    d = er.drt(k.spectrum)
    assert any(abs(p.tau_s / 3e-3 - 1) < 0.5 for p in d.peaks)
    f = er.fit(k.spectrum, "L0-R0-p(R1,C1)-p(R2,CPE2)-p(R3,CPE3)")
    r3 = f.parameters.set_index("element").loc["R3"]
    assert r3["r_ohm_cm2"] == pytest.approx(300, rel=0.05) and r3["tau_s"] == pytest.approx(3e-3, rel=0.2)
    import numpy as np

    z = k.spectrum.impedance
    assert np.median(abs(f.predict() - z) / abs(z)) < 0.01  # the model through the data (kept edge: the artefact)
    for obj, start in ((s, "Spectrum("), (k, "KK(kept "), (d, "DRT(3 peak"), (f, "Fit('L0-R0")):
        text = repr(obj)
        assert text.startswith(start) and "\n" not in text and len(text) < 300, text
    assert "R3 = 30" in repr(f) and "Ω cm²" in repr(f)


def test_plot_nyquist_draws_data_dropped_points_and_fit() -> None:
    import matplotlib

    matplotlib.use("Agg")
    s = er.read(FILE, area_cm2=0.5)
    k = er.kk(s)
    ax = er.plot.nyquist(k, fit=er.fit(k.spectrum, "L0-R0-p(R1,C1)-p(R2,CPE2)-p(R3,CPE3)"))
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["data", "dropped (KK)"] and labels[2].startswith("fit ")
    assert len(ax.get_lines()[1].get_xdata()) == s.n_points - k.spectrum.n_points


def test_old_module_paths_still_import_beside_the_api_names() -> None:
    from eisrecipe.methods import kk as new_kk

    with pytest.warns(DeprecationWarning, match="moved to eisrecipe.methods.kk"):
        import eisrecipe.kk as old
    with pytest.warns(DeprecationWarning):
        assert old.kk_test is new_kk.kk_test  # attributes of the old module path still there
    with pytest.warns(DeprecationWarning):
        from eisrecipe.drt import run_drt
    assert run_drt.__module__ == "eisrecipe.methods.drt"
    assert callable(er.kk) and callable(er.drt) and "API function" in repr(er.kk)  # not shadowed by the modules


@pytest.mark.slow
def test_run_cell_writes_what_the_workflow_writes(tmp_path: Path) -> None:
    from test_reproducible import _workdir
    from test_workflow import snakemake

    root = _workdir(tmp_path / "w")
    run = snakemake(root, "--config", "dataset=data/tiny")
    assert run.returncode == 0, run.stderr[-3000:]
    c = er.run_cell(root / "data" / "tiny", "cellA", results=tmp_path / "api", config=REPO / "config.yaml")
    assert repr(c).startswith("CellRun('cellA': ") and c.verdict["dominant_interface_process"]
    workflow = root / "results" / "tiny" / "cellA"
    names = ["spectra.csv", "validation.json", "drt.csv", "peaks.csv", "tracks.csv", "steps12.json", "fits.csv",
             "steps36.json", "confidence.json", "arrhenius.csv", "verdict.json"]  # fmt: skip
    differ = [n for n in names if not filecmp.cmp(workflow / n, tmp_path / "api" / "cellA" / n, shallow=False)]
    assert not differ, differ
    assert (tmp_path / "api" / "cellA" / "report.html").is_file()
    with pytest.raises(InputError, match="no cell 'nope'"):
        er.run_cell(root / "data" / "tiny", "nope", results=tmp_path / "api", config=REPO / "config.yaml")
