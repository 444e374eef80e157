"""An interface arc inside the grain boundary's DRT peak (issue 15): Step 4 adds an element beside the GB where the
series fit with a shared GB misses its data.

Known answers built here (Table 1, order tau_CT < tau_Cstr, no constriction large enough to show; capacitances of a
1 mm garnet pellet as in full matrix c208): bulk 100 ohm cm^2 at 20 ns, GB 60 ohm cm^2 at 2 us, charge transfer
R_CT = R_Pol A with R_Pol = 50 ohm cm^2 at 5 us (0.4 decade above the GB: one DRT peak, labelled GB), A from 0.4
to 1, 0.4 % noise. Tolerances: R_GB within 5 % and R_CT within 10 %
(the validation matrix's acceptance figures for R_GB and A(p)).
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import pressure_spectrum, rc

from eisrecipe.recipe.steps_1_2 import (
    FIT_SIGNAL_TRACK,
    Absence,
    fit_signal_finding,
    steps12_from_dict,
    with_fit_signal,
)
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import CellFits, run_cell_fits
from eisrecipe.stages.verdict import run_cell_verdict

CONTACT = [0.4, 0.55, 0.7, 0.85, 1.0]
R_GB, TAU_GB = 60.0, 2e-6
R_POL, TAU_CT = 50.0, 2e-6 * 10**0.4


def _series(r_pol: float) -> list[Spectrum]:
    f = np.logspace(6.7, -1, 78)
    out = []
    for i, a in enumerate(CONTACT):
        z = rc(f, 100.0, 2e-8) + rc(f, R_GB, TAU_GB)
        if r_pol > 0:
            z = z + rc(f, r_pol * a, TAU_CT)
        out.append(pressure_spectrum(f, z, "hid", 10.0 * (i + 1), None, 0.004, seed=40 + i))
    return out


def _fits(spectra: list[Spectrum]):
    drt = run_cell_drt("hid", spectra, DrtStageSettings())
    return drt, run_cell_fits("hid", spectra, drt.tracking.to_frame(), drt.finding)


def test_a_pressure_dependent_arc_inside_the_gb_peak_gets_its_own_element() -> None:
    drt, fits = _fits(_series(R_POL))
    assert not drt.finding["interface_tracks"]  # the DRT shows no interface peak: merged into the GB's
    beside = fits.finding.step4.beside_gb
    assert beside is not None and beside["included"], beside
    assert beside["misfit_without"] > 0.05 > beside["misfit_with"]
    rows = fits.table[fits.table["fit"] == "series"]
    gb = rows[rows["element"] == "gb"]["r_ohm_cm2"].iloc[0]
    assert gb == pytest.approx(R_GB, rel=0.05)
    element = beside["element"]
    r_ct = rows[rows["element"] == element].sort_values("pressure_mpa")["r_ohm_cm2"].to_numpy()
    assert r_ct == pytest.approx(R_POL * np.array(CONTACT), rel=0.10)
    (record,) = [e for e in fits.finding.interface_elements or () if e.element == element]
    assert record.tracks == () and "inside the GB" in record.role
    # Step 2 read on it (the DRT had nothing to judge): tau constant, R rising 2.5-fold, held at the highest pressure
    signal = fits.finding.fit_signal
    assert signal is not None and signal.behaviour == "charge_transfer", signal
    assert signal.present_at_lowest and signal.present_at_highest and signal.track == FIT_SIGNAL_TRACK
    # Step 3 from the series fit: alone, the highest-pressure spectrum cannot split the element from a free GB
    s3 = fits.finding.step3
    assert s3.resolved and s3.source is not None and s3.r_pol_ohm_cm2 == pytest.approx(R_POL, rel=0.10)
    # the verdict: one tau-constant interface signal at every pressure - charge transfer (Table 1, rule 4a)
    validation = {"spectra": [{"spectrum": sp.meta["spectrum"], "file": "x", "sha256": "0"} for sp in _series(R_POL)]}
    verdict = run_cell_verdict("hid", validation, {"steps_1_2": drt.finding}, fits.findings, fits.table).verdict
    assert verdict["dominant_interface_process"] == "charge_transfer", verdict["dominance"]
    assert verdict["tau_order"] == "ct_faster"


def test_a_fit_within_the_gate_keeps_its_model() -> None:
    """Bulk and GB alone: the shared GB fits every spectrum, nothing is tried."""
    _, fits = _fits(_series(0.0))
    assert fits.finding.step4.beside_gb is None
    assert fits.finding.interface_elements is None


def test_step_2_on_a_fitted_signal_follows_the_drt_rules() -> None:
    """The rules of Step 2 on fitted (R, tau) points: tau constant and R following R_Pol A -> charge transfer; tau
    shifting by a decade with R falling -> constriction; missing at the highest pressure -> not shown gone there
    (it may have merged into the GB) unless its absence is tested (Step 2 (ii) then: constriction dominates), else
    Steps 1-2 stay undetermined; a DRT track already there -> left alone."""
    series = [(f"p{k}", 10.0 * (k + 1)) for k in range(5)]

    def signal(rs: list[float], taus: list[float]):
        points = [(k, s, p, r, t) for k, ((s, p), r, t) in enumerate(zip(series, rs, taus, strict=False))]
        return fit_signal_finding(points, series)

    ct = signal([20.0, 27.5, 35.0, 42.5, 50.0], [5e-6] * 5)
    assert ct.behaviour == "charge_transfer" and ct.r_ratio == pytest.approx(2.5)
    cstr = signal([80.0, 40.0, 20.0, 8.0, 1.0], [1e-4, 4e-5, 2e-5, 1.5e-5, 1e-5])
    assert cstr.behaviour == "constriction"
    early = signal([80.0, 40.0, 20.0], [1e-4, 4e-5, 2e-5])
    assert not early.present_at_highest and early.behaviour == "constriction"  # by its own shift and fall
    base = steps12_from_dict(
        {"pristine_spectrum": "p0", "highest_spectrum": "p4", "n_signals_pristine": 2, "bulk_gb": {},
         "n_interface_pristine": 0, "branch": "none", "interface_tracks": [], "interface_at_highest": [],
         "conclusion": "undetermined", "tau_ct_s": None, "bulk_gb_stable": {}}
    )  # fmt: skip
    amended = with_fit_signal(base, ct)
    assert amended.branch == "right" and amended.conclusion == "charge_transfer_present"
    assert amended.tau_ct_s == pytest.approx(5e-6) and amended.interface_at_highest == (FIT_SIGNAL_TRACK,)
    assert with_fit_signal(base, early).conclusion == "undetermined"  # not shown gone at the highest pressure
    assert early.gone_at_highest is False
    # shown gone there (absence_beside_gb: the series fit's detection limit below 0.1 of its first R): Step 2 (ii)
    rs, taus = [80.0, 40.0, 20.0], [1e-4, 4e-5, 2e-5]
    early_points = [(k, *series[k], rs[k], taus[k]) for k in range(3)]
    gone = fit_signal_finding(early_points, series, absence=Absence(True, "test: gone"))
    assert gone.gone_at_highest and gone.behaviour == "constriction"
    amended_gone = with_fit_signal(base, gone)
    assert amended_gone is not base and amended_gone.interface_tracks == (gone,)
    assert amended_gone.conclusion == "constriction_dominates" and amended_gone.branch == "right"
    # one point at the lowest pressure: its R ratio says nothing, but shown gone it has changed - Step 2 (ii)
    single = fit_signal_finding([(0, "p0", 10.0, 20.0, 2e-5)], series, absence=Absence(True, "test: gone"))
    assert single.behaviour == "constriction" and with_fit_signal(base, single).conclusion == "constriction_dominates"
    not_shown = fit_signal_finding([(0, "p0", 10.0, 20.0, 2e-5)], series, absence=Absence(False, "test: merged"))
    assert with_fit_signal(base, not_shown) is base  # a flat single point, not shown gone: not added
    # shown gone, but never seen with pressure behaviour of its own: a middle-pressure point alone is no Step 2 (ii)
    middle = fit_signal_finding([(2, "p2", 30.0, 20.0, 2e-5)], series, absence=Absence(True, "test: gone"))
    amended_middle = with_fit_signal(base, middle)
    assert not middle.present_at_lowest and amended_middle is not base
    assert amended_middle.conclusion == "undetermined"
    assert with_fit_signal(base, None) is base
    assert with_fit_signal(amended, cstr) is amended  # Steps 1-2 with a track of their own are not amended
    # a flat signal beside the GB may be the GB's own heterogeneity: not added, whatever its tau
    flat = signal([30.0, 31.0, 29.5, 30.5, 30.0], [5e-6] * 5)
    assert flat.behaviour == "charge_transfer" and with_fit_signal(base, flat) is base


def test_the_element_s_name_and_a_broken_fit_s_misfit() -> None:
    """``int`` is Step 4 (ii)'s single interface element: beside other interface elements the added one is ``int2``
    (or the next free); a spectrum whose misfit is not finite misses its data (as the residual gate reads it)."""
    from eisrecipe.recipe.steps_3_6 import _free_name, _misfit_near_gb

    assert _free_name("int", ["bulk", "gb"]) == "int"
    assert _free_name("int", ["bulk", "gb", "ct", "cstr"], first=2) == "int2"
    assert _free_name("int", ["bulk", "gb", "int", "int2"], first=2) == "int3"

    f = np.logspace(6, -1, 8)
    tau = {"a": 1e-4, "b": 1e-4}  # the GB's apex at 1.6 kHz
    frequency = {"a": f, "b": f}
    broken = np.full(8, 0.01 + 0j)
    broken[3] = np.nan
    for residuals in ({"a": broken, "b": np.full(8, 0.01 + 0j)}, {"b": np.full(8, 0.01 + 0j), "a": broken}):
        assert _misfit_near_gb(residuals, frequency, tau) == float("inf")
    assert _misfit_near_gb({"a": np.full(8, 0.02 + 0j), "b": np.full(8, 0.01j)}, frequency, tau) == pytest.approx(0.02)


def test_the_misfit_that_adds_the_element_is_read_near_the_gb() -> None:
    """An element within a decade above the GB mends a misfit there, not four decades below it: the trigger reads
    the frequencies from a decade below the slowest tau it may take to a decade above the GB's (15.9 Hz - 15.9 kHz
    for a GB at 0.1 ms, apex 1.59 kHz). A low-frequency tail of 9 % at 0.1-1 Hz (a confidence replica's window moved
    outward) is not read, nor one at 5 Hz; the same misfit at 32 Hz, 100 Hz or 10 kHz is, at 25 kHz it is not."""
    from eisrecipe.recipe.steps_3_6 import _misfit_near_gb

    f = np.logspace(6, -1, 141)  # twenty points per decade

    def misfit_at(log10_f_hz: float) -> float:
        residual = np.where(np.abs(np.log10(f) - log10_f_hz) < 0.06, 0.09j, 0.004 + 0.0j)  # three points
        return _misfit_near_gb({"a": residual}, {"a": f}, {"a": 1e-4})

    tail = np.where(f < 1.0, 0.09j, 0.004 + 0.0j)
    assert _misfit_near_gb({"a": tail}, {"a": f}, {"a": 1e-4}) == pytest.approx(0.004)
    for outside in (0.7, 4.4):
        assert misfit_at(outside) == pytest.approx(0.004), outside
    for inside in (1.5, 2.0, 4.0):
        assert misfit_at(inside) == pytest.approx(0.09), inside
    assert np.isnan(_misfit_near_gb({"a": tail}, {"a": f}, {}))  # no GB: nothing to add beside it


def test_a_long_series_fits_the_element_without_the_trf_race(monkeypatch: pytest.MonkeyPatch) -> None:
    """14 pressures (the block-sparse path of long series): the element's fits keep the block search's end point -
    its two starts are its guard against another basin - instead of racing scipy's trf wherever the element, held
    on its order bound where it merges into a neighbour, flags that end point; the known answers still come out."""
    import eisrecipe.methods.fitting as fitting
    import eisrecipe.recipe.steps_3_6 as steps_3_6

    contact = np.linspace(0.4, 1.0, 14)
    f = np.logspace(6.7, -1, 78)
    spectra = [
        pressure_spectrum(
            f,
            rc(f, 100.0, 2e-8) + rc(f, R_GB, TAU_GB) + rc(f, R_POL * a, TAU_CT),
            "hid",
            5.0 * (i + 1),
            None,
            0.004,
            seed=70 + i,
        )
        for i, a in enumerate(contact)
    ]
    inside: list[bool] = [False]
    races: list[bool] = []
    scipy_search, beside_gb = fitting.least_squares, steps_3_6.beside_gb

    def trf(*args: object, **kwargs: object) -> object:
        if kwargs.get("tr_solver") == "lsmr":
            races.append(inside[0])
        return scipy_search(*args, **kwargs)  # type: ignore[arg-type]

    def traced(*args: object, **kwargs: object) -> object:
        inside[0] = True
        try:
            return beside_gb(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            inside[0] = False

    monkeypatch.setattr(fitting, "least_squares", trf)
    monkeypatch.setattr(steps_3_6, "beside_gb", traced)
    _, fits = _fits(spectra)
    beside = fits.finding.step4.beside_gb
    assert beside is not None and beside["included"], beside
    assert True not in races
    rows = fits.table[fits.table["fit"] == "series"]
    assert rows[rows["element"] == "gb"]["r_ohm_cm2"].iloc[0] == pytest.approx(R_GB, rel=0.05)
    held = rows[rows["element"] == beside["element"]]
    assert len(held) >= 7, beside  # held at half the pressures at least
    expected = R_POL * contact[np.rint(held["pressure_mpa"].to_numpy() / 5.0).astype(int) - 1]
    assert held["r_ohm_cm2"].to_numpy() == pytest.approx(expected, rel=0.10)


def _gb_of(fits: CellFits) -> float:
    rows = fits.table[fits.table["fit"] == "series"]
    return float(rows[rows["element"] == "gb"]["r_ohm_cm2"].iloc[0])


def test_within_the_gate_a_gb_that_depends_on_pressure_gets_the_element(monkeypatch: pytest.MonkeyPatch) -> None:
    """R_Pol = 20 ohm cm^2 (R_CT = R_Pol A: 8 to 20) inside the GB's peak misses its data by less than the gate
    (5 %), but the GB fitted per spectrum follows the pressure (Table 1: it may not): the F-test of that fit against
    the shared GB triggers the element beside the GB, which its own F-test adds. The known answers come out within
    the module's tolerance for R_GB (5 %) and R_CT within two standard errors (about 7 ohm cm^2, the trade-off with
    the shared GB common to every spectrum: each R/stderr is below 3); without the element the shared GB takes the
    arc (R_GB > 10 % high).
    At A = 0.4 the element's R/stderr is below 2, yet the data need it: the pruning keeps it
    (:data:`eisrecipe.recipe.steps_3_6.PRUNE_KEEP_P`) - dropped there, the shared GB had carried its 8 ohm cm^2 in
    every spectrum (R_GB 71)."""
    import eisrecipe.recipe.steps_3_6 as steps_3_6

    drt, fits = _fits(_series(20.0))
    assert not drt.finding["interface_tracks"]
    beside = fits.finding.step4.beside_gb
    assert beside is not None and beside["included"], beside
    assert beside["misfit_without"] < steps_3_6.BESIDE_GB_MISFIT
    pressure = beside["gb_pressure_test"]
    assert pressure["p_value"] < steps_3_6.BESIDE_GB_P and pressure["parameters_added"] > 0
    assert "the GB depends on pressure" in beside["rule"]
    assert len(beside["spectra_holding_it"]) == len(CONTACT)  # kept at A = 0.4 as well
    assert _gb_of(fits) == pytest.approx(R_GB, rel=0.05)
    rows = fits.table[fits.table["fit"] == "series"]
    held = rows[rows["element"] == beside["element"]].sort_values("pressure_mpa")
    r_ct, err = held["r_ohm_cm2"].to_numpy(), held["r_stderr_ohm_cm2"].to_numpy()
    truth = 20.0 * np.array(CONTACT)
    # each within two standard errors (6.9 ohm cm^2: its trade-off with the shared GB, common to all spectra), and
    # the merged peak's total, which the data fix, within 2 %
    assert np.all(np.abs(r_ct - truth) <= 2.0 * err)
    assert r_ct + _gb_of(fits) == pytest.approx(truth + R_GB, rel=0.02)
    monkeypatch.setattr(steps_3_6, "BESIDE_GB_P", 0.0)  # no F-test passes: the model without the element
    _, without = _fits(_series(20.0))
    assert without.finding.step4.beside_gb is None
    assert _gb_of(without) > 1.10 * R_GB


def test_the_pruning_keeps_an_element_the_data_need(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same series with R_Pol = 30 (through the misfit gate): with the F-test guard off (PRUNE_KEEP_P = 0) the
    element is dropped at the lowest pressure (R/stderr < 2) and R_GB comes out more than 10 % high; with it, the
    element stays in every spectrum and R_GB is within 5 %."""
    import eisrecipe.recipe.steps_3_6 as steps_3_6

    _, kept = _fits(_series(30.0))
    assert _gb_of(kept) == pytest.approx(R_GB, rel=0.05)
    assert len(kept.finding.step4.beside_gb["spectra_holding_it"]) == len(CONTACT)
    monkeypatch.setattr(steps_3_6, "PRUNE_KEEP_P", 0.0)
    _, pruned = _fits(_series(30.0))
    assert pruned.finding.pruned.series, pruned.finding.pruned
    assert _gb_of(pruned) > 1.10 * R_GB


