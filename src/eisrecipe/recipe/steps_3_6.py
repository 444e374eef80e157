"""Recipe Steps 3-6 of one cell's pressure series from its DRT tracks (RECIPE.md), as typed findings.

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
  drops are listed in :attr:`Steps36Finding.pruned`).

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

Each step is one function with a typed finding (:class:`Step3Finding` ... :class:`Step6Finding`);
:func:`steps_3_6` runs them in the order the data need (the joint fit of Step 4 first: it decides the series terms
Step 3 uses) and returns the fits and :class:`Steps36Finding`. Files are the stage's business
(:mod:`eisrecipe.stages.fit`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
from eisrecipe.recipe.contact import ContactArea, contact_area, ct_bound_from_noise, ct_share
from eisrecipe.recipe.elements import CSTR, CT, DEFAULT_KINDS, INT, MICROSTRUCTURE, is_interface
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.steps_1_2 import Steps12Finding
from eisrecipe.serialize import from_dict, optional
from eisrecipe.spectrum import Spectrum

__all__ = [
    "ContactAreaRow",
    "CtShareRow",
    "ElementAssignment",
    "FitSettings",
    "PrunedElement",
    "Step3Finding",
    "Step4Finding",
    "Step5Finding",
    "Step6Finding",
    "Steps36Finding",
    "Steps36Result",
    "steps_3_6",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitSettings:
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
    def from_config(cls, config: Mapping[str, Any] | None) -> FitSettings:
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


# ------------------------------------------------------------------------------------------------ findings
@dataclass(frozen=True)
class PrunedElement:
    """An interface element the fit could not resolve in one spectrum, dropped from its model (R in ohm cm^2)."""

    spectrum: str
    element: str
    r_ohm_cm2: float
    r_stderr_ohm_cm2: float
    reason: str


@dataclass(frozen=True)
class Pruned:
    """Elements dropped by the pruning rule in the Step 3 fit and in the Step 4 series fit."""

    step3: tuple[PrunedElement, ...] = ()
    series: tuple[PrunedElement, ...] = ()


@dataclass(frozen=True)
class Step3Finding:
    """Step 3: the highest-pressure spectrum fitted alone - R_Pol and C_DL from its CT element, or the upper bound of
    R_Pol when it holds no interface signal. R in ohm cm^2, C in F cm^-2, tau in s."""

    spectrum: str
    pressure_mpa: float
    fit_ok: bool
    flags: tuple[str, ...]
    resolved: bool
    element: str | None = optional()
    r_pol_ohm_cm2: float | None = optional()
    r_pol_stderr_ohm_cm2: float | None = optional()
    c_dl_f_cm2: float | None = optional()
    c_dl_stderr_f_cm2: float | None = optional()
    tau_ct_s: float | None = optional()
    r_pol_noise_rule_bound_ohm_cm2: float | None = optional()
    r_pol_upper_bound_ohm_cm2: float | None = optional()
    bound_rule: str | None = optional()
    detection_limit: dict[str, Any] | None = optional()

    @property
    def r_pol(self) -> tuple[float, float] | None:
        """(R_Pol, its standard error) in ohm cm^2 when resolved, else None."""
        return (self.r_pol_ohm_cm2, self.r_pol_stderr_ohm_cm2) if self.resolved else None  # type: ignore[return-value]

    @property
    def c_dl(self) -> tuple[float, float] | None:
        """(C_DL, its standard error) in F cm^-2 when resolved, else None."""
        return (self.c_dl_f_cm2, self.c_dl_stderr_f_cm2) if self.resolved else None  # type: ignore[return-value]


@dataclass(frozen=True)
class Step4Finding:
    """Step 4: the joint fit of the pressure series (bulk and GB shared)."""

    model: str
    elements: tuple[str, ...]
    shared: tuple[str, ...]
    inductance: bool
    fit_ok: bool
    flags: tuple[str, ...]
    reduced_chi2: float
    max_rel_residual: dict[str, float]
    note: str | None = optional()


@dataclass(frozen=True)
class CtShareRow:
    """Right branch, one spectrum: R_Int and, with a structural contact fraction, the CT resistance R_Pol/A and its
    share of R_Int - measured, or upper bounds when R_Pol is only bounded (ohm cm^2)."""

    spectrum: str
    pressure_mpa: float
    r_int_ohm_cm2: float | None
    contact_fraction: float | None = optional()
    r_ct_ohm_cm2: float | None = optional()
    r_ct_upper_bound_ohm_cm2: float | None = optional()
    ct_share: float | None = optional()
    ct_share_upper_bound: float | None = optional()


@dataclass(frozen=True)
class Step5Finding:
    """Step 5: the order of time constants from the CT trends (left branch), or the R_Int trend and the CT share
    (right branch), or why there is nothing to trend."""

    branch: str
    r_ct_trend: Trend | None = optional()
    c_ct_trend: Trend | None = optional()
    tau_order_from_fits: str | None = optional()
    tau_order_from_drt: str | None = optional()
    agreement: str | None = optional()
    r_int_trend: Trend | None = optional()
    ct_share: tuple[CtShareRow, ...] | None = optional()
    ct_share_note: str | None = optional()
    note: str | None = optional()

    @property
    def tau_order(self) -> str | None:
        """The order Step 6 uses: the fits' when they decide it, else the DRT's (left branch only)."""
        if self.tau_order_from_fits is None:
            return None
        return self.tau_order_from_fits if self.tau_order_from_fits != "undetermined" else self.tau_order_from_drt


@dataclass(frozen=True)
class ContactAreaRow:
    """Step 6, one spectrum: A_WE|SE from R and C by Table 1 (dimensionless), and the structural value if given.

    Written flat: ``spectrum``, ``pressure_mpa``, the estimate's fields, then ``contact_fraction`` and
    ``agrees_with_structure`` where the sheet gives a contact fraction.
    """

    spectrum: str
    pressure_mpa: float
    area: ContactArea
    contact_fraction: float | None = None
    agrees_with_structure: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The flat JSON row."""
        out = {"spectrum": self.spectrum, "pressure_mpa": self.pressure_mpa, **self.area.to_dict()}
        if self.contact_fraction is not None:
            out.update(contact_fraction=self.contact_fraction, agrees_with_structure=self.agrees_with_structure)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContactAreaRow:
        """Read a flat JSON row back."""
        return cls(
            spectrum=str(data["spectrum"]),
            pressure_mpa=float(data["pressure_mpa"]),
            area=from_dict(ContactArea, data),
            contact_fraction=data.get("contact_fraction"),
            agrees_with_structure=data.get("agrees_with_structure"),
        )


