"""The recipe's element vocabulary: one name per process, their default circuit kinds, the order tables and
figures use, and the Irvine capacitance classes that assign DRT signals to them (RECIPE.md "Quantities and
conventions", Step 2 note).

Units: specific capacitances C x thickness / area in F/cm; thickness in cm.
"""

from __future__ import annotations

from eisrecipe.methods.circuits import ElementKind

__all__ = [
    "ASSUMED_THICKNESS_CM",
    "BULK",
    "BULK_C_MAX_F_CM",
    "CSTR",
    "CT",
    "DEFAULT_KINDS",
    "ELECTRODE",
    "ELEMENT_ORDER",
    "FAST",
    "GB",
    "GB_C_MAX_F_CM",
    "INT",
    "INTERFACE",
    "MICROSTRUCTURE",
    "SEI",
    "element_rank",
    "family",
    "is_interface",
    "numbered",
]

BULK = "bulk"  #: grain interior
GB = "gb"  #: grain boundaries
CSTR = "cstr"  #: geometric current constriction at voids
CT = "ct"  #: charge transfer
INT = "int"  #: a single (overlapping) interface signal, R_Int = R_CT + R_Cstr
FAST = "fast"  #: Step 1 track label prefix: a signal faster than bulk/GB that is neither (no interface signal)
SEI = "sei"  #: solid-electrolyte interphase / passivation layer
ELECTRODE = "electrode"  #: blocking electrodes: a series CPE (no resistance, no interface verdict)

#: the pressure-independent elements of the electrolyte (shared across a pressure series, Step 4)
MICROSTRUCTURE: tuple[str, str] = (BULK, GB)
#: interface elements, in the order Step 7 looks for the interface activation energy
INTERFACE: tuple[str, ...] = (INT, CSTR, CT, SEI)
#: the order of tables and figures (electrolyte first, then the interface from fast to slow in the usual case)
ELEMENT_ORDER: tuple[str, ...] = (BULK, GB, CSTR, INT, CT, SEI)

#: circuit kind per element when the config does not say (config ``fit.kinds``)
DEFAULT_KINDS: dict[str, ElementKind] = {BULK: "RC", GB: "RCPE", INT: "RCPE", CT: "RCPE", CSTR: "RCPE"}

BULK_C_MAX_F_CM = 5e-11
"""Largest specific capacitance of a bulk signal, F/cm (eps_r up to ~500; Irvine, Sinclair & West 1990: bulk
~1e-12 F; garnet LLZO with eps_r ~ 60-150 gives 0.5-1.3e-11)."""
GB_C_MAX_F_CM = 1e-7
"""Largest specific capacitance of a grain-boundary signal, F/cm (Irvine's 1e-11..1e-8 widened by a decade for thin
boundaries in coarse grains, e.g. 10 nm GBs in 10 um grains give ~1.3e-8)."""
ASSUMED_THICKNESS_CM = 0.1
"""Electrolyte thickness assumed when the sample sheet gives none (a 1 mm pellet), cm."""


def is_interface(name: str) -> bool:
    """Whether ``name`` is an interface element (anything but bulk and grain boundary)."""
    return name not in MICROSTRUCTURE


def family(name: str) -> str:
    """The process a numbered element belongs to: ``ct2`` -> ``ct``, ``cstr3`` -> ``cstr``, ``int2`` -> ``int``
    (a pressure series with several interface tracks fits one element per track: the primary charge-transfer
    track is ``ct``, further ones ``ct2``, ``ct3`` ...; see :mod:`eisrecipe.recipe.steps_3_6`)."""
    base = name.rstrip("0123456789")
    return base if base and base != name and name[len(base) :] not in ("", "0", "1") else name


def numbered(base: str, k: int) -> str:
    """The ``k``-th element (1-based) of a family: ``base`` itself for k = 1, else ``base`` + k."""
    return base if k == 1 else f"{base}{k}"


def element_rank(name: str) -> tuple[int, str]:
    """Sort key: :data:`ELEMENT_ORDER` first, unknown names after them alphabetically (the numbered per-track
    elements ``ct2``, ``cstr2`` ... too: Step 1's track labels ``int1``, ``int2`` ... keep their order)."""
    return (ELEMENT_ORDER.index(name) if name in ELEMENT_ORDER else len(ELEMENT_ORDER), name)
