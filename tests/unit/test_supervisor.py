"""contest/supervisor.py with fake children (no process is started): a child that ends stops the others and the
supervisor exits 1 naming it; a stop request stops them all and exits 0; a child that does not stop is killed
after the timeout, or at once on a second signal; every line of output is prefixed with its program's name.
tests/e2e/test_supervisor.py does the same with real processes and signals."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import pytest

from contest.supervisor import Program, Supervisor

NAMES = ("web", "clock", "projector")


class FakeChild:
    """Ends on its own at its `ends_at`-th poll with `code`; stops when terminated if it `obeys`."""

    def __init__(self, pid: int, *, ends_at: int | None = None, code: int = 0, obeys: bool = True,
                 output: tuple[str, ...] = (), on_poll: Callable[[FakeChild], None] | None = None) -> None:
        self.pid = pid
        self.ends_at, self.end_code, self.obeys, self.output, self.on_poll = ends_at, code, obeys, output, on_poll
        self.code: int | None = None
        self.supervisor: Supervisor | None = None  # the one that runs it, to ask it to stop as a signal would
        self.polls = 0
        self.terminated = self.killed = False

    def poll(self) -> int | None:
        self.polls += 1
        if self.on_poll:
            self.on_poll(self)
        if self.code is None and self.ends_at is not None and self.polls >= self.ends_at:
            self.code = self.end_code
        return self.code

    def terminate(self) -> None:
        self.terminated = True
        if self.obeys and self.code is None:
            self.code = 0

    def kill(self) -> None:
        self.killed = True
        if self.code is None:
            self.code = -9

    def lines(self) -> list[str]:
        return list(self.output)


def stop(child: FakeChild) -> None:
    """What SIGINT's handler does."""
    assert child.supervisor is not None
    child.supervisor.request_stop(2)


def supervise(children: dict[str, FakeChild], *, stop_timeout: float = 5.0,
              cannot_start: str | None = None) -> tuple[Supervisor, int, str]:
    out = io.StringIO()

    def start(program: Program, env: Mapping[str, str]) -> FakeChild:
        assert env == {"CONTEST_STORE": "sqlite:///var/contest.sqlite3"}  # one environment for every child
        if program.name == cannot_start:
            raise FileNotFoundError(2, "No such file or directory", program.argv[0])
        return children[program.name]

    supervisor = Supervisor([Program(name, (name,)) for name in children],
                            {"CONTEST_STORE": "sqlite:///var/contest.sqlite3"}, out=out, stop_timeout=stop_timeout,
                            tick=0.001, start=start)
    for child in children.values():
        child.supervisor = supervisor
    code = supervisor.run()
    return supervisor, code, out.getvalue()


@pytest.mark.parametrize("exit_code", [1, 0, -9])
def test_a_child_that_ends_stops_the_others_and_the_supervisor_exits_1_naming_it(exit_code: int) -> None:
    children = {name: FakeChild(pid) for pid, name in enumerate(NAMES, 100)}
    children["clock"].ends_at, children["clock"].end_code = 3, exit_code
    _, code, out = supervise(children)
    assert code == 1
    assert children["web"].terminated and children["projector"].terminated
    assert not any(c.killed for c in children.values())
    how = {1: "exit code 1", 0: "exit code 0", -9: "killed by SIGKILL"}[exit_code]
    assert f"serve     | clock ended ({how}); stopping web, projector\n" in out
    assert out.endswith("serve     | exiting with code 1: clock ended on its own\n")


def test_a_stop_request_stops_every_child_and_exits_0() -> None:
    children = {name: FakeChild(pid) for pid, name in enumerate(NAMES, 100)}

    def ctrl_c(child: FakeChild) -> None:
        if child.polls == 5:
            stop(child)

    children["web"].on_poll = ctrl_c
    _, code, out = supervise(children)
    assert code == 0
    assert all(c.terminated and not c.killed for c in children.values())
    assert "serve     | stopping web, clock, projector\n" in out
    assert out.endswith("serve     | all stopped\n")


def test_a_child_that_does_not_stop_is_killed_after_the_timeout_and_the_exit_is_not_clean() -> None:
    children = {name: FakeChild(pid) for pid, name in enumerate(NAMES, 100)}
    children["projector"].ends_at = 2  # ends on its own, so the others are stopped
    children["web"].obeys = False
    _, code, out = supervise(children, stop_timeout=0.05)
    assert code == 1
    assert children["web"].killed and not children["clock"].killed
    assert "serve     | killing web after 0.05 s\n" in out


def test_a_second_signal_while_stopping_kills_at_once() -> None:
    children = {name: FakeChild(pid) for pid, name in enumerate(NAMES, 100)}
    stopping_at: list[int] = []

    def signals(child: FakeChild) -> None:
        if child.polls == 3:
            stop(child)  # Ctrl-C
        elif child.terminated and not stopping_at:
            stopping_at.append(child.polls)
        elif stopping_at and child.polls == stopping_at[0] + 5:
            stop(child)  # Ctrl-C again while it is stopping

    children["web"].on_poll = signals
    children["web"].obeys = False
    _, code, out = supervise(children, stop_timeout=600)  # not waited for: the second signal kills
    assert code == 1 and children["web"].killed
    assert "serve     | killing web on a second signal\n" in out
    assert "web (killed by SIGKILL)" in out


def test_every_line_of_output_is_prefixed_with_its_programs_name() -> None:
    children = {"web": FakeChild(1, output=("Listening at: http://127.0.0.1:8000\n", "Booting worker\r\n")),
                "clock": FakeChild(2, ends_at=2, output=("vote window opened\n",))}
    _, _, out = supervise(children)
    lines = out.splitlines()
    assert "web   | Listening at: http://127.0.0.1:8000" in lines and "web   | Booting worker" in lines
    assert "clock | vote window opened" in lines
    assert "serve | started web (pid 1): web" in lines


def test_a_program_that_cannot_start_stops_those_started_and_exits_1() -> None:
    children = {name: FakeChild(pid) for pid, name in enumerate(NAMES, 100)}
    _, code, out = supervise(children, cannot_start="projector")
    assert code == 1
    assert children["web"].terminated and children["clock"].terminated
    assert "serve     | projector could not start: [Errno 2] No such file or directory: 'projector'\n" in out
