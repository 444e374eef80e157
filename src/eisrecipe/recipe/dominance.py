"""Which interface process dominates, from the pressure series, by Table 1 (RECIPE.md Steps 2-6).

The question is answered at the lowest pressure, where the contact is smallest and the two processes differ most:
the charge-transfer resistance R_CT(p_min) against the constriction resistance R_Cstr(p_min), with their errors -
never R_Pol against R_Int - R_Pol (a cell with R_Pol = 40 ohm cm^2 at A = 0.3 has R_CT = 133 ohm cm^2 and is
CT-limited even when R_Int is 150). Rules, first that applies:

1. **SEI-like signal.** An interface track whose tau stays constant and which persists to the highest pressure
   (Step 2: "charge transfer") but whose resistance does not follow the contact - R within ``amplitude_tolerance``
   of its first value while the contact demonstrably changes (a constriction track beside it, any other interface
   track whose R changes beyond that tolerance or rises or falls with pressure by the trend test on its DRT areas
   (:func:`eisrecipe.methods.trends.log_trend`, p < 0.0455: matrix c007, an SEI beside a constriction arc merged
   into the GB peak, which fell 18 -> 14.5 ohm cm^2 over six pressures while the SEI's 13 stayed) - R_CT and R_Cstr
   both follow A - or the sheet's ``contact_fraction`` changing by more than that tolerance) - follows neither
   column of Table 1: charge transfer
   would go as 1/A (or A). It is SEI-like (or a bulk/GB remnant). The verdict then is ``constriction`` only when a
   constriction signal dominates it at the lowest pressure by the dominance ratio, else ``undetermined``; never
   ``charge_transfer`` or ``mixed`` on that signal, and ``sei_suspected`` says why. The fitted R of the element
   holding the track does not overrule the DRT ratio: in perturbed copies of an undeclared SEI cell (matrix c007)
   the fit gave the SEI element a significant fall of 15-20 % with C rising as R fell (the shrinking constriction
   arc beside it leaking in) - Table 1's CT signature - and 10 of 16 copies said charge transfer.
2. **No interface signal left at the highest pressure** (Step 2 ``constriction_dominates``): ``constriction``.
   b. No charge-transfer track, constriction tracks beside undetermined ones (e.g. not shown gone at the highest
      pressure): ``constriction`` when the constriction tracks' DRT peak area at the lowest pressure is ``ratio``
      times that of the undetermined ones, which then cannot dominate even as charge transfer; else on to rule 3.
3. **Left branch** (CT and constriction fitted as separate elements): R_CT and R_Cstr of the lowest-pressure spectrum
   from the joint fit, with their standard errors (with one element per interface track: R_CT of the primary ``ct``
   element alone, R_Cstr the sum of the constriction and undetermined elements, a further CT-like element ``ct2`` ...
   on neither side - it is a finding of its own, see :mod:`eisrecipe.recipe.steps_3_6` - unless the answer changes
   when it joins either side: then its side decides and is not known, undetermined); where the fit pruned one of
   them there (not resolved: R within ``z_crit`` errors of 0), the R and error it had when pruned. When the DRT peak
   areas of the tracks Step 2 classified as charge transfer and as constriction say the opposite at that pressure,
   the elements' identities are in doubt and the process is undetermined.
   With a ``ct`` element and no constriction element, only elements of undetermined behaviour (``int2`` ...: a
   track missing at the highest pressure without evidence that it is gone, e.g. a constriction arc beside a
   CT arc hundreds of times larger there): they are constriction at most, so ``charge_transfer`` when R_CT exceeds
   them all together (``compare``), else undetermined - their identity is unknown - unless their DRT tracks fall
   faster than any CT process at the same contact could (:func:`_falls_faster_than_ct`, asked of those held at the
   lowest pressure, of all where none is): then they are the constriction side and ``compare`` decides as for a
   constriction element. Every undetermined element of the model counts there (:func:`_ct_beside_undetermined`):
   one the fit pruned at the lowest pressure (not resolved there) with the R and error it had when pruned - a
   runaway (infinite error) with its track's DRT peak area there, no error known, and only where the DRT areas'
   own CT-against-rest reading agrees (the refit without it may have given its arc to R_CT); a pruned one of
   unknown identity must not change the answer when moved to the CT side; one neither held nor pruned there (no DRT
   peak there), or a runaway without a peak, leaves the process undetermined.
   With a ``ct`` element beside further CT-like ones (``ct2`` ...: tau constant, Step 2) and neither constriction
   nor undetermined elements: the further ones are the constriction side when their tracks fall faster than any CT
   process at the primary's contact could (:func:`_falls_faster_than_ct`; Table 1 gives every CT process at one
   interface the same A, and R_Cstr -> 0), by a margin of 2 more than for an undetermined element (Step 2 called
   them CT; a small peak's last DRT area may be under-read by that much) - matrix c029, a 3D-network cell whose
   constriction arc kept its tau while its R fell 40-fold beside a CT arc falling 4-fold; otherwise they stay on
   neither side. Both uses of that test rest on one working interface (:data:`ONE_INTERFACE`; two electrodes gaining
   contact at different rates would break it), which the replicas cannot test: the decision carries it as its
   ``premise`` and its confidence is at most ``medium``.
4. **One interface element** whose signal persists at the highest pressure (R_Pol = R_Int(p_max), Step 3):
   a. every interface track at the lowest pressure keeps its tau (Step 2 "charge transfer"; with more than one such
      track the decision carries :data:`ALL_TAU_CONSTANT_ARE_CT` as its premise) and the fitted element's
      tau does not differ from tau_CT beyond its errors either, in any spectrum (Step 5, :func:`eisrecipe.recipe.
      steps_3_6.merged_tau_order`: the DRT's tolerance is tenths of a decade, the fit's a few per cent): Table 1's
      constriction changes tau with A, so the whole interface signal is CT: R_CT(p_min) = R_Int(p_min) - unless a
      constriction track is first seen at a higher pressure, with the evidence of one (at least two points in the
      window, and its tau shifting or its R falling beyond Step 2's tolerances, not only a missing last peak): pores
      close with pressure and R_Cstr grows as the contact shrinks (-> 0 at full contact, Table 1), so that arc
      existed at the lowest pressure - inside its signal or beside it, unresolved - and R_Cstr(p_min) = 0 does not
      hold (matrix c130: R_CT 80 and R_Cstr 61 ohm cm^2 merged there into one tau-constant peak, the constriction
      arc resolved from the third pressure on; the whole 142 had been read as CT). Table 1 gives every CT process
      one contact fraction: where the ratio of the DRT areas of a track here and another charge-transfer track
      changes beyond Steps 1-2's tolerance and trends with pressure (:func:`eisrecipe.recipe.steps_1_2.
      ct_contact_conflicts`) at least one of them holds another process and the process is undetermined (full matrix
      c040, c274: a constriction arc merged into the GB peak, which kept its tau while its area fell towards the
      GB's, read as a second CT signal - mixed cells called CT). c283 is the same with a ratio change of 1.34, below
      that tolerance; there the second signal's fitted capacitance at the highest pressure is grain-boundary-class
      (C x thickness <= :data:`~eisrecipe.recipe.elements.GB_C_MAX_F_CM`) while the primary CT's is an interface one,
      and Table 1's C_CT = C_DL A is an interface capacitance: such a signal is no charge transfer
      (:func:`_geometric_ct_like`), R_CT(p_min) is the primary's alone, and what the other signal holds of R_Cstr
      lies between its fall over the series (R_Cstr -> 0 at full contact, the rest - R_GB - does not depend on
      pressure) and all of its R at p_min: ``compare`` at both ends decides where they agree, else undetermined
      (:func:`_ct_beside_geometric`), with :data:`GB_CLASS_NOT_CT` as the premise (confidence at most ``medium``);
      further CT-like elements of interface-class capacitance stay on the CT side, and without a primary CT element
      held at the lowest pressure R_CT(p_min) is not known: undetermined;
   b. with the sheet's contact fraction A(p_min): R_CT = R_Pol / A (tau_Cstr < tau_CT) and R_Pol A
      (tau_CT < tau_Cstr); R_Cstr = R_Int - R_CT. When the two orders disagree, the order comes from the direction
      in which the interface peak's tau moves towards tau_CT at full contact (rising: the constriction part was
      the faster, tau_Cstr < tau_CT; :func:`eisrecipe.recipe.steps_1_2.moving_peak_order`), else the process is
      undetermined - or from Step 5 (the fitted element's tau against tau_CT, :func:`eisrecipe.recipe.steps_3_6.
      merged_tau_order`) where that tau leaves tau_CT beyond its errors at the lowest pressure as well, where the
      constriction's share is largest; a rising R_Int (Step 5 ``tau_order_from_r_int``: Table 1 lets it rise only
      for tau_CT < tau_Cstr) gives that order too, and no order where it disagrees. The residual risk: a fit bias of
      a few per cent in tau that is significant and one-sided would set a wrong order (not seen on the known-answer
      matrix);
   c. without A, bounds by that order: tau_Cstr < tau_CT gives R_CT(p_min) >= R_Pol, so CT dominates when R_Pol
      alone is ``ratio`` times R_Int(p_min) - R_Pol; tau_CT < tau_Cstr gives R_CT(p_min) <= R_Pol, so constriction
      dominates when R_Int(p_min) - R_Pol is ``ratio`` times R_Pol; otherwise undetermined (A is needed). The CT
      reading needs the signal to follow R_Pol / A: where its DRT peak keeps its R within ``amplitude_tolerance``
      from the lowest to the highest pressure while the fit shows a constriction part (R_Int(p_min) - R_Pol beyond
      ``z_crit`` errors) that vanishes outside that peak (its R at p_min nearer R_Pol than R_Int(p_min):
      :func:`_flat_signal_beside_vanishing_part`), the signal does not respond to the contact change - SEI-like
      (rule 1's reading, with the contact change shown by the fit instead of another track or the sheet):
      ``undetermined`` with ``sei_suspected`` (charge transfer at nearly full contact from the start would look the
      same; the data do not tell them apart). Full matrix: c052, c223, c277, c286 (SEI declared ``stable`` beside a
      shrinking constriction arc merged into the GB peak, the SEI's DRT peak R ratio 0.89-1.00) had been called
      charge transfer.
   d. where the bounds do not decide either: Table 1's constant tau_CT. The lowest-pressure spectrum fitted with the
      interface signal split into a CT element held at the highest pressure's tau and CPE exponent and a constriction
      element on Step 5's side of it, its tau profiled (:mod:`eisrecipe.recipe.interface_split`): ``compare`` at every
      tau_Cstr of the profile's confidence set, a process only where all agree (and the SEI-like reading of c above for
      a CT outcome); ``undetermined`` with ``sei_suspected`` where, at any tau of that set, the tau-constant part keeps
      R_Pol (within ``amplitude_tolerance``) beside a constriction part beyond ``z_crit`` errors (the split's own form
      of c's reading; matrix c115, an SEI beside a constriction arc); not where the split model fits worse than the
      merged element (the premise fails), nor where a constriction track emerged at a higher pressure; the decision
      carries :data:`SPLIT_FULL_CONTACT` as its premise (confidence at most ``medium``). Full matrix
      before it: 9 of the 33 CT-limited cells with tau_CT < tau_Cstr ended here, undetermined for want of a contact
      fraction.
5. Anything else: undetermined.

Comparison with errors (:func:`compare`): ``charge_transfer`` when R_CT exceeds ``ratio`` x R_Cstr by more than
``z_crit`` combined standard errors, ``constriction`` the other way round, ``mixed`` when each is within ``ratio``
of the other beyond the errors, ``undetermined`` when the errors straddle a boundary. Resistances read from DRT
peaks (rule 1, 4a) carry no error; that is said in the rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from eisrecipe.recipe.contact import ct_resistance
from eisrecipe.recipe.elements import CSTR, CT, GB_C_MAX_F_CM, INT, family, is_interface
from eisrecipe.recipe.findings import NotApplicable
from eisrecipe.recipe.interface_split import InterfaceSplit
from eisrecipe.recipe.steps_1_2 import InterfaceTrackFinding, Steps12Finding, keeps_r, moving_peak_order
from eisrecipe.recipe.steps_3_6 import Steps36Finding
from eisrecipe.serialize import finite, optional

__all__ = ["Dominance", "compare", "constriction_side", "interface_resistance", "pressure_dominance", "sei_like_tracks"]


def _summed(values: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """(sum of R, its standard error from the errors in quadrature) in ohm cm^2, or None for no values. A term
    without a known error (NaN, e.g. a DRT peak area) adds none, but the others' errors stay; all NaN: NaN."""
    if not values:
        return None
    known = [se for _, se in values if not math.isnan(se)]
    err = float(math.sqrt(sum(se * se for se in known))) if known else math.nan
    return float(sum(r for r, _ in values)), err


