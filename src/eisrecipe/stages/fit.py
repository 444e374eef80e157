"""The fit stage of one cell (rule ``fit_cell``): Steps 3-6 of the pressure series
(:mod:`eisrecipe.recipe.steps_3_6`) and the fits of every other spectrum (:mod:`eisrecipe.recipe.temperature`),
written to ``fits.csv`` and ``steps36.json``.

``fits.csv`` holds one row per spectrum and element with the fit it came from (``step3``, ``series``,
``temperature``, ``temperature_joint``, ``individual``) and ``interfaces`` (2 for a symmetric cell, whose interface
elements are then given per interface: R halved, C doubled); ``steps36.json`` is the typed
:class:`~eisrecipe.recipe.steps_3_6.Steps36Finding` with the temperature-series part added under ``temperature``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from eisrecipe.recipe.elements import INTERFACE
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.steps_1_2 import Steps12Finding, steps12_from_dict
from eisrecipe.recipe.steps_3_6 import FitSettings, Steps36Finding, Steps36Result, interfaces_of, steps_3_6
from eisrecipe.recipe.temperature import TemperatureSettings, run_cell_temperature_fits
from eisrecipe.serialize import FLOAT_FORMAT, from_dict, json_safe, read_results_csv, to_dict
from eisrecipe.spectrum import Spectrum
from eisrecipe.stages.validate import load_validated

__all__ = ["CellFits", "FitStageSettings", "read_steps36", "run_cell_fits", "run_fit_stage"]

log = logging.getLogger(__name__)

#: the settings of Steps 3-6 (config ``fit``); the stage's name for :class:`eisrecipe.recipe.steps_3_6.FitSettings`
FitStageSettings = FitSettings

_COLUMNS = ["fit", "spectrum", "pressure_mpa", "element", "r_ohm_cm2", "r_stderr_ohm_cm2", "c_f_cm2"]


@dataclass
class CellFits:
    """Outputs of the fit stage for one cell: the ``fits.csv`` rows and the Steps 3-6 finding."""

    cell: str
    table: pd.DataFrame
    finding: Steps36Finding

    @property
    def findings(self) -> dict[str, Any]:
        """The finding as ``steps36.json`` holds it."""
        return to_dict(self.finding)

    def write(self, fits_csv: str | Path, findings_json: str | Path) -> None:
        """Write ``fits.csv`` and ``steps36.json``."""
        self.table.to_csv(fits_csv, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        Path(findings_json).write_text(json.dumps(json_safe(self.findings), indent=2, allow_nan=False) + "\n")


def read_steps36(path: str | Path) -> Steps36Finding:
    """``steps36.json`` as the typed finding."""
    return from_dict(Steps36Finding, json.loads(Path(path).read_text()))


def _with_fit(frame: pd.DataFrame, kind: str, pressure: Mapping[str, float]) -> pd.DataFrame:
    if frame.empty:  # a fit with no element left (every one pruned): no rows to label
        return frame
    frame.insert(0, "pressure_mpa", [pressure.get(s) for s in frame["spectrum"]])
    frame.insert(0, "fit", kind)
    return frame


def pressure_fits_table(result: Steps36Result) -> pd.DataFrame:
    """``fits.csv`` rows of Steps 3 and 4 (empty, with the key columns, when the steps did not apply)."""
    if result.step3_fit is None or result.series_fit is None:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(
        [
            _with_fit(result.step3_fit.to_frame(), "step3", result.pressure),
            _with_fit(result.series_fit.to_frame(), "series", result.pressure),
        ],
        ignore_index=True,
    )


def per_interface(table: pd.DataFrame, interfaces: int) -> pd.DataFrame:
    """``fits.csv`` rows with every interface element's R divided and C multiplied by ``interfaces`` (a symmetric
    cell's two equal interfaces); bulk and grain boundary unchanged. The pressure series is scaled in the recipe
    (:func:`eisrecipe.recipe.steps_3_6.steps_3_6`), this is for the other fits."""
    if interfaces == 1 or table.empty:
        return table
    out = table.copy()
    rows = out["element"].isin(INTERFACE)
    for column in ("r_ohm_cm2", "r_stderr_ohm_cm2"):
        out.loc[rows, column] = out.loc[rows, column] / interfaces
    for column in ("c_f_cm2", "c_stderr_f_cm2"):
        out.loc[rows, column] = out.loc[rows, column] * interfaces
    return out


def run_cell_fits(
    cell: str,
    spectra: Sequence[Spectrum],
    tracks: pd.DataFrame,
    steps12: Steps12Finding | NotApplicable | Mapping[str, Any],
    settings: FitSettings | None = None,
) -> CellFits:
    """Steps 3-6 of one cell's pressure series (:func:`eisrecipe.recipe.steps_3_6.steps_3_6`) with its table.

    ``steps12`` may also be the ``steps_1_2`` entry of ``steps12.json`` as read from disk.
    """
    if isinstance(steps12, Mapping):
        steps12 = steps12_from_dict(steps12)
    result = steps_3_6(cell, spectra, tracks, steps12, settings)
    return CellFits(cell, pressure_fits_table(result), result.finding)


def run_fit_stage(
    cell: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    fit_config: Mapping[str, Any] | None,
    temperature_config: Mapping[str, Any] | None,
) -> None:
    """The rule ``fit_cell``: read the validated spectra, tracks, peaks and Steps 1-2, fit, write.

    Parameters
    ----------
    inputs
        Paths ``spectra``, ``validation``, ``tracks``, ``peaks``, ``steps12``.
    outputs
        Paths ``fits`` (fits.csv) and ``steps`` (steps36.json).
    fit_config, temperature_config
        The config sections ``fit`` and ``temperature``.
    """
    spectra = load_validated(inputs["spectra"], inputs["validation"])
    tracks = read_results_csv(inputs["tracks"])
    peaks = read_results_csv(inputs["peaks"])
    steps12 = json.loads(Path(inputs["steps12"]).read_text())["steps_1_2"]
    pressure = run_cell_fits(cell, spectra, tracks, steps12, FitSettings.from_config(fit_config))
    temperature = run_cell_temperature_fits(
        cell,
        spectra,
        peaks,
        pressure.table,
        TemperatureSettings.from_config(temperature_config, fit_config),
        include_pressure=not pressure.finding.applies,  # no Steps 3-6: each pressure spectrum fitted on its own
    )
    interfaces = interfaces_of(spectra)
    parts = [f for f in (pressure.table, per_interface(temperature.table, interfaces)) if not f.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pressure.table
    table["interfaces"] = interfaces
    CellFits(cell, table, replace(pressure.finding, temperature=temperature.findings)).write(
        outputs["fits"], outputs["steps"]
    )
