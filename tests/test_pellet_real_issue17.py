"""Issue 17, item 5, on real measured pellets with blocking electrodes (EISFitpython, MIT; never copied into the
repository - read from the external data folder, skipped with the reason when absent):

- ``Example2{a,b,c}.txt``: three different solid ion-conductor pellets (one cell each): the blocking electrode is
  detected and fitted as a series CPE, bulk and grain-boundary elements are identified, no interface element;
- the seven-temperature series ``s04147-{140..200}deg.txt`` (the source's Example 3-4, 140-200 C): bulk and GB
  activation energies within 0.05 eV of the source's circuit fits (0.587 +- 0.016 and 0.892 eV; a manual fit with
  the project's fitter and the source's circuit, bulk R-CPE + GB R-CPE + series CPE and no R_inf, gives 0.597 +-
  0.025 and 0.890 +- 0.003 eV), no failed fit in the Arrhenius table, and no interface verdict (blocking).

Both run the whole workflow (snakemake) in a temporary folder, as ``test_workflow_pellet.py`` does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SERIES_C = (140, 150, 160, 170, 180, 190, 200)
SOURCE_EA = {"bulk": 0.587, "gb": 0.892}  # Sheyigold/EISFitpython Example 3-4 (bulk 0.587 +- 0.016 eV)

pytestmark = pytest.mark.slow


def _run(work: Path, dataset: str) -> None:
    shutil.copy(REPO / "config.yaml", work / "config.yaml")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(work)]
    run = subprocess.run(
        [*cmd, "--cores", "2", "--config", f"dataset=data/{dataset}"], capture_output=True, text=True, timeout=900
    )
    assert run.returncode == 0, run.stderr[-3000:]


def _source(external_data: Path, names: list[str]) -> Path:
    folder = external_data / "eisfitpython"
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        pytest.skip(f"EISFitpython spectra not found in {folder}: {', '.join(missing)}")
    return folder


@pytest.fixture(scope="module")
def example2(external_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    names = [f"Example2{r}.txt" for r in "abc"]
    folder = _source(external_data, names)
    work = tmp_path_factory.mktemp("example2")
    data = work / "data" / "pellets"
    data.mkdir(parents=True)
    rows = ["cell\tspectrum\tfile\tseries\ttemperature_c\tarea_cm2"]
    for name, t_c in zip(names, (25, 25, 120), strict=True):  # 2b: a dynamic-T run, its temperature not given
        shutil.copy(folder / name, data / name)
        rows.append(f"ex{name[7:9]}\tone\t{name}\ttemperature\t{t_c}\t1.0")
    (data / "samples.tsv").write_text("\n".join(rows) + "\n")
    _run(work, "pellets")
    return work / "results" / "pellets"


@pytest.mark.parametrize("cell", ["ex2a", "ex2b", "ex2c"])
def test_example2_blocking_electrode_detected_and_no_interface(example2: Path, cell: str) -> None:
    temperature = json.loads((example2 / cell / "steps36.json").read_text())["temperature"]
    assert temperature["blocking_electrodes"]["detected"]
    fits = pd.read_csv(example2 / cell / "fits.csv")
    own = fits[fits["fit"] == "temperature"]
    assert own["fit_ok"].all()
    assert {"bulk", "electrode"} <= set(own["element"])
    assert (own.loc[own["element"] == "electrode", "kind"] == "CPE").all()
    assert not set(own["element"]) & {"int", "cstr", "ct"}
    verdict = json.loads((example2 / cell / "verdict.json").read_text())
    assert verdict["dominant_interface_process"] == "undetermined"
    assert verdict["interface_verdict"]["applies"] is False


@pytest.mark.parametrize(
    "cell",
    [
        pytest.param(
            "ex2a",
            marks=pytest.mark.xfail(
                strict=True,
                reason="the DRT of s05751 at 25 C resolves one arc only (fitted R-CPE alpha 0.72: bulk and GB "
                "merged); no second element to call GB - open, issue 17",
            ),
        ),
        "ex2b",
        "ex2c",
    ],
)
def test_example2_bulk_and_gb_identified(example2: Path, cell: str) -> None:
    fits = pd.read_csv(example2 / cell / "fits.csv")
    own = fits[fits["fit"] == "temperature"]
    assert {"bulk", "gb", "electrode"} <= set(own["element"])
    # bulk faster than GB: tau order, and the GB arc's capacitance above the bulk's
    bulk, gb = (own[own["element"] == n].iloc[0] for n in ("bulk", "gb"))
    assert bulk["tau_s"] < gb["tau_s"] and bulk["c_f_cm2"] < gb["c_f_cm2"]


@pytest.fixture(scope="module")
def s04147(external_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    names = [f"s04147-{t}deg.txt" for t in SERIES_C]
    folder = _source(external_data, names)
    work = tmp_path_factory.mktemp("s04147")
    data = work / "data" / "s04147"
    data.mkdir(parents=True)
    rows = ["cell\tspectrum\tfile\tseries\ttemperature_c\tarea_cm2"]
    for name, t_c in zip(names, SERIES_C, strict=True):
        shutil.copy(folder / name, data / name)
        rows.append(f"s04147\tT{t_c}\t{name}\ttemperature\t{t_c}\t1.0")  # Ea does not need the geometry
    (data / "samples.tsv").write_text("\n".join(rows) + "\n")
    _run(work, "s04147")
    return work / "results" / "s04147" / "s04147"


def test_s04147_activation_energies_match_the_source(s04147: Path) -> None:
    verdict = json.loads((s04147 / "verdict.json").read_text())
    ea = {r["element"]: r for r in verdict["activation_energies"]}
    for name, ea_source in SOURCE_EA.items():
        assert abs(float(ea[name]["ea_ev"]) - ea_source) <= 0.05, (name, ea[name])
    assert set(ea) == set(SOURCE_EA)  # the blocking spur is no interface element


def test_s04147_no_failed_fit_in_the_arrhenius_table(s04147: Path) -> None:
    temperature = json.loads((s04147 / "steps36.json").read_text())["temperature"]
    left_out = {x["spectrum"] for x in temperature["left_out_of_step7"]}
    fits = pd.read_csv(s04147 / "fits.csv")
    own = fits[fits["fit"] == "temperature"]
    entering = own[~own["spectrum"].isin(left_out)]
    assert entering["fit_ok"].all()
    assert (entering["max_rel_residual"] <= temperature["settings"]["max_rel_residual"]).all()
    arrhenius = pd.read_csv(s04147 / "arrhenius.csv").set_index("element")
    assert (arrhenius.loc[list(SOURCE_EA), "n_points"] == len(SERIES_C) - len(left_out)).all()
    assert not left_out  # every one of the seven fits passes the gates


def test_s04147_blocking_cell_gets_no_interface_verdict(s04147: Path) -> None:
    verdict = json.loads((s04147 / "verdict.json").read_text())
    assert verdict["dominant_interface_process"] == "undetermined"
    assert verdict["interface_verdict"]["applies"] is False
    step7 = next(s for s in verdict["steps"] if s["step"] == "7")
    assert step7["support"] == "not_applicable"
