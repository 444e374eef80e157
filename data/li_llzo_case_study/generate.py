"""Generate the Li | LLZO | Li case-study stand-in dataset (``python data/li_llzo_case_study/generate.py``).

SIMULATED spectra, not measurements: the raw spectra of Krauskopf et al. (ACS Appl. Mater. Interfaces 2019, 11,
14463) analysed in Eckhardt et al. (Adv. Mater. Interfaces 2023, 10, 2202354, Section 3.4) are not public. This
script builds a stand-in to the published numbers with the project's 3D impedance-network simulator
(:mod:`eisrecipe.network`): a 4 mm x 4 mm x 1 mm LLZO patch (62.5 um voxels, brick-layer grain boundaries) whose
working-electrode face carries a disordered Li contact map that grows with pressure (one correlated random field
thresholded at rising levels, after Zhang et al. 2020), then adds measurement artefacts (lead inductance, a
KK-inconsistent low-frequency distortion, proportional noise) and writes EC-Lab text exports in raw ohm for a
0.503 cm^2 electrode. See README.md for the calibration. Fixed seeds: re-running reproduces every file byte for
byte (on the same numpy/scipy/pyamg versions).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from eisrecipe.network.scenarios import Material, Scenario, SimulationResult, simulate

HERE = Path(__file__).resolve().parent
CELL = "LiLLZO"
AREA_CM2 = 0.503  # Li electrode of 8 mm diameter (stated area: raw ohm = ohm cm^2 / AREA_CM2)
THICKNESS_CM = 0.1

# ---------------------------------------------------------------------------------------------- calibration
#: LLZO (Li6.25Al0.25La3Zr2O12) after Eckhardt et al. Section 2.2; sigma_GB lowered from 5.97 to 0.93 uS/cm so that
#: tau_GB = eps0 eps / sigma_GB = 1.4e-5 s (case study: GB ~10 kHz, DRT peak ~1e-5 s) and R_GB ~ 100 ohm cm^2
#: (a third of the ion path's resistance, which makes the constriction's apparent Ea ~0.37 eV, Section 3.4).
#: R_Pol tiny (CT negligible); C_DL of the paper's tau_Cstr < tau_CT pair; C_Pore (scaled per pore depth class, see
#: GEOMETRY["pore_classes"]) calibrated to three interface peaks between 1e-5 and 1e-2 s.
MATERIAL = Material(
    sigma_bulk_s_cm=4.6e-4,
    ea_bulk_ev=0.34,
    sigma_gb_s_cm=9.3e-7,
    ea_gb_ev=0.43,
    eps_bulk=150.0,
    eps_gb=150.0,
    d_gb_nm=10.0,
    r_pol_ohm_cm2=0.02,
    ea_ct_ev=0.43,
    c_dl_f_cm2=1.77,
    c_pore_f_cm2=2e-6,
    reference_c=25.0,
)
GEOMETRY: dict[str, Any] = {
    "size_um": (4000.0, 4000.0, 1000.0),
    "voxel_um": 62.5,
    "gb_model": "brick",
    "mean_grain_um": 10.0,
    "morphology": "disordered",
    "correlation_um": 560.0,
    "morphology_seed": 1,
    # pore capacitance by gap depth below the contact level (field standard deviations): narrow gaps next to the
    # contacts (< 0.2) x20, shallow pores (0.2 .. 1.0) x1.3, deep voids x0.1 of C_Pore (40, 2.6 and 0.2 uF/cm^2).
    # Each class charges through its own access resistance to the contacts; a factor 10-15 between neighbouring
    # classes puts the three interface modes of the 10 MPa spectrum 0.6-0.85 decade apart (exact DRT 6.0e-5,
    # 2.9e-4, 2.0e-3 s; GB 1.4e-5 s). The former (0.3, 10), (1.0, 1), (99, 0.1) left two of them 0.46 decade apart.
    "pore_classes": ((0.2, 20.0), (1.0, 1.3), (99.0, 0.1)),
    "f_max_hz": 7e6,
    "f_min_hz": 0.1,
    "points_per_decade": 10,
}
#: (pressure MPa, mode, contact fraction): uniaxial steps, then isostatic pressing; A from ~20 % to ~100 %
PRESSURES: list[tuple[float, str, float]] = [
    (10.0, "uniaxial", 0.200),
    (15.0, "uniaxial", 0.277),
    (20.0, "uniaxial", 0.355),
    (25.0, "uniaxial", 0.432),
    (30.0, "uniaxial", 0.510),
    (35.0, "uniaxial", 0.587),
    (41.0, "uniaxial", 0.680),
    (400.0, "isostatic", 0.999),
]
T_SERIES_PRESSURE = 41.0
T_SERIES_C = [0.0, 15.0, 30.0, 45.0, 60.0]

# ---------------------------------------------------------------------------------------------- artefacts
L_LEAD_H = 0.35e-6  # lead inductance, raw H
NOISE_REL = 0.001  # proportional complex Gaussian noise, per part (issue: 0.1-0.5 %)
ARTEFACT_F_HZ = 400.0  # onset of the low-frequency distortion
ARTEFACT_PHASE_RAD = 0.10  # phase error per decade below the onset (grows like decades^1.5)
ARTEFACT_GAIN = 0.04  # relative modulus drift per decade below the onset
NOISE_SEED = 20190414
PERIODS_PER_POINT = 2  # EC-Lab "Na": sine periods averaged per frequency
OVERHEAD_S = 0.3  # per-frequency settling / range switching


def lowfreq_artefact(f: np.ndarray) -> np.ndarray:
    """Multiplicative distortion below :data:`ARTEFACT_F_HZ` (1 above): a phase lag and a modulus drift that grow
    with the decades below the onset, standing in for the non-stationarity (the cell state changing during the
    long low-frequency periods) that made the published KK residuals exceed 4 % below 200 Hz. Not a KK-consistent
    element: it rotates and scales a KK-consistent spectrum frequency by frequency."""
    dec = np.log10(ARTEFACT_F_HZ / np.minimum(f, ARTEFACT_F_HZ))
    return (1.0 + ARTEFACT_GAIN * dec) * np.exp(-1j * ARTEFACT_PHASE_RAD * dec**1.5)


def measured_ohm(res: SimulationResult, k: int) -> np.ndarray:
    """Raw impedance (ohm) as an instrument would record it: simulated ASR / area, artefacts, lead inductance, noise."""
    f = res.spectrum.frequency_hz
    z = res.spectrum.impedance / AREA_CM2 * lowfreq_artefact(f)
    z = z + 2j * np.pi * f * L_LEAD_H
    rng = np.random.default_rng([NOISE_SEED, k])
    return z + NOISE_REL * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))


# ---------------------------------------------------------------------------------------------- EC-Lab export
def _e(v: float, digits: int = 7) -> str:
    """EC-Lab's number format: 7.0000185E+006 (three-digit exponent)."""
    mant, exp = f"{v:.{digits}E}".split("E")
    return f"{mant}E{int(exp):+04d}"


