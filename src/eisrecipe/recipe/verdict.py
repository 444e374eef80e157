"""The per-cell verdict: the decision tree of RECIPE.md over the evidence of Steps 1-7.

The verdict answers "what limits this interface?" with one of ``constriction``, ``charge_transfer``, ``mixed``,
``sei`` or ``undetermined`` and lists, for every step, its finding, whether it supports the verdict, contradicts
it, is inconclusive or does not apply, and the numbers behind it. Nothing is resolved silently: a step that
disagrees with the verdict is listed in ``conflicts``, a quality gate it tripped in ``gates``.

Decision tree (RECIPE.md, Figure 2), level 1 (chemical stability) comes from the sample sheet or the config
(``interface: stable | sei | unknown``). For ``sei`` the verdict is the SEI branch with its evidence (the Step 1-7
verdict does not apply). For ``stable`` and ``unknown`` (the latter is said in the verdict) Steps 1-7 decide:

1. Pressure evidence comes first, because it is the recipe's primary route: Table 1 at the lowest pressure,
   R_CT(p_min) against R_Cstr(p_min) with their errors (:mod:`eisrecipe.recipe.dominance`, which states the
   rules: no interface signal left at full contact, the fitted CT/constriction pair, a tau-constant signal, the
   sheet's contact fraction with R_Pol / A or R_Pol A, Table 1 bounds; an SEI-like signal is never charge transfer
   or mixed). A process decided from the numbers of a fit that failed a quality gate
   (:mod:`eisrecipe.recipe.gates`) is undetermined, and a gated step is inconclusive, never supports.
2. Step 7 (:mod:`eisrecipe.recipe.step7`) classifies the interface's activation energy against Ea,Bulk and Ea,GB.
   Without pressure evidence it decides alone (said in the summary); with it, it supports or contradicts.

Blocking electrodes (no metal electrode) get no interface verdict at all (:func:`blocking_electrode_verdict`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from eisrecipe.recipe.dominance import constriction_side, interface_resistance, pressure_dominance
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.gates import Gate, GateSettings, failure_flags
from eisrecipe.recipe.step7 import STEP7_TO_PROCESS, step7_findings
from eisrecipe.recipe.steps_1_2 import Steps12Finding, with_fit_signal
from eisrecipe.recipe.steps_3_6 import Step5Finding, Steps36Finding
from eisrecipe.serialize import finite, to_dict

__all__ = [
    "VerdictSettings",
    "apply_confidence",
    "blocking_electrode_verdict",
    "decide",
    "lowest_pressure_resistances",
]

Support = Literal["supports", "contradicts", "not_applicable", "inconclusive"]


@dataclass(frozen=True)
class VerdictSettings:
    """Options of the verdict (config ``verdict``).

    Attributes
    ----------
    interface
        Chemical stability when the sample sheet does not say (``stable``, ``sei``, ``unknown``).
    dominance_ratio
        A process dominates when its resistance is at least this multiple of the other's (2: two thirds of the
        interface resistance); in between the verdict is ``mixed``.
    negligible_ratio
        Charge transfer is negligible when R_Pol (or its upper bound) is below this fraction of the interface
        resistance at the lowest pressure (0.1).
    z_crit
        Combined standard errors within which two activation energies count as equal.
    max_rel_residual, r_inf_negative_z
        Quality-gate thresholds (:class:`eisrecipe.recipe.gates.GateSettings`).
    """

    interface: str = "stable"
    dominance_ratio: float = 2.0
    negligible_ratio: float = 0.1
    z_crit: float = 2.0
    max_rel_residual: float = 0.05
    r_inf_negative_z: float = 3.0

    @property
    def gates(self) -> GateSettings:
        """The quality-gate thresholds (:mod:`eisrecipe.recipe.gates`)."""
        return GateSettings(max_rel_residual=self.max_rel_residual, r_inf_negative_z=self.r_inf_negative_z)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> VerdictSettings:
        """Build from the ``verdict`` config section."""
        return cls(**dict(config or {}))


def _lowest_ct_share(s5: Step5Finding | None) -> dict[str, float] | None:
    """Step 5's R_CT upper bound at the lowest pressure with a contact fraction (None when there is none)."""
    rows = [
        r
        for r in (s5.ct_share if s5 is not None and s5.ct_share else ())
        if finite(r.r_ct_upper_bound_ohm_cm2) is not None and finite(r.ct_share_upper_bound) is not None
    ]
    if not rows:
        return None
    low = min(rows, key=lambda r: finite(r.pressure_mpa) or math.inf)
    return {
        "r_ct_upper_bound_ohm_cm2": float(low.r_ct_upper_bound_ohm_cm2),  # type: ignore[arg-type]
        "ct_share_upper_bound": float(low.ct_share_upper_bound),  # type: ignore[arg-type]
        "contact_fraction": float(low.contact_fraction),  # type: ignore[arg-type]
        "pressure_mpa": float(low.pressure_mpa),
    }


