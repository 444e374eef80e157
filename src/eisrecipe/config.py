"""The workflow configuration: read back what the command line flattened to strings, and check the per-cell
overrides by the schema of the section they override.

Snakemake parses ``--config 'crop={kk_threshold: 0.02}'`` with YAML's BaseLoader, which leaves every nested scalar
a string (``'0.02'``), so no nested number, boolean or null could be set from the command line.
:func:`coerce_to_schema` reads such a string back as YAML wherever the schema asks for a number, an integer, a
boolean or null and the string is one; everything else is left for the schema validation to judge.

``crop.cells.<cell>`` and ``drt.cells.<cell>`` override keys of their section for one cell; :func:`check_overrides`
validates each override against that section's own schema (without defaults: an override holds only what it
changes), so a misspelt key or a wrong value fails at the start of the run, naming the cell.

A dataset may carry its own settings in ``data/<name>/config.yaml`` (optional; only the analysis sections of
:data:`DATASET_SECTIONS`). :func:`merge_dataset_config` merges that file over the global config and the command
line (``--configfile`` files, then ``--config``) over both again, so the precedence is, lowest first:
``config.yaml`` < ``data/<name>/config.yaml`` < ``--configfile`` < ``--config``. It returns which source set which
key, for the provenance.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from eisrecipe.errors import InputError

__all__ = [
    "DATASET_CONFIG",
    "DATASET_SECTIONS",
    "OVERRIDABLE_SECTIONS",
    "check_overrides",
    "coerce_to_schema",
    "deep_merge",
    "fill_defaults",
    "leaf_keys",
    "load_schema",
    "merge_dataset_config",
]

#: sections whose ``cells`` key holds per-cell overrides
OVERRIDABLE_SECTIONS = ("crop", "drt")

#: the file of a dataset's own settings, inside the dataset folder
DATASET_CONFIG = "config.yaml"

#: the sections a dataset's own config may set: the analysis (not which dataset, not reading outside it, not the
#: simulations, the reproduction or the validation matrix)
DATASET_SECTIONS = (
    "kk",
    "crop",
    "drt",
    "peaks",
    "tracking",
    "steps12",
    "fit",
    "temperature",
    "verdict",
    "confidence",
)

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


def deep_merge(base: MutableMapping[str, Any], update: Mapping[str, Any]) -> None:
    """Merge ``update`` into ``base`` in place: mappings key by key, everything else replaced (as Snakemake's
    ``update_config`` does)."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), MutableMapping):
            deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def leaf_keys(mapping: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths of the non-mapping values of ``mapping`` (an empty mapping counts as a value)."""
    out: list[str] = []
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out += leaf_keys(value, f"{path}.")
        else:
            out.append(path)
    return out


def _dataset_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The config schema restricted to :data:`DATASET_SECTIONS`, nothing required, no defaults at the top."""
    props = schema["properties"]
    return {
        "type": "object",
        "properties": {key: {k: v for k, v in props[key].items() if k != "default"} for key in DATASET_SECTIONS},
        "additionalProperties": False,
    }


def merge_dataset_config(
    config: MutableMapping[str, Any],
    dataset_dir: str | Path,
    schema: Mapping[str, Any],
    command_line: Sequence[tuple[str, Mapping[str, Any]]] = (),
) -> dict[str, list[str]]:
    """Merge the dataset's own settings (``<dataset_dir>/config.yaml``, when present) into ``config`` in place, then
    the command-line layers over both again.

    ``config`` is what Snakemake built: the global config with the command line already merged over it.
    ``command_line`` lists the command-line layers in Snakemake's order (each ``--configfile`` file, then
    ``--config``) as ``(label, mapping)``; re-applying them keeps the command line above the dataset file.

    The dataset file is validated by the config schema of its sections (unknown or misspelt keys, wrong types and
    per-cell overrides are refused naming the file and the key) before anything is merged.

    Returns
    -------
    dict
        Source label -> the dotted keys it set, for the provenance: the dataset file (by its path) and each
        command-line layer that set anything; every other key comes from the global config.

    Raises
    ------
    InputError
        The dataset file is no YAML mapping, sets a section it may not, or breaks the schema.
    """
    import yaml
    from jsonschema import Draft202012Validator

    path = Path(dataset_dir) / DATASET_CONFIG
    sources: dict[str, list[str]] = {}
    if path.is_file():
        try:
            own = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not readable as YAML ({exc})") from exc
        own = {} if own is None else own
        if not isinstance(own, Mapping):
            raise InputError(f"{path}: expected a mapping of config sections, got {type(own).__name__}")
        barred = sorted(str(k) for k in own if k not in DATASET_SECTIONS)
        if barred:
            raise InputError(
                f"{path}: {', '.join(barred)} may not be set per dataset (allowed: {', '.join(DATASET_SECTIONS)})"
            )
        errors = sorted(Draft202012Validator(_dataset_schema(schema)).iter_errors(own), key=lambda e: list(e.path))
        if errors:
            where = ".".join(str(p) for p in errors[0].path)
            raise InputError(f"{path}: {where + ': ' if where else ''}{errors[0].message}")
        try:
            check_overrides(own, schema)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from exc
        deep_merge(config, own)
        sources[str(path)] = leaf_keys(own)
    for label, layer in command_line:
        deep_merge(config, layer)
        if layer:
            sources[label] = leaf_keys(layer)
    return sources


def fill_defaults(config: MutableMapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Set, in place, every key the schema gives a ``default`` and ``config`` lacks, section by section (what
    Snakemake's ``validate(..., set_default=True)`` does for the workflow), for runs outside Snakemake."""
    for key, sub in (schema.get("properties") or {}).items():
        if key not in config and "default" in sub:
            config[key] = copy.deepcopy(sub["default"])
        if isinstance(config.get(key), MutableMapping) and isinstance(sub, Mapping):
            fill_defaults(config[key], sub)
