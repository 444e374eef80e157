# eisrecipe: what limits a metal-anode | solid-electrolyte interface?
# Usage: snakemake --cores 8 [--config dataset=data/<name>]      (README.md)
from snakemake.utils import min_version, validate

min_version("8.20")


configfile: "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "rules/common.smk"
include: "rules/validate.smk"
include: "rules/drt.smk"
include: "rules/fit.smk"
include: "rules/verdict.smk"
include: "rules/simulate.smk"
include: "rules/report.smk"
include: "rules/reproduce.smk"
include: "rules/matrix.smk"


rule all:
    input:
        get_final_output(),
    default_target: True
