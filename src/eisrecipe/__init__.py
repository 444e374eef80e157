"""eisrecipe: what limits a metal-anode | solid-electrolyte interface?

The hierarchical impedance recipe of Eckhardt et al., Adv. Mater. Interfaces 2023 (Steps 1-7) as a library;
the Snakemake workflow in the repository root drives it over a lab's sample sheet.

Imports stay light on purpose: ``import eisrecipe`` loads only the data model and the errors, so that
command-line calls and Snakemake jobs start fast. Submodules (``eisrecipe.io``, ``eisrecipe.kk`` ...) are
imported where they are used.
"""

from eisrecipe.errors import EisRecipeWarning, InputError
from eisrecipe.spectrum import Spectrum

__all__ = ["EisRecipeWarning", "InputError", "Spectrum"]
__version__ = "0.1.0"
