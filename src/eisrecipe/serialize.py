"""On-disk conventions shared by every stage: CSV float format, strict JSON, and typed results to and from JSON.

A typed result (a "finding") is a frozen dataclass. :func:`to_dict` flattens it for a writer (field order is key
order; NaN and infinities become ``None``, tuples become lists; a field declared with :func:`optional` is left out
while it is ``None``, so a step's JSON has only the keys of the case it found; a nested finding with its own
``to_dict``/``from_dict`` pair writes and reads itself). :func:`from_dict` rebuilds it from
that JSON by the field types (nested dataclasses, ``tuple[X, ...]``, ``dict[str, X]``, ``X | None``; a ``null`` in a
``float`` field reads back as NaN), so the next stage works on attributes, not on string keys. The round trip
``to_dict(from_dict(cls, to_dict(x))) == to_dict(x)`` holds for every finding the stages write.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

import numpy as np
import pandas as pd

__all__ = [
    "FLOAT_FORMAT",
    "TEXT_COLUMNS",
    "finite",
    "from_dict",
    "json_safe",
    "optional",
    "read_results_csv",
    "to_dict",
]

#: float format of every CSV the workflow writes (10 significant digits, stable across reruns)
FLOAT_FORMAT = "%.10g"

#: text columns of the workflow's CSVs, read as strings so that a spectrum called "10" stays "10"
TEXT_COLUMNS = ("cell", "spectrum", "element", "label", "fit", "kind", "flags", "drop_reason", "label_rule")


def read_results_csv(path: Any) -> pd.DataFrame:
    """A CSV the workflow wrote (``tracks.csv``, ``peaks.csv``, ``fits.csv`` ...), its :data:`TEXT_COLUMNS` as
    strings (a missing value as None): read with pandas' type guessing, a sheet's spectrum names "10", "20" came back
    as integers and matched none of the spectra's names (the Step 4 seeds found no DRT peak of any element)."""
    table = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=True)
    for c in TEXT_COLUMNS:
        if c in table.columns:
            table[c] = table[c].where(table[c].notna(), None)
    return table


def finite(x: Any) -> float | None:
    """``x`` as a finite float, or None (missing, NaN, infinite or not a number): for values read back from JSON."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` that ``json.dumps(..., allow_nan=False)`` accepts: NaN/inf and ``pd.NA`` -> None,
    NumPy scalars -> Python scalars, tuples -> lists (recursively)."""
    if obj is pd.NA:
        return None
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj


T = TypeVar("T")
_OMIT = "omit_when_none"


def optional(default: Any = None) -> Any:
    """A dataclass field that :func:`to_dict` leaves out while it is ``None`` (a key of one case of a finding)."""
    return dataclasses.field(default=default, metadata={_OMIT: True})


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        own = getattr(value, "to_dict", None)  # a finding that writes itself (e.g. flattens a nested estimate)
        return _plain(own()) if callable(own) else to_dict(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def to_dict(finding: Any) -> dict[str, Any]:
    """JSON-ready mapping of a finding (see the module docstring)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(finding):
        value = getattr(finding, f.name)
        if value is None and f.metadata.get(_OMIT):
            continue
        out[f.name] = _plain(value)
    return out


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if value is None:  # a present null: NaN where a float may stand, else None
        return math.nan if tp is float or (origin in (typing.Union, types.UnionType) and float in args) else None
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _build(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        item = args[0] if args else Any
        return tuple(_build(item, v) for v in value)
    if origin is list:
        return [_build(args[0] if args else Any, v) for v in value]
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        return {k: _build(args[1] if len(args) == 2 else Any, v) for k, v in value.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        own = tp.__dict__.get("from_dict")  # a finding that reads itself back (the pair of its own to_dict)
        return own.__get__(None, tp)(value) if own is not None else from_dict(tp, value)
    if tp is float:
        return float(value)
    return value


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Rebuild a finding of type ``cls`` from :func:`to_dict`'s mapping; keys it does not know are ignored and
    missing ones take the field default."""
    hints = _hints(cls)
    values = {f.name: _build(hints[f.name], data[f.name]) for f in dataclasses.fields(cls) if f.init and f.name in data}  # type: ignore[arg-type]
    return cls(**values)
