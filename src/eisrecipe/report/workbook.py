"""``results/<dataset>/parameters.xlsx``: every fitted parameter of every cell against pressure and temperature, in
one workbook for Origin and Excel.

One sheet per kind of fit (cells stacked, a ``cell`` column first), because a sheet then has one set of columns and
a cross-cell plot is one filter away: ``pressure series`` (Step 4 joint series fit), ``full contact (Step 3)``,
``temperature`` (each temperature spectrum fitted on its own), ``temperature (joint)`` (the joint Arrhenius fit's
per-spectrum values), ``Arrhenius`` (Step 7, one row per cell and element), and ``about`` first (what each sheet
holds, units, sources). In the fit sheets one row is one spectrum; per element the columns are R, C (Brug effective
for R-CPE), tau and alpha, each followed by its standard error, with the unit in every header
(``R_gb (Ω cm²)``, ``stderr R_gb (Ω cm²)``); the pressure-series sheet adds R_Int, the sum of the interface
elements. Empty cells: no value (element absent from that fit, or no standard error).

The file is byte-stable (fixed document dates and zip times), like every other output.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.methods.arrhenius import ZERO_CELSIUS_K
from eisrecipe.recipe.elements import element_rank, is_interface
from eisrecipe.report.data import CellData

__all__ = ["FIT_SHEETS", "parameter_sheets", "r_int_by_spectrum", "write_parameters_workbook"]

#: sheet name of each kind of fit in ``fits.csv`` (other kinds get a sheet named after them)
FIT_SHEETS: dict[str, str] = {
    "series": "pressure series",
    "step3": "full contact (Step 3)",
    "temperature": "temperature",
    "temperature_joint": "temperature (joint)",
}

#: fits.csv column -> (header stem, unit) of the per-element parameters, in sheet order
_ELEMENT_PARAMETERS: tuple[tuple[str, str, str, str], ...] = (
    ("r_ohm_cm2", "r_stderr_ohm_cm2", "R", "Ω cm²"),
    ("c_f_cm2", "c_stderr_f_cm2", "C", "F cm⁻²"),
    ("tau_s", "tau_stderr_s", "tau", "s"),
    ("alpha", "alpha_stderr", "alpha", "1"),
)

#: fits.csv columns of the whole fit of a spectrum -> header, in sheet order
_FIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("r_inf_ohm_cm2", "R_inf (Ω cm²)"),
    ("r_inf_stderr_ohm_cm2", "stderr R_inf (Ω cm²)"),
    ("l_h_cm2", "L (H cm²)"),
    ("l_stderr_h_cm2", "stderr L (H cm²)"),
    ("reduced_chi2", "reduced chi² (1)"),
    ("max_rel_residual", "max relative residual (1)"),
    ("max_local_misfit", "max misfit, 3-point mean (1)"),
    ("fit_ok", "fit ok"),
    ("interfaces", "interfaces (1 or 2)"),
    ("flags", "flags"),
)

#: arrhenius.csv column -> header (columns not listed keep their name, which carries its unit)
_ARRHENIUS_COLUMNS: dict[str, str] = {
    "element": "element",
    "ea_ev": "Ea two-stage (eV)",
    "ea_stderr_ev": "stderr Ea two-stage (eV)",
    "ln_prefactor": "ln prefactor two-stage (ln(K Ω⁻¹ cm⁻²))",
    "ln_prefactor_stderr": "stderr ln prefactor two-stage (1)",
    "r2": "R² (1)",
    "reduced_chi2": "reduced chi² (1)",
    "n_points": "points",
    "t_min_c": "T min (°C)",
    "t_max_c": "T max (°C)",
    "weighted": "weighted",
    "ea_drt_ev": "Ea from DRT peaks (eV)",
    "ea_drt_stderr_ev": "stderr Ea from DRT peaks (eV)",
    "n_points_drt": "points DRT",
    "ea_joint_ev": "Ea joint fit (eV)",
    "ea_joint_stderr_ev": "stderr Ea joint fit (eV)",
    "ln_prefactor_joint": "ln prefactor joint fit (ln(K Ω⁻¹ cm⁻²))",
    "ln_prefactor_joint_stderr": "stderr ln prefactor joint fit (1)",
    "joint_ok": "joint fit ok",
}

_FIXED_DATE = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _meta(cell: CellData, spectrum: str, key: str) -> Any:
    return cell.spectrum_meta.get(spectrum, {}).get(key)


def _number(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def r_int_by_spectrum(cell: CellData) -> pd.DataFrame:
    """R_Int of the pressure-series fit per spectrum: the sum of the interface elements' R, its standard error in
    quadrature (covariances left out), with the spectrum's pressure; columns ``cell, spectrum, pressure_mpa,
    r_int_ohm_cm2, r_int_stderr_ohm_cm2, elements``. Spectra whose fit has no interface element are left out."""
    cols = ["cell", "spectrum", "pressure_mpa", "r_int_ohm_cm2", "r_int_stderr_ohm_cm2", "elements"]
    fits = cell.fits
    if fits.empty or not {"fit", "element", "spectrum", "r_ohm_cm2"} <= set(fits.columns):
        return pd.DataFrame(columns=cols)
    rows = fits[(fits["fit"] == "series") & fits["element"].map(lambda e: is_interface(str(e)))]
    out = []
    for spectrum, g in rows.groupby("spectrum", sort=False):
        p = _number(g["pressure_mpa"].iloc[0]) if "pressure_mpa" in g.columns else math.nan
        if not np.isfinite(p):
            p = _number(_meta(cell, str(spectrum), "pressure_mpa"))
        err = g["r_stderr_ohm_cm2"].to_numpy(dtype=float) if "r_stderr_ohm_cm2" in g.columns else np.array([np.nan])
        out.append(
            {
                "cell": cell.cell,
                "spectrum": str(spectrum),
                "pressure_mpa": p,
                "r_int_ohm_cm2": float(g["r_ohm_cm2"].astype(float).sum()),
                "r_int_stderr_ohm_cm2": float(np.sqrt(np.sum(err**2))),
                "elements": "+".join(sorted(map(str, g["element"]), key=element_rank)),
            }
        )
    return pd.DataFrame(out, columns=cols).sort_values(["pressure_mpa", "spectrum"], ignore_index=True)


def _fit_sheet(cells: Sequence[CellData], fit: str) -> pd.DataFrame:
    """One row per cell and spectrum of fit kind ``fit``, every parameter in its own column."""
    frames = [(c, c.fits[c.fits["fit"] == fit]) for c in cells if not c.fits.empty and "fit" in c.fits.columns]
    frames = [(c, f) for c, f in frames if not f.empty]
    elements = sorted({str(e) for _, f in frames for e in f["element"]}, key=element_rank)
    temperature_sheet = fit.startswith("temperature")
    rows = []
    for cell, f in frames:
        order = {s: i for i, s in enumerate(cell.spectrum_order)}
        r_int_all = r_int_by_spectrum(cell) if fit == "series" else None
        for spectrum, g in sorted(f.groupby("spectrum", sort=False), key=lambda kv: order.get(str(kv[0]), 1 << 30)):
            s = str(spectrum)
            first = g.iloc[0]
            p = _number(first.get("pressure_mpa"))
            p = p if np.isfinite(p) else _number(_meta(cell, s, "pressure_mpa"))
            t = _number(first.get("temperature_c"))
            t = t if np.isfinite(t) else _number(_meta(cell, s, "temperature_c"))
            row: dict[str, Any] = {
                "cell": cell.cell,
                "spectrum": s,
                "series": _meta(cell, s, "series"),
                "pressure (MPa)": p,
                "pressure mode": _meta(cell, s, "pressure_mode"),
                "temperature (°C)": t,
            }
            if temperature_sheet:
                row["1000/T (K⁻¹)"] = 1000 / (t + ZERO_CELSIUS_K) if np.isfinite(t) else math.nan
            for el in elements:
                e = g[g["element"].astype(str) == el]
                rec = e.iloc[0] if not e.empty else None
                row[f"kind {el}"] = None if rec is None else rec.get("kind")
                for col, err, stem, unit in _ELEMENT_PARAMETERS:
                    for c, name in ((col, f"{stem}_{el} ({unit})"), (err, f"stderr {stem}_{el} ({unit})")):
                        row[name] = math.nan if rec is None else _number(rec.get(c))
            if r_int_all is not None:
                r_int = r_int_all[r_int_all["spectrum"] == s]
                row["R_Int (Ω cm²)"] = float(r_int["r_int_ohm_cm2"].iloc[0]) if not r_int.empty else math.nan
                row["stderr R_Int (Ω cm²)"] = (
                    float(r_int["r_int_stderr_ohm_cm2"].iloc[0]) if not r_int.empty else math.nan
                )
            for col, name in _FIT_COLUMNS:
                if col in g.columns:
                    v = first.get(col)
                    row[name] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
            rows.append(row)
    table = pd.DataFrame(rows)
    return table.dropna(axis=1, how="all") if not table.empty else table


def _arrhenius_sheet(cells: Sequence[CellData]) -> pd.DataFrame:
    parts = []
    for cell in cells:
        if cell.arrhenius.empty:
            continue
        a = cell.arrhenius.copy()
        a.insert(0, "cell", cell.cell)
        a = a.iloc[sorted(range(len(a)), key=lambda i: element_rank(str(a["element"].iloc[i])))]
        parts.append(a)
    if not parts:
        return pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    return table.rename(columns=_ARRHENIUS_COLUMNS)


def parameter_sheets(cells: Iterable[CellData]) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as tables, sheet name -> table (``about`` not included; empty sheets left out)."""
    cells = sorted(cells, key=lambda c: c.cell)
    kinds: list[str] = []
    for c in cells:
        if not c.fits.empty and "fit" in c.fits.columns:
            kinds += [str(k) for k in c.fits["fit"].dropna().unique() if str(k) not in kinds]
    kinds = sorted(kinds, key=lambda k: (list(FIT_SHEETS).index(k) if k in FIT_SHEETS else len(FIT_SHEETS), k))
    sheets = {_sheet_name(FIT_SHEETS.get(k, k)): _fit_sheet(cells, k) for k in kinds}
    sheets["Arrhenius"] = _arrhenius_sheet(cells)
    return {name: table for name, table in sheets.items() if not table.empty}


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31]


