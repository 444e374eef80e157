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

from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import run_cell_fits

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


def test_a_fit_within_the_gate_keeps_its_model() -> None:
    """Bulk and GB alone: the shared GB fits every spectrum, nothing is tried."""
    _, fits = _fits(_series(0.0))
    assert fits.finding.step4.beside_gb is None
    assert fits.finding.interface_elements is None
