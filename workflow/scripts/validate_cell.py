"""Snakemake adapter: validate one cell (eisrecipe.stages.validate.validate_cell)."""

from eisrecipe.stages.warm import hand_over

# in a warm worker where one runs (it has imported what follows; eisrecipe.stages.warm), else on here
hand_over(snakemake, __file__)

from pathlib import Path

import pandas as pd

from eisrecipe.stages.jobs import stage_job
from eisrecipe.stages.validate import settings_for_cell, validate_cell

with stage_job(Path(snakemake.output.validation).parent, "validate", snakemake.wildcards.cell, snakemake.log[0]):
    rows = pd.DataFrame(snakemake.params.rows)
    settings = settings_for_cell({"kk": snakemake.params.kk, "crop": snakemake.params.crop}, snakemake.wildcards.cell)
    result = validate_cell(rows, settings)
    result.write(snakemake.output.spectra, snakemake.output.validation)
