"""The reproduction's plan: sizes, the Figure 6 parameter sets, the series (one Snakemake job each) and the
scenarios of a series. Cheap: nothing is simulated here.

Series:

- ``p_<tau order>_<morphology>``: pressure-like series over the contact fraction A (1 .. ~0.05) for every tau
  order of :data:`eisrecipe.network.scenarios.TAU_ORDERS` and every morphology (single square spot, frame,
  disordered maps with several seeds);
- ``t_<tau order>_<parameter set>``: temperature series (-40 .. 40 C) at A = 22 % on disordered map 0 for the
  five parameter sets of Figure 6 (:data:`PARAM_SETS`);
- ``sei``: central contact spot surrounded by SEI, R_Pol = 0 (Figure 7).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from eisrecipe.errors import InputError
from eisrecipe.network.scenarios import TAU_ORDERS, Material, Scenario

__all__ = [
    "CUBE_UM",
    "FINER_A",
    "PARAM_SETS",
    "SEI_R_POL",
    "SIZES",
    "TEMPERATURE_A",
    "SeriesSpec",
    "replace_size",
    "scenarios",
    "series_plan",
    "size_block",
]

#: Figure 6 parameter sets: (R_Pol in ohm cm^2 at 25 C, GB model). ``zct0_zgb0``: Z_CT = Z_GB = 0 (ideal contact,
#: no grain boundaries); ``zct0``: resistive GBs, Z_CT = 0; ``rpolN``: resistive GBs and R_Pol = N x 0.5 ohm cm^2.
#: The paper names R_Pol and 10 R_Pol; the middle value (3 R_Pol) of the five sets is our assumption.
PARAM_SETS: dict[str, tuple[float, str]] = {
    "zct0_zgb0": (0.0, "none"),
    "zct0": (0.0, "explicit"),
    "rpol1": (0.5, "explicit"),
    "rpol3": (1.5, "explicit"),
    "rpol10": (5.0, "explicit"),
}

#: Default sizes; ``config["reproduce"]["sizes"][size]`` overrides any key.
SIZES: dict[str, dict[str, Any]] = {
    # reduced: the medium grid (a coarser one loses the GB arc: at 12.5 um voxels / 40 um grains its DRT peak is
    # too small and too capacitive to be labelled GB, became an "interface" track and blocked the CT/Cstr split),
    # fewer points; A = 0.7 so that the tau_CT < tau_Cstr series shows its CT peak beside the constriction one
    "reduced": {
        "voxel_um": 10.0,
        "mean_grain_um": 20.0,
        "points_per_decade": 8,
        "contact_fractions": [1.0, 0.7, 0.4, 0.2, 0.1],
        "sei_contact_fractions": [1.0, 0.5, 0.2, 0.1],
        "temperatures_c": [-40.0, 0.0, 40.0],
        "tau_orders": ["cstr_lt_ct", "ct_lt_cstr"],
        "morphologies": ["spot", "disordered"],
        "n_disordered": 1,
        "param_sets": ["zct0_zgb0", "rpol1"],
    },
    "medium": {
        "voxel_um": 10.0,
        "mean_grain_um": 20.0,
        "points_per_decade": 8,
        "contact_fractions": [1.0, 0.7, 0.5, 0.35, 0.22, 0.15, 0.1, 0.05],
        "sei_contact_fractions": [1.0, 0.6, 0.35, 0.2, 0.1, 0.043],
        "temperatures_c": [-40.0, -20.0, 0.0, 20.0, 40.0],
        "tau_orders": list(TAU_ORDERS),
        "morphologies": ["spot", "frame", "disordered"],
        "n_disordered": 3,
        "param_sets": list(PARAM_SETS),
    },
    "full": {
        "voxel_um": 5.0,
        "mean_grain_um": 10.0,
        "points_per_decade": 8,
        "contact_fractions": [1.0, 0.8, 0.6, 0.45, 0.33, 0.22, 0.15, 0.1, 0.07, 0.05],
        "sei_contact_fractions": [1.0, 0.6, 0.35, 0.2, 0.1, 0.043],
        "temperatures_c": [-40.0, -30.0, -20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 40.0],
        "tau_orders": list(TAU_ORDERS),
        "morphologies": ["spot", "frame", "disordered"],
        "n_disordered": 5,
        "param_sets": list(PARAM_SETS),
    },
}


#: edge of the paper's cubic cell in micrometres (the scenarios' default box)
CUBE_UM = 100.0


#: contact fraction and disordered seed of the temperature series (Figure 6)
TEMPERATURE_A = 0.22
#: contact fraction at which the morphologies' R_Cstr is compared ("finer distribution, lower R_Cstr", A ~ 22 %)
FINER_A = 0.22
SEI_R_POL = 0.0


@dataclass(frozen=True)
class SeriesSpec:
    """One series of the reproduction (one Snakemake job).

    Attributes
    ----------
    name
        Series name (``p_<order>_<morphology>``, ``t_<order>_<set>`` or ``sei``).
    kind
        ``pressure``, ``temperature`` or ``sei``.
    tau_order
        Key of :data:`TAU_ORDERS` (``None`` for ``sei``).
    morphology
        ``spot``, ``frame``, ``disordered`` or ``sei_spot``.
    seed
        Seed of a disordered map.
    param_set
        Key of :data:`PARAM_SETS` (temperature series only).
    size
        The size block (voxel, grid, A list, T list ...).
    """

    name: str
    kind: str
    tau_order: str | None
    morphology: str
    seed: int = 0
    param_set: str | None = None
    size: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON copy (Snakemake params)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "tau_order": self.tau_order,
            "morphology": self.morphology,
            "seed": self.seed,
            "param_set": self.param_set,
            "size": dict(self.size),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SeriesSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "size": dict(d.get("size") or {})})


def size_block(config: Mapping[str, Any]) -> dict[str, Any]:
    """The size block selected by ``config["size"]`` (``reduced``, ``medium`` or ``full``), config overrides merged."""
    size = str(config.get("size", "full"))
    if size not in SIZES:
        raise InputError(f"reproduce: size must be one of {sorted(SIZES)}, got {size!r}")
    block = {**SIZES[size], **dict((config.get("sizes") or {}).get(size) or {})}
    unknown = sorted(set(block) - set(SIZES["full"]))
    if unknown:
        raise InputError(f"reproduce: unknown size keys {unknown}")
    bad = sorted(set(block["tau_orders"]) - set(TAU_ORDERS)) + sorted(set(block["param_sets"]) - set(PARAM_SETS))
    if bad:
        raise InputError(f"reproduce: unknown tau orders / parameter sets {bad}")
    if any(not 0 < float(a) <= 1 for a in [*block["contact_fractions"], *block["sei_contact_fractions"]]):
        raise InputError("reproduce: contact fractions must lie in (0, 1]")
    return block


def series_plan(config: Mapping[str, Any]) -> list[SeriesSpec]:
    """Every series of the reproduction for a ``reproduce:`` config block (cheap: nothing is simulated)."""
    size = size_block(config)
    out: list[SeriesSpec] = []
    for order in size["tau_orders"]:
        for m in size["morphologies"]:
            if m == "disordered":
                out.extend(
                    SeriesSpec(f"p_{order}_disordered{seed}", "pressure", order, m, seed, size=size)
                    for seed in range(int(size["n_disordered"]))
                )
            else:
                out.append(SeriesSpec(f"p_{order}_{m}", "pressure", order, m, size=size))
    # Figure 6 a (tau_Cstr < tau_CT) and c (tau_CT < tau_Cstr): the two orders with separate CT and Cstr signals
    for order in [o for o in ("cstr_lt_ct", "ct_lt_cstr") if o in size["tau_orders"]]:
        out.extend(
            SeriesSpec(f"t_{order}_{p}", "temperature", order, "disordered", 0, p, size=size)
            for p in size["param_sets"]
        )
    out.append(SeriesSpec("sei", "sei", None, "sei_spot", size=size))
    return out


def scenarios(spec: SeriesSpec) -> list[Scenario]:
    """The scenarios of one series (paper geometry: 100 um cube, disordered feature size 15 um)."""
    size = spec.size
    common: dict[str, Any] = {
        "cell": spec.name,
        "morphology": spec.morphology,
        "morphology_seed": spec.seed,
        "correlation_um": 15.0,
        "voxel_um": float(size["voxel_um"]),
        "mean_grain_um": float(size["mean_grain_um"]),
        "points_per_decade": int(size["points_per_decade"]),
        "f_min_hz": 1e-3,
        "f_max_hz": 1e8,
        "tau_order": spec.tau_order,
    }
    out: list[Scenario] = []
    if spec.kind == "temperature":
        r_pol, gb = PARAM_SETS[str(spec.param_set)]
        mat = Material(r_pol_ohm_cm2=r_pol)
        for t in size["temperatures_c"]:
            name = f"{spec.name}_T{float(t):+05.1f}".replace(".", "p").replace("+", "")
            out.append(
                Scenario(
                    spectrum=name,
                    contact_fraction=TEMPERATURE_A,
                    temperature_c=float(t),
                    material=mat,
                    gb_model=gb,  # type: ignore[arg-type]
                    series="temperature",
                    **common,
                )
            )
        return out
    fracs = size["sei_contact_fractions"] if spec.kind == "sei" else size["contact_fractions"]
    mat = Material(r_pol_ohm_cm2=SEI_R_POL) if spec.kind == "sei" else Material()
    for k, a in enumerate(sorted((float(x) for x in fracs), reverse=True)):
        name = f"{spec.name}_A{a * 100:05.1f}".replace(".", "p")
        # nominal pressure label rising with A (the analysis orders the series by pressure)
        out.append(Scenario(spectrum=name, contact_fraction=a, material=mat, pressure_mpa=100.0 - k, **common))
    return out


def replace_size(spec: SeriesSpec, **size: Any) -> SeriesSpec:
    """``spec`` with size keys overridden (tests)."""
    return replace(spec, size={**spec.size, **size})
