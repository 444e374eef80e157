"""BioLogic EC-Lab binary ``.mpr`` files, through galvani (GPL, optional extra ``eisrecipe[mpr]``).

galvani is imported only when an .mpr file is read; without it the reader raises an :class:`InputError` that
says how to install it. A truncated or corrupt file (galvani raises ``OSError``/``ValueError``/``struct.error``
...) becomes an :class:`InputError` naming the file.

- Columns ``freq/Hz``, ``Re(Z)/Ohm``, ``-Im(Z)/Ohm`` (stored as float32 by EC-Lab); Z'' = -(``-Im(Z)/Ohm``).
- The "line" of a point is its 1-based record number in the data module.
- Sweeps: ``cycle number`` and ``z cycle`` columns when present.
- Records with frequency, Re(Z) and Im(Z) all 0 (another technique in a sequence) are skipped.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from eisrecipe.errors import InputError
from eisrecipe.io.parsing import read_bytes
from eisrecipe.io.registry import register
from eisrecipe.io.sweeps import build_spectra
from eisrecipe.spectrum import Spectrum

MAGIC = b"BIO-LOGIC MODULAR FILE"
_CYCLE_COLUMNS = ("cycle number", "z cycle")


def _sniff(path: Path, head: str | bytes) -> float:
    return 1.0 if isinstance(head, bytes) and head.startswith(MAGIC) else 0.0


@register(
    "biologic-mpr",
    extensions=(".mpr",),
    sniff=_sniff,
    description="BioLogic EC-Lab binary .mpr (needs galvani: pip install 'eisrecipe[mpr]')",
    head="bytes",
)
def read(path: Path) -> list[Spectrum]:
    """Read an EC-Lab ``.mpr`` impedance file (one spectrum per cycle)."""
    head = read_bytes(path, len(MAGIC))
    if not head.startswith(MAGIC):
        raise InputError("not a BioLogic .mpr file (missing 'BIO-LOGIC MODULAR FILE' signature)", path)
    try:
        from galvani import BioLogic
    except ImportError:
        raise InputError(
            "reading BioLogic .mpr files needs the optional package galvani: pip install 'eisrecipe[mpr]' "
            "(or export the file from EC-Lab as text and read the .mpt/.txt)",
            path,
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # galvani warns about column ids it does not know
            mpr = BioLogic.MPRfile(str(path))
        data = mpr.data
    except Exception as exc:  # galvani raises many kinds (OSError, ValueError, struct.error, KeyError ...)
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"cannot read the .mpr file; truncated or corrupt? (galvani: {detail})", path) from None
    names = data.dtype.names or ()
    missing = [c for c in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm") if c not in names]
    if missing:
        raise InputError(
            f"no impedance data in this .mpr (columns {', '.join(missing)} missing; is it a PEIS/GEIS file?)",
            path,
        )
    f = np.asarray(data["freq/Hz"], dtype=float)
    z = np.asarray(data["Re(Z)/Ohm"], dtype=float) - 1j * np.asarray(data["-Im(Z)/Ohm"], dtype=float)
    records = np.arange(1, f.size + 1, dtype=np.int64)
    keep = ~((f == 0) & (z == 0))
    if not keep.any():
        raise InputError("no impedance records in this .mpr file", path)
    cyc = [np.asarray(data[c], dtype=float)[keep] for c in _CYCLE_COLUMNS if c in names]
    labels = None
    if cyc:
        stacked = np.vstack(cyc)
        change = np.any(np.diff(stacked, axis=1) != 0, axis=0)
        labels = np.concatenate([[0], np.cumsum(change)])
    return build_spectra(
        f[keep],
        z[keep],
        records[keep],
        str(path),
        labels=labels,
        meta={
            "format": "biologic-mpr",
            "z_imag_sign": "column '-Im(Z)/Ohm' read as -Im(Z)",
            "lines_are": "record numbers",
        },
    )
