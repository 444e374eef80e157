"""Old module paths of release 0.1, kept importable for one release.

The package was layered into ``methods/``, ``recipe/`` and ``stages/`` (docs/architecture.md). An import of an old
path (``eisrecipe.drt``, ``eisrecipe.fit_stage`` ...) returns the module at its new place and emits a
:class:`DeprecationWarning` naming it; nothing else is kept at the old place. Remove in 0.3.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: old dotted path -> new dotted path
MOVED = {
    "eisrecipe.arrhenius": "eisrecipe.methods.arrhenius",
    "eisrecipe.arrhenius_joint": "eisrecipe.methods.arrhenius_joint",
    "eisrecipe.circuits": "eisrecipe.methods.circuits",
    "eisrecipe.crop": "eisrecipe.methods.crop",
    "eisrecipe.detection": "eisrecipe.methods.detection",
    "eisrecipe.drt": "eisrecipe.methods.drt",
    "eisrecipe.drt_pydrttools": "eisrecipe.methods.drt.pydrttools",
    "eisrecipe.fitting": "eisrecipe.methods.fitting",
    "eisrecipe.kk": "eisrecipe.methods.kk",
    "eisrecipe.peaks": "eisrecipe.methods.peaks",
    "eisrecipe.tracking": "eisrecipe.methods.tracking",
    "eisrecipe.trends": "eisrecipe.methods.trends",
    "eisrecipe.contact": "eisrecipe.recipe.contact",
    "eisrecipe.steps12": "eisrecipe.recipe.steps_1_2",
    "eisrecipe.verdict": "eisrecipe.recipe.verdict",
    "eisrecipe.temperature_stage": "eisrecipe.recipe.temperature",
    "eisrecipe.drt_stage": "eisrecipe.stages.drt",
    "eisrecipe.fit_stage": "eisrecipe.stages.fit",
    "eisrecipe.validation": "eisrecipe.stages.validate",
    "eisrecipe.verdict_stage": "eisrecipe.stages.verdict",
    "eisrecipe.tables": "eisrecipe.serialize",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path and loads it as the module at the new one."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec:
        if fullname not in MOVED:
            return None  # type: ignore[return-value]
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new}; the old path goes in eisrecipe 0.3", DeprecationWarning, stacklevel=3
        )
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was executed at its new place."""


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
