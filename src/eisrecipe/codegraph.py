"""The package's own import graph, read from the source files (nothing is imported or run): which ``eisrecipe``
modules a module uses, directly or through others, and a digest of that code.

Two users: the workflow gives every analysis rule the digest of the code its script runs (a param, so that editing
that code - and only that code - reruns the rule; Snakemake's own ``code`` trigger sees the script file alone), and
the layering test (``tests/test_architecture.py``) checks the graph against docs/architecture.md.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

__all__ = ["code_digest", "dependencies", "imports_of", "package_modules"]

ROOT = Path(__file__).resolve().parent
PACKAGE = "eisrecipe"


@cache
def package_modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the package (``__init__`` as the package name)."""
    out: dict[str, Path] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([PACKAGE, *parts])] = path
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module of the package."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        candidate = ".".join(parts[:k])
        if candidate in modules:
            return candidate
    return None


@cache
def imports_of(module: str) -> frozenset[str]:
    """The package modules ``module`` imports anywhere in its file (module level, functions, ``TYPE_CHECKING``).

    ``from eisrecipe.x import y`` counts as ``eisrecipe.x.y`` when that is a module, else as ``eisrecipe.x``.
    """
    modules = package_modules()
    tree = ast.parse(modules[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] or [node.module]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                target = _resolve(name, modules)
                if target is not None and target != module:
                    found.add(target)
    return frozenset(found)


def dependencies(*roots: str) -> list[str]:
    """Every package module the ``roots`` use, directly or through others, the roots included (sorted)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo.extend(imports_of(m) - seen)
    return sorted(seen)


def code_digest(*roots: str) -> str:
    """SHA-256 (hex) over the source of :func:`dependencies` of ``roots`` and their names: changes exactly when code
    they run changes (comments and docstrings included: a rerun too many, never one too few)."""
    h = hashlib.sha256()
    modules = package_modules()
    for m in dependencies(*roots):
        h.update(m.encode() + b"\0" + modules[m].read_bytes() + b"\0")
    return h.hexdigest()
