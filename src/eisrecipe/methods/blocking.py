"""Blocking electrodes: is the low-frequency end of a spectrum a capacitive spur rather than a closing arc?

Between ion-blocking electrodes (gold, steel, carbon on a solid electrolyte) no ion crosses the interface: below
the electrolyte's arcs the impedance turns into a spur, Z'' falling without bound as f -> 0, the phase heading
towards -90 deg. A circuit draws it as a series CPE (:class:`eisrecipe.methods.circuits.Element` kind ``"CPE"``),
never as an interface R-CPE, whose arc would close on the real axis.

Rule (:func:`detect_blocking`): over the ``n_points`` lowest frequencies, -Z'' rises monotonically as f falls
and the spur's direction in the Nyquist plane, atan(d(-Z'') / dZ'), is steeper than ``min_angle_deg`` (45 deg: a
CPE of exponent alpha draws a straight line at alpha x 90 deg, and electrode polarisation lies at alpha >= 0.5;
an arc closing towards the real axis has a falling -Z'', a Warburg tail 45 deg exactly). The frequency of the last
minimum of -Z'' above the spur (``f_turn_hz``) separates the electrolyte's arcs from the spur: DRT peaks slower
than 1/(2 pi f_turn) belong to the spur.

Units: frequency in Hz, impedance in the spectrum's unit, angles in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eisrecipe.spectrum import ComplexArray, FloatArray

__all__ = ["MAX_SPUR_ANGLE_DEG", "BlockingEvidence", "detect_blocking"]


@dataclass(frozen=True)
class BlockingEvidence:
    """What the low-frequency end of one spectrum shows.

    Attributes
    ----------
    blocking
        The low-frequency end is a capacitive spur (see the module docstring).
    spur_angle_deg
        Direction of the lowest ``n_points`` in the Nyquist plane, degrees above the real axis (90: a capacitor).
    phase_lowest_deg
        Phase of Z at the lowest frequency, degrees (-90: a capacitor).
    f_turn_hz
        Frequency of the minimum of -Z'' that starts the spur, Hz (NaN without a spur).
    reason
        One sentence with the numbers.
    """

    blocking: bool
    spur_angle_deg: float
    phase_lowest_deg: float
    f_turn_hz: float
    reason: str

    @property
    def tau_turn_s(self) -> float:
        """1 / (2 pi f_turn): DRT peaks slower than this belong to the spur, s (inf without a spur)."""
        return 1.0 / (2 * math.pi * self.f_turn_hz) if math.isfinite(self.f_turn_hz) else math.inf


MAX_SPUR_ANGLE_DEG = 92.0
"""Steepest low-frequency direction, degrees, still read as a blocking spur: a series CPE runs at alpha x 90 <= 90 deg
(2 deg for noise). Steeper, Z' falls toward lower frequency, which no capacitor in series does (the stand-in dataset's
cellB, whose interface arc closes: 95-103 deg at phases of -7 to -16 deg; real blocking pellets: 49-78 deg, the
simulated ideal capacitor 90 deg)."""


def detect_blocking(
    frequency_hz: FloatArray,
    impedance: ComplexArray,
    *,
    min_angle_deg: float = 45.0,
    n_points: int = 4,
    max_angle_deg: float = MAX_SPUR_ANGLE_DEG,
) -> BlockingEvidence:
    """Whether the spectrum ends in a blocking-electrode spur (module docstring).

    Parameters
    ----------
    frequency_hz
        Frequencies, Hz (any order).
    impedance
        Complex impedance (Z'' < 0 capacitive).
    min_angle_deg
        Smallest spur direction, degrees above the real axis.
    n_points
        Lowest-frequency points that must form the spur.
    max_angle_deg
        Steepest spur direction: a series CPE runs at alpha x 90 deg <= 90 deg (:data:`MAX_SPUR_ANGLE_DEG`).
    """
    order = np.argsort(np.asarray(frequency_hz, dtype=float))
    f = np.asarray(frequency_hz, dtype=float)[order]
    z = np.asarray(impedance, dtype=complex)[order]
    y, x = -z.imag, z.real
    phase = float(np.degrees(np.angle(z[0])))
    if f.size < n_points + 1:
        return BlockingEvidence(False, math.nan, phase, math.nan, f"fewer than {n_points + 1} points")
    low_y = y[:n_points]
    rising = bool(np.all(np.diff(low_y) < 0))  # -Z'' larger at each lower frequency
    angle = float(np.degrees(math.atan2(low_y[0] - low_y[-1], x[0] - x[n_points - 1])))
    turn = n_points - 1
    while turn + 1 < f.size and y[turn + 1] < y[turn]:
        turn += 1
    f_turn = float(f[turn]) if turn + 1 < f.size else math.nan  # the spur spans the whole spectrum: no arc seen
    blocking = rising and min_angle_deg < angle <= max_angle_deg and math.isfinite(f_turn)
    if blocking:
        reason = (
            f"-Z'' rises over the {n_points} lowest frequencies along {angle:.0f} deg (> {min_angle_deg:g}); "
            f"phase {phase:.0f} deg at {f[0]:.3g} Hz; spur starts at {f_turn:.3g} Hz"
        )
    elif not rising:
        reason = f"-Z'' does not rise monotonically over the {n_points} lowest frequencies (an arc closes)"
    elif angle > max_angle_deg:
        reason = (
            f"low-frequency end along {angle:.0f} deg > {max_angle_deg:g} deg: Z' falls toward low frequency, no "
            "capacitor in series (a series CPE runs at alpha x 90 deg)"
        )
    elif not math.isfinite(f_turn):
        reason = "-Z'' rises over the whole spectrum: no electrolyte arc before the spur"
    else:
        reason = f"low-frequency end along {angle:.0f} deg <= {min_angle_deg:g} deg: not a capacitive spur"
    return BlockingEvidence(blocking, angle, phase, f_turn, reason)
