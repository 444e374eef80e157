"""Peak existence by significance against the noise (issue 15): a grain-boundary arc of ~1 % of a large
charge-transfer arc is a peak when the data resolve it; noise makes no peaks; the detection limit has its closed
form; a track missing at the highest pressure is "gone" only with evidence (Steps 1-2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eisrecipe.methods.drt import DrtSettings, compute_drt
from eisrecipe.methods.peaks import Peak, find_peaks, zarc_gamma
from eisrecipe.methods.tracking import SeriesEntry
from eisrecipe.recipe.steps_1_2 import LabelRules, Steps12Thresholds, absence_at_highest, steps_1_2, track_series
from eisrecipe.spectrum import Spectrum

F = np.logspace(6, -2, 81)  # 10 points per decade


def _spectrum(
    elements: list[tuple[float, float]] | list[tuple[float, float, float]],
    noise: float,
    seed: int,
    r_inf: float = 100.0,
) -> Spectrum:
    """R_inf + sum of elements (R ohm cm^2, tau s, optional CPE alpha: an RC without, a ZARC with) with
    proportional complex Gaussian noise (fraction of |Z|)."""
    w = 2 * np.pi * F
    z = r_inf + sum(e[0] / (1 + (1j * w * e[1] if len(e) == 2 else (1j * w * e[1]) ** e[2])) for e in elements)
    rng = np.random.default_rng(seed)
    z = z + noise * np.abs(z) * (rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size))
    return Spectrum(F, z, unit="ohm cm^2")


SETTINGS = DrtSettings(data="both")


def test_small_resolved_arc_is_a_peak_by_significance_not_by_size() -> None:
    # Table 1 right-branch shape: GB 50 ohm cm^2 at 1e-5 s beside a CT arc of 5000 ohm cm^2 at 1e-2 s (1 %),
    # 0.3 % noise: the GB arc changes |Z| at 16 kHz by ~25 % - a signal hundreds of noise units long
    s = _spectrum([(50.0, 1e-5), (5000.0, 1e-2)], 0.003, seed=1)
    result = compute_drt(s, SETTINGS)
    old = find_peaks(result, prominence=0.05)
    new = find_peaks(result, prominence=0.0, min_snr=5.0)
    assert not any(abs(math.log10(p.tau_s / 1e-5)) < 0.3 for p in old)  # the display threshold dropped it
    gb = [p for p in new if abs(math.log10(p.tau_s / 1e-5)) < 0.3]
    assert len(gb) == 1 and gb[0].snr is not None and gb[0].snr > 20
    assert gb[0].r == pytest.approx(50.0, rel=0.15)  # peak-area accuracy of a regularised DRT


@pytest.mark.parametrize("noise", [0.003, 0.01])
def test_noise_alone_makes_no_significant_peak(noise: float) -> None:
    # one RC arc: every seed gives exactly one peak inside the window (ripples of 0.3-1 % noise are dropped)
    for seed in range(8):
        result = compute_drt(_spectrum([(1000.0, 1e-3)], noise, seed=seed), SETTINGS)
        inside = [p for p in find_peaks(result, prominence=0.0, min_snr=5.0) if p.in_window]
        assert len(inside) == 1, [(p.log10_tau, p.r, p.snr) for p in inside]
        assert inside[0].log10_tau == pytest.approx(-3.0, abs=0.1)


def _peak(log10_tau: float, r: float) -> Peak:
    t = 10.0**log10_tau
    return Peak(t, 1 / (2 * math.pi * t), r, r, 0.3, 1.0, t / 3, t * 3, r, True)


def _entries(interface: list[list[Peak]]) -> list[SeriesEntry]:
    bulk_gb = [_peak(-7.0, 100.0), _peak(-5.0, 100.0)]
    pressures = [10.0, 20.0, 40.0, 80.0, 160.0]
    return [SeriesEntry(f"s{k}", tuple(bulk_gb + p), pressures[k]) for k, p in enumerate(interface)]


def test_a_missing_track_is_gone_only_where_it_would_have_shown() -> None:
    # an interface signal of 80 ohm cm^2 at 1e-2 s, gone at the highest pressure (like the case study's tracks)
    interface = [[_peak(-2.0, 80.0)], [_peak(-2.05, 50.0)], [_peak(-2.1, 30.0)], [_peak(-2.1, 20.0)], []]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    th = Steps12Thresholds()
    # an RC of 0.1 x the first R (8 ohm cm^2) added there shows as a peak: gone -> constriction
    seen = absence_at_highest(tracking, lambda name, tau, r: r >= 2.0, th)
    (gone,) = seen.values()
    assert gone.evidenced
    finding = steps_1_2(tracking, th, seen)
    assert finding.interface_tracks[0].behaviour == "constriction"
    assert finding.conclusion == "constriction_dominates"
    # one where only 20 ohm cm^2 would show (0.25 of the first R): not shown gone -> undetermined, not constriction
    blind = absence_at_highest(tracking, lambda name, tau, r: r >= 20.0, th)
    (hidden,) = blind.values()
    assert not hidden.evidenced and "does not show" in hidden.reason
    finding = steps_1_2(tracking, th, blind)
    assert finding.interface_tracks[0].behaviour == "undetermined"
    assert finding.conclusion == "undetermined"


def test_a_missing_track_with_a_sub_threshold_peak_left_is_not_gone() -> None:
    # matrix c022: the CT arc at full contact (0.32 of its first R) is still a DRT peak, of significance 4.2 < 5, so
    # no track point; an RC injected on top of it comes out as a peak, which alone read as "gone". What is left
    # there (``remnant``) must also be below absence_ratio x the first R
    interface = [[_peak(-2.0, 80.0)], [_peak(-2.05, 50.0)], [_peak(-2.1, 30.0)], [_peak(-2.1, 20.0)], []]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    th = Steps12Thresholds()
    shows = lambda name, tau, r: True  # noqa: E731 - the injection would be seen
    (kept,) = absence_at_highest(tracking, shows, th, lambda name, tau: 25.0).values()
    assert not kept.evidenced and "not gone" in kept.reason and "25" in kept.reason
    finding = steps_1_2(tracking, th, absence_at_highest(tracking, shows, th, lambda name, tau: 25.0))
    assert finding.interface_tracks[0].behaviour == "undetermined"
    assert finding.conclusion == "undetermined"
    # a remnant below 0.1 x the first R (8 ohm cm^2) leaves the injection to decide
    (gone,) = absence_at_highest(tracking, shows, th, lambda name, tau: 5.0).values()
    assert gone.evidenced


def _ended(tracking: object) -> int:
    return next(t.track for t in tracking.tracks if len(t.points) == 1)  # type: ignore[attr-defined]


def _behaviour(finding: object, track: int) -> str:
    return next(f.behaviour for f in finding.interface_tracks if f.track == track)  # type: ignore[attr-defined]


def test_a_track_that_merges_into_a_growing_neighbour_is_not_gone() -> None:
    # matrix c118: an arc of 85 ohm cm^2 at 10^-2.5 s resolved from its neighbour (101 at 10^-2.0 s) at the lowest
    # pressure only; from then on one peak at 10^-2.0 s of 207-249: the two merged. The injection at the ended
    # track's last tau shows (the merged peak sits half a decade away), so it read "gone": a constriction track
    steady = [_peak(-2.0, r) for r in (207.0, 217.0, 229.0, 249.0)]
    interface = [[_peak(-2.5, 85.0), _peak(-2.0, 101.0)], *([p] for p in steady)]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    th = Steps12Thresholds()
    shows = lambda name, tau, r: True  # noqa: E731 - the injection would be seen
    absence = absence_at_highest(tracking, shows, th)
    merged = absence[_ended(tracking)]
    assert not merged.evidenced and "merged" in merged.reason and "present at the highest" in merged.reason
    assert _behaviour(steps_1_2(tracking, th, absence), _ended(tracking)) == "undetermined"
    assert _behaviour(steps_1_2(tracking, th, None), _ended(tracking)) == "constriction"  # the reading before
    # the same end beside a neighbour that does not grow by half of it (here by 20 of 85): a vanishing, judged by
    # the injection as before
    flat = [[_peak(-2.5, 85.0), _peak(-2.0, 101.0)], *([_peak(-2.0, r)] for r in (121.0, 117.0, 119.0, 120.0))]
    tracking = track_series(_entries(flat), rules=LabelRules(thickness_cm=0.05))
    assert absence_at_highest(tracking, shows, th)[_ended(tracking)].evidenced


def test_a_neighbour_growing_by_itself_takes_no_vanishing_track() -> None:
    # a constriction arc shrinking 100 -> 60 -> 30 ohm cm^2 and gone, 0.4 decade from a CT arc rising as R_Pol A
    # (100 -> 140 -> 170 -> 200 -> 230): the CT peak grows by 30 where the arc ends, its own typical step - no merge
    ct = [100.0, 140.0, 170.0, 200.0, 230.0]
    interface = [[_peak(-2.4, c), _peak(-2.0, r)] for c, r in zip((100.0, 60.0, 30.0), ct, strict=False)]
    interface += [[_peak(-2.0, r)] for r in ct[3:]]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    shows = lambda name, tau, r: True  # noqa: E731
    (ended,) = (t for t in tracking.tracks if len(t.points) == 3)
    assert ended.merged_into is not None  # the tracker saw it end beside the CT peak
    gone = absence_at_highest(tracking, shows, Steps12Thresholds())[ended.track]
    assert gone.evidenced and "merged" not in gone.reason
    # a small arc (10 -> 6 ohm cm^2) gone beside a large CT arc whose area scatters by 5 % (5000 +- 250): the CT
    # peak's step up where the arc ends is its own scatter
    big = [5000.0, 5250.0, 5000.0, 5250.0, 5000.0]
    interface = [[_peak(-2.4, c), _peak(-2.0, r)] for c, r in zip((10.0, 6.0), big, strict=False)]
    interface += [[_peak(-2.0, r)] for r in big[2:]]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    (ended,) = (t for t in tracking.tracks if len(t.points) == 2)
    assert ended.merged_into is not None
    assert "merged" not in absence_at_highest(tracking, shows, Steps12Thresholds())[ended.track].reason


def test_a_merge_into_a_peak_that_is_gone_itself_is_gone() -> None:
    # an arc of 60 merges into its neighbour (which grows 120 -> 180), and that peak then falls and is gone at the
    # highest pressure, shown so by the injection: the merged arc went with it
    interface = [[_peak(-2.5, 60.0), _peak(-2.0, 120.0)], [_peak(-2.0, 180.0)], [_peak(-2.0, 90.0)]]
    interface += [[_peak(-2.0, 40.0)], []]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    th = Steps12Thresholds()
    shows = lambda name, tau, r: True  # noqa: E731
    absence = absence_at_highest(tracking, shows, th)
    assert all(a.evidenced for a in absence.values()), absence
    assert "merged" in absence[_ended(tracking)].reason
    assert steps_1_2(tracking, th, absence).conclusion == "constriction_dominates"


def test_the_stage_measures_a_sub_threshold_remnant_and_not_its_kept_neighbours() -> None:
    # the stage's remnant (stages.drt._remnant) on GB 50 at 1e-6 s + a small arc of 2 ohm cm^2 at 1e-4 s + CT 500 at
    # 1e-1 s, 0.5 % noise: the small arc is a DRT peak of significance ~4 (< 5, not kept) and is what is left near
    # 1e-4 s - its area about half the arc's R (0.94 here: regularisation shrinks a peak near the noise, so the
    # rule errs towards "gone", as before); near 1e-1 s nothing is left beside the kept CT peak
    from eisrecipe.stages.drt import DrtStageSettings, _remnant

    result = compute_drt(_spectrum([(50.0, 1e-6), (2.0, 1e-4), (500.0, 1e-1)], 0.005, seed=4), SETTINGS)
    settings = DrtStageSettings(drt=SETTINGS)
    peaks = {"p": find_peaks(result, prominence=settings.prominence, min_snr=settings.min_snr)}
    assert not any(abs(math.log10(p.tau_s / 1e-4)) < 0.5 for p in peaks["p"])  # not kept
    left = _remnant({"p": result}, peaks, settings, "p", 1e-4)
    assert 0.5 < left < 2.5
    assert _remnant({"p": result}, peaks, settings, "p", 1e-1) < 0.5


def test_the_flank_bumps_of_a_depressed_arc_are_no_remnant() -> None:
    # GB 50 ohm cm^2 at 1e-5 s beside a CT ZARC of 100 ohm cm^2 (alpha 0.8) at 1e-2 s, 1 % noise: the regularised DRT
    # puts bumps of 2-4 ohm cm^2 on the ZARC's flank (significance 0-0.1 after the CPE-tail test). Counted as "left",
    # they would stop any small track ending there from being shown gone (review of the remnant rule); they stand
    # below REMNANT_MIN_SNR (2) and count as nothing
    from eisrecipe.stages.drt import DrtStageSettings, _remnant

    settings = DrtStageSettings(drt=SETTINGS)
    for seed in range(1, 7):
        result = compute_drt(_spectrum([(50.0, 1e-5), (100.0, 1e-2, 0.8)], 0.01, seed=seed), SETTINGS)
        peaks = {"p": find_peaks(result, prominence=settings.prominence, min_snr=settings.min_snr)}
        assert _remnant({"p": result}, peaks, settings, "p", 10**-3.5) == 0.0, seed
        assert _remnant({"p": result}, peaks, settings, "p", 1e-3) == 0.0, seed


def test_a_missing_track_whose_tau_shifts_and_amplitude_falls_is_constriction_without_being_shown_gone() -> None:
    # recipe Step 2 (i) on the points where it is seen: tau 1e-2 -> 10^-2.6 s, R 80 -> 20 ohm cm^2 (the matrix's
    # mixed cells: a constriction arc beside a CT arc, too small at high pressure for the injection test to see)
    interface = [[_peak(-2.0, 80.0)], [_peak(-2.2, 50.0)], [_peak(-2.4, 30.0)], [_peak(-2.6, 20.0)], []]
    tracking = track_series(_entries(interface), rules=LabelRules(thickness_cm=0.05))
    th = Steps12Thresholds()
    blind = absence_at_highest(tracking, lambda name, tau, r: r >= 20.0, th)
    assert not next(iter(blind.values())).evidenced
    finding = steps_1_2(tracking, th, blind)
    assert finding.interface_tracks[0].behaviour == "constriction"
    assert "not shown to be gone" in finding.interface_tracks[0].reason
    # the track's label, not the cell's conclusion: with no signal left at the highest pressure, Step 2 (ii) needs
    # every track shown gone
    assert finding.conclusion == "undetermined"


def test_injection_finds_a_lone_arc_and_not_one_hidden_in_a_neighbour() -> None:
    # the stage's injection test (stages.drt._would_show) on a spectrum of GB 50 at 1e-5 s + CT 500 at 1e-2 s, 0.3 %
    # noise: an RC of 20 ohm cm^2 at 1e-3 s (a decade from both) shows as a peak of its own; 0.2 ohm cm^2 there does
    # not (its signal, ~0.3 % of |Z|, is at the noise); 20 ohm cm^2 at 1.4e-2 s merges into the CT peak: not seen
    from eisrecipe.stages.drt import DrtStageSettings, _would_show

    result = compute_drt(_spectrum([(50.0, 1e-5), (500.0, 1e-2)], 0.003, seed=3), SETTINGS)
    drts = {"p": result}
    settings = DrtStageSettings(drt=SETTINGS)
    peaks = {"p": find_peaks(result, prominence=settings.prominence, min_snr=settings.min_snr)}  # as the stage does
    assert _would_show(drts, peaks, settings, "p", 1e-3, 20.0)
    assert not _would_show(drts, peaks, settings, "p", 1e-3, 0.2)
    assert not _would_show(drts, peaks, settings, "p", 1.4e-2, 20.0)


def test_zarc_distribution_closed_form() -> None:
    # the R-CPE distribution integrates to R, peaks at tau0 with R sin(phi) / (2 pi (1 - cos(phi))) per ln tau, and
    # is the distribution of R / (1 + (j omega tau0)^alpha): its relaxation integral gives the impedance back
    x = np.linspace(-60.0, 60.0, 200001)
    g = zarc_gamma(x, 1000.0, 0.0, 0.9)
    assert np.trapezoid(g, x) == pytest.approx(1000.0, rel=2e-3)  # the rest lies beyond |s| = 60
    phi = 0.1 * math.pi
    assert zarc_gamma(np.array([0.0]), 1000.0, 0.0, 0.9)[0] == pytest.approx(
        1000.0 * math.sin(phi) / (2 * math.pi * (1 - math.cos(phi))), rel=1e-12
    )
    w = 2 * np.pi * np.logspace(-2, 4, 7)
    z = (g[None, :] / (1 + 1j * np.outer(w, np.exp(x) * 1e-3))) @ np.gradient(x)
    np.testing.assert_allclose(z, 1000.0 / (1 + (1j * w * 1e-3) ** 0.9), rtol=3e-3)


REAL = DrtSettings(data="real")  # the default data part (config drt.data)
INSIDE = (math.log10(1 / (2 * math.pi * F[0])) + 0.5, math.log10(1 / (2 * math.pi * F[-1])) - 0.5)


@pytest.mark.parametrize("alpha", [0.9, 0.95])
def test_a_zarc_arc_is_one_peak_not_its_tails(alpha: float) -> None:
    """Bench cell of issue 19: a ZARC interface arc of ~1500 ohm cm^2 at 0.2 % noise gave bumps on its tails a
    decade either side at SNR 13-58 (seven tracks for three arcs). Measured here: without the tail test 4-7 peaks
    per spectrum; counted above the arc's own CPE tails one (0.5 decade from the window's ends, where a
    regularised DRT is not held by data). Not asserted, measured: at alpha 0.8 two of four seeds still split (the
    ZARC matched to the regularised core has lighter tails than the data's), and with data 'both' one seed in four
    at alpha 0.9 and 0.95."""
    split_without = 0
    for seed in range(4):
        result = compute_drt(_spectrum([(1500.0, 1e-3, alpha)], 0.002, seed), REAL)
        peaks = find_peaks(result, prominence=0.0, min_snr=5.0)
        inside = [p for p in peaks if INSIDE[0] < p.log10_tau < INSIDE[1]]
        assert len(inside) == 1, [(round(p.log10_tau, 2), round(p.r, 1), round(p.snr or 0, 1)) for p in inside]
        assert inside[0].log10_tau == pytest.approx(-3.0, abs=0.15)
        old = find_peaks(result, prominence=0.0, min_snr=5.0, cpe_tails=False)
        split_without += sum(INSIDE[0] < p.log10_tau < INSIDE[1] for p in old) > 1
    assert split_without == 4


@pytest.mark.parametrize(("r_small", "decades"), [(300.0, 0.7), (150.0, 1.0), (15.0, 2.0), (75.0, 1.5), (30.0, 2.5)])
def test_a_process_beside_a_cpe_arc_stands_above_its_tail(r_small: float, decades: float) -> None:
    # a distinct RC arc of 1-20 % of a ZARC (alpha 0.9) 0.7-2.5 decades away, on either side, stays its own peak
    for side in (-1, 1):
        for seed in (3, 4):
            tau = 1e-3 * 10.0 ** (side * decades)
            spectrum = _spectrum([(1500.0, 1e-3, 0.9), (r_small, tau, 1.0)], 0.002, seed)
            peaks = find_peaks(compute_drt(spectrum, REAL), prominence=0.0, min_snr=5.0)
            near = [p for p in peaks if abs(p.log10_tau - math.log10(tau)) < 0.3]
            assert len(near) == 1, [(round(p.log10_tau, 2), round(p.r, 1), round(p.snr or 0, 1)) for p in peaks]
