"""The registry of instrument readers.

A reader module registers its ``read`` function with the :func:`register` decorator, giving a name, the file
extensions it claims and a content sniffer::

    def _sniff(path: Path, head: str) -> float:
        return 1.0 if head.startswith("ZPLOT2 ASCII") else 0.0

    @register("zplot", extensions=(".z",), sniff=_sniff, description="Scribner ZPlot/ZView .z")
    def read(path: Path) -> list[Spectrum]: ...

A sniffer gets the first :data:`~eisrecipe.io.parsing.HEAD_BYTES` bytes of the file (decoded to text, or raw bytes
for ``head="bytes"`` readers) and returns a score in [0, 1]: 1 = certainly this format, 0 = not this format.
``format="auto"`` takes the reader with the highest positive score (ties: the one claiming the file's extension,
then registration order); when every sniffer says 0, the extension decides.

The built-in reader modules are imported on first use of the registry, so that ``import eisrecipe.io`` stays
cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Literal

from eisrecipe.errors import InputError
from eisrecipe.spectrum import Spectrum

Sniffer = Callable[[Path, "str | bytes"], float]
ReadFunc = Callable[[Path], list[Spectrum]]

#: modules holding the built-in readers, imported on first use of the registry
BUILTIN_MODULES: tuple[str, ...] = (
    "eisrecipe.io.biologic",
    "eisrecipe.io.mpr",
    "eisrecipe.io.gamry",
    "eisrecipe.io.zplot",
    "eisrecipe.io.relaxis",
    "eisrecipe.io.versastudio",
    "eisrecipe.io.parstat",
    "eisrecipe.io.chinstruments",
    "eisrecipe.io.powersuite",
    "eisrecipe.io.autolab",
    "eisrecipe.io.novocontrol",
    "eisrecipe.io.text",
)


#: other spellings accepted by :func:`get` (and so by ``format=`` and the sample sheet)
ALIASES: dict[str, str] = {
    "biologic": "biologic-mpt",
    "ec-lab": "biologic-mpt",
    "eclab": "biologic-mpt",
    "mpt": "biologic-mpt",
    "mpr": "biologic-mpr",
    "csv": "text",
    "txt": "text",
    "generic": "text",
    "dta": "gamry",
    "z": "zplot",
    "zview": "zplot",
    "par": "versastudio",
    "chi": "chinstruments",
    "windeta": "novocontrol",
    "nova": "autolab",
}


@dataclass(frozen=True)
class Reader:
    """One registered reader.

    Attributes
    ----------
    name
        Format name used in the sample sheet's ``format`` column.
    extensions
        Lower-case file extensions with the dot (``".mpt"``).
    sniff
        Content sniffer, ``sniff(path, head) -> score`` in [0, 1].
    read
        ``read(path) -> list[Spectrum]``: one spectrum per sweep, Z in ohm, Z'' < 0 capacitive.
    description
        One line for listings.
    head
        Whether the sniffer wants ``"text"`` or ``"bytes"``.
    """

    name: str
    extensions: tuple[str, ...]
    sniff: Sniffer
    read: ReadFunc
    description: str = ""
    head: Literal["text", "bytes"] = "text"


_READERS: dict[str, Reader] = {}
_loaded = False


def register(
    name: str,
    *,
    extensions: tuple[str, ...] | list[str] = (),
    sniff: Sniffer,
    description: str = "",
    head: Literal["text", "bytes"] = "text",
) -> Callable[[ReadFunc], ReadFunc]:
    """Decorator registering a ``read(path) -> list[Spectrum]`` function as the reader of format ``name``."""

    def deco(func: ReadFunc) -> ReadFunc:
        if name in _READERS and _READERS[name].read is not func:
            raise ValueError(f"a reader named {name!r} is already registered")
        _READERS[name] = Reader(name, tuple(e.lower() for e in extensions), sniff, func, description, head)
        return func

    return deco


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in BUILTIN_MODULES:
        importlib.import_module(mod)


def readers() -> dict[str, Reader]:
    """All registered readers by name, in registration order."""
    _load_builtins()
    return dict(_READERS)


def formats() -> list[str]:
    """Registered format names, sorted."""
    return sorted(readers())


def get(name: str, path: str | PathLike[str] | None = None) -> Reader:
    """The reader called ``name``.

    Raises
    ------
    InputError
        Unknown name (the message names the file, if given, and lists the known formats).
    """
    known = readers()
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in known:
        raise InputError(f"unknown format {name!r}; known formats: {', '.join(sorted(known))}, auto", path)
    return known[key]


def detect(path: str | PathLike[str]) -> Reader:
    """The reader for ``path``: content sniffing first, then the extension.

    Raises
    ------
    InputError
        Missing file, or neither content nor extension is recognised (lists the known formats).
    """
    from eisrecipe.io.parsing import HEAD_BYTES, decode, read_bytes

    p = Path(path)
    raw = read_bytes(p, HEAD_BYTES)
    text = decode(raw)
    ext = p.suffix.lower()
    best: tuple[float, int, int] | None = None
    chosen: Reader | None = None
    for order, reader in enumerate(readers().values()):
        try:
            score = float(reader.sniff(p, raw if reader.head == "bytes" else text))
        except Exception:  # a sniffer must never stop detection
            score = 0.0
        if score <= 0:
            continue
        key = (score, int(ext in reader.extensions), -order)
        if best is None or key > best:
            best, chosen = key, reader
    if chosen is not None:
        return chosen
    for reader in readers().values():
        if ext and ext in reader.extensions:
            return reader
    if not raw.strip():
        raise InputError("file is empty", p)
    raise InputError(
        "cannot tell the file format from its content or extension; give it explicitly (sample sheet column "
        f"'format'); known formats: {', '.join(formats())}",
        p,
    )
