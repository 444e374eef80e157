"""A real SLURM run: a one-node cluster on localhost (Debian's slurm-wlm and munge), the case study submitted
through the lab's profile (``profiles/slurm/``) by snakemake-executor-plugin-slurm, every result file
byte-identical to a local run (``--cores 2``) of the same dataset.

The cluster is what a small lab cluster without a database looks like: munged, slurmctld and slurmd on
127.0.0.1, no cgroups (proctrack/linuxproc, task/none), no accounting (accounting_storage/none,
jobacct_gather/none), select/cons_tres, one node with this machine's CPUs and memory (``slurmd -C``), one
partition. The site profile is the lab's profile plus what any site adds (README, "On a cluster"): the partition,
and for a cluster without accounting ``slurm-status-command: squeue`` - the plugin's default status command
``sacct`` only answers "Slurm accounting storage is disabled" there, and Snakemake would wait forever for jobs
that have long finished. ``squeue --states=all`` sees a finished job for ``MinJobAge`` seconds (300 here, the
SLURM default; the plugin goes back to sacct when it is under 3x the first status check interval).

The configuration goes to ``/etc/slurm/slurm.conf``, not to a file named by ``SLURM_CONF``: inside each cluster
job the jobstep executor (snakemake-executor-plugin-slurm-jobstep) drops every ``SLURM_*`` variable but the
job's identity before its ``srun``, ``SLURM_CONF`` included, and srun then finds no configuration. The test
writes that file only where none exists (or where it wrote it itself) and removes it at the end; munged, the
daemons' state, spool and logs live in a temporary folder, on their own ports and socket.

Skips, with the reason, when: not root (slurmd launches the jobs), slurm is not installed and apt-get cannot
install it, /etc/slurm/slurm.conf belongs to a real cluster, another run of this test holds the machine's
cluster (a lock beside slurm.conf), or the daemons do not start or cannot run ``srun hostname`` (their logs go
to stderr). Once the cluster runs, a failed workflow or any result that differs
from the local run fails the test. ``.ci/run`` installs the packages before the suite; the test installs them
itself (``apt-get install --no-install-recommends slurm-wlm munge``) where they are missing.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_profiles import site_profile
from test_workflow import REPO

pytestmark = pytest.mark.slow

DATASET = "data/li_llzo_case_study"
PARTITION = "eisrecipe"
SLURM_CONF = Path("/etc/slurm/slurm.conf")
MARK = "# written by eisrecipe's tests/test_slurm_cluster.py (removed when the test ends)"
PROGRAMS = ("munged", "slurmctld", "slurmd", "sinfo", "srun", "sbatch", "squeue", "scancel")
# stages that must run as cluster jobs (every rule of the default target does, but for `all`)
STAGES = {"validate_cell", "drt_cell", "fit_cell", "verdict_cell", "report_cell", "summary"}


class ClusterDown(Exception):
    """The local cluster could not be set up (an environment problem: the test skips)."""


@dataclass
class Cluster:
    partition: str
    node: str
    memory_mb: int


def _which(program: str) -> str | None:
    """The program on PATH or in the sbin folders (where Debian puts the daemons; not on every PATH)."""
    return shutil.which(program, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def _missing() -> list[str]:
    return [p for p in PROGRAMS if _which(p) is None]


def _install_or_skip() -> None:
    if not _missing():
        return
    if shutil.which("apt-get") is None:
        pytest.skip(f"slurm is not installed ({', '.join(_missing())} missing) and there is no apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "slurm-wlm", "munge"]
    for cmd in (["apt-get", "update", "-qq"], install):
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
        except subprocess.TimeoutExpired:
            pytest.skip(f"`{' '.join(cmd)}` did not finish in 15 min")
        if run.returncode != 0:
            pytest.skip(f"`{' '.join(cmd)}` failed: {(run.stdout + run.stderr).strip()[-500:]}")
    if _missing():
        pytest.skip(f"apt-get installed slurm-wlm and munge, but {', '.join(_missing())} are not on PATH")


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _node_line() -> tuple[str, str, int]:
    """This machine as slurmd sees it: its node name, the node line for slurm.conf and its memory in MB."""
    run = subprocess.run([_which("slurmd") or "slurmd", "-C"], capture_output=True, text=True, timeout=60)
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("NodeName=")), None)
    if run.returncode != 0 or line is None:
        raise ClusterDown(f"`slurmd -C` failed: {run.stdout}{run.stderr}")
    fields = dict(item.split("=", 1) for item in line.split())
    keep = ["CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory"]
    node = fields["NodeName"]
    spec = " ".join(f"{k}={fields[k]}" for k in keep if k in fields)
    return node, f"NodeName={node} NodeAddr=127.0.0.1 {spec} State=UNKNOWN", int(fields.get("RealMemory", 0))


def _write_conf(root: Path, node: str, node_line: str, munge_socket: Path) -> None:
    ctld_port, slurmd_port = _free_ports(2)
    lines = [
        MARK,
        "ClusterName=eisrecipe-test",
        f"SlurmctldHost={node}(127.0.0.1)",
        f"SlurmctldPort={ctld_port}",
        f"SlurmdPort={slurmd_port}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={munge_socket}",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}",
        f"SlurmctldPidFile={root / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'slurmd.pid'}",
        # no cgroups
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        # no accounting: sacct answers "Slurm accounting storage is disabled"
        "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none",
        "JobCompType=jobcomp/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "MpiDefault=none",
        # squeue --states=all shows a finished job this long (the plugin's status query without accounting)
        "MinJobAge=300",
        "ReturnToService=2",
        "MailProg=/bin/true",
        node_line,
        f"PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP",
    ]
    SLURM_CONF.write_text("\n".join(lines) + "\n")


def _logs(root: Path) -> str:
    parts = []
    for log in sorted((root / "log").glob("*.log")):
        text = log.read_text(errors="replace").strip().splitlines()
        parts.append(f"---- {log.name} (last 40 lines)\n" + "\n".join(text[-40:]))
    return "\n".join(parts)


def _wait(predicate, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise ClusterDown(f"{what} (waited {seconds:.0f} s)")


def _spawn(cmd: list[str], root: Path, procs: list[subprocess.Popen]) -> None:
    """A daemon in the foreground logging to log/<name>.log, in its own session (a Ctrl-C of pytest reaches it
    only through _stop)."""
    with (root / "log" / f"{cmd[0]}.log").open("w") as out:
        proc = subprocess.Popen(
            [_which(cmd[0]) or cmd[0], *cmd[1:]],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    procs.append(proc)


def _start(root: Path, procs: list[subprocess.Popen]) -> Cluster:
    for sub in ("state", "spool", "log", "munge"):
        (root / sub).mkdir(mode=0o700)
    (root / "run").mkdir(mode=0o755)  # munged wants every user able to reach its socket
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    munge_socket = root / "run" / "munge.socket"
    munged = [
        "munged",
        "--foreground",
        "--force",  # the socket's folder lies in pytest's root-only temporary folder (all jobs run as root)
        f"--socket={munge_socket}",
        f"--key-file={key}",
        f"--pid-file={root / 'munge' / 'munged.pid'}",
        f"--seed-file={root / 'munge' / 'munged.seed'}",
    ]
    _spawn(munged, root, procs)
    _wait(munge_socket.exists, 20, "munged did not create its socket")

    node, node_line, memory_mb = _node_line()
    _write_conf(root, node, node_line, munge_socket)
    for daemon in (["slurmctld", "-D"], ["slurmd", "-D", "-N", node]):
        _spawn(daemon, root, procs)

    state = []

    def node_idle() -> bool:
        if any(p.poll() is not None for p in procs):
            raise ClusterDown("a daemon exited: " + ", ".join(f"{p.args[0]} rc={p.poll()}" for p in procs))
        run = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, timeout=30)
        state[:] = [(run.stdout + run.stderr).strip()]
        return run.returncode == 0 and run.stdout.strip() == "idle"

    try:
        _wait(node_idle, 60, "the node did not become idle")
    except ClusterDown as exc:
        raise ClusterDown(f"{exc}; sinfo says {state[0] if state else 'nothing'}") from None
    run = subprocess.run(
        ["srun", "-p", PARTITION, "-N", "1", "-t", "1", "hostname"], capture_output=True, text=True, timeout=120
    )
    if run.returncode != 0:
        raise ClusterDown(f"`srun hostname` failed: {run.stdout}{run.stderr}")
    return Cluster(partition=PARTITION, node=node, memory_mb=memory_mb)


def _stop(procs: list[subprocess.Popen]) -> None:
    if procs and shutil.which("scancel"):
        subprocess.run(["scancel", "-p", PARTITION], capture_output=True, timeout=30, check=False)
    for proc in reversed(procs):  # slurmd, slurmctld, munged
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


def _say(request: pytest.FixtureRequest, text: str) -> None:
    """Straight to the terminal, past pytest's capture (shown for a skip or a pass too)."""
    with request.config.pluginmanager.getplugin("capturemanager").global_and_fixture_disabled():
        print(f"\n{text}", file=sys.stderr, flush=True)


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """A one-node SLURM cluster on localhost for this module; the daemons stop and slurm.conf goes at the end."""
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install -e '.[cluster]'")
    if os.geteuid() != 0:
        pytest.skip("a local SLURM cluster needs root (slurmd launches the jobs, slurm.conf is /etc/slurm/)")
    _install_or_skip()
    SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
    # one local cluster per machine at a time (two runs of this test would share /etc/slurm/slurm.conf)
    lock = (SLURM_CONF.parent / ".eisrecipe-test.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        pytest.skip("another run of this test holds the local SLURM cluster on this machine")
    if SLURM_CONF.exists() and MARK not in SLURM_CONF.read_text(errors="replace"):
        lock.close()
        pytest.skip(f"{SLURM_CONF} exists and is not this test's: a configured cluster is never touched")
    root = tmp_path_factory.mktemp("slurm")
    procs: list[subprocess.Popen] = []
    try:
        try:
            cluster = _start(root, procs)
        except (ClusterDown, OSError, subprocess.SubprocessError) as exc:
            _say(request, f"local SLURM cluster did not start: {exc}\n{_logs(root)}")
            pytest.skip(f"local SLURM cluster did not start: {str(exc)[-300:]} (daemon logs on stderr)")
        yield cluster
    finally:
        _stop(procs)
        if SLURM_CONF.exists() and MARK in SLURM_CONF.read_text(errors="replace"):
            SLURM_CONF.unlink()
        lock.close()  # releases the lock


def _snakemake(workdir: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), *args]
    try:
        return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:  # e.g. a status query that never sees the jobs finish
        out = "".join(x.decode(errors="replace") if isinstance(x, bytes) else x or "" for x in (exc.stdout, exc.stderr))
        pytest.fail(f"`snakemake {' '.join(args)}` did not finish in {timeout:.0f} s:\n{out[-4000:]}")


