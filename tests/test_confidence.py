"""The verdict's measured confidence (issue 16): the levels and the undetermined rule of
``recipe.verdict.apply_confidence``, and the replica analysis of ``stages.confidence`` on the example cell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from eisrecipe.io.samplesheet import load_sample_sheet
from eisrecipe.recipe.verdict import VerdictSettings, apply_confidence
from eisrecipe.stages.confidence import ConfidenceSettings, _measured_noise, cell_confidence
from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.fit import FitSettings
from eisrecipe.stages.validate import load_validated, settings_for_cell, validate_cell

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "example"
SETTINGS = {"high": 0.9, "medium": 0.7, "min_probability": 0.5}


def doc(probabilities: dict[str, float], n: int = 10) -> dict:
    return {
        "assessed": True,
        "settings": SETTINGS,
        "process_probabilities": probabilities,
        "replicas": [{"index": i} for i in range(n)],
    }


def verdict(process: str = "constriction", gates: list | None = None) -> dict:
    return {"dominant_interface_process": process, "summary": "Constriction.", "gates": gates or [], "conflicts": []}


@pytest.mark.parametrize(
    ("p", "gates", "level"),
    [
        (1.0, [], "high"),
        (0.9, [], "high"),
        (0.8, [], "medium"),
        (1.0, [{"gate": "fit_flagged"}], "medium"),
        (0.6, [], "low"),
    ],
)
def test_levels(p: float, gates: list, level: str) -> None:
    out = apply_confidence(verdict(gates=gates), doc({"constriction": p, "charge_transfer": 1 - p}))
    assert out["dominant_interface_process"] == "constriction"
    assert out["confidence"] == level
    assert out["process_probabilities"]["constriction"] == p
    assert f"Confidence: {level}" in out["summary"]


def test_one_overlapping_interface_signal_is_never_high() -> None:
    v = {**verdict(), "branch": "right"}
    out = apply_confidence(v, doc({"constriction": 1.0}))
    assert out["confidence"] == "medium" and "one overlapping interface signal" in out["summary"]
    assert apply_confidence({**verdict(), "branch": "left"}, doc({"constriction": 1.0}))["confidence"] == "high"


def test_a_decision_on_a_premise_the_replicas_cannot_test_is_never_high() -> None:
    # matrix c029: mixed by 16 of 16 replicas, but the constriction side is an element whose R falls faster than the
    # primary CT's - true for one interface, not for two electrodes gaining contact at different rates
    v = {**verdict("mixed"), "branch": "left", "dominance": {"premise": "one working interface"}}
    out = apply_confidence(v, doc({"mixed": 1.0}))
    assert out["confidence"] == "medium" and "assumes one working interface" in out["summary"]


def test_a_process_most_replicas_do_not_reach_is_no_verdict() -> None:
    out = apply_confidence(verdict(), doc({"constriction": 0.4, "charge_transfer": 0.6}))
    assert out["dominant_interface_process"] == "undetermined"
    assert out["confidence"] == "low"
    assert "40% of 10" in out["summary"] and "charge_transfer 60%" in out["conflicts"][-1]
    assert out["decision_path"][-1]["level"] == "confidence"


def test_an_undetermined_verdict_is_never_confident() -> None:
    """Matrix cell c023: undetermined un-perturbed and in 16 of 16 replicas was labelled "high"; a verdict that
    names no process has nothing to be confident in."""
    out = apply_confidence(verdict("undetermined"), doc({"undetermined": 1.0}, n=16))
    assert out["dominant_interface_process"] == "undetermined"
    assert out["confidence"] == "low"
    assert "Confidence: low (100% of 16 perturbed re-runs reach undetermined)" in out["summary"]


def test_not_assessed_and_absent() -> None:
    out = apply_confidence(verdict(), {"assessed": False, "reason": "switched off", "settings": SETTINGS})
    assert out["confidence"] is None and out["replicas"]["reason"] == "switched off"
    assert out["dominant_interface_process"] == "constriction"
    assert "confidence" not in apply_confidence(verdict(), None)


def test_settings_are_checked() -> None:
    with pytest.raises(Exception, match="min_probability <= medium <= high"):
        ConfidenceSettings(high=0.6, medium=0.7)
    with pytest.raises(Exception, match="unknown confidence setting"):
        ConfidenceSettings.from_config({"replica": 3})


@pytest.fixture(scope="module")
def example_cell(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Validation and DRT outputs of the example's pressure cell (cellA, 4 pressures)."""
    d = tmp_path_factory.mktemp("conf")
    for f in EXAMPLE.glob("cell*.txt"):
        shutil.copy(f, d / f.name)
    shutil.copy(EXAMPLE / "samples.tsv", d / "samples.tsv")
    rows = load_sample_sheet(d)
    rows = rows[rows["cell"] == "cellA"]
    config = {"crop": {}, "kk": {}}
    validate_cell(rows, settings_for_cell(config, "cellA")).write(d / "spectra.csv", d / "validation.json")
    spectra = load_validated(d / "spectra.csv", d / "validation.json")
    run_cell_drt("cellA", spectra, DrtStageSettings()).write(
        d / "drt.csv", d / "drt_fit.csv", d / "peaks.csv", d / "tracks.csv", d / "steps12.json"
    )
    return d


def run(d: Path, replicas: int) -> dict:
    return cell_confidence(
        "cellA",
        load_validated(d / "spectra.csv", d / "validation.json"),
        pd.read_csv(d / "spectra.csv"),
        json.loads((d / "validation.json").read_text()),
        json.loads((d / "steps12.json").read_text()),
        DrtStageSettings(),
        FitSettings(),
        VerdictSettings(),
        ConfidenceSettings(replicas=replicas),
    )


