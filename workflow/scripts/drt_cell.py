"""Snakemake adapter: DRT stage of one cell (eisrecipe.stages.drt.run_cell_drt)."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

from pathlib import Path

from eisrecipe.stages.drt import DrtStageSettings, run_cell_drt
from eisrecipe.stages.jobs import stage_job
from eisrecipe.stages.validate import load_validated

with stage_job(Path(snakemake.output.steps).parent, "drt", snakemake.wildcards.cell, snakemake.log[0]):
    spectra = load_validated(snakemake.input.spectra, snakemake.input.validation)
    settings = DrtStageSettings.from_config(snakemake.params.analysis, snakemake.wildcards.cell)
    result = run_cell_drt(snakemake.wildcards.cell, spectra, settings)
    out = snakemake.output
    result.write(out.drt, out.fit, out.peaks, out.tracks, out.steps)
