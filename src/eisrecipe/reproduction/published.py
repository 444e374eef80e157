"""The published findings the reproduction is compared with, read from the package data file
``reproduction/published.yaml`` (Eckhardt et al. 2023, Section 3.2, Table 1, Figures 5-7).

Units: slopes dimensionless, spans in decades, activation energies in eV, limits as ratios (1 = the limit).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["Published", "Value", "published"]


@dataclass(frozen=True)
class Value:
    """One published value.

    Attributes
    ----------
    text
        As the reproduction table's ``published`` column shows it.
    lo, hi
        The published value (``lo == hi``) or range in the quantity's unit; nan where the paper states a trend.
    """

    text: str
    lo: float = math.nan
    hi: float = math.nan

    @property
    def is_range(self) -> bool:
        """Whether the paper gives a range (``lo < hi``) rather than one value."""
        return self.lo != self.hi

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Value:
        """From a ``{text, lo, hi}`` entry of ``published.yaml``."""
        return cls(str(d["text"]), float(d.get("lo", math.nan)), float(d.get("hi", math.nan)))


@dataclass(frozen=True)
class Published:
    """The published values, grouped as in ``published.yaml``.

    Attributes
    ----------
    slopes
        (tau order, quantity) -> slope of log quantity against log A (quantity ``r_ct`` or ``c_ct``).
    spans
        (tau order, quantity) -> span of the time constant over A in decades.
    ea_cstr
        tau order -> Figure 6 parameter set -> Ea,Cstr in eV.
    claims
        The table's quantity -> the other findings (limits as ratios, trends as text).
    """

    slopes: Mapping[tuple[str, str], Value]
    spans: Mapping[tuple[str, str], Value]
    ea_cstr: Mapping[str, Mapping[str, Value]]
    claims: Mapping[str, Value]

    @property
    def ea_lines_ev(self) -> list[float]:
        """Every distinct published Ea,Cstr bound in eV, ascending (the grey lines of the Ea figure)."""
        return sorted({x for per in self.ea_cstr.values() for v in per.values() for x in (v.lo, v.hi)})


def _pairs(block: Mapping[str, Mapping[str, Any]]) -> dict[tuple[str, str], Value]:
    return {(order, q): Value.from_dict(d) for order, per in block.items() for q, d in per.items()}


@cache
def published() -> Published:
    """The published values from the package's ``published.yaml`` (read once)."""
    text = resources.files("eisrecipe.reproduction").joinpath("published.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return Published(
        slopes=_pairs(raw["slopes"]),
        spans=_pairs(raw["spans"]),
        ea_cstr={o: {p: Value.from_dict(d) for p, d in per.items()} for o, per in raw["ea_cstr"].items()},
        claims={k: Value.from_dict(d) for k, d in raw["claims"].items()},
    )
