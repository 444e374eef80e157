"""Fits of the spectra outside a pressure series, each on its own, elements assigned by capacitance (Step 7 input).

Mainly the temperature series (rows ``fit = temperature``); spectra of an aging series or lone spectra are fitted
the same way (``fit = individual``), so every spectrum of a dataset gets its bulk resistance and conductivity.

RECIPE.md Step 7 needs the resistance of every process at every temperature. Unlike a pressure series, no element
is shared between the spectra (resistances are thermally activated); what stays constant with temperature is the
capacitance (permittivities do not depend on T), so a DRT peak is assigned to an element by its capacitance
C = tau/R, which moves little while tau moves by decades:

1. Reference capacitances from the same cell's pressure-series fits (``fits.csv`` rows of the joint ``series``
   fit), where the cell has one: a peak takes the element whose median capacitance is nearest in log10 C, if
   within ``c_match_decades``. The rule is recorded as ``pressure-series capacitance``.
2. Otherwise, or when no reference is near enough, Irvine, Sinclair & West (1990) classes on the specific
   capacitance C x thickness (F/cm): bulk up to ``bulk_c_max_f_cm``, grain boundary up to ``gb_c_max_f_cm``,
   interface above (the same thresholds as the pressure-series labels, :class:`eisrecipe.methods.tracking.LabelRules`).

Peaks of one class in one spectrum are merged (R summed, tau R-weighted geometric mean) into one element: the
start values of that spectrum's fit; the fit (R_inf + elements in tau order, R-CPE or RC per the ``fit.kinds``
config, optional series inductance) decides. A peak beyond the measured window (``in_window`` false) is used only
when it lies at most one decade above the highest measured frequency (a bulk arc leaving the window as T rises).

The resulting rows carry ``fit = temperature`` in ``fits.csv``; Step 7 (:mod:`eisrecipe.recipe.step7`) turns them
into the two-stage Arrhenius table. With two temperatures or more (and ``joint`` on), the same spectra are then
fitted jointly with every resistance on the Arrhenius law and shared capacitances
(:func:`eisrecipe.recipe.step7.joint_arrhenius`, started from these fits): rows ``fit = temperature_joint`` in
``fits.csv`` and the activation energies under ``findings["joint"]`` (``steps36.json["temperature"]["joint"]``).
The joint fit runs in the fit stage because it holds the spectra; the verdict stage only reads its results.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.methods.circuits import Element, ElementKind, SeriesModel
from eisrecipe.methods.fitting import SeriesFit, Start, fit_spectrum
from eisrecipe.methods.inductance import choose_inductance
from eisrecipe.methods.starts import inductance_start, merged_seed, r_inf_start, seeded_start
from eisrecipe.recipe.elements import DEFAULT_KINDS, INTERFACE
from eisrecipe.recipe.step7 import joint_arrhenius
from eisrecipe.spectrum import Spectrum

__all__ = ["TemperatureFits", "TemperatureSettings", "run_cell_temperature_fits"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemperatureSettings:
    """Options of the temperature-series fits (config ``temperature``, element kinds from ``fit.kinds``).

    Attributes
    ----------
    c_match_decades
        Largest |log10 C_peak - log10 C_ref| for a peak to take a pressure-series element's name (1 decade: the
        capacitance of one process varies by far less with temperature, while bulk, GB and interface
        capacitances lie 2-3 decades apart).
    bulk_c_max_f_cm, gb_c_max_f_cm
        Irvine class limits on the specific capacitance, F/cm (see :class:`eisrecipe.methods.tracking.LabelRules`).
    assumed_thickness_cm
        Thickness used when the sample sheet gives none, cm.
    kinds
        Element kind per element name.
    weighting
        Residual weighting of the fits.
    inductance
        Series inductance (lead inductance at the top frequencies): ``auto``, ``true`` or ``false``; ``auto``
        decides per spectrum with the rule of the pressure-series fits (inductive top point, else F-test).
    joint
        Also fit the temperature series jointly with Arrhenius resistances (:mod:`eisrecipe.methods.arrhenius_joint`).
    """

    c_match_decades: float = 1.0
    bulk_c_max_f_cm: float = 5e-11
    gb_c_max_f_cm: float = 1e-7
    assumed_thickness_cm: float = 0.1
    kinds: Mapping[str, ElementKind] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    weighting: str = "modulus"
    inductance: str = "auto"
    joint: bool = True

    @classmethod
    def from_config(cls, temperature: Mapping[str, Any] | None, fit: Mapping[str, Any] | None) -> TemperatureSettings:
        """Build from the config sections ``temperature`` and ``fit``."""
        cfg = dict(temperature or {})
        fit = dict(fit or {})
        kinds = {**DEFAULT_KINDS, **(fit.get("kinds") or {})}
        return cls(
            kinds=kinds,
            weighting=str(fit.get("weighting", "modulus")),
            inductance=str(fit.get("inductance", "auto")).lower(),
            **cfg,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {
            "c_match_decades": self.c_match_decades,
            "bulk_c_max_f_cm": self.bulk_c_max_f_cm,
            "gb_c_max_f_cm": self.gb_c_max_f_cm,
            "assumed_thickness_cm": self.assumed_thickness_cm,
            "kinds": dict(self.kinds),
            "weighting": self.weighting,
            "inductance": self.inductance,
            "joint": self.joint,
        }


@dataclass
class TemperatureFits:
    """Fits of one cell's temperature series.

    Attributes
    ----------
    table
        ``fits.csv`` rows (``fit = temperature`` or ``individual``) with ``temperature_c``.
    findings
        JSON-ready: whether it applies, the assignment of every peak with its rule, fit quality per spectrum.
    """

    table: pd.DataFrame
    findings: dict[str, Any]


def reference_capacitances(pressure_fits: pd.DataFrame | None) -> dict[str, float]:
    """Median fitted capacitance (F cm^-2) per element of the joint pressure-series fit; empty without one."""
    if pressure_fits is None or pressure_fits.empty or "fit" not in pressure_fits:
        return {}
    rows = pressure_fits[(pressure_fits["fit"] == "series") & (pressure_fits["c_f_cm2"] > 0)]
    return {str(k): float(np.exp(np.log(v).median())) for k, v in rows.groupby("element")["c_f_cm2"]}


def classify_peak(
    c_f_cm2: float, thickness_cm: float | None, reference: Mapping[str, float], settings: TemperatureSettings
) -> tuple[str, str]:
    """Element name and the rule that assigned it, for a DRT peak of capacitance ``c_f_cm2`` (F cm^-2)."""
    if reference and c_f_cm2 > 0:
        name, c_ref = min(reference.items(), key=lambda kv: abs(math.log10(c_f_cm2 / kv[1])))
        distance = abs(math.log10(c_f_cm2 / c_ref))
        if distance <= settings.c_match_decades:
            return name, f"pressure-series capacitance of {name} ({c_ref:.2g} F/cm2, {distance:.2f} decade away)"
    thickness = thickness_cm if thickness_cm else settings.assumed_thickness_cm
    note = "" if thickness_cm else f", assumed thickness {settings.assumed_thickness_cm:g} cm"
    c_spec = c_f_cm2 * thickness
    if c_spec <= settings.bulk_c_max_f_cm:
        return "bulk", f"capacitance {c_spec:.2g} F/cm <= {settings.bulk_c_max_f_cm:g} (Irvine: bulk){note}"
    if c_spec <= settings.gb_c_max_f_cm:
        return "gb", f"capacitance {c_spec:.2g} F/cm <= {settings.gb_c_max_f_cm:g} (Irvine: grain boundary){note}"
    interface = next((n for n in reference if n in INTERFACE), "int")
    return interface, f"capacitance {c_spec:.2g} F/cm > {settings.gb_c_max_f_cm:g} (Irvine: interface){note}"


def _fit_one(
    s: Spectrum, name: str, elements: tuple[Element, ...], start: Start, weighting: str, with_l: bool
) -> SeriesFit:
    """One spectrum's fit: R_inf + ``elements`` (+ L when ``with_l``)."""
    model = SeriesModel(elements, r_inf=True, inductance=with_l)
    return fit_spectrum(s.frequency_hz, s.impedance, model, start, name=name, weighting=weighting)  # type: ignore[arg-type]


