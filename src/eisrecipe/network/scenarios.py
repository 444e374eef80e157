"""Scenarios: a described cell -> simulated spectrum (ohm cm^2) + exact DRT + ground truth; dataset writer.

A :class:`Scenario` names the geometry (box, voxel size, grains), the contact morphology and its target contact
fraction, the material and interface parameters (paper defaults, Section 2.2 of Eckhardt et al. 2023) and the
temperature. :func:`simulate` assembles and solves it; :func:`write_dataset` writes a scenario set as a dataset
folder in the same on-disk form as lab data (instrument-like text files + ``samples.tsv``) plus
``ground_truth.json``.

Temperature enters through Arrhenius laws ``sigma(T) = sigma0 / T exp(-Ea / kT)`` for the bulk, GB, charge-transfer
(1/R_Pol) and SEI (1/R_SEI) conductances, anchored at the reference temperature where the parameters are given;
permittivities and interface capacitances do not depend on T.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from eisrecipe.constants import EPS0_F_CM, K_B_EV, ZERO_CELSIUS_K
from eisrecipe.errors import InputError
from eisrecipe.io.samplesheet import sheet_columns
from eisrecipe.network import morphology as morph
from eisrecipe.network.assembly import ElementValues, GbModel, Network, assemble
from eisrecipe.network.microstructure import Grid, single_grain, voronoi_grains
from eisrecipe.network.solver import Backend, FosterModel, SolveStats, dc_resistance, reduce
from eisrecipe.spectrum import Spectrum

log = logging.getLogger(__name__)


#: (C_DL, C_Pore) in F/cm^2 of the paper's three time-constant orders
TAU_ORDERS: dict[str, tuple[float, float]] = {
    "cstr_lt_ct": (1.77, 885e-6),  # tau_Cstr < tau_CT
    "cstr_eq_ct": (1771e-6, 443e-6),  # tau_Cstr ~ tau_CT
    "ct_lt_cstr": (177e-6, 4425e-6),  # tau_CT < tau_Cstr
}

MORPHOLOGIES = ("full", "spot", "frame", "disordered", "sei_spot", "pores_sei")

#: the sample-sheet columns a simulated dataset fills (schema order; no sweep, time or interface declaration)
SAMPLE_COLUMNS = tuple(c for c in sheet_columns() if c not in ("sweep", "time_h", "interface"))


def arrhenius_factor(ea_ev: float, temperature_c: float, reference_c: float) -> float:
    """sigma(T) / sigma(T_ref) for sigma = sigma0 / T exp(-Ea / kT) (temperatures in deg C, Ea in eV)."""
    t, t0 = temperature_c + ZERO_CELSIUS_K, reference_c + ZERO_CELSIUS_K
    if t <= 0 or t0 <= 0:
        raise InputError(f"temperature below absolute zero: {temperature_c} C / {reference_c} C")
    return (t0 / t) * math.exp(-ea_ev / K_B_EV * (1.0 / t - 1.0 / t0))


#: the paper's parameters at 25 C (Section 2.2; RECIPE.md), written once in :class:`ElementValues`
_PAPER = ElementValues()


@dataclass(frozen=True)
class Material:
    """Material and interface parameters at ``reference_c`` with activation energies (paper defaults).

    Conductivities in S/cm, resistances in ohm cm^2, capacitances in F/cm^2, activation energies in eV,
    GB thickness in nm, temperatures in deg C.
    """

    sigma_bulk_s_cm: float = _PAPER.sigma_bulk_s_cm
    ea_bulk_ev: float = 0.34
    sigma_gb_s_cm: float = _PAPER.sigma_gb_s_cm
    ea_gb_ev: float = 0.43
    eps_bulk: float = _PAPER.eps_bulk
    eps_gb: float = _PAPER.eps_gb
    d_gb_nm: float = round(_PAPER.d_gb_cm * 1e7, 9)
    r_pol_ohm_cm2: float = _PAPER.r_pol_ohm_cm2
    ea_ct_ev: float = 0.43
    c_dl_f_cm2: float = _PAPER.c_dl_f_cm2
    c_pore_f_cm2: float = _PAPER.c_pore_f_cm2
    r_sei_ohm_cm2: float = _PAPER.r_sei_ohm_cm2
    ea_sei_ev: float = 0.43
    c_sei_f_cm2: float = _PAPER.c_sei_f_cm2
    reference_c: float = 25.0

    def at(self, temperature_c: float) -> ElementValues:
        """Element values at ``temperature_c`` (deg C)."""
        ref = self.reference_c
        return ElementValues(
            sigma_bulk_s_cm=self.sigma_bulk_s_cm * arrhenius_factor(self.ea_bulk_ev, temperature_c, ref),
            sigma_gb_s_cm=self.sigma_gb_s_cm * arrhenius_factor(self.ea_gb_ev, temperature_c, ref),
            eps_bulk=self.eps_bulk,
            eps_gb=self.eps_gb,
            d_gb_cm=self.d_gb_nm * 1e-7,
            r_pol_ohm_cm2=self.r_pol_ohm_cm2 / arrhenius_factor(self.ea_ct_ev, temperature_c, ref),
            c_dl_f_cm2=self.c_dl_f_cm2,
            c_pore_f_cm2=self.c_pore_f_cm2,
            r_sei_ohm_cm2=self.r_sei_ohm_cm2 / arrhenius_factor(self.ea_sei_ev, temperature_c, ref),
            c_sei_f_cm2=self.c_sei_f_cm2,
        )

    def with_tau_order(self, tau_order: str) -> Material:
        """The paper's (C_DL, C_Pore) pair for ``tau_order`` (a key of :data:`TAU_ORDERS`)."""
        if tau_order not in TAU_ORDERS:
            raise InputError(f"unknown tau_order {tau_order!r}; expected one of {sorted(TAU_ORDERS)}")
        c_dl, c_pore = TAU_ORDERS[tau_order]
        return replace(self, c_dl_f_cm2=c_dl, c_pore_f_cm2=c_pore)


