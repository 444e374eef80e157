"""Quality gates: the conditions under which a step's evidence may not support a verdict (issue "never confidently
wrong"). Each gate has its threshold in the config (``verdict``) and its reason in ``verdict.json["gates"]``; the
verdict marks a gated step ``inconclusive`` (never ``supports``) and does not let a gated fit decide the process.

Gates, with the step they close:

- ``kk`` - a spectrum's KK crop did not converge (residuals above the threshold remain in the kept window) or its
  kept window holds a systematic run of residuals (a drift or time-variant cell, :mod:`eisrecipe.methods.crop`):
  the ``validation.json`` quality flags;
- ``3`` / ``4`` - the Step 3 fit or the Step 4 series fit is flagged (not converged, degenerate, a parameter on
  its bound - an R-CPE whose alpha ended at 1 excepted: that is an ideal RC, not a failure), or misses its data by
  more than ``max_rel_residual`` (relative to |Z|, over three neighbouring points) in some spectrum, or carries a
  series resistance R_inf below zero by more than ``r_inf_negative_z`` standard errors (the model put resistance
  where none can be);
- ``4`` - a fitted element whose specific capacitance C x thickness / area is implausible for its name (Irvine,
  Sinclair & West 1990, :mod:`eisrecipe.recipe.elements`): a bulk above the bulk class, a grain boundary above the GB
  class, or an interface element at or below the bulk class (a bulk arc named interface);
- ``6`` - a contact area outside (0, 1] beyond its errors (Step 6 checks it; listed here too).

Units: residuals relative to |Z|; capacitances F cm^-2, specific ones F/cm; thickness cm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from eisrecipe.methods.fitting import ALPHA_AT_ONE
from eisrecipe.recipe.elements import (
    ASSUMED_THICKNESS_CM,
    BULK,
    BULK_C_MAX_F_CM,
    GB,
    GB_C_MAX_F_CM,
    is_interface,
)
from eisrecipe.recipe.steps_3_6 import Steps36Finding

__all__ = ["Gate", "GateSettings", "failure_flags", "quality_gates"]

#: a flag that is no failure: an R-CPE with alpha at its upper bound 1 is an ideal RC element (alpha at its lower
#: bound is a failure: the fitter flags that with the generic "ended on its bound")
_ALPHA_AT_ONE = re.compile(re.escape(f".alpha {ALPHA_AT_ONE}"))


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the gates (config ``verdict``).

    Attributes
    ----------
    max_rel_residual
        Largest relative misfit |Z_fit - Z| / |Z| a fit may leave in any spectrum, averaged over three neighbouring
        points (``fits.csv`` ``max_local_misfit``, :func:`eisrecipe.methods.fitting.local_misfit`: a model that
        misses an arc misses it over a stretch, while one noisy point is no misfit; 0.05: ten times the noise of
        good lab data, half the size of a small interface arc). Fits tables without that column (older results)
        are judged by their largest single residual.
    r_inf_negative_z
        Standard errors below zero beyond which a fitted R_inf closes the fit's gate (3).
    """

    max_rel_residual: float = 0.05
    r_inf_negative_z: float = 3.0


@dataclass(frozen=True)
class Gate:
    """One tripped gate: which step it closes, what was measured against which threshold, and why that matters."""

    gate: str
    step: str
    value: Any
    threshold: Any
    reason: str


def failure_flags(flags: Any) -> list[str]:
    """The fit's flags that are failures (alpha at 1 excepted), from the ``;``-joined ``fits.csv`` column."""
    if not isinstance(flags, str) or not flags.strip():
        return []
    return [f.strip() for f in flags.split(";") if f.strip() and not _ALPHA_AT_ONE.search(f)]


def _kk_gate(spectrum: Any, flag: str) -> Gate:
    """The data-quality gate of one ``validation.json`` quality flag."""
    if "systematic" in flag:
        return Gate("kk_systematic_residuals", "kk", spectrum, "no systematic run", flag)
    return Gate("kk_crop_not_converged", "kk", spectrum, "converged", flag)


def _fit_gates(rows: pd.DataFrame, step: str, what: str, settings: GateSettings) -> list[Gate]:
    out: list[Gate] = []
    if rows.empty:
        return out
    flags = sorted({f for v in rows["flags"] for f in failure_flags(v)})
    if flags:
        out.append(Gate("fit_flagged", step, "; ".join(flags), "no flag", f"the {what} is flagged"))
    column = "max_local_misfit" if "max_local_misfit" in rows else "max_rel_residual"
    # a row without the 3-point misfit falls back to its single largest residual; NaN (a broken fit) trips the gate
    values = rows[column].fillna(rows["max_rel_residual"]) if column != "max_rel_residual" else rows[column]
    worst = values.groupby(rows["spectrum"]).agg(lambda v: v.max(skipna=False))
    bad = worst[~(worst <= settings.max_rel_residual)]
    over = " over three neighbouring points" if column == "max_local_misfit" else ""
    if not bad.empty:
        out.append(
            Gate(
                "fit_residual",
                step,
                {str(k): float(v) for k, v in bad.items()},
                settings.max_rel_residual,
                f"the {what} misses its data by more than {100 * settings.max_rel_residual:g} % of |Z|{over} in "
                + ", ".join(map(str, bad.index)),
            )
        )
    r_inf = rows.groupby("spectrum")[["r_inf_ohm_cm2", "r_inf_stderr_ohm_cm2"]].first()
    negative = r_inf[r_inf["r_inf_ohm_cm2"] < -settings.r_inf_negative_z * r_inf["r_inf_stderr_ohm_cm2"].abs()]
    if not negative.empty:
        out.append(
            Gate(
                "negative_r_inf",
                step,
                {str(k): float(v) for k, v in negative["r_inf_ohm_cm2"].items()},
                f"> -{settings.r_inf_negative_z:g} stderr",
                f"the {what} puts a negative series resistance beyond its error in "
                + ", ".join(map(str, negative.index))
                + " (resistance moved where none can be, e.g. a bulk arc fitted by the wrong element)",
            )
        )
    return out


