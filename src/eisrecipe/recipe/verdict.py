"""Step 7 findings and the per-cell verdict: the decision tree of RECIPE.md over the evidence of Steps 1-7.

The verdict answers "what limits this interface?" with one of ``constriction``, ``charge_transfer``, ``mixed``,
``sei`` or ``undetermined`` and lists, for every step, its finding, whether it supports the verdict, contradicts
it or does not apply, and the numbers behind it. Nothing is resolved silently: a step that disagrees with the
verdict is listed in ``conflicts``.

Decision tree (RECIPE.md, Figure 2), level 1 (chemical stability) comes from the sample sheet or the config
(``interface: stable | sei | unknown``). For ``sei`` the verdict is the SEI branch with its evidence (the Step 1-7
verdict does not apply). For ``stable`` and ``unknown`` (the latter is said in the verdict) Steps 1-7 decide:

1. Pressure evidence (Steps 2-5) comes first, because it is the recipe's primary route:
   - Step 2 found no interface signal left at the highest pressure -> ``constriction``;
   - an interface signal persists (charge transfer present): its share of the interface resistance at the lowest
     pressure decides - ``charge_transfer`` when R_CT >= ``dominance_ratio`` x R_Cstr (left branch; right branch:
     R_Pol vs R_Int(lowest) - R_Pol), ``constriction`` when the reverse holds, ``mixed`` in between.
2. Step 7 classifies the interface's activation energy: close to Ea,Bulk (within ``z_crit`` combined standard
   errors, or nearer Ea,Bulk than Ea,GB) -> constriction-like; at or above Ea,GB (within ``z_crit``) ->
   charge-transfer-like; in between -> intermediate (a weighted mixture). Without pressure evidence it decides
   alone (said in the summary); with it, it supports or contradicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from eisrecipe.recipe.elements import INTERFACE

__all__ = ["VerdictSettings", "decide", "step7_findings"]

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
    """

    interface: str = "stable"
    dominance_ratio: float = 2.0
    negligible_ratio: float = 0.1
    z_crit: float = 2.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> VerdictSettings:
        """Build from the ``verdict`` config section."""
        return cls(**dict(config or {}))


def _lowest_ct_share(s5: Mapping[str, Any]) -> dict[str, float] | None:
    """Step 5's R_CT upper bound at the lowest pressure with a contact fraction (None when there is none)."""
    rows = [
        r
        for r in s5.get("ct_share") or []
        if _num(r.get("r_ct_upper_bound_ohm_cm2")) is not None and _num(r.get("ct_share_upper_bound")) is not None
    ]
    if not rows:
        return None
    low = min(rows, key=lambda r: _num(r.get("pressure_mpa")) or math.inf)
    keys = ("r_ct_upper_bound_ohm_cm2", "ct_share_upper_bound", "contact_fraction", "pressure_mpa")
    return {k: float(low[k]) for k in keys}


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _step(step: str, title: str, finding: str, support: Support, **numbers: Any) -> dict[str, Any]:
    return {"step": step, "title": title, "finding": finding, "support": support, "numbers": numbers}