@dataclass(frozen=True)
class Scenario:
    """One simulated spectrum.

    Attributes
    ----------
    spectrum
        Spectrum identifier (unique within the dataset).
    cell
        Cell identifier (spectra of one cell form a series).
    morphology
        ``full``, ``spot`` (centred square), ``frame``, ``disordered`` (thresholded correlated random field),
        ``sei_spot`` (central contact spot surrounded by SEI) or ``pores_sei`` (disordered contact, SEI, pores).
    contact_fraction
        Target A_WE|SE / A in (0, 1].
    sei_fraction
        SEI area fraction (``sei_spot``: ``None`` = all the rest; ``pores_sei``: required).
    correlation_um
        Feature size of the random fields in micrometres.
    pore_classes
        ``disordered`` only: ((gap upper edge, factor), ...) scaling C_Pore per pore pixel by its depth below the
        contact level of the random field (:func:`~eisrecipe.network.morphology.contact_gap`, in field standard
        deviations); empty = uniform C_Pore.
    morphology_seed, grain_seed
        Seeds of the contact map and of the Voronoi grains.
    size_um
        Box edges (L_x, L_y, L_z) in micrometres; z is the current direction.
    voxel_um
        Voxel edge in micrometres.
    mean_grain_um
        Mean grain size in micrometres.
    gb_model
        ``explicit`` (Voronoi grains resolved by the voxels), ``brick`` (grains below the voxel size: brick-layer
        effective element on every link) or ``none``.
    material
        Parameters at the reference temperature.
    tau_order
        If set, replaces (C_DL, C_Pore) by the paper's pair (:data:`TAU_ORDERS`).
    temperature_c
        Simulation temperature in deg C.
    f_max_hz, f_min_hz, points_per_decade
        Frequency grid (log-spaced, descending).
    series, pressure_mpa, pressure_mode
        Sample-sheet fields (a simulation has no pressure; ``pressure_mpa`` is a nominal label if given).
    n_shifts, n_moments, backend
        Reduced-model settings (:func:`eisrecipe.network.solver.reduce`).
    """

    spectrum: str
    cell: str = "sim"
    morphology: str = "full"
    contact_fraction: float = 1.0
    sei_fraction: float | None = None
    correlation_um: float = 10.0
    pore_classes: tuple[tuple[float, float], ...] = ()
    morphology_seed: int = 0
    size_um: tuple[float, float, float] = (100.0, 100.0, 100.0)
    voxel_um: float = 5.0
    mean_grain_um: float = 10.0
    grain_seed: int = 0
    gb_model: GbModel = "explicit"
    material: Material = field(default_factory=Material)
    tau_order: str | None = None
    temperature_c: float = 25.0
    f_max_hz: float = 1e7
    f_min_hz: float = 1e-2
    points_per_decade: int = 10
    series: str = "pressure"
    pressure_mpa: float | None = None
    pressure_mode: str | None = None
    n_shifts: int = 5
    n_moments: int = 3
    backend: Backend = "auto"

    def __post_init__(self) -> None:
        if self.morphology not in MORPHOLOGIES:
            raise InputError(f"unknown morphology {self.morphology!r}; expected one of {list(MORPHOLOGIES)}")
        if not 0 < self.f_min_hz < self.f_max_hz:
            raise InputError(f"need 0 < f_min_hz < f_max_hz, got {self.f_min_hz} and {self.f_max_hz}")

    # ------------------------------------------------------------------ derived inputs
    @property
    def grid(self) -> Grid:
        """The voxel grid."""
        return Grid.box(*self.size_um, voxel_um=self.voxel_um)

    @property
    def effective_material(self) -> Material:
        """``material`` with the tau-order capacitances applied."""
        return self.material if self.tau_order is None else self.material.with_tau_order(self.tau_order)

    @property
    def values(self) -> ElementValues:
        """Element values at ``temperature_c``."""
        return self.effective_material.at(self.temperature_c)

    @property
    def frequency_hz(self) -> np.ndarray:
        """Descending log-spaced frequencies in Hz (both ends included)."""
        decades = math.log10(self.f_max_hz / self.f_min_hz)
        n = max(3, round(decades * self.points_per_decade) + 1)
        return np.geomspace(self.f_max_hz, self.f_min_hz, n)

    def contact_map(self) -> morph.LabelMap:
        """The WE contact map (labels per surface pixel)."""
        g = self.grid
        shape = (g.nx, g.ny)
        corr_px = self.correlation_um / self.voxel_um
        a = self.contact_fraction
        m = self.morphology
        if m == "full":
            return morph.full_contact(shape)
        if m == "spot":
            return morph.square_spot(shape, a)
        if m == "frame":
            return morph.frame(shape, a)
        if m == "disordered":
            return morph.disordered(shape, a, corr_px, self.morphology_seed)
        if m == "sei_spot":
            return morph.sei_spot(shape, a, self.sei_fraction)
        if self.sei_fraction is None:
            raise InputError("morphology 'pores_sei' needs sei_fraction")
        return morph.pores_and_sei(shape, a, self.sei_fraction, corr_px, self.morphology_seed)

    def pore_capacitance_factors(self) -> np.ndarray | None:
        """Per-pixel factor on C_Pore (``pore_classes`` of a ``disordered`` map) or ``None`` (uniform)."""
        if not self.pore_classes:
            return None
        if self.morphology != "disordered":
            raise InputError("pore_classes need morphology 'disordered'")
        g = self.grid
        gap = morph.contact_gap(
            (g.nx, g.ny), self.contact_fraction, self.correlation_um / self.voxel_um, self.morphology_seed
        )
        return morph.pore_capacitance_factors(gap, self.pore_classes)

    def grains(self) -> np.ndarray | None:
        """Grain labels per voxel (``explicit`` GB model) or ``None``."""
        if self.gb_model != "explicit":
            return None
        return voronoi_grains(self.grid, self.mean_grain_um, self.grain_seed)

    def network(self, values: ElementValues | None = None, labels: morph.LabelMap | None = None) -> Network:
        """Assembled network (optionally with other element values or another contact map)."""
        grains = self.grains()
        labels = self.contact_map() if labels is None else labels
        values = self.values if values is None else values
        net = assemble(
            self.grid,
            labels,
            values,
            grains if grains is not None else single_grain(self.grid),
            gb_model=self.gb_model,
            mean_grain_um=self.mean_grain_um,
        )
        factors = self.pore_capacitance_factors()
        return net if factors is None else _scale_pore_capacitance(net, labels, values, factors)

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON description (material nested)."""
        d = asdict(self)
        d["size_um"] = list(self.size_um)
        d["pore_classes"] = [list(c) for c in self.pore_classes]
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Inverse of :meth:`to_dict`; unknown keys raise :class:`InputError`."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown scenario keys {unknown}; known: {sorted(known)}")
        d = dict(data)
        if "material" in d and not isinstance(d["material"], Material):
            mat = dict(d["material"])
            mknown = {f.name for f in fields(Material)}
            bad = sorted(set(mat) - mknown)
            if bad:
                raise InputError(f"unknown material keys {bad}; known: {sorted(mknown)}")
            d["material"] = Material(**mat)
        if "size_um" in d:
            size = d["size_um"]
            d["size_um"] = (float(size),) * 3 if np.isscalar(size) else tuple(float(v) for v in size)
        if "pore_classes" in d:
            d["pore_classes"] = tuple((float(e), float(f)) for e, f in d["pore_classes"])
        return cls(**d)


def _scale_pore_capacitance(
    net: Network, labels: morph.LabelMap, values: ElementValues, factors: np.ndarray
) -> Network:
    """``net`` with every pore pixel's capacitor C_Pore h^2 multiplied by its factor (interface nodes are numbered
    after the voxel and GB nodes, in pixel order, for every pixel that is not an ideal contact; see assembly)."""
    lab = np.asarray(labels).ravel()
    layered = ~((lab == morph.CONTACT) & (values.r_pol_ohm_cm2 == 0))
    inode = net.n_voxel_nodes + net.n_gb_nodes + np.cumsum(layered) - 1
    pore = (lab == morph.PORE) & layered
    i = inode[pore].astype(np.int64)
    d = (np.asarray(factors, dtype=float).ravel()[pore] - 1.0) * values.c_pore_f_cm2 * net.grid.voxel_cm**2
    we = np.full(i.size, net.we, dtype=np.int64)
    extra = sparse.coo_matrix(
        (np.concatenate([d, d, -d, -d]), (np.concatenate([i, we, i, we]), np.concatenate([i, we, we, i]))),
        shape=net.c.shape,
    ).tocsr()
    return replace(net, c=(net.c + extra).tocsr())


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """A simulated spectrum with its ground truth.

    Attributes
    ----------
    spectrum
        Impedance in ohm cm^2 (area L_x L_y), descending frequency.
    drt
        Exact Foster form / DRT of the (reduced) network, resistances in ohm cm^2.
    r_inf_ohm_cm2
        Z(infinity) in ohm cm^2 (0: a capacitor in every branch).
    r_dc_ohm_cm2
        Z(0) in ohm cm^2 (= R_inf + sum r_k).
    contact_fraction, sei_fraction
        Realised fractions of the contact map.
    truth
        Element-wise ground truth in ohm cm^2, F/cm^2 and s where defined (see :func:`simulate`).
    scenario
        The inputs.
    stats
        Solver statistics.
    """

    spectrum: Spectrum
    drt: FosterModel
    r_inf_ohm_cm2: float
    r_dc_ohm_cm2: float
    contact_fraction: float
    sei_fraction: float
    truth: dict[str, float | None]
    scenario: Scenario
    stats: SolveStats

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ground truth: inputs, realised fractions, R_inf, R_dc, element truth and the exact DRT.

        Deterministic for given inputs (solver timings are logged, not stored), so written datasets are
        byte-reproducible.
        """
        return {
            "spectrum": self.scenario.spectrum,
            "cell": self.scenario.cell,
            "inputs": self.scenario.to_dict(),
            "area_sim_cm2": self.scenario.grid.area_cm2,
            "contact_fraction": self.contact_fraction,
            "sei_fraction": self.sei_fraction,
            "r_inf_ohm_cm2": self.r_inf_ohm_cm2,
            "r_dc_ohm_cm2": self.r_dc_ohm_cm2,
            "elements": self.truth,
            "drt": {"tau_s": self.drt.tau_s.tolist(), "r_ohm_cm2": self.drt.r.tolist()},
            "solver": {
                "backend": self.stats.backend,
                "shifts_per_s": list(self.stats.shifts),
                "n_moments": self.stats.n_moments,
                "basis_size": self.stats.basis_size,
            },
        }


