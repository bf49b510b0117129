"""Shared plumbing of the benchmark scripts (bench/*.py): the machine, the load, stores, gunicorn, wrk, datasets.

Not a test helper: nothing here asserts a time. Every script prints its figures and the exact command that
reproduces them, and keeps its latest figures as JSON under bench/.data/results/ (gitignored).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
DATA = BENCH / ".data"
RESULTS = DATA / "results"
LOGS = DATA / "logs"
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
YEAR = 2024
VOTE_PATH = f"/api/contests/{YEAR}/votes"

# Fixed secrets of the benchmark stores (never production ones): the cached datasets are made with them.
VOTER_SECRET = "bench-voter-secret-0123456789abcdef"
RECEIPT_SECRET = "bench-receipt-secret-fedcba9876543210"

# One pool of distinct personal codes: datasets take the first N, the HTTP load takes codes from LOAD_OFFSET on,
# so a load never repeats a stored resident (which would be a 409, not a new vote).
POOL_SIZE = 1_600_000
POOL_SEED = 2024
LOAD_OFFSET = 1_100_000
LOAD_BODIES = 480_000  # the HTTP loads' file of vote bodies: codes LOAD_OFFSET ... LOAD_OFFSET + 480,000


def ensure_dirs() -> None:
    for d in (DATA, RESULTS, LOGS):
        d.mkdir(parents=True, exist_ok=True)


# ----- the machine and its load -----

def uptime() -> str:
    """`uptime`'s load averages (1, 5, 15 min), the number other people's work shows up in."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def cpu_busy_share(seconds: float = 1.0) -> float:
    """The share of all cores busy over `seconds` (from /proc/stat), to see whether the machine is quiet."""
    def read() -> tuple[int, int]:
        with open("/proc/stat") as f:
            parts = [int(x) for x in f.readline().split()[1:]]
        idle = parts[3] + parts[4]
        return sum(parts), idle
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_until_quiet(max_busy: float = 0.25, patience: float = 15.0) -> float:
    """Wait (up to `patience` s) for the machine to be mostly idle before a timed phase; returns the busy share
    seen last, which the scripts record with their figures. The machine is shared: when it stays busy the phase
    runs anyway, and the floor measured back to back with ours carries the same disturbance."""
    deadline = time.monotonic() + patience
    busy = cpu_busy_share()
    while busy > max_busy and time.monotonic() < deadline:
        print(f"  (machine busy: {busy:.0%} of the cores in use by others; waiting)", flush=True)
        time.sleep(4)
        busy = cpu_busy_share()
    return busy


