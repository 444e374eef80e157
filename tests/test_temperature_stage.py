"""Temperature-series fits and the Arrhenius table: activation energies of a closed-form series recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic import arrhenius_r, noisy, rc, zarc

from eisrecipe.methods.peaks import peaks_frame
from eisrecipe.recipe.step7 import arrhenius_table
from eisrecipe.recipe.temperature import SeriesTrack, TemperatureSettings, name_tracks, run_cell_temperature_fits
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt

F = np.logspace(7, -1, 81)
TEMPS_C = [-20.0, 0.0, 20.0, 40.0, 60.0]
# bulk, GB, interface at 25 C (ohm cm^2), their capacitances (F/cm^2, temperature-independent) and Ea (eV):
# bulk C = eps0 * 60 / 0.1 cm, GB and interface a few decades above, as in garnet pellets
TRUTH = {"bulk": (200.0, 5.3e-11, 0.34), "gb": (60.0, 3e-8, 0.43), "int": (50.0, 5e-6, 0.37)}


def series(noise: float = 0.002) -> list[Spectrum]:
    out = []
    for k, t_c in enumerate(TEMPS_C):
        r = {n: arrhenius_r(v[0], v[2], t_c) for n, v in TRUTH.items()}
        z = (
            2.0  # contacts and leads: R_inf 2 ohm cm^2 and 0.2 uH cm^2
            + 2j * np.pi * F * 2e-7
            + rc(F, r["bulk"], r["bulk"] * TRUTH["bulk"][1])
            + zarc(F, r["gb"], r["gb"] * TRUTH["gb"][1], 0.95)
            + zarc(F, r["int"], r["int"] * TRUTH["int"][1], 0.95)
        )
        meta = {
            "cell": "T",
            "spectrum": f"T{t_c:+.0f}",
            "series": "temperature",
            "temperature_c": t_c,
            "thickness_cm": 0.1,
            "pressure_mpa": 41.0,
        }
        out.append(Spectrum.from_points(F, noisy(z, noise, seed=k), unit="ohm cm^2", meta=meta))
    return out


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, dict]:
    spectra = series()
    drt = run_cell_drt("T", spectra, DrtStageSettings())
    peaks = peaks_frame(drt.peaks)
    result = run_cell_temperature_fits("T", spectra, peaks)
    return result.table, result.findings


def test_elements_assigned_by_capacitance(fitted: tuple[pd.DataFrame, dict]) -> None:
    table, findings = fitted
    assert findings["applies"]
    for entry in findings["spectra"]:
        labels = [p["element"] for p in entry["peaks"]]
        assert labels == sorted(labels, key=["bulk", "gb", "int"].index), entry["spectrum"]
        assert "int" in labels and "gb" in labels
    assert set(table["element"]) == {"bulk", "gb", "int"}


def test_activation_energies_recovered(fitted: tuple[pd.DataFrame, dict]) -> None:
    """With 0.2 % noise the Ea standard errors are a few meV; we ask for 0.015 eV (the issue's reproduction
    target is 0.02 eV) and for the truth within four standard errors."""
    table, findings = fitted
    arr = arrhenius_table(table, findings).set_index("element")
    for name, (_, _, ea) in TRUTH.items():
        row = arr.loc[name]
        assert row["n_points"] >= 4, name
        assert abs(row["ea_ev"] - ea) <= 0.015, (name, row["ea_ev"])
        assert abs(row["ea_ev"] - ea) <= 4 * row["ea_stderr_ev"] + 0.003, (name, row["ea_ev"], row["ea_stderr_ev"])
        # the DRT peak areas give the same Ea within 0.02 eV (cross-check column)
        assert abs(row["ea_drt_ev"] - ea) <= 0.02, (name, row["ea_drt_ev"])


def test_fitted_capacitances_do_not_depend_on_temperature(fitted: tuple[pd.DataFrame, dict]) -> None:
    table, _ = fitted
    for name in ("gb", "int"):
        c = table.loc[table["element"] == name, "c_f_cm2"].to_numpy(float)
        assert np.ptp(np.log10(c)) < 0.15, (name, c)  # Brug C of an alpha=0.95 ZARC moves by < 0.1 decade


def test_single_temperature_is_fitted_but_gives_no_arrhenius_row() -> None:
    spectra = series()[2:3]
    drt = run_cell_drt("T", spectra, DrtStageSettings())
    result = run_cell_temperature_fits("T", spectra, peaks_frame(drt.peaks))
    assert result.findings["applies"] and not result.findings["step7_applies"]
    assert set(result.table["element"]) == {"bulk", "gb", "int"}
    assert arrhenius_table(result.table).empty


def test_pressure_only_cell_does_not_apply() -> None:
    spectra = [s.with_meta(series="pressure") for s in series()[:2]]
    result = run_cell_temperature_fits("T", spectra, pd.DataFrame(columns=["spectrum"]))
    assert not result.findings["applies"]
    assert result.table.empty


def _track(n: int, c: float, log10_tau: float, spectra: int = 3) -> SeriesTrack:
    names = [f"T{k}" for k in range(spectra)]
    return SeriesTrack(
        n, {s: 10**log10_tau for s in names}, {s: log10_tau for s in names}, {s: 1.0 for s in names}, c, 1.0
    )


def test_tracks_named_by_pressure_series_reference_then_by_order_and_c_ratio() -> None:
    """Order-preserving match to the same cell's pressure-series elements; tracks left over by tau order and C
    ratio, an extra slow one its own element; never an absolute Irvine class (both first tracks lie in the bulk
    class here)."""
    settings = TemperatureSettings()
    main = [_track(0, 5e-11, -7), _track(1, 1.3e-10, -6), _track(2, 4e-6, -3), _track(3, 5e-5, -1)]
    names = name_tracks(main, {"bulk": 4e-11, "cstr": 6e-6}, False, settings, 3)
    assert {k: v[0] for k, v in names.items()} == {0: "bulk", 1: "gb", 2: "cstr", 3: "int"}
    assert "pressure-series element cstr" in names[2][1]
    names = name_tracks(main, {}, False, settings, 3)
    assert {k: v[0] for k, v in names.items()} == {0: "bulk", 1: "gb", 2: "int", 3: "int2"}
    # a second track with a smaller capacitance than the first is no GB: its own element
    names = name_tracks([_track(0, 5e-11, -7), _track(1, 3e-11, -6)], {}, False, settings, 3)
    assert [names[0][0], names[1][0]] == ["bulk", "x1"]
    # the shortest-tau track seen in one spectrum only does not make bulk
    names = name_tracks([_track(0, 1e-11, -8, spectra=1), _track(1, 5e-11, -7)], {}, False, settings, 3)
    assert [names[0][0], names[1][0]] == ["x0", "bulk"]


def test_pressure_spectra_are_fitted_on_their_own_only_when_steps_3_6_do_not_apply(
    fitted: tuple[pd.DataFrame, dict],
) -> None:
    """A 'pressure series' of two spectra gets no Steps 3-6; its spectra are then fitted one by one, as the same
    spectra are in a temperature series."""
    spectra = [
        Spectrum.from_points(s.frequency_hz, s.impedance, unit=s.unit, meta={**s.meta, "series": "pressure"})
        for s in series()[2:4]
    ]
    peaks = peaks_frame(run_cell_drt("P", spectra, DrtStageSettings()).peaks)
    assert run_cell_temperature_fits("P", spectra, peaks).table.empty
    table = run_cell_temperature_fits("P", spectra, peaks, include_pressure=True).table
    assert set(table["fit"]) == {"individual"}
    reference = fitted[0][fitted[0]["fit"] == "temperature"]
    for name in ("T+20", "T+40"):
        for element in ("bulk", "gb"):
            r = table[(table["spectrum"] == name) & (table["element"] == element)]["r_ohm_cm2"]
            ref = reference[(reference["spectrum"] == name) & (reference["element"] == element)]["r_ohm_cm2"]
            assert float(r.iloc[0]) == pytest.approx(float(ref.iloc[0]), rel=1e-3), (name, element)