def _largest_percent(values: Iterable[Any]) -> str:
    """The largest of per-spectrum fractions as per cent for the report's text, with the count of spectra whose
    value is not finite (a failed evaluation is no 0 % residual); "none" without values."""
    vals = [finite(v) for v in values]
    known = [v for v in vals if v is not None]
    if not vals:
        return "none"
    text = f"{100 * max(known):.2g} %" if known else "not finite"
    bad = len(vals) - len(known)
    return text + (f" ({bad} spectra not finite)" if known and bad else "")


def _step(step: str, title: str, finding: str, support: Support, **numbers: Any) -> dict[str, Any]:
    return {"step": step, "title": title, "finding": finding, "support": support, "numbers": numbers}


def _pressure_evidence(
    s12: Steps12Finding | NotApplicable,
    s36: Steps36Finding | None,
    lowest: Mapping[str, tuple[float, float]],
    settings: VerdictSettings,
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """Steps 1-6: (process from the pressure series, step entries, extras for the verdict)."""
    steps: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"branch": "none", "tau_order": None, "r_pol": None, "contact_area": [], "dominance": None}
    if isinstance(s12, NotApplicable):
        reason = s12.reason or "no pressure series"
        for k, title in [("1", "DRT signals"), ("2", "pressure behaviour"), ("3", "R_Pol, C_DL")]:
            steps.append(_step(k, title, reason, "not_applicable"))
        for k, title in [("4", "series fit"), ("5", "order of time constants"), ("6", "contact area")]:
            steps.append(_step(k, title, reason, "not_applicable"))
        return "undetermined", steps, extra
    branch = str(s12.branch)
    extra["branch"] = branch
    tracks = [to_dict(t) for t in s12.interface_tracks]
    steps.append(
        _step(
            "1",
            "DRT signals",
            f"{s12.n_signals_pristine} signals in the pristine DRT, {s12.n_interface_pristine} from "
            f"the interface: {branch} branch",
            "supports",
            n_signals=s12.n_signals_pristine,
            n_interface=s12.n_interface_pristine,
            bulk_gb=s12.bulk_gb,
        )
    )
    conclusion = str(s12.conclusion)
    behaviours = [f"track {t.track}: {t.behaviour} ({t.reason})" for t in s12.interface_tracks]
    step2_text = "; ".join(behaviours) or "no interface track"
    step2_text += f" -> {conclusion.replace('_', ' ')}"
    stable = s12.bulk_gb_stable
    if stable and not all(stable.values()):
        step2_text += f"; bulk/GB not pressure-independent: {stable}"
    step2 = _step("2", "pressure behaviour", step2_text, "supports", conclusion=conclusion, tracks=tracks)
    steps.append(step2)

    s3 = s36.step3 if s36 is not None else None
    s4 = s36.step4 if s36 is not None else None
    s5 = s36.step5 if s36 is not None else None
    s6 = s36.step6 if s36 is not None else None
    r_pol = finite(s3.r_pol_ohm_cm2) if s3 is not None else None
    bound = finite(s3.r_pol_upper_bound_ohm_cm2) if s3 is not None else None
    if r_pol is not None:
        extra["r_pol"] = {"value_ohm_cm2": r_pol, "stderr_ohm_cm2": finite(s3.r_pol_stderr_ohm_cm2)}  # type: ignore[union-attr]
    elif bound is not None:
        extra["r_pol"] = {"upper_bound_ohm_cm2": bound, "bound_rule": s3.bound_rule}  # type: ignore[union-attr]
        tau_range = bound_tau_range(s3.detection_limit)  # type: ignore[union-attr]
        if tau_range is not None:
            extra["r_pol"]["tau_range_s"] = list(tau_range)
        low_share = _lowest_ct_share(s5)
        if low_share is not None:
            extra["r_pol"].update(
                r_ct_upper_bound_lowest_pressure_ohm_cm2=low_share["r_ct_upper_bound_ohm_cm2"],
                lowest_pressure_mpa=low_share["pressure_mpa"],
                contact_fraction_lowest_pressure=low_share["contact_fraction"],
            )

    # the dominant process at the lowest pressure, by Table 1 (eisrecipe.recipe.dominance)
    # R_Int at the lowest pressure: the one Int element, or - where the CT element and a constriction-side element
    # are both held there - the sum of the per-track interface elements (ct2 ... included)
    both = "int" not in lowest and "ct" in lowest and constriction_side(lowest) is not None
    int_low = lowest.get("int") or (interface_resistance(lowest) if both else None)
    r_low = int_low[0] if int_low else None
    dominance = pressure_dominance(
        s12,
        s36,
        lowest,
        ratio=settings.dominance_ratio,
        z_crit=settings.z_crit,
        amplitude_tolerance=s12.amplitude_tolerance,
    )
    process = dominance.process
    extra["dominance"] = to_dict(dominance)
    numbers: dict[str, Any] = {"r_pol": extra["r_pol"], "r_int_lowest_pressure_ohm_cm2": r_low, **to_dict(dominance)}
    # Step 3
    if s3 is not None and r_pol is not None:
        text = f"R_Pol = {r_pol:.4g} +- {(finite(s3.r_pol_stderr_ohm_cm2) or math.nan):.2g} ohm cm^2"
        c_dl = finite(s3.c_dl_f_cm2)
        if c_dl is not None:
            text += f", C_DL = {c_dl:.3g} F/cm^2"
        text += f" from the highest-pressure spectrum ({s3.spectrum})"
        sup: Support = "inconclusive"
        r_ct, r_cs = dominance.r_ct_ohm_cm2, dominance.r_cstr_ohm_cm2
        if r_ct is not None and r_cs is not None and process != "undetermined":
            text += f"; at the lowest pressure R_CT = {r_ct:.3g}, R_Cstr = {r_cs:.3g} ohm cm^2 ({dominance.rule})"
            sup = "supports"
        steps.append(_step("3", "R_Pol, C_DL", text, sup, **{k: v for k, v in to_dict(s3).items() if k != "flags"}))
    elif s3 is not None and bound is not None:
        ratio = bound / r_low if r_low else None
        text = f"no interface signal at the highest pressure: R_Pol <= {bound:.3g} ohm cm^2 ({s3.bound_rule})"
        sup = "inconclusive"
        # Step 5 (Table 1): at contact fraction A the CT resistance is R_Pol / A (tau_Cstr < tau_CT) or R_Pol A
        # (tau_CT < tau_Cstr); the conservative R_Pol / A at the lowest pressure is what R_Int must dwarf
        low_share = _lowest_ct_share(s5)
        r_ct_low_bound = None
        if low_share is not None and ratio is not None:
            r_ct_low_bound, ratio = low_share["r_ct_upper_bound_ohm_cm2"], low_share["ct_share_upper_bound"]
            text += (
                f"; at the lowest pressure (A = {low_share['contact_fraction']:.3g}) R_CT <= R_Pol / A = "
                f"{r_ct_low_bound:.3g} ohm cm^2 (Step 5, Table 1), {ratio:.2g} x R_Int"
            )
        elif ratio is not None:
            text += f", {ratio:.2g} x R_Int at the lowest pressure (no contact fraction for the Step 5 scaling)"
        if ratio is not None:
            negligible = ratio <= settings.negligible_ratio
            text += " - charge transfer negligible" if negligible else " - the bound is not tight enough to say"
            if negligible:
                sup = "supports" if process == "constriction" else "contradicts"
        steps.append(
            _step(
                "3",
                "R_Pol bound",
                text,
                sup,
                r_pol_upper_bound_ohm_cm2=bound,
                r_ct_upper_bound_lowest_pressure_ohm_cm2=r_ct_low_bound,
                ratio_to_r_int=ratio,
                detection_limit=s3.detection_limit,
            )
        )
    else:
        steps.append(_step("3", "R_Pol, C_DL", "Step 3 did not run", "not_applicable"))
    # Step 4
    if s4 is not None:
        worst = _largest_percent(s4.max_rel_residual.values())
        ok = bool(s4.fit_ok) or not failure_flags("; ".join(map(str, s4.flags)))  # an ideal RC is no failure
        text = f"{s4.model}: fit {'converged' if ok else 'flagged'}"
        if s4.flags:
            text += f" ({'; '.join(map(str, s4.flags))})"
        if s4.max_local_misfit:
            local = _largest_percent(s4.max_local_misfit.values())
            text += f", largest misfit over three neighbouring points {local} (single residual {worst})"
        else:
            text += f", largest relative residual {worst}"
        if s4.bulk_tail is not None and s4.bulk_tail.get("included"):
            text += f"; no bulk DRT track: a bulk RC takes R_inf's place ({s4.bulk_tail.get('rule')})"
        if s4.r_inf_left_out is not None:
            n_out = len(s4.r_inf_left_out["spectra"])
            text += f"; R_inf left out in {n_out} spectra (the bulk arc's apex above the window)"
        steps.append(
            _step(
                "4",
                "series fit",
                text,
                "supports" if ok else "inconclusive",
                reduced_chi2=s4.reduced_chi2,
                max_rel_residual=s4.max_rel_residual,
                max_local_misfit=s4.max_local_misfit,
            )
        )
    else:
        steps.append(_step("4", "series fit", "no series fit", "not_applicable"))
    # Step 5
    if s5 is not None and s5.tau_order_from_fits is not None:
        order_fit, order_drt = s5.tau_order_from_fits, s5.tau_order_from_drt
        agreement = s5.agreement
        extra["tau_order"] = s5.tau_order
        sup = "supports" if agreement == "agree" else "contradicts" if agreement == "conflict" else "inconclusive"
        text = f"R_CT(p), C_CT(p) trends give {order_fit}; DRT order {order_drt}: {agreement}"
        steps.append(
            _step(
                "5",
                "order of time constants",
                text,
                sup,
                r_ct_trend=_plain_or_none(s5.r_ct_trend),
                c_ct_trend=_plain_or_none(s5.c_ct_trend),
            )
        )
    elif s5 is not None and s5.r_int_trend is not None:
        tr = s5.r_int_trend
        direction = tr.direction
        text = (
            f"R_Int falls with pressure (log-log slope {tr.slope:.3g} +- {tr.slope_stderr:.2g})"
            if direction == "falling"
            else f"R_Int trend with pressure: {direction}"
        )
        # Table 1: R_Cstr and R_CT = R_Pol / A both fall as the contact grows, so a falling R_Int is evidence for
        # neither process; only tau (Step 2) and the CT share with A (Step 5 rows) tell them apart
        if direction == "falling":
            text += (
                ": both constriction and charge transfer (R_Pol / A) fall as the contact grows - no evidence either way"
            )
        if math.isfinite(tr.p_value):
            text += f" (p = {tr.p_value:.2g})" if tr.p_value >= 1e-15 else " (p < 1e-15)"
        extra["tau_order"] = s5.tau_order
        if s5.tau_order_from_r_int == "ct_faster":
            text += (
                ": with tau_Cstr < tau_CT both R_Pol / A and R_Cstr fall as the contact grows (Table 1), so a rising "
                "R_Int means tau_CT < tau_Cstr (R_CT = R_Pol A) - for a chemically stable interface: an SEI growing "
                "over the series would make it rise as well"
            )
        if any(o is not None for o in (s5.tau_order_from_merged, s5.tau_order_from_drt, s5.tau_order_from_r_int)):
            text += (
                f"; order of time constants: {s5.tau_order or 'undetermined'} (from the element's tau: "
                f"{s5.tau_order_from_merged or 'not judged'}"
                + (f" - {s5.tau_order_rule}" if s5.tau_order_rule else "")
                + f"; from the DRT peak's movement: {s5.tau_order_from_drt or 'none'}"
                + f"; from the R_Int trend: {s5.tau_order_from_r_int or 'none'})"
            )
        sup = "inconclusive"
        steps.append(
            _step(
                "5",
                "trend of the interface resistance",
                text,
                sup,
                r_int_trend=to_dict(tr),
                ct_share=[to_dict(r) for r in s5.ct_share] if s5.ct_share is not None else None,
            )
        )
    else:
        note = (s5.note if s5 is not None else None) or "no interface element"
        steps.append(_step("5", "order of time constants", note, "not_applicable"))
    # Step 6
    if s6 is not None and s6.applies and s6.assumption and process != "charge_transfer":
        steps.append(
            _step(
                "6",
                "contact area",
                f"A(p) from one interface element assumes {s6.assumption}; the pressure series does not find charge "
                "transfer dominant, so A(p) is not determined",
                "not_applicable",
            )
        )
    elif s6 is not None and s6.applies:
        rows = s6.contact_area or ()
        extra["contact_area"] = [
            {"spectrum": r.spectrum, "pressure_mpa": r.pressure_mpa, "value": r.area.value, "stderr": r.area.stderr}
            for r in rows
        ]
        compared = [r for r in rows if r.agrees_with_structure is not None]
        problems = []
        if s6.all_physical is False:
            problems.append("outside (0, 1] beyond its error at " + ", ".join(
                f"{r.pressure_mpa:g} MPa" for r in rows if not r.area.physical
            ))  # fmt: skip
        if s6.monotonic is False:
            problems.append("falling with pressure beyond its errors (contact only grows under load)")
        if compared:
            agree = all(r.agrees_with_structure for r in compared)
            sup = "supports" if agree and not problems else "contradicts"
            text = f"A(p) from Table 1 {'agrees' if agree else 'disagrees'} with the structural contact fraction"
        else:
            sup = "contradicts" if problems else "inconclusive"
            text = "A(p) from Table 1 (no structural data to compare)"
        if s6.assumption:
            text += f", assuming {s6.assumption}"
        if problems:
            text += "; A is " + " and ".join(problems)
        text += ": " + ", ".join(
            f"{r.pressure_mpa:g} MPa {100 * (finite(r.area.value) or math.nan):.3g} %" for r in rows
        )
        steps.append(_step("6", "contact area", text, sup, contact_area=[r.to_dict() for r in rows]))
    else:
        reason = (s6.reason if s6 is not None else None) or "does not apply"
        steps.append(_step("6", "contact area", str(reason), "not_applicable"))
    steps[1]["support"] = "supports" if process != "undetermined" else "inconclusive"
    steps[1]["numbers"].update(numbers)
    return process, steps, extra


