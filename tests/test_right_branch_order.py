"""The order of time constants in the right branch (one overlapping interface signal), issue 15.

Below full contact the single interface element holds CT and constriction together, so its tau lies between
tau_CT and tau_Cstr; at the highest pressure it is tau_CT. Where the element's tau differs from tau_CT beyond the
errors, it says on which side tau_Cstr lies - and with it which column of Table 1 applies (R_CT = R_Pol / A or
R_Pol A). Before, the right branch reported no order and Steps 5-6 assumed tau_Cstr < tau_CT.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from synthetic import pressure_spectrum, rc, zarc

from eisrecipe.matrix.generator import cstr_c, cstr_r
from eisrecipe.recipe.steps_3_6 import ElementAssignment, Step5Finding, merged_tau_order
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import run_cell_fits

ORDER = ["p1", "p2", "p3"]


@dataclass
class _Element:
    tau_s: float
    tau_stderr_s: float


class _Joint:
    """What merged_tau_order reads of a joint fit: the ``int`` element's tau and its error per spectrum."""

    def __init__(self, taus: dict[str, tuple[float, float]]) -> None:
        self.taus = taus

    def element(self, spectrum: str, name: str) -> _Element:
        if name != "int" or spectrum not in self.taus:
            raise KeyError(spectrum)
        return _Element(*self.taus[spectrum])


def _order(taus: dict[str, tuple[float, float]]) -> str:
    a = ElementAssignment(ORDER, {s: float(k) for k, s in enumerate(ORDER)}, ["int"], {"int": [1]}, "right", None)
    return merged_tau_order(_Joint(taus), a, 2.0)[0]  # type: ignore[arg-type]


def test_the_merged_tau_against_tau_ct_gives_the_order() -> None:
    tau_ct = (1e-3, 1e-5)
    # 1 % errors: ln(1.2) = 0.18 is 13 combined errors away, ln(1.01) = 0.01 under one
    assert _order({"p1": (1.2e-3, 1.2e-5), "p2": (1.1e-3, 1.1e-5), "p3": tau_ct}) == "ct_faster"
    assert _order({"p1": (0.8e-3, 0.8e-5), "p2": (1.01e-3, 1e-5), "p3": tau_ct}) == "cstr_faster"
    assert _order({"p1": (1.01e-3, 1e-5), "p2": (0.995e-3, 1e-5), "p3": tau_ct}) == "undetermined"
    assert _order({"p1": (1.2e-3, 1e-5), "p2": (0.8e-3, 1e-5), "p3": tau_ct}) == "conflicting"
    assert _order({"p1": (1.2e-3, 1e-5), "p2": (1.1e-3, 1e-5)}) == "undetermined"  # nothing left at full contact


def test_the_order_weighs_the_fit_against_the_drt_peak_s_movement() -> None:
    assert Step5Finding("right", tau_order_from_merged="ct_faster", tau_order_from_drt=None).tau_order == "ct_faster"
    assert Step5Finding("right", tau_order_from_merged="ct_faster", tau_order_from_drt="cstr_faster").tau_order is None
    assert Step5Finding("right", tau_order_from_merged="undetermined", tau_order_from_drt="ct_faster").tau_order == (
        "ct_faster"
    )
    assert Step5Finding("right", tau_order_from_merged="conflicting", tau_order_from_drt="ct_faster").tau_order is None


def _series() -> list[Spectrum]:
    """CT (R_Pol 40 ohm cm^2, tau 1 ms, R_CT = R_Pol / A) overlapping a faster constriction arc (tau 0.7 -> 0.17
    ms as A rises 0.3 -> 0.8, the matrix generator's R_Cstr(A), C_Cstr(A)); 0.3 % noise."""
    f = np.logspace(6, -1, 71)
    out = []
    for i, a in enumerate([0.3, 0.45, 0.6, 0.8, 1.0]):
        z = rc(f, 100.0, 1e-8) + rc(f, 30.0, 3e-6) + zarc(f, 40.0 / a, 1e-3, 0.95)
        if a < 1:
            r = cstr_r(30.0, a)
            z = z + zarc(f, r, r * cstr_c(3e-5, a), 0.9)
        out.append(pressure_spectrum(f, z, "rb", 10.0 * (i + 1), a, 0.003, seed=70 + i))
    return out


