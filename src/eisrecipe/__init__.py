"""eisrecipe: what limits a metal-anode | solid-electrolyte interface?

The hierarchical impedance recipe of Eckhardt et al., Adv. Mater. Interfaces 2023 (Steps 1-7) as a library;
the Snakemake workflow in the repository root drives it over a lab's sample sheet.

Imports stay light on purpose: ``import eisrecipe`` loads only the data model and the errors, so that
command-line calls and Snakemake jobs start fast. Submodules (``eisrecipe.io``, ``eisrecipe.methods.kk`` ...) are
imported where they are used. The layers (``methods``, ``recipe``, ``stages`` ...) are described in
docs/architecture.md; the module paths of release 0.1 still import, with a DeprecationWarning (:mod:`eisrecipe._moved`).
"""

from eisrecipe import _moved
from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.spectrum import Spectrum

_moved.install()

__all__ = ["EisRecipeWarning", "InputError", "Spectrum"]
__version__ = "0.1.0"