def bound_tau_range(detection_limit: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """The tau range in s over which Step 3's fit-based R_Pol bound holds (its ``detection_limit``), or None (the
    single-point noise rule, or no bound)."""
    span = (detection_limit or {}).get("tau_range_s")
    if not span or len(span) != 2:
        return None
    lo, hi = (finite(v) for v in span)
    return (lo, hi) if lo is not None and hi is not None and 0 < lo <= hi else None


def bound_span(tau_range_s: Sequence[float]) -> str:
    """The tau range of Step 3's R_Pol bound as the summary and the report write it (taus in s)."""
    return f"tau_CT {float(tau_range_s[0]):.2g} to {float(tau_range_s[1]):.2g} s"


def bound_condition(tau_range_s: Sequence[float]) -> str:
    """What Step 3's R_Pol bound covers, for the summary: the tau range in s and its width in decades. A CT arc
    outside it is not bounded - within a decade of the slowest microstructure element it merges into that arc (the
    full matrix's full-contact cells c026, c161, c188 and c269: R_Pol 31-64 ohm cm^2 within half a decade of the GB,
    bounds 0.5-3.5), slower than half a decade inside the window's slow end the data do not bound it."""
    decades = math.log10(float(tau_range_s[1]) / float(tau_range_s[0]))
    return (
        f"for {bound_span(tau_range_s)} ({decades:.2g} decade; a CT arc outside it, e.g. merged into the GB's, is not "
        "bounded)"
    )


def _plain_or_none(finding: Any) -> dict[str, Any] | None:
    return None if finding is None else to_dict(finding)


def lowest_pressure_resistances(fits: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Element -> (R, its standard error) in ohm cm^2 of the lowest-pressure spectrum in the joint series fit
    (the error NaN where the fit gives none)."""
    if fits.empty or "fit" not in fits:
        return {}
    rows = fits[fits["fit"] == "series"]
    if rows.empty:
        return {}
    p_min = rows["pressure_mpa"].min()
    first = rows[rows["pressure_mpa"] == p_min]
    first = first[first["spectrum"] == first["spectrum"].iloc[0]]
    errors = first["r_stderr_ohm_cm2"] if "r_stderr_ohm_cm2" in first else [math.nan] * len(first)
    return {
        str(e): (float(r), float(se))
        for e, r, se in zip(first["element"], first["r_ohm_cm2"], errors, strict=True)
        if np.isfinite(r)
    }


def _gate_process(process: str, extra: dict[str, Any], gates: Sequence[Gate]) -> str:
    """The pressure-series process, undetermined when the fit its numbers come from failed a gate."""
    dominance = extra.get("dominance") or {}
    basis = str(dominance.get("basis") or "")
    needs = (["4"] if "series fit" in basis else []) + (["3"] if "Step 3" in basis else [])
    hit = [g for g in gates if g.step in needs]
    if process == "undetermined" or not hit:
        return process
    extra["dominance"] = {
        **dominance,
        "process": "undetermined",
        "gated": f"{process} from the {basis}, which failed its quality gates: " + "; ".join(g.reason for g in hit),
    }
    return "undetermined"


def _close_gated_steps(steps: Sequence[dict[str, Any]], gates: Sequence[Gate]) -> None:
    """A step whose evidence tripped a gate is inconclusive, never supports; the finding says which gate."""
    for st in steps:
        mine = [g for g in gates if g.step == st["step"]]
        if not mine:
            continue
        if st["support"] in ("supports", "not_applicable"):
            st["support"] = "inconclusive"
        st["finding"] += " [quality gate: " + "; ".join(g.reason for g in mine) + "]"


def decide(
    cell: str,
    validation: Mapping[str, Any],
    steps12: Steps12Finding | NotApplicable,
    steps36: Steps36Finding | None,
    arrhenius_rows: Sequence[Mapping[str, Any]],
    settings: VerdictSettings,
    interface: str | None = None,
    lowest_pressure_r: Mapping[str, tuple[float, float]] | None = None,
    gates: Sequence[Gate] = (),
) -> dict[str, Any]:
    """The verdict of one cell (see module docstring and DESIGN.md ``verdict.json``).

    Parameters
    ----------
    cell
        Cell name.
    validation
        The cell's ``validation.json``.
    steps12
        The Step 1-2 finding, or why Steps 1-2 did not apply.
    steps36
        The Steps 3-6 finding (None: the fit stage did not run).
    arrhenius_rows
        Rows of ``arrhenius.csv`` (``element``, ``ea_ev``, ``ea_stderr_ev``, ``n_points`` ...).
    settings
        Options.
    interface
        Chemical stability from the sample sheet (overrides ``settings.interface``).
    lowest_pressure_r
        Element name -> (fitted resistance, its standard error) in ohm cm^2 in the lowest-pressure spectrum of the
        joint series fit (:func:`lowest_pressure_resistances`).
    gates
        The quality gates the cell tripped (:func:`eisrecipe.recipe.gates.quality_gates`): a gated step is
        ``inconclusive``, never ``supports``, and a process decided from numbers of a gated fit is undetermined.
    """
    stability = (interface or settings.interface or "unknown").strip().lower()
    if isinstance(steps12, Steps12Finding) and steps36 is not None:
        # an interface signal the series fit found inside the GB's peak, where the DRT showed none (Step 4)
        steps12 = with_fit_signal(steps12, steps36.fit_signal)
    process_p, steps, extra = _pressure_evidence(steps12, steps36, lowest_pressure_r or {}, settings)
    gated = _gate_process(process_p, extra, gates)
    if gated != process_p:
        steps[1]["support"] = "inconclusive"  # Step 2's process rested on the gated fit
        process_p = gated
    ea = {str(r["element"]): r for r in arrhenius_rows}
    s7 = step7_findings(ea, settings.z_crit)
    ea_table = [
        {k: r.get(k) for k in ("element", "ea_ev", "ea_stderr_ev", "n_points", "t_min_c", "t_max_c")}
        for r in arrhenius_rows
    ]

    # data quality (KK + cropping)
    spectra = validation.get("spectra") or []
    excluded = [
        {"spectrum": e.get("spectrum"), "file": e.get("file"), "reason": e.get("error")}
        for e in validation.get("excluded") or []
    ]
    windows = {s.get("spectrum"): s.get("window_hz") for s in spectra}
    kk_text = f"{len(spectra)} spectra passed KK validation and cropping"
    if excluded:
        kk_text += f"; {len(excluded)} excluded"
    flagged = {s.get("spectrum"): s["quality_flags"] for s in spectra if s.get("quality_flags")}
    kk_numbers: dict[str, Any] = {"kept_window_hz": windows}
    if flagged:
        kk_text += f"; {len(flagged)} flagged ({'; '.join(f'{k}: {v[0]}' for k, v in flagged.items())})"
        kk_numbers["quality_flags"] = flagged
    kk = _step("kk", "data quality (Kramers-Kronig, cropping)", kk_text, "not_applicable", **kk_numbers)
    _close_gated_steps([kk, *steps], gates)

    conflicts: list[str] = []
    decision_path: list[dict[str, Any]] = []
    stab_evidence = {
        "stable": "sample sheet / config: chemically stable interface",
        "sei": "sample sheet / config: an SEI or passivation layer forms",
        "unknown": "chemical stability not given: Steps 1-7 assume a stable interface (say so when citing)",
    }.get(stability, f"unrecognised value {stability!r}, treated as unknown")
    decision_path.append({"level": "chemical stability", "choice": stability, "evidence": stab_evidence})

    if stability == "sei":
        dominant = "sei"
        branch = "sei"
        persist = bool(getattr(steps12, "interface_at_highest", ()))
        finding = (
            "SEI branch: an interface signal persists at the highest pressure (R_Int -> R_SEI)"
            if persist
            else "SEI branch: no interface signal left at the highest pressure (no SEI signal resolved)"
        )
        decision_path.append(
            {"level": "branch", "choice": "SEI / passivation", "evidence": finding + "; Steps 1-7 not applied"}
        )
        for st in steps:
            st["support"] = "not_applicable"
        summary = (
            f"Cell {cell}: the interface is declared chemically unstable (SEI); the hierarchical Steps 1-7 do not "
            f"apply. {finding}."
        )
    else:
        step7_process = STEP7_TO_PROCESS.get(s7["classification"])
        if process_p != "undetermined":
            dominant = process_p
            source = "pressure series (Steps 2-5)"
        elif step7_process:
            dominant = step7_process
            source = "temperature series alone (Step 7)"
        else:
            dominant, source = "undetermined", "no decisive evidence"
        branch = extra["branch"]
        # Step 7 support
        if not s7["applies"]:
            support7: Support = "not_applicable"
        elif step7_process is None:
            support7 = "inconclusive"
        elif step7_process == dominant or dominant == "mixed" or step7_process == "mixed":
            support7 = "supports"
        else:
            support7 = "contradicts"
        if any(v is False for v in s7.get("order_checks", {}).values()):
            failed = [k for k, v in s7["order_checks"].items() if v is False]
            conflicts.append(f"Step 7: expected activation-energy order violated ({', '.join(failed)})")
        steps.append(
            _step(
                "7",
                "Arrhenius",
                s7["finding"],
                support7,
                classification=s7["classification"],
                interface_element=s7["interface_element"],
                order_checks=s7["order_checks"],
                activation_energies=ea_table,
            )
        )
        conflicts.extend(
            f"Step {st['step']} ({st['title']}) contradicts the verdict: {st['finding']}"
            for st in steps
            if st["support"] == "contradicts"
        )
        # Steps 3-6 findings the fit keeps apart rather than merging away (a second charge-transfer-like signal)
        if steps36 is not None and steps36.notes:
            conflicts.extend(f"Steps 3-6: {note}" for note in steps36.notes)
        sei_suspected = (extra["dominance"] or {}).get("sei_suspected")
        if sei_suspected:
            conflicts.append(f"SEI suspected ({sei_suspected}) although the interface is declared {stability}")
        contact = "ideal" if dominant == "charge_transfer" else "non-ideal" if dominant != "undetermined" else "?"
        decision_path.append(
            {
                "level": "contact",
                "choice": contact,
                "evidence": "no pressure series"
                if isinstance(steps12, NotApplicable)
                else f"{branch} branch; {steps[1]['finding']}"
                if branch != "none"  # a pressure series whose lowest-pressure spectrum shows no interface signal
                else f"no interface signal at the lowest pressure (no branch); {steps[1]['finding']}",
            }
        )
        decision_path.append({"level": "dominant interface process", "choice": dominant, "evidence": source})
        names = {
            "constriction": "geometric current constriction",
            "charge_transfer": "charge transfer",
            "mixed": "charge transfer and constriction together",
            "undetermined": "undetermined",
        }
        summary = f"Cell {cell}: {names[dominant]} limits the interface, judged from the {source}."
        if dominant == "undetermined":
            summary = f"Cell {cell}: the evidence does not determine the limiting interface process."
        r_pol = extra["r_pol"]
        if r_pol and "upper_bound_ohm_cm2" in r_pol:
            summary += f" R_Pol (charge transfer at full contact) <= {r_pol['upper_bound_ohm_cm2']:.3g} ohm cm^2"
            if r_pol.get("tau_range_s"):
                summary += " " + bound_condition(r_pol["tau_range_s"])
            if "r_ct_upper_bound_lowest_pressure_ohm_cm2" in r_pol:
                summary += (
                    f", R_CT <= {r_pol['r_ct_upper_bound_lowest_pressure_ohm_cm2']:.3g} ohm cm^2 at "
                    f"{r_pol['lowest_pressure_mpa']:g} MPa"
                )
            summary += "."
        elif r_pol:
            summary += f" R_Pol = {r_pol['value_ohm_cm2']:.3g} ohm cm^2."
        if s7["applies"] and s7["classification"] != "undetermined":
            summary += f" Step 7: {s7['finding']}."
        if conflicts:
            summary += f" {len(conflicts)} conflicting finding(s), listed below."
        if gates:
            closed = sorted({g.step for g in gates})
            summary += (
                f" {len(gates)} quality gate(s) tripped (step {', '.join(closed)}): those steps are inconclusive."
            )
        if sei_suspected:
            summary += " An SEI-like signal is suspected (see conflicts): check the interface for an interphase."
        if stability != "stable":
            summary += " Chemical stability was not given; the verdict assumes a stable interface."
        if steps36 is not None and steps36.interfaces == 2:
            summary += " Symmetric cell: R_Pol, R_Int and C_DL are per interface (half and twice the cell's)."

    return {
        "cell": cell,
        "dominant_interface_process": dominant,
        "branch": branch,
        "interface_stability": stability,
        "interfaces": (steps36.interfaces if steps36 is not None else None) or 1,
        "tau_order": extra["tau_order"],
        "summary": summary,
        "decision_path": decision_path,
        "dominance": extra["dominance"],
        "r_pol": extra["r_pol"],
        "contact_area": extra["contact_area"],
        "activation_energies": ea_table,
        "steps": [kk, *steps],
        "conflicts": conflicts,
        "gates": [to_dict(g) for g in gates],
        "excluded_spectra": excluded,
    }


def blocking_electrode_verdict(verdict: Mapping[str, Any], blocking: Mapping[str, Any] | None) -> dict[str, Any]:
    """The verdict of a cell with ion-blocking electrodes: conductivities and activation energies, no interface
    verdict (issue 17). Applied after :func:`decide`, which it leaves untouched.

    Between blocking electrodes no ion crosses the electrode interface: its low-frequency spur is a capacitance
    (fitted as a series CPE, :mod:`eisrecipe.recipe.temperature`), not a constriction or charge-transfer
    resistance, so the decision tree has nothing to judge. ``dominant_interface_process`` becomes
    ``undetermined``, ``interface_verdict`` says why, Step 7 keeps its activation energies with support
    ``not_applicable``, and the summary says so.

    Parameters
    ----------
    verdict
        The output of :func:`decide`.
    blocking
        ``steps36.json["temperature"]["blocking_electrodes"]`` (``detected``, ``spectra``, ``rule``) or ``None``.

    Returns
    -------
    dict
        ``verdict`` unchanged when no blocking electrodes were detected, else the amended copy.
    """
    if not blocking or not blocking.get("detected"):
        return dict(verdict)
    out = dict(verdict)
    spectra = list(blocking.get("spectra") or [])
    reason = (
        f"blocking electrodes: {len(spectra)} spectra end in a capacitive spur ({blocking.get('rule', '')}); no ion "
        "crosses the electrode interface, so there is no interface resistance to classify"
    )
    out["dominant_interface_process"] = "undetermined"
    out["interface_verdict"] = {"applies": False, "reason": reason, "spectra": spectra}
    out["decision_path"] = [
        *verdict.get("decision_path", []),
        {"level": "electrodes", "choice": "blocking", "evidence": reason},
    ]
    steps = []
    for st in verdict.get("steps", []):
        st = dict(st)
        if st.get("step") == "7":
            st["support"] = "not_applicable"
            st["finding"] = f"{st.get('finding', '')} (no interface verdict: blocking electrodes)"
        steps.append(st)
    out["steps"] = steps
    ea = [r for r in verdict.get("activation_energies", []) if r.get("ea_ev") is not None]
    ea_text = ", ".join(
        f"Ea,{r['element']} = {float(r['ea_ev']):.3f} +- {float(r.get('ea_stderr_ev') or math.nan):.3f} eV" for r in ea
    )
    out["summary"] = f"Cell {verdict.get('cell')}: no interface verdict - {reason}. " + (
        f"Step 7: {ea_text}." if ea_text else "No activation energy (fewer than two temperatures)."
    )
    return out


def apply_confidence(verdict: Mapping[str, Any], confidence: Mapping[str, Any] | None) -> dict[str, Any]:
    """The verdict with its measured confidence (issue 16; the replicas of :mod:`eisrecipe.stages.confidence`).

    Adds ``confidence`` (``high`` | ``medium`` | ``low``, or ``None`` when not assessed), ``process_probabilities``
    (the replica fraction reaching each process) and ``replicas`` (settings, the reason when not assessed, and every
    replica's settings and process). The level is ``high`` when the verdict's process is reached by at least
    ``settings.high`` of the replicas, no quality gate tripped and the process does not rest on one overlapping
    interface signal (the right branch, whose CT / constriction split is inferred, not fitted - replicas repeat
    the inference and cannot test its premise; on the reduced validation matrix this is where the one wrong "high"
    came from: a mixed cell called charge transfer by 16 of 16 replicas) nor on a premise the replicas cannot test
    (the dominance's ``premise``: one working interface where an element's R trend puts it on the constriction
    side); ``medium`` from ``settings.medium``, else ``low``.
    A process reached by fewer than ``settings.min_probability`` of the replicas is no verdict: the process becomes
    ``undetermined`` (confidence ``low``), with the probabilities in the summary and a conflict. A verdict already
    undetermined for another reason (blocking electrodes, gates) stays so, and its confidence is ``low`` however
    many replicas agree (it names no process to be confident in).

    Parameters
    ----------
    verdict
        The output of :func:`decide` (after :func:`blocking_electrode_verdict`).
    confidence
        The cell's ``confidence.json``; ``None`` leaves the verdict as it is (no replica analysis ran).
    """
    out = dict(verdict)
    if confidence is None:
        return out
    settings = confidence.get("settings") or {}
    replicas = {
        "assessed": bool(confidence.get("assessed")),
        **({"reason": confidence["reason"]} if confidence.get("reason") else {}),
        "settings": settings,
        "runs": list(confidence.get("replicas") or []),
    }
    out["replicas"] = replicas
    if not confidence.get("assessed"):
        out["confidence"] = None
        out["process_probabilities"] = {}
        return out
    probs = {str(k): float(v) for k, v in (confidence.get("process_probabilities") or {}).items()}
    out["process_probabilities"] = probs
    process = str(out.get("dominant_interface_process"))
    p = probs.get(process, 0.0)
    n = len(replicas["runs"])
    share = f"{p:.0%} of {n} perturbed re-runs reach {process}"
    if process != "undetermined" and p < float(settings.get("min_probability", 0.5)):
        others = ", ".join(f"{k} {v:.0%}" for k, v in sorted(probs.items(), key=lambda kv: -kv[1]))
        reason = (
            f"unstable: {share} (below {float(settings.get('min_probability', 0.5)):.0%}; replicas: {others}) - "
            "the data do not decide between the processes"
        )
        out["dominant_interface_process"] = "undetermined"
        out["conflicts"] = [*out.get("conflicts", []), reason]
        out["decision_path"] = [
            *out.get("decision_path", []),
            {"level": "confidence", "choice": "undetermined", "evidence": reason},
        ]
        out["confidence"] = "low"
        out["summary"] = f"Undetermined: {reason}. (Un-perturbed decision: {process}.) " + str(out.get("summary", ""))
        return out
    gated = bool(out.get("gates"))
    # one overlapping interface signal (right branch): how it splits into CT and constriction is inferred from
    # its behaviour (Table 1), never fitted as two elements, and replicas of the same data repeat the same
    # inference - they measure the stability of the decision, not the truth of its premise
    inferred = out.get("branch") == "right" and process != "undetermined"
    # a premise of the deciding rule that replicas of the same data repeat and cannot test (e.g. one interface)
    premise = (out.get("dominance") or {}).get("premise") if process != "undetermined" else None
    if process == "undetermined":
        # no process is named, so there is nothing to be confident in: however many replicas agree that the data
        # do not decide, the level stays low (a "high" beside "undetermined" reads as a trusted answer)
        level = "low"
    elif p >= float(settings.get("high", 0.9)) and not gated and not inferred and not premise:
        level = "high"
    elif p >= float(settings.get("medium", 0.7)):
        level = "medium"
    else:
        level = "low"
    out["confidence"] = level
    why = [
        w
        for w, on in (
            ("quality gates tripped", gated),
            ("one overlapping interface signal", inferred),
            (f"assumes {premise}", bool(premise)),
        )
        if on
    ]
    note = f" Confidence: {level} ({share}" + "".join(f"; {w}" for w in why) + ")."
    out["summary"] = str(out.get("summary", "")) + note
    return out
