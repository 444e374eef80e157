# Stage 4, per cell: Arrhenius table (Step 7) and the verdict over Steps 1-7 (eisrecipe.stages.verdict).


rule verdict_cell:
    input:
        validation=f"{RESULTS}/{{cell}}/validation.json",
        steps12=f"{RESULTS}/{{cell}}/steps12.json",
        steps36=f"{RESULTS}/{{cell}}/steps36.json",
        fits=f"{RESULTS}/{{cell}}/fits.csv",
        confidence=f"{RESULTS}/{{cell}}/confidence.json",
    output:
        arrhenius=f"{RESULTS}/{{cell}}/arrhenius.csv",
        verdict=f"{RESULTS}/{{cell}}/verdict.json",
    params:
        verdict=config["verdict"],
        rows=get_cell_rows,
        code=code_version("eisrecipe.stages.verdict"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/verdict_cell/{DATASET}/{{cell}}.log",
    benchmark:
        f"benchmarks/verdict_cell/{DATASET}/{{cell}}.tsv"
    script:
        "../workflow/scripts/verdict_cell.py"
