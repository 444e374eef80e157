"""The layers of docs/architecture.md hold: no module imports a higher layer or a sibling wing of its own layer, and
the package's import graph has no loops (function-level imports included), read from the source by
:mod:`eisrecipe.codegraph`."""

from __future__ import annotations

import pytest

from eisrecipe.codegraph import code_digest, dependencies, imports_of, package_modules

#: top-level part of the package -> layer (docs/architecture.md "Layers"); a module may import its own part and
#: any part of a lower layer, nothing else
LAYERS = {
    "": 0,  # eisrecipe/__init__, errors, constants, spectrum, serialize, codegraph, _moved
    "methods": 1,
    "io": 1,
    "recipe": 2,
    "network": 2,
    "report": 3,
    "stages": 4,
    "reproduction": 5,
    "matrix": 5,
    "cli": 5,
    "api": 5,
}
BASE = {"errors", "constants", "spectrum", "serialize", "codegraph", "config", "_moved"}


def part(module: str) -> str:
    """The top-level part of ``eisrecipe.a.b``: ``a`` (``""`` for the base modules)."""
    parts = module.split(".")
    return "" if len(parts) == 1 or parts[1] in BASE else parts[1]


def test_every_module_belongs_to_a_layer() -> None:
    unknown = sorted({part(m) for m in package_modules()} - set(LAYERS))
    assert not unknown, f"parts without a layer in docs/architecture.md and LAYERS: {unknown}"


def test_no_module_imports_a_higher_layer_or_a_sibling_wing() -> None:
    bad = []
    for m in package_modules():
        for target in imports_of(m):
            a, b = part(m), part(target)
            if a != b and LAYERS[b] >= LAYERS[a]:
                bad.append(f"{m} -> {target}")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_no_import_loops() -> None:
    graph = {m: imports_of(m) for m in package_modules()}
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(m: str, path: list[str]) -> list[str] | None:
        state[m] = 1
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return [*path[path.index(t) :], t] if t in path else [m, t]
            if t not in state:
                loop = visit(t, [*path, t])
                if loop:
                    return loop
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            loop = visit(m, [m])
            assert loop is None, "import loop: " + " -> ".join(loop)


def test_the_layering_test_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """A recipe module importing a stage is caught (the check is not vacuous)."""
    real = imports_of

    def fake(module: str) -> frozenset[str]:
        extra = {"eisrecipe.stages.fit"} if module == "eisrecipe.recipe.elements" else set()
        return real(module) | extra

    monkeypatch.setattr(__import__(__name__), "imports_of", fake)
    with pytest.raises(AssertionError, match=r"eisrecipe\.recipe\.elements -> eisrecipe\.stages\.fit"):
        test_no_module_imports_a_higher_layer_or_a_sibling_wing()


def test_code_digest_follows_the_code_a_stage_runs() -> None:
    deps = dependencies("eisrecipe.stages.validate")
    assert "eisrecipe.methods.kk" in deps and "eisrecipe.methods.fitting" not in deps
    assert code_digest("eisrecipe.stages.validate") != code_digest("eisrecipe.stages.fit")
    assert code_digest("eisrecipe.stages.validate") == code_digest("eisrecipe.stages.validate")
