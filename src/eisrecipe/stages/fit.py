"""The fit stage of one cell's pressure series: recipe Steps 3-6 from the DRT tracks (RECIPE.md).

Element assignment (from ``tracks.csv`` and the Step 1-2 finding in ``steps12.json``):

- ``bulk`` and ``gb`` from the tracks labelled so (a bulk arc above the measured window has no track; its
  resistance then sits in R_inf, which every model carries);
- interface: with one interface track classified charge transfer and at least one classified constriction
  (left branch) the model gets ``ct`` and ``cstr``, ordered by their DRT taus; otherwise one ``int`` element
  (right branch: overlapping signals, or all interface tracks of one kind). The constriction (or int) element
  of a spectrum gathers every interface peak assigned to it there: R = their sum, tau = R-weighted geometric
  mean - the start values; the fit decides.
- a spectrum holds an element only where its DRT has a peak for it (a constriction arc gone at full contact is
  absent from that spectrum's model), and only while the fit resolves it: an interface element with
  R < ``z_crit`` standard errors is dropped from that spectrum and the fit repeated (:func:`_fit_pruned`; the
  drops are listed under ``pruned`` in ``steps36.json``).

Series terms: every model carries R_inf; a series inductance L per spectrum joins when ``fit.inductance`` says so
(``auto``: :func:`choose_inductance`, decided once per cell on the joint fit and used in Step 3 as well).

Step 3: the highest-pressure spectrum alone, with the elements it holds. If it holds an interface element, that
is the CT signal at full contact: R_Pol = R, C_DL = C with standard errors. If it holds none, R_Pol has an upper
bound: the largest RC that could hide in the noise (:func:`eisrecipe.recipe.contact.ct_bound_from_noise`, 3 sigma of the
KK noise estimate).

Step 4: a joint fit of the whole series with ``bulk`` and ``gb`` shared and the interface elements per spectrum.

Step 5: trends of the CT element (left branch: R_CT(p), C_CT(p) -> order of time constants, checked against the
DRT order); right branch: trend of R_Int(p) and the charge-transfer share R_CT/R_Int at each pressure from R_Pol
(or its bound) and the sample sheet's ``contact_fraction`` where given.

Step 6: contact area A(p) by inverting Table 1 with R_Pol and C_DL (left branch), compared with
``contact_fraction`` where given; in the right branch A follows only from a CT element, so it is reported as not
determinable when CT is not resolved.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.errors import InputError
from eisrecipe.methods.circuits import Element, ElementKind, SeriesModel
from eisrecipe.methods.detection import rc_detection_limit, tau_window_s
from eisrecipe.methods.fitting import ElementFit, SeriesFit, Start, fit_series
from eisrecipe.methods.inductance import choose_inductance
from eisrecipe.methods.starts import inductance_start, merged_seed, r_inf_start, seeded_start
from eisrecipe.methods.trends import Trend, log_trend
from eisrecipe.recipe.contact import contact_area, ct_bound_from_noise, ct_share
from eisrecipe.recipe.elements import DEFAULT_KINDS, MICROSTRUCTURE, is_interface
from eisrecipe.serialize import FLOAT_FORMAT, json_safe
from eisrecipe.spectrum import Spectrum

__all__ = ["FitStageSettings", "run_cell_fits"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitStageSettings:
    """Options of the fit stage (config ``fit``).

    Attributes
    ----------
    kinds
        Element kind per element name (``RC`` or ``RCPE``).
    weighting
        Residual weighting (``modulus``, ``proportional``, ``unit``).
    bound_sigma
        Noise multiple for the R_Pol upper bound (Step 3).
    z_crit
        Standard errors that make a trend or a disagreement significant (Steps 5-6).
    inductance
        Series inductance L in the stage models: ``"true"``, ``"false"`` or ``"auto"`` (see
        :func:`choose_inductance`: included when a spectrum's top-frequency points are inductive, or when the
        nested-model F-test on the joint fit says L lowers chi2 significantly).
    """

    kinds: Mapping[str, ElementKind] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    weighting: str = "modulus"
    bound_sigma: float = 3.0
    z_crit: float = 2.0
    inductance: str = "auto"

    def __post_init__(self) -> None:
        value = self.inductance
        text = ("true" if value else "false") if isinstance(value, bool) else str(value).strip().lower()
        if text not in ("auto", "true", "false"):
            raise InputError(f"fit.inductance must be auto, true or false, got {value!r}")
        object.__setattr__(self, "inductance", text)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> FitStageSettings:
        """Build from the ``fit`` config section."""
        cfg = dict(config or {})
        kinds = {**DEFAULT_KINDS, **(cfg.pop("kinds", None) or {})}
        return cls(kinds=kinds, **cfg)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy."""
        return {
            "kinds": dict(self.kinds),
            "weighting": self.weighting,
            "bound_sigma": self.bound_sigma,
            "z_crit": self.z_crit,
            "inductance": self.inductance,
        }