_ABOUT = {
    "pressure series": "Step 4 joint fit of the pressure series (bulk and grain boundary shared over the "
    "spectra): one row per spectrum; R_Int is the sum of the interface elements (standard errors in quadrature, "
    "covariances left out). Source: <cell>/fits.csv, fit = series.",
    "full contact (Step 3)": "Step 3 fit of the highest-pressure spectrum. Source: <cell>/fits.csv, fit = step3.",
    "temperature": "Every temperature spectrum fitted on its own (the two-stage Arrhenius input). Source: "
    "<cell>/fits.csv, fit = temperature.",
    "temperature (joint)": "Per-spectrum values of the joint Arrhenius fit (R on the Arrhenius law, capacitances "
    "shared). Source: <cell>/fits.csv, fit = temperature_joint.",
    "Arrhenius": "Step 7 activation energies per cell and element: two-stage fit, from the DRT peaks, and the "
    "joint fit (which Step 7 prefers). Source: <cell>/arrhenius.csv.",
}


def _about(dataset: str | None, sheets: Mapping[str, pd.DataFrame], cells: Sequence[str]) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["eisrecipe parameters" + (f" of dataset {dataset}" if dataset else "")],
        ["cells", ", ".join(cells)],
        [
            "units",
            "in every header: Ω cm² area-specific, F cm⁻² (Brug effective C for R-CPE), s, eV, MPa, °C; "
            "(1) dimensionless",
        ],
        [
            "columns",
            "per element: kind, then R, C, tau, alpha, each followed by its standard error ('stderr ...'); "
            "an empty cell has no value",
        ],
        [],
        ["sheet", "content", "rows"],
    ]
    for name, table in sheets.items():
        rows.append([name, _ABOUT.get(name, f"fits.csv, fit = {name}"), len(table)])
    return rows