def eclab_text(z: np.ndarray, f: np.ndarray, started: str, k: int, temperature_c: float) -> str:
    """An EC-Lab ASCII export (PEIS) in the layout of EC-Lab v11: 'Nb header lines' header, tab-separated table."""
    head = [
        "EC-Lab ASCII FILE",
        "Nb header lines : {n}                          ",
        "",
        "Potentio Electrochemical Impedance Spectroscopy",
        "",
        "Run on channel : 3 (SN 10421)",
        "User : ",
        "Electrode connection : standard",
        "Potential control : Ewe",
        "Ewe ctrl range : min = -10.00 V, max = 10.00 V",
        "Ewe,I filtering : <None>",
        "Safety Limits :",
        "\tDo not start on E overload",
        "Channel : Floating",
        f"Acquisition started on : {started}",
        f"Loaded Setting File :  C:\\Users\\lab\\Documents\\EC-Lab\\Data\\LiLLZO\\PEIS_{k:02d}.mps",
        "Saved on :",
        f"\tFile : PEIS_{k:02d}_C03.mpr",
        "\tDirectory : C:\\Users\\lab\\Documents\\EC-Lab\\Data\\LiLLZO\\",
        "\tHost : 192.168.0.17",
        "Device : SP-300 (SN 1787)",
        "Address : 192.168.0.10",
        "EC-LAB for windows v11.50 (software)",
        "Internet server v11.50 (firmware)",
        "Command interpretor v11.50 (firmware)",
        "Electrode material : Li",
        "Initial state : ",
        "Electrolyte : LLZO (Li6.25Al0.25La3Zr2O12), 1 mm",
        f"Comments : SIMULATED stand-in (eisrecipe.network), not measured; T = {temperature_c:g} C",
        "Cable : standard",
        f"Electrode surface area : {AREA_CM2:.3f} cm\u00b2",
        "Characteristic mass : 0.001 g",
        "Equivalent Weight : 0.000 g/eq.",
        "Density : 0.000 g/cm3",
        "Volume (V) : 0.001 cm\u00b3",
        "Cycle Definition : Charge/Discharge alternance",
    ]
    params = [
        ("Mode", "Single sine"),
        ("E (V)", "0.0000"),
        ("vs.", "Eoc"),
        ("tE (h:m:s)", "0:00:1.0000"),
        ("record", "0"),
        ("dI", "0.000"),
        ("unit dI", "A"),
        ("dt (s)", "1.000"),
        ("fi", "7.000"),
        ("unit fi", "MHz"),
        ("ff", "100.000"),
        ("unit ff", "mHz"),
        ("Nd", "10"),
        ("Points", "per decade"),
        ("spacing", "Logarithmic"),
        ("Va (mV)", "10.0"),
        ("pw", "0.10"),
        ("Na", str(PERIODS_PER_POINT)),
        ("corr", "0"),
        ("E range min (V)", "-10.000"),
        ("E range max (V)", "10.000"),
        ("I Range", "Auto"),
        ("Bandwidth", "7"),
        ("nc cycles", "0"),
        ("goto Ns'", "0"),
        ("nr cycles", "0"),
        ("inc. cycle", "0"),
    ]
    head += [f"{a:<20}{b:<20}" for a, b in params]
    head.append("")
    cols = ["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "|Z|/Ohm", "Phase(Z)/deg", "time/s", "<Ewe>/V", "<I>/mA"]
    cols += ["cycle number"]
    head.append("\t".join(cols) + "\t")
    head[1] = head[1].format(n=len(head))
    t = np.cumsum(OVERHEAD_S + PERIODS_PER_POINT / f) + 1.0
    rng = np.random.default_rng([NOISE_SEED, 1000 + k])
    ewe = -0.0002 + 2e-6 * rng.standard_normal(f.size)
    cur = 1e-6 * rng.standard_normal(f.size)
    rows = [
        "\t".join(
            [
                _e(fi),
                _e(zz.real),
                _e(-zz.imag),
                _e(abs(zz)),
                _e(math.degrees(math.atan2(zz.imag, zz.real))),
                _e(ti, 15),
                _e(ei),
                _e(ci),
                _e(1.0, 15),
            ]
        )
        for fi, zz, ti, ei, ci in zip(f, z, t, ewe, cur, strict=True)
    ]
    return "\r\n".join(head + rows) + "\r\n"


# ---------------------------------------------------------------------------------------------- truth
def _exact_drt_summary(res: SimulationResult) -> dict[str, Any]:
    """The exact DRT (Foster form) condensed: modes above 1e-4 of R_dc, and the resistance per process window."""
    d = res.drt
    keep = d.r > 1e-4 * d.r_dc
    lt = np.log10(d.tau_s)
    bands = {"bulk_tau_lt_1e-6": lt < -6, "gb_1e-6_to_3e-5": (lt >= -6) & (lt < math.log10(3e-5))}
    bands["interface_tau_ge_3e-5"] = lt >= math.log10(3e-5)
    return {
        "tau_s": [float(f"{v:.6g}") for v in d.tau_s[keep]],
        "r_ohm_cm2": [float(f"{v:.6g}") for v in d.r[keep]],
        "n_modes_total": int(d.tau_s.size),
        "r_by_tau_window_ohm_cm2": {k: float(f"{d.r[m].sum():.6g}") for k, m in bands.items()},
    }


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return float(f"{v:.8g}")
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_round(x) for x in v]
    return v


