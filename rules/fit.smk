# Stage 3, per cell: equivalent-circuit fits seeded from the DRT - pressure series, recipe Steps 3-6
# (eisrecipe.stages.fit), and temperature series, every spectrum on its own (eisrecipe.recipe.temperature).


rule fit_cell:
    input:
        spectra=f"{RESULTS}/{{cell}}/spectra.csv",
        validation=f"{RESULTS}/{{cell}}/validation.json",
        tracks=f"{RESULTS}/{{cell}}/tracks.csv",
        peaks=f"{RESULTS}/{{cell}}/peaks.csv",
        steps12=f"{RESULTS}/{{cell}}/steps12.json",
    output:
        fits=f"{RESULTS}/{{cell}}/fits.csv",
        steps=f"{RESULTS}/{{cell}}/steps36.json",
    params:
        fit=config["fit"],
        temperature=config["temperature"],
        code=code_version("eisrecipe.stages.fit"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/fit_cell/{DATASET}/{{cell}}.log",
    benchmark:
        f"benchmarks/fit_cell/{DATASET}/{{cell}}.tsv"
    script:
        "../workflow/scripts/fit_cell.py"
