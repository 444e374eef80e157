"""The verdict stage of one cell: Arrhenius table (Step 7) and the verdict over Steps 1-7 (``verdict.json``).

Inputs are the cell's earlier outputs: ``validation.json`` (data quality, excluded spectra), ``steps12.json``
(Steps 1-2), ``steps36.json`` (Steps 3-6 and the temperature-series assignment) and ``fits.csv`` (rows
``fit = series`` for the pressure series, ``fit = temperature`` for the temperature series).

``arrhenius.csv`` has one row per resistance element of the temperature series with at least two temperatures:
the weighted fit of ln(T/R) on 1/T over the fitted R(T) with their standard errors
(:func:`eisrecipe.methods.arrhenius.arrhenius_fit`), and as a cross-check the same fit over the DRT peak areas
assigned to
the element inside the measured window (``ea_drt_ev``; unweighted). Where the fit stage ran the joint Arrhenius
fit (:mod:`eisrecipe.methods.arrhenius_joint`: all temperature spectra at once, each R_i(T) on the Arrhenius law, shared
capacitances; ``steps36.json["temperature"]["joint"]``), the row also carries its result: ``ea_joint_ev``,
``ea_joint_stderr_ev`` (the larger of the formal and the leave-one-temperature-out jackknife error),
``ln_prefactor_joint`` (+ stderr) and ``joint_ok`` (converged, not degenerate, nothing on
a bound). ``ea_ev`` stays the two-stage value, so both routes are in the table side by side.

Which Ea the verdict uses (:func:`step7_rows`): the joint one for every element whose joint fit is ``ok``, the
two-stage one otherwise; each row passed to :func:`eisrecipe.recipe.verdict.decide` carries ``ea_method`` (``joint`` or
``two-stage``) and the Step 7 finding says which was used. The joint fit is preferred because it pins R where an
arc leaves the measured window (shared C and the Arrhenius law), which the per-spectrum fits cannot.

``verdict.json`` is :func:`eisrecipe.recipe.verdict.decide`'s verdict plus ``conductivity`` (bulk and GB conductivity
of every fitted spectrum with a known thickness, :func:`conductivities`), the settings and the provenance (package
version, SHA-256 of every input file). An element whose fitted R has no finite standard error somewhere is fitted
unweighted (errors from the scatter).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe import __version__
from eisrecipe.methods.arrhenius import ZERO_CELSIUS_K, arrhenius_fit
from eisrecipe.recipe.elements import element_rank
from eisrecipe.recipe.verdict import VerdictSettings, decide
from eisrecipe.serialize import FLOAT_FORMAT, json_safe

__all__ = ["ARRHENIUS_COLUMNS", "CellVerdict", "arrhenius_table", "conductivities", "run_cell_verdict", "step7_rows"]

ARRHENIUS_COLUMNS = [
    "element",
    "ea_ev",
    "ea_stderr_ev",
    "ln_prefactor",
    "ln_prefactor_stderr",
    "r2",
    "reduced_chi2",
    "n_points",
    "t_min_c",
    "t_max_c",
    "weighted",
    "ea_drt_ev",
    "ea_drt_stderr_ev",
    "n_points_drt",
    "ea_joint_ev",
    "ea_joint_stderr_ev",
    "ln_prefactor_joint",
    "ln_prefactor_joint_stderr",
    "joint_ok",
]


def _drt_points(temperature: Mapping[str, Any] | None) -> dict[str, list[tuple[float, float]]]:
    """Element -> [(temperature_c, summed DRT peak area)] from the temperature-series assignment."""
    out: dict[str, list[tuple[float, float]]] = {}
    for entry in (temperature or {}).get("spectra") or []:
        sums: dict[str, float] = {}
        for peak in entry.get("peaks") or []:
            if not peak.get("in_window", True):
                continue  # a truncated peak's area is not the element's resistance
            sums[peak["element"]] = sums.get(peak["element"], 0.0) + float(peak["r_ohm_cm2"])
        for name, r in sums.items():
            out.setdefault(name, []).append((float(entry["temperature_c"]), r))
    return out


def arrhenius_table(fits: pd.DataFrame, temperature: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One Arrhenius row per element of the temperature-series fits (see module docstring).

    Parameters
    ----------
    fits
        The cell's ``fits.csv``.
    temperature
        The ``temperature`` entry of ``steps36.json`` (DRT cross-check and the joint Arrhenius fit under
        ``joint``), or ``None``.
    """
    rows: list[dict[str, Any]] = []
    if fits.empty or "fit" not in fits:
        return pd.DataFrame(columns=ARRHENIUS_COLUMNS)
    t_rows = fits[(fits["fit"] == "temperature") & (fits["r_ohm_cm2"] > 0)]
    drt = _drt_points(temperature)
    joint = (temperature or {}).get("joint") or {}
    names = sorted(set(t_rows["element"].astype(str)), key=element_rank)
    for name in names:
        g = t_rows[t_rows["element"] == name].sort_values("temperature_c")
        if g["temperature_c"].nunique() < 2:
            continue
        err = g["r_stderr_ohm_cm2"].to_numpy(float)
        weighted = bool(np.all(np.isfinite(err) & (err > 0)))
        fit = arrhenius_fit(
            g["temperature_c"].to_numpy(float),
            g["r_ohm_cm2"].to_numpy(float),
            err if weighted else None,
            element=name,
        )
        row: dict[str, Any] = {
            "element": name,
            "ea_ev": fit.ea_ev,
            "ea_stderr_ev": fit.ea_stderr_ev,
            "ln_prefactor": fit.ln_prefactor,
            "ln_prefactor_stderr": fit.ln_prefactor_stderr,
            "r2": fit.r_squared,
            "reduced_chi2": fit.reduced_chi2,
            "n_points": fit.n_points,
            "t_min_c": fit.t_min_k - ZERO_CELSIUS_K,
            "t_max_c": fit.t_max_k - ZERO_CELSIUS_K,
            "weighted": weighted,
            "ea_drt_ev": math.nan,
            "ea_drt_stderr_ev": math.nan,
            "n_points_drt": 0,
        }
        pts = drt.get(name, [])
        if len({t for t, _ in pts}) >= 2:
            d = arrhenius_fit([t for t, _ in pts], [r for _, r in pts], None, element=name)
            row.update(ea_drt_ev=d.ea_ev, ea_drt_stderr_ev=d.ea_stderr_ev, n_points_drt=d.n_points)
        row.update(_joint_columns(joint, name))
        rows.append(row)
    return pd.DataFrame(rows, columns=ARRHENIUS_COLUMNS)


