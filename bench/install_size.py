"""Benchmark: disk size of the README's main install against the full test environment (issue 18: the main install
must be at most half of the test environment).

    python bench/install_size.py [--run] [--top 15] [--workdir DIR]

Copies the committed tree (``git archive HEAD``) to a scratch folder and builds two fresh virtual environments there
with the Python running this script: the README's main command (``pip install --no-compile -e ".[mpr]"``) and the
test environment of ``.ci/run`` (``pip install -e ".[test,mpr]"``). Prints ``du -sm`` of each ``.venv``, their
ratio, and the largest distributions of the main install. ``--run`` then runs the default workflow
(``snakemake --cores 2``) in the main environment with bytecode writing on (``PYTHONDONTWRITEBYTECODE`` unset) and
prints the size again: Python caches the bytecode of the modules a run imports. Minutes (two installs from the
package index); not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAIN = ["--no-compile", "-e", ".[mpr]"]
TEST = ["-e", ".[test,mpr]"]
SIZES = """
import importlib.metadata as md
from pathlib import Path
rows = []
for d in md.distributions():
    size = 0
    for f in d.files or []:
        try:
            size += Path(d.locate_file(f)).stat().st_size
        except OSError:
            pass
    rows.append((size / 2**20, d.metadata["Name"]))
for size, name in sorted(rows, reverse=True)[:TOP]:
    print(f"  {size:7.1f} MiB  {name}")
"""


def du_mb(path: Path) -> int:
    return int(subprocess.run(["du", "-sm", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def venv(env_dir: Path, tree: Path, pip_args: list[str]) -> Path:
    """A fresh virtual environment at ``env_dir`` with ``pip install pip_args`` run in ``tree`` (pip as bundled)."""
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    subprocess.run([str(env_dir / "bin" / "pip"), "install", "--quiet", *pip_args], cwd=tree, check=True)
    return env_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="also run the default workflow in the main environment")
    parser.add_argument("--top", type=int, default=15, help="largest distributions of the main install to list")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    scratch = Path(args.workdir or tempfile.mkdtemp(prefix="eisrecipe-size-"))
    tree = scratch / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "x", "-C", str(tree)], input=archive, check=True)
    try:
        main_env = venv(tree / ".venv", tree, MAIN)
        test_env = venv(scratch / "test-venv", tree, TEST)
        m, t = du_mb(main_env), du_mb(test_env)
        print(f"main install  pip install {' '.join(MAIN)}: {m} MB")
        print(f"test env      pip install {' '.join(TEST)}: {t} MB")
        print(f"ratio {m / t:.2f} (target <= 0.50: {m} <= {t / 2:.0f})")
        print(f"largest distributions of the main install ({main_env}):")
        sys.stdout.flush()
        subprocess.run([str(main_env / "bin" / "python"), "-c", SIZES.replace("TOP", str(args.top))], check=True)
        if args.run:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PATH"] = f"{main_env / 'bin'}{os.pathsep}{env['PATH']}"
            subprocess.run(["snakemake", "--cores", "2", "--quiet"], cwd=tree, env=env, check=True)
            print(f"main install after the default run: {du_mb(main_env)} MB")
    finally:
        if args.workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