def test_an_overlapping_faster_constriction_is_found_and_table_1_applied() -> None:
    spectra = _series()
    drt = run_cell_drt("rb", spectra, DrtStageSettings())
    fits = run_cell_fits("rb", spectra, drt.tracking.to_frame(), drt.finding)
    s5 = fits.finding.step5
    assert s5.branch == "right" and s5.tau_order_from_merged == "cstr_faster" and s5.tau_order == "cstr_faster"
    # the CT share with the sheet's A uses R_CT = R_Pol / A (tau_Cstr < tau_CT)
    lowest = s5.ct_share[0]
    assert lowest.r_ct_ohm_cm2 is not None and fits.finding.step3.r_pol_ohm_cm2 is not None
    assert lowest.r_ct_ohm_cm2 == fits.finding.step3.r_pol_ohm_cm2 / lowest.contact_fraction


def test_a_rising_interface_resistance_means_tau_ct_below_tau_cstr() -> None:
    """Table 1 with tau_Cstr < tau_CT: R_CT = R_Pol / A and R_Cstr both fall as the contact grows, so R_Int falls;
    only tau_CT < tau_Cstr (R_CT = R_Pol A) lets it rise. Full matrix c028 (tau_CT < tau_Cstr, R_CT 32 -> 173 ohm
    cm^2 in one interface peak whose tau kept tau_CT): without an order Step 6 had taken A = R_Pol / R_Int, 5.2 at the
    lowest pressure (true 0.19). A rising R_Int is an order of its own; disagreeing with another source, no order."""
    rising = Step5Finding("right", tau_order_from_merged="undetermined", tau_order_from_r_int="ct_faster")
    assert rising.tau_order == "ct_faster"
    assert Step5Finding("right", tau_order_from_drt="cstr_faster", tau_order_from_r_int="ct_faster").tau_order is None
    # a rise within Steps 1-2's "R unchanged" (a full-contact cell, matrix c152: +0.4 % over ten pressures, p = 0.01
    # against the fits' tiny errors) gives no order, whatever its significance
    from eisrecipe.methods.trends import Trend
    from eisrecipe.recipe.steps_3_6 import _rises_beyond

    significant = Trend(10, 0.004, 0.002, 0.53, "rising", 0.011)
    assert not _rises_beyond([{"r_ohm_cm2": 67.2}, {"r_ohm_cm2": 67.5}], significant, 0.3)
    assert _rises_beyond([{"r_ohm_cm2": 15.8}, {"r_ohm_cm2": 38.5}], significant, 0.3)
    assert not _rises_beyond([{"r_ohm_cm2": 15.8}, {"r_ohm_cm2": 38.5}], Trend(10, 0.4, 0.3, 0.5, "flat", 0.2), 0.3)
    # one interface arc: CT at tau 1 ms following R_Pol A (A 0.2 -> 1), its constriction too small to see
    f = np.logspace(6, -1, 71)
    spectra = []
    contact = [0.2, 0.45, 0.7, 0.9, 1.0]
    for i, a in enumerate(contact):
        z = rc(f, 100.0, 1e-8) + rc(f, 30.0, 3e-6) + zarc(f, 170.0 * a, 1e-3, 0.95)
        spectra.append(pressure_spectrum(f, z, "up", 10.0 * (i + 1), None, 0.003, seed=90 + i))
    drt = run_cell_drt("up", spectra, DrtStageSettings())
    fits = run_cell_fits("up", spectra, drt.tracking.to_frame(), drt.finding)
    s5, s6 = fits.finding.step5, fits.finding.step6
    assert s5.r_int_trend is not None and s5.r_int_trend.direction == "rising"
    assert s5.tau_order_from_r_int == "ct_faster" and s5.tau_order == "ct_faster"
    assert s6 is not None and s6.applies and s6.order == "ct_faster"
    # A = R_Int / R_Pol: within 10 % of the truth at every pressure (the tolerance for A)
    for row, a in zip(s6.contact_area, contact, strict=True):
        assert abs(row.area.value / a - 1) < 0.10, (row.spectrum, row.area.value, a)