def _first(pattern: str, text: str) -> str | None:
    m = re.search(pattern, text, re.MULTILINE)
    return m.group(1).strip() if m else None


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(_first(r"^MemTotal:\s+(\d+)", meminfo) or 0)
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": _first(r"^model name\s*:\s*(.+)$", cpuinfo),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        import psycopg

        with psycopg.connect(PG_SERVER, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else None
    except Exception as e:  # PostgreSQL is optional for some scripts
        info["postgresql"] = f"unreachable ({type(e).__name__})"
    from importlib.metadata import version

    for dist in ("eventsourcing", "flask", "flask-smorest", "gunicorn", "psycopg"):
        info[dist] = version(dist)
    wrk = shutil.which("wrk")
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        info["wrk"] = (_first(r"^(wrk \S+)", out.stdout + out.stderr) or "wrk").split()[-1]
    return info


def command(script: str, argv: Sequence[str] | None = None) -> str:
    """The command that reproduces this run, from the repository's root."""
    args = sys.argv[1:] if argv is None else list(argv)
    return " ".join([".venv/bin/python", f"bench/{script}", *map(shlex.quote, args)])


def save_result(name: str, data: dict[str, Any]) -> Path:
    ensure_dirs()
    path = RESULTS / f"{name}.json"
    data = {"recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **data}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set size (VmHWM) of a process, KiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = _first(r"^VmHWM:\s+(\d+)\s+kB", text)
    return int(found) if found else None


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by these processes (from /proc/PID/stat; a gone process counts 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))
    return total / tick


def spread(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    """The median with the min and max: what every paired figure reports."""
    import statistics

    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def paired_order(pairs: int, first: str = "floor", second: str = "ours") -> list[str]:
    """floor, ours, ours, floor, floor, ours, ...: each pair alternates which runs first, so a drift of the
    machine's load over the runs weighs on both alike."""
    order: list[str] = []
    for i in range(pairs):
        order += [first, second] if i % 2 == 0 else [second, first]
    return order


def loadavg() -> str:
    """`cat /proc/loadavg`, recorded with every run (the machine is shared)."""
    return Path("/proc/loadavg").read_text().strip()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return sorted(found)


# ----- stores -----

def pg_conninfo() -> str:
    return PG_SERVER.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def pg_schema(prefix: str, keep: bool = False) -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards."""
    import psycopg

    schema = f"bench_{re.sub(r'[^a-z0-9_]', '_', prefix.lower())}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        if not keep:
            with psycopg.connect(pg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_store_url(schema: str, pool_size: int = 5) -> str:
    sep = "&" if "?" in PG_SERVER else "?"
    return f"{PG_SERVER}{sep}schema={schema}&pool_size={pool_size}"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"  # an absolute path gives sqlite:////abs/path


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def fresh_store(kind: str, name: str, keep: bool = False) -> Iterator[str]:
    """An empty store URL of `kind` (sqlite: a new file under bench/.data; postgresql: a new schema)."""
    ensure_dirs()
    if kind == "sqlite":
        path = DATA / f"{name}-{os.getpid()}.sqlite3"
        remove_sqlite(path)
        try:
            yield sqlite_url(path)
        finally:
            if not keep:
                remove_sqlite(path)
        return
    with pg_schema(name, keep) as schema:
        yield pg_store_url(schema)


def service(store_url: str) -> Any:
    from contest.clock import SystemClock
    from contest.service import ContestService
    from contest.settings import VoteSecrets
    from contest.store import EventStore

    secrets = VoteSecrets(voter=VOTER_SECRET.encode(), receipt=RECEIPT_SECRET.encode())
    return ContestService(EventStore(store_url), SystemClock(), secrets)


SECRETARIAT = {"role": "secretariat", "principal": "bench"}


def open_window_now(svc: Any, hours: float = 2.0) -> None:
    """Configure the vote window through the service so that it includes "now" (as tests/e2e/test_vote_concurrency.py
    does): a window-set event, like the secretariat's."""
    from domain.actors import Actor

    now = datetime.now(timezone.utc)
    svc.configure(YEAR, "window", {"opens_at": (now - timedelta(hours=1)).isoformat(),
                                   "closes_at": (now + timedelta(hours=hours)).isoformat()},
                  reason="benchmark", actor=Actor(**SECRETARIAT))


def prepare_contest(store_url: str) -> list[str]:
    """Load the 2024 preset into an empty store and open the vote window around now; returns the municipalities."""
    from domain.actors import system_actor

    svc = service(store_url)
    try:
        svc.ensure_contest("2024", YEAR, actor=system_actor("bench"))
        open_window_now(svc)
        return [m.code for m in svc.contest(YEAR).municipalities]
    finally:
        svc.close()


def issue_token(store_url: str, role: str) -> str:
    from domain.actors import Actor

    svc = service(store_url)
    try:
        token, _ = svc.issue_token(role, actor=Actor(**SECRETARIAT), name=f"bench {role}")
        return token
    finally:
        svc.close()


# ----- personal codes and vote bodies -----

def code_pool() -> list[str]:
    """The benchmark's pool of distinct valid personal codes (fixed seed; about 3 s to draw)."""
    from contest.residents import fake_personal_codes

    return fake_personal_codes(POOL_SIZE, seed=POOL_SEED)


def bodies_file(municipalities: Sequence[str], count: int, offset: int = LOAD_OFFSET) -> Path:
    """A file of `count` vote bodies (one JSON object a line) with distinct codes from the pool at `offset`;
    made once and reused. Codes are sent with and without the hyphen, as residents type them."""
    ensure_dirs()
    path = DATA / f"bodies-{offset}-{count}.jsonl"
    if path.exists():
        return path
    pool = code_pool()
    if offset + count > len(pool):
        raise SystemExit(f"the code pool holds {len(pool)} codes; {offset}+{count} asked")
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        for i, code in enumerate(pool[offset:offset + count]):
            typed = f"{code[:6]}-{code[6:]}" if i % 3 == 0 else code
            f.write(json.dumps({"personal_code": typed, "municipality": municipalities[i % len(municipalities)],
                                "rating": 1 + (i * 7) % 5}) + "\n")
    tmp.rename(path)
    return path


# ----- gunicorn -----

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[int]:
        return children(self.proc.pid)


def http(method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 30
         ) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw) if raw else None
        except ValueError:
            return e.code, raw[:200]


@contextmanager
def gunicorn(app: str, env: dict[str, str], name: str, workers: int | None = None,
             extra_args: Sequence[str] = ()) -> Iterator[Server]:
    """`gunicorn --config python:contest.gunicorn_conf APP` as in the Procfile (production settings: sync workers,
    WEB_CONCURRENCY, the access log), bound to a free loopback port; its output goes to bench/.data/logs/."""
    ensure_dirs()
    port = free_port()
    log = LOGS / f"{name}.log"
    args = [PYTHON, "-m", "gunicorn", "--config", "python:contest.gunicorn_conf", "--bind", f"127.0.0.1:{port}"]
    if workers is not None:
        args += ["--workers", str(workers)]
    args += [*extra_args, app]
    full_env = dict(os.environ, **env)
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    server = Server(base, proc, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.1)
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# The whole load comes from 127.0.0.1, so the per-address vote limit (api/operations.py, default 20/second) would
# answer nearly every request with 429. The limiter stays on, with a limit the load never reaches, so its cost per
# vote is measured as in production.
VOTE_RATE_LIMIT = "100000000/second"


def service_env(store_url: str) -> dict[str, str]:
    """The production environment of the web process (api/wsgi.py) for a benchmark store."""
    return {"CONTEST_STORE": store_url, "CONTEST_YEAR": str(YEAR), "CONTEST_VOTER_SECRET": VOTER_SECRET,
            "CONTEST_RECEIPT_SECRET": RECEIPT_SECRET, "CONTEST_VOTE_RATE_LIMIT": VOTE_RATE_LIMIT}


def warm_up(base: str, municipalities: Sequence[str], n: int = 60) -> None:
    """A few votes with codes outside the load's range, so that each worker has imported and connected before the
    timed run (codes from the end of the pool)."""
    pool_tail = code_pool_tail(n)
    for i, code in enumerate(pool_tail):
        http("POST", base + VOTE_PATH, {"personal_code": code, "municipality": municipalities[i % len(municipalities)],
                                        "rating": 3})


_TAIL: list[str] = []


def code_pool_tail(n: int) -> list[str]:
    """`n` codes from the end of the pool (never in a dataset or a load file); cached."""
    global _TAIL
    if len(_TAIL) < n:
        _TAIL = code_pool()[-max(n, 500):]
    return _TAIL[:n]


# ----- wrk -----

@dataclass
class WrkResult:
    seconds: float
    requests: int
    statuses: dict[str, int]
    errors: dict[str, int]
    latency_ms: dict[str, float]
    exhausted: int
    raw: str = field(repr=False, default="")

    @property
    def accepted(self) -> int:
        return self.statuses.get("201", 0)

    @property
    def accepted_per_s(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        """Requests that were not a 201 (other statuses, and socket errors: connect, read, write, timeout)."""
        others = sum(v for k, v in self.statuses.items() if k != "201")
        return others + sum(self.errors.values())

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds, 2), "requests": self.requests, "accepted": self.accepted,
                "accepted_per_s": round(self.accepted_per_s, 1), "statuses": self.statuses, "errors": self.errors,
                "failed": self.failed, "latency_ms": self.latency_ms, "bodies_exhausted": self.exhausted}


