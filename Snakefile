# eisrecipe: what limits a metal-anode | solid-electrolyte interface?
# Usage: snakemake --cores 8 [--config dataset=data/<name>]      (README.md)
import os
from pathlib import Path

from snakemake.common.configfile import load_configfile
from snakemake.logging import logger
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import min_version, validate

from eisrecipe.config import check_overrides, coerce_to_schema, load_schema, merge_dataset_config

min_version("8.20")


configfile: "config.yaml"


CONFIG_SCHEMA = load_schema(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
# the dataset's own settings (data/<name>/config.yaml, optional, validated on its own) over the global config, then
# the command line over both again: config.yaml < data/<name>/config.yaml < --configfile < --config
_COMMAND_LINE = [(f"--configfile {p}", load_configfile(p)) for p in workflow.config_settings.configfiles or ()]
_COMMAND_LINE.append(("--config", workflow.config_settings.config or {}))
CONFIG_SOURCES = merge_dataset_config(config, config.get("dataset", ""), CONFIG_SCHEMA, _COMMAND_LINE)
for _source, _keys in CONFIG_SOURCES.items():
    logger.info(f"eisrecipe: {_source} sets {', '.join(_keys)}")
# --config flattens nested values to strings: read them back by the schema's types, then validate everything,
# per-cell overrides by the schema of the section they override (eisrecipe.config)
coerce_to_schema(config, CONFIG_SCHEMA)
validate(config, "workflow/schemas/config.schema.yaml")
check_overrides(config, CONFIG_SCHEMA)


# per-rule conda environments (--sdm conda, workflow/envs/eisrecipe.yaml) hold the dependencies, not the package:
# their jobs import it from this repository's src/ (set here, not required from the caller: no envvars directive)
if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
    _path = [str(Path(workflow.basedir) / "src"), os.environ.get("PYTHONPATH", "")]
    os.environ.update(PYTHONPATH=os.pathsep.join(p for p in _path if p))


# warm workers (eisrecipe.stages.warm) only where Snakemake runs the jobs on this machine: a cluster job is a process of
# its own, which could not reuse a server and would leave one behind
if workflow.remote_exec or not workflow.local_exec:
    os.environ.update(EISRECIPE_WARM="0")  # set, not read: no envvars directive


report: "workflow/report/workflow.rst"


include: "rules/common.smk"
include: "rules/validate.smk"
include: "rules/drt.smk"
include: "rules/fit.smk"
include: "rules/confidence.smk"
include: "rules/verdict.smk"
include: "rules/simulate.smk"
include: "rules/report.smk"
include: "rules/reproduce.smk"
include: "rules/matrix.smk"


onsuccess:
    # only when this run wrote the summary (not after `snakemake matrix`, `simulate` or a dry run)
    summary_html = Path(f"{RESULTS}/summary.html")
    if not PENDING_SIMULATION and CELLS and summary_html.exists() and summary_html.stat().st_mtime >= RUN_STARTED:
        logger.info(f"eisrecipe: {len(CELLS)} cell(s) analysed; open {summary_html}")


onerror:
    # a failed run (with --keep-going, after every job that could run): the summary lists the finished cells and
    # the failed ones with the stage and the reason; a failed cell's stale later outputs were removed by its job
    if not PENDING_SIMULATION and CELLS:
        from eisrecipe.stages.summary import write_dataset_summary

        finished, unfinished = write_dataset_summary(
            RESULTS,
            CELLS,
            f"{RESULTS}/summary.csv",
            f"{RESULTS}/summary.html",
            DATASET,
            xlsx_path=f"{RESULTS}/parameters.xlsx",
            figures_dir=f"{RESULTS}/summary_figures",
        )
        logger.error(
            f"eisrecipe: {len(unfinished)} cell(s) without a result ({', '.join(unfinished)}), {len(finished)} "
            f"finished; {RESULTS}/summary.html lists both, each failure in <cell>/FAILED.json and logs/"
        )


rule all:
    input:
        get_final_output(),
    default_target: True
