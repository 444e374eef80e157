"""Shared pytest fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property and fuzz tests on a fixed, reproducible set of examples (a failure there can be replayed
# exactly, and a landing does not depend on the draw); local runs keep exploring new examples. Inputs that a
# random run has found are kept as explicit tests (e.g. tests/io/test_io_fuzz.py, tests/test_drt.py @example).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def external_data() -> Path:
    """The folder of real measured spectra from other projects (``../shared/data/external`` beside the repo).

    ``EISRECIPE_EXTERNAL_DATA`` overrides the location. Tests using this fixture are skipped when the folder
    is absent (the files are never copied into the repository).
    """
    env = os.environ.get("EISRECIPE_EXTERNAL_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data" / "external"
    if not root.is_dir():
        pytest.skip(
            f"external data folder {root} not found; set EISRECIPE_EXTERNAL_DATA to the folder holding "
            "impedance.py/, hybrid-drt/, eis-dct/, pydrttools/ and eisfitpython/"
        )
    return root
