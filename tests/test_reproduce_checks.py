"""The reproduction's 'Why ours differs' machinery: weighted slopes, the closed forms, the cheap checks and the
report section (eisrecipe.reproduction)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from eisrecipe.network.scenarios import Material
from eisrecipe.reproduction import (
    CHECK_COLUMNS,
    LONG_COLUMNS,
    difference_checks,
    loglog_slope,
    sei_int_closed_form,
    slopes,
    spot_spreading_ohm_cm2,
    tau_on_bound,
    why_notes,
    write_report,
)


def test_weighted_slope_discounts_uncertain_points() -> None:
    a = np.array([0.7, 0.5, 0.35, 0.22, 0.1])
    y = 0.5 * a
    y_bad = y.copy()
    y_bad[-1] *= 1.5  # the smallest-A point off by 50 % ...
    err = 0.002 * y
    err[-1] = 0.5 * y[-1]  # ... and known to be uncertain
    s_w, e_w = loglog_slope(a, y_bad, err)
    s_u, _ = loglog_slope(a, y_bad)
    assert abs(s_w - 1.0) < 0.01 < abs(s_u - 1.0)
    assert np.isfinite(e_w)
    # any missing error: unweighted
    assert loglog_slope(a, y_bad, [*err[:-1], math.nan])[0] == pytest.approx(s_u)


def test_slopes_count_a_repeated_contact_fraction_once() -> None:
    rows = []
    for a, v in ((0.28, 1.0), (0.28, 1.0), (0.28, 1.0), (0.5, 0.5), (0.7, 0.4)):
        rows.append(
            {
                "series": "p_x_frame",
                "kind": "pressure",
                "tau_order": "x",
                "morphology": "frame",
                "param_set": "",
                "spectrum": f"s{a}",
                "contact_fraction": a,
                "temperature_c": 25.0,
                "source": "exact_drt",
                "quantity": "r_ct",
                "value": v,
                "stderr": math.nan,
            }
        )
    long = pd.DataFrame(rows, columns=LONG_COLUMNS)
    once = loglog_slope([0.28, 0.5, 0.7], [1.0, 0.5, 0.4])[0]
    assert slopes(long, "x", "exact_drt", "r_ct") == [pytest.approx(once)]


def test_slopes_leave_out_fitted_points_on_their_tau_bound() -> None:
    """A fitted CT element whose ln tau ended on its element-order bound is not determined by the data: its
    points leave the analysis slope (the exact-DRT one keeps them)."""
    flags = (
        "p_x_spot_A005p0:ct.ln_tau ended on its bound (element order / CPE range); "
        "p_x_spot_A010p0:cstr.alpha ended on its bound (element order / CPE range)"
    )
    assert tau_on_bound(flags) == {("p_x_spot_A005p0", "ct")}
    assert tau_on_bound("") == set()
    rows = []
    for a in (0.7, 0.5, 0.22, 0.1, 0.05):
        base = dict.fromkeys(LONG_COLUMNS, "")
        base.update(
            series="p_x_spot",
            kind="pressure",
            tau_order="x",
            spectrum=f"p_x_spot_A{a * 100:05.1f}".replace(".", "p"),
            contact_fraction=a,
            temperature_c=25.0,
            stderr=math.nan,
        )
        bad = 20.0 if a == 0.05 else 1.0  # the pinned point: 20 x off
        rows.append({**base, "source": "analysis", "quantity": "c_ct", "value": bad * 1e-4 / a})
        rows.append({**base, "source": "exact_drt", "quantity": "c_ct", "value": bad * 1e-4 / a})
    rows.append({**rows[-1], "source": "analysis", "quantity": "tau_on_bound_ct", "value": 1.0})
    long = pd.DataFrame(rows, columns=LONG_COLUMNS)
    assert slopes(long, "x", "analysis", "c_ct") == [pytest.approx(-1.0)]
    assert slopes(long, "x", "exact_drt", "c_ct")[0] < -1.3


def test_closed_forms() -> None:
    m = Material()
    # NETWORK.md closed form 5 at A = 4 % in the 100 um cube: f(0.2) = 0.718, a = 11.3 um -> 34.7 ohm cm2
    assert spot_spreading_ohm_cm2(0.04, m.sigma_bulk_s_cm) == pytest.approx(34.7, rel=0.01)
    r = sei_int_closed_form(0.04, m)
    assert r == pytest.approx(1 / (1 / 34.7 + 0.96 / m.r_sei_ohm_cm2), rel=0.01)
    # R_Int -> R_SEI as A -> 0
    assert sei_int_closed_form(1e-5, m) / m.r_sei_ohm_cm2 > 0.95


def test_checks_and_report_section(tmp_path) -> None:
    checks = difference_checks(
        span_voxels=(10.0,), sei_voxels=(10.0,), finer_voxel=10.0, finer_correlations=(15.0,), ct_voxels=(10.0,)
    )
    assert list(checks.columns) == CHECK_COLUMNS
    assert set(checks["check"]) == {"span", "sei", "finer", "ct_mode"}
    # tau_CT < tau_Cstr at A = 4 %: the exact CT mode is faster than R_Pol C_DL (0.81 at 10 um), its capacitance
    # stays C_DL / A, and tau follows R_Cstr / (R_Cstr + R_Pol / A) (0.81)
    ct = checks[checks["check"] == "ct_mode"].set_index("quantity")["value"]
    assert ct["tau_ct_ratio"] < 0.9 and abs(ct["c_ct_ratio"] - 1) < 0.05
    assert ct["tau_ct_ratio"] == pytest.approx(ct["r_cstr_share"], abs=0.05)
    span = checks[(checks["check"] == "span") & (checks["quantity"] == "tau_cstr")]
    for _, g in span.groupby("morphology"):
        g = g.sort_values("contact_fraction")
        assert g["value"].iloc[0] > 10 * g["value"].iloc[-1]  # tau_Cstr falls by more than a decade with A
    sei = checks[checks["check"] == "sei"].set_index("quantity")["value"]
    assert 1.0 < sei["r_int"] / sei["r_int_closed_form"] < 1.5  # grid excess over the closed form at 10 um
    notes = why_notes(pd.DataFrame(columns=LONG_COLUMNS), checks)
    titles = [t for t, _ in notes]
    assert any("tau_Cstr" in t for t in titles) and any("finer" in t for t in titles)
    assert any("R_CT slope above 1" in t for t in titles)
    html = tmp_path / "r.html"
    from eisrecipe.reproduction import TABLE_COLUMNS

    write_report(
        pd.DataFrame(columns=TABLE_COLUMNS),
        pd.DataFrame(columns=LONG_COLUMNS),
        str(tmp_path / "r.csv"),
        str(html),
        checks=checks,
    )
    assert "Why ours differs" in html.read_text()


def test_published_values_and_one_line_page(tmp_path) -> None:
    """The published values come from the package data file; the page's own markup renders through its template
    as one line (only the inline SVG figures keep line breaks), text escaped as html.escape does."""
    from eisrecipe.reproduction.published import published

    pub = published()
    assert pub.slopes[("cstr_lt_ct", "r_ct")].text == "-1.03 .. -1.08"
    assert pub.ea_cstr["ct_lt_cstr"]["rpol10"].is_range and not pub.ea_cstr["cstr_lt_ct"]["rpol10"].is_range
    assert pub.ea_lines_ev == [0.34, 0.35, 0.43]
    from eisrecipe.reproduction import TABLE_COLUMNS

    table = pd.DataFrame([dict.fromkeys(TABLE_COLUMNS, "a 'b' <c>") | {"ours": 1.23456, "agrees": "yes"}])
    html = tmp_path / "r.html"
    write_report(table, pd.DataFrame(columns=LONG_COLUMNS), str(tmp_path / "r.csv"), str(html), meta="m & n")
    text = html.read_text()
    assert "\n" not in text[: text.index("<figure>")] and text.endswith("</figure></body></html>\n")
    assert '<tr class="ok">' in text and "<td>1.235</td>" in text and "a &#x27;b&#x27; &lt;c&gt;" in text
    assert "<p>m &amp; n</p>" in text
