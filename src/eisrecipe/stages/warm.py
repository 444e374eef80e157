"""Warm workers: a Snakemake job of this workflow runs in a fork of a process that has already imported the package.

Why
---
Every per-cell job is a new Python process, and before it computes anything it imports numpy, SciPy, pandas,
matplotlib and the package: 1.0-1.3 s per job on this project's 2-core machines (``python -X importtime``: pandas
0.26 s, scipy.optimize 0.34 s), six jobs per cell, against a few milliseconds of computation for a validation job.
On 200 spectra (``bench/pipeline.py``) that was about a third of all job time. Several cells per job would save the
imports too, but a job that fails makes Snakemake delete all its outputs: one bad cell would take its batch-mates'
results with it. A warm worker keeps one job per cell and stage and its failure semantics, and pays the imports
once per run.

How
---
- The job's own process (Snakemake's script job, with its preamble) calls :func:`hand_over` first. That looks for a
  server for this exact environment (a Unix socket under ``$TMPDIR/eisrecipe-warm-<uid>/``, named by a digest of
  the Python executable, the package's location and the size and modification time of every one of its files, and
  the job's whole environment: edited code or another environment never meets an old server).
- Found: it sends the script's source and the ``snakemake`` object (pickled) with its standard input, output and
  error (``SCM_RIGHTS``); the server forks; the fork takes those streams, the job's working directory, environment,
  ``sys.path`` and ``sys.argv``, runs the script and answers its exit status. The job process waits, passes
  SIGTERM / SIGINT / SIGHUP on to the fork and exits with the fork's status; a fork whose job process has gone
  (killed) kills itself. The server itself only imports (:data:`PRELOAD`) and forks: every job starts from the same
  state as a fresh process that imported the same modules, so results are the same bytes (tests/test_warm.py).
- Not found: the job process starts a server in the background (one per digest, under a lock) and runs the job
  itself, as before. A server leaves after :data:`IDLE_S` seconds without a job (``EISRECIPE_WARM_IDLE``).
- Off (the job runs in its own process as before): ``EISRECIPE_WARM=0``; on SLURM (``SLURM_JOB_ID`` set: every
  job is a cluster job of its own, a server could not be reused and would outlive the job); where the platform
  has no ``fork`` or Unix sockets (only Linux is enabled); where the socket folder is not this user's alone.

What changes for the user: Snakemake's ``benchmarks/`` files time a job's wall clock as before, but their CPU and
memory columns see only the job process, not its fork. The fork writes its own CPU time and peak memory to the
job's log (``warm worker: ...``), which ``bench/pipeline.py`` reads. Memory sizes for a cluster come from a cluster
run (warm workers are off there) or a local run with ``EISRECIPE_WARM=0``.

Units: seconds, kilobytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["IDLE_S", "PRELOAD", "hand_over", "server_address"]

PROTOCOL = 1
"""Version of the request/answer format (part of the server's digest)."""

IDLE_S = 60.0
"""Seconds a server waits for the next job before it leaves (``EISRECIPE_WARM_IDLE`` overrides)."""

PRELOAD = (
    "snakemake.script",  # the class of the pickled `snakemake` object
    "eisrecipe.stages.jobs",
    "eisrecipe.stages.validate",
    "eisrecipe.stages.drt",
    "eisrecipe.stages.fit",
    "eisrecipe.stages.confidence",
    "eisrecipe.stages.verdict",
    "eisrecipe.stages.summary",
    "eisrecipe.report.html",
    "threadpoolctl",  # imported by the first fit (eisrecipe.methods.blas)
)
"""Modules a server imports before its first fork (those the per-cell and dataset jobs use)."""

_IN_WORKER = False
"""True inside a fork of the server: :func:`hand_over` then returns at once and the script runs on."""

_IMPORT_ENV: dict[str, str] = {}
"""Environment variables the server's imports set (applied in every fork on top of the job's environment)."""

_HEADER = struct.Struct("!Q")
_ANSWER = struct.Struct("!cqdddq")  # kind (P: started, S: status), pid or status, user s, system s, spare, RSS kB
_CONNECT_TIMEOUT_S = 2.0
_PATH_MAX = 100  # AF_UNIX path limit (108 bytes on Linux), with room
log = logging.getLogger(__name__)


def _enabled() -> bool:
    if os.environ.get("EISRECIPE_WARM", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if "SLURM_JOB_ID" in os.environ:
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "AF_UNIX")


def _idle_s() -> float:
    try:
        return max(float(os.environ.get("EISRECIPE_WARM_IDLE", IDLE_S)), 0.5)
    except ValueError:
        return IDLE_S


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def _folder() -> Path | None:
    """This user's socket folder, created private; None where it is not this user's alone."""
    folder = Path(tempfile.gettempdir()) / f"eisrecipe-warm-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return folder


def _digest() -> str:
    """Digest of what a job's result may depend on besides its inputs: interpreter, package code, environment."""
    h = hashlib.sha256()
    package = _package_dir()
    h.update(json.dumps([PROTOCOL, sys.executable, sys.prefix, sys.version, str(package)]).encode())
    for root, dirs, files in os.walk(package):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".json", ".yaml", ".html", ".css", ".js", ".j2", ".txt")):
                path = os.path.join(root, name)
                st = os.stat(path)
                h.update(f"{os.path.relpath(path, package)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    h.update(json.dumps(sorted(os.environ.items())).encode())
    return h.hexdigest()[:24]


def server_address() -> Path | None:
    """The socket path of the server for this process's interpreter, package code and environment (None: warm
    workers are off or impossible here)."""
    if not _enabled():
        return None
    folder = _folder()
    if folder is None:
        return None
    path = folder / f"{_digest()}.sock"
    return path if len(str(path)) <= _PATH_MAX else None


# ------------------------------------------------------------------------------------------------ the job process


def hand_over(snakemake: Any, script: str) -> None:
    """Run the calling Snakemake script in a warm worker and exit with its status; return where this process
    should run the script itself (inside a worker, warm workers off, or no server yet - one is then started).

    Call it first thing in a script of the ``script:`` directive, before the heavy imports.

    Parameters
    ----------
    snakemake
        The script's ``snakemake`` object.
    script
        The script's ``__file__`` (Snakemake's preamble sets it to the original script, not the job's copy).
    """
    if _IN_WORKER:
        return
    address = server_address()
    if address is None:
        return
    source = Path(script)
    if not source.is_file():
        return
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(_CONNECT_TIMEOUT_S)
        conn.connect(str(address))
    except OSError:
        _start_server(address)
        return
    request = {
        "script": str(source),
        "source": source.read_text(encoding="utf-8"),
        "snakemake": snakemake,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "path": list(sys.path),
        "argv": list(sys.argv),
    }
    try:
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something of the job's that does not pickle: it runs here
        conn.close()
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        socket.send_fds(conn, [_HEADER.pack(len(payload))], [0, 1, 2])
        conn.settimeout(None)
        conn.sendall(payload)
        started = _answer(conn)
    except OSError:
        started = None
    if started is None or started[0] != b"P":  # the fork answers "started" before it runs anything
        conn.close()
        return  # nothing ran: the job runs here
    sys.exit(_wait(conn, int(started[1])))


def _answer(conn: socket.socket) -> tuple[bytes, int, float, float, float, int] | None:
    data = b""
    while len(data) < _ANSWER.size:
        chunk = conn.recv(_ANSWER.size - len(data))
        if not chunk:
            return None
        data += chunk
    return _ANSWER.unpack(data)


def _wait(conn: socket.socket, pid: int) -> int:
    """Wait for the fork's status, passing the signals that stop a job on to it."""

    def forward(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    while True:
        try:
            answer = _answer(conn)
        except InterruptedError:
            continue
        except OSError:
            answer = None
        if answer is None:
            print(f"eisrecipe: the warm worker (pid {pid}) running this job ended without a status", file=sys.stderr)
            return 1
        if answer[0] == b"S":
            return int(answer[1])


def _start_server(address: Path) -> None:
    """Start a server for ``address`` in the background unless one is starting or running (its lock is held) or
    one failed to start for this digest."""
    lock = address.with_suffix(".lock")
    if address.with_suffix(".failed").exists():
        return
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return  # a server holds it
    os.close(fd)  # released: the server takes it; two starters racing here -> the second server leaves at once
    init = json.dumps({"address": str(address), "path": list(sys.path)}).encode()
    with contextlib.suppress(OSError):
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER_MAIN],
            cwd="/",
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
        assert server.stdin is not None
        server.stdin.write(init)
        server.stdin.close()


_SERVER_MAIN = (
    "import json, sys; init = json.load(sys.stdin); sys.path[:] = init['path']; "
    "from pathlib import Path; from eisrecipe.stages.warm import serve; serve(Path(init['address']))"
)
"""The server process's program: the job's ``sys.path`` first (the package is found where the job found it)."""


# ------------------------------------------------------------------------------------------------------ the server


def serve(address: Path) -> None:
    """Import :data:`PRELOAD`, then accept jobs on ``address`` until :data:`IDLE_S` pass without one.

    Runs in the environment of the job process that started it (the digest's) with that job's ``sys.path``.
    """
    import fcntl

    lock_fd = os.open(address.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server for this digest
    global _IMPORT_ENV
    try:
        if _package_dir() != Path(sys.modules["eisrecipe"].__file__).resolve().parent or server_address() != address:
            raise RuntimeError("this server's package or environment is not the one it was started for")
        before = dict(os.environ)
        for name in PRELOAD:
            importlib.import_module(name)
        # what the imports set in the environment (threadpoolctl: KMP_DUPLICATE_LIB_OK), as a job's own process
        # would have it after importing them
        _IMPORT_ENV = {k: v for k, v in os.environ.items() if before.get(k) != v}
    except Exception:
        address.with_suffix(".failed").write_text(traceback.format_exc(), encoding="utf-8")
        return
    with contextlib.suppress(FileNotFoundError):
        address.unlink()  # a socket file left by a server that was killed
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    listener.listen(16)
    inode = address.stat().st_ino
    listener.settimeout(1.0)
    children: set[int] = set()
    last = time.monotonic()
    idle = _idle_s()
    try:
        while children or time.monotonic() - last < idle:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                conn = None
            _reap(children)
            if conn is None:
                continue
            last = time.monotonic()
            with conn:
                pid = _accept(conn, listener)
            if pid:
                children.add(pid)
    finally:
        with contextlib.suppress(OSError):
            if address.stat().st_ino == inode:
                address.unlink()
        listener.close()
        while children:  # the forks' CPU times go to this process's children's times (bench/pipeline.py)
            _reap(children, block=True)
        lock = address.with_suffix(".lock")
        with contextlib.suppress(OSError):  # a starter that opened it just now starts a server of its own: harmless
            if lock.stat().st_ino == os.fstat(lock_fd).st_ino:
                lock.unlink()


def _reap(children: set[int], block: bool = False) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _accept(conn: socket.socket, listener: socket.socket) -> int:
    """Read one job request and fork for it; 0 where the request was not this user's or not whole."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    if struct.unpack("3i", creds)[1] != os.getuid():
        return 0
    conn.settimeout(10.0)
    fds: list[int] = []
    try:
        msg, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 3)
        if len(fds) != 3:
            raise OSError("a request without the job's standard streams")
        msg += _receive(conn, _HEADER.size - len(msg))
        payload = _receive(conn, _HEADER.unpack(msg)[0])
    except OSError:
        for fd in fds:
            os.close(fd)
        return 0
    pid = os.fork()
    if pid == 0:  # the worker: never returns
        listener.close()
        try:
            _work(conn, fds, payload)
        finally:
            os._exit(70)
    for fd in fds:
        os.close(fd)
    return pid


def _receive(conn: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = conn.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise OSError("incomplete request")
        data += chunk
    return bytes(data)


def _work(conn: socket.socket, fds: list[int], payload: bytes) -> None:
    """In the fork: become the job process (streams, directory, environment, path), run the script, answer."""
    global _IN_WORKER
    _IN_WORKER = True
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    conn.settimeout(None)
    finished = threading.Event()

    def watch() -> None:  # the job process went away (killed): stop, as its own process would have
        with contextlib.suppress(OSError):
            while conn.recv(1):
                pass
        if not finished.is_set():
            os.kill(os.getpid(), signal.SIGKILL)

    status = 1
    try:
        request = pickle.loads(payload)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(_IMPORT_ENV)
        sys.path[:] = request["path"]
        sys.argv[:] = request["argv"]
        conn.sendall(_ANSWER.pack(b"P", os.getpid(), 0.0, 0.0, 0.0, 0))
        threading.Thread(target=watch, daemon=True).start()
        status = _run_script(request)
    except BaseException:  # the job's failure, reported as a process's
        traceback.print_exc()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if status == 0:
        log.info(
            "warm worker (pid %d): %.2f CPU s (user %.2f, system %.2f), peak RSS %d kB",
            os.getpid(),
            usage.ru_utime + usage.ru_stime,
            usage.ru_utime,
            usage.ru_stime,
            usage.ru_maxrss,
        )
    logging.shutdown()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    finished.set()
    with contextlib.suppress(OSError):
        conn.sendall(_ANSWER.pack(b"S", status, usage.ru_utime, usage.ru_stime, 0.0, usage.ru_maxrss))
    os._exit(status)


def _run_script(request: dict[str, Any]) -> int:
    """Run the script as ``python script`` would: 0, the SystemExit code, or 1 with the traceback on stderr."""
    code = compile(request["source"], request["script"], "exec")
    scope = {"__name__": "__main__", "__file__": request["script"], "snakemake": request["snakemake"]}
    try:
        exec(code, scope)  # the workflow's own script, as Snakemake would run it
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0