def _pore_mean(labels: morph.LabelMap, factors: np.ndarray) -> float:
    """Area-weighted sum of the C_Pore factors over the pore pixels (the pore fraction for uniform C_Pore)."""
    return float(np.sum(np.where(np.asarray(labels) == morph.PORE, factors, 0.0)) / np.asarray(labels).size)


def _element_truth(
    scenario: Scenario, labels: morph.LabelMap, r_dc_ohm: float, decompose: bool
) -> dict[str, float | None]:
    """Closed-form and DC-solve ground truth per element (area-specific)."""
    v = scenario.values
    g = scenario.grid
    area = g.area_cm2
    factors = scenario.pore_capacitance_factors()
    a_c = morph.fraction(labels, morph.CONTACT)
    a_s = morph.fraction(labels, morph.SEI)
    a_p = morph.fraction(labels, morph.PORE)
    truth: dict[str, float | None] = {
        "r_bulk_ohm_cm2": g.lz_cm / v.sigma_bulk_s_cm,
        "c_bulk_f_cm2": EPS0_F_CM * v.eps_bulk / g.lz_cm,
        "tau_bulk_s": EPS0_F_CM * v.eps_bulk / v.sigma_bulk_s_cm,
        "tau_gb_s": EPS0_F_CM * v.eps_gb / v.sigma_gb_s_cm,
        "r_ct_ohm_cm2": v.r_pol_ohm_cm2 / a_c if a_c > 0 else None,
        "c_ct_f_cm2": v.c_dl_f_cm2 * a_c,
        "tau_ct_s": v.r_pol_ohm_cm2 * v.c_dl_f_cm2,
        "c_pore_f_cm2": v.c_pore_f_cm2 * a_p if factors is None else v.c_pore_f_cm2 * _pore_mean(labels, factors),
        "r_sei_ohm_cm2": v.r_sei_ohm_cm2 / a_s if a_s > 0 else None,
        "c_sei_f_cm2": v.c_sei_f_cm2 * a_s,
        "tau_sei_s": v.r_sei_ohm_cm2 * v.c_sei_f_cm2,
        "r_gb_ohm_cm2": None,
        "r_cstr_ohm_cm2": None,
        "r_dc_full_ideal_ohm_cm2": None,
    }
    if not decompose:
        return truth
    ideal = replace(v, r_pol_ohm_cm2=0.0)
    kw: dict[str, Any] = {"backend": scenario.backend}
    full_ideal = dc_resistance(scenario.network(ideal, morph.full_contact(labels.shape)), **kw) * area
    truth["r_dc_full_ideal_ohm_cm2"] = full_ideal
    if scenario.gb_model != "none":
        truth["r_gb_ohm_cm2"] = full_ideal - truth["r_bulk_ohm_cm2"]  # type: ignore[operator]
    if a_s == 0 and a_c < 1:
        # constriction: pores open at DC, contact made ideal, minus the full-contact value
        truth["r_cstr_ohm_cm2"] = dc_resistance(scenario.network(ideal, labels), **kw) * area - full_ideal
    elif a_c == 1:
        truth["r_cstr_ohm_cm2"] = 0.0
    _ = r_dc_ohm
    return truth


