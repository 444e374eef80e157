"""Peak tracking through pressure series and recipe Steps 1-2 on synthetic series with known behaviour."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from synthetic import noisy, rc

from eisrecipe.methods.drt import DrtSettings, compute_drt_series
from eisrecipe.methods.peaks import Peak, find_peaks, peaks_frame
from eisrecipe.methods.tracking import SeriesEntry, order_pressure_series, series_entries
from eisrecipe.recipe.steps_1_2 import LabelRules, Steps12Thresholds, steps_1_2, track_series
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt


def _peak(log10_tau: float, r: float) -> Peak:
    t = 10.0**log10_tau
    return Peak(t, 1 / (2 * math.pi * t), r, r, 0.3, 1.0, t / 3, t * 3, r)


def test_order_uniaxial_then_isostatic() -> None:
    entries = [
        SeriesEntry("iso400", (), 400.0, "isostatic"),
        SeriesEntry("u41", (), 41.0, "uniaxial"),
        SeriesEntry("u10", (), 10.0, "uniaxial"),
        SeriesEntry("iso100", (), 100.0, "isostatic"),
        SeriesEntry("u20", (), 20.0, "Uniaxial"),
    ]
    assert [e.spectrum for e in order_pressure_series(entries)] == ["u10", "u20", "u41", "iso100", "iso400"]


def test_linking_moving_vanishing_appearing_and_merging_peaks() -> None:
    # bulk fixed, a peak moving 0.4 decade per step, one appearing, two merging
    steps = [
        [_peak(-6, 1e4), _peak(-3.0, 100), _peak(-1.0, 50), _peak(0.0, 40)],
        [_peak(-6.02, 1e4), _peak(-2.6, 80), _peak(-1.0, 45), _peak(-0.5, 40)],
        [_peak(-5.98, 1e4), _peak(-2.2, 60), _peak(-0.8, 85), _peak(1.0, 5)],
        [_peak(-6.0, 1e4), _peak(-1.8, 40), _peak(-0.8, 85), _peak(1.0, 5)],
    ]
    entries = [SeriesEntry(f"s{k}", tuple(p), 10.0 * (k + 1)) for k, p in enumerate(steps)]
    res = track_series(entries, gate_decades=0.5)
    frame = res.to_frame()
    assert set(frame["spectrum"]) == {"s0", "s1", "s2", "s3"}
    by_first = {round(float(t.log10_tau[0]), 1): t for t in res.tracks}
    moving = by_first[-3.0]
    assert len(moving.points) == 4 and moving.log10_tau[-1] == pytest.approx(-1.8)
    assert len(by_first[-6.0].points) == 4
    # the peaks at -1.0 and -0.5 merge into one at -0.8
    merged = [t for t in res.tracks if t.merged_into is not None]
    assert len(merged) == 1
    assert by_first[1.0].points[0].step == 2  # appears
    assert res.by_label("bulk") is not None


def _series(f: np.ndarray, elements_by_p: dict[tuple[float, str], list[tuple[float, float]]], seed: int = 0):
    spectra = []
    for k, ((p, mode), els) in enumerate(elements_by_p.items()):
        z = 2.0 + sum(rc(f, r, t) for r, t in els if r > 0)
        spectra.append(
            Spectrum.from_points(
                f,
                noisy(z, 0.002, seed + k),
                unit="ohm cm^2",
                meta={"spectrum": f"p{p:g}{mode[0]}", "pressure_mpa": p, "pressure_mode": mode},
            )
        )
    results = compute_drt_series(spectra, DrtSettings())
    peaks = {s.meta["spectrum"]: find_peaks(r) for s, r in zip(spectra, results, strict=True)}
    meta = {s.meta["spectrum"]: s.meta for s in spectra}
    return peaks, meta


F = np.logspace(8, -2, 101)
# a 100 um electrolyte: bulk 100 ohm cm2 / 1e-9 F cm-2 (eps_r ~ 110), GB 200 ohm cm2 / 5e-8 F cm-2;
# contact area A rises with pressure; CT: R = 50/A, tau = 1 s fixed; constriction: tau shifts, R falls to 0
PRESSURES = [(5.0, "uniaxial"), (10.0, "uniaxial"), (20.0, "uniaxial"), (40.0, "uniaxial"), (400.0, "isostatic")]
AREA = [0.3, 0.45, 0.6, 0.8, 1.0]


def test_steps12_left_branch_constriction_and_ct() -> None:
    elements = {
        p: [(100.0, 1e-7), (200.0, 1e-5), (300.0 * (1 - a) / 0.7, 1e-3 * 10 ** (2 * (a - 0.3))), (50.0 / a, 1.0)]
        for p, a in zip(PRESSURES, AREA, strict=True)
    }
    peaks, meta = _series(F, elements)
    table = peaks_frame(peaks, meta={k: {"pressure_mpa": v["pressure_mpa"]} for k, v in meta.items()})
    assert {"spectrum", "tau_s", "r_ohm_cm2", "c_f_cm2", "pressure_mpa"} <= set(table.columns)
    tracking = track_series(series_entries(peaks, meta), rules=LabelRules(thickness_cm=0.01))
    finding = steps_1_2(tracking)
    assert finding.branch == "left"
    assert {"bulk", "gb"} <= set(finding.bulk_gb)
    assert all(finding.bulk_gb_stable.values())
    kinds = {f.behaviour for f in finding.interface_tracks if f.present_at_lowest}
    assert kinds == {"constriction", "charge_transfer"}
    assert finding.conclusion == "charge_transfer_present"
    assert finding.tau_ct_s is not None and abs(math.log10(finding.tau_ct_s)) < 0.1
    json.dumps(finding.to_dict())  # strict JSON
    summary = tracking.summary_frame()
    assert {"slope_log10_tau_per_mpa", "slope_log10_tau_per_log10_mpa", "r_ratio", "present_at_highest"} <= set(
        summary.columns
    )
    # R_CT = 50 / A falls with pressure 167 -> 50 ohm cm^2 over five points: its DRT areas' trend test says so
    ct = [f for f in finding.interface_tracks if f.behaviour == "charge_transfer"]
    assert [f.r_trend for f in ct] == ["falling"]


def test_steps12_right_branch_constriction_only_bulk_outside_window() -> None:
    f = np.logspace(5, -1, 61)  # bulk (tau 1e-7 s, 1.6 MHz) above the window
    elements = {
        p: [(1000.0, 1e-7), (100.0, 1e-5), (300.0 * (1 - a) / 0.7, 1e-3 * 10 ** (1.5 * (a - 0.3)))]
        for p, a in zip(PRESSURES, AREA, strict=True)
    }
    peaks, meta = _series(f, elements, seed=10)
    tracking = track_series(series_entries(peaks, meta), rules=LabelRules(thickness_cm=0.1))
    finding = steps_1_2(tracking)
    # GB: C = 1e-5 s / 100 ohm cm2 = 1e-7 F/cm2 -> 1e-8 F/cm: a grain boundary, not bulk
    assert "gb" in finding.bulk_gb and "bulk" not in finding.bulk_gb
    assert "capacitance" in finding.bulk_gb["gb"]["rule"]
    assert finding.branch == "right"
    assert finding.interface_at_highest == ()
    assert finding.conclusion == "constriction_dominates"
    assert [f.behaviour for f in finding.interface_tracks if f.present_at_lowest] == ["constriction"]


def test_thresholds_from_config() -> None:
    th = Steps12Thresholds.from_config({"tau_shift_tol_decades": 0.5})
    assert th.tau_shift_tol_decades == 0.5
    with pytest.raises(TypeError):
        Steps12Thresholds.from_config({"nope": 1})


def test_ml621_state_of_charge_series(external_data: Path) -> None:
    """A real series (one coin cell, ten states of charge) tracked in SOC order."""
    folder = external_data / "eis-dct"
    files = [folder / f"ML621_soc{s}.csv" for s in range(10, 101, 10)]
    if not all(p.is_file() for p in files):
        pytest.skip(f"external data not found: {folder} (set EISRECIPE_EXTERNAL_DATA)")
    spectra = []
    for soc, p in zip(range(10, 101, 10), files, strict=True):
        d = np.loadtxt(p, delimiter=",", skiprows=1, usecols=(0, 1, 2))  # Freq, Real, Imag = -Im(Z)
        s = Spectrum.from_points(d[:, 0], d[:, 1] - 1j * d[:, 2], source=str(p), meta={"soc": soc})
        spectra.append(s.select(s.z_imag < 0))  # drop the inductive high-frequency points
    results = compute_drt_series(spectra, DrtSettings(fit_inductance=False))
    entries = [
        SeriesEntry(f"soc{s.meta['soc']}", find_peaks(r), float(s.meta["soc"]))
        for s, r in zip(spectra, results, strict=True)
    ]
    tracking = track_series(entries, order=False, unit="ohm")
    assert tracking.n_steps == 10
    persistent = [t for t in tracking.tracks if len(t.points) >= 8]
    assert len(persistent) >= 2
    assert all(np.ptp(t.log10_tau) < 1.0 for t in persistent)


def test_drt_stage_chain_on_a_pressure_series() -> None:
    """The DRT stage's chain (one DRT series, peaks, Step 1 labels, Steps 1-2) on a shuffled constriction series."""
    spectra = [
        Spectrum.from_points(
            F,
            noisy(
                2.0 + rc(F, 100.0, 1e-7) + rc(F, 200.0, 1e-5) + rc(F, 300.0 * (1 - a), 1e-3 * 10 ** (2 * a)), 0.002, k
            ),
            unit="ohm cm^2",
            meta={
                "spectrum": f"s{k}",
                "series": "pressure",
                "pressure_mpa": p,
                "pressure_mode": mode,
                "thickness_cm": 0.01,
            },
        )
        for k, ((p, mode), a) in enumerate(zip(PRESSURES, AREA, strict=True))
    ]
    out = run_cell_drt("c", spectra[::-1], DrtStageSettings())
    assert out.tracking is not None
    assert [e.spectrum for e in out.tracking.entries] == ["s0", "s1", "s2", "s3", "s4"]
    assert {t.label for t in out.tracking.tracks} >= {"bulk", "gb"}
    assert out.finding["conclusion"] == "constriction_dominates"


