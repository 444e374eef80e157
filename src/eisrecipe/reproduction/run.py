"""The analysis chain on a simulated series, in-process: our DRT stage, Steps 3-6 fits, temperature fits and
Arrhenius table (the same stage functions the pipeline runs, called on the simulated Spectrum objects), then
:func:`run_series` = simulate + truth rows + analysis rows (the long table of one Snakemake job).

KK/cropping is skipped: the simulated spectra are exact Foster sums (KK-consistent by construction, no noise).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.methods.drt import DrtSettings
from eisrecipe.methods.peaks import peaks_frame
from eisrecipe.network.scenarios import SimulationResult, simulate
from eisrecipe.recipe.elements import DEFAULT_KINDS
from eisrecipe.recipe.step7 import arrhenius_table
from eisrecipe.recipe.temperature import run_cell_temperature_fits
from eisrecipe.reproduction.longtable import LONG_COLUMNS, ON_BOUND, row
from eisrecipe.reproduction.plan import SeriesSpec, scenarios
from eisrecipe.reproduction.truth import partition_exact_drt, truth_arrhenius_rows, truth_rows
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import FitStageSettings, run_cell_fits

__all__ = ["SIM_DRT", "SIM_FIT", "analysis_rows", "run_series", "tau_on_bound"]

log = logging.getLogger(__name__)


def _spectra(spec: SeriesSpec, results: Sequence[SimulationResult]) -> list[Any]:
    return [
        r.spectrum.with_meta(
            series=r.scenario.series,
            pressure_mpa=r.scenario.pressure_mpa,
            thickness_cm=r.scenario.grid.lz_cm,
            contact_fraction=r.contact_fraction,
        )
        for r in results
    ]


#: DRT settings for exact simulated spectra: besides the significance test (``peaks.min_snr``, judged against the
#: 0.1 % noise floor here) a prominence floor of 1 % of the tallest peak, as before significance decided existence
#: (the paper's R_Pol = 0.5 ohm cm^2 is ~2 % of R_Bulk, above it; discretisation ripples of the 3D network below);
#: the real part as before (the paper's data-part rule is for measured data; simulated data only need small
#: regularisation)
SIM_DRT = DrtStageSettings(prominence=0.01, drt=DrtSettings(data="real"))

#: Fit settings for the simulated series: the CT element is an ideal RC, as in the paper's Steps 3-4 ("three/four
#: RC elements") and in the simulator (one R_Pol || C_DL per contact pixel, one tau_CT). With the default R-CPE a
#: CT element too small to show a DRT peak (R_CT = R_Pol A ~ 0.02 ohm cm^2 at A = 5 % for tau_CT < tau_Cstr) has
#: an undetermined alpha/tau pair: the joint fit ran into scipy's evaluation limit (25-35 s per fit, measured on
#: p_ct_lt_cstr_spot, medium) before pruning it, while the RC fit converges in 0.1 s and resolves R_CT down to
#: A = 9 %. Bulk stays RC; GB and the constriction (distributed by nature) stay R-CPE.
SIM_FIT = FitStageSettings(kinds={**DEFAULT_KINDS, "ct": "RC"})


_ON_BOUND_FLAG = re.compile(r"([^\s;]+):([A-Za-z0-9_]+)\.ln_tau ended on its bound")


def tau_on_bound(flags: str) -> set[tuple[str, str]]:
    """(spectrum, element) pairs whose ln tau ended on its bound, from a fit's ``flags`` text
    (:func:`eisrecipe.fitting.fit_series`: ``<spectrum>:<element>.ln_tau ended on its bound ...``)."""
    return {(m.group(1), m.group(2)) for m in _ON_BOUND_FLAG.finditer(flags or "")}


def analysis_rows(spec: SeriesSpec, results: Sequence[SimulationResult]) -> list[dict[str, Any]]:
    """Our analysis of one series: DRT + Steps 1-6 (pressure, SEI) or temperature fits + Arrhenius.

    KK/cropping is skipped: the simulated spectra are exact Foster sums (KK-consistent by construction, no noise).
    A failing stage is logged and leaves the series without analysis rows (the table then says so).
    """
    spectra = _spectra(spec, results)
    by_name = {r.scenario.spectrum: r for r in results}
    rows: list[dict[str, Any]] = []
    try:
        drt = run_cell_drt(spec.name, spectra, SIM_DRT)
        if spec.kind == "temperature":
            rows += _temperature_analysis(spec, results, spectra, peaks_frame(drt.peaks))
            return rows
        if drt.tracking is None:
            log.warning("series %s: no DRT tracks", spec.name)
            return rows
        fits = run_cell_fits(spec.name, spectra, drt.tracking.to_frame(), drt.finding, SIM_FIT)
    except Exception:
        log.exception("analysis of series %s failed", spec.name)
        return rows
    table = fits.table
    series = table[table["fit"] == "series"]
    for _, f in series.iterrows():
        res = by_name[str(f["spectrum"])]
        el = str(f["element"])
        rows.append(row(spec, res, "analysis", f"r_{el}", f["r_ohm_cm2"], f["r_stderr_ohm_cm2"]))
        rows.append(row(spec, res, "analysis", f"c_{el}", f["c_f_cm2"], f["c_stderr_f_cm2"]))
        rows.append(row(spec, res, "analysis", f"tau_{el}", f["tau_s"], f["tau_stderr_s"]))
    flags = series["flags"].dropna().astype(str) if "flags" in series else pd.Series(dtype=str)
    for spectrum, el in sorted(set().union(*(tau_on_bound(f) for f in flags.unique()))):
        if spectrum in by_name:
            rows.append(row(spec, by_name[spectrum], "analysis", f"{ON_BOUND}{el}", 1.0))
    for name, g in series.groupby("spectrum"):
        res = by_name[str(name)]
        total = float(g["r_ohm_cm2"].sum() + g["r_inf_ohm_cm2"].iloc[0])
        rows.append(row(spec, res, "analysis", "r_dc", total))
        inter = g[g["element"].isin(["ct", "cstr", "int"])]
        if not inter.empty:
            ri = float(inter["r_ohm_cm2"].sum())
            ti = float(np.exp(np.sum(inter["r_ohm_cm2"] * np.log(inter["tau_s"])) / ri))
            rows.append(row(spec, res, "analysis", "r_interface", ri))
            rows.append(row(spec, res, "analysis", "tau_interface", ti))
            rows.append(row(spec, res, "analysis", "c_interface", ti / ri))
    rows.append(
        {
            **row(spec, results[0], "analysis", "branch_left", float(drt.finding.get("branch") == "left")),
            "spectrum": "",
        }
    )
    return rows


def _temperature_analysis(
    spec: SeriesSpec, results: Sequence[SimulationResult], spectra: Sequence[Any], peaks: pd.DataFrame
) -> list[dict[str, Any]]:
    """Temperature fits + Arrhenius. Peaks are assigned by capacitance against the exact-DRT window capacitances
    of the series' middle temperature (standing in for the same cell's pressure-series fits)."""
    mid = results[len(results) // 2]
    ref = [{"fit": "series", "element": k, "c_f_cm2": tau / r} for k, (r, tau) in partition_exact_drt(mid).items()]
    temp = run_cell_temperature_fits(spec.name, spectra, peaks, pd.DataFrame(ref))
    arr = arrhenius_table(temp.table, temp.findings)
    rows: list[dict[str, Any]] = []
    for _, a in arr.iterrows():
        r = row(spec, mid, "analysis", f"ea_{a['element']}", a["ea_ev"], a["ea_stderr_ev"])
        rows.append({**r, "spectrum": "", "temperature_c": math.nan})
    return rows


def run_series(spec: SeriesSpec) -> pd.DataFrame:
    """Simulate one series and analyse it: the long table (:data:`LONG_COLUMNS`)."""
    results = []
    for s in scenarios(spec):
        # DC decomposition (two extra DC solves) only where the element truth needs it
        results.append(simulate(s, decompose=True))
        log.info("simulated %s (A = %.3f, T = %g C)", s.spectrum, results[-1].contact_fraction, s.temperature_c)
    rows = truth_rows(spec, results)
    if spec.kind == "temperature":
        rows += truth_arrhenius_rows(spec, results)
    rows += analysis_rows(spec, results)
    return pd.DataFrame(rows, columns=LONG_COLUMNS)