def simulate(
    scenario: Scenario, *, decompose: bool = True, progress: Callable[[str], None] | None = None
) -> SimulationResult:
    """Simulate one scenario.

    Parameters
    ----------
    scenario
        What to simulate.
    decompose
        Also compute the DC ground truth per element (two extra DC solves): ``r_gb_ohm_cm2`` =
        R_dc(full ideal contact) - L_z/sigma_bulk, and ``r_cstr_ohm_cm2`` = R_dc(this map, ideal contact, pores
        open) - R_dc(full ideal contact) for maps without SEI. Closed-form entries (``r_bulk``, ``r_ct`` =
        R_Pol/A, ``c_ct`` = C_DL A, ``c_pore``, ``r_sei``, ``tau_*``) are always given.
    progress
        Called with short messages (also logged at INFO level).

    Returns
    -------
    SimulationResult
        Spectrum in ohm cm^2, exact DRT and ground truth.
    """
    labels = scenario.contact_map()
    net = scenario.network(labels=labels)
    f = scenario.frequency_hz
    log.info(
        "%s/%s: %s, A = %.3f, %d nodes, T = %.1f C",
        scenario.cell,
        scenario.spectrum,
        scenario.morphology,
        morph.fraction(labels),
        net.n_nodes,
        scenario.temperature_c,
    )
    rm = reduce(
        net,
        f,
        n_shifts=scenario.n_shifts,
        n_moments=scenario.n_moments,
        backend=scenario.backend,
        progress=progress,
    )
    area = net.area_cm2
    drt = rm.foster.pruned().scaled(area)
    z = drt.impedance(f)
    meta = {
        "cell": scenario.cell,
        "spectrum": scenario.spectrum,
        "temperature_c": scenario.temperature_c,
        "area_cm2": area,
        "contact_fraction": morph.fraction(labels),
        "simulated": True,
    }
    spec = Spectrum.from_points(f, z, unit="ohm cm^2", source=f"simulation:{scenario.spectrum}", meta=meta)
    return SimulationResult(
        spectrum=spec,
        drt=drt,
        r_inf_ohm_cm2=drt.r_inf,
        r_dc_ohm_cm2=drt.r_dc,
        contact_fraction=morph.fraction(labels, morph.CONTACT),
        sei_fraction=morph.fraction(labels, morph.SEI),
        truth=_element_truth(scenario, labels, rm.foster.r_dc, decompose),
        scenario=scenario,
        stats=rm.stats,
    )


