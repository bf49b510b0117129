"""The history as the secretariat's audit log reads it (RULES.md "Audit"): every event of the store in global order,
a page at a time, filtered by kind of event, by the actor's role and by a time range, with the residents' votes
summed up per hour instead of listed one by one (the log names no resident, D10). The words are the page's
(api/audit_log.py); this module only reads.

Reading: the store's notification log from a position, in batches (`EventStore.notifications`), only the topics of
the chosen kind when one is chosen (the store filters them, so a page of jury events does not read through a
million votes); a time range becomes a range of positions first (events' times rise with their positions: a
binary search, as contest/history.py's), and each event read is then checked against the range itself. A page ends
after `lines` entries or after `scan` events read, whichever comes first, and says where the next one starts: the
position after the last event it read, so the pages follow each other without a gap or an overlap whatever is
recorded meanwhile.

An event's time is the one the audit export gives it (contest/audit.py): its `at`, or for the few events without
one (an aggregate's technical first event, e.g. `Ballot.Opened`) the store's own timestamp. Its actor is the
recorded one (role and principal: a seat, a municipality's code, a token's name or id; never a token); an event
without an actor is the system's, but a confirmed e-mail address's claim is the resident's, as its vote is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

from domain.access import Credential
from domain.ballot import Ballot, ballot_id
from domain.contest import Contest
from domain.registry import Registry
from domain.scorecard import Scorecard, scorecard_id
from domain.submission import Submission, submission_id
from domain.visit import Visit, visit_id
from domain.vote import AddressClaim, Vote

if TYPE_CHECKING:
    from contest.service import ContestService
    from contest.store import EventStore

C = Contest
#: The kinds of event the log is filtered by, each with its event classes (a new event class is shown under "all"
#: by its name until it is given a kind here).
KIND_CLASSES: dict[str, tuple[type, ...]] = {
    "contest": (C.Created, Registry.Created, Registry.ContestRegistered),
    "config": (C.MunicipalitiesSet, C.JurySet, C.ThemeSet, C.PrizesSet, C.VotingWindowSet, C.ScoringSet,
               C.QuestionnaireSet, C.RulesSet, C.CalendarSet),
    "stages": (C.StageChanged, C.Round1Closed, C.Round2Closed, C.Round3Closed),
    "access": (Credential.Issued, Credential.Revoked, C.VoteSecretsBound),
    "round1": (Submission.Started, Submission.AnswersSaved, Submission.InformationRequested,
               Submission.InformationProvided),
    "window": (C.VotingWindowOpened, C.VotingWindowClosed, C.VotingWindowExtended, C.InterimResultPublished),
    "votes": (Vote.Cast, AddressClaim.Claimed),
    "quarantine": (C.VotesQuarantined, C.VotesReinstated),
    "ballots": (Ballot.Opened, Ballot.Cast),
    "decisions": (C.JuryDecisionRecorded,),
    "visits": (C.JuryBriefed, Visit.Scheduled, Visit.Rescheduled, Visit.NoticeRecorded, Visit.AttendanceRecorded),
    "scores": (Scorecard.Opened, Scorecard.Submitted),
    "approval": (C.SupporterNominationRecorded, C.ResultApproved),
}
KINDS: dict[str, tuple[str, ...]] = {k: tuple(get_topic(c) for c in v) for k, v in KIND_CLASSES.items()}
KIND_OF: dict[str, str] = {topic: kind for kind, topics in KINDS.items() for topic in topics}
VOTE_TOPICS = frozenset(KINDS["votes"])
CLAIM_TOPIC = get_topic(AddressClaim.Claimed)
#: The roles an actor is filtered by (domain.actors): "public" is the residents'.
ROLES = ("secretariat", "juror", "municipality", "auditor", "council", "public", "system")
LINES = 50
SCAN = 20_000


@dataclass
class Entry:
    """One line of the log: one event, or the residents' votes of one hour that follow each other in the history
    (`votes` cast, `claims` of e-mail addresses confirmed with them, positions `position` to `last`)."""

    position: int
    last: int
    topic: str
    name: str  # the event's type without its module: "Visit.Scheduled"
    kind: str | None  # a key of KINDS, or None for a type the log does not know
    at: datetime | None
    until: datetime | None
    actor: dict[str, str]
    payload: dict[str, Any] = field(default_factory=dict)
    subject: dict[str, str] = field(default_factory=dict)  # {"municipality": code} or {"seat": id} it concerns
    votes: int = 0
    claims: int = 0


@dataclass(frozen=True)
class LogPage:
    entries: list[Entry]
    start: int  # the first position this page read from
    next: int | None  # where the next page starts, None at the end
    head: int  # the store's last position when the page was read


def plain(value: Any) -> Any:
    """A stored payload's typed values ({"_type_": ..., "_data_": ...}) as Python values: datetimes, dates,
    decimals; ids as text."""
    if isinstance(value, dict):
        kind, data = value.get("_type_"), value.get("_data_")
        if kind == "datetime_iso" and len(value) == 2:
            return datetime.fromisoformat(data)
        if kind == "date_iso" and len(value) == 2:
            return date.fromisoformat(data)
        if kind == "decimal_str" and len(value) == 2:
            return Decimal(data)
        if kind == "uuid_hex" and len(value) == 2:
            return str(data)
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def event_time(payload: Mapping[str, Any]) -> datetime | None:
    """The event's time as the audit export gives it: `at`, else the store's timestamp (both aware, UTC)."""
    for key in ("at", "timestamp"):
        value = payload.get(key)
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc)
    return None


def actor_of(topic: str, payload: Mapping[str, Any]) -> dict[str, str]:
    actor = payload.get("actor")
    if isinstance(actor, dict) and isinstance(actor.get("role"), str):
        return {"role": actor["role"], "principal": str(actor.get("principal", ""))}
    if topic == CLAIM_TOPIC:
        return {"role": "public", "principal": "resident"}
    return {"role": "system", "principal": ""}


def topics_for(kind: str | None, role: str | None) -> tuple[str, ...] | None:
    """The topics to read (() for every topic, None for none at all): the kind's, and for a role the votes' alone
    (the residents') or every known topic but theirs."""
    topics: set[str] | None = set(KINDS[kind]) if kind else None
    if role == "public":
        topics = (topics or set(VOTE_TOPICS)) & VOTE_TOPICS
    elif role:
        topics = (topics if topics is not None else set(KIND_OF)) - VOTE_TOPICS
    if topics is None:
        return ()
    return tuple(sorted(topics)) or None


def _time_of_row(state: bytes) -> datetime | None:
    payload = json.loads(state)
    at = payload.get("at")  # only `at`: the store's timestamps of the technical events are not the contest's clock
    return plain(at).astimezone(timezone.utc) if isinstance(at, dict) else None


def position_before(store: EventStore, when: datetime) -> int:
    """The last position whose event happened before `when` (0 for none), by binary search over positions (they may
    have gaps); events without their own time are stepped over."""
    lo, hi = 0, store.event_count()
    while lo < hi:
        mid = (lo + hi + 1) // 2
        rows = [r for r in store.recorder.select_notifications(start=mid, limit=8) if r.id <= hi]
        timed = next(((r.id, t) for r in rows if (t := _time_of_row(r.state)) is not None), None)
        if timed is None:
            hi = mid - 1
        elif timed[1] < when:
            lo = timed[0]
        else:
            hi = mid - 1
    return lo


def day_bounds(since: date | None, until: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """Days in the contest's time zone as instants: from the first day's midnight to the end of the last day."""
    zone = ZoneInfo(tz)
    start = datetime.combine(since, datetime.min.time(), zone) if since else None
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone) if until else None
    return start, end


def subjects(service: ContestService) -> dict[str, dict[str, str]]:
    """What the aggregates of the contests' municipalities and seats are about, by aggregate id: a submission or a
    visit its municipality, a ballot or a scorecard its seat (their later events do not repeat it)."""
    out: dict[str, dict[str, str]] = {}
    for year in service.years():
        contest = service.contest(year)
        for m in contest.municipalities:
            out[str(submission_id(year, m.code))] = out[str(visit_id(year, m.code))] = {"municipality": m.code}
        for s in contest.jury:
            out[str(ballot_id(year, s.id))] = out[str(scorecard_id(year, s.id))] = {"seat": s.id}
    return out


def _hour(at: datetime | None, zone: ZoneInfo) -> tuple[int, int, int, int] | None:
    if at is None:
        return None
    local = at.astimezone(zone)
    return local.year, local.month, local.day, local.hour


def read_page(service: ContestService, *, kind: str | None = None, role: str | None = None,
              since: date | None = None, until: date | None = None, start: int = 1, lines: int | None = None,
              scan: int | None = None, tz: str = "Europe/Riga") -> LogPage:
    """One page of the log from position `start` (see the module's docstring): at most `lines` entries (LINES)
    from at most `scan` events read (SCAN)."""
    lines, scan = lines or LINES, scan or SCAN
    store = service.store
    head = store.event_count()
    topics = topics_for(kind, role)
    begin, end = day_bounds(since, until, tz)
    first = max(1, start)
    if begin is not None:
        first = max(first, position_before(store, begin) + 1)
    stop = position_before(store, end) if end is not None else None
    if topics is None or (stop is not None and stop < first) or first > head:
        return LogPage([], first, None, head)
    zone = ZoneInfo(tz)
    about = subjects(service)
    entries: list[Entry] = []
    nxt = None
    rows = store.notifications(start=first, stop=stop, batch=min(1000, scan), topics=topics)
    for read, n in enumerate(rows, start=1):
        payload = plain(json.loads(n.state))
        at = event_time(payload)
        actor = actor_of(n.topic, payload)
        wanted = (role is None or actor["role"] == role) and not (
            at is not None and ((begin is not None and at < begin) or (end is not None and at >= end)))
        if wanted and n.topic in VOTE_TOPICS:
            group = entries[-1] if entries else None
            if group is not None and group.kind == "votes" and _hour(group.at, zone) == _hour(at, zone):
                group.last, group.until = n.id, at or group.until
                group.votes += n.topic != CLAIM_TOPIC
                group.claims += n.topic == CLAIM_TOPIC
                wanted = False  # summed up in the hour's line
        if wanted:
            if len(entries) >= lines:
                nxt = n.id
                break
            entries.append(_entry(n.id, n.topic, payload, at, actor, about.get(str(n.originator_id), {})))
        if read >= scan:
            nxt = n.id + 1 if _more(store, n.id + 1, stop, topics) else None
            break
    return LogPage(entries, first, nxt, head)


def _entry(position: int, topic: str, payload: dict[str, Any], at: datetime | None, actor: dict[str, str],
           subject: dict[str, str]) -> Entry:
    kind = KIND_OF.get(topic)
    name = topic.split(":", 1)[-1]
    if topic in VOTE_TOPICS:  # a vote's content (its municipality, rating, comment, keys) stays out of the log
        claim = topic == CLAIM_TOPIC
        return Entry(position, position, topic, name, kind, at, at, {"role": "public", "principal": "resident"},
                     votes=int(not claim), claims=int(claim))
    return Entry(position, position, topic, name, kind, at, at, actor, payload, subject)


def _more(store: EventStore, start: int, stop: int | None, topics: Sequence[str]) -> bool:
    rows = store.recorder.select_notifications(start=start, limit=1, stop=stop, topics=topics)
    return bool(rows)
