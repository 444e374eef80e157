"""The report's figures: one function per plot, each from a cell's parsed stage outputs (nothing recomputed except
the model curves of the circuit fits, rebuilt from ``fits.csv`` with :mod:`eisrecipe.methods.circuits`).

Every ``*_figure`` function returns a :class:`matplotlib.figure.Figure` (on the Agg canvas, no pyplot state), or
``None`` when the cell has nothing to show for that plot. :func:`cell_plots` returns every plot of a cell with the
table of its data (:class:`Plot`: what the report embeds and writes to ``figures/`` as SVG, PNG and CSV).

Conventions: pressure and temperature series in separate panels, each coloured along its pressure (log scale) or
temperature with a colour bar; axes scaled on the kept points (points dropped by the cropping are marked but may
fall outside); legends outside the data; plain numbers on pressure axes; full page width (10.5 in at 100 dpi).
:func:`figure_svg` / :func:`figure_png` serialise byte-stably: fixed ``svg.hashsalt``, no date or creator
metadata. Rendering is kept cheap: fixed margins in inches instead of a layout engine, SVG text as ``<text>``
(``svg.fonttype: none``), powers of ten as plain Unicode text (no mathtext), no minor ticks on log axes wider than
three decades, PNGs quantized from the raw pixels.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from eisrecipe.methods.arrhenius import K_B_EV, ZERO_CELSIUS_K
from eisrecipe.methods.circuits import SeriesModel
from eisrecipe.recipe.elements import element_rank, is_interface
from eisrecipe.report.data import CellData
from eisrecipe.report.formatting import is_number

__all__ = [
    "STYLE",
    "WIDTH_IN",
    "Plot",
    "arrhenius_figure",
    "bode_figure",
    "cell_plots",
    "drt_figure",
    "figure_png",
    "figure_svg",
    "fit_figures",
    "kk_residual_figure",
    "model_impedance",
    "nyquist_figure",
    "plain_log_axis",
    "quantize_png",
    "spectrum_label",
    "trends_figure",
]

P = ParamSpec("P")

#: matplotlib settings of every figure (fonts shipped with matplotlib; SVG text as text; fixed SVG ids)
STYLE: dict[str, Any] = {
    # text stays text in the SVG (svg.fonttype none: no glyph outlines to build), in DejaVu Sans where the viewer
    # has it, else its sans-serif
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 10,
    "axes.titlesize": 10.5,
    # a fixed title height: matplotlib otherwise measures the tick labels of every axes at every render to lift it
    "axes.titley": 1.0,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "none",
    "svg.hashsalt": "eisrecipe-report",
    "svg.image_inline": True,
    "path.simplify": True,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}

#: figure width, inches (at 100 dpi: the report's column, 1050 px)
WIDTH_IN = 10.5
#: colour maps of the series: pressure (log scale) and temperature
_CMAPS = {"pressure": "viridis", "temperature": "plasma", "": "cividis"}
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
_SERIES_TITLE = {"pressure": "pressure series", "temperature": "temperature series", "": "other spectra"}


@dataclass(frozen=True, eq=False)
class Plot:
    """One plot of a cell: the figure, the table of the data it shows, and its words.

    Attributes
    ----------
    name
        File stem under ``figures/`` (``nyquist``, ``bode``, ``kk_residuals``, ``drt``, ``fit_<fit>``, ``trends``,
        ``arrhenius``).
    figure
        The matplotlib figure.
    data
        The plotted values, one row per point, units in the column names.
    caption
        One or two sentences for the report.
    """

    name: str
    figure: Figure
    data: pd.DataFrame
    caption: str

    def __repr__(self) -> str:
        return f"Plot({self.name!r}, {len(self.data)} data rows)"


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(STYLE):
        yield


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_label(x: float) -> str:
    """``10³``, ``2×10⁻⁴``: a tick value as a power of ten in plain Unicode text."""
    if not (math.isfinite(x) and x > 0):
        return ""
    e = math.floor(math.log10(x) + 1e-9)
    m = x / 10.0**e
    sup = str(e).translate(_SUPERSCRIPT)
    return f"10{sup}" if abs(m - 1.0) < 1e-6 else f"{m:.3g}×10{sup}"


class PowerFormatter(ticker.LogFormatter):
    """Log-axis tick labels as :func:`power_label` writes them, on the ticks matplotlib's own log formatter labels:
    plain text, where ``$10^{3}$`` went through the mathtext parser for every label of every render."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return power_label(x) if super().__call__(x, pos) else ""


#: log axes spanning more decades than this get no minor ticks (a frequency axis had 70 of them, each a set of
#: artists that every render positions and draws)
_MINOR_TICKS_MAX_DECADES = 3.0


