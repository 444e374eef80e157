"""Known-answer validation matrix (issue 15): generator, dataset writer and scoring of the pipeline's verdicts.

- :mod:`eisrecipe.matrix.generator`: Table 1 equivalent-circuit cells, nuisances, a-priori identifiability;
- :mod:`eisrecipe.matrix.network_cells`: a small subset from the 3D network (exact DRT truth);
- :mod:`eisrecipe.matrix.dataset`: the matrix as one dataset folder (lab-data form, truth beside it);
- :mod:`eisrecipe.matrix.score`: confusion matrix, acceptance figures and error distributions (CSV, HTML).
"""
