"""3D impedance-network simulator of a metal | solid-electrolyte cell (Eckhardt et al. 2023, Section 2).

Modules, upstream to downstream:

- :mod:`~eisrecipe.network.microstructure`: voxel grid, Voronoi and layered grains;
- :mod:`~eisrecipe.network.morphology`: WE contact maps (spot, frame, disordered, SEI, pores + SEI);
- :mod:`~eisrecipe.network.assembly`: nodal conductance G (S) and capacitance C (F) matrices;
- :mod:`~eisrecipe.network.solver`: reduced-order model with the exact Foster form / DRT, direct reference;
- :mod:`~eisrecipe.network.scenarios`: scenario -> spectrum (ohm cm^2) + ground truth, dataset writer.

Progress is reported through :mod:`logging` (logger ``eisrecipe.network.*``, INFO per shift and scenario).
"""

from eisrecipe.network.assembly import ElementValues, Network, assemble
from eisrecipe.network.microstructure import Grid, layered_grains, voronoi_grains
from eisrecipe.network.scenarios import (
    Material,
    Scenario,
    SimulationResult,
    expand,
    simulate,
    write_dataset,
    write_dataset_from_config,
)
from eisrecipe.network.solver import (
    FosterModel,
    ReducedModel,
    dc_resistance,
    direct_impedance,
    exact_foster_dense,
    reduce,
)

__all__ = [
    "ElementValues",
    "FosterModel",
    "Grid",
    "Material",
    "Network",
    "ReducedModel",
    "Scenario",
    "SimulationResult",
    "assemble",
    "dc_resistance",
    "direct_impedance",
    "exact_foster_dense",
    "expand",
    "layered_grains",
    "reduce",
    "simulate",
    "voronoi_grains",
    "write_dataset",
    "write_dataset_from_config",
]
