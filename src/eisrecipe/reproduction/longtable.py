"""The long table every series job writes: one row per (spectrum, quantity, source) (:data:`LONG_COLUMNS`).

``source`` is ``truth`` (closed-form or DC-solve element truth of the simulator), ``exact_drt`` (the exact Foster
form partitioned into process windows, :func:`eisrecipe.reproduction.truth.partition_exact_drt`) or ``analysis``
(our fitted numbers). Units: resistances in ohm cm^2, capacitances in F cm^-2, time constants in s, activation
energies in eV, temperatures in deg C, contact fractions 0..1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.network.scenarios import SimulationResult
from eisrecipe.reproduction.plan import SeriesSpec

__all__ = ["FULL_CONTACT", "LONG_COLUMNS", "ON_BOUND", "at", "row", "sel"]

#: contact fraction from which a spectrum counts as full contact (A = 1 up to rounding): left out of the A trends
FULL_CONTACT = 0.999

#: columns of the per-series long table
LONG_COLUMNS = [
    "series",
    "kind",
    "tau_order",
    "morphology",
    "param_set",
    "spectrum",
    "contact_fraction",
    "temperature_c",
    "source",
    "quantity",
    "value",
    "stderr",
]


#: long-table quantity prefix marking a fitted element whose ln tau ended on its order bound in the joint fit
#: (``tau_on_bound_<element>``, value 1): the fit stops at the constraint (the geometric midpoint between the
#: element's and its neighbour's start taus), not at a minimum, so the element's R, C and tau - and their standard
#: errors, which assume an interior optimum - are set by the constraint, not the data. Measured (full size,
#: p_ct_lt_cstr_disordered0, A = 0.05 and 0.07): the CT element ran from its start ~9e-5 s to the bound 4.3e-3 s
#: halfway to the constriction (0.2 s) and took C_CT 0.082 / 0.053 F cm^-2, 23 / 20 x the exact DRT's, with
#: standard errors of only 12 % / 9 % - a piece of the constriction's misfit, not the CT signal. Such points do
#: not enter the slopes (:func:`eisrecipe.reproduction.stats.slopes`); the element stays in R_dc and the interface sums.
ON_BOUND = "tau_on_bound_"


def row(
    spec: SeriesSpec, res: SimulationResult, source: str, quantity: str, value: float, err: float = math.nan
) -> dict[str, Any]:
    """One long-table row of ``spec`` for the spectrum of ``res`` (``value`` and ``err`` in the quantity's unit)."""
    return {
        "series": spec.name,
        "kind": spec.kind,
        "tau_order": spec.tau_order or "",
        "morphology": spec.morphology if spec.morphology != "disordered" else f"disordered{spec.seed}",
        "param_set": spec.param_set or "",
        "spectrum": res.scenario.spectrum,
        "contact_fraction": res.contact_fraction,
        "temperature_c": res.scenario.temperature_c,
        "source": source,
        "quantity": quantity,
        "value": float(value),
        "stderr": float(err),
    }


def sel(long: pd.DataFrame, **kw: Any) -> pd.DataFrame:
    """Rows of ``long`` whose columns equal the given values (a list or tuple: any of them)."""
    m = np.ones(len(long), dtype=bool)
    for k, v in kw.items():
        m &= (long[k].isin(v) if isinstance(v, list | tuple) else long[k] == v).to_numpy()
    return long[m]


def at(long: pd.DataFrame, series: str, a: float, source: str, quantity: str) -> float:
    """Value of ``quantity`` from ``source`` in ``series`` at contact fraction ``a`` (nan if absent)."""
    g = sel(long, series=series, source=source, quantity=quantity)
    g = g[np.isclose(g["contact_fraction"], a)]
    return float(g["value"].iloc[0]) if not g.empty else math.nan