@dataclass(frozen=True)
class Step6Finding:
    """Step 6: contact area A(p), or why it cannot be had.

    Attributes
    ----------
    applies
        Whether A(p) could be computed.
    order
        The tau order used to invert Table 1.
    contact_area
        A per spectrum, pressure order.
    reason
        Why not, when it does not apply.
    assumption
        What the inversion assumes (right branch: a CT-dominated interface, A = R_Pol / R_Int = C_Int / C_DL; the
        verdict uses these rows only when it finds charge transfer dominant).
    monotonic
        Whether A does not fall with pressure within ``z_crit`` combined errors (contact only grows under load).
    all_physical
        Whether every A lies in (0, 1] within ``z_crit`` errors.
    """

    applies: bool
    order: str | None = optional()
    contact_area: tuple[ContactAreaRow, ...] | None = optional()
    reason: str | None = optional()
    assumption: str | None = optional()
    monotonic: bool | None = optional()
    all_physical: bool | None = optional()


@dataclass(frozen=True)
class Steps36Finding:
    """Steps 3-6 of one cell (``steps36.json``): the assignment of tracks to elements, the series-term decision,
    the pruned elements and each step's finding; ``temperature`` is the temperature-series part the fit stage adds
    (:mod:`eisrecipe.recipe.temperature`). A cell without a tracked pressure series has only ``reason``."""

    cell: str
    applies: bool
    reason: str | None = optional()
    settings: dict[str, Any] | None = optional()
    pressure_order: tuple[str, ...] | None = optional()
    assignment: dict[str, list[int]] | None = optional()
    inductance: dict[str, Any] | None = optional()
    pruned: Pruned | None = optional()
    step3: Step3Finding | None = optional()
    step4: Step4Finding | None = optional()
    step5: Step5Finding | None = optional()
    step6: Step6Finding | None = optional()
    temperature: dict[str, Any] | None = optional()


