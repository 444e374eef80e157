"""``eisrecipe`` command line for ad-hoc use (the workflow itself runs through Snakemake).

Subcommands::

    eisrecipe formats                          list the instrument formats the readers know
    eisrecipe read FILE [-o OUT.csv]           read a file, print or export its spectrum
    eisrecipe kk FILE [--threshold 0.04]       KK-test and crop a file, print the result
    eisrecipe check-sheet DATASET_DIR          validate a dataset's samples.tsv

Errors in the input end with exit status 2 and a message naming file, line and problem; output cut off by a
closed pipe (``eisrecipe read FILE | head``) ends quietly with status 13 (SIGPIPE).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from eisrecipe import __version__
from eisrecipe.errors import InputError


def _add_file_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="instrument file")
    p.add_argument("--format", default="auto", help="instrument format (default: detect; see `eisrecipe formats`)")
    p.add_argument("--sweep", type=int, default=None, help="1-based sweep of a file holding several")
    p.add_argument("--area", type=float, default=None, help="electrode area in cm^2: output in ohm cm^2")


def _load(args: argparse.Namespace):
    from eisrecipe.io import read_spectrum

    spectrum = read_spectrum(args.file, format=args.format, sweep=args.sweep)
    return spectrum.normalise(args.area) if args.area is not None else spectrum


def _cmd_formats(args: argparse.Namespace) -> int:
    from eisrecipe.io import available_formats

    print("\n".join(available_formats()))
    return 0


def _cmd_read(args: argparse.Namespace) -> int:
    spectrum = _load(args)
    frame = spectrum.to_frame()
    if args.output:
        frame.to_csv(args.output, index=False, float_format="%.10g", lineterminator="\n")
        print(f"wrote {spectrum.n_points} points to {args.output}", file=sys.stderr)
    else:
        print(f"# {spectrum!r}")
        print(frame.to_csv(index=False, float_format="%.10g", lineterminator="\n"), end="")
    return 0


def _cmd_kk(args: argparse.Namespace) -> int:
    from eisrecipe.methods.crop import CropSettings, KKSettings, crop_spectrum
    from eisrecipe.serialize import json_safe

    spectrum = _load(args)
    settings = CropSettings(
        kk_threshold=args.threshold,
        f_min_hz=args.f_min,
        f_max_hz=args.f_max,
        drop_inductive=not args.keep_inductive,
        kk=KKSettings(fit=args.fit, capacitance=args.capacitance),
    )
    _, result = crop_spectrum(spectrum, settings)
    summary = result.summary()
    if args.json:
        print(json.dumps(json_safe(summary), indent=2, allow_nan=False))
        return 0
    full, final = summary["kk_full"], summary["kk_final"]
    lo, hi = summary["window_hz"]
    print(f"{spectrum!r}")
    print(
        f"KK test (whole window): M = {full['n_rc']}, mu = {full['mu']:.3f}, "
        f"pseudo chi2 = {full['pseudo_chi2']:.3g}, max |residual| = {100 * full['max_abs_residual']:.2f} %"
    )
    print(f"kept {summary['n_kept']} of {summary['n_points']} points: {lo:.4g} .. {hi:.4g} Hz")
    for reason, count in summary["dropped_by_reason"].items():
        if count:
            print(f"  dropped {count:3d} point(s): {reason}")
    print(
        f"KK test (kept window): M = {final['n_rc']}, max |residual| = {100 * final['max_abs_residual']:.2f} %, "
        f"noise level = {100 * summary['noise_level']:.2f} %"
    )
    return 0


def _cmd_check_sheet(args: argparse.Namespace) -> int:
    from eisrecipe.io.samplesheet import load_sample_sheet

    sheet = load_sample_sheet(args.dataset)
    cells = sheet.groupby("cell", sort=True).size()
    print(f"{args.dataset}: {len(sheet)} spectra in {len(cells)} cell(s)")
    for cell, n in cells.items():
        series = ", ".join(sorted(set(sheet.loc[sheet["cell"] == cell, "series"])))
        print(f"  {cell}: {n} spectra ({series})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(prog="eisrecipe", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"eisrecipe {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("formats", help="list instrument formats")
    p.set_defaults(func=_cmd_formats)

    p = sub.add_parser("read", help="read an instrument file and print or export the spectrum")
    _add_file_args(p)
    p.add_argument("-o", "--output", help="write CSV here instead of printing")
    p.set_defaults(func=_cmd_read)

    p = sub.add_parser("kk", help="Kramers-Kronig test and cropping of one file")
    _add_file_args(p)
    p.add_argument("--threshold", type=float, default=0.04, help="largest relative KK residual kept (0.04)")
    p.add_argument("--f-min", type=float, default=None, help="lowest frequency kept, Hz")
    p.add_argument("--f-max", type=float, default=None, help="highest frequency kept, Hz")
    p.add_argument("--keep-inductive", action="store_true", help="keep inductive high-frequency points")
    p.add_argument("--fit", choices=["complex", "real", "imag"], default="complex", help="KK fit (complex)")
    p.add_argument("--capacitance", action="store_true", help="add a series capacitance (blocking electrodes)")
    p.add_argument("--json", action="store_true", help="print the full record as JSON")
    p.set_defaults(func=_cmd_kk)

    p = sub.add_parser("check-sheet", help="validate a dataset's samples.tsv")
    p.add_argument("dataset", help="dataset folder holding samples.tsv")
    p.set_defaults(func=_cmd_check_sheet)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``eisrecipe`` console script."""
    args = build_parser().parse_args(argv)
    try:
        status = int(args.func(args))
        sys.stdout.flush()
        return status
    except InputError as exc:
        print(f"eisrecipe: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `eisrecipe read FILE | head`: the reader of our output has gone; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout must not fail again
        return 141 - 128  # 13 = SIGPIPE, as a shell reports a pipe writer that was cut off


if __name__ == "__main__":
    raise SystemExit(main())
