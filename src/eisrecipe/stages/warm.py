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
  server for this exact setting: a Unix socket under ``$TMPDIR/eisrecipe-warm-<uid>/`` named by a digest of the
  Python executable, ``sys.path`` (and the modification time of its ``site-packages`` folders: an installed or
  upgraded package changes it), the size and modification time of every file of this package, the working directory
  (matplotlib reads a ``matplotlibrc`` there on import), the umask, the CPU affinity and niceness, and the job's
  whole environment. Edited code, another dependency set, folder or environment never meets an old server.
- No server: the job process starts one (one per digest, under a lock; it imports :data:`PRELOAD` in the job's
  folder and environment, about as long as the job would have taken to import them itself) and waits for it, at
  most :data:`START_WAIT_S`; so does every job that finds one starting. Only where the server fails (its error is
  kept in ``<digest>.failed`` beside the socket, and warm workers stay off for that digest for :data:`RETRY_S`)
  or does not come up in time does the job run in its own process, as before.
- Found: the job process sends the script's source and the ``snakemake`` object (pickled) with its standard
  input, output and error (``SCM_RIGHTS``); the server forks; the fork takes those streams, the job's working
  directory, umask, environment, ``sys.path`` and ``sys.argv``, runs the script as ``__main__`` (a module of its
  own, atexit handlers and non-daemon threads seen to at the end, as at the exit of a process) and answers its
  exit status. The job process waits, passes SIGTERM / SIGINT / SIGHUP on to the fork and exits with the fork's
  status (1, with a message, where the fork died without one, e.g. killed by a signal); a fork whose job process
  has gone (killed) kills itself. The server itself only imports and forks: every job starts from the state of a
  fresh process that imported those modules, so results are the same bytes (``tests/test_reproducible.py`` runs
  the workflow both ways).
- A server leaves after :data:`IDLE_S` seconds without a job (``EISRECIPE_WARM_IDLE``).
- Off (every job in its own process, as before): ``EISRECIPE_WARM=0``; for any executor but the local one (the
  Snakefile sets ``EISRECIPE_WARM=0`` there: every job is a cluster job of its own, a server could not be reused
  and would outlive it) and wherever ``SLURM_JOB_ID`` is set; where the platform has no ``fork`` or Unix sockets
  (only Linux is enabled); where the socket folder is not this user's alone or its path would be too long.

What changes for the user: Snakemake's ``benchmarks/`` files time a job's wall clock as before, but their CPU and
memory columns see only the job process, not its fork (and the job that starts a server is charged the server's
imports). A successful fork writes its own CPU time and peak memory to the job's log (``warm worker: ...``), which
``bench/pipeline.py`` reads. Memory sizes for a cluster come from a cluster run (warm workers are off there) or a
local run with ``EISRECIPE_WARM=0``.

Units: seconds, kilobytes.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
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
import types
from pathlib import Path
from typing import Any

__all__ = ["IDLE_S", "PRELOAD", "RETRY_S", "START_WAIT_S", "hand_over", "server_address"]

PROTOCOL = 2
"""Version of the request/answer format (part of the server's digest)."""

IDLE_S = 60.0
"""Seconds a server waits for the next job before it leaves (``EISRECIPE_WARM_IDLE`` overrides)."""

START_WAIT_S = 30.0
"""Longest a job waits for a starting server before it runs in its own process."""