def _lean_ticks(fig: Figure) -> None:
    """Power-of-ten labels as plain text (:class:`PowerFormatter`), no minor ticks on wide log axes."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                lo, hi = sorted(axis.get_view_interval())
                if lo > 0 and math.log10(hi / lo) > _MINOR_TICKS_MAX_DECADES:
                    axis.set_minor_locator(ticker.NullLocator())
            for get, put in (
                (axis.get_major_formatter, axis.set_major_formatter),
                (axis.get_minor_formatter, axis.set_minor_formatter),
            ):
                f = get()
                if isinstance(f, ticker.LogFormatterMathtext):
                    put(PowerFormatter(f._base, labelOnlyBase=f.labelOnlyBase))


def _styled(func: Callable[P, Any]) -> Callable[P, Any]:
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        with _style():
            drawn = func(*args, **kwargs)
        if drawn is not None:
            _lean_ticks(drawn[0])
        return drawn

    return wrapper


def _figure(height: float, width: float = WIDTH_IN) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


#: fixed margins in inches (no layout engine: constrained layout measured every tick label several times per
#: render): room for tick labels and an axis label on the left, a title on top, tick labels, an axis label and a
#: legend row below
_LEFT, _RIGHT, _TOP, _BOTTOM, _LEGEND_ROW = 0.85, 0.2, 0.35, 0.55, 0.28
#: between panels side by side: the colour bar (0.3 in with pad), its labels, the next panel's y labels
_WSPACE_BAR, _WSPACE = 1.75, 0.85
#: right margin beside a colour bar: its tick labels and label
_RIGHT_BAR = 0.9


def _grid(
    fig: Figure,
    rows: int,
    cols: int,
    *,
    legend_rows: int = 0,
    wspace: float = _WSPACE_BAR,
    hspace: float = 0.6,
    left: float = _LEFT,
    right: float = _RIGHT,
    top: float = _TOP,
    bottom: float = _BOTTOM,
) -> dict[str, float]:
    """``gridspec_kw`` for ``rows`` x ``cols`` panels with margins and gaps given in inches (``legend_rows``
    rows of a legend below the panels)."""
    width, height = fig.get_size_inches()
    bottom += legend_rows * _LEGEND_ROW
    ax_w = (width - left - right - (cols - 1) * wspace) / cols
    ax_h = (height - top - bottom - (rows - 1) * hspace) / rows
    return {
        "left": left / width,
        "right": 1 - right / width,
        "top": 1 - top / height,
        "bottom": bottom / height,
        "wspace": wspace / ax_w,
        "hspace": hspace / ax_h,
    }


def _legend_rows(n: int) -> int:
    return -(-n // 5)


def figure_svg(fig: Figure) -> str:
    """The figure as SVG text, byte-identical for identical input (fixed hash salt, no metadata)."""
    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return buf.getvalue()


def figure_png(fig: Figure, dpi: float = 150, colors: int | None = None) -> bytes:
    """The figure as PNG bytes, byte-identical for identical input (no software or date metadata); with
    ``colors``, reduced to that many palette colours (:func:`quantize_png`), from the raw pixels (one PNG
    encoding, not two)."""
    buf = io.BytesIO()
    with _style():
        if colors is None:
            fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
            return buf.getvalue()
        fig.savefig(buf, format="rgba", dpi=dpi)
    from PIL import Image  # matplotlib's own dependency; loaded only here

    width = int(fig.get_figwidth() * dpi)
    raw = buf.getvalue()
    image = Image.frombuffer("RGBA", (width, len(raw) // (4 * width)), raw, "raw", "RGBA", 0, 1)
    return _quantized(image.convert("RGB"), colors)


def _quantized(image: Any, colors: int) -> bytes:
    from PIL import Image

    # fast octree: 5x faster than median cut, as sharp on plots; zlib level 6: optimize=True took 5x longer for 5 %
    image = image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def quantize_png(png: bytes, colors: int = 128) -> bytes:
    """A PNG reduced to ``colors`` palette colours (fast octree, no dithering): about a third of the bytes of a
    plot, byte-stable."""
    from PIL import Image  # matplotlib's own dependency; loaded only here

    return _quantized(Image.open(io.BytesIO(png)).convert("RGB"), colors)


def plain_log_axis(axis: Any) -> None:
    """Plain numbers (``10 20 50 100``) instead of powers of ten on a logarithmic axis within 1e-3 .. 1e6 spanning
    < 4 decades."""
    lo, hi = axis.get_view_interval()
    if lo >= 1e-3 and hi < 1e6 and hi / lo < 1e4:
        axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())


def _order_elements(names: list[str]) -> list[str]:
    return sorted(set(names), key=element_rank)


def spectrum_label(cell: CellData, spectrum: str) -> str:
    """``name (pressure MPa)`` for a pressure series, ``name (T °C)`` for a temperature series, else the name."""
    meta = cell.spectrum_meta.get(spectrum, {})
    series = meta.get("series")
    if series == "temperature" and meta.get("temperature_c") is not None:
        return f"{spectrum} ({meta['temperature_c']:g} °C)"
    if meta.get("pressure_mpa") is not None:
        return f"{spectrum} ({meta['pressure_mpa']:g} MPa)"
    return spectrum


def _series_of(cell: CellData, spectrum: str) -> str:
    series = cell.spectrum_meta.get(spectrum, {}).get("series")
    return series if series in ("pressure", "temperature") else ""


def _value_of(cell: CellData, spectrum: str, series: str) -> float:
    meta = cell.spectrum_meta.get(spectrum, {})
    key = {"pressure": "pressure_mpa", "temperature": "temperature_c"}.get(series)
    v = meta.get(key) if key else None
    return float(v) if is_number(v) else math.nan


@dataclass(frozen=True)
class _Series:
    """Spectra of one series with their colours."""

    series: str
    names: list[str]
    colors: dict[str, Any]
    mappable: ScalarMappable | None

    @property
    def title(self) -> str:
        return _SERIES_TITLE[self.series]

    def colorbar(self, fig: Figure, ax: Axes | list[Axes]) -> None:
        if self.mappable is None:
            return
        label = {"pressure": "pressure / MPa", "temperature": "temperature / °C"}[self.series]
        bar = fig.colorbar(self.mappable, ax=ax, label=label, pad=0.01, fraction=0.04, aspect=30)
        if self.series == "pressure":
            bar.ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            bar.ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            bar.ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def _series_groups(cell: CellData, names: list[str]) -> list[_Series]:
    """Split spectra into series (pressure, temperature, other), each coloured along its pressure/temperature."""
    out = []
    for series in ("pressure", "temperature", ""):
        members = [s for s in names if _series_of(cell, s) == series]
        if not members:
            continue
        values = np.array([_value_of(cell, s, series) for s in members])
        cmap = mpl.colormaps[_CMAPS[series]]
        ok = np.isfinite(values) & ((values > 0) if series == "pressure" else True)
        if series and ok.all() and len(set(values)) > 1:
            lo, hi = float(values.min()), float(values.max())
            norm = mcolors.LogNorm(lo, hi) if series == "pressure" else mcolors.Normalize(lo, hi)
            # trim the light end of the map (yellow on white) to 85 %
            trimmed = mcolors.ListedColormap(cmap(np.linspace(0.0, 0.85, 256)))
            colors = {s: trimmed(float(norm(v))) for s, v in zip(members, values, strict=True)}
            out.append(_Series(series, members, colors, ScalarMappable(norm=norm, cmap=trimmed)))
        else:
            n = max(len(members) - 1, 1)
            out.append(_Series(series, members, {s: cmap(0.85 * i / n) for i, s in enumerate(members)}, None))
    return out


def _spectra_groups(cell: CellData) -> list[tuple[str, pd.DataFrame]]:
    if cell.spectra.empty or "spectrum" not in cell.spectra.columns:
        return []
    groups = {str(k): g for k, g in cell.spectra.groupby("spectrum", sort=False)}
    order = [s for s in cell.spectrum_order if s in groups] + sorted(set(groups) - set(cell.spectrum_order))
    return [(s, groups[s].sort_values("frequency_hz", ascending=False)) for s in order]


def _kept(g: pd.DataFrame) -> np.ndarray:
    if "kept" not in g.columns:
        return np.ones(len(g), dtype=bool)
    return g["kept"].astype(str).str.lower().isin(["true", "1"]).to_numpy()


def _limits(values: list[np.ndarray], pad: float = 0.05, log: bool = False) -> tuple[float, float] | None:
    v = np.concatenate([np.asarray(x, dtype=float) for x in values]) if values else np.array([])
    v = v[np.isfinite(v) & ((v > 0) if log else True)]
    if not v.size:
        return None
    lo, hi = float(v.min()), float(v.max())
    if log:
        span = math.log10(hi / lo) if hi > lo else 1.0
        return lo / 10 ** (pad * span), hi * 10 ** (pad * span)
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span


def _meta_columns(cell: CellData, frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``series``, ``pressure_mpa`` and ``temperature_c`` from the sample sheet to a per-spectrum table."""
    meta = cell.spectrum_meta
    spectra = frame["spectrum"].astype(str).tolist()  # a list: iterating a pandas string column is 10x slower
    out = frame.copy()
    out.insert(1, "series", [meta.get(s, {}).get("series") for s in spectra])
    for key in ("pressure_mpa", "temperature_c"):
        if key not in out.columns:
            out.insert(2, key, [meta.get(s, {}).get(key) for s in spectra])
    return out