# ---------------------------------------------------------------------------------------------- scenario sets
def expand(spec: Mapping[str, Any]) -> list[Scenario]:
    """Expand one config entry into scenarios: every combination of ``contact_fractions`` x ``temperatures_c``.

    ``spec`` holds :class:`Scenario` fields (``cell`` required; ``spectrum`` optional as a prefix) plus the lists
    ``contact_fractions`` (default ``[contact_fraction]``), ``temperatures_c`` (default ``[temperature_c]``) and
    optionally ``pressures_mpa`` (nominal labels, aligned with ``contact_fractions``). Spectrum names are
    ``<cell>_A<percent>_T<deg C>``. ``series`` defaults to ``temperature`` when only temperature varies, else
    ``pressure``.
    """
    d = dict(spec)
    if "cell" not in d:
        raise InputError("a scenario entry needs a 'cell'")
    fracs = [float(x) for x in d.pop("contact_fractions", [d.get("contact_fraction", 1.0)])]
    temps = [float(x) for x in d.pop("temperatures_c", [d.get("temperature_c", 25.0)])]
    pressures = d.pop("pressures_mpa", None)
    if pressures is not None and len(pressures) != len(fracs):
        raise InputError(f"pressures_mpa has {len(pressures)} values for {len(fracs)} contact fractions")
    if pressures is None and d.get("pressure_mpa") is not None and len(fracs) > 1:
        raise InputError(f"cell {d['cell']!r}: one pressure_mpa for {len(fracs)} contact fractions; give pressures_mpa")
    prefix = d.pop("spectrum", d["cell"])
    if "series" not in d:
        d["series"] = "temperature" if len(fracs) == 1 and len(temps) > 1 else "pressure"
    out = []
    for i, a in enumerate(fracs):
        for t in temps:
            name = f"{prefix}_A{a * 100:05.1f}_T{t:+05.1f}".replace(".", "p").replace("+", "")
            extra = {"pressure_mpa": float(pressures[i])} if pressures is not None else {}
            out.append(Scenario.from_dict({**d, **extra, "spectrum": name, "contact_fraction": a, "temperature_c": t}))
    return out