def _normalize_zip(data: bytes) -> bytes:
    """The xlsx with fixed zip times and document dates (openpyxl stamps the time of saving)."""
    out = io.BytesIO()
    stamp = _FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp.encode() + rb"\2", body
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


def write_parameters_workbook(path: str | Path, cells: Iterable[CellData], dataset: str | None = None) -> list[str]:
    """Write ``parameters.xlsx`` (see the module docstring) and return its sheet names.

    Parameters
    ----------
    path
        The workbook to write.
    cells
        Parsed stage outputs of the finished cells.
    dataset
        Dataset name for the ``about`` sheet.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cells = sorted(cells, key=lambda c: c.cell)
    sheets = parameter_sheets(cells)
    wb = Workbook()
    about = wb.active
    about.title = "about"
    for row in _about(dataset, sheets, [c.cell for c in cells]):
        about.append(row)
    about["A1"].font = Font(bold=True)
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 110
    for name, table in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in table.columns])
        for rec in table.itertuples(index=False):
            ws.append([_cell_value(v) for v in rec])
        for k, col in enumerate(table.columns, start=1):
            ws.cell(row=1, column=k).font = Font(bold=True)
            ws.column_dimensions[get_column_letter(k)].width = max(10, min(40, len(str(col)) + 2))
        ws.freeze_panes = "C2"
    wb.properties.creator = "eisrecipe"
    wb.properties.created = _FIXED_DATE
    buf = io.BytesIO()
    wb.save(buf)
    Path(path).write_bytes(_normalize_zip(buf.getvalue()))
    return ["about", *sheets]


def _cell_value(v: Any) -> Any:
    """A table value as openpyxl writes it: NaN and None as an empty cell, numpy scalars as Python ones."""
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
