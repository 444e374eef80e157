"""report.html: self-contained, every section and figure present, byte-identical on re-render; the summary."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from eisrecipe.report import load_cell
from eisrecipe.report.formatting import fmt, fmt_pm
from eisrecipe.report.html import (
    cell_config,
    prose,
    readable,
    relativize,
    render_cell_report,
    render_summary,
    summary_table,
    write_cell_report,
    write_summary,
)

SECTIONS = ["verdict", "data", "drt", "fits", "steps", "arrhenius", "decision", "excluded", "provenance"]
VERSIONS = {"eisrecipe": "0.0.test", "numpy": "1"}


@pytest.fixture(scope="module")
def pressure_html(cells_dir: Path) -> str:
    return render_cell_report(load_cell(cells_dir / "pressureCell"), {"kk": {"x": 1}}, "mini", VERSIONS)


def _images(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


def test_report_is_self_contained(pressure_html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", pressure_html)
    assert "<script" not in pressure_html and "<link" not in pressure_html and "@import" not in pressure_html
    for src in _images(pressure_html):
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")


def test_every_section_and_figure_is_present(pressure_html: str, cells_dir: Path) -> None:
    positions = [pressure_html.index(f'<section id="{s}">') for s in SECTIONS]
    assert positions == sorted(positions)  # verdict first
    # nyquist, bode, kk residuals, drt, series fit, trends (no Arrhenius for a pressure series)
    assert len(_images(pressure_html)) == 6
    temp_html = render_cell_report(load_cell(cells_dir / "tempCell"), versions=VERSIONS)
    assert len(_images(temp_html)) == 6  # nyquist, bode, kk, drt, temperature fit, arrhenius
    assert "0.370 ± 0.010" in temp_html
    assert "two-stage Arrhenius fit" in temp_html  # which Ea the verdict uses


def test_verdict_steps_and_numbers(pressure_html: str) -> None:
    verdict = pressure_html[pressure_html.index('id="verdict"') : pressure_html.index('id="data"')]
    assert "constriction" in verdict and "Cell pressureCell: constriction limits the interface." in verdict
    assert 'class="badge supports"' in verdict and 'class="badge not_applicable"' in verdict
    assert "&lt; 6.90&nbsp;Ω cm<sup>2</sup>" in verdict  # the R_Pol upper bound
    assert "1.23×10<sup>−4</sup>" in verdict  # 3 significant digits
    assert "tau (s)" in verdict and "{" not in verdict.split("<style>")[-1]  # keys as words, no raw JSON


def test_provenance_and_excluded_carry_no_absolute_paths(pressure_html: str, cells_dir: Path) -> None:
    assert str(cells_dir) not in pressure_html
    assert "bad.txt, line 3: not a number" in pressure_html
    assert "0" * 63 + "1" in pressure_html  # SHA-256 of an input file
    assert "0.0.test" in pressure_html and "kk:\n  x: 1" in pressure_html


def test_rerender_is_byte_identical(pressure_html: str, cells_dir: Path) -> None:
    again = render_cell_report(load_cell(cells_dir / "pressureCell"), {"kk": {"x": 1}}, "mini", VERSIONS)
    assert again == pressure_html


def test_report_survives_missing_outputs(tmp_path: Path, cells_dir: Path) -> None:
    (tmp_path / "validation.json").write_text((cells_dir / "tempCell" / "validation.json").read_text())
    html = render_cell_report(load_cell(tmp_path), versions=VERSIONS)
    assert "no verdict" in html and all(f'<section id="{s}">' in html for s in SECTIONS)


def test_summary_table_and_page(tmp_path: Path, cells_dir: Path) -> None:
    cells = [load_cell(cells_dir / "tempCell"), load_cell(cells_dir / "pressureCell")]
    table = summary_table(cells)
    assert list(table["cell"]) == ["pressureCell", "tempCell"]
    assert table.loc[1, "ea_int_ev"] == pytest.approx(0.37)
    assert table.loc[0, "r_pol_upper_bound_ohm_cm2"] == pytest.approx(6.9)
    write_summary(tmp_path / "summary.csv", tmp_path / "summary.html", table, "mini")
    assert len(pd.read_csv(tmp_path / "summary.csv")) == 2
    page = (tmp_path / "summary.html").read_text()
    assert '<a href="tempCell/report.html">tempCell</a>' in page
    assert render_summary(table, "mini") == page


def test_number_formatting_and_paths() -> None:
    assert str(fmt_pm(2.6523e-7, 7.8e-9, "f_cm2")) == "(2.652 ± 0.078)×10<sup>−7</sup>&nbsp;F cm<sup>−2</sup>"
    assert str(fmt_pm(300.2013, 1.4685, "ohm_cm2")) == "300.2 ± 1.5&nbsp;Ω cm<sup>2</sup>"
    assert str(fmt(None)) == "–" and str(fmt(3)) == "3" and str(fmt(0.00123456)) == "0.00123"
    assert relativize("/tmp/a/b/data/x/f.txt, line 2: bad; 1/A ok") == "f.txt, line 2: bad; 1/A ok"


def test_an_r_pol_bound_shows_the_tau_range_it_covers() -> None:
    from eisrecipe.report.html import _r_pol

    bound = {"upper_bound_ohm_cm2": 1.4187, "bound_rule": "fit-based", "tau_range_s": [1.4e-4, 1.5e-4]}
    assert str(_r_pol({"r_pol": bound}, {})) == (
        "&lt; 1.42&nbsp;Ω cm<sup>2</sup> (upper bound, tau_CT 0.00014 to 0.00015 s only)"
    )
    noise_rule = {"upper_bound_ohm_cm2": 1.4187, "bound_rule": "3 x noise"}
    assert str(_r_pol({"r_pol": noise_rule}, {})).endswith(" (upper bound)")


def test_readable_evidence_and_prose() -> None:
    html = str(readable({"r_ratio": 0.5354246676087909, "kept_window_hz": {"a": [208.48746, 7e6]}, "ok": True}))
    assert "0.535" in html and "0.5354246" not in html
    assert "kept window (Hz)" in html and "208 – 7.00×10<sup>6</sup>" in html and "yes" in html
    tracks = str(readable([{"track": 2, "label": "int1"}, {"track": 3, "label": "int2"}]))
    assert tracks.count("<tr>") == 3 and 'class="wrap"' in tracks  # a small table in a scrolling wrapper
    assert prose("R_CT <= 7.09 ohm cm^2, Ea = 0.371 +- 0.009 eV, C 1.4e-11 F") == (
        "R_CT ≤ 7.09 Ω cm², Ea = 0.371 ± 0.009 eV, C 1.4×10⁻¹¹ F"
    )


def test_later_verdict_keys_render_when_present(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    extra = {
        "confidence": 0.82,
        "process_probabilities": {"constriction": 0.82, "charge_transfer": 0.18},
        "gates": {"kk": "passed"},
    }
    html = render_cell_report(replace(cell, verdict={**cell.verdict, **extra}), versions=VERSIONS)
    assert "Confidence: <b>82&nbsp;%</b>" in html and "charge transfer" in html and "Gates of the decision" in html
    assert "Confidence" not in render_cell_report(cell, versions=VERSIONS)


def test_fit_table_lists_flags_once_per_fit(cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    fits = cell.fits.assign(flags="s0:gb.alpha ended on its bound")
    html = render_cell_report(replace(cell, fits=fits), versions=VERSIONS)
    assert html.count("s0:gb.alpha ended on its bound") == 1


def test_provenance_keeps_only_this_cells_overrides() -> None:
    config = {"drt": {"data": "real", "cells": {"A": {"data": "both"}, "B": {"data": "imag"}}}, "kk": {"x": 1}}
    assert cell_config(config, "A")["drt"] == {"data": "both", "overridden for this cell": ["data"]}
    assert cell_config(config, "C")["drt"] == {"data": "real"}


def test_provenance_says_which_file_set_what_for_this_cell() -> None:
    config = {"drt": {"data": "real"}, "set by": {"data/d/config.yaml": ["drt.cells.A.data", "crop.kk_threshold"],
                                                 "--config": ["drt.cells.B.data"]}}  # fmt: skip
    assert cell_config(config, "A")["set by"] == {"data/d/config.yaml": ["drt.cells.A.data", "crop.kk_threshold"]}
    assert cell_config(config, "B")["set by"] == {
        "data/d/config.yaml": ["crop.kk_threshold"],
        "--config": ["drt.cells.B.data"],
    }


def test_write_figures_svg_png_csv(tmp_path: Path, cells_dir: Path) -> None:
    cell = load_cell(cells_dir / "pressureCell")
    write_cell_report(tmp_path / "report.html", cell, figures_dir=tmp_path / "figures", versions=VERSIONS)
    names = {p.stem for p in (tmp_path / "figures").glob("*.csv")}
    assert names == {"nyquist", "bode", "kk_residuals", "drt", "fit_series", "trends"}
    for name in names:
        assert (tmp_path / "figures" / f"{name}.svg").read_text().startswith("<?xml")
        assert (tmp_path / "figures" / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    nyquist = pd.read_csv(tmp_path / "figures" / "nyquist.csv")
    assert {"spectrum", "series", "pressure_mpa", "frequency_hz", "z_real_ohm_cm2", "kept"} <= set(nyquist.columns)
