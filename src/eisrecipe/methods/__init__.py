"""Numerics that know nothing of the recipe: Kramers-Kronig test and cropping, DRT, peaks, peak tracking,
equivalent circuits and their fits, Arrhenius fits, detection limits, trends, BLAS threads.

May import: :mod:`eisrecipe.spectrum`, :mod:`eisrecipe.errors` and each other (no loops). Never the recipe, the
stages, I/O or reports (docs/architecture.md).
"""
