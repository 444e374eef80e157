"""The report's figures: one function per plot, each from a cell's parsed stage outputs (nothing recomputed except
the model curves of the circuit fits, rebuilt from ``fits.csv`` with :mod:`eisrecipe.methods.circuits`).

Every function returns a :class:`matplotlib.figure.Figure` (on the Agg canvas, no pyplot state), or ``None`` when
the cell has nothing to show for that plot (a temperature-only cell has no pressure trends, a pressure-only cell
no Arrhenius plot). :func:`figure_svg` serialises a figure byte-stably: fixed ``svg.hashsalt``, no date or
creator metadata, glyphs as paths (no dependence on the viewer's fonts).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from eisrecipe.methods.arrhenius import K_B_EV, ZERO_CELSIUS_K
from eisrecipe.methods.circuits import SeriesModel
from eisrecipe.recipe.elements import INTERFACE, element_rank
from eisrecipe.report.data import CellData
from eisrecipe.report.formatting import is_number

__all__ = [
    "STYLE",
    "arrhenius_figure",
    "bode_figure",
    "drt_figure",
    "figure_svg",
    "fit_figures",
    "kk_residual_figure",
    "model_impedance",
    "nyquist_figure",
    "spectrum_label",
    "trends_figure",
]

P = ParamSpec("P")

#: matplotlib settings of every figure (fonts shipped with matplotlib; text as paths; fixed SVG ids)
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.fonttype": "path",
    "svg.hashsalt": "eisrecipe-report",
    "svg.image_inline": True,
    "path.simplify": True,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}

#: interface elements (varying with pressure) vs pressure-independent ones
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


@contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(STYLE):
        yield


def _styled(func: Callable[P, Figure | None]) -> Callable[P, Figure | None]:
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure | None:
        with _style():
            return func(*args, **kwargs)

    return wrapper


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_svg(fig: Figure) -> str:
    """The figure as SVG text, byte-identical for identical input (fixed hash salt, no metadata)."""
    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return buf.getvalue()


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


def _colors(names: list[str]) -> dict[str, Any]:
    cmap = mpl.colormaps["viridis"]
    n = max(len(names) - 1, 1)
    return {name: cmap(0.9 * i / n) for i, name in enumerate(names)}


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


@_styled
def nyquist_figure(cell: CellData) -> Figure | None:
    """Nyquist plot (-Z'' vs Z', area-specific) of every spectrum: kept points filled, dropped points as crosses."""
    groups = _spectra_groups(cell)
    if not groups:
        return None
    colors = _colors([s for s, _ in groups])
    fig = _figure(6.4, 4.2)
    ax = fig.add_subplot()
    for s, g in groups:
        kept = _kept(g)
        zr, zi = g["z_real_ohm_cm2"].to_numpy(), -g["z_imag_ohm_cm2"].to_numpy()
        ax.plot(zr[kept], zi[kept], "o-", ms=3, lw=0.7, color=colors[s], label=spectrum_label(cell, s))
        if (~kept).any():
            ax.plot(zr[~kept], zi[~kept], "x", ms=4, color=colors[s], alpha=0.7)
    ax.plot([], [], "x", color="0.4", label="dropped (cropping)")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("Z′ / Ω cm²")
    ax.set_ylabel("−Z″ / Ω cm²")
    ax.set_title(f"{cell.cell}: Nyquist plot")
    ax.legend(loc="best")
    return fig


@_styled
def bode_figure(cell: CellData) -> Figure | None:
    """Bode plot: |Z| and phase against frequency (kept points filled, dropped points as crosses)."""
    groups = _spectra_groups(cell)
    if not groups:
        return None
    colors = _colors([s for s, _ in groups])
    fig = _figure(6.4, 4.6)
    ax_m, ax_p = fig.subplots(2, 1, sharex=True)
    for s, g in groups:
        kept = _kept(g)
        f = g["frequency_hz"].to_numpy()
        z = g["z_real_ohm_cm2"].to_numpy() + 1j * g["z_imag_ohm_cm2"].to_numpy()
        mag, phase = np.abs(z), np.degrees(np.angle(z))
        ax_m.plot(f[kept], mag[kept], "o-", ms=2.5, lw=0.7, color=colors[s], label=spectrum_label(cell, s))
        ax_p.plot(f[kept], -phase[kept], "o-", ms=2.5, lw=0.7, color=colors[s])
        if (~kept).any():
            ax_m.plot(f[~kept], mag[~kept], "x", ms=3.5, color=colors[s], alpha=0.7)
            ax_p.plot(f[~kept], -phase[~kept], "x", ms=3.5, color=colors[s], alpha=0.7)
    ax_m.set_xscale("log")
    ax_m.set_yscale("log")
    ax_m.set_ylabel("|Z| / Ω cm²")
    ax_p.set_ylabel("−phase / °")
    ax_p.set_xlabel("frequency / Hz")
    ax_m.set_title(f"{cell.cell}: Bode plot")
    ax_m.legend(loc="best")
    return fig


@_styled
def kk_residual_figure(cell: CellData) -> Figure | None:
    """Relative Kramers-Kronig residuals (real and imaginary part, %) against frequency with the threshold."""
    groups = [(s, g) for s, g in _spectra_groups(cell) if "kk_residual_real" in g.columns]
    if not groups:
        return None
    colors = _colors([s for s, _ in groups])
    threshold = cell.validation.get("settings", {}).get("kk_threshold")
    fig = _figure(6.4, 3.6)
    ax = fig.add_subplot()
    for s, g in groups:
        kept = _kept(g)
        f = g["frequency_hz"].to_numpy()
        for col, marker in (("kk_residual_real", "o"), ("kk_residual_imag", "^")):
            r = 100 * g[col].to_numpy(dtype=float)
            ax.plot(f, r, "-", lw=0.5, color=colors[s], alpha=0.6)
            ax.plot(f[kept], r[kept], marker, ms=2.5, color=colors[s], lw=0)
            ax.plot(f[~kept], r[~kept], marker, ms=3.5, mfc="none", color=colors[s], lw=0)
        ax.plot([], [], "-", color=colors[s], label=spectrum_label(cell, s))
    if threshold is not None:
        for sign in (1, -1):
            ax.axhline(sign * 100 * float(threshold), color="firebrick", ls="--", lw=1)
        ax.plot([], [], "--", color="firebrick", label=f"threshold ±{100 * float(threshold):g} %")
    ax.plot([], [], "o", color="0.4", ms=3, label="real (filled: kept, open: dropped)")
    ax.plot([], [], "^", color="0.4", ms=3, label="imaginary")
    ax.set_xscale("log")
    ax.set_xlabel("frequency / Hz")
    ax.set_ylabel("KK residual / %")
    ax.set_title(f"{cell.cell}: Kramers-Kronig residuals")
    ax.legend(loc="best", ncols=2)
    return fig


@_styled
def drt_figure(cell: CellData) -> Figure | None:
    """DRT gamma(tau) of every spectrum, one curve each, with the tracked peaks marked by their label."""
    if cell.drt.empty or "spectrum" not in cell.drt.columns:
        return None
    order = [s for s in cell.spectrum_order if s in set(cell.drt["spectrum"])]
    order += sorted(set(cell.drt["spectrum"]) - set(order))
    colors = _colors(order)
    curves = {s: g.sort_values("tau_s") for s, g in cell.drt.groupby("spectrum", sort=False)}
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot()
    for s in order:
        g = curves[s]
        ax.plot(g["tau_s"], g["gamma_ohm_cm2"], lw=1.2, color=colors[s], label=spectrum_label(cell, s))
    tracks = cell.tracks
    if not tracks.empty and {"label", "spectrum", "tau_s"} <= set(tracks.columns):
        for k, label in enumerate(_order_elements(list(tracks["label"].dropna()))):
            rows = tracks[tracks["label"] == label]
            xs, ys, cs = [], [], []
            for row in rows.itertuples():
                g = curves.get(str(row.spectrum))
                if g is None or not np.isfinite(row.tau_s):
                    continue
                xs.append(row.tau_s)
                ys.append(float(np.interp(np.log(row.tau_s), np.log(g["tau_s"]), g["gamma_ohm_cm2"])))
                cs.append(colors[str(row.spectrum)])
            if not xs:
                continue
            ax.scatter(xs, ys, c=cs, marker=_MARKERS[k % len(_MARKERS)], s=28, edgecolors="k", linewidths=0.6, zorder=3)
            ax.scatter([], [], marker=_MARKERS[k % len(_MARKERS)], c="w", edgecolors="k", label=f"track {label}")
            top = int(np.argmax(ys))
            ax.annotate(label, (xs[top], ys[top]), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("τ / s")
    ax.set_ylabel("γ(τ) / Ω cm²")
    ax.set_title(f"{cell.cell}: distribution of relaxation times")
    ax.legend(loc="best", ncols=2)
    return fig


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
def _fit_figure(cell: CellData, fit: str) -> Figure | None:
    rows = cell.fits[cell.fits["fit"] == fit]
    spectra = {str(s): g for s, g in _spectra_groups(cell)}
    names = [s for s in cell.spectrum_order if s in set(rows["spectrum"]) and s in spectra]
    if not names:
        return None
    colors = _colors(names)
    fig = _figure(6.4, 5.4)
    ax, ax_r = fig.subplots(2, 1, height_ratios=[3, 1.3])
    for s in names:
        g = spectra[s]
        g = g[_kept(g)]
        f = g["frequency_hz"].to_numpy()
        z = g["z_real_ohm_cm2"].to_numpy() + 1j * g["z_imag_ohm_cm2"].to_numpy()
        elements = rows[rows["spectrum"] == s]
        dense = np.logspace(np.log10(f.min()), np.log10(f.max()), 300)
        zm = model_impedance(elements, dense)
        ax.plot(z.real, -z.imag, "o", ms=3, color=colors[s], label=spectrum_label(cell, s))
        ax.plot(zm.real, -zm.imag, "-", lw=1.1, color=colors[s])
        res = (z - model_impedance(elements, f)) / np.abs(z)
        ax_r.plot(f, 100 * res.real, "o-", ms=2.5, lw=0.6, color=colors[s])
        ax_r.plot(f, 100 * res.imag, "^--", ms=2.5, lw=0.6, color=colors[s])
    ax.plot([], [], "-", color="0.3", label="fitted model")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("Z′ / Ω cm²")
    ax.set_ylabel("−Z″ / Ω cm²")
    ax.set_title(f"{cell.cell}: circuit fit '{fit}' (kept points)")
    ax.legend(loc="best")
    ax_r.axhline(0, color="0.3", lw=0.8)
    ax_r.set_xscale("log")
    ax_r.set_xlabel("frequency / Hz")
    ax_r.set_ylabel("residual / %")
    ax_r.plot([], [], "o-", color="0.4", ms=2.5, label="real")
    ax_r.plot([], [], "^--", color="0.4", ms=2.5, label="imaginary")
    ax_r.legend(loc="best", ncols=2)
    return fig


def fit_figures(cell: CellData) -> dict[str, Figure]:
    """Fits overlaid on the data with a residual panel: one figure per fit in ``fits.csv`` (step3, series,
    temperature ...), keyed by the fit's name."""
    out: dict[str, Figure] = {}
    for fit in _fit_groups(cell):
        fig = _fit_figure(cell, fit)
        if fig is not None:
            out[fit] = fig
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
def trends_figure(cell: CellData) -> Figure | None:
    """R and C of the interface elements of the pressure-series fit against pressure; where the verdict gives
    the contact area A(p), also log R and log C against log A with the Table 1 reference slopes +1 and -1."""
    if cell.fits.empty or "fit" not in cell.fits.columns:
        return None
    rows = cell.fits[(cell.fits["fit"] == "series") & cell.fits["element"].isin(INTERFACE)]
    if rows.empty:
        return None
    area = _contact_area(cell)
    elements = _order_elements(list(rows["element"]))
    fig = _figure(6.4, 5.6 if area else 3.2)
    axes = fig.subplots(2 if area else 1, 2, squeeze=False)
    for k, el in enumerate(elements):
        g = rows[rows["element"] == el]
        p = _pressure_of(cell, g)
        m = _MARKERS[k % len(_MARKERS)]
        for ax, col, err in ((axes[0, 0], "r_ohm_cm2", "r_stderr_ohm_cm2"), (axes[0, 1], "c_f_cm2", "c_stderr_f_cm2")):
            ax.errorbar(p, g[col], yerr=g[err] if err in g.columns else None, fmt=m + "-", ms=4, capsize=2, label=el)
        if area:
            sel = [str(s) in area for s in g["spectrum"]]
            ga = g[sel]
            a = np.array([area[str(s)][0] for s in ga["spectrum"]])
            a_err = np.array([area[str(s)][1] for s in ga["spectrum"]])
            for ax, col, err in (
                (axes[1, 0], "r_ohm_cm2", "r_stderr_ohm_cm2"),
                (axes[1, 1], "c_f_cm2", "c_stderr_f_cm2"),
            ):
                ax.errorbar(
                    a,
                    ga[col],
                    xerr=np.where(np.isfinite(a_err), a_err, 0),
                    yerr=ga.get(err),
                    fmt=m,
                    ms=4,
                    capsize=2,
                    label=el,
                )
    axes[0, 0].set_ylabel("R / Ω cm²")
    axes[0, 1].set_ylabel("C / F cm⁻²")
    for ax in axes[0]:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("pressure / MPa")
        ax.legend(loc="best")
    if area:
        for ax, ylabel in ((axes[1, 0], "R / Ω cm²"), (axes[1, 1], "C / F cm⁻²")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("contact area A")
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
            ax.legend(loc="best")
    fig.suptitle(f"{cell.cell}: interface parameters of the pressure series")
    return fig


def _temperatures(cell: CellData, frame: pd.DataFrame) -> np.ndarray:
    if "temperature_c" in frame.columns:
        return frame["temperature_c"].to_numpy(dtype=float)
    meta = cell.spectrum_meta
    return np.array([meta.get(str(s), {}).get("temperature_c", np.nan) for s in frame["spectrum"]], dtype=float)


@_styled
def arrhenius_figure(cell: CellData) -> Figure | None:
    """Arrhenius plot: ln(T/R) (T in K, R in ohm cm^2) against 1000/T of every element of the temperature fits,
    with the fitted lines of ``arrhenius.csv`` and their activation energies (solid: two-stage; dashed: the joint
    fit, where it converged unflagged)."""
    arr = cell.arrhenius
    pts = cell.fits[cell.fits["fit"] == "temperature"] if {"fit", "element"} <= set(cell.fits.columns) else None
    if arr.empty and (pts is None or pts.empty):
        return None
    elements = _order_elements(
        ([] if arr.empty else list(arr["element"].astype(str))) + ([] if pts is None else list(pts["element"]))
    )
    fig = _figure(6.4, 4.0)
    ax = fig.add_subplot()
    colors = mpl.colormaps["tab10"]
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
        row = arr[arr["element"].astype(str) == el] if not arr.empty else arr
        label = el
        if not row.empty:
            fit = row.iloc[0]
            t_lo, t_hi = float(fit["t_min_c"]) + ZERO_CELSIUS_K, float(fit["t_max_c"]) + ZERO_CELSIUS_K
            t = np.linspace(t_lo, t_hi, 50)
            ax.plot(1000 / t, fit["ln_prefactor"] - fit["ea_ev"] / (K_B_EV * t), "-", color=color, lw=1.2)
            err = fit.get("ea_stderr_ev")
            label = f"{el}: Ea = {fit['ea_ev']:.3f}" + (f" ± {err:.3f}" if err is not None and np.isfinite(err) else "")
            label += " eV"
            joint = is_number(fit.get("ea_joint_ev")) and is_number(fit.get("ln_prefactor_joint"))
            if joint and bool(fit.get("joint_ok", True)):
                # the joint fit (every spectrum at once, R on the Arrhenius law): dashed, same colour
                line = fit["ln_prefactor_joint"] - fit["ea_joint_ev"] / (K_B_EV * t)
                ax.plot(1000 / t, line, "--", color=color, lw=1)
                label += f", joint {fit['ea_joint_ev']:.3f}"
                err_j = fit.get("ea_joint_stderr_ev")
                label += (f" ± {err_j:.3f}" if is_number(err_j) else "") + " eV"
        ax.plot([], [], _MARKERS[k % len(_MARKERS)] + "-", color=color, label=label)
    ax.set_xlabel("1000 / T / K⁻¹")
    ax.set_ylabel("ln(T / R) / ln(K Ω⁻¹ cm⁻²)")
    ax.set_title(f"{cell.cell}: Arrhenius plot")
    ax.legend(loc="best")
    return fig
