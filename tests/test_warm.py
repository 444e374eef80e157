"""Warm workers (eisrecipe.stages.warm): a job handed to a fork of a server that has already imported the package
runs as its own process would - its directory, environment, arguments, streams and exit status - a failure and
a signal reach the job process, and the server is one per interpreter, code and environment. That the workflow's
results are the same bytes with and without warm workers: tests/test_reproducible.py."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eisrecipe.stages import warm

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="warm workers run on Linux only")

DRIVER = """\
import atexit, dataclasses, json, os, pickle, signal, sys, time
from eisrecipe.stages import warm
snakemake = {"out": sys.argv[1], "code": int(sys.argv[2]), "mode": sys.argv[3]}
warm.hand_over(snakemake, __file__)


@dataclasses.dataclass
class Defined:
    x: int


umask = os.umask(0)
os.umask(umask)
record = {"pid": os.getpid(), "ppid": os.getppid(), "in_worker": warm._IN_WORKER, "cwd": os.getcwd(),
          "marker": os.environ.get("WARM_TEST_MARKER"), "argv": sys.argv[1:], "umask": umask,
          "pickles": pickle.loads(pickle.dumps(Defined(3))).x == 3}
with open(snakemake["out"], "w") as fh:
    json.dump(record, fh)
print("job output on stdout")
if snakemake["mode"] == "raise":
    raise RuntimeError("boom from the job")
if snakemake["mode"] == "sleep":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))  # exit 42 only if the job process passes SIGTERM on
    time.sleep(120)
if snakemake["mode"] == "atexit":
    atexit.register(lambda: open(snakemake["out"] + ".atexit", "w").write("ran"))