def test_replicas_vote_and_are_reproducible(example_cell: Path) -> None:
    a = run(example_cell, 4)
    assert a["assessed"] is True
    assert len(a["replicas"]) == 4
    assert sum(a["process_probabilities"].values()) == pytest.approx(1.0)
    # every replica records what it changed
    for r in a["replicas"]:
        assert r["lambda_scale"] in (1 / 3, 1.0, 3.0) and r["prominence_scale"] in (0.5, 1.0, 2.0)
        assert r["snr_scale"] in (0.6, 1.0, 1.4)
        assert set(r["window_shift"]) == {"p010", "p020", "p041", "p400"}
        assert all(abs(h) <= 2 and abs(lo) <= 2 for h, lo in r["window_shift"].values())
    assert json.dumps(a, sort_keys=True) == json.dumps(run(example_cell, 4), sort_keys=True)


def test_switched_off_costs_nothing(example_cell: Path) -> None:
    out = run(example_cell, 0)
    assert out["assessed"] is False and "switched off" in out["reason"]


def test_window_moves_only_into_kk_dropped_points_and_survives_missing_lines() -> None:
    """The window grows only into points the KK crop dropped (not inductive ones), shrinks inward, and a file
    without line numbers (binary readers) still gives replicas."""
    import numpy as np

    from eisrecipe.spectrum import Spectrum
    from eisrecipe.stages.confidence import _perturbed

    f = np.logspace(5, -1, 20)
    z = 10 + 100 / (1 + 2j * np.pi * f * 1e-3)
    wiggle = 0.001 * np.random.default_rng(5).standard_normal(20)
    points = pd.DataFrame(
        {
            "frequency_hz": f,
            "z_real_ohm_cm2": z.real,
            "z_imag_ohm_cm2": z.imag,
            "source_line": np.nan,
            "kept": [False] + [True] * 18 + [False],
            "drop_reason": ["inductive"] + [""] * 18 + ["kk_residual"],
            # residuals: a smooth misfit of 2 % plus 0.1 % white noise per part
            "kk_residual_real": 0.02 * np.cos(np.linspace(0, 3, 20)) + wiggle,
            "kk_residual_imag": -0.02 + 0.001 * np.random.default_rng(6).standard_normal(20),
        }
    )
    kept = Spectrum(f[1:19], z[1:19])
    grown = _perturbed(kept, points, (2, 2), np.random.default_rng(0))
    assert grown.frequency_hz.size == 19 and grown.frequency_hz[-1] == f[-1] and grown.lines is None
    shrunk = _perturbed(kept, points, (-2, -1), np.random.default_rng(0))
    assert np.array_equal(shrunk.frequency_hz, f[3:18])
    # the noise is Gaussian of the residuals' noise level, not their misfit: 0.1 % per part, within the scatter of
    # a robust estimate from 17 differences and of 30 draws (a factor 2 either way; the misfit alone would be 20x)
    many = [_perturbed(kept, points, (0, 0), np.random.default_rng(k)) for k in range(30)]
    rel = np.concatenate([(m.impedance - z[1:19]) / np.abs(z[1:19]) for m in many])
    assert 0.0005 < np.sqrt(np.mean(rel.real**2)) < 0.002 and 0.0005 < np.sqrt(np.mean(rel.imag**2)) < 0.002
    # a level given (the kept window's measured noise level) is used as it is
    given = _perturbed(kept, points, (0, 0), np.random.default_rng(1), noise_level=0.01)
    assert 0.005 < np.sqrt(np.mean(np.abs((given.impedance - z[1:19]) / np.abs(z[1:19])) ** 2 / 2)) < 0.02


def test_replica_noise_is_the_kept_windows_measured_level() -> None:
    # not the KK fit's noise_estimate, which overstates the noise (eisrecipe.methods.crop, rule 5)
    doc = {
        "spectra": [
            {"spectrum": "p1", "noise_level": 0.003, "kk_final": {"noise_estimate": 0.0045}},
            {"spectrum": "p2", "kk_final": {"noise_estimate": 0.0045}},  # no level recorded: none given
            {"spectrum": "p3", "noise_level": None},
        ]
    }
    assert _measured_noise(doc) == {"p1": 0.003}


def test_a_point_the_crop_dropped_inside_its_window_stays_out_of_every_replica() -> None:
    """An isolated KK failure is a hole in the kept window (eisrecipe.methods.crop, rule 2): moving the window's ends
    must not bring it back."""
    import numpy as np

    from eisrecipe.spectrum import Spectrum
    from eisrecipe.stages.confidence import _perturbed

    f = np.logspace(5, -1, 20)
    z = 10 + 100 / (1 + 2j * np.pi * f * 1e-3)
    kept_mask = np.array([False] + [True] * 18 + [False])
    kept_mask[9] = False  # the hole
    reason = np.where(kept_mask, "", "kk_residual")
    points = pd.DataFrame(
        {
            "frequency_hz": f,
            "z_real_ohm_cm2": z.real,
            "z_imag_ohm_cm2": z.imag,
            "source_line": np.arange(2, 22),
            "kept": kept_mask,
            "drop_reason": reason,
            "kk_residual_real": 0.001 * np.random.default_rng(1).standard_normal(20),
            "kk_residual_imag": 0.001 * np.random.default_rng(2).standard_normal(20),
        }
    )
    kept = Spectrum(f[kept_mask], z[kept_mask])
    for shift in ((0, 0), (1, 1), (-2, -2)):
        rep = _perturbed(kept, points, shift, np.random.default_rng(0))
        assert f[9] not in rep.frequency_hz
    grown = _perturbed(kept, points, (1, 1), np.random.default_rng(0))
    assert grown.frequency_hz.size == 19 and f[0] in grown.frequency_hz and f[-1] in grown.frequency_hz
