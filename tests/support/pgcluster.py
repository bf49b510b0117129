"""A throwaway PostgreSQL cluster of a test's own (initdb on a free loopback port), so that a test can stop and
start "the database" without touching the machine's shared server.

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
    """The directory of initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not versions:
        pytest.fail("the PostgreSQL server binaries (initdb, pg_ctl) are needed for the store-fault tests: "
                    "install postgresql (Debian: apt-get install postgresql) or put initdb on PATH")
    return versions[-1].parent


class Cluster:
    """One cluster: `start()`, `crash()` (pg_ctl stop -m immediate: no checkpoint, crash recovery on the next
    start), `stop()`, and the store URL of its `postgres` database."""

    def __init__(self, root: Path, port: int, run_as: str | None) -> None:
        self.root = root
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
                   "-c shared_buffers=16MB")
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


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A started cluster, stopped and deleted afterwards."""
    run_as: str | None = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("the tests run as root and initdb refuses root, but there is no `postgres` OS user to run "
                        "the throwaway cluster as (create one, or run the tests as an ordinary user)")
        if shutil.which("runuser") is None:
            pytest.fail("the tests run as root and need `runuser` to run initdb as the `postgres` user")
        run_as = "postgres"
    root = Path(tempfile.mkdtemp(prefix="contest-pg-"))
    try:
        (root / "sockets").mkdir()
        if run_as:
            user = pwd.getpwnam(run_as)
            for path in (root, root / "sockets"):
                os.chown(path, user.pw_uid, user.pw_gid)
            root.chmod(0o700)
        cluster = Cluster(root, free_port(), run_as)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
