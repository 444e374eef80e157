"""Closed-loop reproduction of the paper's simulated findings (Eckhardt et al. 2023, Section 3.2; issue 7).

Our 3D network (:mod:`eisrecipe.network`) simulates the paper's series; our analysis chain (DRT, Steps 3-6 fits,
temperature fits, Arrhenius) is run on them in-process; the numbers are set beside the published ones.

Modules, in the order of the data flow (``rules/reproduce.smk``; none imports a later one):

- :mod:`~eisrecipe.reproduction.plan`: sizes, Figure 6 parameter sets, the series (one Snakemake job each) and
  their scenarios;
- :mod:`~eisrecipe.reproduction.longtable`: the long table every series writes (:data:`LONG_COLUMNS`);
- :mod:`~eisrecipe.reproduction.truth`: simulator truth - exact-DRT windows, closed forms, ground-truth rows;
- :mod:`~eisrecipe.reproduction.run`: the analysis chain on a simulated series (:func:`run_series`);
- :mod:`~eisrecipe.reproduction.checks`: the cheap simulations behind "Why ours differs"
  (:func:`difference_checks`);
- :mod:`~eisrecipe.reproduction.stats`: slopes, spans and means over the long table;
- :mod:`~eisrecipe.reproduction.published`: the published values (``published.yaml``, package data);
- :mod:`~eisrecipe.reproduction.notes`: prose - the table's notes and "Why ours differs" (:func:`why_notes`);
- :mod:`~eisrecipe.reproduction.compare`: the reproduction table (:func:`assemble`, :data:`TABLE_COLUMNS`);
- :mod:`~eisrecipe.reproduction.page`: CSV + HTML report (:func:`write_report`,
  ``report/templates/reproduction.html.j2``).

Units: resistances in ohm cm^2, capacitances in F cm^-2, time constants in s, activation energies in eV,
temperatures in deg C, contact fractions 0..1.
"""

from eisrecipe.reproduction.checks import CHECK_COLUMNS, difference_checks
from eisrecipe.reproduction.compare import TABLE_COLUMNS, assemble
from eisrecipe.reproduction.longtable import LONG_COLUMNS
from eisrecipe.reproduction.notes import why_notes
from eisrecipe.reproduction.page import write_report
from eisrecipe.reproduction.plan import PARAM_SETS, SIZES, SeriesSpec, replace_size, series_plan
from eisrecipe.reproduction.run import run_series, tau_on_bound
from eisrecipe.reproduction.stats import loglog_slope, slopes, span_decades
from eisrecipe.reproduction.truth import sei_int_closed_form, spot_spreading_ohm_cm2

__all__ = [
    "CHECK_COLUMNS",
    "LONG_COLUMNS",
    "PARAM_SETS",
    "SIZES",
    "TABLE_COLUMNS",
    "SeriesSpec",
    "assemble",
    "difference_checks",
    "loglog_slope",
    "replace_size",
    "run_series",
    "sei_int_closed_form",
    "series_plan",
    "slopes",
    "span_decades",
    "spot_spreading_ohm_cm2",
    "tau_on_bound",
    "why_notes",
    "write_report",
]