def truth_entry(name: str, file: str, row: dict[str, Any], res: SimulationResult) -> dict[str, Any]:
    el = dict(res.truth)
    r_int = (el["r_cstr_ohm_cm2"] or 0.0) + (el["r_ct_ohm_cm2"] or 0.0)
    return _round(
        {
            "spectrum": name,
            "file": file,
            "series": row["series"],
            "pressure_mpa": row["pressure_mpa"],
            "pressure_mode": row["pressure_mode"],
            "temperature_c": row["temperature_c"],
            "contact_fraction": res.contact_fraction,
            "r_inf_ohm_cm2": res.r_inf_ohm_cm2,
            "r_dc_ohm_cm2": res.r_dc_ohm_cm2,
            "r_int_ohm_cm2": r_int,
            "elements": el,
            "exact_drt": _exact_drt_summary(res),
        }
    )


def arrhenius_ea(temps_c: list[float], r: list[float]) -> float:
    """Ea (eV) from the slope of ln(T/R) versus 1/T."""
    t = np.asarray(temps_c) + 273.15
    slope = np.polyfit(1.0 / t, np.log(t / np.asarray(r)), 1)[0]
    return float(-slope * 8.617333262e-5)


# ---------------------------------------------------------------------------------------------- main
def scenarios() -> list[tuple[str, dict[str, Any], Scenario]]:
    out = []
    for p, mode, a in PRESSURES:
        name = f"p{p:03.0f}{'iso' if mode == 'isostatic' else ''}"
        row = {"series": "pressure", "pressure_mpa": p, "pressure_mode": mode, "temperature_c": 25.0}
        s = Scenario(spectrum=name, cell=CELL, contact_fraction=a, material=MATERIAL, pressure_mpa=p, **GEOMETRY)
        out.append((name, row, s))
    a41 = dict((p, a) for p, _, a in PRESSURES)[T_SERIES_PRESSURE]
    for t in T_SERIES_C:
        name = f"T{'m' if t < 0 else ''}{abs(t):02.0f}C"
        row = {"series": "temperature", "pressure_mpa": T_SERIES_PRESSURE, "pressure_mode": "uniaxial"}
        row["temperature_c"] = t
        s = Scenario(
            spectrum=name,
            cell=CELL,
            contact_fraction=a41,
            material=MATERIAL,
            temperature_c=t,
            series="temperature",
            pressure_mpa=T_SERIES_PRESSURE,
            **GEOMETRY,
        )
        out.append((name, row, s))
    return out