BOUND_TAU_MARGIN = 10.0
"""The R_Pol bound's tau range starts one decade above the slowest bulk/GB element. An RC closer than that merges
with the grain-boundary arc (an R-CPE takes it up; the bound diverges there, measured on the case study); such a
CT element would make the GB resistance pressure dependent, which Steps 1-2 and the shared GB of Step 4 test."""
BOUND_WINDOW_MARGIN = 10**0.5
"""... and ends where the RC's apex lies half a decade inside the window: an element whose apex sits at the window's
edge shows half its arc and looks like a series resistance, so its bound diverges (example cellA: 1.8 ohm cm^2 in
mid-window, 4 at 0.08 s, 10.9 at the edge 0.26 s); such a signal would not be resolvable in the DRT either."""


@dataclass
class _Assignment:
    """Which DRT tracks make which element, and the series order."""

    order: list[str]  # spectrum names, pressure order
    pressure: dict[str, float]
    elements: list[str]  # element names in tau order
    tracks: dict[str, list[int]]  # element -> track ids
    branch: str
    drt_order: str | None  # "ct_faster" / "cstr_faster" from the DRT taus (left branch)


def _assign(tracks: pd.DataFrame, finding: Mapping[str, Any]) -> _Assignment:
    order_frame = tracks.drop_duplicates("spectrum").sort_values("step")
    order = [str(s) for s in order_frame["spectrum"]]
    pressure = dict(zip(order, order_frame["pressure_mpa"].astype(float), strict=True))
    by_label = {
        str(lab): int(t) for t, lab in tracks.drop_duplicates("track")[["track", "label"]].itertuples(index=False)
    }
    elements: list[str] = []
    groups: dict[str, list[int]] = {}
    for name in MICROSTRUCTURE:
        if name in by_label:
            elements.append(name)
            groups[name] = [by_label[name]]
    interface = finding.get("interface_tracks") or []
    ct = [int(t["track"]) for t in interface if t.get("behaviour") == "charge_transfer"]
    cstr = [int(t["track"]) for t in interface if t.get("behaviour") == "constriction"]
    rest = [int(t["track"]) for t in interface if t.get("behaviour") not in ("charge_transfer", "constriction")]
    drt_order = None
    branch = str(finding.get("branch", "none"))
    if branch == "left" and len(ct) == 1 and cstr:
        groups["ct"], groups["cstr"] = ct, cstr + rest
        tau = tracks.groupby("track")["log10_tau_s"].median()
        ct_faster = float(tau[ct[0]]) < float(np.median([tau[t] for t in cstr]))
        drt_order = "ct_faster" if ct_faster else "cstr_faster"
        elements += ["ct", "cstr"] if ct_faster else ["cstr", "ct"]
    elif ct or cstr or rest:
        groups["int"] = ct + cstr + rest
        elements.append("int")
    return _Assignment(order, pressure, elements, groups, branch, drt_order)