def check_sheet_fields(scenarios: Iterable[Scenario]) -> None:
    """Raise :class:`InputError` unless every scenario gives a valid sample-sheet row.

    A pressure-series row needs ``pressure_mpa`` (the sheet's rule): a simulation has no pressure, so the
    nominal label must be given (``pressures_mpa`` aligned with ``contact_fractions`` in :func:`expand`).
    Spectrum names must be unique.
    """
    seen: set[str] = set()
    for s in scenarios:
        if s.series == "pressure" and s.pressure_mpa is None:
            raise InputError(
                f"cell {s.cell!r}, spectrum {s.spectrum!r}: a pressure series needs nominal stack pressures - give "
                "pressures_mpa (one per contact fraction) or, for a single contact fraction, pressure_mpa"
            )
        if s.series not in ("pressure", "temperature"):
            raise InputError(f"cell {s.cell!r}: series must be 'pressure' or 'temperature', got {s.series!r}")
        if s.spectrum in seen:
            raise InputError(f"spectrum names are not unique: {s.spectrum!r}")
        seen.add(s.spectrum)


def scenarios_from_config(config: Mapping[str, Any]) -> list[Scenario]:
    """The scenarios of a config block ``{"cells": [entry, ...], ...}`` (every entry through :func:`expand`).

    Checked without simulating anything (cheap enough for workflow parse time): unknown keys, value errors and
    the sample-sheet rules of :func:`check_sheet_fields` raise :class:`InputError`.
    """
    cells = config.get("cells")
    if not cells:
        raise InputError("simulation config has no 'cells' list")
    scen = [s for entry in cells for s in expand(entry)]
    check_sheet_fields(scen)
    return scen