def main() -> None:
    t0 = time.perf_counter()
    sheet = [
        "cell\tspectrum\tfile\tformat\tseries\tpressure_mpa\tpressure_mode\ttemperature_c\tarea_cm2\t"
        "thickness_cm\tcontact_fraction"
    ]
    truth: list[dict[str, Any]] = []
    for k, (name, row, s) in enumerate(scenarios()):
        print(f"[{time.perf_counter() - t0:6.1f} s] {k + 1}: {name}", file=sys.stderr, flush=True)
        # pyamg draws the start vector of its spectral-radius estimate from numpy's global RNG: seed it so the
        # AMG hierarchy, and so every digit of the reduced model, is the same on every run
        np.random.seed(1000 + k)
        res = simulate(s, decompose=True)
        z = measured_ohm(res, k)
        f = res.spectrum.frequency_hz
        file = f"{CELL}/{name}.txt"
        (HERE / CELL).mkdir(exist_ok=True)
        started = f"04/{10 + k // 6:02d}/2019 {9 + k % 6:02d}:{(7 * k) % 60:02d}:{(13 * k) % 60:02d}.000"
        (HERE / file).write_bytes(eclab_text(z, f, started, k, row["temperature_c"]).encode("latin-1"))
        sheet.append(
            f"{CELL}\t{name}\t{file}\tbiologic-mpt\t{row['series']}\t{row['pressure_mpa']:g}\t{row['pressure_mode']}\t"
            f"{row['temperature_c']:g}\t{AREA_CM2:g}\t{THICKNESS_CM:g}\t{res.contact_fraction:.4f}"
        )
        truth.append(truth_entry(name, file, row, res))
    (HERE / "samples.tsv").write_text("\n".join(sheet) + "\n", encoding="utf-8")
    temps = [e for e in truth if e["series"] == "temperature"]
    tc = [e["temperature_c"] for e in temps]
    ea = {
        "bulk": arrhenius_ea(tc, [e["elements"]["r_bulk_ohm_cm2"] for e in temps]),
        "gb": arrhenius_ea(tc, [e["elements"]["r_gb_ohm_cm2"] for e in temps]),
        "int_dc": arrhenius_ea(tc, [e["r_int_ohm_cm2"] for e in temps]),
        "cstr_dc": arrhenius_ea(tc, [e["elements"]["r_cstr_ohm_cm2"] for e in temps]),
    }
    payload = {
        "description": "SIMULATED stand-in for the Li|LLZO|Li case study (Eckhardt et al. 2023, Section 3.4; data "
        "of Krauskopf et al. 2019); not measured. Element values in ohm cm^2, F/cm^2, s.",
        "generator": "data/li_llzo_case_study/generate.py (eisrecipe.network)",
        "cell": CELL,
        "area_cm2": AREA_CM2,
        "thickness_cm": THICKNESS_CM,
        "material": _round(MATERIAL.__dict__),
        "geometry": _round({k: (list(v) if isinstance(v, tuple) else v) for k, v in GEOMETRY.items()}),
        "artefacts": {
            "lead_inductance_h": L_LEAD_H,
            "noise_rel_per_part": NOISE_REL,
            "noise_seed": NOISE_SEED,
            "lowfreq_onset_hz": ARTEFACT_F_HZ,
            "lowfreq_phase_rad_per_decade15": ARTEFACT_PHASE_RAD,
            "lowfreq_gain_per_decade": ARTEFACT_GAIN,
        },
        "symmetric_cell_halving": False,
        "counter_electrode": "ideal (quasi-reference): all interface impedance belongs to the working electrode",
        "activation_energies_dc_ev": _round(ea),
        "spectra": truth,
    }
    (HERE / "ground_truth.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"done in {time.perf_counter() - t0:.1f} s; Ea (DC truth): {ea}", file=sys.stderr)


if __name__ == "__main__":
    main()