def test_an_arc_inside_the_gb_peak_that_ignores_pressure_is_left_in_the_gb() -> None:
    """The same arc at full contact from the start (20 ohm cm^2 at every pressure): the GB fitted per spectrum is no
    better than the shared one (F-test p >= 0.01), so nothing is added - it may be the GB's own heterogeneity."""
    import eisrecipe.recipe.steps_3_6 as steps_3_6

    spectra = _series(0.0)
    f = spectra[0].frequency_hz
    constant = [
        pressure_spectrum(f, rc(f, 100.0, 2e-8) + rc(f, R_GB, TAU_GB) + rc(f, 20.0, TAU_CT), "hid", 10.0 * (i + 1),
                          None, 0.004, seed=40 + i)
        for i in range(len(CONTACT))
    ]  # fmt: skip
    drt, fits = _fits(constant)
    assert not drt.finding["interface_tracks"]
    assert fits.finding.step4.beside_gb is None
    a = steps_3_6.assign_elements(drt.tracking.to_frame(), steps12_from_dict(drt.finding))
    by_name = {str(s.meta["spectrum"]): s for s in constant}
    fitter = steps_3_6._SeriesFitter(
        by_name, a, steps_3_6.series_seeds(drt.tracking.to_frame(), a, a.order), steps_3_6.FitSettings()
    )
    fitter, joint, use_l, _, _ = steps_3_6._top_end(fitter)  # the Step 4 model as steps_3_6 chooses it
    test = steps_3_6.gb_pressure_test(fitter, joint, use_l)
    assert test is not None and test["p_value"] >= steps_3_6.BESIDE_GB_P, test


