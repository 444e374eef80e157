"""``parameters.xlsx`` (every fitted parameter against pressure and temperature, units in the headers) and the
summary's cross-cell figures, on the hand-made cells of conftest.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from eisrecipe.report import load_cell
from eisrecipe.report.dataset_figures import dataset_plots
from eisrecipe.report.html import summary_table
from eisrecipe.report.workbook import r_int_by_spectrum, write_parameters_workbook
from eisrecipe.stages.summary import write_dataset_summary


def _sheet(path: Path, name: str) -> pd.DataFrame:
    ws = load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_workbook_holds_every_fitted_parameter_with_units(tmp_path: Path, cells_dir: Path) -> None:
    cells = [load_cell(cells_dir / "pressureCell"), load_cell(cells_dir / "tempCell")]
    path = tmp_path / "parameters.xlsx"
    names = write_parameters_workbook(path, cells, "demo")
    assert names == ["about", "pressure series", "temperature", "Arrhenius"]
    assert load_workbook(path).sheetnames == names
    for fit, sheet in (("series", "pressure series"), ("temperature", "temperature")):
        table = _sheet(path, sheet)
        for cell in cells:
            fits = cell.fits[cell.fits["fit"] == fit]
            for rec in fits.to_dict(orient="records"):  # every fitted value, under a header with its unit
                row = table[(table["cell"] == cell.cell) & (table["spectrum"] == rec["spectrum"])].iloc[0]
                el = rec["element"]
                assert row[f"R_{el} (Ω cm²)"] == pytest.approx(rec["r_ohm_cm2"])
                assert row[f"stderr R_{el} (Ω cm²)"] == pytest.approx(rec["r_stderr_ohm_cm2"])
                assert row[f"C_{el} (F cm⁻²)"] == pytest.approx(rec["c_f_cm2"])
                assert row[f"tau_{el} (s)"] == pytest.approx(rec["tau_s"])
                assert row[f"alpha_{el} (1)"] == pytest.approx(rec["alpha"])
    series = _sheet(path, "pressure series")
    assert list(series["pressure (MPa)"]) == [10.0, 41.0, 400.0]
    int_r = cells[0].fits.set_index("spectrum").query("element == 'int'")["r_ohm_cm2"]
    assert list(series["R_Int (Ω cm²)"]) == pytest.approx(list(int_r))  # one interface element: R_Int = R_int
    temperature = _sheet(path, "temperature")
    assert list(temperature["temperature (°C)"]) == [0.0, 25.0, 60.0]
    assert temperature["1000/T (K⁻¹)"].iloc[0] == pytest.approx(1000 / 273.15)
    arrhenius = _sheet(path, "Arrhenius")
    assert arrhenius.loc[0, "cell"] == "tempCell" and arrhenius.loc[0, "Ea two-stage (eV)"] == pytest.approx(0.37)


def test_workbook_is_byte_stable(tmp_path: Path, cells_dir: Path) -> None:
    cells = [load_cell(cells_dir / "pressureCell")]
    write_parameters_workbook(tmp_path / "a.xlsx", cells)
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z</dcterms:modified>" in z.read("docProps/core.xml")
    write_parameters_workbook(tmp_path / "b.xlsx", cells)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_r_int_sums_the_interface_elements(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    fits = cell.fits.copy()
    extra = fits[fits["element"] == "int"].assign(element="ct", r_ohm_cm2=1.0, r_stderr_ohm_cm2=0.5)
    cell = type(cell)(**{**cell.__dict__, "fits": pd.concat([fits, extra], ignore_index=True)})
    r_int = r_int_by_spectrum(cell)
    assert list(r_int["elements"]) == ["int+ct"] * 3
    own = fits[fits["element"] == "int"].set_index("spectrum")
    for rec in r_int.to_dict(orient="records"):
        assert rec["r_int_ohm_cm2"] == pytest.approx(own.loc[rec["spectrum"], "r_ohm_cm2"] + 1.0)
        assert rec["r_int_stderr_ohm_cm2"] == pytest.approx(
            (own.loc[rec["spectrum"], "r_stderr_ohm_cm2"] ** 2 + 0.25) ** 0.5
        )
    assert "bulk" not in "".join(r_int["elements"]) and "gb" not in "".join(r_int["elements"])


def test_summary_has_cross_cell_figures_and_links_the_workbook(tmp_path: Path, cells_dir: Path) -> None:
    cells = [load_cell(cells_dir / "pressureCell"), load_cell(cells_dir / "tempCell")]
    plots = dataset_plots(cells, summary_table(cells))
    assert [p.name for p in plots] == ["r_int_pressure", "ea_cells"]
    assert set(plots[0].data["cell"]) == {"pressureCell"} and len(plots[0].data) == 3
    assert plots[1].data.to_dict(orient="records")[0] | {"ea_stderr_ev": None} == {
        "cell": "tempCell", "element": "int", "ea_ev": 0.37, "ea_stderr_ev": None}  # fmt: skip

    import shutil

    results = tmp_path / "results"
    for c in ("pressureCell", "tempCell"):
        shutil.copytree(cells_dir / c, results / c)
        (results / c / "report.html").write_text("<html></html>")
    finished, failed = write_dataset_summary(
        results, ["pressureCell", "tempCell"], results / "summary.csv", results / "summary.html", "demo",
        xlsx_path=results / "parameters.xlsx", figures_dir=results / "summary_figures",
    )  # fmt: skip
    assert finished == ["pressureCell", "tempCell"] and failed == []
    html = (results / "summary.html").read_text()
    assert 'href="parameters.xlsx"' in html and html.count('<img src="data:image/png;base64,') == 2
    assert sorted(p.name for p in (results / "summary_figures").iterdir()) == [
        f"{n}.{e}" for n in ("ea_cells", "r_int_pressure") for e in ("csv", "png", "svg")
    ]
    assert load_workbook(results / "parameters.xlsx").sheetnames[0] == "about"


def test_summary_of_a_run_that_failed_before_any_cell_finished(tmp_path: Path) -> None:
    # the workflow's error handler writes the summary whatever state the run is in; with no cell's outputs yet the
    # cross-cell R_Int plot concatenated nothing and the handler itself crashed (a killed validation-matrix run)
    assert dataset_plots([], summary_table([])) == []
    results = tmp_path / "results"
    results.mkdir()
    finished, failed = write_dataset_summary(
        results, ["a", "b"], results / "summary.csv", results / "summary.html", "demo",
        xlsx_path=results / "parameters.xlsx", figures_dir=results / "summary_figures",
    )  # fmt: skip
    assert finished == [] and failed == ["a", "b"]
    assert (results / "summary.html").exists()