def _measured_tau_windows(validation: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Spectrum -> its kept window as time constants (1/(2 pi f_max), 1/(2 pi f_min)) in s, where recorded."""
    out: dict[str, tuple[float, float]] = {}
    for s in validation.get("spectra") or []:
        window = s.get("window_hz")
        if window and len(window) == 2 and min(window) > 0:
            out[str(s.get("spectrum"))] = (1 / (2 * math.pi * max(window)), 1 / (2 * math.pi * min(window)))
    return out


def _capacitance_gates(
    rows: pd.DataFrame, thickness_cm: Mapping[str, float | None], windows: Mapping[str, tuple[float, float]]
) -> list[Gate]:
    """Elements whose median specific capacitance contradicts their name. An element whose fitted tau lies outside
    its spectrum's kept window (``windows``: tau limits in s) is not judged there: only a tail of its arc is in the
    data, its R and C are extrapolations (a bulk arc above f_max: replicas of matrix cell c004 put its C 5 x off)."""
    out: list[Gate] = []
    for (element,), g in rows.groupby(["element"]):
        specific = []
        for r in g.itertuples(index=False):
            window = windows.get(str(r.spectrum))
            tau = getattr(r, "tau_s", math.nan)
            if window is not None and math.isfinite(tau) and not window[0] <= tau <= window[1]:
                continue
            t = thickness_cm.get(str(r.spectrum))
            t = float(t) if t is not None and math.isfinite(float(t)) else ASSUMED_THICKNESS_CM
            if math.isfinite(r.c_f_cm2) and r.c_f_cm2 > 0:
                specific.append(r.c_f_cm2 * t)
        if not specific:
            continue
        c = sorted(specific)[len(specific) // 2]
        name = str(element)
        if name == BULK and c > BULK_C_MAX_F_CM:
            why = f"above the bulk class (<= {BULK_C_MAX_F_CM:g} F/cm)"
        elif name == GB and c > GB_C_MAX_F_CM:
            why = f"above the grain-boundary class (<= {GB_C_MAX_F_CM:g} F/cm)"
        elif is_interface(name) and c <= BULK_C_MAX_F_CM:
            why = f"in the bulk class (<= {BULK_C_MAX_F_CM:g} F/cm): a bulk arc named interface"
        else:
            continue
        out.append(
            Gate(
                "implausible_capacitance",
                "4",
                {name: c},
                why,
                f"element {name}: median specific capacitance {c:.2g} F/cm {why}",
            )
        )
    return out


def quality_gates(
    validation: Mapping[str, Any],
    steps36: Steps36Finding | None,
    fits: pd.DataFrame,
    thickness_cm: Mapping[str, float | None],
    settings: GateSettings | None = None,
) -> list[Gate]:
    """Every gate the cell trips (module docstring).

    Parameters
    ----------
    validation
        The cell's ``validation.json``.
    steps36
        Steps 3-6 (None: the fit stage did not run).
    fits
        The cell's ``fits.csv``.
    thickness_cm
        Spectrum -> electrolyte thickness in cm (None: not given; ``ASSUMED_THICKNESS_CM`` is used).
    settings
        Thresholds.
    """
    settings = settings or GateSettings()
    gates = [
        _kk_gate(s.get("spectrum"), flag)
        for s in validation.get("spectra") or []
        for flag in s.get("quality_flags") or []
    ]
    if not fits.empty and "fit" in fits:
        gates += _fit_gates(fits[fits["fit"] == "step3"], "3", "Step 3 fit", settings)
        series = fits[fits["fit"] == "series"]
        gates += _fit_gates(series, "4", "Step 4 series fit", settings)
        gates += _capacitance_gates(series, thickness_cm, _measured_tau_windows(validation))
    s6 = steps36.step6 if steps36 is not None else None
    if s6 is not None and s6.all_physical is False and not s6.assumption:
        bad = [r.spectrum for r in s6.contact_area or () if not r.area.physical]
        gates.append(Gate("contact_area_unphysical", "6", bad, "(0, 1]", "A outside (0, 1] beyond its error"))
    return gates
