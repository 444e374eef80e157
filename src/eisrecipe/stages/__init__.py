"""One module per workflow rule file: the only place that reads and writes the per-cell files. Each stage turns
its inputs into typed objects, runs the recipe and hands its findings on; only its writer flattens them to CSV or
JSON (docs/architecture.md).
"""
