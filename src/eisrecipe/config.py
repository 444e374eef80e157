"""The workflow configuration: read back what the command line flattened to strings, and check the per-cell
overrides by the schema of the section they override.

Snakemake parses ``--config 'crop={kk_threshold: 0.02}'`` with YAML's BaseLoader, which leaves every nested scalar
a string (``'0.02'``), so no nested number, boolean or null could be set from the command line.
:func:`coerce_to_schema` reads such a string back as YAML wherever the schema asks for a number, an integer, a
boolean or null and the string is one; everything else is left for the schema validation to judge.

``crop.cells.<cell>`` and ``drt.cells.<cell>`` override keys of their section for one cell; :func:`check_overrides`
validates each override against that section's own schema (without defaults: an override holds only what it
changes), so a misspelt key or a wrong value fails at the start of the run, naming the cell.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

from eisrecipe.errors import InputError

__all__ = ["OVERRIDABLE_SECTIONS", "check_overrides", "coerce_to_schema", "load_schema"]

#: sections whose ``cells`` key holds per-cell overrides
OVERRIDABLE_SECTIONS = ("crop", "drt")

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def load_schema(path: str | Path) -> dict[str, Any]:
    """The config schema (YAML) as a mapping."""
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _types(schema: Mapping[str, Any]) -> list[str]:
    t = schema.get("type", [])
    return [t] if isinstance(t, str) else list(t)


def _reread(value: str, schema: Mapping[str, Any]) -> Any:
    """``value`` as YAML when the schema wants a non-string scalar that it spells, else unchanged."""
    wanted = [t for t in _types(schema) if t in _PY_TYPES]
    if not wanted or "string" in _types(schema):
        return value
    import yaml

    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    if isinstance(parsed, str):  # YAML 1.1 reads 2e5 (no dot, no sign) as a string; Python's number syntax does not
        for convert in (int, float):
            try:
                parsed = convert(value)
                break
            except ValueError:
                continue
    for t in wanted:
        if isinstance(parsed, _PY_TYPES[t]) and not (t in ("number", "integer") and isinstance(parsed, bool)):
            return parsed
    return value


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return _reread(value, schema)
    if isinstance(value, MutableMapping):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key in list(value):
            sub = props.get(key, extra if isinstance(extra, Mapping) else None)
            if sub is not None:
                value[key] = _coerce(value[key], sub)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [_coerce(v, schema["items"]) for v in value]
    return value


def _section_schema(schema: Mapping[str, Any], section: str) -> dict[str, Any]:
    """The schema of one section's own keys (``cells`` removed, unknown keys refused, no defaults)."""
    sub = copy.deepcopy(dict(schema["properties"][section]))
    sub.get("properties", {}).pop("cells", None)
    sub["additionalProperties"] = False
    sub.pop("default", None)
    return sub


def coerce_to_schema(config: MutableMapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Read back, in place, the strings of ``config`` that the schema types as number, integer, boolean or null
    (see the module docstring); per-cell overrides by their section's schema."""
    _coerce(config, schema)
    for section in OVERRIDABLE_SECTIONS:
        cells = (config.get(section) or {}).get("cells")
        if isinstance(cells, MutableMapping):
            sub = _section_schema(schema, section)
            for cell, override in cells.items():
                if isinstance(override, MutableMapping):
                    cells[cell] = _coerce(override, sub)


def check_overrides(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Validate every ``<section>.cells.<cell>`` override against its section's schema.

    Raises
    ------
    InputError
        Naming the section, the cell, the key and what is wrong.
    """
    from jsonschema import Draft202012Validator

    for section in OVERRIDABLE_SECTIONS:
        cells = (config.get(section) or {}).get("cells") or {}
        validator = Draft202012Validator(_section_schema(schema, section))
        for cell, override in cells.items():
            if not isinstance(override, Mapping):
                raise InputError(
                    f"config {section}.cells.{cell}: expected a mapping of {section} keys, got {override!r}"
                )
            errors = sorted(validator.iter_errors(override), key=lambda e: list(e.path))
            if errors:
                where = ".".join(str(p) for p in errors[0].path)
                key = f".{where}" if where else ""
                raise InputError(f"config {section}.cells.{cell}{key}: {errors[0].message}")