RETRY_S = 600.0
"""Seconds after a server failed before another one is started for the same digest."""

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
_LOCK_FD = -1  # the server's lock (closed in every fork)
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _digest() -> str:
    """Digest of what a job's result may depend on besides its inputs (module docstring); files that cannot be
    read (an editor's lock link, a file removed meanwhile) count by name."""
    h = hashlib.sha256()
    package = _package_dir()
    setting: list[Any] = [PROTOCOL, sys.executable, sys.prefix, sys.version, str(package), os.getcwd(), _umask()]
    setting += [sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None, os.nice(0)]
    for entry in sys.path:  # installed packages: a folder's time changes when a package is installed or upgraded
        stamp = None
        if os.path.basename(entry) in ("site-packages", "dist-packages"):
            with contextlib.suppress(OSError):
                stamp = os.stat(entry).st_mtime_ns
        setting.append([entry, stamp])
    h.update(json.dumps(setting).encode())
    for root, dirs, files in os.walk(package):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".json", ".yaml", ".html", ".css", ".js", ".j2", ".txt")):
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                    stamp = f"{st.st_size}\0{st.st_mtime_ns}"
                except OSError:
                    stamp = "?"
                h.update(f"{os.path.relpath(path, package)}\0{stamp}\0".encode())
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
    return path if len(os.fsencode(path)) <= _PATH_MAX else None


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
    try:
        address = server_address()
        source = Path(script)
        if address is None or not source.is_file():
            return
        conn = _connect(address) or _start_and_connect(address)
    except OSError:
        return
    if conn is None:
        return
    request = {
        "script": str(source),
        "source": source.read_text(encoding="utf-8"),
        "snakemake": snakemake,
        "cwd": os.getcwd(),
        "umask": _umask(),
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
    except OSError:
        conn.close()
        return  # not handed over whole: nothing ran, the job runs here
    started = _answer(conn)
    if started is None or started[0] != b"P":  # the fork answers "started" before it runs anything
        conn.close()
        return  # nothing ran: the job runs here
    sys.exit(_wait(conn, int(started[1])))


def _answer(conn: socket.socket) -> tuple[bytes, int, float, float, float, int] | None:
    """The fork's next answer; None where the connection ended or broke first."""
    try:
        return _ANSWER.unpack(_receive(conn, _ANSWER.size))
    except OSError:
        return None


def _wait(conn: socket.socket, pid: int) -> int:
    """Wait for the fork's status, passing the signals that stop a job on to it."""

    def forward(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    while True:
        answer = _answer(conn)  # a forwarded signal interrupts recv, which resumes (PEP 475)
        if answer is None:
            print(f"eisrecipe: the warm worker (pid {pid}) running this job ended without a status", file=sys.stderr)
            return 1
        if answer[0] == b"S":
            return int(answer[1])


def _connect(address: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.settimeout(_CONNECT_TIMEOUT_S)
        conn.connect(str(address))
    except OSError:
        conn.close()
        return None
    return conn


def _failed_recently(address: Path) -> bool:
    """A server for this digest failed less than :data:`RETRY_S` ago (an older record is removed: try again)."""
    failed = address.with_suffix(".failed")
    try:
        age = time.time() - failed.stat().st_mtime
    except OSError:
        return False
    if age < RETRY_S:
        return True
    with contextlib.suppress(OSError):
        failed.unlink()
    return False


def _server_pid(lock: Path) -> int | None:
    """The pid a server wrote into its lock file (None: none written yet)."""
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _start_and_connect(address: Path) -> socket.socket | None:
    """Start a server for ``address`` unless one is starting or running (its lock is held), then wait for it to
    listen (at most :data:`START_WAIT_S`); None where it failed, went away or did not come up in time."""
    if _failed_recently(address):
        return None
    lock = address.with_suffix(".lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)  # no pid of a server that left without removing it
        held = False
    except OSError:
        held = True  # a server starting or running
    finally:
        os.close(fd)  # released: the server takes it; of two servers racing for it, the second leaves at once
    started = time.monotonic()
    if not held:
        _spawn_server(address)
    while time.monotonic() - started < START_WAIT_S:
        conn = _connect(address)
        if conn is not None:
            return conn
        if _failed_recently(address):
            return None
        pid = _server_pid(lock)
        if pid is not None and not _alive(pid):
            return None  # the server left without a socket
        if pid is None and time.monotonic() - started > 5.0:
            return None  # no server took the lock
        time.sleep(0.05)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _spawn_server(address: Path) -> None:
    init = json.dumps({"address": str(address), "path": list(sys.path)}).encode()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER_MAIN],
        cwd=os.getcwd(),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    assert server.stdin is not None
    with contextlib.suppress(OSError):
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

    Runs in the working directory and environment of the job process that started it (the digest's) with that
    job's ``sys.path``. Any error before it listens is kept in ``<digest>.failed`` (:data:`RETRY_S`).
    """
    global _IMPORT_ENV, _LOCK_FD
    lock = address.with_suffix(".lock")
    _LOCK_FD = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(_LOCK_FD, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server for this digest
    os.ftruncate(_LOCK_FD, 0)
    os.write(_LOCK_FD, str(os.getpid()).encode())
    listener: socket.socket | None = None
    try:
        if _package_dir() != Path(sys.modules["eisrecipe"].__file__).resolve().parent or server_address() != address:
            raise RuntimeError("this server's package or setting is not the one it was started for")
        before = dict(os.environ)
        for name in PRELOAD:
            importlib.import_module(name)
        # what the imports set in the environment (threadpoolctl: KMP_DUPLICATE_LIB_OK), as a job's own process
        # would have it after importing them
        _IMPORT_ENV = {k: v for k, v in os.environ.items() if before.get(k) != v}
        with contextlib.suppress(FileNotFoundError):
            address.unlink()  # a socket file left by a server that was killed
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(address))
        listener.listen(16)
    except Exception:
        with contextlib.suppress(OSError):
            address.with_suffix(".failed").write_text(traceback.format_exc(), encoding="utf-8")
        if listener is not None:
            listener.close()
        return
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
        with contextlib.suppress(OSError):  # a starter that opened it just now starts a server of its own: harmless
            if lock.stat().st_ino == os.fstat(_LOCK_FD).st_ino:
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
    """Exactly ``size`` bytes from ``conn``; OSError where it ends first."""
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
    with contextlib.suppress(OSError):
        os.close(_LOCK_FD)  # an orphaned fork must not keep a new server from starting
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
        os.umask(request["umask"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(_IMPORT_ENV)
        sys.path[:] = request["path"]
        sys.argv[:] = request["argv"]
        for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):  # line-buffered on a terminal, as a process's own
            with contextlib.suppress(Exception):
                stream.reconfigure(line_buffering=stream is sys.stderr or os.isatty(fd))
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
    """Run the script as ``python script`` would - as ``__main__``, a module of its own; at the end its atexit
    handlers and non-daemon threads, as at a process's exit: 0, the SystemExit code, or 1 with the traceback on
    stderr."""
    code = compile(request["source"], request["script"], "exec")
    main = types.ModuleType("__main__")
    main.__file__ = request["script"]
    main.__dict__["snakemake"] = request["snakemake"]
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)  # the workflow's own script, as Snakemake would run it
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException:
        traceback.print_exc()
        status = 1
    try:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
        status = status or 1
    return status


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1