def interface_resistance(lowest: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """R_Int = the sum of every interface element (with its error) of a spectrum: ``int`` itself in the one-element
    model, else ``ct`` + ``cstr`` + the numbered elements (``ct2``, ``cstr2``, ``int2`` ...), ohm cm^2."""
    if INT in lowest:
        return lowest[INT]
    return _summed([v for n, v in lowest.items() if is_interface(n)])


def constriction_side(lowest: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """R_Cstr of a model with one element per interface track: the constriction elements (``cstr``, ``cstr2`` ...)
    and those of undetermined behaviour (``int2`` ...: Step 2 did not find them tau-constant, i.e. not CT), with
    the error in quadrature; further CT-like elements (``ct2`` ...) count on neither side. None without any."""
    return _summed([v for n, v in lowest.items() if family(n) == CSTR or (family(n) == INT and n != INT)])


@dataclass(frozen=True)
class Dominance:
    """The dominant interface process from the pressure series and the numbers behind it (ohm cm^2).

    Attributes
    ----------
    process
        ``constriction``, ``charge_transfer``, ``mixed`` or ``undetermined``.
    rule
        Which rule of the module docstring decided, in words.
    r_ct_ohm_cm2, r_ct_stderr_ohm_cm2, r_cstr_ohm_cm2, r_cstr_stderr_ohm_cm2
        R_CT and R_Cstr at the lowest pressure as compared (None where the rule needs none).
    ct_share
        R_CT / (R_CT + R_Cstr) at the lowest pressure.
    sei_suspected
        Why an SEI-like signal is suspected, or None.
    premise
        An assumption the decision rests on that perturbed re-runs of the same data cannot test (the verdict's
        confidence is then at most ``medium``), or None.
    basis
        Where the deciding numbers come from: ``"series fit"`` (Step 4), ``"series fit and Step 3"`` (R_Pol too),
        ``"drt"`` (Step 2 tracks), None for no numbers. A quality gate on that source makes the process
        undetermined (:func:`eisrecipe.recipe.verdict.decide`).
    """

    process: str
    rule: str
    r_ct_ohm_cm2: float | None = optional()
    r_ct_stderr_ohm_cm2: float | None = optional()
    r_cstr_ohm_cm2: float | None = optional()
    r_cstr_stderr_ohm_cm2: float | None = optional()
    ct_share: float | None = optional()
    sei_suspected: str | None = optional()
    basis: str | None = optional()
    premise: str | None = optional()

    @classmethod
    def of_pair(
        cls,
        process: str,
        rule: str,
        ct: tuple[float, float],
        cstr: tuple[float, float],
        basis: str | None = None,
        premise: str | None = None,
    ) -> Dominance:
        """A decision from R_CT and R_Cstr at the lowest pressure, each (R, stderr) in ohm cm^2 (stderr NaN: none
        known), with the CT share they give."""
        return cls(process, rule, ct[0], ct[1], cstr[0], cstr[1], _share(ct[0], cstr[0]), basis=basis, premise=premise)


def compare(ct: float, ct_err: float, cstr: float, cstr_err: float, ratio: float, z_crit: float) -> str:
    """The dominant process from R_CT and R_Cstr (ohm cm^2) with their standard errors (NaN: none known; infinite:
    a degenerate direction of the fit, which decides nothing)."""
    if math.isinf(ct_err) or math.isinf(cstr_err):
        return "undetermined"
    e_ct = ct_err if math.isfinite(ct_err) else 0.0
    e_cs = cstr_err if math.isfinite(cstr_err) else 0.0
    ct_margin = (ct - ratio * cstr) / max(math.hypot(e_ct, ratio * e_cs), 1e-300)
    cs_margin = (cstr - ratio * ct) / max(math.hypot(e_cs, ratio * e_ct), 1e-300)
    if ct_margin > z_crit:
        return "charge_transfer"
    if cs_margin > z_crit:
        return "constriction"
    if ct_margin < -z_crit and cs_margin < -z_crit:
        return "mixed"
    return "undetermined"


def _geometric_ct_like(
    s36: Steps36Finding | None, further_ct: Mapping[str, tuple[float, float]]
) -> dict[str, tuple[float, float, float, float]] | None:
    """The further CT-like elements (Step 2: tau constant) whose capacitance is not an interface one while the
    primary CT's is.

    Table 1 gives a charge-transfer element C_CT = C_DL A (or C_DL / A), an interface capacitance: its C x thickness
    lies above :data:`~eisrecipe.recipe.elements.GB_C_MAX_F_CM` (Irvine's classes), as the primary CT's does. A
    tau-constant signal whose C x thickness at the highest pressure holding it is grain-boundary-class or geometric
    is not charge transfer by Table 1: a GB peak with a constriction arc merged into it (whose capacitance is the
    electrolyte's too) keeps its tau within the DRT's tolerance while its R falls towards R_GB (full matrix c283:
    such a signal, fitted 212 -> 104 ohm cm^2 over the series beside R_GB = 104, was counted as charge transfer and
    a mixed cell called charge transfer).

    Parameters
    ----------
    s36
        The Steps 3-6 finding (its ``interface_elements`` carry ``c_highest_f_cm``).
    further_ct
        The further CT-like elements held at the lowest pressure: name -> (R, standard error), ohm cm^2.

    Returns
    -------
    dict or None
        Name -> (R and its standard error at the lowest pressure, R at the highest pressure holding it, all in ohm
        cm^2, and its C x thickness there in F/cm) for each such element; None where there is none, where the
        primary CT's capacitance is not interface-class or not known.
    """
    if s36 is None or not s36.interface_elements or not further_ct:
        return None
    by_name = {e.element: e for e in s36.interface_elements}
    primary = by_name.get(CT)
    if primary is None or not (primary.c_highest_f_cm is not None and primary.c_highest_f_cm > GB_C_MAX_F_CM):
        return None
    out = {}
    for name, (r, err) in sorted(further_ct.items()):
        e = by_name.get(name)
        if e is None or e.c_highest_f_cm is None or e.r_highest_ohm_cm2 is None:
            continue
        if e.c_highest_f_cm <= GB_C_MAX_F_CM:
            out[name] = (r, err, e.r_highest_ohm_cm2, e.c_highest_f_cm)
    return out or None


GB_CLASS_NOT_CT = (
    "a tau-constant signal with a grain-boundary-class capacitance holds no charge transfer, and what of it does not "
    "fall with pressure is microstructure (e.g. the GB with a constriction arc merged into its peak)"
)


def _ct_beside_geometric(
    ct_side: Sequence[tuple[float, float]],
    geometric: Mapping[str, tuple[float, float, float, float]],
    *,
    ratio: float,
    z_crit: float,
) -> Dominance:
    """Table 1's comparison at the lowest pressure where tau-constant signals beside the primary CT have a
    non-interface capacitance (:func:`_geometric_ct_like`).

    R_CT(p_min) is the primary's with any further CT-like element of interface-class (or unknown) capacitance; what
    the geometric signals hold of R_Cstr(p_min) lies between their fall from the lowest to the highest pressure
    holding them (R_Cstr -> 0 at full contact; the rest, e.g. R_GB, does not depend on pressure) and their whole R
    at the lowest pressure. The decision is the process :func:`compare` gives at both ends, else undetermined; it
    carries :data:`GB_CLASS_NOT_CT` as its premise. The lower end carries the error of R(p_min) only (the fit's error
    of R at the highest pressure and its correlations are not kept): it is judged a little too sharply.

    Parameters
    ----------
    ct_side
        (R, standard error) of each element on the charge-transfer side at the lowest pressure, ohm cm^2.
    geometric
        :func:`_geometric_ct_like`'s result.
    ratio, z_crit
        As in :func:`compare`.
    """
    ct = _summed(list(ct_side))
    assert ct is not None
    upper = _summed([(v[0], v[1]) for v in geometric.values()])
    assert upper is not None
    lower = sum(max(v[0] - v[2], 0.0) for v in geometric.values())
    at_upper = compare(ct[0], ct[1], upper[0], upper[1], ratio, z_crit)
    at_lower = compare(ct[0], ct[1], lower, upper[1], ratio, z_crit)
    names = ", ".join(
        f"{n} (C x thickness {v[3]:.2g} F/cm at the highest pressure holding it, R {v[0]:.3g} -> {v[2]:.3g} ohm cm^2)"
        for n, v in geometric.items()
    )
    rule = (
        f"every interface signal at the lowest pressure keeps its tau, but {names} "
        f"{'has a' if len(geometric) == 1 else 'have'} grain-boundary-class capacitance (<= {GB_C_MAX_F_CM:g} F/cm) "
        "where the primary CT's is an interface one: not charge transfer by Table 1 (C_CT = C_DL A). "
        f"R_CT(p_min) = {ct[0]:.3g} ohm cm^2 against R_Cstr(p_min) between {lower:.3g} (the fall over the series: "
        f"R_Cstr -> 0 at full contact) and {upper[0]:.3g} ohm cm^2 (all of it): {at_lower} and {at_upper}"
    )
    if at_upper == at_lower and at_upper != "undetermined":
        return Dominance.of_pair(at_upper, rule, ct, (lower, upper[1]), basis="series fit", premise=GB_CLASS_NOT_CT)
    return Dominance("undetermined", rule + " - the two ends disagree")


def _emerged_constriction(t: InterfaceTrackFinding, amplitude_tolerance: float) -> bool:
    """A constriction track first resolved above the lowest pressure, with evidence of its own (rule 4a): two or more
    in-window points and a tau shift beyond its tolerance or an R fall beyond ``amplitude_tolerance`` - not only a
    peak missing at the highest pressure."""
    if t.present_at_lowest or t.behaviour != "constriction" or t.n_in_window < 2:
        return False
    shifts = abs(t.tau_trend_decades) > t.tau_tol_decades
    falls = math.isfinite(t.r_ratio) and t.r_ratio < 1.0 - amplitude_tolerance
    return shifts or falls


def _flat_signal_beside_vanishing_part(
    s12: Steps12Finding, r_pol: float, rest: float, rest_err: float, z_crit: float, amplitude_tolerance: float
) -> str | None:
    """Rule 4c: why the single interface signal is SEI-like, or None. It is when the signal is present from the
    lowest to the highest pressure with its DRT peak R within ``amplitude_tolerance``, the fit's R_Int(p_min) - R_Pol
    (``rest`` +- ``rest_err``, ohm cm^2) is beyond ``z_crit`` errors, and that vanishing part is not in the signal's
    peak: its R at the lowest pressure is nearer R_Pol than R_Int(p_min) (the part sits in another peak - the GB's,
    in the matrix cells - or is unresolved). A peak holding it (R near R_Int(p_min)) is the overlapping CT +
    constriction signal of the right branch, which Table 1's bounds read."""
    at_hi = [t for t in s12.interface_tracks if t.present_at_highest]
    if len(at_hi) != 1 or not at_hi[0].present_at_lowest:
        return None
    t = at_hi[0]
    err = rest_err if math.isfinite(rest_err) else 0.0
    if not keeps_r(t.r_ratio, amplitude_tolerance) or rest <= z_crit * err or rest <= 0:
        return None
    if not (math.isfinite(t.r_first_ohm_cm2) and t.r_first_ohm_cm2 < r_pol + rest / 2):
        return None
    return (
        f"track {t.track} (R ratio {t.r_ratio:.2f}, {t.r_first_ohm_cm2:.3g} ohm cm^2 of DRT peak area at the lowest "
        f"pressure, R_Pol {r_pol:.3g}) keeps tau and R while a constriction part of R_Int ({rest:.3g} ohm cm^2 there) "
        "vanishes outside it: charge transfer would follow R_Pol / A - SEI-like"
    )


def _share(ct: float, cstr: float) -> float | None:
    return ct / (ct + cstr) if ct + cstr > 0 else None


def _contact_fractions(s36: Steps36Finding | None) -> dict[str, float]:
    """Spectrum -> the sheet's contact fraction, as Steps 5-6 recorded it."""
    out: dict[str, float] = {}
    if s36 is None:
        return out
    for row in (s36.step5.ct_share if s36.step5 is not None and s36.step5.ct_share else ()) or ():
        if finite(row.contact_fraction) is not None:
            out[row.spectrum] = float(row.contact_fraction)  # type: ignore[arg-type]
    for area in (s36.step6.contact_area if s36.step6 is not None and s36.step6.contact_area else ()) or ():
        if finite(area.contact_fraction) is not None:
            out[area.spectrum] = float(area.contact_fraction)  # type: ignore[arg-type]
    return out


def sei_like_tracks(
    s12: Steps12Finding,
    contact: Mapping[str, float],
    amplitude_tolerance: float,
    beside_gb: InterfaceTrackFinding | None = None,
) -> list[InterfaceTrackFinding]:
    """Interface tracks that keep tau and R while the contact changes (module docstring, rule 1).

    Parameters
    ----------
    s12
        Steps 1-2.
    contact
        Spectrum -> the sheet's contact fraction (may be empty).
    amplitude_tolerance
        Largest relative change of R (either way) that counts as unchanged; also the smallest relative change of
        the sheet's contact fraction that counts as a change (Steps 1-2 ``amplitude_fall_min``, 0.3).
    beside_gb
        Step 2 on the interface element Step 4 found inside the GB's DRT peak (``Steps36Finding.fit_signal``), where
        it is no track of Steps 1-2: a changing one is evidence of a changing contact as another track's is (the
        full matrix's c178, an undeclared SEI whose constriction arc crosses tau_GB, when Step 4 was tried adding the
        element beside single-int models: it held 69 ohm cm^2 at the lowest pressure and was gone from the fit at the
        highest while the SEI track kept its R - without this rule the cell was called charge transfer).
    """

    def flat(t: InterfaceTrackFinding) -> bool:
        return keeps_r(t.r_ratio, amplitude_tolerance)

    def trends(t: InterfaceTrackFinding) -> bool:
        # the candidate itself is judged flat by the tolerance only, not by its own trend test: the DRT area of an
        # SEI beside a shrinking constriction arc falls by a "significant" 1.4 % (matrix c043, areas 521 -> 514 ohm
        # cm^2), and excluding such candidates called that SEI charge transfer. The price: two CT signals falling
        # together by less than the tolerance, each with a significant trend, are read SEI-like (undetermined)
        return t.r_trend in ("rising", "falling")

    def changes(t: InterfaceTrackFinding) -> bool:
        # constriction, any interface signal whose R moves beyond the tolerance or rises or falls with pressure by
        # the trend test (R_CT = R_Pol/A or R_Pol A and R_Cstr both follow the contact), or one seen at the lowest
        # pressure and not at the highest (e.g. a shrinking constriction arc too small to be shown gone there, left
        # undetermined by Step 2)
        return (
            t.behaviour == "constriction"
            or (math.isfinite(t.r_ratio) and not flat(t))
            or trends(t)
            or (t.present_at_lowest and not t.present_at_highest)
        )

    a = [v for v in contact.values() if v > 0]
    sheet_changes = bool(a) and min(a) / max(a) < 1.0 - amplitude_tolerance
    others = list(s12.interface_tracks)
    if beside_gb is not None and all(o.track != beside_gb.track for o in others):
        others.append(beside_gb)
    return [
        t
        for t in s12.interface_tracks
        if t.behaviour == "charge_transfer"
        and t.present_at_highest
        and t.n_in_window >= 2  # one point keeps "R" trivially: it was not seen while the contact changed
        and flat(t)
        and (sheet_changes or any(changes(o) for o in others if o.track != t.track))
    ]


def _drt_split(
    s12: Steps12Finding, ratio: float, ct_tracks: Sequence[int] | None = None
) -> tuple[str, float, float] | None:
    """The dominant process by the DRT peak areas at the lowest pressure of the tracks Step 2 classified as charge
    transfer and as constriction (no errors known), with the two sums in ohm cm^2; None when neither kind has a
    peak there. A kind without a peak at the lowest pressure counts 0: a fit element that the DRT does not see
    there cannot be the larger one. ``ct_tracks``: the tracks of the fitted CT element (the primary CT track; a
    further CT-like track is its own element, compared with neither side), else every charge-transfer track."""
    low = [t for t in s12.interface_tracks if t.present_at_lowest and math.isfinite(t.r_first_ohm_cm2)]
    ct = sum(
        t.r_first_ohm_cm2
        for t in low
        if t.behaviour == "charge_transfer" and (ct_tracks is None or int(t.track) in ct_tracks)
    )
    cstr = sum(t.r_first_ohm_cm2 for t in low if t.behaviour == "constriction")
    if ct <= 0 and cstr <= 0:
        return None
    return compare(ct, math.nan, cstr, math.nan, ratio, 0.0), ct, cstr


def _pruned_at_lowest(s36: Steps36Finding | None, element: str) -> tuple[float, float] | None:
    """(R, stderr) in ohm cm^2 of ``element`` where the series fit pruned it from the lowest-pressure spectrum."""
    if s36 is None or s36.pruned is None or not s36.pressure_order:
        return None
    for p in s36.pruned.series:
        if p.spectrum == s36.pressure_order[0] and p.element == element:
            err = finite(p.r_stderr_ohm_cm2)  # an infinite error (a degenerate direction) reads back as None
            return float(p.r_ohm_cm2), math.inf if err is None else float(err)
    return None


def _drt_area_at_lowest(s12: Steps12Finding, s36: Steps36Finding | None, element: str) -> float | None:
    """The summed DRT peak area (ohm cm^2) at the lowest pressure of the tracks the series fit gave ``element``;
    None when none of them has a peak there."""
    tracks = set((s36.assignment or {}).get(element, [])) if s36 is not None else set()
    present = [t for t in s12.interface_tracks if t.track in tracks and t.present_at_lowest]
    # every peak there must be measured: finite, and the track seen inside the window (else its area is a tail's)
    if not present or any(not math.isfinite(t.r_first_ohm_cm2) or t.n_in_window == 0 for t in present):
        return None
    return float(sum(t.r_first_ohm_cm2 for t in present))


#: the premise of :func:`_falls_faster_than_ct`, which the replicas cannot test (:attr:`Dominance.premise`)
ONE_INTERFACE = (
    "one working interface: every charge-transfer process there follows the same contact fraction A (Table 1); "
    "two electrodes gaining contact at different rates would break it"
)


#: the premise of rule 4d (:attr:`Dominance.premise`): what the split holds is the CT arc alone only at full contact
SPLIT_FULL_CONTACT = (
    "the highest pressure reaches full contact: its one interface signal is the CT arc alone, whose tau and CPE "
    "exponent the split of the lowest-pressure signal holds (Table 1: CT keeps its tau); a constriction part still "
    "left there would shift them and be counted as CT (an independent review: 13 % left moved a 60/40 cell to "
    "charge transfer)"
)


#: the premise of rule 4a with two or more tau-constant signals at the lowest pressure (:attr:`Dominance.premise`):
#: Table 1 has one CT process per interface, and a constriction arc merged with a neighbouring peak moves that
#: peak's tau by less than the DRT tolerance - the replicas repeat the same reading and cannot test it (full
#: matrix: c274 and c283, mixed cells called CT with confidence high; right in 3 of the 7 cells decided so)
ALL_TAU_CONSTANT_ARE_CT = (
    "every tau-constant interface signal is charge transfer: with more than one, a constriction arc merged into a "
    "neighbouring peak (e.g. the GB) would move that peak's tau by less than the DRT resolves"
)


def _falls_faster_than_ct(
    s12: Steps12Finding, s36: Steps36Finding | None, names: Sequence[str], tolerance: float, margin: float = 1.0
) -> str | None:
    """Why elements of undetermined behaviour (or further CT-like ones, with ``margin``) cannot be charge transfer
    at the primary CT track's contact, or None where that is not shown.

    The primary CT track's R changes over the series as the contact does (Table 1: R_CT = R_Pol A or R_Pol / A),
    by the factor rho (last over first R of its DRT track), which must leave 1 by ``tolerance`` (a contact that
    demonstrably changes; without that, no constriction either). A CT-like process at the same interface changes by
    the same factor or its inverse over the same spectra; a track whose R falls below (1 - ``tolerance``) x
    min(rho_s, 1 / rho_s) of its first value, with rho_s the primary's change between the first and last spectra
    in which both are seen (the whole series' rho where they share fewer than two), falls faster than any of them
    could, and an SEI-like one does not fall at all: it is constriction (Table 1: R_Cstr -> 0 at full contact).
    Comparing over the same spectra matters where the track is seen at the first pressures only: full matrix c158,
    a constriction arc falling 28 -> 13 ohm cm^2 over the first two pressures, over which the primary (R_Pol A,
    rho 1.73 over the series) rose by 1.24 - a CT process there would have changed by 1.24 or 1 / 1.24. Over such a
    span the primary's own change may lie within the tolerance (1.24 does): the contact change is shown by the
    whole series, and the limit over the span is at most 1 - ``tolerance`` - a fall the DRT's area noise alone does
    not give, for CT or for an SEI - so a track falling faster there follows the contact more steeply than CT can,
    which leaves constriction; the evidence is then its few DRT areas over that span. Every track
    of every element in ``names`` must show it (an element without an assigned track shows nothing). ``margin``
    (<= 1) multiplies the limit where stronger evidence is asked for. The premise is :data:`ONE_INTERFACE`.
    """
    assignment = (s36.assignment or {}) if s36 is not None else {}
    by_track = {t.track: t for t in s12.interface_tracks}
    primary = [by_track.get(i) for i in assignment.get(CT, [])]
    if len(primary) != 1 or primary[0] is None or not (math.isfinite(primary[0].r_ratio) and primary[0].r_ratio > 0):
        return None
    rho = primary[0].r_ratio
    if keeps_r(rho, tolerance):  # the CT track shows no contact change: no constriction
        return None
    if any(not assignment.get(n) for n in names):
        return None
    tracks = [by_track.get(i) for n in names for i in assignment.get(n, [])]
    if not tracks:
        return None
    shown = []
    for t in tracks:
        if t is None:
            return None
        own, span = _ratios_over_common_spectra(t, primary[0]) or (t.r_ratio, rho)
        limit = (1.0 - tolerance) * min(span, 1.0 / span) * margin
        if not (math.isfinite(own) and own < limit):
            return None
        shown.append(f"track {t.track} R ratio {own:.2f} < {limit:.2g} (the primary's change there {span:.2f})")
    scaled = "" if margin == 1.0 else f" x {margin:g}"
    return (
        f"{', '.join(shown)}, the limit (1 - {tolerance:g}) x min(rho_s, 1/rho_s){scaled} with rho_s the primary CT "
        f"track's change over the same spectra (over the series {rho:.2f}): they fall faster than a CT process at "
        "the same contact could"
    )


def _ratios_over_common_spectra(t: InterfaceTrackFinding, primary: InterfaceTrackFinding) -> tuple[float, float] | None:
    """(``t``'s R ratio, the primary's R ratio) between the first and last series steps in which both have a DRT
    peak with a finite positive area; None where they share fewer than two such steps."""

    def usable(points: Sequence[tuple[int, float]]) -> dict[int, float]:
        # an area read back from JSON may be None (a non-finite number when written)
        return {int(k): float(r) for k, r in points if r is not None and math.isfinite(r) and r > 0}

    ours, theirs = usable(t.r_by_step), usable(primary.r_by_step)
    common = sorted(set(ours) & set(theirs))
    if len(common) < 2:
        return None
    k0, k1 = common[0], common[-1]
    return ours[k1] / ours[k0], theirs[k1] / theirs[k0]


def _constriction_outweighs_undetermined(s12: Steps12Finding, ratio: float, z_crit: float) -> Dominance | None:
    """Rule 2b: no charge-transfer track, constriction tracks beside tracks of undetermined behaviour (missing at the
    highest pressure without evidence that they are gone, or of no clear trend). The undetermined ones could be
    charge transfer; when the constriction tracks' DRT peak area at the lowest pressure is ``ratio`` times theirs
    (:func:`compare`, areas without errors) constriction dominates whatever they are. An undetermined track not seen
    at the lowest pressure has no size there: no decision. None when the rule does not apply or does not decide."""
    relevant = [t for t in s12.interface_tracks if t.present_at_lowest or t.present_at_highest]
    unknown = [t for t in relevant if t.behaviour == "undetermined"]
    cstr = [t for t in relevant if t.behaviour == "constriction" and t.present_at_lowest]
    if not unknown or not cstr or any(t.behaviour == "charge_transfer" for t in relevant):
        return None
    if any(not t.present_at_lowest for t in unknown):
        return None
    r_cstr = sum(t.r_first_ohm_cm2 for t in cstr)
    r_unknown = sum(t.r_first_ohm_cm2 for t in unknown)
    if not (math.isfinite(r_cstr) and math.isfinite(r_unknown) and r_cstr > 0):
        return None
    if compare(r_unknown, math.nan, r_cstr, math.nan, ratio, z_crit) != "constriction":
        return None
    names = ", ".join(str(t.track) for t in unknown)
    return Dominance.of_pair(
        "constriction",
        f"the constriction tracks carry {r_cstr:.3g} ohm cm^2 of DRT peak area at the lowest pressure, >= {ratio:g} x "
        f"the {r_unknown:.3g} of the undetermined track(s) {names}: constriction dominates even if those were charge "
        "transfer",
        (r_unknown, math.nan),
        (r_cstr, math.nan),
        basis="drt",
    )


def _ct_beside_undetermined(
    s12: Steps12Finding,
    s36: Steps36Finding | None,
    lowest: Mapping[str, tuple[float, float]],
    ct: tuple[float, float],
    names: Sequence[str],
    *,
    ratio: float,
    z_crit: float,
    tolerance: float,
) -> Dominance:
    """Rule 3, a ``ct`` element beside elements of undetermined behaviour only (module docstring).

    Every undetermined element of the model counts at the lowest pressure: held there with its fitted R; pruned
    there (not resolved) with the R and error it had when pruned - a runaway (infinite error) with its DRT track's
    peak area there instead, when the DRT's own CT-against-rest reading agrees; one that is neither (no DRT peak
    there, never in that spectrum's model) leaves the process undetermined, as does a runaway without a peak. They
    are the constriction side when the held ones (all of them, where none is held) fall faster than any CT process
    at that contact could (:func:`_falls_faster_than_ct`); a pruned element of unknown identity must then not change
    the answer when put on the CT side instead.
    """
    held = [n for n in names if n in lowest]
    values: dict[str, tuple[float, float]] = {n: lowest[n] for n in held}
    notes: list[str] = []
    runaway = False  # one of them sized by its DRT peak area
    for n in names:
        if n in values:
            continue
        dropped = _pruned_at_lowest(s36, n)
        if dropped is None:
            return Dominance(
                "undetermined",
                f"the element of undetermined behaviour {n} is not in the lowest-pressure model (no DRT peak there): "
                "what it holds there is not known - a constriction arc may sit under the CT peak (left branch)",
            )
        if math.isinf(dropped[1]):
            # a runaway (R to infinity: a degenerate direction) says nothing of its size; its DRT peak area there does
            area = _drt_area_at_lowest(s12, s36, n)
            if area is None:
                return Dominance(
                    "undetermined",
                    f"the element of undetermined behaviour {n} was pruned at the lowest pressure as a runaway (R = "
                    f"{dropped[0]:.3g} +- inf) and its DRT track has no peak there to size it (left branch)",
                )
            dropped = (area, math.nan)
            runaway = True
            notes.append(
                f"{n} pruned at the lowest pressure as a runaway: its DRT peak area {area:.3g} ohm cm^2 counts"
            )
        else:
            notes.append(f"{n} pruned at the lowest pressure (not resolved): R = {dropped[0]:.3g} +- {dropped[1]:.2g}")
        values[n] = dropped
    pruned = [n for n in names if n not in held]
    unknown = _summed(list(values.values()))
    assert unknown is not None  # names is not empty
    unresolved = ("; " + "; ".join(notes)) if notes else ""
    process = compare(ct[0], ct[1], unknown[0], unknown[1], ratio, z_crit)
    label = ", ".join(names)
    if runaway:
        drt = _drt_split_with(s12, s36, names, ratio)
        if drt is not None and drt[0] != process:
            return Dominance.of_pair(
                "undetermined",
                f"R_CT ({ct[0]:.3g}) against the element(s) of undetermined behaviour ({label}: {unknown[0]:.3g} "
                f"ohm cm^2) says {process}, their DRT peak areas at the lowest pressure ({drt[1]:.3g} against "
                f"{drt[2]:.3g}) say {drt[0]}: the refit without the runaway may have given its arc to R_CT "
                f"(left branch){unresolved}",
                ct,
                unknown,
            )
    faster = _falls_faster_than_ct(s12, s36, held or list(names), tolerance)
    if faster is not None:
        if held and pruned:
            # a pruned element of unknown identity must not decide: the answer with it on the CT side instead
            moved = _summed([values[n] for n in pruned])
            rest = _summed([values[n] for n in held])
            assert moved is not None and rest is not None
            other = compare(
                ct[0] + moved[0], math.hypot(ct[1], finite(moved[1]) or 0.0), rest[0], rest[1], ratio, z_crit
            )
            if other != process:
                return Dominance.of_pair(
                    "undetermined",
                    f"R_CT against the element(s) of undetermined behaviour ({label}) at the lowest pressure: "
                    f"{process} with the pruned one(s) ({', '.join(pruned)}) on the constriction side, {other} "
                    f"with them on the CT side - what they are is not known (left branch){unresolved}",
                    ct,
                    unknown,
                )
        return Dominance.of_pair(
            process,
            f"R_CT and the element(s) of undetermined behaviour ({label}) at the lowest pressure, the latter on "
            f"the constriction side: {faster} (left branch){unresolved}",
            ct,
            unknown,
            basis="series fit",
            premise=ONE_INTERFACE,
        )
    if process == "charge_transfer":
        return Dominance.of_pair(
            process,
            f"R_CT of the lowest-pressure spectrum dominates the interface element(s) of undetermined behaviour "
            f"({label}), constriction at most (left branch){unresolved}",
            ct,
            unknown,
            basis="series fit",
        )
    return Dominance.of_pair(
        "undetermined",
        f"R_CT ({ct[0]:.3g} ohm cm^2) does not dominate the interface element(s) of undetermined behaviour "
        f"({label}: {unknown[0]:.3g} ohm cm^2) at the lowest pressure, and what they are is not known{unresolved}",
        ct,
        unknown,
    )


def _drt_split_with(
    s12: Steps12Finding, s36: Steps36Finding | None, names: Sequence[str], ratio: float
) -> tuple[str, float, float] | None:
    """The dominant process by DRT peak areas at the lowest pressure (no errors): the primary CT track's against
    the tracks of the elements ``names``; None when either has no peak there."""
    ct = _drt_area_at_lowest(s12, s36, CT)
    areas = [_drt_area_at_lowest(s12, s36, n) for n in names]
    rest = sum(a for a in areas if a is not None)
    if ct is None or rest <= 0:
        return None
    return compare(ct, math.nan, rest, math.nan, ratio, 0.0), ct, rest


def _flat_ct(flat: str) -> Dominance:
    """Rule 4c's SEI-like reading of a CT outcome (module docstring)."""
    return Dominance(
        "undetermined",
        "the one interface signal keeps its R while a constriction part of R_Int vanishes: it does not follow "
        "R_Pol / A (Table 1 CT) - SEI-like, or charge transfer at nearly full contact from the start",
        sei_suspected=flat,
    )


def _split_flat_part(split: InterfaceSplit, r_pol: float, z_crit: float, amplitude_tolerance: float) -> str | None:
    """Rule 4d's SEI-like reading (rule 4c's, with the split's numbers), or None: at some tau_Cstr of the profile's
    confidence set the tau-constant part keeps R_Pol (R_CT(p_min) / R_Pol within ``amplitude_tolerance``, as a DRT
    track that keeps its R) while the constriction part beside it is beyond ``z_crit`` errors. Charge transfer would
    follow R_Pol A or R_Pol / A while the contact changes (full matrix c115: an SEI of 32.9 ohm cm^2 beside a
    constriction arc of 29.7 at the lowest pressure, split as 29.1 and 34.1 - "mixed" without this reading)."""
    if not split.applies or not (r_pol > 0):
        return None
    for p in split.points:
        if p.degenerate:
            continue
        keeps = keeps_r(p.r_ct_ohm_cm2 / r_pol, amplitude_tolerance)
        err = p.r_cstr_stderr_ohm_cm2 if math.isfinite(p.r_cstr_stderr_ohm_cm2) else math.inf
        if keeps and p.r_cstr_ohm_cm2 > z_crit * err:
            return (
                f"split at tau_Cstr {p.tau_cstr_s:.3g} s: the tau-constant part keeps R_Pol (R_CT {p.r_ct_ohm_cm2:.3g} "
                f"against R_Pol {r_pol:.3g} ohm cm^2) beside a constriction part of {p.r_cstr_ohm_cm2:.3g} +- "
                f"{p.r_cstr_stderr_ohm_cm2:.2g} that vanishes at full contact: charge transfer would follow R_Pol A or "
                "R_Pol / A - SEI-like"
            )
    return None


def _split_decision(
    split: InterfaceSplit, ratio: float, z_crit: float
) -> tuple[str, str, tuple[float, float], tuple[float, float]] | None:
    """Rule 4d: the Table 1 split (:mod:`eisrecipe.recipe.interface_split`) decides by ``compare`` at every tau_Cstr of
    the profile's confidence set; a process only where all of them reach it. Returns (process, rule, (R_CT, err),
    (R_Cstr, err) of the best fit) or None."""
    points, best = split.table1_points, split.best_table1_point  # Table 1's direction of R_CT (interface_split)
    if best is None or any(p.degenerate for p in points):  # a tau where R_CT or R_Cstr is not determined
        return None
    reached = {
        compare(p.r_ct_ohm_cm2, p.r_ct_stderr_ohm_cm2, p.r_cstr_ohm_cm2, p.r_cstr_stderr_ohm_cm2, ratio, z_crit)
        for p in points
    }
    if len(reached) != 1 or "undetermined" in reached:
        return None
    taus = [p.tau_cstr_s for p in points]
    left_out = len(split.points) - len(points)
    contradicting = (
        f"; {left_out} tau_Cstr of the confidence set left out: their R_CT lies on the other side of R_Pol "
        f"({split.r_pol_ohm_cm2:.3g} ohm cm^2) than Table 1 allows"
        if left_out
        else ""
    )
    side = "above" if split.order == "ct_faster" else "below"
    rule = (
        f"one overlapping interface signal split by Table 1's constant tau_CT: the lowest-pressure spectrum fitted "
        f"with a CT element held at the highest pressure's tau ({split.tau_ct_s:.3g} s) and CPE exponent "
        f"({split.alpha_ct:.3g}) and a constriction element {side} it (Step 5's order) gives R_CT = "
        f"{best.r_ct_ohm_cm2:.3g} +- {best.r_ct_stderr_ohm_cm2:.2g} and R_Cstr = {best.r_cstr_ohm_cm2:.3g} +- "
        f"{best.r_cstr_stderr_ohm_cm2:.2g} ohm cm^2 (best tau_Cstr {best.tau_cstr_s:.3g} s); the same comparison at "
        f"every tau_Cstr the spectrum allows ({len(taus)} of the profile, {min(taus):.3g} .. {max(taus):.3g} s)"
        + contradicting
    )
    ct = (best.r_ct_ohm_cm2, best.r_ct_stderr_ohm_cm2)
    cstr = (best.r_cstr_ohm_cm2, best.r_cstr_stderr_ohm_cm2)
    return reached.pop(), rule, ct, cstr


def pressure_dominance(
    s12: Steps12Finding | NotApplicable,
    s36: Steps36Finding | None,
    lowest: Mapping[str, tuple[float, float]],
    *,
    ratio: float,
    z_crit: float,
    amplitude_tolerance: float,
) -> Dominance:
    """The dominant process from the pressure series (module docstring).

    Parameters
    ----------
    s12, s36
        The findings of Steps 1-2 and 3-6.
    lowest
        Element -> (R, stderr) in ohm cm^2 of the lowest-pressure spectrum of the joint fit.
    ratio
        Dominance ratio (config ``verdict.dominance_ratio``).
    z_crit
        Standard errors that make a difference significant.
    amplitude_tolerance
        See :func:`sei_like_tracks`.
    """
    if isinstance(s12, NotApplicable):
        return Dominance("undetermined", f"no pressure evidence: {s12.reason}")
    contact = _contact_fractions(s36)
    sei = sei_like_tracks(s12, contact, amplitude_tolerance, beside_gb=s36.fit_signal if s36 is not None else None)
    if sei:
        names = ", ".join(f"track {t.track} (R ratio {t.r_ratio:.2f})" for t in sei)
        why = (
            f"{names} keeps tau and R while the contact changes: neither charge transfer (R ~ 1/A or A) nor "
            "constriction (Table 1) - SEI-like"
        )
        r_sei = sum(t.r_first_ohm_cm2 for t in sei if math.isfinite(t.r_first_ohm_cm2))
        r_cstr = sum(
            t.r_first_ohm_cm2
            for t in s12.interface_tracks
            if t.behaviour == "constriction" and t.present_at_lowest and math.isfinite(t.r_first_ohm_cm2)
        )
        if r_cstr > 0 and r_cstr >= ratio * r_sei:
            return Dominance(
                "constriction",
                f"constriction signals ({r_cstr:.3g} ohm cm^2 of DRT peak area at the lowest pressure) dominate the "
                f"SEI-like one ({r_sei:.3g})",
                r_cstr_ohm_cm2=r_cstr,
                sei_suspected=why,
            )
        return Dominance("undetermined", "an SEI-like signal carries the interface resistance", sei_suspected=why)
    if s12.conclusion == "constriction_dominates":
        return Dominance("constriction", "no interface signal left at the highest pressure (Step 2)", basis="drt")
    outweighed = _constriction_outweighs_undetermined(s12, ratio, z_crit)
    if outweighed is not None:
        return outweighed
    model = set(s36.step4.elements) if s36 is not None and s36.step4 is not None else set()
    # the fitted pair needs a constriction element in the model (undetermined elements join its side, never form it)
    ct, cstr = lowest.get(CT), constriction_side(lowest) if CSTR in model or not model else None
    r_int = lowest.get(INT) if INT in model or not model else interface_resistance(lowest)
    further_ct = {n: v for n, v in lowest.items() if family(n) == CT and n != CT}
    unresolved = ""
    if {"ct", "cstr"} <= model and (ct is None) != (cstr is None):
        # one of the pair was pruned at the lowest pressure (R within z_crit errors of 0): its R and error as the fit
        # left them say how small it is - e.g. R_CT = R_Pol A at low contact in the tau_CT < tau_Cstr order
        missing = "ct" if ct is None else "cstr"
        dropped = _pruned_at_lowest(s36, missing)
        if dropped is not None:
            ct, cstr = (dropped, cstr) if missing == "ct" else (ct, dropped)
            unresolved = f"; {missing.upper()} not resolved there (pruned: R = {dropped[0]:.3g} +- {dropped[1]:.2g})"
    undetermined_names = sorted(n for n in model if family(n) == INT and n != INT)
    if ct is not None and cstr is None and CT in model and CSTR not in model and undetermined_names:
        return _ct_beside_undetermined(
            s12, s36, lowest, ct, undetermined_names, ratio=ratio, z_crit=z_crit, tolerance=amplitude_tolerance
        )
    if ct is not None and cstr is None and CSTR not in model and further_ct:
        # Step 2 called them charge transfer (constant tau): moved only on stronger evidence than an undetermined
        # element - a fall beyond the primary's by more than the DRT's under-read of a small peak's last area (up to
        # 2x: a sub-threshold arc's DRT area was 0.47 of its R, tests/test_peak_significance.py)
        faster = _falls_faster_than_ct(s12, s36, sorted(further_ct), tolerance=amplitude_tolerance, margin=0.5)
        if faster is not None:
            side = _summed(list(further_ct.values()))
            assert side is not None
            return Dominance.of_pair(
                compare(ct[0], ct[1], side[0], side[1], ratio, z_crit),
                f"R_CT and the further CT-like element(s) ({', '.join(sorted(further_ct))}) at the lowest pressure, "
                f"the latter on the constriction side: {faster}. Step 2 read them as charge transfer by their "
                "constant tau; their R trend overrides that by Table 1 (every CT process at one interface follows "
                "the same A, R_Cstr falls to 0) (left branch)",
                ct,
                side,
                basis="series fit",
                premise=ONE_INTERFACE,
            )
    if ct is not None and cstr is not None:
        process = compare(ct[0], ct[1], cstr[0], cstr[1], ratio, z_crit)
        primary = (s36.assignment or {}).get(CT) if s36 is not None else None
        drt = _drt_split(s12, ratio, primary)
        if further_ct:
            named = ", ".join(f"{n} R = {v[0]:.3g}" for n, v in further_ct.items())
            with_ct = _summed([ct, *further_ct.values()])
            with_cstr = _summed([cstr, *further_ct.values()])
            assert with_ct is not None and with_cstr is not None
            on_ct = compare(with_ct[0], with_ct[1], cstr[0], cstr[1], ratio, z_crit)
            on_cstr = compare(ct[0], ct[1], with_cstr[0], with_cstr[1], ratio, z_crit)
            if {on_ct, on_cstr} != {process}:
                # a tau-constant signal large enough to decide the answer, whose side is not known (Table 1: CT or,
                # not following A, SEI-like; matrix c235: the primary pruned at 6.7, ct2 352 beside R_Cstr 99)
                return Dominance.of_pair(
                    "undetermined",
                    f"R_CT ({ct[0]:.3g}) and R_Cstr ({cstr[0]:.3g} ohm cm^2) at the lowest pressure give {process}, "
                    f"but the further CT-like element(s) beside them ({named}) decide the answer by their side - with "
                    f"R_CT {on_ct}, with R_Cstr {on_cstr} - and which side they belong to is not known" + unresolved,
                    ct,
                    cstr,
                )
            unresolved += "; further CT-like element(s) counted on neither side (on either, the same answer): " + named
        if drt is not None and {process, drt[0]} == {"charge_transfer", "constriction"}:
            return Dominance.of_pair(
                "undetermined",
                f"the fit (R_CT {ct[0]:.3g}, R_Cstr {cstr[0]:.3g} ohm cm^2) and the DRT tracks (charge-transfer "
                f"{drt[1]:.3g}, constriction {drt[2]:.3g} ohm cm^2 of peak area) disagree at the lowest pressure: "
                "the elements' identities are not certain" + unresolved,
                ct,
                cstr,
            )
        return Dominance.of_pair(
            process,
            "R_CT and R_Cstr of the lowest-pressure spectrum, fitted as separate elements (left branch)" + unresolved,
            ct,
            cstr,
            basis="series fit",
        )
    step3 = s36.step3 if s36 is not None else None
    r_pol = finite(step3.r_pol_ohm_cm2) if step3 is not None and step3.resolved else None
    if s12.conclusion != "charge_transfer_present":
        return Dominance(
            "undetermined",
            "no charge-transfer signal at the highest pressure to give R_Pol, and constriction not established by "
            f"Step 2 (its conclusion: {s12.conclusion})",
        )
    if r_pol is None:
        return Dominance(
            "undetermined",
            "Step 3 gives no R_Pol (its fit failed or was gated, or holds no resolved CT element), so Table 1 cannot "
            "be applied at the lowest pressure",
        )
    if r_int is None:
        return Dominance("undetermined", "no interface element in the lowest-pressure fit to compare R_Pol with")
    s5 = s36.step5 if s36 is not None else None
    merged = s5.tau_order_from_merged if s5 is not None else None
    low = [t for t in s12.interface_tracks if t.present_at_lowest]
    emerged = [t for t in s12.interface_tracks if _emerged_constriction(t, amplitude_tolerance)]
    if low and all(t.behaviour == "charge_transfer" for t in low) and merged in (None, "undetermined") and not emerged:
        ids = {t.track for t in low}
        # a conflict with a track first seen later counts too: either of the two may be the one that is not CT
        conflicts = [c.reason for c in s12.ct_contact_conflicts if {c.track_a, c.track_b} & ids]
        if conflicts:
            return Dominance(
                "undetermined",
                "every interface signal at the lowest pressure keeps its tau, but they do not all follow one contact "
                "fraction - "
                + "; ".join(conflicts)
                + ": which of them is charge transfer, and so R_CT(p_min), is not known",
            )
        geometric = _geometric_ct_like(s36, further_ct)
        if geometric is not None:
            if ct is None:
                return Dominance(
                    "undetermined",
                    f"every interface signal at the lowest pressure keeps its tau, but {', '.join(geometric)} has a "
                    "grain-boundary-class capacitance (not charge transfer by Table 1) and the primary CT element is "
                    "not held there: R_CT(p_min) is not known",
                )
            rest = [v for n, v in further_ct.items() if n not in geometric]
            return _ct_beside_geometric([ct, *rest], geometric, ratio=ratio, z_crit=z_crit)
        return Dominance(
            "charge_transfer",
            "every interface signal at the lowest pressure keeps its tau (Table 1: constriction would move it): "
            "R_CT(p_min) = R_Int(p_min)",
            r_int[0],
            r_int[1],
            0.0,
            math.nan,
            1.0,
            basis="series fit",
            premise=ALL_TAU_CONSTANT_ARE_CT if len(low) > 1 else None,
        )
    # the order of rules b-c: Step 5's where the fitted element's tau leaves tau_CT beyond the errors at the lowest
    # pressure too (where the constriction's share is largest), else the DRT peak's movement
    z_low = s5.tau_shift_z_lowest if s5 is not None else None
    at_lowest = z_low is not None and abs(z_low) > z_crit
    order = s5.tau_order if at_lowest and merged in ("ct_faster", "cstr_faster") else moving_peak_order(s12)  # type: ignore[union-attr]
    # a rising R_Int (Step 5) says tau_CT < tau_Cstr as well; disagreeing with the order above, there is none
    from_r_int = s5.tau_order_from_r_int if s5 is not None else None
    if from_r_int is not None:
        order = from_r_int if order in (None, from_r_int) else None
    p_min_spectrum = s36.pressure_order[0] if s36 is not None and s36.pressure_order else None
    a_min = contact.get(p_min_spectrum) if p_min_spectrum is not None else None
    if a_min is not None:
        verdicts = {}
        for o in ("cstr_faster", "ct_faster"):
            r_ct = ct_resistance(r_pol, a_min, o)  # type: ignore[arg-type]
            verdicts[o] = (compare(r_ct, math.nan, max(r_int[0] - r_ct, 0.0), r_int[1], ratio, z_crit), r_ct)
        if verdicts["cstr_faster"][0] == verdicts["ct_faster"][0] or order is not None:
            use = order or "cstr_faster"
            process, r_ct = verdicts[use]
            r_cs = max(r_int[0] - r_ct, 0.0)
            return Dominance.of_pair(
                process,
                f"Table 1 with the sheet's A = {a_min:.3g} at the lowest pressure: R_CT = "
                f"{'R_Pol / A' if use == 'cstr_faster' else 'R_Pol A'} = {r_ct:.3g}, R_Cstr = R_Int - R_CT"
                + ("" if order else " (both tau orders agree)"),
                (r_ct, math.nan),
                (r_cs, r_int[1]),
                basis="series fit and Step 3",
            )
        return Dominance(
            "undetermined", "Table 1 gives different answers for the two tau orders and the order is not known"
        )
    rest = max(r_int[0] - r_pol, 0.0)  # R_Int(p_min) - R_Pol
    bounds = {
        "cstr_faster": (
            r_pol >= ratio * rest,
            "charge_transfer",
            "tau_Cstr < tau_CT (the interface peak moves up to tau_CT): R_CT(p_min) = R_Pol / A >= R_Pol, which "
            "alone dominates R_Int - R_Pol",
        ),
        "ct_faster": (
            rest >= ratio * r_pol,
            "constriction",
            "tau_CT < tau_Cstr (the interface peak moves down to tau_CT): R_CT(p_min) = R_Pol A <= R_Pol, "
            "dominated by R_Int - R_Pol",
        ),
    }
    if order is not None and bounds[order][0]:
        _, process, rule = bounds[order]
        flat = _flat_signal_beside_vanishing_part(s12, r_pol, rest, r_int[1], z_crit, amplitude_tolerance)
        if process == "charge_transfer" and flat is not None:
            return _flat_ct(flat)
        return Dominance(process, rule, r_pol, math.nan, rest, r_int[1], basis="series fit and Step 3")
    split = s5.interface_split if s5 is not None else None
    if split is not None and not emerged:
        flat_part = _split_flat_part(split, r_pol, z_crit, amplitude_tolerance)
        if flat_part is not None:
            return Dominance(
                "undetermined",
                "the one interface signal split by Table 1's constant tau_CT: its tau-constant part keeps R_Pol while "
                "a constriction part beside it vanishes - SEI-like, or charge transfer at nearly full contact from the "
                "start",
                sei_suspected=flat_part,
            )
    decided = _split_decision(split, ratio, z_crit) if split is not None and not emerged else None
    if decided is not None:
        process, rule, ct_pair, cstr_pair = decided
        flat = _flat_signal_beside_vanishing_part(s12, r_pol, rest, r_int[1], z_crit, amplitude_tolerance)
        if process == "charge_transfer" and flat is not None:
            return _flat_ct(flat)
        return Dominance.of_pair(
            process,
            rule,
            ct_pair,
            cstr_pair,
            basis="Table 1 split of the lowest-pressure fit",
            premise=SPLIT_FULL_CONTACT,
        )
    hidden = (
        f" (constriction track(s) {', '.join(str(t.track) for t in emerged)}, first resolved at a higher pressure, "
        "existed at the lowest one as well: R_Cstr(p_min) > 0 there)"
        if emerged
        else ""
    )
    if split is not None and split.points and not split.table1_points:
        hidden += (
            f"; the Table 1 split gives R_CT(p_min) on the other side of R_Pol ({split.r_pol_ohm_cm2:.3g} ohm cm^2) "
            "than Table 1 allows for Step 5's order at every tau_Cstr the spectrum allows"
        )
    return Dominance(
        "undetermined",
        "one overlapping interface signal: R_CT(p_min) = R_Pol / A or R_Pol A needs the contact fraction "
        "(sample sheet contact_fraction) - the bounds do not decide" + hidden,
    )
