# Stage 1, per cell: read -> area-normalise -> Kramers-Kronig test -> crop (eisrecipe.stages.validate).


rule validate_cell:
    input:
        sheet=f"{DATASET_DIR}/samples.tsv",
        files=get_cell_files,
    output:
        spectra=f"{RESULTS}/{{cell}}/spectra.csv",
        validation=f"{RESULTS}/{{cell}}/validation.json",
    params:
        rows=get_cell_rows,
        kk=config["kk"],
        crop=config["crop"],
        code=code_version("eisrecipe.stages.validate"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/validate_cell/{DATASET}/{{cell}}.log",
    benchmark:
        f"benchmarks/validate_cell/{DATASET}/{{cell}}.tsv"
    script:
        "../workflow/scripts/validate_cell.py"