def test_fewer_than_three_distinct_pressures_claim_no_pressure_evidence() -> None:
    """Two pressures (or repeats of one): Steps 1-2 do not apply, the stage says why; tracks are still written."""
    spectra = [
        Spectrum.from_points(
            F,
            noisy(2.0 + rc(F, 100.0, 1e-7) + rc(F, 200.0, 1e-5) + rc(F, 300.0 * (1 - a), 1e-3), 0.002, k),
            unit="ohm cm^2",
            meta={"spectrum": f"s{k}", "series": "pressure", "pressure_mpa": p, "pressure_mode": "uniaxial"},
        )
        for k, (p, a) in enumerate([(10.0, 0.2), (10.0, 0.2), (41.0, 0.6)])
    ]
    out = run_cell_drt("c", spectra, DrtStageSettings())
    assert out.tracking is not None
    assert out.finding["applies"] is False
    assert "3 or more distinct pressures" in out.finding["reason"] and "2 (10, 41 MPa)" in out.finding["reason"]


def test_repeated_pressures_are_noted() -> None:
    peaks = (Peak(1e-5, 1 / (2 * np.pi * 1e-5), 10.0, 10.0, 0.3, 1.0, 1e-5 / 3, 3e-5, 10.0),)
    entries = [SeriesEntry(f"s{k}", peaks, p, "uniaxial") for k, p in enumerate([10.0, 20.0, 20.0, 30.0])]
    finding = steps_1_2(track_series(entries, rules=LabelRules(thickness_cm=0.01)))
    assert any("20 MPa uniaxial: s1, s2" in n for n in finding.notes)


def test_temperature_series_linked_on_capacitance() -> None:
    """Two thermally activated processes (C 1e-10 and 3e-10 F/cm^2, constant) whose peaks move by 0.6 and 0.9
    decade per temperature step: on tau the slow peak's track jumps to the fast one's next peak; on C every track
    keeps one process."""
    from eisrecipe.methods.tracking import track_peaks

    entries = []
    for k in range(4):
        r1, r2 = 1e4 * 10 ** (-0.6 * k), 3e4 * 10 ** (-0.9 * k)
        p1, p2 = _peak(math.log10(r1 * 1e-10), r1), _peak(math.log10(r2 * 3e-10), r2)
        entries.append(SeriesEntry(f"T{k}", (p1, p2)))

    def tracks_c(by: str) -> list[set[float]]:
        result = track_peaks(entries, order=False, by=by)
        return [{round(p.peak.tau_s / p.peak.r, 13) for p in t.points} for t in result.tracks]

    assert sorted(map(sorted, tracks_c("c"))) == [[1e-10], [3e-10]]
    assert any(len(c) > 1 for c in tracks_c("tau"))
