"""Known-answer cells of the validation matrix (issue 15): Table 1 equivalent circuits and 3D-network cells.

Every cell is a pressure series of a metal | solid-electrolyte | metal cell whose working-electrode interface is
known exactly. Circuit cells are series RC elements (area-specific, ohm cm^2 and F cm^-2):

- bulk (R_Bulk = L / sigma, C_Bulk = eps0 eps_r / L for a pellet of thickness L ~ 0.06 cm, so tau_Bulk ~ 1e-8 s and
  the bulk arc lies partly or wholly above the window, as in the case study) and grain boundary (R_GB, C_GB);
- charge transfer by Table 1 of Eckhardt et al. 2023: tau_Cstr < tau_CT (``cstr_faster``): R_CT = R_Pol / A,
  C_CT = C_DL A; tau_CT < tau_Cstr (``ct_faster``): R_CT = R_Pol A, C_CT = C_DL / A; tau_CT = R_Pol C_DL in both;
- geometric constriction: R_Cstr(A) = R_c (1 - sqrt A)^1.5 / sqrt A (spreading resistance of contact spots of
  radius ~ sqrt A, -> 0 at A = 1, -> inf at A -> 0) and C_Cstr(A) = C_p / (1 - A) (-> C_Pore at A = 0, -> inf at
  A = 1), so tau_Cstr falls continuously with A and the element is absent at full contact;
- SEI: a pressure-independent (R_SEI, C_SEI) element beside a constriction element (the contact still changes).

A(p) rises from A(p_min) in 0.1-0.7 to 1 at the highest pressure (the recipe's premise for Step 3). The dominant
process is decided by Table 1 at the lowest pressure: R_CT(p_min) against R_Cstr(p_min). The classes draw
R_CT/R_Cstr(p_min) in [3, 300] (charge transfer), [1/300, 1/3] (constriction) or [0.7, 1.4] (mixed), so a class
is unambiguous by a margin around the factor 2 a reader would call dominant.

Nuisances: complex Gaussian noise 0.1-1 % of |Z| per part, lead inductance, a drift of the DC resistance growing
with the square of the elapsed sweep time (real, so it violates Kramers-Kronig at the lowest frequencies, measured
last), windows with f_max 0.5-7 MHz and f_min 0.01-1 Hz, uneven points per decade (5-15, drawn per decade) and
electrode areas 0.2-2 cm^2.

Identifiability (decided a priori from physics, never from the pipeline's answer; written into every truth):

- the clean window is the written window down to the lowest frequency where the drift's change over the decade
  above a point stays below one noise standard deviation there (a constant offset is KK-consistent);
- an element is *visible* at a pressure when its characteristic frequency 1/(2 pi tau) lies in the clean window
  and its arc's peak height R/2 is at least 3 noise standard deviations there (R/2 >= 3 noise_rel |Z(f_i)|);
- the verdict is identifiable when the element(s) that decide it are visible: the dominant one at p_min
  (charge transfer or constriction), both at p_min (mixed), the CT element also at p_max (R_Pol of Step 3); for SEI
  the SEI element, and - when the sheet does not declare it - a visible contact change (the constriction element
  at p_min, or the sheet's contact_fraction), since a pressure-independent arc alone looks like CT at full contact;
- the tau order is scored where CT and constriction are both visible at p_min; A(p) where the CT element is visible
  at that pressure and at p_max; R_GB where the GB arc is visible; R_Bulk where the GB arc's frequency lies half a
  decade or more inside f_max (the intercept before it is then R_Bulk even when the bulk arc is above the window).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from eisrecipe.spectrum import Spectrum

#: vacuum permittivity in F/cm
EPS0_F_CM = 8.8541878128e-14

#: process classes of the circuit generator and their truth (dominant process by Table 1 at p_min)
CLASSES: dict[str, tuple[str, str | None, str]] = {
    # name: (dominant, tau order, sheet interface)
    "ct_cstr_faster": ("charge_transfer", "cstr_faster", "stable"),
    "ct_ct_faster": ("charge_transfer", "ct_faster", "stable"),
    "cstr_cstr_faster": ("constriction", "cstr_faster", "stable"),
    "cstr_ct_faster": ("constriction", "ct_faster", "stable"),
    "mixed_cstr_faster": ("mixed", "cstr_faster", "stable"),
    "mixed_ct_faster": ("mixed", "ct_faster", "stable"),
    "sei_declared": ("sei", None, "sei"),
    "sei_undeclared": ("sei", None, "stable"),
    "full_contact": ("charge_transfer", None, "stable"),
}

#: R_CT(p_min) / R_Cstr(p_min) ranges per dominant process (log-uniform)
RATIO_RANGE = {"charge_transfer": (3.0, 300.0), "constriction": (1 / 300, 1 / 3), "mixed": (0.7, 1.4)}

#: matrix sizes: circuit cells per class and 3D-network cells
SIZES: dict[str, dict[str, int]] = {
    "reduced": {"per_class": 3, "network": 3},
    "full": {"per_class": 33, "network": 6},
}

#: noise standard deviations an arc's peak height R/2 must reach to count as visible
VISIBLE_SIGMA = 3.0


def _logu(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


@dataclass(frozen=True)
class Nuisance:
    """Measurement artefacts of one cell.

    Attributes
    ----------
    noise_rel
        Relative standard deviation of complex Gaussian noise per part (fraction of |Z|).
    inductance_h
        Lead inductance in H (raw, not area-specific); 0 = none.
    drift_rel
        Drift of the DC resistance over the whole sweep, fraction of R_dc, growing with the square of the elapsed
        sweep time (a cell relaxing after the pressure step, seen at the low frequencies measured last); 0 = none.
    f_max_hz, f_min_hz
        Window in Hz.
    points_per_decade
        Points in each decade from f_max downwards (uneven).
    area_cm2
        Electrode area in cm^2.
    """

    noise_rel: float
    inductance_h: float
    drift_rel: float
    f_max_hz: float
    f_min_hz: float
    points_per_decade: tuple[int, ...]
    area_cm2: float

    def frequency_hz(self) -> np.ndarray:
        """Descending frequencies in Hz: ``points_per_decade[k]`` log-spaced points in the k-th decade."""
        top = math.log10(self.f_max_hz)
        bottom = math.log10(self.f_min_hz)
        out: list[float] = [top]
        k = 0
        hi = top
        while hi > bottom + 1e-9:
            lo = max(hi - 1.0, bottom)
            n = max(1, round(self.points_per_decade[min(k, len(self.points_per_decade) - 1)] * (hi - lo)))
            out.extend(np.linspace(hi, lo, n + 1)[1:].tolist())
            hi, k = lo, k + 1
        return 10 ** np.asarray(out)

    def sweep_fraction(self, frequency_hz: np.ndarray) -> np.ndarray:
        """Elapsed fraction of the sweep (high to low frequency) at each point.

        Each point takes max(3/f, 0.02 s): three periods, at least 20 ms.
        """
        dt = np.maximum(3.0 / frequency_hz, 0.02)
        t = np.cumsum(dt)
        return t / t[-1]


@dataclass(frozen=True)
class CellSpec:
    """One known-answer cell (circuit generator); values area-specific (ohm cm^2, F cm^-2), pressures in MPa.

    Attributes
    ----------
    cell
        Neutral cell name (carries no truth).
    klass
        Key of :data:`CLASSES`.
    pressures_mpa, contact
        Nominal stack pressures (ascending) and the true A(p) at each.
    thickness_cm
        Pellet thickness in cm.
    r_bulk, c_bulk, r_gb, c_gb
        Bulk and grain-boundary elements.
    r_pol, c_dl
        Charge transfer at full contact (0 = no CT element: SEI cells).
    r_c, c_p
        Constriction-element parameters (R_Cstr = r_c (1 - sqrt A)^1.5 / sqrt A, C_Cstr = c_p / (1 - A)); 0 = none.
    r_sei, c_sei
        SEI element (0 = none).
    structural
        Whether the sheet gives a (noisy) structural ``contact_fraction``.
    contact_measured
        The sheet's contact fractions (true A with 3 % relative measurement noise), if ``structural``.
    nuisance
        Artefacts.
    seed
        Seed of the cell's noise.
    label
        Free text shown in the truth and the score (e.g. which issue a fixed cell reproduces).
    """

    cell: str
    klass: str
    pressures_mpa: tuple[float, ...]
    contact: tuple[float, ...]
    thickness_cm: float
    r_bulk: float
    c_bulk: float
    r_gb: float
    c_gb: float
    r_pol: float
    c_dl: float
    r_c: float
    c_p: float
    r_sei: float
    c_sei: float
    structural: bool
    contact_measured: tuple[float, ...]
    nuisance: Nuisance
    seed: tuple[int, ...] = field(default=(0,))
    label: str = ""

    @property
    def dominant(self) -> str:
        """Dominant process of the truth."""
        return CLASSES[self.klass][0]

    @property
    def tau_order(self) -> str | None:
        """``cstr_faster`` (tau_Cstr < tau_CT at p_min), ``ct_faster`` or ``None`` (no CT + Cstr pair)."""
        return CLASSES[self.klass][1]

    @property
    def interface(self) -> str:
        """The sheet's ``interface`` value."""
        return CLASSES[self.klass][2]

    def elements(self, a: float) -> dict[str, tuple[float, float]]:
        """Element name -> (R, C) at contact fraction ``a`` (elements with R = 0 are left out)."""
        out = {"bulk": (self.r_bulk, self.c_bulk), "gb": (self.r_gb, self.c_gb)}
        if self.r_pol > 0:
            if self.tau_order == "ct_faster":
                out["ct"] = (self.r_pol * a, self.c_dl / a)
            else:  # cstr_faster, or no constriction (full contact): A = 1 there
                out["ct"] = (self.r_pol / a, self.c_dl * a)
        if self.r_c > 0 and a < 1.0:
            out["cstr"] = (cstr_r(self.r_c, a), cstr_c(self.c_p, a))
        if self.r_sei > 0:
            out["sei"] = (self.r_sei, self.c_sei)
        return out


