"""The validation matrix as one dataset folder in the on-disk form of lab data (issue 15).

``data/simulated/matrix_<size>/`` holds ``<cell>/<spectrum>.txt`` (instrument-like text, raw ohm, written by
:func:`eisrecipe.network.scenarios.write_instrument_file`), ``samples.tsv`` (:func:`~eisrecipe.network.scenarios.
write_samples_tsv` with the ``interface`` column: declared ``sei`` or ``stable``) - the only files the pipeline
reads - and, beside them, never named by the sheet: ``ground_truth/<cell>.json`` (the truth of each cell),
``ground_truth.json`` (the config block, the generator, the identifiability criteria and the cell list; what
:func:`~eisrecipe.network.scenarios.dataset_is_current` compares) and ``README.md``. Cell and spectrum names are
neutral (``c000_p01``): nothing the pipeline reads carries the truth.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eisrecipe.errors import InputError
from eisrecipe.matrix import generator as gen
from eisrecipe.matrix.network_cells import network_truth_and_spectra
from eisrecipe.network.scenarios import SAMPLE_COLUMNS, write_instrument_file, write_samples_tsv

#: the sheet columns: the simulation writer's plus the interface declaration
COLUMNS = (*SAMPLE_COLUMNS, "interface")

#: keys of a ``matrix:`` config block
CONFIG_KEYS = ("size", "seed", "sizes")


def plan(config: Mapping[str, Any]) -> list[tuple[str, str, tuple[int, ...]]]:
    """The matrix's cells as (cell name, class or ``network``, seed) in cell order.

    Parameters
    ----------
    config
        ``{"size": "reduced" | "full", "seed": int, "sizes": {size: {"per_class": n, "network": m}}}``.
    """
    unknown = sorted(set(config) - set(CONFIG_KEYS))
    if unknown:
        raise InputError(f"unknown matrix config keys {unknown}; known: {list(CONFIG_KEYS)}")
    size = str(config.get("size", "reduced"))
    sizes = {k: {**v, **dict((config.get("sizes") or {}).get(k, {}))} for k, v in gen.SIZES.items()}
    for k, v in (config.get("sizes") or {}).items():
        sizes.setdefault(k, dict(v))
    if size not in sizes:
        raise InputError(f"unknown matrix size {size!r}; expected one of {sorted(sizes)}")
    seed = int(config.get("seed", 1))
    n_class, n_net = int(sizes[size].get("per_class", 3)), int(sizes[size].get("network", 0))
    cells: list[tuple[str, str, tuple[int, ...]]] = []
    # interleave the classes so that any prefix of the plan covers all of them
    for j in range(n_class):
        for ci, klass in enumerate(gen.CLASSES):
            cells.append((klass, klass, (seed, ci, j)))
    cells.extend(("network", "network", (seed, 1000, j)) for j in range(n_net))
    # the issue's own charge-transfer cell, with and without contact_fraction (eisrecipe.matrix.generator.issue15_cell)
    cells.extend((f"issue15_{k}", f"issue15_{k}", (seed, 2000, j)) for j, k in enumerate(("sheetless", "structural")))
    return [(f"c{i:03d}", klass, s) for i, (_, klass, s) in enumerate(cells)]


def _fmt(v: float | None) -> str:
    return "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.10g}"


def write_matrix(config: Mapping[str, Any], out_dir: str | Path) -> Path:
    """Draw the matrix of ``config`` and write it as a dataset folder (see the module docstring).

    Returns
    -------
    pathlib.Path
        Path of ``samples.tsv``. The files are byte-reproducible for the same config.
    """
    cells = plan(config)
    out = Path(out_dir)
    (out / "ground_truth").mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    index: list[dict[str, Any]] = []
    for cell, klass, seed in cells:
        if klass.startswith("issue15_"):
            spec = gen.issue15_cell(cell, seed, structural=klass == "issue15_structural")
            truth, spectra = gen.circuit_truth_and_spectra(spec)
            thickness = spec.thickness_cm
        elif klass == "network":
            truth, spectra = network_truth_and_spectra(cell, seed, seed[-1])
            thickness = 0.01
        else:
            spec = gen.draw_cell(klass, cell, seed)
            truth, spectra = gen.circuit_truth_and_spectra(spec)
            thickness = spec.thickness_cm
        nz = truth["nuisance"]
        area = float(nz["area_cm2"])
        measured = truth["inputs"].get("contact_measured") or []
        (out / cell).mkdir(parents=True, exist_ok=True)
        for k, (name, p, spectrum) in enumerate(spectra):
            rel = Path(cell) / f"{name}.txt"
            write_instrument_file(out / rel, spectrum, area)
            rows.append(
                {
                    "cell": cell,
                    "spectrum": name,
                    "file": rel.as_posix(),
                    "format": "auto",
                    "series": "pressure",
                    "pressure_mpa": _fmt(p),
                    "pressure_mode": "uniaxial",
                    "temperature_c": "25",
                    "area_cm2": _fmt(area),
                    "thickness_cm": _fmt(round(thickness, 4)),
                    "contact_fraction": _fmt(measured[k]) if measured else "",
                    "interface": truth["interface_declared"],
                }
            )
        (out / "ground_truth" / f"{cell}.json").write_text(
            json.dumps(gen.to_jsonable(truth), indent=1, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8"
        )
        index.append(
            {
                "cell": cell,
                "class": truth["class"],
                "dominant": truth["dominant"],
                "identifiable": truth["identifiable"],
                "label": truth.get("label", ""),
                "truth": f"ground_truth/{cell}.json",
            }
        )
    sheet = write_samples_tsv(out, rows, COLUMNS)
    payload = {
        "generator": "eisrecipe.matrix",
        "config": json.loads(json.dumps(dict(config), sort_keys=True)),
        "criteria": gen.__doc__,
        "cells": index,
    }
    (out / "ground_truth.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(config, index), encoding="utf-8")
    return sheet


def _readme(config: Mapping[str, Any], index: list[dict[str, Any]]) -> str:
    n_id = sum(1 for c in index if c["identifiable"])
    lines = [
        f"# Known-answer validation matrix ({config.get('size', 'reduced')}, seed {config.get('seed', 1)})",
        "",
        "Simulated, not measured: Table 1 equivalent circuits and a few 3D-network cells (eisrecipe.matrix, issue 15),",
        "written as lab data (instrument-like text files in raw ohm, `samples.tsv`). The truth of every cell is in",
        "`ground_truth/<cell>.json`, which the pipeline never reads; `ground_truth.json` holds the config, the",
        "a-priori identifiability criteria and the cell list. Score an analysis with `snakemake matrix_score`.",
        "",
        f"{len(index)} cells, {n_id} with a verdict identifiable from the data.",
        "",
        "| cell | class | dominant | identifiable |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c['cell']} | {c['class']} | {c['dominant']} | {c['identifiable']} |" for c in index]
    return "\n".join(lines) + "\n"


def score_inputs(dataset_dir: str | Path, results: str, cells: list[str]) -> list[str]:
    """Per-cell pipeline outputs the score reads (``verdict.json``, ``fits.csv``, ``steps36.json``).

    Raises
    ------
    InputError
        ``dataset_dir`` was not written by :func:`write_matrix` (only a matrix dataset can be scored).
    """
    truth = Path(dataset_dir) / "ground_truth.json"
    generator = json.loads(truth.read_text(encoding="utf-8")).get("generator") if truth.is_file() else None
    if generator != "eisrecipe.matrix":
        raise InputError(
            f"matrix_score needs a dataset written by `snakemake matrix` (data/simulated/matrix_<size>); {dataset_dir} "
            "is not one - run with --config dataset=data/simulated/matrix_reduced"
        )
    if not cells:
        raise InputError(f"{dataset_dir}: no cells in samples.tsv")
    return [f"{results}/{c}/{name}" for c in cells for name in ("verdict.json", "fits.csv", "steps36.json")]
