"""The known-answer matrix generator against closed forms (issue 15): Table 1 in the written truth, Z -> R_dc,
seeded reproducibility, no truth in the files the pipeline reads, and the scorer on a perfect fake pipeline."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eisrecipe.matrix import generator as gen
from eisrecipe.matrix.dataset import COLUMNS, plan, write_matrix
from eisrecipe.matrix.score import score_dataset

TINY = {"size": "tiny", "seed": 5, "sizes": {"tiny": {"per_class": 1, "network": 0}}}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("matrix") / "matrix_tiny"
    write_matrix(TINY, out)
    return out


def truths(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((folder / "ground_truth").glob("*.json"))]


@pytest.mark.parametrize("j", range(4))
@pytest.mark.parametrize("klass", list(gen.CLASSES))
def test_table1_relations_hold_in_the_truth(klass: str, j: int) -> None:
    truth, spectra = gen.circuit_truth_and_spectra(gen.draw_cell(klass, "c000", [9, j]))
    order, rows = truth["tau_order"], truth["spectra"]
    assert rows[-1]["contact_fraction"] == 1.0 and "r_cstr_ohm_cm2" not in rows[-1]  # R_Cstr -> 0 at A = 1
    for row in rows:
        a = row["contact_fraction"]
        assert 0.1 <= rows[0]["contact_fraction"] <= 1.0
        if truth["r_pol_ohm_cm2"]:
            r_pol, c_dl = truth["r_pol_ohm_cm2"], truth["c_dl_f_cm2"]
            if order == "ct_faster":
                assert row["r_ct_ohm_cm2"] == pytest.approx(r_pol * a) and row["c_ct_f_cm2"] == pytest.approx(c_dl / a)
            else:
                assert row["r_ct_ohm_cm2"] == pytest.approx(r_pol / a) and row["c_ct_f_cm2"] == pytest.approx(c_dl * a)
            assert row["tau_ct_s"] == pytest.approx(r_pol * c_dl)  # constant tau
        assert row["r_dc_ohm_cm2"] == pytest.approx(
            sum(row.get(f"r_{e}_ohm_cm2", 0.0) for e in ("bulk", "gb", "ct", "cstr", "sei"))
        )
    # constriction: R falls, C grows, tau shifts as A -> 1
    cstr = [r for r in rows if "r_cstr_ohm_cm2" in r]
    if len(cstr) > 1:
        assert all(np.diff([r["r_cstr_ohm_cm2"] for r in cstr]) < 0)
        assert all(np.diff([r["c_cstr_f_cm2"] for r in cstr]) > 0)
        assert all(np.diff([r["tau_cstr_s"] for r in cstr]) < 0)
    # dominance by Table 1 at p_min, inside the class's ratio range
    low = rows[0]
    if truth["dominant"] in gen.RATIO_RANGE and truth["class"] != "full_contact":
        lo, hi = gen.RATIO_RANGE[truth["dominant"]]
        assert lo * 0.999 <= low["r_ct_ohm_cm2"] / low["r_cstr_ohm_cm2"] <= hi * 1.001
        assert truth["tau_order"] == (
            "cstr_faster" if low["tau_cstr_s"] < low["tau_ct_s"] else "ct_faster"
        )  # tau order at p_min
    # physically sensible capacitances
    assert gen.C_RANGES["gb"][0] <= truth["c_gb_f_cm2"] <= gen.C_RANGES["gb"][1]
    assert 1e-11 < truth["c_bulk_f_cm2"] < 1e-9  # eps_r 50-150 over 0.05-0.07 cm
    assert len(spectra) == len(rows) and 4 <= len(rows) <= 10


def test_circuit_impedance_goes_to_r_dc_and_to_zero() -> None:
    spec = gen.draw_cell("mixed_cstr_faster", "c000", [1, 2])
    el = spec.elements(spec.contact[0])
    z = gen.circuit_impedance(el, np.array([1e-9, 1e14]))
    assert z[0].real == pytest.approx(sum(r for r, _ in el.values()), rel=1e-6)
    assert abs(z[1]) < 1e-3
    r, c = 10.0, 1e-6
    f = 1 / (2 * math.pi * r * c)  # apex of one RC: Z = R/2 - j R/2
    assert gen.circuit_impedance({"x": (r, c)}, np.array([f]))[0] == pytest.approx(5 - 5j)


def test_uneven_grid_and_window() -> None:
    nz = gen.draw_cell("ct_ct_faster", "c000", [3, 3]).nuisance
    f = nz.frequency_hz()
    assert f[0] == pytest.approx(nz.f_max_hz) and f[-1] == pytest.approx(nz.f_min_hz)
    assert np.all(np.diff(f) < 0)
    assert len(set(nz.points_per_decade)) > 1
    assert 0.2 <= nz.area_cm2 <= 2 and 1e-3 <= nz.noise_rel <= 1e-2


def test_seeded_and_byte_reproducible(tiny: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_matrix(TINY, again)
    files = sorted(p.relative_to(tiny) for p in tiny.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((tiny / p).read_bytes() == (again / p).read_bytes() for p in files)
    other = tmp_path / "other"
    write_matrix({**TINY, "seed": 6}, other)
    assert (other / "samples.tsv").read_bytes() != (tiny / "samples.tsv").read_bytes()


def test_pipeline_facing_files_carry_no_truth(tiny: Path) -> None:
    with (tiny / "samples.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert tuple(rows[0]) == COLUMNS
    named = {r["file"] for r in rows}
    assert not any("truth" in f for f in named)
    assert all(re.fullmatch(r"c\d{3}", r["cell"]) and re.fullmatch(r"c\d{3}_p\d{2}", r["spectrum"]) for r in rows)
    assert {r["interface"] for r in rows} <= {"stable", "sei"}
    by_cell = {t["cell"]: t for t in truths(tiny)}
    for r in rows:
        t = by_cell[r["cell"]]
        assert r["interface"] == t["interface_declared"]
        if r["contact_fraction"]:  # a noisy structural measurement, never the truth itself
            true_a = {s["spectrum"]: s["contact_fraction"] for s in t["spectra"]}[r["spectrum"]]
            assert float(r["contact_fraction"]) != true_a or true_a == 1.0
    for f in named:
        header = (tiny / f).read_text().splitlines()[0]
        assert header == "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm"
    # nothing else the pipeline could pick up sits beside the instrument files
    assert {p.name for p in tiny.iterdir()} == {"samples.tsv", "ground_truth", "ground_truth.json", "README.md"} | {
        r["cell"] for r in rows
    }


def test_plan_covers_every_class_and_sizes() -> None:
    reduced = plan({"size": "reduced", "seed": 1})
    full = plan({"size": "full", "seed": 1})
    assert 27 <= len(reduced) <= 33 and len(full) >= 300
    assert {k for _, k, _ in reduced} == {*gen.CLASSES, "network", "issue15_sheetless", "issue15_structural"}
    assert len({c for c, _, _ in full}) == len(full)


def _fake_perfect_pipeline(dataset: Path, results: Path) -> None:
    """The outputs a pipeline that got everything right would write."""
    for t in truths(dataset):
        d = results / t["cell"]
        d.mkdir(parents=True)
        verdict = "undetermined" if t["dominant"] == "sei" and t["interface_declared"] != "sei" else t["dominant"]
        (d / "verdict.json").write_text(
            json.dumps(
                {
                    "dominant_interface_process": verdict,
                    "tau_order": t["tau_order"],
                    "confidence": "high",
                    "process_probabilities": {verdict: 1.0},
                }
            )
        )
        fits = [
            {"fit": "series", "spectrum": s["spectrum"], "element": e, "r_ohm_cm2": s[f"r_{e}_ohm_cm2"]}
            for s in t["spectra"]
            for e in ("bulk", "gb", "ct", "cstr", "sei")
            if f"r_{e}_ohm_cm2" in s
        ]
        pd.DataFrame(fits).to_csv(d / "fits.csv", index=False)
        step6 = [{"spectrum": s["spectrum"], "value": s["contact_fraction"]} for s in t["spectra"]]
        s36 = {
            "step3": {"r_pol_ohm_cm2": t["r_pol_ohm_cm2"], "c_dl_f_cm2": t["c_dl_f_cm2"]},
            "step6": {"contact_area": step6},
        }
        (d / "steps36.json").write_text(json.dumps(s36))


def test_score_of_a_perfect_pipeline_passes_everything(tiny: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    _fake_perfect_pipeline(tiny, results)
    cells = sorted(t["cell"] for t in truths(tiny))
    paths = {k: tmp_path / f"{k}.out" for k in ("score_csv", "errors_csv", "acceptance_csv", "confusion_csv", "html")}
    acc = score_dataset(tiny, results, cells, **paths)
    assert all(a["passes"] for a in acc), acc
    page = paths["html"].read_text()
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    first = {k: p.read_bytes() for k, p in paths.items()}
    score_dataset(tiny, results, cells, **paths)
    assert first == {k: p.read_bytes() for k, p in paths.items()}  # byte-reproducible


def test_score_catches_the_issue_cell(tiny: Path, tmp_path: Path) -> None:
    """The issue's case: a CT-limited cell called constriction is a wrong verdict."""
    results = tmp_path / "results"
    _fake_perfect_pipeline(tiny, results)
    t = next(t for t in truths(tiny) if t["class"] == "ct_cstr_faster")
    wrong = {
        "dominant_interface_process": "constriction",
        "confidence": "high",
        "process_probabilities": {"constriction": 0.95},
    }
    (results / t["cell"] / "verdict.json").write_text(json.dumps(wrong))
    cells = sorted(x["cell"] for x in truths(tiny))
    paths = {k: tmp_path / f"{k}.out" for k in ("score_csv", "errors_csv", "acceptance_csv", "confusion_csv", "html")}
    acc = {a["figure"]: a for a in score_dataset(tiny, results, cells, **paths)}
    # issue 16: a wrong verdict stated with high confidence fails both confidence figures
    assert acc["high_confidence_wrong"]["count"] == 1 and not acc["high_confidence_wrong"]["passes"]
    assert acc["high_confidence_right"]["count"] == acc["high_confidence_right"]["of"] - 1
    score = pd.read_csv(paths["score_csv"]).set_index("cell")
    assert score.loc[t["cell"], "confidence_fraction"] == pytest.approx(0.95)
    if t["identifiable"]:
        assert acc["verdict_right_identifiable"]["count"] == acc["verdict_right_identifiable"]["of"] - 1
    conf = pd.read_csv(paths["confusion_csv"])
    row = conf[(conf["population"] == "all") & (conf["truth"] == "charge_transfer")].iloc[0]
    assert row["constriction"] == 1


