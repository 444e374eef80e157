"""eisrecipe: what limits a metal-anode | solid-electrolyte interface?

The hierarchical impedance recipe of Eckhardt et al., Adv. Mater. Interfaces 2023 (Steps 1-7) as a library;
the Snakemake workflow in the repository root drives it over a lab's sample sheet.

Imports stay light on purpose: ``import eisrecipe`` loads only the errors (the data model,
``eisrecipe.Spectrum``, and with it numpy on first use), so that command-line calls and Snakemake jobs start
fast. Submodules (``eisrecipe.io``, ``eisrecipe.methods.kk`` ...) are imported where they are used. The layers
(``methods``, ``recipe``, ``stages`` ...) are described in docs/architecture.md; the module paths of release 0.1
still import, with a DeprecationWarning (:mod:`eisrecipe._moved`).
"""

import sys
import types
from typing import TYPE_CHECKING, Any

from eisrecipe import _moved
from eisrecipe.errors import EisRecipeWarning, InputError

if TYPE_CHECKING:
    from eisrecipe.spectrum import Spectrum

_moved.install()

#: the Python API (``eisrecipe.api``), looked up on first use so that ``import eisrecipe`` stays light
API = ("read", "kk", "drt", "fit", "plot", "run_cell")

__all__ = ["EisRecipeWarning", "InputError", "Spectrum", *API]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``eisrecipe.read`` ... (:data:`API`) from :mod:`eisrecipe.api`, imported on first use. By name through
    importlib, not an import statement: the API sits on the top layer (docs/architecture.md) and imports this
    package, so a static import here would be an upward edge and a loop. ``eisrecipe.Spectrum`` likewise on first
    use: it imports numpy, which a warm worker's job process (:mod:`eisrecipe.stages.warm`) never needs."""
    if name == "Spectrum":
        from eisrecipe.spectrum import Spectrum

        globals()[name] = Spectrum
        return Spectrum
    if name in API:
        import importlib

        api = importlib.import_module("eisrecipe.api")
        value = importlib.import_module("eisrecipe.api.plot") if name == "plot" else getattr(api, name)
        if f"eisrecipe.{name}" in _moved.MOVED:
            value = _ApiAndOldModule(value, _moved.MOVED[f"eisrecipe.{name}"])
        globals()[name] = value
        return value
    raise AttributeError(f"module 'eisrecipe' has no attribute {name!r}")


class _ApiAndOldModule:
    """An API function whose name was a module of release 0.1 (``eisrecipe.kk``, ``eisrecipe.drt``): calling it
    calls the API; any other attribute is read from the module at its new place, with the DeprecationWarning of
    :mod:`eisrecipe._moved` (so ``import eisrecipe.kk as m; m.kk_test`` keeps working)."""

    def __init__(self, func: Any, module: str) -> None:
        import functools

        functools.update_wrapper(self, func)
        self._func, self._module = func, module

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._func(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        import importlib
        import warnings

        if attr.startswith("__"):
            raise AttributeError(attr)
        warnings.warn(
            f"eisrecipe.{self._func.__name__}.{attr}: the module eisrecipe.{self._func.__name__} moved to "
            f"{self._module}; the old path goes in eisrecipe 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(self._module), attr)

    def __repr__(self) -> str:
        return f"<eisrecipe.{self._func.__name__}: API function; see help(eisrecipe.{self._func.__name__})>"


def __dir__() -> list[str]:
    return sorted({*globals(), *API, "Spectrum"})


class _Package(types.ModuleType):
    """The package's module type: an old module path of release 0.1 that shares a name with the API
    (``eisrecipe.kk``, ``eisrecipe.drt``: :mod:`eisrecipe._moved`) still imports, but the import system's binding
    of it as an attribute of the package is skipped, so ``eisrecipe.kk`` stays the API function (which reads the
    old module's attributes: :class:`_ApiAndOldModule`)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in API and isinstance(value, types.ModuleType) and name != "plot":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