sys.exit(snakemake["code"])
"""


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[Path, dict[str, str]]]:
    """A driver script, and an environment of its own (short TMPDIR for the socket, servers leave after 5 s idle)."""
    root = Path(tempfile.mkdtemp(prefix="eiswarm", dir="/tmp"))
    (root / "driver.py").write_text(DRIVER)
    env = dict(
        os.environ,
        TMPDIR=str(root),
        EISRECIPE_WARM="1",
        EISRECIPE_WARM_IDLE="5",
        WARM_TEST_MARKER=f"marker-{os.getpid()}",
    )
    env.pop("SLURM_JOB_ID", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    yield root, env
    shutil.rmtree(root, ignore_errors=True)


def _start(
    root: Path, env: dict[str, str], out: Path, code: int = 0, mode: str = "plain", cwd: Path | None = None, **kw
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(root / "driver.py"), str(out), str(code), mode],
        env=env,
        cwd=cwd or root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.fixture(scope="module")
def server(setup: tuple[Path, dict[str, str]]) -> tuple[Path, dict[str, str]]:
    """Three jobs at once and no server: one server starts, all three wait for it and run in forks of it."""
    root, env = setup
    outs = [root / f"first{k}.json" for k in range(3)]
    procs = [_start(root, env, out) for out in outs]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
    records = [json.loads(out.read_text()) for out in outs]
    assert all(r["in_worker"] for r in records)
    assert len({r["ppid"] for r in records}) == 1, "one server for one setting"
    assert len(list(_folder(root).glob("*.sock"))) == 1
    return root, env


def _folder(root: Path) -> Path:
    return root / f"eisrecipe-warm-{os.getuid()}"


def _gone(pid: int, within_s: float = 15.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def test_a_job_runs_in_a_fork_with_its_own_directory_environment_arguments_streams_and_status(server) -> None:
    root, env = server
    elsewhere = root / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    out = root / "second.json"
    proc = _start(root, env, out, code=3, cwd=elsewhere)
    stdout, _ = proc.communicate(timeout=60)
    record = json.loads(out.read_text())
    assert record["in_worker"] is True
    assert record["pid"] != proc.pid
    assert record["cwd"] == str(elsewhere)
    assert record["marker"] == env["WARM_TEST_MARKER"]
    assert record["argv"] == [str(out), "3", "plain"]
    assert proc.returncode == 3
    assert "job output on stdout" in stdout


def test_a_failing_job_gives_its_traceback_and_a_failure_status(server) -> None:
    root, env = server
    out = root / "raise.json"
    proc = _start(root, env, out, mode="raise")
    _, stderr = proc.communicate(timeout=60)
    assert json.loads(out.read_text())["in_worker"] is True
    assert proc.returncode == 1
    assert "RuntimeError: boom from the job" in stderr
    assert "driver.py" in stderr  # the traceback names the script, as its own process's would


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_job_process_stops_its_worker(server, how: signal.Signals) -> None:
    """SIGTERM is passed on (the script's own handler answers 42); a SIGKILLed job process takes its fork along."""
    root, env = server
    out = root / f"sleep-{how.name}.json"
    proc = _start(root, env, out, mode="sleep")
    deadline = time.monotonic() + 60
    while not (out.exists() and out.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)  # past the handler's installation
    worker = json.loads(out.read_text())
    assert worker["in_worker"] is True
    proc.send_signal(how)
    proc.communicate(timeout=30)
    assert proc.returncode == (42 if how == signal.SIGTERM else -signal.SIGKILL)
    assert _gone(worker["pid"]), f"worker {worker['pid']} still runs after the job process got {how.name}"


def test_a_job_ends_as_a_process_would_its_main_module_and_umask_its_own(server) -> None:
    """atexit handlers run, a class defined in the script pickles (its own __main__), the job's umask holds."""
    root, env = server
    out = root / "atexit.json"
    proc = _start(root, env, out, mode="atexit", preexec_fn=lambda: os.umask(0o077))
    proc.communicate(timeout=60)
    record = json.loads(out.read_text())
    assert record["in_worker"] is True
    assert proc.returncode == 0
    assert (root / "atexit.json.atexit").read_text() == "ran"
    assert record["pickles"] is True
    assert record["umask"] == 0o077


def test_warm_workers_are_off_when_asked_on_slurm_and_per_environment_and_code(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("EISRECIPE_WARM", "1")
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.setenv("TMPDIR", "/tmp")
    address = warm.server_address()
    assert address is not None
    monkeypatch.setenv("SOME_SETTING", "another value")
    assert warm.server_address() != address  # another environment, another server
    monkeypatch.setenv("EISRECIPE_WARM", "0")
    assert warm.server_address() is None
    monkeypatch.setenv("EISRECIPE_WARM", "1")
    monkeypatch.setenv("SLURM_JOB_ID", "12345")
    assert warm.server_address() is None
    monkeypatch.delenv("SLURM_JOB_ID")
    # edited code: a package file's size or modification time moves the digest
    package = tmp_path / "eisrecipe"
    package.mkdir()
    module = package / "module.py"
    module.write_text("x = 1\n")
    monkeypatch.setattr(warm, "_package_dir", lambda: package)
    before = warm._digest()
    module.write_text("x = 2\n")
    os.utime(module, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert warm._digest() != before


def test_unreadable_package_files_and_a_failed_server(monkeypatch, tmp_path) -> None:
    """A file that cannot be stat'ed (an editor's dangling lock link) counts by name; a server that failed keeps
    warm workers off for its digest for RETRY_S, then it is tried again."""
    package = tmp_path / "eisrecipe"
    package.mkdir()
    (package / "module.py").write_text("x = 1\n")
    (package / ".#module.py").symlink_to(package / "gone.py")
    monkeypatch.setattr(warm, "_package_dir", lambda: package)
    assert len(warm._digest()) == 24
    address = tmp_path / "d.sock"
    failed = address.with_suffix(".failed")
    failed.write_text("Traceback ...")
    assert warm._failed_recently(address)
    assert warm._start_and_connect(address) is None
    old = time.time() - warm.RETRY_S - 1
    os.utime(failed, (old, old))
    assert not warm._failed_recently(address)
    assert not failed.exists()