# ------------------------------------------------------------------------------------- element assignment
@dataclass(frozen=True)
class ElementAssignment:
    """Which DRT tracks make which element, and the series order.

    Attributes
    ----------
    order
        Spectrum names in pressure order.
    pressure
        Spectrum name -> pressure, MPa.
    elements
        Element names in tau order.
    tracks
        Element name -> track ids.
    branch
        Step 1's branch.
    drt_order
        ``"ct_faster"`` / ``"cstr_faster"`` from the DRT taus (left branch), else None.
    """

    order: list[str]
    pressure: dict[str, float]
    elements: list[str]
    tracks: dict[str, list[int]]
    branch: str
    drt_order: str | None


def assign_elements(tracks: pd.DataFrame, finding: Steps12Finding) -> ElementAssignment:
    """Elements from the labelled tracks and the Step 2 behaviours (module docstring, "Element assignment")."""
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
    interface = finding.interface_tracks
    ct = [int(t.track) for t in interface if t.behaviour == "charge_transfer"]
    cstr = [int(t.track) for t in interface if t.behaviour == "constriction"]
    rest = [int(t.track) for t in interface if t.behaviour not in ("charge_transfer", "constriction")]
    drt_order = None
    branch = str(finding.branch)
    if branch == "left" and len(ct) == 1 and cstr:
        groups[CT], groups[CSTR] = ct, cstr + rest
        tau = tracks.groupby("track")["log10_tau_s"].median()
        ct_faster = float(tau[ct[0]]) < float(np.median([tau[t] for t in cstr]))
        drt_order = "ct_faster" if ct_faster else "cstr_faster"
        elements += [CT, CSTR] if ct_faster else [CSTR, CT]
    elif ct or cstr or rest:
        groups[INT] = ct + cstr + rest
        elements.append(INT)
    return ElementAssignment(order, pressure, elements, groups, branch, drt_order)


def _points(tracks: pd.DataFrame, ids: Sequence[int], spectrum: str) -> tuple[float, float] | None:
    """(R, tau) of an element in one spectrum from its tracks' peaks, or None where it has none."""
    rows = tracks[tracks["track"].isin(ids) & (tracks["spectrum"] == spectrum)]
    return None if rows.empty else merged_seed(rows)


def _model_and_start(
    names: Sequence[str],
    seeds: Mapping[str, tuple[float, float]],
    settings: FitSettings,
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


def _refit_from(fit: SeriesFit, name: str, spectrum: Spectrum, settings: FitSettings) -> SeriesFit | None:
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


def _r_pol_bound(fit: SeriesFit, spectrum: Spectrum, settings: FitSettings) -> dict[str, Any]:
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
) -> tuple[SeriesFit, list[PrunedElement]]:
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
    dropped: list[PrunedElement] = []
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
                PrunedElement(
                    spectrum=spectrum,
                    element=e.element,
                    r_ohm_cm2=e.r,
                    r_stderr_ohm_cm2=e.r_stderr,
                    reason=f"R/stderr = {z:.2f} < {z_crit:g}: not resolved by the fit",
                )
            )


# ------------------------------------------------------------------------------------------------ the steps
def series_seeds(
    tracks: pd.DataFrame, a: ElementAssignment, order: Sequence[str]
) -> dict[str, dict[str, tuple[float, float]]]:
    """Per spectrum and element, the (R, tau) start from the tracks.

    Bulk, GB and CT exist at every contact fraction (Table 1; Step 4 (i) fits four elements at every A < 100 %),
    so a spectrum without their peak takes the track's median tau and R; for CT a tenth of its smallest R, since
    a CT peak missing from a spectrum lies below the DRT peak threshold (R_CT = R_Pol A at low contact) and a start
    far above it stalls the joint fit. The fit prunes what it cannot resolve.
    """
    seeds: dict[str, dict[str, tuple[float, float]]] = {}
    for s in order:
        seeds[s] = {}
        for name in a.elements:
            pt = _points(tracks, a.tracks[name], s)
            if pt is None and name in (*MICROSTRUCTURE, CT):
                rows = tracks[tracks["track"].isin(a.tracks[name])]
                r0 = 0.1 * float(rows["r_ohm_cm2"].min()) if name == CT else float(rows["r_ohm_cm2"].median())
                pt = (r0, float(np.exp(np.log(rows["tau_s"]).median())))
            if pt is not None:
                seeds[s][name] = pt
    return seeds


