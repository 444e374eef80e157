# Stage 2, per cell: DRT of every validated spectrum, peaks, pressure-series tracks, Steps 1-2 (eisrecipe.stages.drt).


rule drt_cell:
    input:
        spectra=f"{RESULTS}/{{cell}}/spectra.csv",
        validation=f"{RESULTS}/{{cell}}/validation.json",
    output:
        drt=f"{RESULTS}/{{cell}}/drt.csv",
        fit=f"{RESULTS}/{{cell}}/drt_fit.csv",
        peaks=f"{RESULTS}/{{cell}}/peaks.csv",
        tracks=f"{RESULTS}/{{cell}}/tracks.csv",
        steps=f"{RESULTS}/{{cell}}/steps12.json",
    params:
        analysis=get_analysis_config,
        code=code_version("eisrecipe.stages.drt", "eisrecipe.stages.validate"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/drt_cell/{DATASET}/{{cell}}.log",
    benchmark:
        f"benchmarks/drt_cell/{DATASET}/{{cell}}.tsv"
    script:
        "../workflow/scripts/drt_cell.py"