def wrk_path() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: apt-get update && apt-get install -y wrk")
    return found


def run_wrk(base: str, bodies: Path, seconds: float, connections: int, threads: int = 1,
            path: str = VOTE_PATH, offset: int = 0) -> WrkResult:
    """POST one distinct body per request for `seconds`; the Lua script (bench/votes.lua) counts statuses and
    prints latency percentiles as one JSON line."""
    args = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
            "-s", str(BENCH / "votes.lua"), base + path, "--", str(bodies), str(threads), str(offset)]
    out = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
    text = out.stdout + out.stderr
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCHJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{text}")
    data = json.loads(line[len("BENCHJSON "):])
    return WrkResult(
        seconds=data["duration_us"] / 1e6, requests=data["requests"],
        statuses={str(k): int(v) for k, v in data["statuses"].items()},
        errors={k: int(v) for k, v in data["errors"].items() if v},
        latency_ms={k: round(v / 1000, 2) for k, v in data["latency_us"].items()},
        exhausted=int(data["exhausted"]), raw=text)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[k]


def fmt_int(n: float) -> str:
    return f"{n:,.0f}"


def print_header(title: str, script: str) -> None:
    print(f"== {title}")
    print(f"   command: {command(script)}")
    print(f"   load before: {uptime()} (uptime)", flush=True)


# ----- child processes with their own peak RSS -----

@dataclass
class Measured:
    returncode: int
    seconds: float
    peak_rss_mib: float
    stdout: str
    stderr: str


def run_measured(args: Sequence[str], env: dict[str, str] | None = None) -> Measured:
    """Run a command to its end; its wall time and its own peak RSS (ru_maxrss of wait4, not of other children)."""
    out_path, err_path = LOGS / f"child-{os.getpid()}.out", LOGS / f"child-{os.getpid()}.err"
    ensure_dirs()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(args), cwd=REPO, env=dict(os.environ, **(env or {})), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = Measured(proc.returncode, seconds, round(usage.ru_maxrss / 1024, 1), out_path.read_text(),
                      err_path.read_text())
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return result


def peak_rss_mib() -> float:
    """This process's own peak RSS so far."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mib() -> float:
    """This process's current RSS."""
    text = Path("/proc/self/status").read_text()
    return round(int(_first(r"^VmRSS:\s+(\d+)\s+kB", text) or 0) / 1024, 1)
