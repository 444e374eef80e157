# eisrecipe: what limits a metal-anode | solid-electrolyte interface?
# Usage: snakemake --cores 8 [--config dataset=data/<name>]      (README.md)
from pathlib import Path

from snakemake.utils import min_version, validate

from eisrecipe.config import check_overrides, coerce_to_schema, load_schema

min_version("8.20")


configfile: "config.yaml"


# --config flattens nested values to strings: read them back by the schema's types, then validate everything,
# per-cell overrides by the schema of the section they override (eisrecipe.config)
CONFIG_SCHEMA = load_schema(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
coerce_to_schema(config, CONFIG_SCHEMA)
validate(config, "workflow/schemas/config.schema.yaml")
check_overrides(config, CONFIG_SCHEMA)


include: "rules/common.smk"
include: "rules/validate.smk"
include: "rules/drt.smk"
include: "rules/fit.smk"
include: "rules/verdict.smk"
include: "rules/simulate.smk"
include: "rules/report.smk"
include: "rules/reproduce.smk"


rule all:
    input:
        get_final_output(),
    default_target: True
