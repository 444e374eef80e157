"""On-disk conventions shared by every stage: CSV float format and strict JSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: float format of every CSV the workflow writes (10 significant digits, stable across reruns)
FLOAT_FORMAT = "%.10g"


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