def test_network_cell_truth() -> None:
    """A 3D-network cell (coarse box, seconds): exact DRT sums to R_dc, Table 1 R_CT on the realised contact."""
    from eisrecipe.matrix.network_cells import network_truth_and_spectra

    truth, spectra = network_truth_and_spectra("c900", [1, 1000, 0], 0)
    rows = truth["spectra"]
    assert truth["generator"] == "network" and len(spectra) == len(rows) >= 4
    assert rows[-1]["contact_fraction"] == pytest.approx(1.0) and rows[-1]["r_cstr_ohm_cm2"] == 0.0
    for row in rows:
        assert sum(row["drt"]["r_ohm_cm2"]) == pytest.approx(row["r_dc_ohm_cm2"], rel=1e-9)
        expected = truth["r_pol_ohm_cm2"] / row["contact_fraction"]  # tau_Cstr < tau_CT for k = 0
        assert row["r_ct_ohm_cm2"] == pytest.approx(expected)
    assert truth["r_bulk_ohm_cm2"] == pytest.approx(0.01 / 4.6e-4)  # L / sigma_bulk of the 100 um box
    r_int = [r["r_int_ohm_cm2"] for r in rows]
    assert all(np.diff(r_int) < 0)  # the interface resistance falls as the contact grows


def test_issue15_cell_is_the_issues_cell() -> None:
    truth, _ = gen.circuit_truth_and_spectra(gen.issue15_cell("c000", [1, 2000, 0], structural=False))
    rows = truth["spectra"]
    assert truth["r_pol_ohm_cm2"] == 40.0 and truth["dominant"] == "charge_transfer" and truth["identifiable"]
    assert [r["contact_fraction"] for r in rows][0::6] == [0.30, 1.0]
    shares = [r["r_ct_ohm_cm2"] / r["r_int_ohm_cm2"] for r in rows]
    assert min(shares) == pytest.approx(0.9) and max(shares) == 1.0  # CT 90-100 % of R_Int
    assert rows[0]["tau_cstr_s"] == pytest.approx(rows[0]["tau_ct_s"] / 2)  # overlapping arcs


