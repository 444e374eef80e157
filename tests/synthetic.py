"""Closed-form impedance models for tests (ohm or ohm cm^2, Z'' < 0 capacitive)."""

from __future__ import annotations

import numpy as np

from eisrecipe.methods.arrhenius import K_B_EV, ZERO_CELSIUS_K
from eisrecipe.spectrum import Spectrum


def rc(frequency_hz: np.ndarray, r: float, tau_s: float) -> np.ndarray:
    """Parallel RC: R / (1 + j w tau)."""
    return r / (1 + 2j * np.pi * frequency_hz * tau_s)


def zarc(frequency_hz: np.ndarray, r: float, tau_s: float, alpha: float) -> np.ndarray:
    """ZARC (R || CPE): R / (1 + (j w tau)^alpha)."""
    return r / (1 + (2j * np.pi * frequency_hz * tau_s) ** alpha)


def arrhenius_r(r_25c: float, ea_ev: float, temperature_c: float) -> float:
    """Arrhenius R(T) = T/A exp(Ea/kB T) (sigma = sigma0/T exp(-Ea/kB T)), scaled to ``r_25c`` at 25 C."""
    t, t0 = temperature_c + ZERO_CELSIUS_K, 25.0 + ZERO_CELSIUS_K
    return float(r_25c * (t / t0) * np.exp(ea_ev / K_B_EV * (1 / t - 1 / t0)))


def noisy(z: np.ndarray, rel_sigma: float, seed: int = 0) -> np.ndarray:
    """Proportional complex Gaussian noise of relative standard deviation ``rel_sigma`` in each part."""
    rng = np.random.default_rng(seed)
    n = z.size
    return z + rel_sigma * np.abs(z) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))


def three_arc(frequency_hz: np.ndarray) -> np.ndarray:
    """Bulk + GB (ZARC) + interface network with a lead inductance: KK-consistent by construction."""
    w = 2 * np.pi * frequency_hz
    return (
        10.0
        + rc(frequency_hz, 100.0, 1e-6)
        + zarc(frequency_hz, 300.0, 1e-4, 0.85)
        + rc(frequency_hz, 50.0, 1e-2)
        + 1j * w * 1e-7
    )


def pressure_spectrum(
    frequency_hz: np.ndarray,
    z: np.ndarray,
    cell: str,
    pressure_mpa: float,
    contact_fraction: float,
    noise: float,
    seed: int,
) -> Spectrum:
    """One spectrum of a pressure series (area-specific, 0.1 cm thick), ``z`` with proportional noise ``noise``."""
    meta = {
        "cell": cell,
        "spectrum": f"p{int(pressure_mpa):03d}",
        "series": "pressure",
        "pressure_mpa": pressure_mpa,
        "thickness_cm": 0.1,
        "kk_noise": noise,
        "contact_fraction": contact_fraction,
    }
    return Spectrum.from_points(frequency_hz, noisy(z, noise, seed=seed), unit="ohm cm^2", meta=meta)
