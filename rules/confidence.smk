# Stage 3b, per cell: the verdict's confidence - the pressure-series decision re-run on perturbed inputs (noise
# resampled from the KK residuals, cropping window moved, DRT lambda and peak threshold varied;
# eisrecipe.stages.confidence). The verdict stage reads it.


rule confidence_cell:
    input:
        spectra=f"{RESULTS}/{{cell}}/spectra.csv",
        validation=f"{RESULTS}/{{cell}}/validation.json",
        steps12=f"{RESULTS}/{{cell}}/steps12.json",
    output:
        f"{RESULTS}/{{cell}}/confidence.json",
    params:
        config=get_confidence_config,
        rows=get_cell_rows,
        code=code_version("eisrecipe.stages.confidence"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/confidence_cell/{DATASET}/{{cell}}.log",
    benchmark:
        f"benchmarks/confidence_cell/{DATASET}/{{cell}}.tsv"
    script:
        "../workflow/scripts/confidence_cell.py"
