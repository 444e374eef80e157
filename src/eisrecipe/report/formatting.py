"""Numbers for people: significant digits, value +- standard error, powers of ten and units as HTML."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

__all__ = ["UNITS", "fmt", "fmt_pm", "fmt_unit", "is_number"]

#: HTML spelling of the units used in column names
UNITS: dict[str, str] = {
    "ohm_cm2": "Ω cm<sup>2</sup>",
    "f_cm2": "F cm<sup>−2</sup>",
    "h_cm2": "H cm<sup>2</sup>",
    "s": "s",
    "ev": "eV",
    "mpa": "MPa",
    "c": "°C",
    "hz": "Hz",
    "": "",
}

_MINUS = "−"


def is_number(x: Any) -> bool:
    """True for a finite int/float (not bool)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(float(x))


def _power(exp: int) -> str:
    return f"×10<sup>{str(exp).replace('-', _MINUS)}</sup>"


def fmt_unit(unit: str) -> Markup:
    """HTML for a unit key of :data:`UNITS` (or the text itself, escaped)."""
    return Markup(UNITS[unit]) if unit in UNITS else escape(unit)


def _with_unit(text: str, unit: str) -> Markup:
    u = fmt_unit(unit)
    return Markup(f"{text}&nbsp;{u}") if u else Markup(text)


def fmt(x: Any, sig: int = 3, unit: str = "") -> Markup:
    """``x`` to ``sig`` significant digits; powers of ten outside 1e-3 .. 1e4; '–' for missing values.

    Parameters
    ----------
    x
        Number (anything else is shown as escaped text; None/NaN as '–').
    sig
        Significant digits.
    unit
        Unit key of :data:`UNITS` (or literal unit text).
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return Markup("–")
    if isinstance(x, bool) or not is_number(x):
        return escape(str(x))
    if isinstance(x, int):
        return _with_unit(str(x).replace("-", _MINUS), unit)
    v = float(x)
    if v == 0:
        return _with_unit("0", unit)
    exp = math.floor(math.log10(abs(v)))
    if -3 <= exp < 4:
        decimals = max(sig - 1 - exp, 0)
        text = f"{v:.{decimals}f}"
    else:
        mant = f"{v / 10**exp:.{sig - 1}f}"
        if mant.lstrip("-") == "10." + "0" * (sig - 1) or mant.lstrip("-") == "10":
            exp += 1
            mant = f"{v / 10**exp:.{sig - 1}f}"
        text = f"{mant}{_power(exp)}"
    return _with_unit(text.replace("-", _MINUS), unit)


def fmt_pm(value: Any, stderr: Any, unit: str = "", sig_err: int = 2) -> Markup:
    """``value ± stderr unit`` with the standard error to ``sig_err`` significant digits and the value rounded to
    the same decimal place (a shared power of ten outside 1e-3 .. 1e4). Without a usable error: ``fmt(value)``."""
    if not is_number(value):
        return fmt(value, unit=unit)
    if not is_number(stderr) or float(stderr) <= 0:
        return fmt(value, 4, unit)
    v, e = float(value), float(stderr)
    exp = math.floor(math.log10(abs(v))) if v != 0 else math.floor(math.log10(e))
    shift = exp if not -3 <= exp < 4 else 0
    vs, es = v / 10**shift, e / 10**shift
    e_exp = math.floor(math.log10(es))
    decimals = max(sig_err - 1 - e_exp, 0)
    text = f"{vs:.{decimals}f} ± {es:.{decimals}f}".replace("-", _MINUS)
    if shift:
        text = f"({text}){_power(shift)}"
    return _with_unit(text, unit)
