"""The Python API: a spectrum from a file to KK, DRT and a circuit fit in a few calls, and the whole recipe on one
cell of a dataset.

.. code-block:: python

    import eisrecipe as er

    s = er.read("data/example/cellA_010MPa.txt", area_cm2=0.5)   # Spectrum, ohm cm^2
    k = er.kk(s)                                                  # KK test and cropping; k.spectrum is cropped
    d = er.drt(k.spectrum)                                        # DRT with its peaks
    f = er.fit(k.spectrum, "R0-p(R1,CPE1)-p(R2,CPE2)")            # circuit fit; f.parameters is a table
    er.plot.nyquist(s)                                            # matplotlib Axes
    c = er.run_cell("data/example", "cellA")                      # Steps 1-7 in-process, files as the workflow

``import eisrecipe`` stays light: these names are looked up on first use (the package's ``__getattr__``).
Results have short reprs; their full content is in attributes (``k.crop``, ``d.result``, ``f.result``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.api.circuit import ParsedCircuit, parse_circuit
from eisrecipe.errors import InputError
from eisrecipe.spectrum import Spectrum

__all__ = ["DRT", "KK", "CellRun", "Fit", "drt", "fit", "kk", "parse_circuit", "read", "run_cell"]


def read(
    path: str | PathLike[str], area_cm2: float | None = None, format: str = "auto", sweep: int | None = None
) -> Spectrum:
    """Read one spectrum from an instrument file (any format of ``eisrecipe formats``).

    Parameters
    ----------
    path
        The file.
    area_cm2
        Electrode area: the spectrum is then area-specific (ohm cm^2), as the workflow analyses it.
    format
        Reader name or ``"auto"`` (detect).
    sweep
        1-based sweep of a file that holds several.
    """
    from eisrecipe.io import read_spectrum

    spectrum = read_spectrum(path, format=format, sweep=sweep)
    return spectrum.normalise(area_cm2) if area_cm2 is not None else spectrum


@dataclass(frozen=True, eq=False)
class KK:
    """Kramers-Kronig test and cropping of one spectrum.

    Attributes
    ----------
    spectrum
        The kept (cropped) spectrum: go on with this one.
    original
        The spectrum as given.
    crop
        The full :class:`eisrecipe.methods.crop.CropResult` (mask, reasons, KK results before and after).
    """

    spectrum: Spectrum
    original: Spectrum
    crop: Any

    @property
    def window_hz(self) -> tuple[float, float]:
        """Lowest and highest kept frequency, Hz."""
        lo, hi = self.crop.window_hz()
        return float(lo), float(hi)

    @property
    def residuals(self) -> pd.DataFrame:
        """Relative KK residuals of the kept window per point (``frequency_hz``, ``residual_real``,
        ``residual_imag``)."""
        final = self.crop.kk_final
        return pd.DataFrame(
            {
                "frequency_hz": self.spectrum.frequency_hz,
                "residual_real": np.asarray(final.residuals).real,
                "residual_imag": np.asarray(final.residuals).imag,
            }
        )

    def summary(self) -> dict[str, Any]:
        """The JSON-ready record of ``validation.json`` (window, dropped points with reasons, KK summaries)."""
        return self.crop.summary()

    def __repr__(self) -> str:
        s = self.summary()
        lo, hi = self.window_hz
        final = s["kk_final"]
        return (
            f"KK(kept {s['n_kept']}/{s['n_points']} points, {lo:.3g}..{hi:.3g} Hz, "
            f"max |residual| {100 * final['max_abs_residual']:.2f} %, noise {100 * s['noise_level']:.2f} %)"
        )


def kk(spectrum: Spectrum, threshold: float = 0.04, **settings: Any) -> KK:
    """Linear Kramers-Kronig test and cropping (the workflow's validate stage on one spectrum).

    Parameters
    ----------
    spectrum
        The spectrum.
    threshold
        Largest relative KK residual kept (``crop.kk_threshold``).
    **settings
        Other keys of the config's ``crop`` section (``f_min_hz``, ``f_max_hz``, ``drop_inductive`` ...).
    """
    from eisrecipe.methods.crop import CropSettings, crop_spectrum

    kept, result = crop_spectrum(spectrum, CropSettings(kk_threshold=threshold, **settings))
    return KK(kept, spectrum, result)


@dataclass(frozen=True, eq=False)
class DRT:
    """A DRT of one spectrum with its peaks.

    Attributes
    ----------
    result
        The :class:`eisrecipe.methods.drt.DrtResult` (grid, gamma, lambda, reconstruction ...).
    peaks
        The peaks (:class:`eisrecipe.methods.peaks.Peak`), shortest tau first.
    """

    result: Any
    peaks: tuple[Any, ...]

    def to_frame(self) -> pd.DataFrame:
        """gamma(tau): ``tau_s``, ``frequency_hz``, ``gamma_<unit>``."""
        return self.result.to_frame()

    @property
    def peaks_frame(self) -> pd.DataFrame:
        """One row per peak: ``tau_s``, ``frequency_hz``, ``r`` (peak area, unit of Z), ``width_decades``."""
        return pd.DataFrame(
            [
                {"tau_s": p.tau_s, "frequency_hz": p.frequency_hz, "r": p.r, "width_decades": p.width_decades}
                for p in self.peaks
            ]
        )

    def __repr__(self) -> str:
        taus = ", ".join(f"{p.tau_s:.2g}" for p in self.peaks)
        r = self.result
        return (
            f"DRT({len(self.peaks)} peak(s) at tau = {taus or '-'} s; lambda {r.lambda_value:.2g} "
            f"({r.lambda_method}), data {r.data})"
        )


def drt(spectrum: Spectrum, prominence: float = 0.0, min_snr: float = 5.0, **settings: Any) -> DRT:
    """Distribution of relaxation times (Tikhonov, the workflow's ``drt`` settings) and its peaks.

    Parameters
    ----------
    spectrum
        The spectrum (cropped: ``er.kk(s).spectrum``).
    prominence
        Floor on a peak candidate's prominence relative to the largest peak (``peaks.prominence``).
    min_snr
        Significance a peak needs against the noise of the data (``peaks.min_snr``, :mod:`eisrecipe.methods.peaks`).
    **settings
        Keys of the config's ``drt`` section (``data="both"``, ``lambda_method`` ...).
    """
    from eisrecipe.methods.drt import DrtSettings, run_drt
    from eisrecipe.methods.peaks import find_peaks

    backend = settings.pop("backend", "native")
    result = run_drt(spectrum, DrtSettings.from_config(settings), backend=backend)
    return DRT(result, tuple(find_peaks(result, prominence=prominence, min_snr=min_snr)))


@dataclass(frozen=True, eq=False)
class Fit:
    """An equivalent-circuit fit of one spectrum.

    Attributes
    ----------
    circuit
        The circuit string.
    result
        The :class:`eisrecipe.methods.fitting.SeriesFit` (parameter vector, covariance, residuals ...).
    spectrum
        The fitted spectrum.
    """

    circuit: str
    result: Any
    spectrum: Spectrum = field(repr=False)

    @property
    def parameters(self) -> pd.DataFrame:
        """One row per element: ``element``, ``kind``, R, C (Brug effective for R-CPE), tau, alpha with standard
        errors (``fits.csv`` columns), plus R_inf and L per row."""
        return self.result.to_frame().drop(columns=["spectrum"])

    @property
    def ok(self) -> bool:
        """Converged, not degenerate, nothing on a bound (else see ``result.flags``)."""
        return bool(self.result.ok)

    def predict(self, frequency_hz: Any = None) -> np.ndarray:
        """Model impedance at ``frequency_hz`` (default: the spectrum's frequencies)."""
        f = self.spectrum.frequency_hz if frequency_hz is None else np.asarray(frequency_hz, dtype=float)
        return self.result.models[0].impedance(2 * np.pi * f, self.result.x)

    def __repr__(self) -> str:
        unit = "Ω cm²" if self.spectrum.unit == "ohm cm^2" else "Ω"
        parts = [
            f"{e.element} = {e.r:.4g} ± {e.r_stderr:.2g} {unit}" for e in self.result.elements if math.isfinite(e.r)
        ]
        state = "ok" if self.ok else "flagged: " + "; ".join(self.result.flags)
        return f"Fit({self.circuit!r}, {', '.join(parts)}, reduced chi2 {self.result.reduced_chi2:.3g}, {state})"


def _seeds(spectrum: Spectrum, n: int) -> list[tuple[float, float]]:
    """(R, tau) starts of ``n`` parallel elements: the ``n`` largest DRT peaks when there are that many, else taus
    spread over the measured window and R_pol shared equally."""
    z = spectrum.impedance
    r_pol = float(max(z.real.max() - z.real.min(), 1e-9))
    if n == 0:
        return []
    try:
        found = drt(spectrum).peaks
    except (InputError, ValueError, np.linalg.LinAlgError):
        found = ()
    if len(found) >= n:
        best = sorted(sorted(found, key=lambda p: -p.r)[:n], key=lambda p: p.tau_s)
        return [(max(float(p.r), 1e-3 * r_pol), float(p.tau_s)) for p in best]
    f = spectrum.frequency_hz
    taus = np.geomspace(1 / (2 * np.pi * f.max()), 1 / (2 * np.pi * f.min()), n + 2)[1:-1]
    return [(r_pol / n, float(t)) for t in taus]


def fit(spectrum: Spectrum, circuit: str, weighting: str = "modulus") -> Fit:
    """Fit an impedance.py circuit string, e.g. ``"R0-p(R1,CPE1)-p(R2,CPE2)"`` (``-`` series, ``p(a,b)``
    parallel).

    The string is read into eisrecipe's series-of-parallels model (:mod:`eisrecipe.api.circuit`): at most one
    series R and one series L, parallel ``p(R,C)`` / ``p(R,CPE)`` elements, series CPEs; anything else is refused
    with an :class:`~eisrecipe.errors.InputError` saying why. Starts come from the DRT peaks (largest first), the
    elements are fitted in ascending tau.
    """
    from eisrecipe.methods.fitting import fit_spectrum
    from eisrecipe.methods.starts import inductance_start, r_inf_start, seeded_start

    parsed: ParsedCircuit = parse_circuit(circuit)
    parallel = [k for k, e in enumerate(parsed.elements) if e.parallel]
    series_cpe = [k for k, e in enumerate(parsed.elements) if not e.parallel]
    seeds = _seeds(spectrum, len(parallel))
    # the model wants its parallel elements in ascending tau: the string's order is kept, the seeds sorted to it
    order = parallel + series_cpe
    z_low = abs(spectrum.impedance[int(np.argmin(spectrum.frequency_hz))])
    cpe_q = [1.0 / (2 * np.pi * float(spectrum.frequency_hz.min()) * z_low)] * len(series_cpe)
    kinds = [parsed.elements[k].kind for k in order]
    start = seeded_start(
        [*seeds, *((q, 1.0) for q in cpe_q)],
        kinds,
        r_inf_start(spectrum) if parsed.r_inf else 0.0,
        inductance_start(spectrum) if parsed.inductance else None,
    )
    model = parsed.model(order)
    result = fit_spectrum(spectrum.frequency_hz, spectrum.impedance, model, start, name="spectrum", weighting=weighting)
    return Fit(circuit, result, spectrum)


@dataclass(frozen=True, eq=False)
class CellRun:
    """The recipe run on one cell (:func:`run_cell`): where its files are and what it concluded.

    Attributes
    ----------
    cell
        Cell name.
    folder
        The cell's results folder (``spectra.csv`` ... ``verdict.json``, ``report.html``, ``figures/``).
    verdict
        ``verdict.json`` as a dict.
    """

    cell: str
    folder: Path
    verdict: dict[str, Any]

    @property
    def data(self) -> Any:
        """Every stage output parsed (:class:`eisrecipe.report.CellData`: ``.fits``, ``.arrhenius`` ...)."""
        from eisrecipe.report import load_cell

        return load_cell(self.folder)

    @property
    def summary(self) -> str:
        """The verdict's one sentence."""
        return str(self.verdict.get("summary", ""))

    def __repr__(self) -> str:
        process = self.verdict.get("dominant_interface_process")
        return f"CellRun({self.cell!r}: {process}, {self.folder})"


def _load_config(config: str | PathLike[str] | Mapping[str, Any] | None, dataset: Path) -> dict[str, Any]:
    """The analysis config: a mapping as given, or a workflow config file (default ``config.yaml`` here when
    present) with the dataset's own ``config.yaml`` merged over it (validated by the workflow's schema when it lies
    beside the config file, as in the repository)."""
    import copy

    import yaml

    from eisrecipe.config import deep_merge, fill_defaults, load_schema, merge_dataset_config

    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config))
    path = Path(config) if config is not None else Path("config.yaml")
    if config is not None and not path.is_file():
        raise InputError(f"config file {path} not found")
    out = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    out["dataset"] = str(dataset)
    schema_path = path.resolve().parent / "workflow" / "schemas" / "config.schema.yaml"
    if schema_path.is_file():  # as the workflow: the dataset's settings validated, then the schema's defaults
        schema = load_schema(schema_path)
        sources = merge_dataset_config(out, dataset, schema)
        fill_defaults(out, schema)
        if sources:
            out["set by"] = sources
    elif (dataset / "config.yaml").is_file():
        deep_merge(out, yaml.safe_load((dataset / "config.yaml").read_text(encoding="utf-8")) or {})
    return out


#: stage inputs (keys of the rules' inputs in rules/fit.smk and rules/verdict.smk)
FIT_INPUTS = ("spectra", "validation", "tracks", "peaks", "steps12")
VERDICT_INPUTS = ("validation", "steps12", "steps36", "fits", "confidence")


def run_cell(
    dataset: str | PathLike[str],
    cell: str,
    results: str | PathLike[str] | None = None,
    config: str | PathLike[str] | Mapping[str, Any] | None = None,
    report: bool = True,
) -> CellRun:
    """Run the recipe on one cell in this process, through the workflow's stage functions (validate, DRT, fit,
    confidence, verdict, report), writing the same files as the workflow.

    Parameters
    ----------
    dataset
        Dataset folder (``samples.tsv`` and the instrument files).
    cell
        Cell name in the sample sheet.
    results
        Where the cell's folder goes (default ``results/<dataset name>``); the cell's files land in
        ``<results>/<cell>/``.
    config
        The analysis config: a mapping, or a workflow config file (default: ``config.yaml`` in the current folder
        when present, else every stage's defaults); the dataset's own ``config.yaml`` is merged over a file.
    report
        Also write ``report.html`` and ``figures/``.
    """
    from eisrecipe.io.samplesheet import load_sample_sheet
    from eisrecipe.stages.confidence import run_confidence_stage
    from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
    from eisrecipe.stages.fit import run_fit_stage
    from eisrecipe.stages.validate import load_validated, settings_for_cell, validate_cell
    from eisrecipe.stages.verdict import run_verdict_stage

    ds = Path(dataset)
    cfg = _load_config(config, ds)
    sheet = load_sample_sheet(ds, allow_outside=bool(cfg.get("allow_outside_dataset", False)))
    rows = sheet.loc[sheet["cell"] == cell].reset_index(drop=True)
    if rows.empty:
        cells = ", ".join(sorted(set(sheet["cell"])))
        raise InputError(f"{ds}: no cell {cell!r} in samples.tsv (cells: {cells})")
    folder = Path(results) if results is not None else Path("results") / ds.name
    folder = folder / cell
    folder.mkdir(parents=True, exist_ok=True)
    f = {name: folder / name for name in (
        "spectra.csv", "validation.json", "drt.csv", "drt_fit.csv", "peaks.csv", "tracks.csv", "steps12.json",
        "fits.csv", "steps36.json", "confidence.json", "arrhenius.csv", "verdict.json")}  # fmt: skip

    validate_cell(rows, settings_for_cell({"kk": cfg.get("kk", {}), "crop": cfg.get("crop", {})}, cell)).write(
        f["spectra.csv"], f["validation.json"]
    )
    spectra = load_validated(f["spectra.csv"], f["validation.json"])
    analysis = {key: cfg.get(key, {}) for key in ("drt", "peaks", "tracking", "steps12")}
    run_cell_drt(cell, spectra, DrtStageSettings.from_config(analysis, cell)).write(
        f["drt.csv"], f["drt_fit.csv"], f["peaks.csv"], f["tracks.csv"], f["steps12.json"]
    )
    fit_in = {k: f[f"{k}.csv" if k in ("spectra", "tracks", "peaks") else f"{k}.json"] for k in FIT_INPUTS}
    fit_out = {"fits": f["fits.csv"], "steps": f["steps36.json"]}
    run_fit_stage(cell, fit_in, fit_out, cfg.get("fit", {}), cfg.get("temperature", {}))
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    confidence_in = {"spectra": f["spectra.csv"], "validation": f["validation.json"], "steps12": f["steps12.json"]}
    confidence_cfg = {
        key: cfg.get(key, {}) for key in ("confidence", "drt", "peaks", "tracking", "steps12", "fit", "verdict")
    }
    run_confidence_stage(cell, confidence_in, f["confidence.json"], confidence_cfg, records)
    verdict_in = {k: f[f"{k}.csv" if k == "fits" else f"{k}.json"] for k in VERDICT_INPUTS}
    verdict_out = {"arrhenius": f["arrhenius.csv"], "verdict": f["verdict.json"]}
    run_verdict_stage(cell, verdict_in, verdict_out, cfg.get("verdict", {}), records)
    if report:
        from eisrecipe.report import load_cell
        from eisrecipe.report.html import write_cell_report

        sections = ("dataset", "kk", "crop", "drt", "peaks", "tracking", "steps12", "fit", "temperature", "verdict",
                    "confidence", "set by")  # fmt: skip
        write_cell_report(
            folder / "report.html",
            load_cell(folder, cell=cell),
            figures_dir=folder / "figures",
            config={k: cfg[k] for k in sections if k in cfg},
            dataset=ds.name,
        )
    import json

    return CellRun(cell, folder, json.loads(f["verdict.json"].read_text(encoding="utf-8")))