@dataclass
class _SeriesFitter:
    """Fits a group of the series' spectra with the assigned elements (bulk and GB shared), pruning what the data
    do not resolve; remembers what it pruned per fit."""

    spectra: Mapping[str, Spectrum]
    a: ElementAssignment
    seeds: Mapping[str, Mapping[str, tuple[float, float]]]
    settings: FitSettings
    pruned: dict[str, list[PrunedElement]] = field(default_factory=dict)

    @property
    def shared(self) -> list[str]:
        return [n for n in MICROSTRUCTURE if n in self.a.elements]

    def fit(self, names: Sequence[str], with_l: bool, key: str) -> SeriesFit:
        def once(current: Mapping[str, Mapping[str, tuple[float, float]]]) -> SeriesFit:
            models, starts = [], []
            for s in names:
                lh = inductance_start(self.spectra[s]) if with_l else None
                m, st = _model_and_start(self.a.elements, current[s], self.settings, r_inf_start(self.spectra[s]), lh)
                models.append(m)
                starts.append(st)
            return fit_series(
                [self.spectra[s].frequency_hz for s in names],
                [self.spectra[s].impedance for s in names],
                models,
                starts,
                names=names,
                shared=self.shared if len(names) > 1 else (),
                weighting=self.settings.weighting,  # type: ignore[arg-type]
            )

        fit, dropped = _fit_pruned(once, {s: self.seeds[s] for s in names}, self.settings.z_crit)
        self.pruned[key] = dropped
        return fit


def step4_series_fit(fitter: _SeriesFitter) -> tuple[SeriesFit, bool, dict[str, Any], Step4Finding]:
    """Step 4: the joint fit of the whole series; with ``fit.inductance = auto`` it also decides whether the models
    carry a series L (:func:`eisrecipe.methods.inductance.choose_inductance`).

    Returns
    -------
    joint, use_l, inductance_evidence, finding
    """
    a = fitter.a
    order = a.order
    joint, use_l, l_finding = choose_inductance(
        fitter.settings.inductance,
        [fitter.spectra[s] for s in order],
        lambda with_l: fitter.fit(order, with_l, f"series_l{with_l}"),
    )
    note = None
    if a.branch == "left" and INT in a.elements:
        note = (
            "Steps 1-2 saw two or more interface signals at the lowest pressure but no charge-transfer track beside "
            "a constriction one: one Int element takes every interface peak (the right-branch model)"
        )
    finding = Step4Finding(
        model="four elements (bulk, GB, CT, Cstr)" if CT in a.elements else "three elements (bulk, GB, Int)",
        elements=tuple(a.elements),
        shared=tuple(fitter.shared),
        inductance=use_l,
        fit_ok=joint.ok,
        flags=tuple(joint.flags),
        reduced_chi2=joint.reduced_chi2,
        max_rel_residual={s: joint.max_relative_residual(s) for s in order},
        note=note,
    )
    return joint, use_l, l_finding, finding


def step3_full_contact(fitter: _SeriesFitter, joint: SeriesFit, use_l: bool) -> tuple[SeriesFit, Step3Finding]:
    """Step 3: the highest-pressure spectrum alone, with the series terms the cell's decision gives, fitted from the
    DRT seeds and from its joint-fit values (the better fit is kept). The CT signal at full contact is the ``ct``
    element (left branch; a constriction element left at the highest pressure is not CT) or the single ``int``
    element (right branch); without it, R_Pol gets an upper bound (:func:`_r_pol_bound`)."""
    hi = fitter.a.order[-1]
    s_hi = fitter.spectra[hi]
    fit = _best_of(fitter.fit([hi], use_l, "step3"), _refit_from(joint, hi, s_hi, fitter.settings))
    interface_hi = [e.element for e in fit.elements if is_interface(e.element)]
    base = {"spectrum": hi, "pressure_mpa": fitter.a.pressure[hi], "fit_ok": fit.ok, "flags": tuple(fit.flags)}
    ct_name = CT if CT in fitter.a.elements else INT
    if ct_name in interface_hi:
        e = fit.element(hi, ct_name)
        finding = Step3Finding(
            **base,
            resolved=True,
            element=ct_name,
            r_pol_ohm_cm2=e.r,
            r_pol_stderr_ohm_cm2=e.r_stderr,
            c_dl_f_cm2=e.c,
            c_dl_stderr_f_cm2=e.c_stderr,
            tau_ct_s=e.tau_s,
        )
    else:
        finding = Step3Finding(**base, resolved=False, **_r_pol_bound(fit, s_hi, fitter.settings))
    return fit, finding