def cstr_r(r_c: float, a: float) -> float:
    """Constriction resistance R_Cstr(A) = r_c (1 - sqrt A)^1.5 / sqrt A in ohm cm^2 (0 at A = 1)."""
    s = math.sqrt(a)
    return r_c * (1.0 - s) ** 1.5 / s


def cstr_c(c_p: float, a: float) -> float:
    """Constriction capacitance C_Cstr(A) = c_p / (1 - A) in F cm^-2 (C_Pore at A = 0, -> inf at A = 1)."""
    return c_p / (1.0 - a) if a < 1.0 else math.inf


def circuit_impedance(elements: Mapping[str, tuple[float, float]], frequency_hz: np.ndarray) -> np.ndarray:
    """Z(f) = sum R / (1 + j w R C) of series RC elements (ohm cm^2)."""
    w = 2 * np.pi * np.asarray(frequency_hz, dtype=float)
    z = np.zeros(w.size, dtype=complex)
    for r, c in elements.values():
        z += r / (1 + 1j * w * r * c)
    return z


# ---------------------------------------------------------------------------------------------------- drawing
def _draw_nuisance(rng: np.random.Generator) -> Nuisance:
    return Nuisance(
        noise_rel=_logu(rng, 1e-3, 1e-2),
        inductance_h=_logu(rng, 1e-7, 1e-6) if rng.uniform() < 0.7 else 0.0,
        drift_rel=float(rng.uniform(0.01, 0.05)) if rng.uniform() < 0.5 else 0.0,
        f_max_hz=_logu(rng, 5e5, 7e6),
        f_min_hz=_logu(rng, 0.01, 1.0),
        points_per_decade=tuple(int(x) for x in rng.integers(5, 16, size=12)),
        area_cm2=_logu(rng, 0.2, 2.0),
    )


