"""The verdict stage of one cell (rule ``verdict_cell``): the Arrhenius table of Step 7 and the verdict over Steps
1-7, written to ``arrhenius.csv`` and ``verdict.json``.

Inputs are the cell's earlier outputs, read back as typed findings: ``validation.json`` (data quality, excluded
spectra), ``steps12.json`` (Steps 1-2), ``steps36.json`` (Steps 3-6 and the temperature-series part) and
``fits.csv``. Step 7 is :mod:`eisrecipe.recipe.step7`, the verdict :func:`eisrecipe.recipe.verdict.decide`;
``verdict.json`` adds ``conductivity`` (:func:`eisrecipe.recipe.conductivity.conductivities`), the settings and the
provenance (package version, SHA-256 of every input file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eisrecipe import __version__
from eisrecipe.recipe.conductivity import conductivities
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.gates import quality_gates
from eisrecipe.recipe.step7 import arrhenius_table, step7_rows
from eisrecipe.recipe.steps_1_2 import Steps12Finding, steps12_from_dict
from eisrecipe.recipe.steps_3_6 import Steps36Finding
from eisrecipe.recipe.verdict import (
    VerdictSettings,
    apply_confidence,
    blocking_electrode_verdict,
    decide,
    lowest_pressure_resistances,
)
from eisrecipe.serialize import FLOAT_FORMAT, from_dict, json_safe, read_results_csv

__all__ = ["CellVerdict", "interface_from_rows", "run_cell_verdict", "run_verdict_stage"]


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
    steps12: Steps12Finding | NotApplicable | Mapping[str, Any],
    steps36: Steps36Finding | Mapping[str, Any],
    fits: pd.DataFrame,
    settings: VerdictSettings | None = None,
    interface: str | None = None,
    thickness_cm: Mapping[str, float | None] | None = None,
    confidence: Mapping[str, Any] | None = None,
) -> CellVerdict:
    """Arrhenius table and verdict of one cell.

    Parameters
    ----------
    cell
        Cell name.
    validation
        The parsed ``validation.json``.
    steps12, steps36
        The Step 1-2 and Steps 3-6 findings, or the parsed ``steps12.json`` and ``steps36.json``.
    fits
        The cell's ``fits.csv``.
    settings
        Options (config ``verdict``).
    interface
        Chemical stability from the sample sheet, if given there.
    thickness_cm
        Spectrum name -> electrolyte thickness in cm, for the conductivities.
    confidence
        The cell's ``confidence.json`` (:mod:`eisrecipe.stages.confidence`); ``None``: no confidence is stated.
    """
    settings = settings or VerdictSettings()
    if isinstance(steps12, Mapping):
        entry = steps12.get("steps_1_2") or {"applies": False, "reason": steps12.get("reason", "no Steps 1-2")}
        steps12 = steps12_from_dict(entry)
    if isinstance(steps36, Mapping):
        steps36 = from_dict(Steps36Finding, steps36)
    table = arrhenius_table(fits, steps36.temperature)
    gates = quality_gates(validation, steps36, fits, thickness_cm or {}, settings.gates)
    verdict = decide(
        cell,
        validation,
        steps12,
        steps36,
        step7_rows(table),
        settings,
        interface=interface,
        lowest_pressure_r=lowest_pressure_resistances(fits),
        gates=gates,
    )
    verdict = blocking_electrode_verdict(verdict, (steps36.temperature or {}).get("blocking_electrodes"))
    verdict = apply_confidence(verdict, confidence)
    verdict["step7_left_out"] = (steps36.temperature or {}).get("left_out_of_step7", [])
    verdict["conductivity"] = conductivities(fits, thickness_cm or {})
    verdict["settings"] = {
        "interface": settings.interface,
        "dominance_ratio": settings.dominance_ratio,
        "negligible_ratio": settings.negligible_ratio,
        "z_crit": settings.z_crit,
        "max_rel_residual": settings.max_rel_residual,
        "r_inf_negative_z": settings.r_inf_negative_z,
    }
    verdict["provenance"] = {
        "eisrecipe": __version__,
        "inputs": {str(s.get("file")): s.get("sha256") for s in validation.get("spectra") or []},
    }
    return CellVerdict(table, verdict)


def run_verdict_stage(
    cell: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    verdict_config: Mapping[str, Any] | None,
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """The rule ``verdict_cell``: read the cell's findings, decide, write.

    Parameters
    ----------
    inputs
        Paths ``validation``, ``steps12``, ``steps36``, ``fits`` and (optional) ``confidence``.
    outputs
        Paths ``arrhenius`` (arrhenius.csv) and ``verdict`` (verdict.json).
    verdict_config
        The config section ``verdict``.
    rows
        The cell's sample-sheet rows (``interface``, ``thickness_cm``).
    """

    def read(key: str) -> Any:
        return json.loads(Path(inputs[key]).read_text())

    result = run_cell_verdict(
        cell,
        read("validation"),
        read("steps12"),
        read("steps36"),
        read_results_csv(inputs["fits"]),
        VerdictSettings.from_config(verdict_config),
        interface=interface_from_rows(rows),
        thickness_cm={str(r["spectrum"]): r.get("thickness_cm") for r in rows},
        confidence=read("confidence") if inputs.get("confidence") else None,
    )
    result.write(outputs["arrhenius"], outputs["verdict"])
