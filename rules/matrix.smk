# Known-answer validation matrix (issue 15; eisrecipe.matrix): Table 1 equivalent-circuit cells and a few 3D-network
# cells over the space the recipe must handle, written as ONE dataset folder data/simulated/matrix_<size>/ in the
# on-disk form of lab data (instrument-like files, samples.tsv with an `interface` column) with the truth beside it
# (ground_truth/<cell>.json, never named by the sheet, never read by the pipeline). Two commands, as for `simulate`:
#   snakemake --cores 2 matrix                                                       # build the dataset
#   snakemake --cores 2 matrix_score --config dataset=data/simulated/matrix_reduced  # analyse it, then score
# The first writes the dataset (size and seed from the `matrix:` config section); the second runs the unchanged
# pipeline over every cell (the sheet is read at parse time, which is why building and analysing are two runs - see
# rules/simulate.smk) and scores the verdicts against the truth: results/<dataset>/matrix/score.csv (one row per
# cell), errors.csv (one row per compared quantity), acceptance.csv (the issue's five figures),
# confusion.csv (truth x verdict) and score.html.
from eisrecipe.matrix.dataset import plan as matrix_plan, score_inputs as matrix_score_inputs


MATRIX = config.get("matrix", {})
MATRIX_NAME = f"matrix_{MATRIX.get('size', 'reduced')}"
matrix_plan(MATRIX)  # checks the block at parse time; draws nothing


rule matrix_dataset:
    output:
        directory(f"{SIMULATED_ROOT}/{MATRIX_NAME}"),
    params:
        block=MATRIX,
        code=code_version("eisrecipe.matrix.dataset"),
    conda:
        "../environment.yml"
    log:
        f"logs/matrix_dataset/{MATRIX_NAME}.log",
    benchmark:
        f"benchmarks/matrix_dataset/{MATRIX_NAME}.tsv"
    script:
        "../workflow/scripts/matrix_dataset.py"


rule matrix:
    input:
        rules.matrix_dataset.output,


rule matrix_score_run:
    input:
        get_matrix_score_inputs,
    output:
        score=f"{RESULTS}/matrix/score.csv",
        errors=f"{RESULTS}/matrix/errors.csv",
        acceptance=f"{RESULTS}/matrix/acceptance.csv",
        confusion=f"{RESULTS}/matrix/confusion.csv",
        html=f"{RESULTS}/matrix/score.html",
    params:
        dataset=str(DATASET_DIR),
        cells=CELLS,
        code=code_version("eisrecipe.matrix.score"),
    conda:
        "../environment.yml"
    log:
        f"logs/matrix_score/{DATASET}.log",
    script:
        "../workflow/scripts/matrix_score.py"


rule matrix_score:
    input:
        rules.matrix_score_run.output,
