# Stage 5: per-cell HTML report (self-contained) and the dataset summary (eisrecipe.report).


rule report_cell:
    input:
        spectra=f"{RESULTS}/{{cell}}/spectra.csv",
        validation=f"{RESULTS}/{{cell}}/validation.json",
        drt=f"{RESULTS}/{{cell}}/drt.csv",
        peaks=f"{RESULTS}/{{cell}}/peaks.csv",
        tracks=f"{RESULTS}/{{cell}}/tracks.csv",
        steps12=f"{RESULTS}/{{cell}}/steps12.json",
        fits=f"{RESULTS}/{{cell}}/fits.csv",
        steps36=f"{RESULTS}/{{cell}}/steps36.json",
        arrhenius=f"{RESULTS}/{{cell}}/arrhenius.csv",
        verdict=f"{RESULTS}/{{cell}}/verdict.json",
    output:
        html=report(
            f"{RESULTS}/{{cell}}/report.html",
            caption="../workflow/report/report_cell.rst",
            category="Cell {cell}",
            subcategory="Report",
            labels={"cell": "{cell}", "file": "report.html"},
        ),
        figures=report(
            directory(f"{RESULTS}/{{cell}}/figures"),
            patterns=["{name}.svg"],
            caption="../workflow/report/figure.rst",
            category="Cell {cell}",
            subcategory="Figures",
            labels={"cell": "{cell}", "figure": "{name}"},
        ),
    params:
        config=report_config(),
        dataset=DATASET,
        code=code_version("eisrecipe.report.html"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/report_cell/{DATASET}/{{cell}}.log",
    benchmark:
        f"benchmarks/report_cell/{DATASET}/{{cell}}.tsv"
    script:
        "../workflow/scripts/report_cell.py"


rule summary:
    input:
        verdicts=expand(f"{RESULTS}/{{cell}}/verdict.json", cell=CELLS),
        validations=expand(f"{RESULTS}/{{cell}}/validation.json", cell=CELLS),
        arrhenius=expand(f"{RESULTS}/{{cell}}/arrhenius.csv", cell=CELLS),
        steps12=expand(f"{RESULTS}/{{cell}}/steps12.json", cell=CELLS),
        steps36=expand(f"{RESULTS}/{{cell}}/steps36.json", cell=CELLS),
        reports=expand(f"{RESULTS}/{{cell}}/report.html", cell=CELLS),
    output:
        csv=report(
            f"{RESULTS}/summary.csv",
            caption="../workflow/report/summary_csv.rst",
            category="Summary",
            labels={"file": "summary.csv"},
        ),
        # in the --report zip as the index of report_bundle (its links to the cell reports work there)
        html=f"{RESULTS}/summary.html",
        xlsx=report(
            f"{RESULTS}/parameters.xlsx",
            caption="../workflow/report/parameters_xlsx.rst",
            category="Summary",
            labels={"file": "parameters.xlsx"},
        ),
        figures=report(
            directory(f"{RESULTS}/summary_figures"),
            patterns=["{name}.svg"],
            caption="../workflow/report/summary_figure.rst",
            category="Summary",
            labels={"figure": "{name}"},
        ),
    params:
        dataset=DATASET,
        code=code_version("eisrecipe.stages.summary"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/summary/{DATASET}.log",
    benchmark:
        f"benchmarks/summary/{DATASET}.tsv"
    script:
        "../workflow/scripts/summary.py"


rule report_bundle:
    input:
        html=f"{RESULTS}/summary.html",
        csv=f"{RESULTS}/summary.csv",
        xlsx=f"{RESULTS}/parameters.xlsx",
        figures=f"{RESULTS}/summary_figures",
        reports=expand(f"{RESULTS}/{{cell}}/report.html", cell=CELLS),
    output:
        bundle=report(
            directory(f"{RESULTS}/report_bundle"),
            htmlindex="summary.html",
            caption="../workflow/report/summary_html.rst",
            category="Summary",
            labels={"file": "summary.html (with the cell reports)"},
        ),
    params:
        code=code_version("eisrecipe.stages.summary"),
    conda:
        "../workflow/envs/eisrecipe.yaml"
    log:
        f"logs/report_bundle/{DATASET}.log",
    benchmark:
        f"benchmarks/report_bundle/{DATASET}.tsv"
    script:
        "../workflow/scripts/report_bundle.py"
