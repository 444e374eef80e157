"""Bulk and grain-boundary conductivities from the fitted resistances and the electrolyte thickness."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from eisrecipe.recipe.elements import MICROSTRUCTURE

__all__ = ["conductivities"]


def conductivities(fits: pd.DataFrame, thickness_cm: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """Bulk and grain-boundary conductivities sigma = L / R (S/cm) of every fitted spectrum with a known thickness.

    The grain-boundary value is the macroscopic one (L / R_GB), not the specific boundary conductivity (which
    needs the boundary thickness and grain size). The joint pressure-series fit shares bulk and GB, so it gives one
    value per cell (its first spectrum stands for all). The standard error is propagated from R's.

    Parameters
    ----------
    fits
        The cell's ``fits.csv``.
    thickness_cm
        Spectrum name -> electrolyte thickness in cm (``None`` or NaN: not given).
    """
    out: list[dict[str, Any]] = []
    if fits.empty or "fit" not in fits:
        return out
    rows = fits[fits["fit"].isin(["series", "temperature", "individual"]) & fits["element"].isin(MICROSTRUCTURE)]
    seen_shared: set[str] = set()
    for r in rows.itertuples(index=False):
        if r.fit == "series":
            if r.element in seen_shared:
                continue
            seen_shared.add(r.element)
        thickness = thickness_cm.get(str(r.spectrum))
        if thickness is None or not math.isfinite(thickness) or not r.r_ohm_cm2 > 0:
            continue
        sigma = thickness / r.r_ohm_cm2
        err = sigma * r.r_stderr_ohm_cm2 / r.r_ohm_cm2
        out.append(
            {
                "spectrum": "all (shared)" if r.fit == "series" else str(r.spectrum),
                "fit": r.fit,
                "element": r.element,
                "temperature_c": getattr(r, "temperature_c", None),
                "sigma_s_cm": sigma,
                "sigma_stderr_s_cm": err,
            }
        )
    return out
