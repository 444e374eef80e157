"""A cell's stage outputs, parsed once for the report (missing or empty files give empty tables / dicts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from eisrecipe.serialize import read_results_csv

__all__ = ["STAGE_FILES", "CellData", "load_cell"]

#: file name of each stage output the report reads, by the key used in :class:`CellData`
STAGE_FILES: dict[str, str] = {
    "spectra": "spectra.csv",
    "validation": "validation.json",
    "drt": "drt.csv",
    "peaks": "peaks.csv",
    "tracks": "tracks.csv",
    "steps12": "steps12.json",
    "fits": "fits.csv",
    "steps36": "steps36.json",
    "arrhenius": "arrhenius.csv",
    "verdict": "verdict.json",
}


def _read_csv(path: Path | None) -> pd.DataFrame:
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame()
    return read_results_csv(path)


def _read_json(path: Path | None) -> dict[str, Any]:
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True, eq=False)
class CellData:
    """The parsed stage outputs of one cell.

    Attributes
    ----------
    cell
        Cell name.
    spectra, drt, peaks, tracks, fits, arrhenius
        Tables of ``spectra.csv``, ``drt.csv``, ``peaks.csv``, ``tracks.csv``, ``fits.csv``, ``arrhenius.csv``
        (empty frames where a file is missing or empty).
    validation, steps12, steps36, verdict
        ``validation.json``, ``steps12.json``, ``steps36.json``, ``verdict.json`` (empty dicts where missing).
    sources
        File name of every output that was read (for the provenance section), by key.
    """

    cell: str
    spectra: pd.DataFrame = field(default_factory=pd.DataFrame)
    drt: pd.DataFrame = field(default_factory=pd.DataFrame)
    peaks: pd.DataFrame = field(default_factory=pd.DataFrame)
    tracks: pd.DataFrame = field(default_factory=pd.DataFrame)
    fits: pd.DataFrame = field(default_factory=pd.DataFrame)
    arrhenius: pd.DataFrame = field(default_factory=pd.DataFrame)
    validation: dict[str, Any] = field(default_factory=dict)
    steps12: dict[str, Any] = field(default_factory=dict)
    steps36: dict[str, Any] = field(default_factory=dict)
    verdict: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def spectrum_meta(self) -> dict[str, dict[str, Any]]:
        """Sample-sheet values (series, pressure_mpa, temperature_c, area_cm2 ...) per accepted spectrum."""
        out: dict[str, dict[str, Any]] = {}
        for rec in self.validation.get("spectra", []):
            meta = dict(rec.get("meta") or {})
            out[str(rec.get("spectrum"))] = meta
        return out

    @property
    def spectrum_order(self) -> list[str]:
        """Accepted spectra in sample-sheet order (``validation.json``), else in order of appearance."""
        names = [str(rec.get("spectrum")) for rec in self.validation.get("spectra", [])]
        if not names and "spectrum" in self.spectra.columns:
            names = list(dict.fromkeys(self.spectra["spectrum"].astype(str)))
        return names

    def excluded(self) -> list[dict[str, Any]]:
        """Excluded spectra with their reasons: ``verdict.json`` if it lists them, else ``validation.json``."""
        listed = self.verdict.get("excluded_spectra")
        if listed:
            return [{"spectrum": e.get("spectrum"), "file": e.get("file"), "reason": e.get("reason")} for e in listed]
        return [
            {"spectrum": e.get("spectrum"), "file": e.get("file"), "reason": e.get("error", e.get("reason"))}
            for e in self.validation.get("excluded", [])
        ]


def load_cell(paths: Path | str | Mapping[str, Path | str], cell: str | None = None) -> CellData:
    """Read a cell's stage outputs.

    Parameters
    ----------
    paths
        The cell's results folder (files named as in :data:`STAGE_FILES`) or a mapping key -> file path (keys of
        :data:`STAGE_FILES`; missing keys are looked up beside the first given file).
    cell
        Cell name (default: from ``validation.json``, else the folder name).

    Returns
    -------
    CellData
        Parsed outputs; absent files give empty tables/dicts.
    """
    if isinstance(paths, Mapping):
        given = {k: Path(v) for k, v in paths.items() if k in STAGE_FILES}
        folder = next(iter(given.values())).parent if given else Path()
    else:
        folder = Path(paths)
        given = {}
    files = {key: given.get(key, folder / name) for key, name in STAGE_FILES.items()}
    validation = _read_json(files["validation"])
    name = cell or validation.get("cell") or folder.name
    return CellData(
        cell=str(name),
        spectra=_read_csv(files["spectra"]),
        drt=_read_csv(files["drt"]),
        peaks=_read_csv(files["peaks"]),
        tracks=_read_csv(files["tracks"]),
        fits=_read_csv(files["fits"]),
        arrhenius=_read_csv(files["arrhenius"]),
        validation=validation,
        steps12=_read_json(files["steps12"]),
        steps36=_read_json(files["steps36"]),
        verdict=_read_json(files["verdict"]),
        sources={key: p.name for key, p in sorted(files.items()) if p.is_file()},
    )
