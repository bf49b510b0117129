"""`contest demo --via api` (contest/demo.py, the default): the steps of demo_script.Script as HTTP requests to the
JSON API, each with its role's bearer token (the secretariat's issues the others' through POST /api/tokens)."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from contest.demo_script import (
    ALREADY_VOTED,
    API,
    BAD_CODE,
    COUNTED,
    NOMINATION,
    YEAR,
    DemoError,
    Progress,
    Script,
    Tie,
)

# ----- HTTP -----

@dataclass
class Http:
    base: str
    token: str | None = None

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             expect: tuple[int, ...] = (200, 201)) -> Any:
        status, data = self.raw(method, path, body, token or self.token)
        if status not in expect:
            raise DemoError(f"{method} {path} answered {status}: {json.dumps(data, ensure_ascii=False)[:600]}")
        return data

    def raw(self, method: str, path: str, body: Any = None, token: str | None = None,
            client: str | None = None) -> tuple[int, Any]:
        """The request; with `client`, as the demo's proxy forwards a resident's request from that address."""
        url = urlparse(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if client:
            headers["X-Forwarded-For"] = client
        for attempt in range(5):
            try:
                conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = conn.getresponse()
                raw = response.read()
                if response.status == 503 and attempt < 4:  # the store was busy: nothing was recorded
                    time.sleep(0.2 * (attempt + 1))
                    continue
                ctype = response.getheader("Content-Type", "")
                return response.status, json.loads(raw) if raw and "json" in ctype else raw.decode()
            finally:
                conn.close()
        raise AssertionError("unreachable")


# ----- the contest through the API -----

TRANSITIONS = {"open round 1": "round1/open", "close round 1": "round1/close", "open the vote": "window/open",
               "close the vote": "window/close", "close round 2": "round2/close", "close round 3": "round3/close"}
VOTE_OUTCOMES = {201: COUNTED, 409: ALREADY_VOTED, 422: BAD_CODE}


class Play(Script):
    """The secretariat's token (`token`, as `contest serve` prints one) does the secretariat's steps and issues
    every other role's token; a resident's vote is forwarded from the resident's address (X-Forwarded-For)."""

    def __init__(self, base: str, token: str, clock_file: Path, votes: int, seed: int, concurrency: int,
                 progress: Progress) -> None:
        super().__init__(clock_file, votes, seed, concurrency, progress)
        self.http = Http(base, token)
        self.jurors: dict[str, str] = {}

    def issue(self, **body: Any) -> str:
        return self.http.call("POST", "/api/tokens", body)["token"]

    def read(self, path: str) -> Any:
        return self.http.call("GET", path)

    def transition(self, action: str, reason: str | None = None) -> None:
        self.http.call("POST", f"{API}/{TRANSITIONS[action]}", {"reason": reason} if reason else None)

    def submit(self, code: str, answers: dict[str, Any]) -> None:
        token = self.issue(role="municipality", municipality=code, year=YEAR)
        self.http.call("PATCH", f"{API}/submissions/{code}", {"answers": answers}, token)

    def ask(self, code: str, request_id: str, text: str) -> None:
        self.http.call("POST", f"{API}/submissions/{code}/requests", {"id": request_id, "text": text})

    def reply(self, code: str, request_id: str, text: str) -> None:
        self.http.call("POST", f"{API}/submissions/{code}/requests/{request_id}/replies", {"text": text},
                       self.issue(role="municipality", municipality=code, year=YEAR))

    def interim(self, reason: str) -> None:
        self.http.call("POST", f"{API}/window/interim", {"reason": reason})

    def cast(self, address: str, vote: dict[str, Any]) -> str:
        status = self.http.raw("POST", f"{API}/votes", vote, client=address)[0]
        return VOTE_OUTCOMES.get(status, f"answered {status}")

    def clusters(self) -> int:
        return len(self.read(f"{API}/votes/clusters")["clusters"])

    def ballot(self, seat: str, points: dict[str, int], justifications: dict[str, str]) -> None:
        self.jurors[seat] = self.issue(role="juror", seat=seat, year=YEAR)
        self.http.call("PUT", f"{API}/ballots/{seat}", {"points": points, "justifications": justifications},
                       self.jurors[seat])

    def open_ties(self, round_no: int) -> list[Tie]:
        if round_no == 2:
            ties = (self.read(f"{API}/standings").get("outcome") or {}).get("open_ties", [])
        else:
            ties = self.read(f"{API}/round3")["assessment"]["result"].get("open_ties", [])
        return [Tie(t["kind"], list(t["tied"]), t["places"]) for t in ties]

    def decide(self, tie: Tie, chosen: list[str], text: str, votes_for: int, votes_total: int) -> None:
        self.http.call("POST", f"{API}/decisions", {"kind": tie.kind, "tied": tie.tied, "chosen": chosen,
                                                    "text": text, "votes_for": votes_for,
                                                    "votes_total": votes_total})

    def brief(self, on: str, note: str) -> None:
        self.http.call("POST", f"{API}/round3/briefing", {"date": on, "note": note})

    def plan_visit(self, code: str, on: str, arrival: str, minutes: int) -> None:
        self.http.call("POST", f"{API}/visits/{code}", {"date": on, "arrival": arrival, "duration_minutes": minutes})

    def give_notice(self, code: str, on: str, people: dict[str, Any]) -> None:
        self.http.call("POST", f"{API}/visits/{code}/notice", {"notice_date": on, **people})

    def attendance(self, code: str, present: list[str], seats: list[str]) -> None:
        self.http.call("PUT", f"{API}/visits/{code}/attendance", {"present": dict.fromkeys(present, "member")})

    def score(self, seat: str, scores: dict[str, int], theme: dict[str, int], why: dict[str, str]) -> None:
        self.http.call("PUT", f"{API}/scores/{seat}", {"scores": scores, "theme_points": theme,
                                                       "justifications": why}, self.jurors[seat])

    def nominate(self, municipality: str) -> None:
        self.http.call("POST", f"{API}/supporter-nominations", {**NOMINATION, "municipality": municipality})

    def approve(self, decision_number: str, decision_date: str) -> None:
        council = self.issue(role="council", name="SIF padome")
        self.http.call("POST", f"{API}/approval", {"decision_number": decision_number,
                                                   "decision_date": decision_date}, council)