def _points(tracks: pd.DataFrame, ids: Sequence[int], spectrum: str) -> tuple[float, float] | None:
    """(R, tau) of an element in one spectrum from its tracks' peaks, or None where it has none."""
    rows = tracks[tracks["track"].isin(ids) & (tracks["spectrum"] == spectrum)]
    return None if rows.empty else merged_seed(rows)


def _model_and_start(
    names: Sequence[str],
    seeds: Mapping[str, tuple[float, float]],
    settings: FitStageSettings,
    r_inf: float,
    inductance: float | None = None,
) -> tuple[SeriesModel, Start]:
    """Series model of the elements a spectrum holds, and its starting values.

    ``inductance`` (H cm^2): the start of a series inductance L, or None for a model without L.
    """
    present = [n for n in names if n in seeds]
    elements = tuple(Element(n, settings.kinds.get(n, "RCPE")) for n in present)
    model = SeriesModel(elements, r_inf=True, inductance=inductance is not None)
    start = seeded_start([seeds[n] for n in present], [e.kind for e in elements], r_inf, inductance)
    return model, start


def _refit_from(fit: SeriesFit, name: str, spectrum: Spectrum, settings: FitStageSettings) -> SeriesFit | None:
    """Fit one spectrum alone, started from its values in a joint fit (same elements, same series terms); None when
    an interface element of it is not resolved (R within ``z_crit`` standard errors of 0, the pruning rule) or the
    model has a series CPE."""
    j = fit.spectra.index(name)
    model = fit.models[j]
    elements = [fit.element(name, e.name) for e in model.elements]
    if not elements or any(e.kind == "CPE" for e in elements):
        return None
    start = Start(
        r=[e.r for e in elements],
        tau_s=[e.tau_s for e in elements],
        alpha=[e.alpha for e in elements],
        r_inf=fit.r_inf[name][0],
        inductance=fit.inductance[name][0] if model.inductance else 1e-9,
    )
    refit = fit_series(
        [spectrum.frequency_hz], [spectrum.impedance], model, [start], names=[name], weighting=settings.weighting
    )  # type: ignore[arg-type]
    # the seeded route prunes elements the spectrum alone cannot resolve; a refit keeping one is no candidate
    unresolved = [e for e in refit.elements if _prunable(e) and _resolution_z(e) < settings.z_crit]
    return None if unresolved else refit


def _best_of(*fits: SeriesFit | None) -> SeriesFit:
    """The fit with the lowest chi^2 among those with the fewest flags (local minima of a single-spectrum fit)."""
    candidates = [f for f in fits if f is not None]
    return min(candidates, key=lambda f: (len(f.flags), f.chi2))


def _element_dict(fit: SeriesFit, spectrum: str, name: str) -> dict[str, Any] | None:
    try:
        e = fit.element(spectrum, name)
    except KeyError:
        return None
    return {
        "r_ohm_cm2": e.r,
        "r_stderr_ohm_cm2": e.r_stderr,
        "c_f_cm2": e.c,
        "c_stderr_f_cm2": e.c_stderr,
        "tau_s": e.tau_s,
        "alpha": e.alpha,
    }


def _trend(
    pressure: np.ndarray, values: Sequence[Mapping[str, Any] | None], key: str, err_key: str, z_crit: float
) -> Trend:
    """Trend of one fitted quantity over pressure, over the spectra that hold the element."""
    have = [(p, v) for p, v in zip(pressure, values, strict=True) if v is not None]
    return log_trend([p for p, _ in have], [v[key] for _, v in have], [v[err_key] for _, v in have], z_crit=z_crit)