def step7_findings(ea: Mapping[str, Mapping[str, Any]], z_crit: float = 2.0) -> dict[str, Any]:
    """Classify the interface activation energy and check the expected order (RECIPE.md Step 7).

    Parameters
    ----------
    ea
        Element name -> ``{"ea_ev": ..., "ea_stderr_ev": ...}`` (eV).
    z_crit
        Combined standard errors within which two activation energies count as equal.

    Returns
    -------
    dict
        ``applies``, ``interface_element``, ``classification`` (``constriction_like``, ``charge_transfer_like``,
        ``intermediate`` or ``undetermined``), ``order_checks`` and a ``finding`` sentence.
    """

    def get(name: str) -> tuple[float, float] | None:
        row = ea.get(name)
        if not row:
            return None
        v, e = _num(row.get("ea_ev")), _num(row.get("ea_stderr_ev"))
        return None if v is None else (v, e if e is not None else math.inf)

    bulk, gb = get("bulk"), get("gb")
    iface_name = next((n for n in INTERFACE if get(n) is not None), None)
    out: dict[str, Any] = {"applies": bool(ea), "interface_element": iface_name, "order_checks": {}}
    if not ea:
        out.update(classification="undetermined", finding="no temperature series: Step 7 does not apply")
        return out

    def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return abs(a[0] - b[0]) <= z_crit * math.hypot(a[1], b[1])

    checks: dict[str, Any] = {}
    if bulk and gb:
        checks["ea_bulk_below_ea_gb"] = bool(bulk[0] < gb[0] or close(bulk, gb))
    ct = get("ct")
    if gb and ct:
        checks["ea_gb_at_most_ea_ct"] = bool(gb[0] <= ct[0] or close(gb, ct))
    micro = [x for x in (bulk, gb, ct) if x]
    cstr = get("cstr") or get("int")
    if cstr and len(micro) >= 2:
        lo, hi = min(m[0] for m in micro), max(m[0] for m in micro)
        checks["ea_interface_within_microscopic_range"] = bool(
            lo - z_crit * cstr[1] <= cstr[0] <= hi + z_crit * cstr[1]
        )
    out["order_checks"] = checks
    iface = get(iface_name) if iface_name else None
    if iface is None:
        out.update(classification="undetermined", finding="no interface element in the temperature series")
        return out
    if iface_name == "ct":
        out.update(classification="charge_transfer_like", finding="the interface element is the CT element itself")
        return out
    text = f"Ea,{iface_name} = {iface[0]:.3f} +- {iface[1]:.3f} eV"
    if bulk and gb:
        if close(iface, gb) or iface[0] >= gb[0]:
            cls = "charge_transfer_like"
            why = f"at or above Ea,GB = {gb[0]:.3f} eV"
        elif close(iface, bulk) or abs(iface[0] - bulk[0]) < abs(iface[0] - gb[0]):
            cls = "constriction_like"
            why = f"close to Ea,Bulk = {bulk[0]:.3f} eV (Ea,GB = {gb[0]:.3f} eV)"
        else:
            cls = "intermediate"
            why = f"between Ea,Bulk = {bulk[0]:.3f} and Ea,GB = {gb[0]:.3f} eV, nearer GB"
    elif bulk:
        cls = "constriction_like" if close(iface, bulk) else "undetermined"
        why = f"{'close to' if cls == 'constriction_like' else 'not close to'} Ea,Bulk = {bulk[0]:.3f} eV; no GB"
    else:
        cls, why = "undetermined", "no bulk activation energy to compare with"
    out.update(classification=cls, finding=f"{text}, {why}{_ea_source(ea)}")
    return out


def _ea_source(ea: Mapping[str, Mapping[str, Any]]) -> str:
    """Which fit gave the activation energies (rows' ``ea_method``, set by :func:`eisrecipe.stages.verdict.step7_rows`);
    empty when the rows do not say."""
    methods = {str(n): str(r["ea_method"]) for n, r in ea.items() if r.get("ea_method")}
    if not methods:
        return ""
    if set(methods.values()) == {"joint"}:
        return " (Ea from the joint Arrhenius fit of all temperature spectra)"
    if set(methods.values()) == {"two-stage"}:
        return " (Ea from the two-stage fit: per-spectrum fits, then ln(T/R) on 1/T; no usable joint fit)"
    joint = ", ".join(n for n, m in methods.items() if m == "joint")
    two = ", ".join(n for n, m in methods.items() if m != "joint")
    return f" (Ea of {joint} from the joint Arrhenius fit, of {two} from the two-stage fit)"


_STEP7_TO_PROCESS = {
    "constriction_like": "constriction",
    "charge_transfer_like": "charge_transfer",
    "intermediate": "mixed",
}


