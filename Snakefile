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
include: "rules/matrix.smk"


onsuccess:
    if not PENDING_SIMULATION and CELLS:
        logger.info(f"eisrecipe: {len(CELLS)} cell(s) analysed; open {RESULTS}/summary.html")


onerror:
    # a failed run (with --keep-going, after every job that could run): the summary lists the finished cells and
    # the failed ones with the stage and the reason; a failed cell's stale later outputs were removed by its job
    if not PENDING_SIMULATION and CELLS:
        from eisrecipe.stages.summary import write_dataset_summary

        finished, unfinished = write_dataset_summary(
            RESULTS, CELLS, f"{RESULTS}/summary.csv", f"{RESULTS}/summary.html", DATASET
        )
        logger.error(
            f"eisrecipe: {len(unfinished)} cell(s) without a result ({', '.join(unfinished)}), {len(finished)} "
            f"finished; {RESULTS}/summary.html lists both, each failure in <cell>/FAILED.json and logs/"
        )


rule all:
    input:
        get_final_output(),
    default_target: True