def _r_pol_bound(fit: SeriesFit, spectrum: Spectrum, settings: FitStageSettings) -> dict[str, Any]:
    """Step 3 upper bound of R_Pol when the highest-pressure spectrum shows no interface signal.

    The fit-based detection limit (:func:`eisrecipe.methods.detection.rc_detection_limit`) of an RC element with tau
    from one decade above the slowest fitted bulk/GB element to half a decade inside the window's slow end; the
    single-point noise rule (:func:`eisrecipe.recipe.contact.ct_bound_from_noise`) is kept beside it as a cross-check.
    """
    noise = float(spectrum.meta.get("kk_noise") or 0.0)
    point_rule = ct_bound_from_noise(spectrum.frequency_hz, np.abs(spectrum.impedance), noise, k=settings.bound_sigma)
    tau_fast, tau_slow = tau_window_s(spectrum.frequency_hz)
    tau_slow /= BOUND_WINDOW_MARGIN
    taus = [e.tau_s for e in fit.elements if e.element in MICROSTRUCTURE and np.isfinite(e.tau_s)]
    tau_lo = max(tau_fast * BOUND_WINDOW_MARGIN, BOUND_TAU_MARGIN * max(taus)) if taus else tau_fast
    out: dict[str, Any] = {"r_pol_noise_rule_bound_ohm_cm2": point_rule}
    if tau_lo < tau_slow:
        limit = rc_detection_limit(
            fit,
            spectrum.frequency_hz,
            spectrum.impedance,
            (tau_lo, tau_slow),
            k=settings.bound_sigma,
            weighting=settings.weighting,  # type: ignore[arg-type]
        )
        if np.isfinite(limit.bound):
            out.update(
                r_pol_upper_bound_ohm_cm2=limit.bound,
                bound_rule=(
                    f"fit-based detection limit: {settings.bound_sigma:g} standard errors of an RC element added to "
                    f"the fit, largest over tau {tau_lo:.2g}..{tau_slow:.2g} s (at {limit.tau_at_bound_s:.2g} s)"
                ),
                detection_limit=limit.to_dict(),
            )
            return out
    out.update(
        r_pol_upper_bound_ohm_cm2=point_rule,
        bound_rule=f"{settings.bound_sigma:g} x KK noise ({100 * noise:.2f} %) x 2 max|Z| of the spectrum",
    )
    return out


def _prunable(e: ElementFit) -> bool:
    """An element the pruning rule may drop: an own (not shared) interface element with a finite R."""
    return is_interface(e.element) and not e.shared and bool(np.isfinite(e.r))


def _resolution_z(e: ElementFit) -> float:
    """R / its standard error (0 for an infinite or zero error: a degenerate direction)."""
    return float(e.r / e.r_stderr) if np.isfinite(e.r_stderr) and e.r_stderr > 0 else 0.0


def _fit_pruned(
    fit_once: Callable[[Mapping[str, Mapping[str, tuple[float, float]]]], SeriesFit],
    seeds: Mapping[str, Mapping[str, tuple[float, float]]],
    z_crit: float,
) -> tuple[SeriesFit, list[dict[str, Any]]]:
    """Fit, then drop interface elements the data do not resolve, one per spectrum and round, and refit.

    An interface element (not ``bulk``/``gb``) is unresolved in a spectrum when R < ``z_crit`` x its standard
    error (an infinite error included: a degenerate direction). Such an element comes from a DRT peak the fit
    cannot confirm - typically a noise peak, or a constriction remnant at full contact; kept, it makes the fit
    degenerate and its flags hide the elements that are fine. Only the least significant element of a spectrum
    goes per round, since two overlapping elements can each look insignificant while their sum is not.

    Returns
    -------
    fit, dropped
        The final fit and one record per dropped element (spectrum, element, R and its error when dropped).
    """
    current = {s: dict(v) for s, v in seeds.items()}
    dropped: list[dict[str, Any]] = []
    while True:
        fit = fit_once(current)
        weakest: dict[str, tuple[float, Any]] = {}
        for e in fit.elements:
            if not _prunable(e):
                continue
            z = _resolution_z(e)
            if z < z_crit and (e.spectrum not in weakest or z < weakest[e.spectrum][0]):
                weakest[e.spectrum] = (z, e)
        if not weakest:
            return fit, dropped
        for spectrum, (z, e) in weakest.items():
            del current[spectrum][e.element]
            dropped.append(
                {
                    "spectrum": spectrum,
                    "element": e.element,
                    "r_ohm_cm2": e.r,
                    "r_stderr_ohm_cm2": e.r_stderr if np.isfinite(e.r_stderr) else None,
                    "reason": f"R/stderr = {z:.2f} < {z_crit:g}: not resolved by the fit",
                }
            )


