"""The ``Spectrum`` data model: frequencies, complex impedance, units and provenance.

Conventions (DESIGN.md):

- frequency in Hz, stored strictly **descending** (the order most instruments sweep in);
- impedance Z = Z' + jZ'' with Z'' < 0 for capacitive behaviour; readers convert on the way in;
- impedance unit either ``"ohm"`` (raw, as measured) or ``"ohm cm^2"`` (area-specific, after
  :meth:`Spectrum.normalise`);
- every point remembers the line (or record) of the source file it came from, so later checks can name it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from eisrecipe.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
ComplexArray = NDArray[np.complex128]
IntArray = NDArray[np.int64]
ImpedanceUnit = Literal["ohm", "ohm cm^2"]

#: column-name suffix of each impedance unit
UNIT_SUFFIX: dict[str, str] = {"ohm": "ohm", "ohm cm^2": "ohm_cm2"}


@dataclass(frozen=True, eq=False)
class Spectrum:
    """One impedance sweep.

    Build it with :meth:`from_points`, which checks and orders the data; the constructor trusts its input.

    Attributes
    ----------
    frequency_hz
        Frequencies in Hz, strictly descending, all > 0.
    impedance
        Complex impedance in ``unit`` (ohm or ohm cm^2), Z'' < 0 capacitive.
    unit
        ``"ohm"`` or ``"ohm cm^2"``.
    source
        Path of the file the points came from (for messages), or ``None``.
    lines
        1-based line (text formats) or record (binary formats) number of every point in ``source``.
    meta
        Free metadata: the sample-sheet row (cell, spectrum, pressure_mpa, temperature_c, area_cm2 ...), the sweep
        index, instrument information.
    """

    frequency_hz: FloatArray
    impedance: ComplexArray
    unit: ImpedanceUnit = "ohm"
    source: str | None = None
    lines: IntArray | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_points(
        cls,
        frequency_hz: ArrayLike,
        impedance: ArrayLike,
        *,
        unit: ImpedanceUnit = "ohm",
        source: str | None = None,
        lines: Sequence[int] | ArrayLike | None = None,
        meta: Mapping[str, Any] | None = None,
        min_points: int = 3,
    ) -> Spectrum:
        """Check raw points and return a spectrum in descending frequency order.

        Parameters
        ----------
        frequency_hz
            Frequencies in Hz, in measurement order, ascending or descending.
        impedance
            Complex impedance in ``unit``, same length.
        unit
            ``"ohm"`` or ``"ohm cm^2"``.
        source, lines
            File and 1-based line of every point, used in error messages.
        meta
            Metadata to attach.
        min_points
            Fewest points accepted.

        Raises
        ------
        InputError
            Empty or too short data, NaN/inf values, frequencies <= 0, repeated frequencies, or frequencies that
            are not monotonic (the message names the first offending line).
        """
        f = np.asarray(frequency_hz, dtype=float).ravel()
        z = np.asarray(impedance, dtype=complex).ravel()
        ln = np.arange(1, f.size + 1, dtype=np.int64) if lines is None else np.asarray(lines, dtype=np.int64).ravel()
        if not (f.size == z.size == ln.size):
            raise InputError(f"{f.size} frequencies but {z.size} impedance values and {ln.size} line numbers", source)
        if unit not in UNIT_SUFFIX:
            raise InputError(f"unknown impedance unit {unit!r}; expected one of {sorted(UNIT_SUFFIX)}", source)
        if f.size == 0:
            raise InputError("no data points", source)
        bad = ~np.isfinite(f)
        if bad.any():
            raise InputError("frequency is NaN or infinite", source, int(ln[np.argmax(bad)]))
        bad = ~(np.isfinite(z.real) & np.isfinite(z.imag))
        if bad.any():
            raise InputError("impedance is NaN or infinite", source, int(ln[np.argmax(bad)]))
        bad = f <= 0
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"frequency must be > 0 Hz, got {f[i]:g}", source, int(ln[i]))
        if f.size < min_points:
            raise InputError(f"only {f.size} data point(s); at least {min_points} are needed", source)
        step = np.diff(f)
        same = step == 0
        if same.any():
            i = int(np.argmax(same)) + 1
            raise InputError(
                f"frequency {f[i]:g} Hz repeats the previous point (line {int(ln[i - 1])})",
                source,
                int(ln[i]),
            )
        direction = np.sign(step[0])
        against = np.sign(step) != direction
        if against.any():
            i = int(np.argmax(against)) + 1
            raise InputError(
                f"frequencies are not sorted: {f[i]:g} Hz after {f[i - 1]:g} Hz breaks the "
                f"{'descending' if direction < 0 else 'ascending'} order of the sweep",
                source,
                int(ln[i]),
            )
        if direction > 0:
            f, z, ln = f[::-1], z[::-1], ln[::-1]
        return cls(
            frequency_hz=np.ascontiguousarray(f),
            impedance=np.ascontiguousarray(z),
            unit=unit,
            source=source,
            lines=np.ascontiguousarray(ln),
            meta=dict(meta or {}),
        )

    # ------------------------------------------------------------------ views
    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.frequency_hz.size)

    @property
    def omega(self) -> FloatArray:
        """Angular frequency in rad/s."""
        return 2.0 * np.pi * self.frequency_hz

    @property
    def z_real(self) -> FloatArray:
        """Z' in ``unit``."""
        return self.impedance.real

    @property
    def z_imag(self) -> FloatArray:
        """Z'' in ``unit`` (negative for capacitive behaviour)."""
        return self.impedance.imag

    @property
    def unit_suffix(self) -> str:
        """Column-name suffix of the impedance unit (``ohm`` or ``ohm_cm2``)."""
        return UNIT_SUFFIX[self.unit]

    def line_of(self, index: int) -> int | None:
        """Source line of point ``index`` (or ``None`` when unknown)."""
        return None if self.lines is None else int(self.lines[index])

    # ------------------------------------------------------------------ transformations
    def normalise(self, area_cm2: float) -> Spectrum:
        """Area-specific impedance: Z [ohm] x area [cm^2] -> Z [ohm cm^2].

        Parameters
        ----------
        area_cm2
            Electrode area in cm^2 (> 0, finite).

        Raises
        ------
        InputError
            If the spectrum is already normalised or the area is not a positive finite number.
        """
        if self.unit != "ohm":
            raise InputError(f"spectrum is already in {self.unit}; normalise only raw spectra", self.source)
        if not (np.isfinite(area_cm2) and area_cm2 > 0):
            raise InputError(f"electrode area must be > 0 cm^2, got {area_cm2!r}", self.source)
        meta = {**self.meta, "area_cm2": float(area_cm2)}
        return replace(self, impedance=self.impedance * float(area_cm2), unit="ohm cm^2", meta=meta)

    def select(self, mask: ArrayLike) -> Spectrum:
        """Subset of the points (boolean mask or index array), keeping order, lines and metadata."""
        idx = np.asarray(mask)
        lines = None if self.lines is None else self.lines[idx]
        return replace(self, frequency_hz=self.frequency_hz[idx], impedance=self.impedance[idx], lines=lines)

    def with_meta(self, **values: Any) -> Spectrum:
        """A copy with ``values`` merged into the metadata."""
        return replace(self, meta={**self.meta, **values})

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """Points as a table: ``frequency_hz``, ``z_real_<unit>``, ``z_imag_<unit>``, ``source_line``."""
        import pandas as pd

        s = self.unit_suffix
        data: dict[str, Any] = {
            "frequency_hz": self.frequency_hz,
            f"z_real_{s}": self.z_real,
            f"z_imag_{s}": self.z_imag,
        }
        if self.lines is not None:
            data["source_line"] = self.lines
        return pd.DataFrame(data)

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, source: str | None = None, meta: Mapping[str, Any] | None = None
    ) -> Spectrum:
        """Inverse of :meth:`to_frame` (the unit is read from the column names)."""
        for unit, s in UNIT_SUFFIX.items():
            if f"z_real_{s}" in frame.columns:
                z = frame[f"z_real_{s}"].to_numpy(float) + 1j * frame[f"z_imag_{s}"].to_numpy(float)
                lines = frame["source_line"].to_numpy() if "source_line" in frame.columns else None
                return cls.from_points(
                    frame["frequency_hz"].to_numpy(float),
                    z,
                    unit=unit,  # type: ignore[arg-type]
                    source=source,
                    lines=lines,
                    meta=meta,
                )
        raise InputError("table has no z_real_ohm or z_real_ohm_cm2 column", source)

    def __repr__(self) -> str:
        f = self.frequency_hz
        rng = f"{f[-1]:.3g}..{f[0]:.3g} Hz" if f.size else "empty"
        return f"Spectrum({self.n_points} points, {rng}, {self.unit}, source={self.source!r})"