def _joint_columns(joint: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The joint-fit columns of one element's row (NaN and ``joint_ok`` false where it has no joint law)."""
    e = (joint.get("elements") or {}).get(name)
    if not e:
        return {
            "ea_joint_ev": math.nan,
            "ea_joint_stderr_ev": math.nan,
            "ln_prefactor_joint": math.nan,
            "ln_prefactor_joint_stderr": math.nan,
            "joint_ok": False,
        }
    return {
        "ea_joint_ev": e["ea_ev"],
        "ea_joint_stderr_ev": e["ea_stderr_ev"],
        "ln_prefactor_joint": e["ln_prefactor"],
        "ln_prefactor_joint_stderr": e["ln_prefactor_stderr"],
        "joint_ok": bool(joint.get("ok")) and math.isfinite(e["ea_stderr_ev"]),
    }


def step7_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``arrhenius.csv`` for the verdict, ``ea_ev``/``ea_stderr_ev``/``ln_prefactor`` set to the chosen route.

    The joint fit's values where ``joint_ok`` (``ea_method = "joint"``), the two-stage ones otherwise
    (``ea_method = "two-stage"``); the two-stage values stay under ``ea_two_stage_ev`` and
    ``ea_two_stage_stderr_ev``.
    """
    out: list[dict[str, Any]] = []
    for row in table.to_dict(orient="records"):
        row = {**row, "ea_two_stage_ev": row.get("ea_ev"), "ea_two_stage_stderr_ev": row.get("ea_stderr_ev")}
        if bool(row.get("joint_ok")) and math.isfinite(float(row.get("ea_joint_ev", math.nan))):
            row.update(
                ea_ev=row["ea_joint_ev"],
                ea_stderr_ev=row["ea_joint_stderr_ev"],
                ln_prefactor=row["ln_prefactor_joint"],
                ln_prefactor_stderr=row["ln_prefactor_joint_stderr"],
                ea_method="joint",
            )
        else:
            row["ea_method"] = "two-stage"
        out.append(row)
    return out


def lowest_pressure_resistances(fits: pd.DataFrame) -> dict[str, float]:
    """Element -> R (ohm cm^2) of the lowest-pressure spectrum in the joint series fit."""
    if fits.empty or "fit" not in fits:
        return {}
    rows = fits[fits["fit"] == "series"]
    if rows.empty:
        return {}
    p_min = rows["pressure_mpa"].min()
    first = rows[rows["pressure_mpa"] == p_min]
    first = first[first["spectrum"] == first["spectrum"].iloc[0]]
    return {str(e): float(r) for e, r in zip(first["element"], first["r_ohm_cm2"], strict=True) if np.isfinite(r)}


def conductivities(fits: pd.DataFrame, thickness_cm: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """Bulk and grain-boundary conductivities sigma = L / R (S/cm) of every fitted spectrum with a known thickness.

    The grain-boundary value is the macroscopic one (L / R_GB), not the specific boundary conductivity (which
    needs the boundary thickness and grain size). The joint pressure-series fit shares bulk and GB, so it gives one
    value per cell (its first spectrum stands for all). The standard error is propagated from R's.

    Parameters
    ----------
    fits
        The cell's ``fits.csv``.
    thickness_cm
        Spectrum name -> electrolyte thickness in cm (``None`` or NaN: not given).
    """
    out: list[dict[str, Any]] = []
    if fits.empty or "fit" not in fits:
        return out
    rows = fits[fits["fit"].isin(["series", "temperature", "individual"]) & fits["element"].isin(["bulk", "gb"])]
    seen_shared: set[str] = set()
    for r in rows.itertuples(index=False):
        if r.fit == "series":
            if r.element in seen_shared:
                continue
            seen_shared.add(r.element)
        thickness = thickness_cm.get(str(r.spectrum))
        if thickness is None or not math.isfinite(thickness) or not r.r_ohm_cm2 > 0:
            continue
        sigma = thickness / r.r_ohm_cm2
        err = sigma * r.r_stderr_ohm_cm2 / r.r_ohm_cm2
        out.append(
            {
                "spectrum": "all (shared)" if r.fit == "series" else str(r.spectrum),
                "fit": r.fit,
                "element": r.element,
                "temperature_c": getattr(r, "temperature_c", None),
                "sigma_s_cm": sigma,
                "sigma_stderr_s_cm": err,
            }
        )
    return out


@dataclass
class CellVerdict:
    """Outputs of the verdict stage for one cell."""

    arrhenius: pd.DataFrame
    verdict: dict[str, Any]

    def write(self, arrhenius_csv: str | Path, verdict_json: str | Path) -> None:
        """Write ``arrhenius.csv`` and ``verdict.json``."""
        self.arrhenius.to_csv(arrhenius_csv, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        text = json.dumps(json_safe(self.verdict), indent=2, allow_nan=False)
        Path(verdict_json).write_text(text + "\n", encoding="utf-8")


def interface_from_rows(rows: Sequence[Mapping[str, Any]]) -> str | None:
    """The sample sheet's ``interface`` value of a cell (``None`` if absent; one value per cell is required)."""
    values = {str(r["interface"]).strip().lower() for r in rows if r.get("interface") not in (None, "")}
    if len(values) > 1:
        raise ValueError(f"the sample sheet gives several 'interface' values for one cell: {sorted(values)}")
    return values.pop() if values else None


def run_cell_verdict(
    cell: str,
    validation: Mapping[str, Any],
    steps12: Mapping[str, Any],
    steps36: Mapping[str, Any],
    fits: pd.DataFrame,
    settings: VerdictSettings | None = None,
    interface: str | None = None,
    thickness_cm: Mapping[str, float | None] | None = None,
) -> CellVerdict:
    """Arrhenius table and verdict of one cell.

    Parameters
    ----------
    cell
        Cell name.
    validation, steps12, steps36
        The parsed ``validation.json``, ``steps12.json`` and ``steps36.json``.
    fits
        The cell's ``fits.csv``.
    settings
        Options (config ``verdict``).
    interface
        Chemical stability from the sample sheet, if given there.
    thickness_cm
        Spectrum name -> electrolyte thickness in cm, for the conductivities.
    """
    settings = settings or VerdictSettings()
    table = arrhenius_table(fits, steps36.get("temperature"))
    s12 = steps12.get("steps_1_2") or {"applies": False, "reason": steps12.get("reason", "no Steps 1-2")}
    verdict = decide(
        cell,
        validation,
        s12,
        steps36,
        step7_rows(table),
        settings,
        interface=interface,
        lowest_pressure_r=lowest_pressure_resistances(fits),
    )
    verdict["conductivity"] = conductivities(fits, thickness_cm or {})
    verdict["settings"] = {
        "interface": settings.interface,
        "dominance_ratio": settings.dominance_ratio,
        "negligible_ratio": settings.negligible_ratio,
        "z_crit": settings.z_crit,
    }
    verdict["provenance"] = {
        "eisrecipe": __version__,
        "inputs": {str(s.get("file")): s.get("sha256") for s in validation.get("spectra") or []},
    }
    return CellVerdict(table, verdict)