@dataclass
class CellFits:
    """Outputs of the fit stage for one cell."""

    cell: str
    table: pd.DataFrame
    findings: dict[str, Any]

    def write(self, fits_csv: str | Path, findings_json: str | Path) -> None:
        """Write ``fits.csv`` and ``steps36.json``."""
        self.table.to_csv(fits_csv, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
        Path(findings_json).write_text(json.dumps(json_safe(self.findings), indent=2, allow_nan=False) + "\n")


def run_cell_fits(
    cell: str,
    spectra: Sequence[Spectrum],
    tracks: pd.DataFrame,
    steps12: Mapping[str, Any],
    settings: FitStageSettings | None = None,
) -> CellFits:
    """Steps 3-6 for one cell (see module docstring).

    Parameters
    ----------
    cell
        Cell name.
    spectra
        The cell's validated spectra (:func:`eisrecipe.stages.validate.load_validated`), ohm cm^2.
    tracks
        The cell's ``tracks.csv``.
    steps12
        The ``steps_1_2`` finding of ``steps12.json``.
    settings
        Fit options.
    """
    settings = settings or FitStageSettings()
    columns = ["fit", "spectrum", "pressure_mpa", "element", "r_ohm_cm2", "r_stderr_ohm_cm2", "c_f_cm2"]
    if tracks.empty or steps12.get("applies") is False:
        reason = steps12.get("reason") or "no tracked pressure series"
        return CellFits(cell, pd.DataFrame(columns=columns), {"cell": cell, "applies": False, "reason": reason})
    by_name = {str(s.meta.get("spectrum")): s for s in spectra}
    a = _assign(tracks, steps12)
    order = [s for s in a.order if s in by_name]
    if len(order) < 2:
        raise InputError(f"cell '{cell}': fewer than two tracked pressure-series spectra to fit")

    # seeds per spectrum from the tracks. Bulk, GB and CT exist at every contact fraction (Table 1; Step 4 (i)
    # fits four elements at every A < 100 %), so a spectrum without their peak takes the track's median tau and
    # R; for CT a tenth of its smallest R, since a CT peak missing from a spectrum lies below the DRT peak
    # threshold (R_CT = R_Pol A at low contact) and a start far above it stalls the joint fit. The fit prunes
    # what it cannot resolve
    seeds: dict[str, dict[str, tuple[float, float]]] = {}
    for s in order:
        seeds[s] = {}
        for name in a.elements:
            pt = _points(tracks, a.tracks[name], s)
            if pt is None and name in ("bulk", "gb", "ct"):
                rows = tracks[tracks["track"].isin(a.tracks[name])]
                r0 = 0.1 * float(rows["r_ohm_cm2"].min()) if name == "ct" else float(rows["r_ohm_cm2"].median())
                pt = (r0, float(np.exp(np.log(rows["tau_s"]).median())))
            if pt is not None:
                seeds[s][name] = pt

    # Step 4: joint fit, bulk and GB shared; with fit.inductance = auto it decides whether the models carry L
    shared = [n for n in MICROSTRUCTURE if n in a.elements]
    pruned: dict[str, list[dict[str, Any]]] = {}

    def fit_group(names: Sequence[str], with_l: bool, key: str) -> SeriesFit:
        def once(current: Mapping[str, Mapping[str, tuple[float, float]]]) -> SeriesFit:
            models, starts = [], []
            for s in names:
                lh = inductance_start(by_name[s]) if with_l else None
                m, st = _model_and_start(a.elements, current[s], settings, r_inf_start(by_name[s]), lh)
                models.append(m)
                starts.append(st)
            return fit_series(
                [by_name[s].frequency_hz for s in names],
                [by_name[s].impedance for s in names],
                models,
                starts,
                names=names,
                shared=shared if len(names) > 1 else (),
                weighting=settings.weighting,  # type: ignore[arg-type]
            )

        fit, dropped = _fit_pruned(once, {s: seeds[s] for s in names}, settings.z_crit)
        pruned[key] = dropped
        return fit

    joint, use_l, l_finding = choose_inductance(
        settings.inductance, [by_name[s] for s in order], lambda with_l: fit_group(order, with_l, f"series_l{with_l}")
    )

    # Step 3: highest pressure alone, with the series terms the cell's decision gives
    hi = order[-1]
    s_hi = by_name[hi]
    step3_fit = _best_of(fit_group([hi], use_l, "step3"), _refit_from(joint, hi, s_hi, settings))
    interface_hi = [e.element for e in step3_fit.elements if is_interface(e.element)]
    step3: dict[str, Any] = {
        "spectrum": hi,
        "pressure_mpa": a.pressure[hi],
        "fit_ok": step3_fit.ok,
        "flags": list(step3_fit.flags),
    }
    r_pol = c_dl = None
    # the CT signal at full contact: the ct element (left branch; a constriction element left at the highest
    # pressure is not CT) or the single int element (right branch)
    ct_name = "ct" if "ct" in a.elements else "int"
    if ct_name in interface_hi:
        e = step3_fit.element(hi, ct_name)
        r_pol, c_dl = (e.r, e.r_stderr), (e.c, e.c_stderr)
        step3.update(
            resolved=True,
            element=ct_name,
            r_pol_ohm_cm2=e.r,
            r_pol_stderr_ohm_cm2=e.r_stderr,
            c_dl_f_cm2=e.c,
            c_dl_stderr_f_cm2=e.c_stderr,
            tau_ct_s=e.tau_s,
        )
    else:
        step3.update(resolved=False, **_r_pol_bound(step3_fit, s_hi, settings))

    step4 = {
        "model": "four elements (bulk, GB, CT, Cstr)" if "ct" in a.elements else "three elements (bulk, GB, Int)",
        "elements": a.elements,
        "shared": shared,
        "inductance": use_l,
        "fit_ok": joint.ok,
        "flags": list(joint.flags),
        "reduced_chi2": joint.reduced_chi2,
        "max_rel_residual": {s: joint.max_relative_residual(s) for s in order},
    }
    if a.branch == "left" and "int" in a.elements:
        step4["note"] = (
            "Steps 1-2 saw two or more interface signals at the lowest pressure but no charge-transfer track beside "
            "a constriction one: one Int element takes every interface peak (the right-branch model)"
        )

    # Step 5 and 6
    p = np.array([a.pressure[s] for s in order])
    contact = {s: by_name[s].meta.get("contact_fraction") for s in order}
    step5: dict[str, Any] = {"branch": a.branch}
    step6: dict[str, Any] = {}
    if "ct" in a.elements:
        vals = [_element_dict(joint, s, "ct") for s in order]
        r_tr = _trend(p, vals, "r_ohm_cm2", "r_stderr_ohm_cm2", settings.z_crit)
        c_tr = _trend(p, vals, "c_f_cm2", "c_stderr_f_cm2", settings.z_crit)
        if r_tr.direction == "rising" and c_tr.direction == "falling":
            fit_order = "ct_faster"
        elif r_tr.direction == "falling" and c_tr.direction == "rising":
            fit_order = "cstr_faster"
        else:
            fit_order = "undetermined"
        step5.update(
            r_ct_trend=r_tr.to_dict(),
            c_ct_trend=c_tr.to_dict(),
            tau_order_from_fits=fit_order,
            tau_order_from_drt=a.drt_order,
            agreement=(
                "agree" if fit_order == a.drt_order else "conflict" if fit_order != "undetermined" else "undetermined"
            ),
        )
        order_used = fit_order if fit_order != "undetermined" else a.drt_order
        if r_pol is not None and c_dl is not None and order_used:
            rows = []
            for s, v in zip(order, vals, strict=True):
                if v is None:
                    continue
                est = contact_area(
                    v["r_ohm_cm2"],
                    v["r_stderr_ohm_cm2"],
                    v["c_f_cm2"],
                    v["c_stderr_f_cm2"],
                    *r_pol,
                    *c_dl,
                    order_used,
                    z_crit=settings.z_crit,
                )  # type: ignore[arg-type]
                row = {"spectrum": s, "pressure_mpa": a.pressure[s], **est.to_dict()}
                if contact[s] is not None:
                    row["contact_fraction"] = contact[s]
                    row["agrees_with_structure"] = bool(abs(est.value - contact[s]) <= settings.z_crit * est.stderr)
                rows.append(row)
            step6 = {"applies": True, "order": order_used, "contact_area": rows}
        else:
            step6 = {"applies": False, "reason": "needs R_Pol and C_DL from Step 3 and a tau order"}
    elif "int" in a.elements:
        vals = [_element_dict(joint, s, "int") for s in order]
        tr = _trend(p, vals, "r_ohm_cm2", "r_stderr_ohm_cm2", settings.z_crit)
        step5["r_int_trend"] = tr.to_dict()
        r_pol_value = r_pol[0] if r_pol else step3.get("r_pol_upper_bound_ohm_cm2")
        shares = []
        for s, v in zip(order, vals, strict=True):
            entry: dict[str, Any] = {
                "spectrum": s,
                "pressure_mpa": a.pressure[s],
                "r_int_ohm_cm2": None if v is None else v["r_ohm_cm2"],
            }
            if v is not None and contact[s] is not None and r_pol_value is not None:
                entry["contact_fraction"] = contact[s]
                entry["r_ct_ohm_cm2" if r_pol else "r_ct_upper_bound_ohm_cm2"] = r_pol_value / contact[s]
                entry["ct_share" if r_pol else "ct_share_upper_bound"] = ct_share(
                    v["r_ohm_cm2"], r_pol_value, contact[s]
                )
            shares.append(entry)
        step5["ct_share"] = shares
        if not any("contact_fraction" in e for e in shares):
            step5["ct_share_note"] = "the CT share needs the sample sheet's contact_fraction (structural data)"
        step6 = {
            "applies": False,
            "reason": "one overlapping interface signal: A(p) needs a resolved CT element (left branch)",
        }
    else:
        step5["note"] = "no interface element in the series"
        step6 = {"applies": False, "reason": "no interface element"}

    table = pd.concat(
        [_with_fit(step3_fit.to_frame(), "step3", a.pressure), _with_fit(joint.to_frame(), "series", a.pressure)],
        ignore_index=True,
    )
    findings = {
        "cell": cell,
        "applies": True,
        "settings": settings.to_dict(),
        "pressure_order": order,
        "assignment": {k: list(v) for k, v in a.tracks.items()},
        "inductance": l_finding,
        "pruned": {"step3": pruned.get("step3", []), "series": pruned.get(f"series_l{use_l}", [])},
        "step3": step3,
        "step4": step4,
        "step5": step5,
        "step6": step6,
    }
    return CellFits(cell, table, findings)


def _with_fit(frame: pd.DataFrame, kind: str, pressure: Mapping[str, float]) -> pd.DataFrame:
    frame.insert(0, "pressure_mpa", [pressure.get(s) for s in frame["spectrum"]])
    frame.insert(0, "fit", kind)
    return frame