def dataset_is_current(config: Mapping[str, Any], out_dir: str | Path) -> bool:
    """Whether ``out_dir`` holds a complete dataset written by :func:`write_dataset_from_config` from ``config``.

    True when ``samples.tsv`` exists and ``ground_truth.json`` records the same config block (compared as
    canonical JSON).
    """
    out = Path(out_dir)
    truth = out / "ground_truth.json"
    if not (out / "samples.tsv").is_file() or not truth.is_file():
        return False
    try:
        recorded = json.loads(truth.read_text(encoding="utf-8")).get("config")
    except (OSError, ValueError, AttributeError):
        return False
    return _canonical(recorded) == _canonical(config)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=False, default=str)


def _fmt(v: float | None) -> str:
    return "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.10g}"


def write_instrument_file(path: Path, spectrum: Spectrum, area_cm2: float) -> None:
    """Tab-separated text with columns ``freq/Hz``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm`` (raw ohm = ASR / area)."""
    if spectrum.unit != "ohm cm^2":
        raise InputError("write_instrument_file expects an area-specific spectrum (ohm cm^2)")
    z = spectrum.impedance / area_cm2
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n")
        for f, zz in zip(spectrum.frequency_hz, z, strict=True):
            fh.write(f"{f:.10e}\t{zz.real:.10e}\t{-zz.imag:.10e}\n")


def write_samples_tsv(
    out_dir: Path, rows: Sequence[Mapping[str, str]], columns: Sequence[str] = SAMPLE_COLUMNS
) -> Path:
    """Write ``out_dir/samples.tsv`` (tab-separated, ``columns`` in that order, rows as given) and return its path.

    Shared by :func:`write_dataset` and the known-answer matrix (:mod:`eisrecipe.matrix`), whose sheet adds the
    ``interface`` column.
    """
    sheet = Path(out_dir) / "samples.tsv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return sheet


