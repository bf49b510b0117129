"""A throwaway PostgreSQL cluster of a test's own (initdb on a free loopback port), so that a test can stop and
start "the database" without touching the machine's shared server; and a primary with a streaming replica of it
(`replica_pair`: pg_basebackup -R on a second loopback port) for the read replica's tests.

initdb refuses to run as root: when the tests run as root (CI), the cluster is made and run by the `postgres` OS
user (runuser), in a directory under the system's temporary folder that this user may write. When that is
impossible the test fails with the reason; it is never skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.support.live import free_port


def _bin_dir() -> Path:
    """The directory of initdb, pg_ctl and pg_basebackup: initdb's on PATH (a link followed to the server's own
    directory, where the others are), else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not versions:
        pytest.fail("the PostgreSQL server binaries (initdb, pg_ctl) are needed for the store-fault tests: "
                    "install postgresql (Debian: apt-get install postgresql) or put initdb on PATH")
    return versions[-1].parent


class Cluster:
    """One cluster: `start()`, `crash()` (pg_ctl stop -m immediate: no checkpoint, crash recovery on the next
    start), `stop()`, and the store URL of its `postgres` database."""

    def __init__(self, root: Path, port: int, run_as: str | None, options: str = "") -> None:
        self.root = root
        self.options = options
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log = root / "server.log"
        self.port = port
        self.run_as = run_as
        self.bin = _bin_dir()
        self.crashes = 0
        self.starts = 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        out = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if out.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            pytest.fail(f"{' '.join(command)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}\n{log}")
        return out

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c max_connections=60 "
                   f"-c shared_buffers=16MB {self.options}")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self.starts += 1
        deadline = time.monotonic() + 30
        while True:  # pg_ctl -w waits for the socket; wait for a real answer on TCP too
            try:
                with psycopg.connect(self.url, connect_timeout=2) as conn:
                    conn.execute("select 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def crash(self) -> None:
        """Stop the server the way a crash does: every backend killed, nothing flushed by a checkpoint."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.crashes += 1

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


    def base_backup_of(self, primary: Cluster) -> None:
        """Make this cluster a streaming replica of `primary` (which must be started): pg_basebackup with -R
        writes standby.signal and the primary's address (primary_conninfo) into the copy."""
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D",
                  str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")

    def one(self, sql: str) -> object:
        with psycopg.connect(self.url, connect_timeout=5, autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


def _run_as() -> str | None:
    """Whom the clusters run as: the `postgres` OS user when the tests run as root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("the tests run as root and initdb refuses root, but there is no `postgres` OS user to run "
                    "the throwaway cluster as (create one, or run the tests as an ordinary user)")
    if shutil.which("runuser") is None:
        pytest.fail("the tests run as root and need `runuser` to run initdb as the `postgres` user")
    return "postgres"


def _root(parent: Path, run_as: str | None) -> Path:
    """A cluster's directory (its data, sockets and log go in it), writable by whom it runs as."""
    parent.mkdir(exist_ok=True)
    (parent / "sockets").mkdir()
    if run_as:
        user = pwd.getpwnam(run_as)
        for path in (parent, parent / "sockets"):
            os.chown(path, user.pw_uid, user.pw_gid)
        parent.chmod(0o700)
    return parent


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and deleted afterwards."""
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="contest-pg-"))
    try:
        cluster = Cluster(_root(root, run_as), free_port(), run_as)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def replica_pair() -> Iterator[tuple[Cluster, Cluster]]:
    """A started primary (wal_level=replica) and a started streaming replica of it, made with pg_basebackup -R, on
    two free loopback ports, as two server processes; both stopped and deleted afterwards."""
    run_as = _run_as()
    root = Path(tempfile.mkdtemp(prefix="contest-pg-pair-"))
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chown(root, user.pw_uid, user.pw_gid)
    try:
        primary = Cluster(_root(root / "primary", run_as), free_port(), run_as,
                          "-c wal_level=replica -c max_wal_senders=4")
        primary.init()
        primary.start()
        replica = Cluster(_root(root / "replica", run_as), free_port(), run_as, "-c hot_standby=on")
        try:
            replica.base_backup_of(primary)
            replica.start()
            try:
                yield primary, replica
            finally:
                replica.stop()
        finally:
            primary.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 30.0) -> str:
    """Wait until the replica has replayed the primary's WAL as it stands now (its replay location at or past the
    primary's current one); returns that location. Polls with a deadline, never a fixed sleep."""
    target = str(primary.one("SELECT pg_current_wal_lsn()::text"))
    deadline = time.monotonic() + timeout
    while not replica.one(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
        if time.monotonic() > deadline:
            replayed = replica.one("SELECT pg_last_wal_replay_lsn()::text")
            pytest.fail(f"the replica had not replayed the primary's WAL to {target} after {timeout} s "
                        f"(replayed: {replayed})")
        time.sleep(0.01)
    return target
