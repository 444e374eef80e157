"""Figures of the report: one per plot, from hand-made stage outputs; model curves rebuilt from fits.csv."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from eisrecipe.report import CellData, load_cell
from eisrecipe.report import figures as F

PLOTS = ["nyquist_figure", "bode_figure", "kk_residual_figure", "drt_figure", "trends_figure", "arrhenius_figure"]


def test_pressure_cell_has_every_figure_but_arrhenius(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    figs = {name: getattr(F, name)(cell) for name in PLOTS}
    assert figs["arrhenius_figure"] is None
    assert all(isinstance(f, Figure) for k, f in figs.items() if k != "arrhenius_figure")
    assert list(F.fit_figures(cell)) == ["series"]
    # contact area given: a second row of panels (log R, log C against log A) with the +-1 reference slopes
    assert len(figs["trends_figure"].axes) == 4


def test_temperature_cell_has_arrhenius_and_no_trends(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "tempCell")
    assert F.trends_figure(cell) is None
    fig = F.arrhenius_figure(cell)
    assert isinstance(fig, Figure)
    assert any("Ea = 0.370" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert list(F.fit_figures(cell)) == ["temperature"]


def test_arrhenius_figure_shows_the_joint_fit_beside_the_two_stage_line(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "tempCell")
    joint = cell.arrhenius.assign(ea_joint_ev=0.368, ea_joint_stderr_ev=0.004, ln_prefactor_joint=10.1, joint_ok=True)
    ax = F.arrhenius_figure(replace(cell, arrhenius=joint)).axes[0]
    assert any("joint 0.368 ± 0.004 eV" in t.get_text() for t in ax.get_legend().get_texts())
    assert sum(line.get_linestyle() == "--" for line in ax.get_lines()) == 1
    # a flagged joint fit is not drawn
    ax = F.arrhenius_figure(replace(cell, arrhenius=joint.assign(joint_ok=False))).axes[0]
    assert not any("joint" in t.get_text() for t in ax.get_legend().get_texts())


def test_empty_cell_gives_no_figures() -> None:
    cell = CellData(cell="void")
    assert all(getattr(F, name)(cell) is None for name in PLOTS)
    assert F.fit_figures(cell) == {}


def test_model_impedance_reproduces_the_data_the_fit_was_made_from(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    for spectrum, rows in cell.fits.groupby("spectrum"):
        data = cell.spectra[cell.spectra["spectrum"] == spectrum]
        z = data["z_real_ohm_cm2"].to_numpy() + 1j * data["z_imag_ohm_cm2"].to_numpy()
        zm = F.model_impedance(rows, data["frequency_hz"].to_numpy())
        np.testing.assert_allclose(zm, z, rtol=1e-6)


def test_model_impedance_limits_and_inductance() -> None:
    rows = pd.DataFrame(
        [
            {"element": "bulk", "kind": "RC", "r_ohm_cm2": 100.0, "tau_s": 1e-6, "alpha": 1.0, "c_f_cm2": 1e-8,
             "r_inf_ohm_cm2": 5.0, "l_h_cm2": 1e-7},
            {"element": "int", "kind": "RCPE", "r_ohm_cm2": 50.0, "tau_s": 1e-3, "alpha": 0.8, "c_f_cm2": 2e-5,
             "r_inf_ohm_cm2": 5.0, "l_h_cm2": 1e-7},
        ]
    )  # fmt: skip
    z = F.model_impedance(rows, np.array([1e-6, 1e9]))
    assert z[0].real == pytest.approx(155.0, rel=1e-4)  # DC limit: R_inf + sum R
    assert z[1].imag == pytest.approx(2 * np.pi * 1e9 * 1e-7, rel=1e-3)  # the inductance dominates at high f


def test_svg_is_byte_stable_and_carries_no_date(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    a, b = F.figure_svg(F.nyquist_figure(cell)), F.figure_svg(F.nyquist_figure(cell))
    assert a == b
    assert "<dc:date>" not in a and "Matplotlib v" not in a
    # text as text (svg.fonttype none: cheap to write), in DejaVu Sans or else the viewer's sans-serif
    assert "<text" in a and "sans-serif" in a and '<path id="DejaVuSans' not in a
