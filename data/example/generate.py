"""Generate the small example dataset (run from anywhere: ``python data/example/generate.py``).

These are SIMULATED spectra of an equivalent circuit, not measurements: a stand-in default dataset until the
Li|LLZO case-study dataset exists. Two cells of a Li | LLZO | Li-like system (electrode area 0.5 cm^2):

- ``cellA``: pressure series at 25 C, uniaxial 10, 20, 41 MPa then isostatic 400 MPa; the interface arc shrinks
  and shifts with pressure;
- ``cellB``: temperature series at 41 MPa, 0 .. 60 C, Arrhenius resistances.

Each spectrum (electrolyte 0.1 cm thick): bulk RC + grain-boundary ZARC + interface ZARC, 1 uH lead
inductance, 0.2 % proportional noise (seeded), and a low-frequency artefact below 1 Hz (a phase error
growing by 0.3 rad per decade) that fails the KK test. 7 MHz .. 0.1 Hz, 10 points per decade. Re-running
reproduces the files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
AREA_CM2 = 0.5
K_B = 8.617333262e-5  # eV/K
F = np.logspace(np.log10(7e6), -1, 80)


def zarc(f: np.ndarray, r: float, tau: float, alpha: float) -> np.ndarray:
    return r / (1 + (2j * np.pi * f * tau) ** alpha)


def spectrum_ohm_cm2(r_b: float, r_gb: float, r_int: float, tau_int: float, seed: int) -> np.ndarray:
    w = 2 * np.pi * F
    # bulk: C = 1.3e-10 F/cm^2 (eps ~ 150 over 0.1 cm), its arc partly above 7 MHz at 25 C; GB (C = 2.67e-7 F/cm^2)
    # and interface slightly depressed arcs. Capacitances do not depend on temperature: tau = R C moves with R.
    z = zarc(F, r_b, 1.3e-10 * r_b, 1.0) + zarc(F, r_gb, 1.6e-5 / 60.0 * r_gb, 0.95) + zarc(F, r_int, tau_int, 0.95)
    z = z + 1j * w * 1e-6 * AREA_CM2  # lead inductance, ohm cm^2
    rng = np.random.default_rng(seed)
    z = z + 0.002 * np.abs(z) * (rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size))
    # low-frequency artefact: a phase error growing by 0.3 rad per decade below 1 Hz (not KK-consistent)
    return np.where(F < 1.0, z * np.exp(-0.3j * np.log10(1.0 / np.minimum(F, 1.0))), z)


def write(name: str, z_ohm_cm2: np.ndarray) -> None:
    z = z_ohm_cm2 / AREA_CM2
    lines = ["freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm"]
    lines += [f"{f:.6e}\t{zr:.6e}\t{-zi:.6e}" for f, zr, zi in zip(F, z.real, z.imag, strict=True)]
    (HERE / name).write_text("\n".join(lines) + "\n")


def arrhenius(r_25c: float, ea_ev: float, t_c: float) -> float:
    """R(T) with sigma = sigma0/T exp(-Ea/kT): R ~ T exp(Ea/kT), scaled to r_25c at 25 C."""
    t, t0 = t_c + 273.15, 298.15
    return r_25c * (t / t0) * np.exp(ea_ev / K_B * (1 / t - 1 / t0))


def main() -> None:
    rows = ["cell\tspectrum\tfile\tformat\tseries\tpressure_mpa\tpressure_mode\ttemperature_c\tarea_cm2\tthickness_cm"]
    for i, (p, mode, r_int, tau_int) in enumerate(
        [
            (10, "uniaxial", 300.0, 3e-3),
            (20, "uniaxial", 120.0, 1e-3),
            (41, "uniaxial", 50.0, 3e-4),
            (400, "isostatic", 0.05, 1e-4),
        ]
    ):
        name = f"cellA_{p:03d}MPa.txt"
        write(name, spectrum_ohm_cm2(200.0, 60.0, r_int, tau_int, seed=100 + i))
        rows.append(f"cellA\tp{p:03d}\t{name}\tauto\tpressure\t{p}\t{mode}\t25\t{AREA_CM2}\t0.1")
    for i, t_c in enumerate([0, 15, 25, 40, 60]):
        name = f"cellB_{t_c:02d}C.txt"
        r_int = arrhenius(50.0, 0.37, t_c)
        z = spectrum_ohm_cm2(
            arrhenius(200.0, 0.34, t_c), arrhenius(60.0, 0.43, t_c), r_int, 3e-4 * r_int / 50.0, seed=200 + i
        )
        write(name, z)
        rows.append(f"cellB\tT{t_c:02d}C\t{name}\tauto\ttemperature\t41\tuniaxial\t{t_c}\t{AREA_CM2}\t0.1")
    (HERE / "samples.tsv").write_text("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