def step5_trends(
    joint: SeriesFit, a: ElementAssignment, step3: Step3Finding, spectra: Mapping[str, Spectrum], z_crit: float
) -> Step5Finding:
    """Step 5: left branch - R_CT(p), C_CT(p) trends -> order of time constants, checked against the DRT order;
    right branch - the R_Int(p) trend and the CT share R_Pol/A over R_Int where the sheet gives A."""
    order = a.order
    p = np.array([a.pressure[s] for s in order])
    if CT in a.elements:
        vals = [_element_dict(joint, s, CT) for s in order]
        r_tr = _trend(p, vals, "r_ohm_cm2", "r_stderr_ohm_cm2", z_crit)
        c_tr = _trend(p, vals, "c_f_cm2", "c_stderr_f_cm2", z_crit)
        if r_tr.direction == "rising" and c_tr.direction == "falling":
            fit_order = "ct_faster"
        elif r_tr.direction == "falling" and c_tr.direction == "rising":
            fit_order = "cstr_faster"
        else:
            fit_order = "undetermined"
        agreement = (
            "agree" if fit_order == a.drt_order else "conflict" if fit_order != "undetermined" else "undetermined"
        )
        return Step5Finding(
            branch=a.branch,
            r_ct_trend=r_tr,
            c_ct_trend=c_tr,
            tau_order_from_fits=fit_order,
            tau_order_from_drt=a.drt_order,
            agreement=agreement,
        )
    if INT in a.elements:
        vals = [_element_dict(joint, s, INT) for s in order]
        tr = _trend(p, vals, "r_ohm_cm2", "r_stderr_ohm_cm2", z_crit)
        measured = step3.resolved
        r_pol_value = step3.r_pol_ohm_cm2 if measured else step3.r_pol_upper_bound_ohm_cm2
        shares = []
        for s, v in zip(order, vals, strict=True):
            contact = spectra[s].meta.get("contact_fraction")
            row = CtShareRow(
                spectrum=s, pressure_mpa=a.pressure[s], r_int_ohm_cm2=None if v is None else v["r_ohm_cm2"]
            )
            if v is not None and contact is not None and r_pol_value is not None:
                r_ct = r_pol_value / contact
                share = ct_share(v["r_ohm_cm2"], r_pol_value, contact)
                row = CtShareRow(
                    spectrum=s,
                    pressure_mpa=a.pressure[s],
                    r_int_ohm_cm2=v["r_ohm_cm2"],
                    contact_fraction=contact,
                    r_ct_ohm_cm2=r_ct if measured else None,
                    r_ct_upper_bound_ohm_cm2=None if measured else r_ct,
                    ct_share=share if measured else None,
                    ct_share_upper_bound=None if measured else share,
                )
            shares.append(row)
        note = None
        if not any(r.contact_fraction is not None for r in shares):
            note = "the CT share needs the sample sheet's contact_fraction (structural data)"
        return Step5Finding(branch=a.branch, r_int_trend=tr, ct_share=tuple(shares), ct_share_note=note)
    return Step5Finding(branch=a.branch, note="no interface element in the series")


def step6_contact_area(
    joint: SeriesFit,
    a: ElementAssignment,
    step3: Step3Finding,
    step5: Step5Finding,
    spectra: Mapping[str, Spectrum],
    z_crit: float,
) -> Step6Finding:
    """Step 6: A(p) by inverting Table 1 with R_Pol and C_DL from Step 3 (RECIPE.md Step 6), compared with the
    sheet's ``contact_fraction`` where given, and checked: in (0, 1] and not falling with pressure, within errors.

    Left branch: from the CT element of every spectrum, in the tau order of Step 5. One interface element (right
    branch): from that element under the assumption that charge transfer dominates it (A = R_Pol / R_Int =
    C_Int / C_DL, Table 1 with tau_Cstr < tau_CT); the finding says so and the verdict uses it only then.
    """
    r_pol, c_dl = step3.r_pol, step3.c_dl
    if CT in a.elements:
        name, order_used, assumption = CT, step5.tau_order, None
    elif INT in a.elements:
        name, order_used = INT, "cstr_faster"
        assumption = "a CT-dominated interface: A = R_Pol / R_Int = C_Int / C_DL (Table 1)"
    else:
        return Step6Finding(applies=False, reason="no interface element")
    if r_pol is None or c_dl is None or not order_used:
        return Step6Finding(applies=False, reason="needs R_Pol and C_DL from Step 3 and a tau order")
    rows = []
    for s in a.order:
        v = _element_dict(joint, s, name)
        if v is None:
            continue
        est = contact_area(
            v["r_ohm_cm2"],
            v["r_stderr_ohm_cm2"],
            v["c_f_cm2"],
            v["c_stderr_f_cm2"],
            *r_pol,
            *c_dl,
            order_used,  # type: ignore[arg-type]
            z_crit=z_crit,
        )
        contact = spectra[s].meta.get("contact_fraction")
        agrees = None if contact is None else bool(abs(est.value - contact) <= z_crit * est.stderr)
        rows.append(ContactAreaRow(s, a.pressure[s], est, contact, agrees))
    return Step6Finding(
        applies=True,
        order=order_used,
        contact_area=tuple(rows),
        assumption=assumption,
        monotonic=_not_falling([r.area for r in rows], z_crit),
        all_physical=all(r.area.physical for r in rows),
    )