def test_a_model_with_interface_elements_is_not_tested_within_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the DRT resolves a charge-transfer and a constriction signal (left branch: a CT arc 1.7 decades above
    the GB following R_Pol / A, a constriction arc at 10 ms falling to nothing), Step 4's model holds an element per
    track, and a fit within the gate is left as it is: the per-spectrum GB test runs only where the model has no
    interface element to carry the pressure dependence."""
    import eisrecipe.recipe.steps_3_6 as steps_3_6

    called: list[bool] = []
    monkeypatch.setattr(steps_3_6, "gb_pressure_test", lambda *args, **kwargs: called.append(True))
    f = np.logspace(6.7, -2, 88)
    spectra = [
        pressure_spectrum(f, rc(f, 100.0, 2e-8) + rc(f, R_GB, TAU_GB) + rc(f, 30.0 / a, 1e-4)
                          + rc(f, 80.0 * (1.0 - a) / a, 1e-2 * a), "vis", 10.0 * (i + 1), None, 0.004, seed=50 + i)
        for i, a in enumerate(CONTACT)
    ]  # fmt: skip
    drt, fits = _fits(spectra)
    assert len(drt.finding["interface_tracks"]) >= 2
    elements = fits.finding.step4.elements
    assert "int" not in elements and {"ct", "cstr"} <= set(elements), elements
    assert fits.finding.step4.beside_gb is None
    assert not called


# a constriction arc inside the GB's DRT peak (full matrix c200: 13.6 ohm cm^2 0.5 decade above a GB of 81): it falls
# and its tau moves towards the GB's as the contact grows, and it is gone at full contact (Table 1: R_Cstr -> 0)
R_CSTR = [15.0, 10.0, 6.0, 2.5, 0.0]
TAU_CSTR = [TAU_GB * 10**d for d in (0.5, 0.45, 0.4, 0.35, 0.3)]


def _constriction_series() -> list[Spectrum]:
    f = np.logspace(6.7, -1, 78)
    out = []
    for i, (r, tau) in enumerate(zip(R_CSTR, TAU_CSTR, strict=True)):
        z = rc(f, 100.0, 2e-8) + rc(f, R_GB, TAU_GB) + (rc(f, r, tau) if r else 0.0)
        out.append(pressure_spectrum(f, z, "hid", 10.0 * (i + 1), None, 0.004, seed=60 + i))
    return out


def test_a_constriction_arc_inside_the_gb_peak_is_not_read_as_persisting() -> None:
    """Step 4 adds the element beside the GB; at full contact the fit holds it unresolved (R within 2 standard errors
    of 0, kept by the pruning's F-test) or not at all: either way no interface signal "persists at the highest
    pressure" (before: charge transfer, by its constant tau, on an R of 0.3 +- 1.4 ohm cm^2), its absence there is
    tested; here it is not shown gone, and the verdict is undetermined - not charge transfer."""
    spectra = _constriction_series()
    drt, fits = _fits(spectra)
    assert not drt.finding["interface_tracks"]  # merged into the GB's DRT peak
    beside = fits.finding.step4.beside_gb
    assert beside is not None and beside["included"], beside
    signal = fits.finding.fit_signal
    assert signal is not None and not signal.present_at_highest, signal
    absence = beside["absence_at_highest"]
    assert absence["spectrum"] == spectra[-1].meta["spectrum"] and signal.gone_at_highest == absence["gone"]
    # held in every lower spectrum, the element trades R with the shared GB in each of them: near tau_GB the series
    # cannot bound an RC at full contact below 0.1 of its first R (1.5 ohm cm^2) - not shown gone, and Step 2 (ii)
    # does not apply: undetermined, the honest answer here
    assert not absence["gone"] and absence["bound_ohm_cm2"] > absence["r_test_ohm_cm2"], absence
    validation = {"spectra": [{"spectrum": sp.meta["spectrum"], "file": "x", "sha256": "0"} for sp in spectra]}
    verdict = run_cell_verdict("hid", validation, {"steps_1_2": drt.finding}, fits.findings, fits.table).verdict
    assert verdict["dominant_interface_process"] == "undetermined", verdict["dominance"]


def _without_element_at_full_contact(spectra: list[Spectrum]):
    """The series fit of Steps 3-6 on ``spectra``, refitted from its values without its element beside the GB in
    the highest-pressure spectrum: (that fit, the spectra by name, the element's name)."""
    from eisrecipe.methods.circuits import SeriesModel
    from eisrecipe.methods.fitting import Start, fit_series
    from eisrecipe.recipe.steps_3_6 import steps_3_6

    drt = run_cell_drt("hid", spectra, DrtStageSettings())
    result = steps_3_6("hid", spectra, drt.tracking.to_frame(), steps12_from_dict(drt.finding))
    element = result.finding.step4.beside_gb["element"]
    joint = result.series_fit
    names = list(joint.spectra)
    models, starts = [], []
    for name, model in zip(names, joint.models, strict=True):
        keep = tuple(e for e in model.elements if not (name == names[-1] and e.name == element))
        models.append(SeriesModel(keep, r_inf=model.r_inf, inductance=model.inductance))
        fitted = [joint.element(name, e.name) for e in keep]
        l_start = joint.inductance[name][0] if model.inductance else 1e-9
        starts.append(
            Start(r=[e.r for e in fitted], tau_s=[e.tau_s for e in fitted], alpha=[e.alpha for e in fitted],
                  r_inf=joint.r_inf[name][0], inductance=l_start)
        )  # fmt: skip
    by_name = {sp.meta["spectrum"]: sp for sp in spectra}
    freq, imp = [by_name[n].frequency_hz for n in names], [by_name[n].impedance for n in names]
    return fit_series(freq, imp, models, starts, names=names, shared=list(joint.shared)), by_name, element


def test_an_arc_merged_into_the_gb_at_full_contact_is_not_shown_gone() -> None:
    """The series fitted without the element at full contact although its arc is there (R_CT = R_Pol A = 50 ohm cm^2,
    0.4 decade above the GB): that fit is degenerate, so Step 2 takes no absence from it (None: a linearisation needs
    the optimum); and the series' detection limit there lies above 0.1 of the element's first R - not gone either
    way."""
    from eisrecipe.methods.detection import rc_detection_limit_in_series
    from eisrecipe.recipe.steps_3_6 import FitSettings, absence_beside_gb

    without, by_name, element = _without_element_at_full_contact(_series(R_POL))
    assert without.failures
    assert absence_beside_gb(without, by_name, element, without.spectra, [], 0.1, FitSettings()) is None
    highest = without.spectra[-1]
    tau_gb = without.element(highest, "gb").tau_s
    data = {n: (sp.frequency_hz, sp.impedance) for n, sp in by_name.items()}
    limit = rc_detection_limit_in_series(without, data, highest, (tau_gb, 10 * tau_gb))
    assert limit.bound > 0.1 * without.element(without.spectra[0], element).r
    assert limit.bound > 0.1 * R_POL


def test_a_constriction_arc_gone_before_full_contact_is_shown_gone() -> None:
    """Seven pressures, the arc fading into the GB's peak (R 15 -> 0 ohm cm^2, tau 0.5 -> 0.2 decade above the GB's):
    the fit holds it at the low pressures only, and the spectra without it fix the shared GB, so the series'
    detection limit at full contact lies below 0.1 of its first R - gone: Step 2 (ii), constriction."""
    f = np.logspace(6.7, -1, 78)
    spectra = []
    for i, (r, d) in enumerate(zip([15.0, 10.0, 6.0, 3.0, 1.2, 0.4, 0.0], np.linspace(0.5, 0.2, 7), strict=True)):
        z = rc(f, 100.0, 2e-8) + rc(f, R_GB, TAU_GB) + (rc(f, r, TAU_GB * 10**d) if r else 0.0)
        spectra.append(pressure_spectrum(f, z, "hid", 10.0 * (i + 1), None, 0.004, seed=60 + i))
    drt, fits = _fits(spectra)
    assert not drt.finding["interface_tracks"]
    beside = fits.finding.step4.beside_gb
    highest = spectra[-1].meta["spectrum"]
    assert beside["included"] and highest not in beside["spectra_holding_it"], beside
    absence = beside["absence_at_highest"]
    assert absence["gone"] and absence["bound_ohm_cm2"] < absence["r_test_ohm_cm2"], absence
    signal = fits.finding.fit_signal
    assert signal.gone_at_highest and signal.behaviour == "constriction", signal
    validation = {"spectra": [{"spectrum": sp.meta["spectrum"], "file": "x", "sha256": "0"} for sp in spectra]}
    verdict = run_cell_verdict("hid", validation, {"steps_1_2": drt.finding}, fits.findings, fits.table).verdict
    assert verdict["dominant_interface_process"] == "constriction", verdict["dominance"]
    # where the fit had left the element out at the highest pressure because it strayed from the GB, the fit wanted
    # an element elsewhere there: no absence is claimed
    from eisrecipe.recipe.steps_3_6 import FitSettings, absence_beside_gb, steps_3_6

    result = steps_3_6("hid", spectra, drt.tracking.to_frame(), steps12_from_dict(drt.finding))
    order, name = result.series_fit.spectra, beside["element"]
    assert absence_beside_gb(result.series_fit, {sp.meta["spectrum"]: sp for sp in spectra}, name, order, [], 0.1,
                             FitSettings()) is not None  # fmt: skip
    assert absence_beside_gb(result.series_fit, {sp.meta["spectrum"]: sp for sp in spectra}, name, order, [highest],
                             0.1, FitSettings()) is None  # fmt: skip
