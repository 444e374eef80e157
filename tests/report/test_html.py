"""report.html: self-contained, every section and figure present, byte-identical on re-render; the summary."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

from eisrecipe.report import load_cell
from eisrecipe.report.formatting import fmt, fmt_pm
from eisrecipe.report.html import relativize, render_cell_report, render_summary, summary_table, write_summary

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
        assert src.startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).lstrip().startswith(b"<?xml")


def test_every_section_and_figure_is_present(pressure_html: str, cells_dir: Path) -> None:
    positions = [pressure_html.index(f'<section id="{s}">') for s in SECTIONS]
    assert positions == sorted(positions)  # verdict first
    # nyquist, bode, kk residuals, drt, series fit, trends (no Arrhenius for a pressure series)
    assert len(_images(pressure_html)) == 6
    temp_html = render_cell_report(load_cell(cells_dir / "tempCell"), versions=VERSIONS)
    assert len(_images(temp_html)) == 6  # nyquist, bode, kk, drt, temperature fit, arrhenius
    assert "0.370 ± 0.010" in temp_html


def test_verdict_steps_and_numbers(pressure_html: str) -> None:
    verdict = pressure_html[pressure_html.index('id="verdict"') : pressure_html.index('id="data"')]
    assert "constriction" in verdict and "Cell pressureCell: constriction limits the interface." in verdict
    assert 'class="badge supports"' in verdict and 'class="badge not_applicable"' in verdict
    assert "&lt; 6.90&nbsp;Ω cm<sup>2</sup>" in verdict  # the R_Pol upper bound
    assert "1.230×10<sup>−4</sup>" in verdict


def test_provenance_and_excluded_carry_no_absolute_paths(pressure_html: str, cells_dir: Path) -> None:
    assert str(cells_dir) not in pressure_html
    assert "bad.txt, line 3: not a number" in pressure_html
    assert "0" * 63 + "1" in pressure_html  # SHA-256 of an input file
    assert "0.0.test" in pressure_html and "&#34;x&#34;: 1" in pressure_html


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
