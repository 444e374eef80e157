"""Hand-made stage outputs of two small cells (a pressure series and a temperature series) for the report tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eisrecipe.methods.circuits import SeriesModel

FREQ = np.logspace(6, -1, 36)
ELEMENTS = {"bulk": (150.0, 3e-8, 1.0, "RC"), "gb": (60.0, 1.6e-5, 0.95, "RCPE")}


def _write_cell(folder: Path, name: str, series: str, values: list[float], interface: list[float]) -> None:
    folder.mkdir(parents=True)
    key = "pressure_mpa" if series == "pressure" else "temperature_c"
    names = [f"s{i}" for i in range(len(values))]
    spectra, fits, drt, tracks, records = [], [], [], [], []
    tau_grid = np.logspace(-9, 1, 60)
    for i, (s, v, r_int) in enumerate(zip(names, values, interface, strict=True)):
        scale = 1.0 if series == "pressure" else np.exp(2.0 * i)
        elems = {k: (r / scale, tau / scale, a, kind) for k, (r, tau, a, kind) in ELEMENTS.items()}
        elems["int"] = (r_int / scale, 1e-3 / (i + 1) / scale, 0.9, "RCPE")
        model = SeriesModel.of(list(elems), [e[3] for e in elems.values()], r_inf=True)
        x = model.pack(
            [e[0] for e in elems.values()], [e[1] for e in elems.values()], [e[2] for e in elems.values()], 20.0
        )
        z = model.impedance(2 * np.pi * FREQ, x)
        kept = FREQ > 0.15
        for f, zz, k in zip(FREQ, z, kept, strict=True):
            spectra.append(
                {
                    "cell": name,
                    "spectrum": s,
                    "frequency_hz": f,
                    "z_real_ohm_cm2": zz.real,
                    "z_imag_ohm_cm2": zz.imag,
                    "kk_residual_real": 0.001 if k else 0.06,
                    "kk_residual_imag": -0.002,
                    "kept": bool(k),
                    "drop_reason": None if k else "kk_residual",
                }
            )
        for el, (r, tau, a, kind) in elems.items():
            fits.append(
                {
                    "fit": "series" if series == "pressure" else "temperature",
                    key: v,
                    "spectrum": s,
                    "element": el,
                    "kind": kind,
                    "r_ohm_cm2": r,
                    "r_stderr_ohm_cm2": 0.01 * r,
                    "c_f_cm2": tau / r,
                    "c_stderr_f_cm2": 0.02 * tau / r,
                    "tau_s": tau,
                    "tau_stderr_s": 0.01 * tau,
                    "alpha": a,
                    "alpha_stderr": 0.0 if kind == "RC" else 0.01,
                    "shared": el != "int",
                    "r_inf_ohm_cm2": 20.0,
                    "r_inf_stderr_ohm_cm2": 0.3,
                    "l_h_cm2": 0.0,
                    "l_stderr_h_cm2": 0.0,
                    "max_rel_residual": 0.001,
                    "reduced_chi2": 1e-6,
                    "fit_ok": True,
                    "flags": "",
                }
            )
            gamma = r / np.sqrt(2 * np.pi) / 0.3 * np.exp(-0.5 * (np.log10(tau_grid / tau) / 0.3) ** 2) / 2.3
            if el == "bulk":
                drt += [
                    {"spectrum": s, "tau_s": t, "frequency_hz": 1 / (2 * np.pi * t), "gamma_ohm_cm2": 0.0}
                    for t in tau_grid
                ]
            for j in range(tau_grid.size):
                drt[-len(tau_grid) + j]["gamma_ohm_cm2"] += gamma[j]
            tracks.append(
                {"track": list(elems).index(el), "label": el, "spectrum": s, key: v, "tau_s": tau, "r_ohm_cm2": r}
            )
        records.append(
            {
                "spectrum": s,
                "file": f"{s}.txt",
                "sha256": f"{i:064x}",
                "status": "ok",
                "meta": {"series": series, key: v, "area_cm2": 0.5},
                "n_kept": int(kept.sum()),
                "n_points": FREQ.size,
                "window_hz": [float(FREQ[kept].min()), float(FREQ.max())],
                "dropped_by_reason": {"kk_residual": 2},
                "kk_final": {"n_rc": 12, "mu": 0.8, "noise_estimate": 0.004, "max_abs_residual": 0.02},
                "noise_level": 0.003,
            }
        )
    pd.DataFrame(spectra).to_csv(folder / "spectra.csv", index=False)
    pd.DataFrame(fits).to_csv(folder / "fits.csv", index=False)
    pd.DataFrame(drt).to_csv(folder / "drt.csv", index=False)
    pd.DataFrame(tracks).to_csv(folder / "tracks.csv", index=False)
    pd.DataFrame(columns=["spectrum", "peak", "tau_s", "r_ohm_cm2"]).to_csv(folder / "peaks.csv", index=False)
    excluded = [
        {"spectrum": "bad", "file": "bad.txt", "error": f"{folder.resolve()}/data/bad.txt, line 3: not a number"}
    ]
    validation = {
        "cell": name,
        "n_spectra": len(names) + 1,
        "n_accepted": len(names),
        "n_excluded": 1,
        "settings": {"kk_threshold": 0.04},
        "spectra": records,
        "excluded": excluded,
    }
    (folder / "validation.json").write_text(json.dumps(validation))
    (folder / "steps12.json").write_text(json.dumps({"cell": name, "steps_1_2": {"branch": "right", "notes": ["x"]}}))
    (folder / "steps36.json").write_text(json.dumps({"cell": name, "step3": {"r_pol_upper_bound_ohm_cm2": 6.9}}))
    arr_cols = [
        "element",
        "ea_ev",
        "ea_stderr_ev",
        "ln_prefactor",
        "ln_prefactor_stderr",
        "r2",
        "n_points",
        "t_min_c",
        "t_max_c",
    ]
    arr = pd.DataFrame(columns=arr_cols)
    if series == "temperature":
        arr = pd.DataFrame(
            [["int", 0.37, 0.01, 10.0, 0.3, 0.999, len(values), min(values), max(values)]], columns=arr_cols
        )
    arr.to_csv(folder / "arrhenius.csv", index=False)
    verdict = {
        "cell": name,
        "dominant_interface_process": "constriction",
        "branch": "right",
        "interface_stability": "stable",
        "tau_order": None,
        "summary": f"Cell {name}: constriction limits the interface.",
        "decision_path": [
            {"level": "chemical stability", "choice": "stable", "evidence": "no SEI signal"},
            {"level": "contact", "choice": "non-ideal", "evidence": "R_int falls with pressure"},
        ],
        "r_pol": {"upper_bound_ohm_cm2": 6.9},
        "contact_area": [
            {"spectrum": s, "pressure_mpa": v, "value": 0.2 * (i + 1), "stderr": 0.01}
            for i, (s, v) in enumerate(zip(names, values, strict=True))
        ]
        if series == "pressure"
        else [],
        "activation_energies": [{"element": "int", "ea_ev": 0.37, "ea_stderr_ev": 0.01, "n_points": len(values)}]
        if series == "temperature"
        else [],
        "steps": [
            {
                "step": "1",
                "title": "DRT signals",
                "finding": "one interface signal",
                "support": "supports",
                "numbers": {"n_signals": 3, "tau_s": 1.23e-4},
            },
            {
                "step": "7",
                "title": "Arrhenius",
                "finding": "no temperature series",
                "support": "not_applicable",
                "numbers": {},
            },
        ],
        "conflicts": [],
        "excluded_spectra": [],
        "provenance": {"eisrecipe": "test"},
    }
    (folder / "verdict.json").write_text(json.dumps(verdict))


@pytest.fixture(scope="session")
def cells_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<tmp>/pressureCell`` (3 pressures) and ``<tmp>/tempCell`` (3 temperatures)."""
    return make_cells(tmp_path_factory.mktemp("report_cells"))


def make_cells(root: Path) -> Path:
    """Write the two hand-made cells under ``root`` (also used by ``tests/test_report_browser.py``)."""
    _write_cell(root / "pressureCell", "pressureCell", "pressure", [10.0, 41.0, 400.0], [300.0, 80.0, 20.0])
    _write_cell(root / "tempCell", "tempCell", "temperature", [0.0, 25.0, 60.0], [100.0, 100.0, 100.0])
    return root
