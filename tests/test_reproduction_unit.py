"""Unit tests of eisrecipe.reproduction: plan, statistics and table assembly on hand-made long tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from eisrecipe.errors import InputError
from eisrecipe.reproduction import LONG_COLUMNS, TABLE_COLUMNS, assemble, loglog_slope, series_plan, span_decades


def test_loglog_slope_and_stderr() -> None:
    a = np.array([1.0, 0.5, 0.25, 0.1])
    s, e = loglog_slope(a, 3.0 / a)
    assert s == pytest.approx(-1.0) and e == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(loglog_slope([1.0], [1.0])[0])


def test_span_decades() -> None:
    assert span_decades([1e-3, 1e-1, 1.0]) == pytest.approx(3.0)
    assert math.isnan(span_decades([1.0]))


def test_plan_sizes() -> None:
    full = series_plan({"size": "full"})
    names = [s.name for s in full]
    assert len(names) == len(set(names))
    assert sum(s.kind == "pressure" for s in full) == 3 * 7  # three orders x (spot, frame, 5 disordered)
    assert sum(s.kind == "temperature" for s in full) == 2 * 5
    assert names[-1] == "sei"
    small = series_plan({"size": "reduced", "sizes": {"reduced": {"n_disordered": 2}}})
    assert sum(s.morphology == "disordered" and s.kind == "pressure" for s in small) == 4
    with pytest.raises(InputError):
        series_plan({"size": "huge"})
    with pytest.raises(InputError):
        series_plan({"size": "reduced", "sizes": {"reduced": {"voxels": 3}}})


def _long() -> pd.DataFrame:
    rows = []
    for order, sign in (("cstr_lt_ct", -1), ("ct_lt_cstr", 1)):
        for a in (1.0, 0.5, 0.25, 0.1):
            base = {
                "series": f"p_{order}_spot",
                "kind": "pressure",
                "tau_order": order,
                "morphology": "spot",
                "param_set": "",
                "spectrum": f"s{a}",
                "contact_fraction": a,
                "temperature_c": 25.0,
                "stderr": math.nan,
            }
            rows.append({**base, "source": "analysis", "quantity": "r_ct", "value": 0.5 * a ** (1.05 * sign)})
            rows.append({**base, "source": "truth", "quantity": "r_dc", "value": 30.0 + 1 / a})
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def test_assemble_slopes_and_dc() -> None:
    table = assemble(_long())
    assert list(table.columns) == TABLE_COLUMNS
    r = table[(table["quantity"] == "slope_r_ct") & (table["source"] == "analysis")].set_index("finding")
    assert r.loc["log R_CT vs log A slope (cstr_lt_ct)", "ours"] == pytest.approx(-1.05)
    assert r.loc["log R_CT vs log A slope (cstr_lt_ct)", "agrees"] == "yes"
    assert r.loc["log R_CT vs log A slope (ct_lt_cstr)", "agrees"] == "yes"
    dc = table[(table["quantity"] == "r_dc_max_rel_spread") & (table["source"] == "ground truth")]
    assert dc["ours"].iloc[0] == pytest.approx(0.0) and dc["agrees"].iloc[0] == "yes"