def test_score_counts_wrong_definite_decisions_before_and_after_the_replicas(tiny: Path, tmp_path: Path) -> None:
    """Matrix c026 before Steps 1-2 were mended: the un-perturbed run said constriction for a CT cell and only the
    replicas turned it into ``undetermined``. The score keeps that decision (``verdict_unperturbed``) and counts it
    (``unperturbed_definite_wrong``); the final verdict is no definite wrong answer. A final definite wrong verdict
    counts in both."""
    results = tmp_path / "results"
    _fake_perfect_pipeline(tiny, results)
    ct = [t for t in truths(tiny) if t["dominant"] == "charge_transfer"]
    hidden = {
        "dominant_interface_process": "undetermined",
        "confidence": "low",
        "process_probabilities": {"undetermined": 0.75, "constriction": 0.25},
        "decision_path": [
            {"level": "chemical stability", "choice": "stable", "evidence": ""},
            {"level": "dominant interface process", "choice": "constriction", "evidence": "pressure series"},
            {"level": "confidence", "choice": "undetermined", "evidence": "unstable"},
        ],
    }
    (results / ct[0]["cell"] / "verdict.json").write_text(json.dumps(hidden))
    cells = sorted(x["cell"] for x in truths(tiny))
    paths = {k: tmp_path / f"{k}.out" for k in ("score_csv", "errors_csv", "acceptance_csv", "confusion_csv", "html")}
    acc = {a["figure"]: a for a in score_dataset(tiny, results, cells, **paths)}
    assert acc["definite_wrong"]["count"] == 0 and acc["definite_wrong"]["passes"]
    assert acc["unperturbed_definite_wrong"]["count"] == 1 and not acc["unperturbed_definite_wrong"]["passes"]
    score = pd.read_csv(paths["score_csv"]).set_index("cell")
    assert score.loc[ct[0]["cell"], "verdict_unperturbed"] == "constriction"
    assert not score.loc[ct[0]["cell"], "unperturbed_right"]
    wrong = {"dominant_interface_process": "mixed", "confidence": "low", "process_probabilities": {"mixed": 0.6}}
    (results / ct[0]["cell"] / "verdict.json").write_text(json.dumps(wrong))
    acc = {a["figure"]: a for a in score_dataset(tiny, results, cells, **paths)}
    assert acc["definite_wrong"]["count"] == 1 and acc["unperturbed_definite_wrong"]["count"] == 1