def _temperature(s: Spectrum) -> float:
    t = s.meta.get("temperature_c")
    try:
        return float(t) if t is not None and math.isfinite(float(t)) else math.nan
    except (TypeError, ValueError):
        return math.nan


def _seeds(peaks: pd.DataFrame, assigned: Sequence[str]) -> dict[str, tuple[float, float]]:
    """(R, tau) per element from its peaks (:func:`eisrecipe.methods.starts.merged_seed`)."""
    frame = peaks.assign(element=list(assigned))
    return {str(name): merged_seed(rows) for name, rows in frame.groupby("element", sort=False)}


def run_cell_temperature_fits(
    cell: str,
    spectra: Sequence[Spectrum],
    peaks: pd.DataFrame,
    pressure_fits: pd.DataFrame | None = None,
    settings: TemperatureSettings | None = None,
    *,
    include_pressure: bool = False,
) -> TemperatureFits:
    """Fit every spectrum of the cell's temperature series (see module docstring).

    Parameters
    ----------
    cell
        Cell name.
    spectra
        The cell's validated spectra (ohm cm^2); those with ``series == "temperature"`` are used.
    peaks
        The cell's ``peaks.csv``.
    pressure_fits
        The cell's pressure-series ``fits.csv`` rows (reference capacitances), or ``None``.
    settings
        Options.
    include_pressure
        Fit the pressure-series spectra too (``fit = individual``): when Steps 3-6 did not apply to them.

    Returns
    -------
    TemperatureFits
        An empty table and ``applies = False`` with the reason when every spectrum belongs to the pressure series;
        ``step7_applies`` says whether there are two temperatures or more.
    """
    settings = settings or TemperatureSettings()
    series = [s for s in spectra if include_pressure or s.meta.get("series") != "pressure"]
    series.sort(
        key=lambda s: (math.isnan(_temperature(s)), np.nan_to_num(_temperature(s)), str(s.meta.get("spectrum")))
    )
    temps = {t for s in series if s.meta.get("series") == "temperature" and math.isfinite(t := _temperature(s))}
    if not series:
        reason = "every spectrum of this cell belongs to its pressure series"
        return TemperatureFits(pd.DataFrame(), {"cell": cell, "applies": False, "reason": reason})
    reference = reference_capacitances(pressure_fits)
    frames: list[pd.DataFrame] = []
    per_spectrum: list[dict[str, Any]] = []
    for s in series:
        name = str(s.meta.get("spectrum"))
        t_c = _temperature(s)
        kind = "temperature" if s.meta.get("series") == "temperature" and math.isfinite(t_c) else "individual"
        rows = peaks[(peaks["spectrum"].astype(str) == name) & (peaks["r_ohm_cm2"] > 0)]
        # a peak up to one decade above the window stays (a bulk arc leaving the window as T rises: its tail is
        # still measured and the fit gives R with the error that the truncation implies); slower ones do not
        tau_top = 1.0 / (2 * np.pi * float(s.frequency_hz.max()))
        keep = rows["in_window"].astype(bool) | (rows["tau_s"].between(tau_top / 10, tau_top))
        rows = rows[keep].sort_values("tau_s")
        entry: dict[str, Any] = {"spectrum": name, "temperature_c": t_c}
        if rows.empty:
            entry.update(fit_ok=False, reason="no DRT peak inside the measured window")
            per_spectrum.append(entry)
            continue
        thickness = s.meta.get("thickness_cm")
        labels = [classify_peak(float(c), thickness, reference, settings) for c in rows["c_f_cm2"]]
        entry["peaks"] = [
            {
                "tau_s": float(tau),
                "r_ohm_cm2": float(r),
                "c_f_cm2": float(c),
                "in_window": bool(inside),
                "element": lab,
                "rule": rule,
            }
            for (tau, r, c, inside), (lab, rule) in zip(
                rows[["tau_s", "r_ohm_cm2", "c_f_cm2", "in_window"]].itertuples(index=False), labels, strict=True
            )
        ]
        seeds = _seeds(rows, [lab for lab, _ in labels])
        names = sorted(seeds, key=lambda n: seeds[n][1])
        # an element gathering several DRT peaks is a distribution, not one RC: it gets a CPE exponent
        counts = {n: sum(lab == n for lab, _ in labels) for n in names}
        kinds: dict[str, ElementKind] = {n: "RCPE" if counts[n] > 1 else settings.kinds.get(n, "RCPE") for n in names}
        start = seeded_start([seeds[n] for n in names], [kinds[n] for n in names], r_inf_start(s), inductance_start(s))

        elements = tuple(Element(n, kinds[n]) for n in names)
        fit_with = partial(_fit_one, s, name, elements, start, settings.weighting)
        fit, _, inductance = choose_inductance(settings.inductance, [s], fit_with)
        entry["inductance"] = inductance
        frame = fit.to_frame()
        frame.insert(0, "temperature_c", t_c)
        frame.insert(0, "pressure_mpa", s.meta.get("pressure_mpa"))
        frame.insert(0, "fit", kind)
        frames.append(frame)
        entry.update(
            elements=names,
            fit_ok=fit.ok,
            flags=list(fit.flags),
            max_rel_residual=fit.max_relative_residual(name),
            reduced_chi2=fit.reduced_chi2,
        )
        per_spectrum.append(entry)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    joint = joint_arrhenius(series, table, len(temps), enabled=settings.joint, weighting=settings.weighting)
    if joint is not None and not joint[0].empty:
        table = pd.concat([table, joint[0]], ignore_index=True)
    findings = {
        "cell": cell,
        "applies": True,
        "settings": settings.to_dict(),
        "reference_capacitances_f_cm2": reference,
        "temperatures_c": sorted(temps),
        "step7_applies": len(temps) >= 2,
        "spectra": per_spectrum,
    }
    if joint is not None:
        findings["joint"] = joint[1]
    return TemperatureFits(table, findings)