def _not_falling(areas: Sequence[ContactArea], z_crit: float) -> bool:
    """Whether no A falls below its predecessor (pressure order) by more than ``z_crit`` combined errors."""
    for prev, cur in itertools.pairwise(areas):
        err = float(np.hypot(prev.stderr, cur.stderr)) if np.isfinite(prev.stderr) and np.isfinite(cur.stderr) else 0.0
        if cur.value < prev.value - z_crit * err:
            return False
    return True


@dataclass(frozen=True, eq=False)
class Steps36Result:
    """Steps 3-6 of one cell: the Step 3 fit, the Step 4 joint fit (None when the steps do not apply), the pressure
    of every spectrum (MPa) and the finding."""

    step3_fit: SeriesFit | None
    series_fit: SeriesFit | None
    pressure: dict[str, float]
    finding: Steps36Finding


def steps_3_6(
    cell: str,
    spectra: Sequence[Spectrum],
    tracks: pd.DataFrame,
    steps12: Steps12Finding | NotApplicable,
    settings: FitSettings | None = None,
) -> Steps36Result:
    """Steps 3-6 for one cell (see module docstring).

    Parameters
    ----------
    cell
        Cell name.
    spectra
        The cell's validated spectra, ohm cm^2 (``meta``: ``spectrum``, ``contact_fraction``, ``kk_noise``).
    tracks
        The cell's tracks (``tracks.csv`` rows: ``track``, ``label``, ``spectrum``, ``step``, ``pressure_mpa``,
        ``tau_s``, ``log10_tau_s``, ``r_ohm_cm2``).
    steps12
        The Step 1-2 finding, or why Steps 1-2 did not apply.
    settings
        Fit options.
    """
    settings = settings or FitSettings()
    if tracks.empty or isinstance(steps12, NotApplicable):
        reason = (steps12.reason if isinstance(steps12, NotApplicable) else "") or "no tracked pressure series"
        return Steps36Result(None, None, {}, Steps36Finding(cell=cell, applies=False, reason=reason))
    by_name = {str(s.meta.get("spectrum")): s for s in spectra}
    a = assign_elements(tracks, steps12)
    order = [s for s in a.order if s in by_name]
    if len(order) < 2:
        raise InputError(f"cell '{cell}': fewer than two tracked pressure-series spectra to fit")
    a = ElementAssignment(order, a.pressure, a.elements, a.tracks, a.branch, a.drt_order)
    fitter = _SeriesFitter(by_name, a, series_seeds(tracks, a, order), settings)
    joint, use_l, l_finding, step4 = step4_series_fit(fitter)
    step3_fit, step3 = step3_full_contact(fitter, joint, use_l)
    step5 = step5_trends(joint, a, step3, by_name, settings.z_crit)
    step6 = step6_contact_area(joint, a, step3, step5, by_name, settings.z_crit)
    finding = Steps36Finding(
        cell=cell,
        applies=True,
        settings=settings.to_dict(),
        pressure_order=tuple(order),
        assignment={k: list(v) for k, v in a.tracks.items()},
        inductance=l_finding,
        pruned=Pruned(
            step3=tuple(fitter.pruned.get("step3", [])), series=tuple(fitter.pruned.get(f"series_l{use_l}", []))
        ),
        step3=step3,
        step4=step4,
        step5=step5,
        step6=step6,
    )
    return Steps36Result(step3_fit, joint, a.pressure, finding)
