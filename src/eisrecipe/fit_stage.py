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
  absent from that spectrum's model).

Step 3: the highest-pressure spectrum alone, with the elements it holds. If it holds an interface element, that
is the CT signal at full contact: R_Pol = R, C_DL = C with standard errors. If it holds none, R_Pol has an upper
bound: the largest RC that could hide in the noise (:func:`eisrecipe.contact.ct_bound_from_noise`, 3 sigma of the
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eisrecipe.circuits import Element, ElementKind, SeriesModel
from eisrecipe.contact import contact_area, ct_bound_from_noise, ct_share
from eisrecipe.errors import InputError
from eisrecipe.fitting import SeriesFit, Start, fit_series, fit_spectrum
from eisrecipe.spectrum import Spectrum
from eisrecipe.tables import FLOAT_FORMAT, json_safe
from eisrecipe.trends import Trend, log_trend

__all__ = ["FitStageSettings", "run_cell_fits"]

log = logging.getLogger(__name__)
DEFAULT_KINDS: dict[str, ElementKind] = {"bulk": "RC", "gb": "RCPE", "int": "RCPE", "ct": "RCPE", "cstr": "RCPE"}


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
    """

    kinds: Mapping[str, ElementKind] = field(default_factory=lambda: dict(DEFAULT_KINDS))
    weighting: str = "modulus"
    bound_sigma: float = 3.0
    z_crit: float = 2.0

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
        }


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
    for name in ("bulk", "gb"):
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
    if rows.empty:
        return None
    r = rows["r_ohm_cm2"].to_numpy(float)
    tau = np.exp(np.sum(r * np.log(rows["tau_s"].to_numpy(float))) / r.sum())
    return float(r.sum()), float(tau)


def _model_and_start(
    names: Sequence[str], seeds: Mapping[str, tuple[float, float]], settings: FitStageSettings, r_inf: float
) -> tuple[SeriesModel, Start]:
    present = [n for n in names if n in seeds]
    model = SeriesModel(tuple(Element(n, settings.kinds.get(n, "RCPE")) for n in present), r_inf=True)
    taus = [seeds[n][1] for n in present]
    for k in range(1, len(taus)):  # DRT taus of merged groups may touch: keep them strictly ascending
        taus[k] = max(taus[k], taus[k - 1] * 1.5)
    start = Start(
        r=[seeds[n][0] for n in present],
        tau_s=taus,
        alpha=[1.0 if settings.kinds.get(n) == "RC" else 0.9 for n in present],
        r_inf=max(r_inf, 1e-6),
    )
    return model, start


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
        The cell's validated spectra (:func:`eisrecipe.validation.load_validated`), ohm cm^2.
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

    # seeds per spectrum from the tracks (a gap inside a persistent bulk/GB track takes the nearest point)
    seeds: dict[str, dict[str, tuple[float, float]]] = {}
    for s in order:
        seeds[s] = {}
        for name in a.elements:
            pt = _points(tracks, a.tracks[name], s)
            if pt is None and name in ("bulk", "gb"):
                rows = tracks[tracks["track"].isin(a.tracks[name])]
                pt = (float(rows["r_ohm_cm2"].median()), float(np.exp(np.log(rows["tau_s"]).median())))
            if pt is not None:
                seeds[s][name] = pt

    def r_inf_start(s: str) -> float:
        return float(max(by_name[s].z_real.min() * 0.5, 1e-6))

    # Step 3: highest pressure alone
    hi = order[-1]
    m_hi, st_hi = _model_and_start(a.elements, seeds[hi], settings, r_inf_start(hi))
    s_hi = by_name[hi]
    step3_fit = fit_spectrum(s_hi.frequency_hz, s_hi.impedance, m_hi, st_hi, name=hi, weighting=settings.weighting)  # type: ignore[arg-type]
    interface_hi = [n for n in m_hi.names if n not in ("bulk", "gb")]
    step3: dict[str, Any] = {
        "spectrum": hi,
        "pressure_mpa": a.pressure[hi],
        "fit_ok": step3_fit.ok,
        "flags": list(step3_fit.flags),
    }
    r_pol = c_dl = None
    if interface_hi:
        ct_name = "ct" if "ct" in interface_hi else interface_hi[-1]
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
        noise = float(s_hi.meta.get("kk_noise") or 0.0)
        bound = ct_bound_from_noise(s_hi.frequency_hz, np.abs(s_hi.impedance), noise, k=settings.bound_sigma)
        step3.update(
            resolved=False,
            r_pol_upper_bound_ohm_cm2=bound,
            bound_rule=f"{settings.bound_sigma:g} x KK noise ({100 * noise:.2f} %) x 2 max|Z| of the spectrum",
        )

    # Step 4: joint fit, bulk and GB shared
    models, starts = [], []
    for s in order:
        m, st = _model_and_start(a.elements, seeds[s], settings, r_inf_start(s))
        models.append(m)
        starts.append(st)
    shared = [n for n in ("bulk", "gb") if n in a.elements]
    joint = fit_series(
        [by_name[s].frequency_hz for s in order],
        [by_name[s].impedance for s in order],
        models,
        starts,
        names=order,
        shared=shared,
        weighting=settings.weighting,  # type: ignore[arg-type]
    )
    step4 = {
        "model": "four elements (bulk, GB, CT, Cstr)" if "ct" in a.elements else "three elements (bulk, GB, Int)",
        "elements": a.elements,
        "shared": shared,
        "fit_ok": joint.ok,
        "flags": list(joint.flags),
        "reduced_chi2": joint.reduced_chi2,
        "max_rel_residual": {s: joint.max_relative_residual(s) for s in order},
    }

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
