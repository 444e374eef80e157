"""The validation stage of one cell: read -> area-normalise -> KK test -> crop, for every spectrum of the cell.

One job per cell (not per spectrum) keeps the workflow's start-up cost low; inside the job every spectrum is
handled on its own: a bad file or a spectrum that fails the KK test is recorded as *excluded* with the message
that names file, line and problem, and the other spectra go on. The job fails only when no spectrum of the cell
survives.

Outputs (DESIGN.md units in column names):

- ``spectra.csv``: one row per point of every accepted spectrum: ``cell``, ``spectrum``, ``frequency_hz``,
  ``z_real_ohm_cm2``, ``z_imag_ohm_cm2``, ``source_line``, ``kk_fit_real_ohm_cm2``, ``kk_fit_imag_ohm_cm2``,
  ``kk_residual_real``, ``kk_residual_imag`` (relative, of the first KK test over the configured window; NaN
  outside it), ``kept`` (bool), ``drop_reason``.
- ``validation.json``: settings, per spectrum the file and its SHA-256, the crop window, counts and every dropped
  point with its line and reason, the KK summaries; and the excluded spectra with their reasons.
"""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.errors import InputError
from eisrecipe.io.samplesheet import spectrum_meta_columns
from eisrecipe.methods.blocking import detect_blocking
from eisrecipe.methods.crop import CropSettings, crop_spectrum
from eisrecipe.serialize import FLOAT_FORMAT, json_safe
from eisrecipe.spectrum import Spectrum

__all__ = ["CellValidation", "load_validated", "settings_for_cell", "validate_cell", "validate_spectrum"]

log = logging.getLogger(__name__)


def settings_for_cell(config: Mapping[str, Any], cell: str) -> CropSettings:
    """Cropping/KK settings of ``cell``: the config's ``crop`` and ``kk`` sections, then ``crop.cells.<cell>``."""
    crop = dict(config.get("crop") or {})
    override = (crop.get("cells") or {}).get(cell) or {}
    crop.update(override)
    return CropSettings.from_config(crop, config.get("kk"))


def sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def validate_spectrum(row: Mapping[str, Any], settings: CropSettings) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Validate one sample-sheet row.

    Parameters
    ----------
    row
        A row of :func:`eisrecipe.io.samplesheet.load_sample_sheet` (needs ``path``, ``format``, ``area_cm2``,
        ``cell``, ``spectrum``; ``sweep`` optional).
    settings
        Cropping and KK options.

    Returns
    -------
    table, record
        The spectrum's rows of ``spectra.csv`` and its ``validation.json`` record.

    Raises
    ------
    InputError
        Unreadable file, bad values, or no KK-valid window.
    """
    from eisrecipe.io import READER_NOTES, read_spectrum

    sweep = json_safe(row.get("sweep"))
    raw = read_spectrum(row["path"], format=row.get("format") or "auto", sweep=sweep)
    meta = {k: json_safe(row.get(k)) for k in spectrum_meta_columns() if k in row}
    spectrum: Spectrum = raw.normalise(float(row["area_cm2"])).with_meta(**meta)
    cropped, crop = crop_spectrum(spectrum, settings)
    # the electrode question is asked of the whole measured spectrum: cropping a low-frequency artefact can leave the
    # start of a closing arc that looks like a spur (data/example cellB), and a blocking spur is data, not artefact
    blocking = detect_blocking(spectrum.frequency_hz, spectrum.impedance)
    problem = crop.convergence_problem()
    if problem and settings.unconverged == "exclude":
        raise InputError(f"{problem} (crop.unconverged = exclude)", row["path"])
    n = spectrum.n_points
    fit = np.full(n, np.nan + 0j)
    res_re = np.full(n, np.nan)
    res_im = np.full(n, np.nan)
    fit[crop.candidate] = crop.kk_full.z_fit
    res_re[crop.candidate] = crop.kk_full.residual_real
    res_im[crop.candidate] = crop.kk_full.residual_imag
    table = spectrum.to_frame()
    table.insert(0, "spectrum", row["spectrum"])
    table.insert(0, "cell", row["cell"])
    table["kk_fit_real_ohm_cm2"] = fit.real
    table["kk_fit_imag_ohm_cm2"] = fit.imag
    table["kk_residual_real"] = res_re
    table["kk_residual_imag"] = res_im
    table["kept"] = crop.keep
    table["drop_reason"] = crop.reason
    record = {
        "spectrum": row["spectrum"],
        "file": row.get("file", row["path"]),
        "sha256": sha256(row["path"]),
        "sweep": sweep,
        "status": "ok",
        "meta": meta,
        "n_kept": cropped.n_points,
        **crop.summary(),
    }
    notes = {k: raw.meta[k] for k in READER_NOTES if raw.meta.get(k)}
    if notes:
        record["reader_notes"] = notes
    flags = [p for p in (problem, crop.systematic_problem()) if p]
    if flags:
        record["quality_flags"] = flags
    record["blocking_electrode"] = {"blocking": blocking.blocking, "reason": blocking.reason}
    return table, record


@dataclass
class CellValidation:
    """Validated spectra of one cell and the record of what was done.

    Attributes
    ----------
    cell
        Cell name.
    table
        Rows of ``spectra.csv`` (all accepted spectra).
    records
        Per accepted spectrum, its ``validation.json`` record.
    excluded
        Per excluded spectrum: ``spectrum``, ``file``, ``error``.
    settings
        The settings used (JSON-ready).
    """

    cell: str
    table: pd.DataFrame
    records: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``validation.json`` document."""
        return {
            "cell": self.cell,
            "n_spectra": len(self.records) + len(self.excluded),
            "n_accepted": len(self.records),
            "n_excluded": len(self.excluded),
            "settings": self.settings,
            "spectra": self.records,
            "excluded": self.excluded,
        }

    def write(self, spectra_csv: str | Path, validation_json: str | Path) -> None:
        """Write both outputs (deterministic formatting; a non-finite number - e.g. Schonleber's mu of a KK fit
        without one positive R_k, -inf - is written as ``null``)."""
        Path(spectra_csv).parent.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(spectra_csv, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        Path(validation_json).write_text(json.dumps(json_safe(self.to_dict()), indent=2, allow_nan=False) + "\n")


def validate_cell(rows: pd.DataFrame, settings: CropSettings) -> CellValidation:
    """Validate every spectrum of one cell, isolating failures.

    Parameters
    ----------
    rows
        The cell's rows of the sample sheet (:func:`eisrecipe.io.samplesheet.load_sample_sheet`).
    settings
        Cropping and KK options.

    Returns
    -------
    CellValidation
        Accepted spectra and the excluded ones with their reasons.

    Raises
    ------
    InputError
        When no spectrum of the cell survives (the message lists every reason).
    """
    cells = sorted(set(rows["cell"]))
    if len(cells) != 1:
        raise ValueError(f"validate_cell needs the rows of exactly one cell, got {cells}")
    tables = []
    out = CellValidation(cell=cells[0], table=pd.DataFrame(), settings=settings.to_dict())
    for row in rows.to_dict(orient="records"):
        try:
            table, record = validate_spectrum(row, settings)
        except InputError as exc:
            log.error("excluded spectrum %s of cell %s: %s", row["spectrum"], row["cell"], exc)
            if row.get("file") and exc.path is not None and Path(exc.path) == Path(row["path"]):
                # name the file as the sample sheet does (relative to the dataset): the same in every clone
                exc = InputError(exc.problem, row["file"], exc.line, exc.column)
            out.excluded.append({"spectrum": row["spectrum"], "file": row.get("file"), "error": str(exc)})
            continue
        except Exception as exc:  # one bad spectrum never takes down the others
            log.error(
                "excluded spectrum %s of cell %s after an unexpected error:\n%s",
                row["spectrum"],
                row["cell"],
                traceback.format_exc(),
            )
            out.excluded.append(
                {
                    "spectrum": row["spectrum"],
                    "file": row.get("file"),
                    "error": f"unexpected {type(exc).__name__}: {exc}",
                }
            )
            continue
        log.info(
            "spectrum %s: kept %d of %d points, %.4g .. %.4g Hz",
            row["spectrum"],
            record["n_kept"],
            record["n_points"],
            *record["window_hz"],
        )
        tables.append(table)
        out.records.append(record)
    if not tables:
        reasons = "; ".join(f"{e['spectrum']}: {e['error']}" for e in out.excluded)
        raise InputError(f"no spectrum of cell '{out.cell}' could be validated ({reasons})")
    out.table = pd.concat(tables, ignore_index=True)
    return out


def load_validated(spectra_csv: str | Path, validation_json: str | Path) -> list[Spectrum]:
    """The cropped, area-specific spectra of one cell as written by :meth:`CellValidation.write`.

    Parameters
    ----------
    spectra_csv, validation_json
        The validation stage's outputs for the cell.

    Returns
    -------
    list of Spectrum
        One per accepted spectrum in sheet order, kept points only, impedance in ohm cm^2; ``meta`` holds the
        sample-sheet values (``cell``, ``spectrum``, ``pressure_mpa`` ...), ``file`` and the noise level of the
        kept window (``kk_noise``: :attr:`~eisrecipe.methods.crop.CropResult.noise_level`); ``source`` is the
        instrument file.
    """
    table = pd.read_csv(spectra_csv)
    doc = json.loads(Path(validation_json).read_text())
    out = []
    for record in doc["spectra"]:
        rows = table[(table["spectrum"].astype(str) == str(record["spectrum"])) & table["kept"].astype(bool)]
        # files written before noise_level existed carry only the KK fit's estimate
        noise = record["noise_level"] if "noise_level" in record else record["kk_final"]["noise_estimate"]
        meta = {**record["meta"], "file": record["file"], "kk_noise": noise}
        if record.get("quality_flags"):
            meta["quality_flags"] = list(record["quality_flags"])
        if "blocking_electrode" in record:
            meta["blocking_uncropped"] = bool(record["blocking_electrode"]["blocking"])
        cols = ["frequency_hz", "z_real_ohm_cm2", "z_imag_ohm_cm2", "source_line"]
        out.append(Spectrum.from_frame(rows[cols], source=record["file"], meta=meta))
    return out