def _pressure_evidence(
    s12: Mapping[str, Any], s36: Mapping[str, Any], lowest: Mapping[str, float], settings: VerdictSettings
) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """Steps 1-6: (process from the pressure series, step entries, extras for the verdict)."""
    steps: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"branch": "none", "tau_order": None, "r_pol": None, "contact_area": []}
    if not s12 or s12.get("applies") is False:
        reason = (s12 or {}).get("reason") or "no pressure series"
        for k, title in [("1", "DRT signals"), ("2", "pressure behaviour"), ("3", "R_Pol, C_DL")]:
            steps.append(_step(k, title, reason, "not_applicable"))
        for k, title in [("4", "series fit"), ("5", "order of time constants"), ("6", "contact area")]:
            steps.append(_step(k, title, reason, "not_applicable"))
        return "undetermined", steps, extra
    branch = str(s12.get("branch", "none"))
    extra["branch"] = branch
    tracks = s12.get("interface_tracks") or []
    steps.append(
        _step(
            "1",
            "DRT signals",
            f"{s12.get('n_signals_pristine')} signals in the pristine DRT, {s12.get('n_interface_pristine')} from "
            f"the interface: {branch} branch",
            "supports",
            n_signals=s12.get("n_signals_pristine"),
            n_interface=s12.get("n_interface_pristine"),
            bulk_gb=s12.get("bulk_gb"),
        )
    )
    conclusion = str(s12.get("conclusion", "undetermined"))
    behaviours = [f"track {t.get('track')}: {t.get('behaviour')} ({t.get('reason')})" for t in tracks]
    step2_text = "; ".join(behaviours) or "no interface track"
    step2_text += f" -> {conclusion.replace('_', ' ')}"
    stable = s12.get("bulk_gb_stable") or {}
    if stable and not all(stable.values()):
        step2_text += f"; bulk/GB not pressure-independent: {stable}"
    step2 = _step("2", "pressure behaviour", step2_text, "supports", conclusion=conclusion, tracks=tracks)
    steps.append(step2)

    s3 = (s36 or {}).get("step3") or {}
    s5 = (s36 or {}).get("step5") or {}
    s4 = (s36 or {}).get("step4") or {}
    s6 = (s36 or {}).get("step6") or {}
    r_pol = _num(s3.get("r_pol_ohm_cm2"))
    bound = _num(s3.get("r_pol_upper_bound_ohm_cm2"))
    if r_pol is not None:
        extra["r_pol"] = {"value_ohm_cm2": r_pol, "stderr_ohm_cm2": _num(s3.get("r_pol_stderr_ohm_cm2"))}
    elif bound is not None:
        extra["r_pol"] = {"upper_bound_ohm_cm2": bound, "bound_rule": s3.get("bound_rule")}
        low_share = _lowest_ct_share(s5)
        if low_share is not None:
            extra["r_pol"].update(
                r_ct_upper_bound_lowest_pressure_ohm_cm2=low_share["r_ct_upper_bound_ohm_cm2"],
                lowest_pressure_mpa=low_share["pressure_mpa"],
                contact_fraction_lowest_pressure=low_share["contact_fraction"],
            )

    # interface resistances at the lowest pressure (where constriction contributes most), from the series fit
    r_ct_low, r_cstr_low = _num(lowest.get("ct")), _num(lowest.get("cstr"))
    r_low = _num(lowest.get("int"))
    if r_low is None and r_ct_low is not None and r_cstr_low is not None:
        r_low = r_ct_low + r_cstr_low

    process = "undetermined"
    numbers: dict[str, Any] = {"r_pol": extra["r_pol"], "r_int_lowest_pressure_ohm_cm2": r_low}
    if conclusion == "constriction_dominates":
        process = "constriction"
    elif conclusion == "charge_transfer_present":
        if r_ct_low is not None and r_cstr_low is not None:
            numbers.update(r_ct_lowest_ohm_cm2=r_ct_low, r_cstr_lowest_ohm_cm2=r_cstr_low)
            ct_part, cstr_part = r_ct_low, r_cstr_low
        elif r_pol is not None and r_low is not None:
            ct_part, cstr_part = r_pol, max(r_low - r_pol, 0.0)
            numbers.update(r_cstr_estimate_ohm_cm2=cstr_part)
        else:
            ct_part = cstr_part = None
        if ct_part is not None and cstr_part is not None:
            if ct_part >= settings.dominance_ratio * cstr_part:
                process = "charge_transfer"
            elif cstr_part >= settings.dominance_ratio * ct_part:
                process = "constriction"
            else:
                process = "mixed"
    # Step 3
    if r_pol is not None:
        text = f"R_Pol = {r_pol:.4g} +- {(_num(s3.get('r_pol_stderr_ohm_cm2')) or math.nan):.2g} ohm cm^2"
        c_dl = _num(s3.get("c_dl_f_cm2"))
        if c_dl is not None:
            text += f", C_DL = {c_dl:.3g} F/cm^2"
        text += f" from the highest-pressure spectrum ({s3.get('spectrum')})"
        share = r_pol / r_low if r_low else None
        sup: Support = "inconclusive"
        if share is not None:
            text += f"; R_Pol / R_Int(lowest p) = {share:.2g}"
            ct_claim = share >= 1 / (1 + settings.dominance_ratio)
            sup = "supports" if (process == "charge_transfer") == ct_claim else "contradicts"
            if process == "mixed":
                sup = "supports"
        steps.append(_step("3", "R_Pol, C_DL", text, sup, **{k: s3.get(k) for k in s3 if k != "flags"}))
    elif bound is not None:
        ratio = bound / r_low if r_low else None
        text = f"no interface signal at the highest pressure: R_Pol <= {bound:.3g} ohm cm^2 ({s3.get('bound_rule')})"
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
                detection_limit=s3.get("detection_limit"),
            )
        )
    else:
        steps.append(_step("3", "R_Pol, C_DL", "Step 3 did not run", "not_applicable"))
    # Step 4
    if s4:
        worst = max((_num(v) or 0.0 for v in (s4.get("max_rel_residual") or {}).values()), default=math.nan)
        ok = bool(s4.get("fit_ok"))
        text = f"{s4.get('model')}: fit {'converged' if ok else 'flagged'}"
        if s4.get("flags"):
            text += f" ({'; '.join(map(str, s4['flags']))})"
        text += f", largest relative residual {100 * worst:.2g} %"
        steps.append(
            _step(
                "4",
                "series fit",
                text,
                "supports" if ok else "inconclusive",
                reduced_chi2=s4.get("reduced_chi2"),
                max_rel_residual=s4.get("max_rel_residual"),
            )
        )
    else:
        steps.append(_step("4", "series fit", "no series fit", "not_applicable"))
    # Step 5
    if "tau_order_from_fits" in s5:
        order_fit, order_drt = s5.get("tau_order_from_fits"), s5.get("tau_order_from_drt")
        agreement = s5.get("agreement")
        extra["tau_order"] = order_fit if order_fit != "undetermined" else order_drt
        sup = "supports" if agreement == "agree" else "contradicts" if agreement == "conflict" else "inconclusive"
        text = f"R_CT(p), C_CT(p) trends give {order_fit}; DRT order {order_drt}: {agreement}"
        steps.append(
            _step(
                "5",
                "order of time constants",
                text,
                sup,
                r_ct_trend=s5.get("r_ct_trend"),
                c_ct_trend=s5.get("c_ct_trend"),
            )
        )
    elif "r_int_trend" in s5:
        tr = s5["r_int_trend"]
        direction = tr.get("direction")
        text = (
            f"R_Int falls with pressure (log-log slope {tr.get('slope', math.nan):.3g} +- "
            f"{tr.get('slope_stderr', math.nan):.2g})"
            if direction == "falling"
            else f"R_Int trend with pressure: {direction}"
        )
        if direction == "falling":
            sup = "supports" if process in ("constriction", "mixed") else "contradicts"
            text += ": contact grows and constriction shrinks"
        elif direction in ("flat", "none"):
            sup = "supports" if process == "charge_transfer" else "inconclusive"
        else:
            sup = "inconclusive"
        steps.append(
            _step("5", "trend of the interface resistance", text, sup, r_int_trend=tr, ct_share=s5.get("ct_share"))
        )
    else:
        steps.append(_step("5", "order of time constants", s5.get("note", "no interface element"), "not_applicable"))
    # Step 6
    if s6.get("applies"):
        rows = s6.get("contact_area") or []
        extra["contact_area"] = [
            {
                "spectrum": r.get("spectrum"),
                "pressure_mpa": r.get("pressure_mpa"),
                "value": r.get("value"),
                "stderr": r.get("stderr"),
            }
            for r in rows
        ]
        compared = [r for r in rows if "agrees_with_structure" in r]
        if compared:
            agree = all(r["agrees_with_structure"] for r in compared)
            sup = "supports" if agree else "contradicts"
            text = f"A(p) from Table 1 {'agrees' if agree else 'disagrees'} with the structural contact fraction"
        else:
            sup, text = "inconclusive", "A(p) from Table 1 (no structural data to compare)"
        text += ": " + ", ".join(
            f"{r.get('pressure_mpa'):g} MPa {100 * (_num(r.get('value')) or math.nan):.3g} %" for r in rows
        )
        steps.append(_step("6", "contact area", text, sup, contact_area=rows))
    else:
        steps.append(_step("6", "contact area", str(s6.get("reason", "does not apply")), "not_applicable"))
    steps[1]["support"] = "supports" if process != "undetermined" else "inconclusive"
    steps[1]["numbers"].update(numbers)
    return process, steps, extra