def _workdir(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    (root / DATASET).symlink_to(REPO / DATASET)
    return root


def _results(workdir: Path) -> dict[str, bytes]:
    out = workdir / "results" / Path(DATASET).name
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _failed_job_logs(workdir: Path) -> str:
    logs = sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
    return "\n".join(f"---- {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)


def test_case_study_on_slurm_is_byte_identical_to_a_local_run(
    slurm_cluster: Cluster, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # the profile's largest request among the rules of this run (report_cell) must fit on the node
    if slurm_cluster.memory_mb < 3000:
        pytest.skip(f"the node has {slurm_cluster.memory_mb} MB, the profile asks up to 3000 MB per job")
    profile = site_profile(
        tmp_path / "profile",
        resources={"slurm_partition": slurm_cluster.partition},
        settings={
            "slurm-status-command": "squeue",  # no accounting on this cluster
            "slurm-init-seconds-before-status-checks": 2,  # short jobs: poll early (the default waits 40 s)
            "slurm-no-account": True,  # no accounts without accounting (saves a failing guess with sacct)
        },
    )
    local, cluster = _workdir(tmp_path / "local"), _workdir(tmp_path / "cluster")

    start = time.monotonic()
    run = _snakemake(local, "--cores", "2", "--config", f"dataset={DATASET}", timeout=900)
    local_s = time.monotonic() - start
    assert run.returncode == 0, run.stderr[-3000:]
    local_rules = set(re.findall(r"^(?:local)?rule (\w+):", run.stdout + run.stderr, flags=re.MULTILINE))

    start = time.monotonic()
    run = _snakemake(cluster, "--profile", str(profile), "--config", f"dataset={DATASET}", timeout=1500)
    slurm_s = time.monotonic() - start
    _say(request, f"case study: local run (--cores 2) {local_s:.0f} s, SLURM run {slurm_s:.0f} s")
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"{log[-4000:]}\n{_failed_job_logs(cluster)}"

    # every rule the local run ran went through sbatch, but for those the SLURM run ran in its own process (`all`)
    submitted = set(re.findall(r"submitted with SLURM jobid \d+ \(log: \S*/slurm_logs/rule_(\w+)/", log))
    ran_here = set(re.findall(r"^localrule (\w+):", log, flags=re.MULTILINE))
    assert submitted == local_rules - ran_here and submitted >= STAGES, (submitted, ran_here, local_rules)

    expected, got = _results(local), _results(cluster)
    assert expected, "the local run wrote nothing"
    assert sorted(got) == sorted(expected), (
        f"only local: {sorted(set(expected) - set(got))}; only SLURM: {sorted(set(got) - set(expected))}"
    )
    differ = [name for name in expected if expected[name] != got[name]]
    assert not differ, f"SLURM results differ from the local run in {differ}"