def test_deciding_separation_and_its_classes() -> None:
    """Decades of tau at the lowest pressure from the deciding element(s) to the nearest other visible element;
    invisible neighbours do not count; a mixed cell counts CT against constriction too."""
    from eisrecipe.matrix.score import by_separation, deciding_separation

    spectrum = {"spectrum": "x_p01", "tau_bulk_s": 1e-8, "tau_gb_s": 1e-6, "tau_ct_s": 3e-6, "tau_cstr_s": 1e-3}
    visible = {e: {"visible": True} for e in ("bulk", "gb", "ct", "cstr")}
    truth = {"dominant": "charge_transfer", "spectra": [spectrum], "visibility": {"x_p01": visible}}
    assert deciding_separation(truth) == pytest.approx(math.log10(3))  # CT against the GB
    hidden_gb = {**visible, "gb": {"visible": False}}
    assert deciding_separation({**truth, "visibility": {"x_p01": hidden_gb}}) == pytest.approx(math.log10(300))
    assert deciding_separation({**truth, "dominant": "constriction"}) == pytest.approx(math.log10(1000 / 3))
    only_interface = {**visible, "gb": {"visible": False}, "bulk": {"visible": False}}
    mixed = {**truth, "dominant": "mixed", "visibility": {"x_p01": only_interface}}
    assert deciding_separation(mixed) == pytest.approx(math.log10(1000 / 3))  # CT against constriction
    assert deciding_separation({**truth, "dominant": "sei"}) is None  # no SEI element in this truth
    rows = [
        {"identifiable": True, "verdict": "charge_transfer", "verdict_right": True, "separation_class": "0-0.5"},
        {"identifiable": True, "verdict": "undetermined", "verdict_right": False, "separation_class": "0-0.5"},
        {"identifiable": True, "verdict": "constriction", "verdict_right": True, "separation_class": ">= 2"},
        {"identifiable": False, "verdict": "undetermined", "verdict_right": True, "separation_class": ">= 2"},
    ]
    table = {r["separation_decades"]: r for r in by_separation(rows)}
    assert table["0-0.5"] == {
        "separation_decades": "0-0.5", "cells": 2, "right": 1, "fraction_right": 0.5, "undetermined": 1
    }  # fmt: skip
    assert table[">= 2"]["cells"] == 1 and set(table) == {"0-0.5", ">= 2"}
