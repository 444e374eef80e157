"""BLAS threads: run small dense linear algebra on one thread.

The matrices of a DRT, a KK test or a joint circuit fit are small (~100-400 rows); threaded BLAS on a loaded
machine (Snakemake running many jobs) made one DRT 100x slower and one joint-fit iteration 17x slower in our
measurements (36 ms -> 2.1 ms per iteration for 8 spectra).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

__all__ = ["one_blas_thread"]


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Context manager: BLAS limited to one thread inside, restored on exit."""
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield
