"""Physical constants, CODATA 2018, in the units the package computes in."""

K_B_EV = 8.617333262e-5
"""Boltzmann constant, eV/K."""
ZERO_CELSIUS_K = 273.15
"""0 degrees Celsius in K."""
EPS0_F_CM = 8.8541878128e-14
"""Vacuum permittivity, F/cm."""