def decide(
    cell: str,
    validation: Mapping[str, Any],
    steps12: Mapping[str, Any] | None,
    steps36: Mapping[str, Any] | None,
    arrhenius_rows: Sequence[Mapping[str, Any]],
    settings: VerdictSettings,
    interface: str | None = None,
    lowest_pressure_r: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The verdict of one cell (see module docstring and DESIGN.md ``verdict.json``).

    Parameters
    ----------
    cell
        Cell name.
    validation
        The cell's ``validation.json``.
    steps12
        The ``steps_1_2`` entry of ``steps12.json`` (or ``{"applies": False, "reason": ...}``).
    steps36
        The cell's ``steps36.json``.
    arrhenius_rows
        Rows of ``arrhenius.csv`` (``element``, ``ea_ev``, ``ea_stderr_ev``, ``n_points`` ...).
    settings
        Options.
    interface
        Chemical stability from the sample sheet (overrides ``settings.interface``).
    lowest_pressure_r
        Element name -> fitted resistance (ohm cm^2) in the lowest-pressure spectrum of the joint series fit.
    """
    stability = (interface or settings.interface or "unknown").strip().lower()
    process_p, steps, extra = _pressure_evidence(steps12 or {}, steps36 or {}, lowest_pressure_r or {}, settings)
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
    kk = _step("kk", "data quality (Kramers-Kronig, cropping)", kk_text, "not_applicable", kept_window_hz=windows)

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
        persist = bool((steps12 or {}).get("interface_at_highest"))
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
        step7_process = _STEP7_TO_PROCESS.get(s7["classification"])
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
        contact = "ideal" if dominant == "charge_transfer" else "non-ideal" if dominant != "undetermined" else "?"
        decision_path.append(
            {
                "level": "contact",
                "choice": contact,
                "evidence": f"{branch} branch; {steps[1]['finding']}" if branch != "none" else "no pressure series",
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
        if stability != "stable":
            summary += " Chemical stability was not given; the verdict assumes a stable interface."

    return {
        "cell": cell,
        "dominant_interface_process": dominant,
        "branch": branch,
        "interface_stability": stability,
        "tau_order": extra["tau_order"],
        "summary": summary,
        "decision_path": decision_path,
        "r_pol": extra["r_pol"],
        "contact_area": extra["contact_area"],
        "activation_energies": ea_table,
        "steps": [kk, *steps],
        "conflicts": conflicts,
        "excluded_spectra": excluded,
    }