def _draw_pressures(rng: np.random.Generator, a_min: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    n = int(rng.integers(4, 11))
    p = np.geomspace(float(rng.uniform(2.0, 10.0)), _logu(rng, 50.0, 400.0), n)
    x = (np.log(p) - np.log(p[0])) / (np.log(p[-1]) - np.log(p[0]))
    a = 1.0 - (1.0 - a_min) * (1.0 - x) ** float(rng.uniform(1.0, 2.0))
    a[-1] = 1.0
    return tuple(float(round(v, 3)) for v in p), tuple(float(v) for v in a)


#: physically sensible capacitance ranges (F cm^-2) for a ~0.06 cm garnet pellet; draws outside are redrawn
C_RANGES = {"gb": (1e-10, 1e-6), "dl": (1e-7, 1e-2), "pore": (1e-8, 1e-3), "sei": (1e-7, 1e-3)}


def draw_cell(klass: str, cell: str, seed: Sequence[int]) -> CellSpec:
    """Draw one circuit cell of class ``klass`` (a key of :data:`CLASSES`) from ``numpy`` seed ``seed``.

    Parameters
    ----------
    klass
        Process class.
    cell
        Neutral cell name.
    seed
        Seed sequence (the matrix seed and the cell's index): the same seed gives the same cell.

    Returns
    -------
    CellSpec
        The cell (capacitances within :data:`C_RANGES`; up to 1000 redraws).
    """
    dominant, order, _ = CLASSES[klass]
    rng = np.random.default_rng(list(seed))
    for _ in range(1000):
        thickness = float(rng.uniform(0.05, 0.07))
        sigma = _logu(rng, 2e-4, 1e-3)  # S/cm
        eps_r = float(rng.uniform(50.0, 150.0))
        r_bulk = thickness / sigma
        c_bulk = EPS0_F_CM * eps_r / thickness
        r_gb = r_bulk * _logu(rng, 0.1, 2.0)
        tau_gb = _logu(rng, 1e-6, 2e-5)
        c_gb = tau_gb / r_gb
        a_min = 1.0 if klass == "full_contact" else float(rng.uniform(0.1, 0.7))
        pressures, contact = _draw_pressures(rng, a_min)
        if klass == "full_contact":
            contact = tuple(1.0 for _ in contact)
        sep1, sep2 = float(rng.uniform(0.3, 3.0)), float(rng.uniform(0.3, 3.0))
        tau_fast, tau_slow = tau_gb * 10**sep1, tau_gb * 10 ** (sep1 + sep2)
        r_big = _logu(rng, 10.0, 1000.0)
        r_pol = c_dl = r_c = c_p = r_sei = c_sei = 0.0
        if klass == "full_contact":
            r_pol, c_dl = r_big, tau_fast / r_big
        elif dominant in RATIO_RANGE:
            q = _logu(rng, *RATIO_RANGE[dominant])  # R_CT / R_Cstr at p_min
            r_ct_min, r_cstr_min = (r_big, r_big / q) if q >= 1 else (r_big * q, r_big)
            r_pol = r_ct_min * a_min if order == "cstr_faster" else r_ct_min / a_min
            tau_ct, tau_cstr = (tau_slow, tau_fast) if order == "cstr_faster" else (tau_fast, tau_slow)
            c_dl = tau_ct / r_pol
            r_c = r_cstr_min / cstr_r(1.0, a_min)
            c_p = tau_cstr / r_cstr_min * (1.0 - a_min)
        else:  # SEI beside a constriction element (SEI + pores: the contact still changes)
            r_sei, c_sei = r_big, tau_fast / r_big
            r_cstr_min = r_big * _logu(rng, 0.1, 1.0)
            tau_cstr = tau_slow if rng.uniform() < 0.5 else tau_gb * 10 ** (sep1 - sep2)
            r_c = r_cstr_min / cstr_r(1.0, a_min)
            c_p = max(tau_cstr, tau_gb * 10**0.3) / r_cstr_min * (1.0 - a_min)
        ok = C_RANGES["gb"][0] <= c_gb <= C_RANGES["gb"][1]
        ok &= c_dl == 0 or C_RANGES["dl"][0] <= c_dl <= C_RANGES["dl"][1]
        ok &= c_p == 0 or C_RANGES["pore"][0] <= c_p <= C_RANGES["pore"][1]
        ok &= c_sei == 0 or C_RANGES["sei"][0] <= c_sei <= C_RANGES["sei"][1]
        if ok:
            break
    nuisance = _draw_nuisance(rng)
    structural = bool(rng.uniform() < 1 / 3)
    measured = tuple(float(min(1.0, round(a * (1 + 0.03 * rng.standard_normal()), 4))) for a in contact)
    return CellSpec(
        cell=cell,
        klass=klass,
        pressures_mpa=pressures,
        contact=contact,
        thickness_cm=thickness,
        r_bulk=r_bulk,
        c_bulk=c_bulk,
        r_gb=r_gb,
        c_gb=c_gb,
        r_pol=r_pol,
        c_dl=c_dl,
        r_c=r_c,
        c_p=c_p,
        r_sei=r_sei,
        c_sei=c_sei,
        structural=structural,
        contact_measured=measured if structural else (),
        nuisance=nuisance,
        seed=tuple(int(s) for s in seed),
    )


def issue15_cell(cell: str, seed: Sequence[int], structural: bool) -> CellSpec:
    """The charge-transfer-limited cell of issue 15, fixed: R_Pol = 40 ohm cm^2, A = 0.30 -> 1 over 7 pressures, CT
    90-100 % of the interface resistance (R_Cstr(p_min) = R_CT(p_min) / 9), tau_Cstr(p_min) = tau_CT / 2 (overlapping
    arcs, tau_CT = 10 ms), 0.5 % noise, no drift; with or without the sheet's contact_fraction (3 % noise). Bulk, GB
    and the other nuisances are drawn from ``seed``.
    """
    base = draw_cell("ct_cstr_faster", cell, seed)
    a = (0.30, 0.40, 0.50, 0.62, 0.75, 0.87, 1.0)
    r_pol, tau_ct = 40.0, 1e-2
    r_cstr_min = r_pol / a[0] / 9
    rng = np.random.default_rng([*seed, 3])  # the structural measurement: 3 % relative noise, as in draw_cell
    measured = tuple(float(min(1.0, round(x * (1 + 0.03 * rng.standard_normal()), 4))) for x in a)
    return replace(
        base,
        pressures_mpa=(5.0, 8.0, 12.0, 18.0, 27.0, 40.0, 60.0),
        contact=a,
        r_pol=r_pol,
        c_dl=tau_ct / r_pol,
        r_c=r_cstr_min / cstr_r(1.0, a[0]),
        c_p=tau_ct / 2 / r_cstr_min * (1.0 - a[0]),
        structural=structural,
        contact_measured=measured if structural else (),
        nuisance=replace(base.nuisance, noise_rel=0.005, drift_rel=0.0),
        label="issue 15: CT-limited, R_Pol = 40 ohm cm^2, A 0.30 -> 1, overlapping arcs"
        + (", contact_fraction in the sheet" if structural else ""),
    )


# ------------------------------------------------------------------------------------------- measurement
def measure(
    z_true: np.ndarray, frequency_hz: np.ndarray, nuisance: Nuisance, seed: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the nuisances to an exact area-specific spectrum.

    Returns
    -------
    z, drift
        The measured impedance in ohm cm^2 (noise, lead inductance, drift) and the drift term alone.
    """
    rng = np.random.default_rng(list(seed))
    w = 2 * np.pi * frequency_hz
    r_dc = float(np.real(z_true[-1]))
    drift = nuisance.drift_rel * r_dc * nuisance.sweep_fraction(frequency_hz) ** 2
    z = z_true + 1j * w * nuisance.inductance_h * nuisance.area_cm2 + drift
    noise = nuisance.noise_rel * np.abs(z_true) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))
    return z + noise, drift


def clean_f_min(z_true: np.ndarray, frequency_hz: np.ndarray, drift: np.ndarray, noise_rel: float) -> float:
    """Lowest frequency (Hz) of the a-priori clean window: the drift's change over the decade above each point
    stays below one noise standard deviation there (a constant offset is a series resistance and KK-consistent;
    its change across an arc is what distorts it). Frequencies descending; the drift grows towards the end."""
    f = np.asarray(frequency_hz, dtype=float)
    above = np.interp(np.log10(f * 10), np.log10(f[::-1]), drift[::-1], left=drift[-1], right=drift[0])
    bad = (drift - above) > noise_rel * np.abs(z_true)
    if not bad.any():
        return float(f.min())
    first_bad = int(np.argmax(bad))
    return float(f[max(first_bad - 1, 0)])


def visible(r: float, tau: float, z_at: float, noise_rel: float, f_lo: float, f_hi: float) -> tuple[bool, str]:
    """Whether an arc (R in ohm cm^2, tau in s) is visible: in [f_lo, f_hi] and R/2 >= 3 noise_rel |Z(f)|."""
    f = 1.0 / (2 * math.pi * tau)
    if not f_lo <= f <= f_hi:
        return False, f"its frequency {f:.3g} Hz lies outside the clean window {f_lo:.3g}-{f_hi:.3g} Hz"
    if r / 2 < VISIBLE_SIGMA * noise_rel * z_at:
        sd3 = VISIBLE_SIGMA * noise_rel * z_at
        return False, f"its arc (R/2 = {r / 2:.3g} ohm cm^2) is below 3 noise SD ({sd3:.3g} ohm cm^2)"
    return True, "visible"


def to_jsonable(obj: Any) -> Any:
    """Dataclasses and tuples as plain JSON values (floats kept)."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def circuit_truth_and_spectra(spec: CellSpec) -> tuple[dict[str, Any], list[tuple[str, float, Spectrum]]]:
    """Ground truth and measured spectra (name, pressure in MPa, area-specific Spectrum) of a circuit cell."""
    f = spec.nuisance.frequency_hz()
    nz = spec.nuisance
    spectra: list[tuple[str, float, Spectrum]] = []
    rows: list[dict[str, Any]] = []
    vis: dict[str, dict[str, tuple[bool, str]]] = {}
    for k, (p, a) in enumerate(zip(spec.pressures_mpa, spec.contact, strict=True)):
        name = f"{spec.cell}_p{k + 1:02d}"
        el = spec.elements(a)
        z0 = circuit_impedance(el, f)
        z, drift = measure(z0, f, nz, [*spec.seed, 7, k])
        f_lo = clean_f_min(z0, f, drift, nz.noise_rel)
        vis[name] = {}
        row: dict[str, Any] = {"spectrum": name, "pressure_mpa": p, "contact_fraction": a, "f_clean_min_hz": f_lo}
        for e, (r, c) in el.items():
            tau = r * c
            z_at = float(np.abs(circuit_impedance(el, np.array([1 / (2 * math.pi * tau)])))[0])
            vis[name][e] = visible(r, tau, z_at, nz.noise_rel, f_lo, nz.f_max_hz)
            row[f"r_{e}_ohm_cm2"], row[f"c_{e}_f_cm2"], row[f"tau_{e}_s"] = r, c, tau
            row[f"{e}_visible"] = vis[name][e][0]
        row["r_int_ohm_cm2"] = sum(el[e][0] for e in ("ct", "cstr", "sei") if e in el)
        row["r_dc_ohm_cm2"] = float(sum(r for r, _ in el.values()))
        rows.append(row)
        meta = {"cell": spec.cell, "spectrum": name, "area_cm2": nz.area_cm2}
        spectra.append((name, p, Spectrum.from_points(f, z, unit="ohm cm^2", meta=meta)))
    names = [s[0] for s in spectra]
    truth = {
        "cell": spec.cell,
        "generator": "circuit",
        "class": spec.klass,
        "dominant": spec.dominant,
        "tau_order": spec.tau_order,
        "interface_declared": spec.interface,
        "structural_contact_fraction": spec.structural,
        "r_bulk_ohm_cm2": spec.r_bulk,
        "c_bulk_f_cm2": spec.c_bulk,
        "r_gb_ohm_cm2": spec.r_gb,
        "c_gb_f_cm2": spec.c_gb,
        "r_pol_ohm_cm2": spec.r_pol or None,
        "c_dl_f_cm2": spec.c_dl or None,
        "r_sei_ohm_cm2": spec.r_sei or None,
        "c_sei_f_cm2": spec.c_sei or None,
        "constriction": {"r_c_ohm_cm2": spec.r_c, "c_p_f_cm2": spec.c_p} if spec.r_c else None,
        "thickness_cm": spec.thickness_cm,
        "nuisance": to_jsonable(spec.nuisance),
        "spectra": rows,
        "inputs": to_jsonable(spec),
        "label": spec.label,
    }
    truth.update(identifiability(truth, vis, names))
    return truth, spectra


def identifiability(
    truth: Mapping[str, Any], vis: Mapping[str, Mapping[str, tuple[bool, str]]], names: Sequence[str]
) -> dict[str, Any]:
    """The a-priori identifiability entries of a truth (see the module docstring).

    Parameters
    ----------
    truth
        The truth so far (``dominant``, ``interface_declared``, ``structural_contact_fraction``, ``r_pol_ohm_cm2``).
    vis
        Per spectrum name, element -> (visible, reason).
    names
        Spectrum names in ascending pressure.
    """
    lo, hi = names[0], names[-1]

    def seen(name: str, e: str) -> tuple[bool, str]:
        return vis[name].get(e, (False, "absent"))

    dom = truth["dominant"]
    need: list[tuple[str, str]] = []
    if dom == "charge_transfer":
        need = [(lo, "ct"), (hi, "ct")]
    elif dom == "constriction":
        need = [(lo, "cstr")]
    elif dom == "mixed":
        need = [(lo, "ct"), (lo, "cstr"), (hi, "ct")]
    reasons = []
    ok = True
    if dom == "sei":
        v, why = seen(lo, "sei")
        if not v:
            ok, reasons = False, [f"SEI element: {why}"]
        elif truth["interface_declared"] != "sei":
            v2, why2 = seen(lo, "cstr")
            if not (v2 or truth["structural_contact_fraction"]):
                ok = False
                reasons.append(
                    f"undeclared SEI and no visible contact change (constriction element: {why2}; no contact_fraction)"
                )
    for name, e in need:
        v, why = seen(name, e)
        if not v:
            ok = False
            reasons.append(f"{e} at {'p_min' if name == lo else 'p_max'}: {why}")
    both = seen(lo, "ct")[0] and seen(lo, "cstr")[0]
    step6 = {n: bool(truth.get("r_pol_ohm_cm2")) and seen(n, "ct")[0] and seen(hi, "ct")[0] for n in names}
    gb_vis = seen(lo, "gb")
    f_gb = None
    for row in truth["spectra"]:
        if row["spectrum"] == lo and "tau_gb_s" in row:
            f_gb = 1 / (2 * math.pi * row["tau_gb_s"])
    f_max = truth["nuisance"]["f_max_hz"]
    return {
        "identifiable": ok,
        "identifiable_reason": "; ".join(reasons) if reasons else "the deciding elements are visible",
        "tau_order_scored": bool(truth["tau_order"]) and both,
        "a_scored": step6,
        "r_gb_scored": gb_vis[0],
        "r_bulk_scored": bool(f_gb is not None and f_gb <= f_max / 10**0.5),
        "visibility": {n: {e: {"visible": v, "reason": w} for e, (v, w) in d.items()} for n, d in vis.items()},
    }