def _readme(results: Sequence[SimulationResult], area_cm2: float, noise_rel: float) -> str:
    lines = [
        "# Simulated reference spectra (eisrecipe.network)",
        "",
        "3D impedance-network simulations (Eckhardt et al. 2023, Section 2) with known ground truth",
        "(`ground_truth.json`: inputs, exact DRT, R_dc, element values). Not measured data.",
        f"Impedance files are in raw ohm for the stated electrode area of {area_cm2:g} cm^2 "
        "(area-specific impedance of the simulated box divided by that area).",
        f"Added noise: relative standard deviation {noise_rel:g} per part." if noise_rel else "No noise added.",
        "",
        "| cell | spectrum | box (um) | voxel (um) | GB representation | morphology | A | T (C) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        s = r.scenario
        box = "x".join(f"{x:g}" for x in s.size_um)
        lines.append(
            f"| {s.cell} | {s.spectrum} | {box} | {s.voxel_um:g} | {s.gb_model} | {s.morphology} | "
            f"{r.contact_fraction:.3f} | {s.temperature_c:g} |"
        )
    return "\n".join(lines) + "\n"


def write_dataset(
    scenarios: Iterable[Scenario],
    out_dir: str | Path,
    *,
    area_cm2: float = 1.0,
    noise_rel: float = 0.0,
    noise_seed: int = 0,
    file_format: str = "auto",
    decompose: bool = True,
    progress: Callable[[str], None] | None = None,
    config: Mapping[str, Any] | None = None,
) -> Path:
    """Simulate scenarios and write them as a dataset folder.

    Writes ``out_dir/<cell>/<spectrum>.txt`` (instrument-like text: ``freq/Hz``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm``,
    impedance in raw ohm for an electrode of ``area_cm2``), ``out_dir/samples.tsv`` (columns
    :data:`SAMPLE_COLUMNS`, one row per spectrum, sorted by cell and spectrum; ``thickness_cm`` is the box height
    L_z, ``contact_fraction`` the realised one), ``out_dir/ground_truth.json``
    (one entry per spectrum: inputs, exact DRT in ohm cm^2, R_inf, R_dc, element truth) and ``out_dir/README.md``
    (scale and GB representation used).

    Parameters
    ----------
    scenarios
        The scenarios (spectrum names must be unique).
    out_dir
        Dataset folder (created).
    area_cm2
        Stated electrode area in cm^2 used to convert ohm cm^2 to raw ohm and written to ``samples.tsv``.
    noise_rel
        Relative standard deviation of complex Gaussian noise added to each part (0: exact spectra).
    noise_seed
        Seed of the noise (each spectrum gets its own stream derived from it).
    file_format
        Value of the ``format`` column.
    decompose
        Compute the DC element ground truth (see :func:`simulate`).
    progress
        Called with short progress messages.
    config
        The config block the scenarios came from, stored as ``config`` in ``ground_truth.json`` (see
        :func:`dataset_is_current`).

    Returns
    -------
    pathlib.Path
        Path of ``samples.tsv``.

    Raises
    ------
    InputError
        A scenario that cannot give a valid sample-sheet row (:func:`check_sheet_fields`), checked before any
        simulation.

    Notes
    -----
    The files are byte-reproducible: the same scenarios and options give identical files on the same machine
    and software versions.
    """
    if not (math.isfinite(area_cm2) and area_cm2 > 0):
        raise InputError(f"area_cm2 must be > 0, got {area_cm2!r}")
    scen = sorted(scenarios, key=lambda s: (s.cell, s.spectrum))
    check_sheet_fields(scen)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    truth: list[dict[str, Any]] = []
    results: list[SimulationResult] = []
    for k, s in enumerate(scen):
        msg = f"simulating {k + 1}/{len(scen)}: {s.cell}/{s.spectrum}"
        log.info(msg)
        if progress is not None:
            progress(msg)
        res = simulate(s, decompose=decompose, progress=progress)
        log.info("solver %s: %s", res.stats.backend, {k: round(v, 3) for k, v in res.stats.seconds.items()})
        spec = res.spectrum
        if noise_rel > 0:
            rng = np.random.default_rng([noise_seed, k])
            z = spec.impedance
            noise = noise_rel * np.abs(z) * (rng.standard_normal(z.size) + 1j * rng.standard_normal(z.size))
            spec = Spectrum.from_points(spec.frequency_hz, z + noise, unit="ohm cm^2", meta=spec.meta)
        rel = Path(s.cell) / f"{s.spectrum}.txt"
        (out / s.cell).mkdir(parents=True, exist_ok=True)
        write_instrument_file(out / rel, spec, area_cm2)
        rows.append(
            {
                "cell": s.cell,
                "spectrum": s.spectrum,
                "file": rel.as_posix(),
                "format": file_format,
                "series": s.series,
                "pressure_mpa": _fmt(s.pressure_mpa),
                "pressure_mode": s.pressure_mode or "",
                "temperature_c": _fmt(s.temperature_c),
                "area_cm2": _fmt(area_cm2),
                "thickness_cm": _fmt(s.grid.lz_cm),
                "contact_fraction": _fmt(res.contact_fraction),
            }
        )
        truth.append({**res.to_dict(), "file": rel.as_posix(), "noise_rel": noise_rel})
        results.append(res)
    sheet = write_samples_tsv(out, rows)
    payload: dict[str, Any] = {"generator": "eisrecipe.network", "area_cm2": area_cm2, "spectra": truth}
    if config is not None:
        payload["config"] = json.loads(_canonical(config))
    (out / "ground_truth.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(results, area_cm2, noise_rel), encoding="utf-8")
    return sheet


def write_dataset_from_config(config: Mapping[str, Any], out_dir: str | Path, **kwargs: Any) -> Path:
    """:func:`write_dataset` for a config block ``{"cells": [entry, ...], "area_cm2": ..., "noise_rel": ...}``.

    Every entry is expanded by :func:`expand` (:func:`scenarios_from_config`); ``kwargs`` override the block's
    ``area_cm2``, ``noise_rel``, ``noise_seed`` and ``file_format``. The block is recorded in
    ``ground_truth.json`` (``config``).
    """
    unknown = sorted(set(config) - {"cells", "area_cm2", "noise_rel", "noise_seed", "file_format"})
    if unknown:
        raise InputError(f"unknown simulation config keys {unknown}")
    scen = scenarios_from_config(config)
    opts = {k: config[k] for k in ("area_cm2", "noise_rel", "noise_seed", "file_format") if k in config}
    return write_dataset(scen, out_dir, **{"config": config, **opts, **kwargs})