def _nyquist_axes(ax: Axes, xl: tuple[float, float], yl: tuple[float, float]) -> None:
    """Equal scales on both axes, limits on the kept points (5 % margin, the origin of -Z'' included); the panel's
    box takes the data's shape."""
    lo_y = min(yl[0], 0.0)
    span = max(xl[1] - xl[0], yl[1] - lo_y, 1e-12)
    ax.set_xlim(xl[0] - 0.05 * span, xl[1] + 0.05 * span)
    ax.set_ylim(lo_y - 0.05 * span, yl[1] + 0.05 * span)
    ax.set_aspect("equal", adjustable="box")


def _panels(
    fig: Figure, n: int, rows: int = 1, *, legend_rows: int = 1, grid: dict[str, Any] | None = None, **kwargs: Any
) -> np.ndarray:
    kw = _grid(fig, rows, n, legend_rows=legend_rows, **(grid or {}))
    return np.asarray(fig.subplots(rows, n, squeeze=False, gridspec_kw=kw, **kwargs))


def _legend_below(fig: Figure, handles: list[Any], labels: list[str]) -> None:
    if handles:
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=min(len(labels), 5))


Drawn = tuple[Figure, pd.DataFrame] | None


def _spectra_data(cell: CellData, groups: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    cols = ["spectrum", "frequency_hz", "z_real_ohm_cm2", "z_imag_ohm_cm2", "kept"]
    cols += [c for c in ("kk_residual_real", "kk_residual_imag") if c in groups[0][1].columns]
    frame = pd.concat([g.assign(kept=_kept(g))[cols] for _, g in groups], ignore_index=True)
    return _meta_columns(cell, frame)


@_styled
def _nyquist(cell: CellData) -> Drawn:
    groups = _spectra_groups(cell)
    if not groups:
        return None
    data = dict(groups)
    series = _series_groups(cell, list(data))
    fig = _figure(4.6)
    axes = _panels(fig, len(series), grid={"right": _RIGHT_BAR})[0]
    n_out = 0
    for ax, ser in zip(axes, series, strict=True):
        xs, ys = [], []
        for s in ser.names:
            g = data[s]
            kept = _kept(g)
            zr, zi = g["z_real_ohm_cm2"].to_numpy(), -g["z_imag_ohm_cm2"].to_numpy()
            ax.plot(zr[kept], zi[kept], "o-", ms=2.5, lw=0.8, color=ser.colors[s])
            # dropped points do not drive the axes (scalex/scaley off): autoscaling sees the kept points only
            ax.plot(zr[~kept], zi[~kept], "x", ms=4, color=ser.colors[s], alpha=0.8, scalex=False, scaley=False)
            xs.append(zr[kept])
            ys.append(zi[kept])
        xl, yl = _limits(xs, pad=0.0), _limits(ys, pad=0.0)
        if xl and yl:
            for s in ser.names:
                g = data[s]
                zr, zi = g["z_real_ohm_cm2"].to_numpy(), -g["z_imag_ohm_cm2"].to_numpy()
                out = ~_kept(g) & ((zr < xl[0]) | (zr > xl[1]) | (zi > yl[1]) | (zi < min(yl[0], 0.0)))
                n_out += int(out.sum())
            _nyquist_axes(ax, xl, yl)
        ax.set_xlabel("Z′ / Ω cm²")
        ax.set_ylabel("−Z″ / Ω cm²")
        ax.set_title(f"{ser.title} ({len(ser.names)} spectra)")
        ser.colorbar(fig, ax)
    dropped = "dropped by the cropping" + (f" ({n_out} outside the axes)" if n_out else "")
    handles = [
        mpl.lines.Line2D([], [], marker="o", ls="-", ms=3, color="0.3"),
        mpl.lines.Line2D([], [], marker="x", ls="", ms=4, color="0.3"),
    ]
    _legend_below(fig, handles, ["kept points", dropped])
    return fig, _spectra_data(cell, groups)


@_styled
def _bode(cell: CellData) -> Drawn:
    groups = _spectra_groups(cell)
    if not groups:
        return None
    data = dict(groups)
    series = _series_groups(cell, list(data))
    fig = _figure(5.2)
    axes = _panels(fig, len(series), rows=2, sharex="col", grid={"right": _RIGHT_BAR, "hspace": 0.15})
    for k, ser in enumerate(series):
        ax_m, ax_p = axes[0, k], axes[1, k]
        mags, phases = [], []
        for s in ser.names:
            g = data[s]
            kept = _kept(g)
            f = g["frequency_hz"].to_numpy()
            z = g["z_real_ohm_cm2"].to_numpy() + 1j * g["z_imag_ohm_cm2"].to_numpy()
            mag, phase = np.abs(z), -np.degrees(np.angle(z))
            ax_m.plot(f[kept], mag[kept], "o-", ms=2, lw=0.8, color=ser.colors[s])
            ax_p.plot(f[kept], phase[kept], "o-", ms=2, lw=0.8, color=ser.colors[s])
            ax_m.plot(f[~kept], mag[~kept], "x", ms=3.5, color=ser.colors[s], alpha=0.8, scaley=False)
            ax_p.plot(f[~kept], phase[~kept], "x", ms=3.5, color=ser.colors[s], alpha=0.8, scaley=False)
            mags.append(mag[kept])
            phases.append(phase[kept])
        ax_m.set_xscale("log")
        ax_m.set_yscale("log")
        if lim := _limits(mags, log=True):
            ax_m.set_ylim(*lim)
        if lim := _limits(phases):
            ax_p.set_ylim(*lim)
        plain_log_axis(ax_m.yaxis)
        ax_m.set_ylabel("|Z| / Ω cm²")
        ax_p.set_ylabel("−phase / °")
        ax_p.set_xlabel("frequency / Hz")
        ax_m.set_title(f"{ser.title} ({len(ser.names)} spectra)")
        ser.colorbar(fig, [ax_m, ax_p])
    handles = [
        mpl.lines.Line2D([], [], marker="o", ls="-", ms=3, color="0.3"),
        mpl.lines.Line2D([], [], marker="x", ls="", ms=4, color="0.3"),
    ]
    _legend_below(fig, handles, ["kept points", "dropped by the cropping"])
    return fig, _spectra_data(cell, groups)


@_styled
def _kk_residuals(cell: CellData) -> Drawn:
    groups = [(s, g) for s, g in _spectra_groups(cell) if "kk_residual_real" in g.columns]
    if not groups:
        return None
    data = dict(groups)
    series = _series_groups(cell, list(data))
    threshold = cell.validation.get("settings", {}).get("kk_threshold")
    fig = _figure(3.8)
    axes = _panels(fig, len(series), sharey=True, grid={"right": _RIGHT_BAR, "wspace": 1.0})[0]
    for ax, ser in zip(axes, series, strict=True):
        kept_values = []
        for s in ser.names:
            g = data[s]
            kept = _kept(g)
            f = g["frequency_hz"].to_numpy()
            for col, marker in (("kk_residual_real", "o"), ("kk_residual_imag", "^")):
                r = 100 * g[col].to_numpy(dtype=float)
                ax.plot(f[kept], r[kept], marker + "-", ms=2.2, lw=0.5, color=ser.colors[s])
                ax.plot(f[~kept], r[~kept], marker, ms=3.5, mfc="none", color=ser.colors[s], lw=0)
                kept_values.append(np.abs(r[kept]))
        top = max([float(np.nanmax(v)) for v in kept_values if v.size] or [1.0])
        if is_number(threshold):
            top = max(top, 100 * float(threshold))
            for sign in (1, -1):
                ax.axhline(sign * 100 * float(threshold), color="firebrick", ls="--", lw=1)
        ax.set_ylim(-1.25 * top, 1.25 * top)
        ax.set_xscale("log")
        ax.set_xlabel("frequency / Hz")
        ax.set_title(f"{ser.title} ({len(ser.names)} spectra)")
        ser.colorbar(fig, ax)
    axes[0].set_ylabel("KK residual / %")
    handles = [
        mpl.lines.Line2D([], [], marker="o", ls="-", ms=3, color="0.3"),
        mpl.lines.Line2D([], [], marker="^", ls="-", ms=3, color="0.3"),
        mpl.lines.Line2D([], [], marker="o", ls="", ms=4, mfc="none", color="0.3"),
    ]
    labels = ["real part (kept)", "imaginary part (kept)", "dropped by the cropping"]
    if is_number(threshold):
        handles.append(mpl.lines.Line2D([], [], ls="--", color="firebrick"))
        labels.append(f"threshold ±{100 * float(threshold):g} %")
    _legend_below(fig, handles, labels)
    return fig, _spectra_data(cell, groups)


@_styled
def _drt(cell: CellData) -> Drawn:
    if cell.drt.empty or "spectrum" not in cell.drt.columns:
        return None
    present = set(cell.drt["spectrum"].astype(str))
    order = [s for s in cell.spectrum_order if s in present] + sorted(present - set(cell.spectrum_order))
    curves = {str(s): g.sort_values("tau_s") for s, g in cell.drt.groupby("spectrum", sort=False)}
    series = _series_groups(cell, order)
    tracks = cell.tracks
    labels = []
    if not tracks.empty and {"label", "spectrum", "tau_s"} <= set(tracks.columns):
        labels = _order_elements(list(tracks["label"].dropna()))
    fig = _figure(4.4)
    axes = _panels(fig, len(series), grid={"right": _RIGHT_BAR})[0]
    handles: dict[str, Any] = {}
    for ax, ser in zip(axes, series, strict=True):
        for s in ser.names:
            g = curves[s]
            ax.plot(g["tau_s"], g["gamma_ohm_cm2"], lw=1.2, color=ser.colors[s])
        for k, label in enumerate(labels):
            rows = tracks[(tracks["label"] == label) & tracks["spectrum"].astype(str).isin(ser.names)]
            xs, ys, cs = [], [], []
            for row in rows.itertuples():
                g = curves.get(str(row.spectrum))
                if g is None or not np.isfinite(row.tau_s):
                    continue
                xs.append(row.tau_s)
                ys.append(float(np.interp(np.log(row.tau_s), np.log(g["tau_s"]), g["gamma_ohm_cm2"])))
                cs.append(ser.colors[str(row.spectrum)])
            if xs:
                marker = _MARKERS[k % len(_MARKERS)]
                ax.scatter(xs, ys, c=cs, marker=marker, s=30, edgecolors="k", linewidths=0.6, zorder=3)
                handles[label] = mpl.lines.Line2D([], [], marker=marker, ls="", mfc="w", mec="k", ms=6)
        ax.set_xscale("log")
        top = max((float(curves[s]["gamma_ohm_cm2"].max()) for s in ser.names), default=0.0)
        if ser.series == "temperature" and top > 0:
            # resistances follow Arrhenius: on a linear axis the coldest spectrum flattens every other one
            ax.set_yscale("log")
            ax.set_ylim(top * 1e-4, top * 2)
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlabel("τ / s")
        ax.set_ylabel("γ(τ) / Ω cm²" + (" (log)" if ser.series == "temperature" and top > 0 else ""))
        ax.set_title(f"{ser.title} ({len(ser.names)} spectra)")
        ser.colorbar(fig, ax)
    _legend_below(fig, list(handles.values()), [f"track {k}" for k in handles])
    cols = ["spectrum", "tau_s", "frequency_hz", "gamma_ohm_cm2"]
    return fig, _meta_columns(cell, cell.drt[[c for c in cols if c in cell.drt.columns]])


def model_impedance(rows: pd.DataFrame, frequency_hz: np.ndarray) -> np.ndarray:
    """Impedance of one spectrum's fitted circuit, rebuilt from its ``fits.csv`` rows.

    R_inf (``r_inf_ohm_cm2``), the series inductance (``l_h_cm2``, where given and > 0) and one element per row:
    RC and R-CPE from ``r_ohm_cm2``, ``tau_s``, ``alpha``; a series CPE from its Q (``c_f_cm2``) and ``alpha``.

    Parameters
    ----------
    rows
        The ``fits.csv`` rows of one fit and one spectrum.
    frequency_hz
        Frequencies, Hz.

    Returns
    -------
    numpy.ndarray
        Complex impedance, ohm cm^2.
    """
    first = rows.iloc[0]
    r_inf = float(first.get("r_inf_ohm_cm2", 0.0) or 0.0)
    l_h = first.get("l_h_cm2", 0.0)
    l_h = float(l_h) if l_h is not None and np.isfinite(l_h) else 0.0
    kinds = [str(k) if k in ("RC", "RCPE", "CPE") else "RC" for k in rows.get("kind", ["RC"] * len(rows))]
    model = SeriesModel.of(list(rows["element"].astype(str)), kinds, r_inf=r_inf > 0, inductance=l_h > 0)
    r, tau, alpha = [], [], []
    for kind, row in zip(kinds, rows.itertuples(), strict=True):
        a = getattr(row, "alpha", 1.0)
        alpha.append(1.0 if a is None or not np.isfinite(a) else float(a))
        if kind == "CPE":
            r.append(float(row.c_f_cm2))
            tau.append(1.0)
        else:
            r.append(float(row.r_ohm_cm2))
            tau.append(float(row.tau_s))
    x = model.pack(r, tau, alpha, r_inf=r_inf, inductance=l_h)
    return model.impedance(2 * np.pi * np.asarray(frequency_hz, dtype=float), x)


def _fit_groups(cell: CellData) -> list[str]:
    if cell.fits.empty or "fit" not in cell.fits.columns:
        return []
    preferred = ["step3", "series", "temperature"]
    present = [str(f) for f in dict.fromkeys(cell.fits["fit"].dropna())]
    return [f for f in preferred if f in present] + sorted(set(present) - set(preferred))


@_styled
def _fit(cell: CellData, fit: str) -> Drawn:
    rows = cell.fits[cell.fits["fit"] == fit]
    spectra = {str(s): g for s, g in _spectra_groups(cell)}
    names = [s for s in cell.spectrum_order if s in set(rows["spectrum"].astype(str)) and s in spectra]
    if not names:
        return None
    fig = _figure(4.6)
    grid = _grid(fig, 2, 2, legend_rows=1, wspace=_WSPACE, hspace=0.15, right=_RIGHT_BAR)
    axd = fig.subplot_mosaic([["nyq", "re"], ["nyq", "im"]], width_ratios=[1.1, 1], sharex=False, gridspec_kw=grid)
    axd["re"].sharex(axd["im"])
    table = []
    xs, ys = [], []
    for ser in _series_groups(cell, names):
        for s in ser.names:
            g = spectra[s]
            g = g[_kept(g)]
            f = g["frequency_hz"].to_numpy()
            z = g["z_real_ohm_cm2"].to_numpy() + 1j * g["z_imag_ohm_cm2"].to_numpy()
            elements = rows[rows["spectrum"].astype(str) == s]
            dense = np.logspace(np.log10(f.min()), np.log10(f.max()), 200)
            zm = model_impedance(elements, dense)
            color = ser.colors[s]
            axd["nyq"].plot(z.real, -z.imag, "o", ms=2.5, color=color)
            axd["nyq"].plot(zm.real, -zm.imag, "-", lw=1.1, color=color)
            z_fit = model_impedance(elements, f)
            res = (z - z_fit) / np.abs(z)
            axd["re"].plot(f, 100 * res.real, "o-", ms=2, lw=0.6, color=color)
            axd["im"].plot(f, 100 * res.imag, "^-", ms=2, lw=0.6, color=color)
            xs.append(z.real)
            ys.append(-z.imag)
            table.append(
                pd.DataFrame(
                    {
                        "spectrum": s,
                        "frequency_hz": f,
                        "z_real_ohm_cm2": z.real,
                        "z_imag_ohm_cm2": z.imag,
                        "model_real_ohm_cm2": z_fit.real,
                        "model_imag_ohm_cm2": z_fit.imag,
                        "residual_real": res.real,
                        "residual_imag": res.imag,
                    }
                )
            )
        ser.colorbar(fig, [axd["re"], axd["im"]])
    ax = axd["nyq"]
    xl, yl = _limits(xs, pad=0.0), _limits(ys, pad=0.0)
    if xl and yl:
        _nyquist_axes(ax, xl, yl)
    ax.set_xlabel("Z′ / Ω cm²")
    ax.set_ylabel("−Z″ / Ω cm²")
    ax.set_title(f"fit '{fit}': {len(names)} spectra, kept points")
    for key, part in (("re", "real"), ("im", "imaginary")):
        axd[key].axhline(0, color="0.3", lw=0.8)
        axd[key].set_xscale("log")
        axd[key].set_ylabel(f"{part} residual / %")
    axd["re"].tick_params(labelbottom=False)
    axd["im"].set_xlabel("frequency / Hz")
    handles = [
        mpl.lines.Line2D([], [], marker="o", ls="", ms=3, color="0.3"),
        mpl.lines.Line2D([], [], ls="-", color="0.3"),
    ]
    _legend_below(fig, handles, ["data (kept points)", "fitted model"])
    return fig, _meta_columns(cell, pd.concat(table, ignore_index=True))


def fit_figures(cell: CellData) -> dict[str, Figure]:
    """Fits over the data with their residuals: one figure per fit in ``fits.csv`` (step3, series, temperature
    ...), keyed by the fit's name."""
    out: dict[str, Figure] = {}
    for fit in _fit_groups(cell):
        drawn = _fit(cell, fit)
        if drawn is not None:
            out[fit] = drawn[0]
    return out


def _pressure_of(cell: CellData, frame: pd.DataFrame) -> np.ndarray:
    if "pressure_mpa" in frame.columns:
        return frame["pressure_mpa"].to_numpy(dtype=float)
    meta = cell.spectrum_meta
    return np.array([meta.get(str(s), {}).get("pressure_mpa", np.nan) for s in frame["spectrum"]], dtype=float)


def _contact_area(cell: CellData) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for rec in cell.verdict.get("contact_area") or []:
        v, e = rec.get("value"), rec.get("stderr")
        if rec.get("spectrum") is not None and v is not None and np.isfinite(v) and v > 0:
            out[str(rec["spectrum"])] = (float(v), float(e) if e is not None and np.isfinite(e) else np.nan)
    return out


@_styled
def _trends(cell: CellData) -> Drawn:
    if cell.fits.empty or "fit" not in cell.fits.columns:
        return None
    # every interface element of the series fit, the numbered per-track ones (ct2, cstr2 ...) included
    rows = cell.fits[(cell.fits["fit"] == "series") & cell.fits["element"].astype(str).map(is_interface)]
    if rows.empty:
        return None
    area = _contact_area(cell)
    elements = _order_elements(list(rows["element"]))
    n_labels = len(elements) + (2 if area else 0)
    fig = _figure((6.4 if area else 3.6) + _LEGEND_ROW * (_legend_rows(n_labels) - 1))
    axes = _panels(
        fig, 2, rows=2 if area else 1, legend_rows=_legend_rows(n_labels), grid={"wspace": _WSPACE, "hspace": 0.9}
    )
    colors = mpl.colormaps["tab10"]
    table = []
    for k, el in enumerate(elements):
        g = rows[rows["element"] == el].copy()
        g["pressure_mpa"] = _pressure_of(cell, g)
        g = g.sort_values("pressure_mpa")
        m, color = _MARKERS[k % len(_MARKERS)], colors(k % 10)
        for ax, col, err in ((axes[0, 0], "r_ohm_cm2", "r_stderr_ohm_cm2"), (axes[0, 1], "c_f_cm2", "c_stderr_f_cm2")):
            yerr = g[err] if err in g.columns else None
            ax.errorbar(g["pressure_mpa"], g[col], yerr=yerr, fmt=m + "-", ms=4, capsize=2, color=color, label=el)
        a = np.array([area.get(str(s), (np.nan, np.nan))[0] for s in g["spectrum"]])
        a_err = np.array([area.get(str(s), (np.nan, np.nan))[1] for s in g["spectrum"]])
        if area:
            sel = np.isfinite(a)
            for ax, col, err in (
                (axes[1, 0], "r_ohm_cm2", "r_stderr_ohm_cm2"),
                (axes[1, 1], "c_f_cm2", "c_stderr_f_cm2"),
            ):
                yerr = g[err][sel] if err in g.columns else None
                xerr = np.where(np.isfinite(a_err[sel]), a_err[sel], 0)
                ax.errorbar(a[sel], g[col][sel], xerr=xerr, yerr=yerr, fmt=m, ms=4, capsize=2, color=color, label=el)
        cols = ["spectrum", "element", "pressure_mpa", "r_ohm_cm2", "r_stderr_ohm_cm2", "c_f_cm2", "c_stderr_f_cm2"]
        part = g[[c for c in cols if c in g.columns]].copy()
        part["contact_area"], part["contact_area_stderr"] = a, a_err
        table.append(part)
    axes[0, 0].set_ylabel("R / Ω cm²")
    axes[0, 1].set_ylabel("C / F cm⁻²")
    plain_log_axis(axes[0, 0].yaxis)
    for ax in axes[0]:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("pressure / MPa")
        plain_log_axis(ax.xaxis)
    axes[0, 0].set_title("interface resistances against pressure")
    axes[0, 1].set_title("interface capacitances against pressure")
    if area:
        for ax, ylabel in ((axes[1, 0], "R / Ω cm²"), (axes[1, 1], "C / F cm⁻²")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("contact area A (fraction)")
            ax.set_ylabel(ylabel)
            lines = ax.get_lines()
            xs = np.concatenate([np.asarray(ln.get_xdata(), float) for ln in lines]) if lines else np.array([])
            ys = np.concatenate([np.asarray(ln.get_ydata(), float) for ln in lines]) if lines else np.array([])
            ok = np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0)
            if ok.any():
                x0, y0 = math.exp(np.log(xs[ok]).mean()), math.exp(np.log(ys[ok]).mean())
                grid = np.array([xs[ok].min() / 1.5, min(xs[ok].max() * 1.5, 1.0)])
                for slope, ls in ((1, "--"), (-1, ":")):
                    ax.plot(grid, y0 * (grid / x0) ** slope, ls, color="0.4", lw=1, label=f"slope {slope:+d} (Table 1)")
            plain_log_axis(ax.xaxis)
        axes[1, 0].set_title("against the contact area (Step 6)")
    handles, labels = axes[-1, 0].get_legend_handles_labels()
    if not area:
        handles, labels = axes[0, 0].get_legend_handles_labels()
    _legend_below(fig, handles, labels)
    return fig, pd.concat(table, ignore_index=True)


def _temperatures(cell: CellData, frame: pd.DataFrame) -> np.ndarray:
    if "temperature_c" in frame.columns:
        return frame["temperature_c"].to_numpy(dtype=float)
    meta = cell.spectrum_meta
    return np.array([meta.get(str(s), {}).get("temperature_c", np.nan) for s in frame["spectrum"]], dtype=float)


@_styled
def _arrhenius(cell: CellData) -> Drawn:
    arr = cell.arrhenius
    pts = cell.fits[cell.fits["fit"] == "temperature"] if {"fit", "element"} <= set(cell.fits.columns) else None
    if arr.empty and (pts is None or pts.empty):
        return None
    elements = _order_elements(
        ([] if arr.empty else list(arr["element"].astype(str))) + ([] if pts is None else list(pts["element"]))
    )
    fig = _figure(4.2)
    # the legend (one line per element with its activation energies) right of the panel
    ax = fig.add_subplot(fig.add_gridspec(1, 1, **_grid(fig, 1, 1, right=4.6))[0, 0])
    colors = mpl.colormaps["tab10"]
    table = []
    for k, el in enumerate(elements):
        color = colors(k % 10)
        if pts is not None and not pts.empty:
            g = pts[(pts["element"] == el) & (pts["r_ohm_cm2"] > 0)]
            if not g.empty:
                t_k = _temperatures(cell, g) + ZERO_CELSIUS_K
                r = g["r_ohm_cm2"].to_numpy(dtype=float)
                err = g["r_stderr_ohm_cm2"].to_numpy(dtype=float) / r if "r_stderr_ohm_cm2" in g.columns else None
                ax.errorbar(
                    1000 / t_k, np.log(t_k / r), yerr=err, fmt=_MARKERS[k % len(_MARKERS)], ms=4, capsize=2, color=color
                )
                table.append(
                    pd.DataFrame(
                        {
                            "element": el,
                            "spectrum": g["spectrum"].astype(str).to_numpy(),
                            "temperature_c": t_k - ZERO_CELSIUS_K,
                            "inverse_temperature_1000_per_k": 1000 / t_k,
                            "r_ohm_cm2": r,
                            "ln_t_over_r": np.log(t_k / r),
                        }
                    )
                )
        row = arr[arr["element"].astype(str) == el] if not arr.empty else arr
        label = el
        if not row.empty:
            fit = row.iloc[0]
            t_lo, t_hi = float(fit["t_min_c"]) + ZERO_CELSIUS_K, float(fit["t_max_c"]) + ZERO_CELSIUS_K
            t = np.linspace(t_lo, t_hi, 50)
            ax.plot(1000 / t, fit["ln_prefactor"] - fit["ea_ev"] / (K_B_EV * t), "-", color=color, lw=1.2)
            err = fit.get("ea_stderr_ev")
            label = f"{el}: Ea = {fit['ea_ev']:.3f}" + (f" ± {err:.3f}" if is_number(err) else "") + " eV (two-stage)"
            joint = is_number(fit.get("ea_joint_ev")) and is_number(fit.get("ln_prefactor_joint"))
            if joint and bool(fit.get("joint_ok", True)):
                # the joint fit (every spectrum at once, R on the Arrhenius law): dashed, same colour
                line = fit["ln_prefactor_joint"] - fit["ea_joint_ev"] / (K_B_EV * t)
                ax.plot(1000 / t, line, "--", color=color, lw=1)
                err_j = fit.get("ea_joint_stderr_ev")
                label += f", joint {fit['ea_joint_ev']:.3f}" + (f" ± {err_j:.3f}" if is_number(err_j) else "") + " eV"
        ax.plot([], [], _MARKERS[k % len(_MARKERS)] + "-", color=color, label=label)
    ax.set_xlabel("1000 / T / K⁻¹")
    ax.set_ylabel("ln(T / R) / ln(K Ω⁻¹ cm⁻²)")
    ax.set_title("Arrhenius plot (solid: two-stage fit, dashed: joint fit)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    data = pd.concat(table, ignore_index=True) if table else pd.DataFrame(columns=["element"])
    return fig, data


_CAPTIONS = {
    "nyquist": "Nyquist plots, area-specific impedance, one panel per series; axes on the kept points, crosses mark "
    "points dropped by the Kramers-Kronig cropping.",
    "bode": "Bode plots: |Z| and phase against frequency, one column per series.",
    "kk_residuals": "Relative Kramers-Kronig residuals with the cropping threshold; open symbols: dropped points.",
    "drt": "DRT γ(τ) of every spectrum (Tikhonov, 2nd-derivative penalty), one panel per series; symbols mark the "
    "tracked peaks.",
    "trends": "Interface resistances and (Brug effective) capacitances of the series fit against pressure, and "
    "against the contact area A with the reference slopes ±1 of Table 1 where Step 6 gives A.",
    "arrhenius": "ln(T/R) against 1000/T with the fitted lines; slope −Ea/kB. Solid: two-stage fit (R per "
    "spectrum, then a line); dashed: the joint fit of all temperature spectra, which Step 7 prefers.",
}


def cell_plots(cell: CellData) -> list[Plot]:
    """Every plot of a cell in report order, each with the table of its data (empty plots left out)."""
    out: list[Plot] = []
    for name, draw in (("nyquist", _nyquist), ("bode", _bode), ("kk_residuals", _kk_residuals), ("drt", _drt)):
        drawn = draw(cell)
        if drawn is not None:
            out.append(Plot(name, drawn[0], drawn[1], _CAPTIONS[name]))
    for fit in _fit_groups(cell):
        drawn = _fit(cell, fit)
        if drawn is not None:
            caption = f"Circuit fit '{fit}': model (lines) over the kept data (symbols); relative residuals right."
            out.append(Plot(f"fit_{fit}", drawn[0], drawn[1], caption))
    for name, draw in (("trends", _trends), ("arrhenius", _arrhenius)):
        drawn = draw(cell)
        if drawn is not None:
            out.append(Plot(name, drawn[0], drawn[1], _CAPTIONS[name]))
    return out


def _figure_only(draw: Callable[[CellData], Drawn], doc: str) -> Callable[[CellData], Figure | None]:
    def plot(cell: CellData) -> Figure | None:
        drawn = draw(cell)
        return None if drawn is None else drawn[0]

    plot.__doc__ = doc
    return plot


nyquist_figure = _figure_only(_nyquist, "Nyquist plots (-Z'' vs Z', area-specific), one panel per series.")
bode_figure = _figure_only(_bode, "Bode plots (|Z| and phase against frequency), one column per series.")
kk_residual_figure = _figure_only(_kk_residuals, "Relative Kramers-Kronig residuals (%) with the threshold.")
drt_figure = _figure_only(_drt, "DRT gamma(tau) per series panel with the tracked peaks marked.")
trends_figure = _figure_only(_trends, "Interface R and C of the series fit against pressure (and contact area).")
arrhenius_figure = _figure_only(_arrhenius, "Arrhenius plot: ln(T/R) against 1000/T with the fitted lines.")
