"""A primary PostgreSQL cluster and a streaming replica of it (pg_basebackup -R) on two free loopback ports, for
bench/replica.py: the same way tests/support/pgcluster.py makes them for the tests (the benchmarks do not import
the tests). PostgreSQL refuses to run as root: run as root, the clusters are made and run by the `postgres` OS user
(runuser), in a directory under the system's temporary folder; both are stopped and deleted afterwards.
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

import benchlib as bl

# Settings of both servers: enough buffers for the benchmark's history, no checkpoint in the middle of a run.
OPTIONS = ("-c listen_addresses=127.0.0.1 -c max_connections=120 -c shared_buffers=256MB -c max_wal_size=4GB "
           "-c checkpoint_timeout=30min")


def bin_dir() -> Path:
    """initdb's directory (a link followed to the server's own, where pg_ctl and pg_basebackup are: Debian's
    /usr/bin/pg_basebackup is a wrapper), else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found and (Path(found).resolve().parent / "pg_basebackup").exists():
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not versions:
        raise SystemExit("the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are needed: "
                         "apt-get install postgresql")
    return versions[-1].parent


class Cluster:
    def __init__(self, root: Path, port: int, run_as: str | None, options: str) -> None:
        self.root, self.port, self.run_as, self.options = root, port, run_as, options
        self.data, self.log = root / "data", root / "server.log"
        self.bin = bin_dir()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        out = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=self.root)
        if out.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}\n{log}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} {OPTIONS} {self.options}"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "120", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def one(self, sql: str) -> object:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5, autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
        return row[0] if row else None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server: its postmaster and every backend and helper process it has."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        ticks = 0
        for pid in [postmaster, *bl.children(postmaster)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def pair() -> Iterator[tuple[Cluster, Cluster]]:
    """A started primary (wal_level=replica) and a started streaming replica of it."""
    run_as = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="contest-bench-pg-"))
    roots = [base / "primary", base / "replica"]
    for path in (base, *roots):
        path.mkdir(exist_ok=True)
        if run_as:
            user = pwd.getpwnam(run_as)
            os.chown(path, user.pw_uid, user.pw_gid)
            path.chmod(0o700)
    primary = Cluster(roots[0], bl.free_port(), run_as, "-c wal_level=replica -c max_wal_senders=4")
    replica = Cluster(roots[1], bl.free_port(), run_as, "-c hot_standby=on")
    try:
        primary.run("initdb", "-D", str(primary.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                    "--no-instructions")
        primary.start()
        replica.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D",
                    str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 600.0) -> float:
    """Wait until the replica has replayed the primary's WAL as it stands now; returns the seconds waited."""
    target = primary.one("SELECT pg_current_wal_lsn()::text")
    t0 = time.monotonic()
    while not replica.one(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"the replica did not replay the primary's WAL to {target} in {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - t0
