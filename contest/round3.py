"""Round 3 and the end of the contest (§4.6.8, §4.7, §7): the jury's briefing, visits with their notices and
attendance, the seats' scorecards, closing round 3 with the winners, supporters' nominations, the council's
approval that seals the contest (D14), and the final report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from contest.jury_drafts import SCORES, JuryDrafts
from contest.notice_recipients import NoticeAddresses
from contest.unit_of_work import UnitOfWork
from domain.actors import JUROR, Actor
from domain.approval import check_named_digest
from domain.config import instant_str
from domain.contest import ROUND3, Contest, contest_id
from domain.errors import NotFound, RuleViolation
from domain.scorecard import Scorecard, scorecard_id
from domain.visit import Round3Assessment, Visit, assess_round3, notice_status, visit_id

if TYPE_CHECKING:
    from projections.round3 import ScorecardState, VisitState


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return instant_str(value) if isinstance(value, datetime) else value.isoformat()


class Round3:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.gate = uow.gate  # commands on visits and scorecards only read the contest
        self.chain = uow.audit
        self.drafts = JuryDrafts(uow)  # the seats' unsubmitted score sheets: never events (contest/jury_drafts.py)
        self.addresses = NoticeAddresses(uow)  # the notices' addresses, never events (contest/notice_recipients.py)

    # ----- the briefing (§4.6.8) -----

    def brief(self, year: int, briefed_on: date, *, note: str, actor: Actor) -> Contest:
        uow = self.uow

        def decide(contest: Contest, at: datetime) -> None:
            uow.readmodels.catch_up()
            planned = [v.plan.day for v in uow.views.visits.states(year).values()]
            contest.record_briefing(briefed_on, note=note, first_visit=min(planned, default=None), actor=actor,
                                    at=at)

        return uow.update(contest_id(year), decide, what="contest", key=year).aggregate

    # ----- visits (§4.7.1-§4.7.3, §4.7.7) -----

    def _visit(self, year: int, municipality: str) -> Visit:
        return self.uow.get(visit_id(year, municipality), what="visit", key=municipality)

    def schedule_visit(self, year: int, municipality: str, plan: Mapping[str, Any], *, actor: Actor) -> Visit:
        uow = self.uow

        def decide(_: None, contest: Contest, at: datetime) -> Visit:
            contest.municipality(municipality)
            if visit_id(year, municipality) in uow.store.repository:
                raise RuleViolation(f"the visit to {municipality} is planned already; reschedule it instead",
                                    clause="§4.7.1", field="municipality")
            return Visit.schedule(contest, municipality, plan, actor=actor, at=at)

        def planned_concurrently() -> RuleViolation:
            return RuleViolation(f"the visit to {municipality} was planned concurrently; reschedule it instead",
                                 clause="§4.7.1")

        # decided on the contest as read: stored only if it has not changed since (round 3 not closed meanwhile)
        return uow.update(None, decide, what="visit", key=municipality, unchanged=year,
                          exists=planned_concurrently).aggregate

    def _visit_command(self, year: int, municipality: str,
                       command: Callable[[Visit, Contest, datetime], None]) -> Visit:
        # stored only if the contest has not changed since (round 3 not closed meanwhile)
        return self.uow.update(visit_id(year, municipality), command, what="visit", key=municipality,
                               unchanged=year).aggregate

    def reschedule_visit(self, year: int, municipality: str, plan: Mapping[str, Any], *, reason: str,
                         actor: Actor) -> Visit:
        return self._visit_command(year, municipality, lambda v, c, at: v.reschedule(c, plan, reason=reason,
                                                                                     actor=actor, at=at))

    def record_notice(self, year: int, municipality: str, notice_date: date, recipients: Mapping[str, Any], *,
                      actor: Actor) -> Visit:
        """Record the notice (§4.7.2): checked first, then its addresses kept in the address book, then the event,
        which names the recipients by name and keyed hash only (contest/notice_recipients.py says why that order)."""
        contest = self.gate.contest(year)
        _, who = self._visit(year, municipality).check_notice(contest, notice_date, recipients,
                                                              at=self.uow.clock.now())
        key_of = self.addresses.keep(who)
        return self._visit_command(year, municipality, lambda v, c, at: v.record_notice(
            c, notice_date, recipients, key_of=key_of, actor=actor, at=at))

    def preview_notice(self, year: int, municipality: str, notice_date: date,
                       recipients: Mapping[str, Any]) -> dict[str, Any]:
        """The notice's text as it would be recorded now (§4.7.2) and who would be told (names, addresses masked);
        checks the same rules, records nothing."""
        contest = self.gate.contest(year)
        visit = self._visit(year, municipality)
        day, who = visit.check_notice(contest, notice_date, recipients, at=self.uow.clock.now())
        return {**visit.notice_texts(contest, day, who), "recipients": who.masked(visit.municipality_name(contest))}

    def record_attendance(self, year: int, municipality: str, present: Mapping[str, str | None], *,
                          actor: Actor) -> Visit:
        return self._visit_command(year, municipality, lambda v, c, at: v.record_attendance(
            c, present, actor=actor, at=at))

    # ----- scorecards (§4.7.8, §4.7.11) -----

    def submit_scores(self, year: int, seat: str, scores: Mapping[str, int], justifications: Mapping[str, str],
                      theme_points: Mapping[str, int], *, cast_by: str | None, actor: Actor) -> Scorecard:
        if actor.role == JUROR and actor.seat != seat:
            raise PermissionError(f"this token scores for seat {actor.seat}, not {seat} (§3.2.1)")

        def decide(card: Scorecard, contest: Contest, at: datetime) -> None:
            contest.seat(seat)
            card.submit(contest, scores, justifications, theme_points, cast_by=cast_by, actor=actor, at=at)

        # stored only if the contest has not changed since (round 3 not closed meanwhile)
        card = self.uow.update(scorecard_id(year, seat), decide, what="scorecard", key=seat,
                               new=lambda: Scorecard(year=year, seat=seat), unchanged=year).aggregate
        self.drafts.discard(year, SCORES, seat)  # submitted: the draft has served
        return card

    def seat_scorecard(self, year: int, seat: str) -> ScorecardState | None:
        """The seat's counted scorecard (its last submission) with when and how many times, or None."""
        self.uow.readmodels.catch_up()
        return self.uow.views.scorecards.states(year).get(seat)

    # ----- where round 3 stands -----

    def assessment(self, year: int) -> tuple[Contest, Round3Assessment, int]:
        uow = self.uow
        contest = uow.contest(year)
        position = uow.readmodels.catch_up()
        if contest.stage != ROUND3:
            raise RuleViolation(f"round 3 is not open (the contest is in {contest.stage})", clause="§4.7",
                                stage=contest.stage)
        return contest, assess_round3(contest, uow.views.visits.facts(year), uow.views.scorecards.cards(year)), position

    def visit_out(self, contest: Contest, state: VisitState) -> dict[str, Any]:
        tz = contest.window.timezone
        status = notice_status(contest.work_calendar(), state.facts().notice, state.plan,
                               contest.rules.notice_working_days)
        name = contest.municipality(state.municipality).name
        return {
            "municipality": state.municipality,
            "name": name,
            "plan": state.plan.to_json(tz),
            "reschedules": [{"from": r["from"].to_json(tz), "reason": r["reason"], "at": _iso(r["at"]),
                             "attendance_cleared": r["attendance_cleared"]} for r in state.reschedules],
            "notice": status.to_dict(),
            "notices": [{"notice_date": _iso(n["notice_date"]), "visit_date": _iso(n["visit_date"]),
                         "arrival": n["arrival"], "recipients": self.addresses.shown(n["recipients"], name),
                         "text_lv": n["text_lv"], "text_en": n["text_en"], "recorded_at": _iso(n["recorded_at"])}
                        for n in state.notices],
            "attendance": state.attendance,
            "attendance_recorded_at": _iso(state.attendance_recorded_at),
        }

    def visit(self, year: int, municipality: str) -> dict[str, Any]:
        uow = self.uow
        contest = uow.contest(year)
        uow.readmodels.catch_up()
        state = uow.views.visits.states(year).get(municipality)
        if state is None:
            raise NotFound("visit", municipality)
        return self.visit_out(contest, state)

    def visits(self, year: int) -> list[dict[str, Any]]:
        uow = self.uow
        contest = uow.contest(year)
        uow.readmodels.catch_up()
        states = uow.views.visits.states(year)
        return [self.visit_out(contest, states[m]) for m in contest.finalists if m in states]

    def status(self, year: int) -> dict[str, Any]:
        """Round 3 for the secretariat, the jury, auditors and the council: the briefing, every visit, each
        seat's scorecard, what blocks closing, and the result as things stand (or as recorded once closed)."""
        uow = self.uow
        contest = uow.contest(year)
        position = uow.readmodels.catch_up()
        if contest.round3 is not None:
            assessment = None
        elif contest.stage == ROUND3:
            assessment = assess_round3(contest, uow.views.visits.facts(year), uow.views.scorecards.cards(year))
        else:
            raise RuleViolation(f"round 3 opens when round 2 closes (the contest is in {contest.stage})",
                                clause="§4.7", stage=contest.stage)
        cards = uow.views.scorecards.states(year)
        voting = [s.id for s in contest.voting_seats]
        briefing = contest.briefing
        return {
            "year": year,
            "stage": contest.stage,
            "position": position,
            "finalists": contest.finalists,
            "briefing": None if briefing is None else {"date": _iso(briefing["date"]), "note": briefing["note"],
                                                       "recorded_at": _iso(briefing["recorded_at"])},
            "visits": self.visits(year),
            "scorecards": {seat: {"scores": c.scores, "justifications": c.justifications,
                                  "theme_points": c.theme_points, "cast_by": c.cast_by,
                                  "submitted_at": _iso(c.submitted_at), "versions": c.versions}
                           for seat, c in sorted(cards.items())},
            "missing_scorecards": [s for s in voting if s not in cards],
            "blocked": assessment.blocked if assessment else False,
            "blockers": [b.to_dict() for b in assessment.blockers] if assessment else [],
            "assessment": ({"visits": list(assessment.visits), "result": assessment.result.to_dict()}
                           if assessment else {"visits": contest.round3["visits"], "result": contest.round3["result"]}),
            "closed": contest.round3 is not None,
        }

    # ----- closing round 3, nominations, approval -----

    def close(self, year: int, *, actor: Actor) -> Contest:
        """Close round 3 (§4.7.9-§4.7.11) on exactly the history through the position it records, as rounds 1
        and 2 close: the visits, notices, attendance and scorecards recorded up to `included_through`, read
        from views caught up at least that far. A scorecard or a visit change saved after that position (while
        the close is being decided and saved) is on record but not counted, and the verifier recomputes the
        result from the same prefix (contest/verify.py). A contest change meanwhile fails the save, and the
        close is decided again."""
        uow = self.uow

        def decide(contest: Contest, _: datetime) -> None:
            through = uow.readmodels.catch_up()  # the views reflect at least every event through `through`
            digest = self.chain.digest_through(through)
            views = uow.views
            contest.close_round3(views.visits.facts_through(year, through),
                                 views.scorecards.cards_through(year, through), included_through=through,
                                 digest=digest, actor=actor, at=uow.clock.now())  # dated after its checkpoint

        return uow.update(contest_id(year), decide, what="contest", key=year).aggregate

    def nominate(self, year: int, nomination: Mapping[str, Any], *, actor: Actor) -> dict[str, Any]:
        def decide(contest: Contest, at: datetime) -> dict[str, Any]:
            return {**contest.record_supporter_nomination(nomination, actor=actor, at=at), "recorded_at": at}

        saved = self.uow.update(contest_id(year), decide, what="contest", key=year)
        return nomination_out(saved.aggregate, saved.result)

    def approval_checkpoint(self) -> dict[str, Any]:
        """What the approval would name if it were recorded now (D14): the position of the last event and the
        audit digest through it, computed as `approve` computes them (UnitOfWork.checkpoint)."""
        through, digest = self.uow.checkpoint()
        return {"through": through, "digest": digest}

    def approve(self, year: int, *, decision_number: str, decision_date: date, actor: Actor,
                shown_digest: str | None = None) -> Contest:
        """The council's approval (§7.4, D14): it names the digest of the whole history up to the last event
        before it, and seals the contest. `shown_digest`: the digest the council was shown (the council's page);
        the approval is then refused if the history has grown since (domain.approval.check_named_digest)."""
        uow = self.uow

        def decide(contest: Contest, _: datetime) -> None:
            through, digest = uow.checkpoint()
            contest.approve(decision_number=decision_number, decision_date=decision_date, digest=digest,
                            digest_through=through, actor=actor, at=uow.clock.now())  # dated after its digest
            if shown_digest is not None:  # after the contest's own refusals; raising here saves nothing
                check_named_digest(shown_digest, digest, through)

        return uow.update(contest_id(year), decide, what="contest", key=year).aggregate

    def result(self, year: int) -> dict[str, Any]:
        contest = self.uow.contest(year)
        if contest.round3 is None:
            raise RuleViolation("the final result is published when round 3 closes", clause="§4.7.9, §7.4",
                                stage=contest.stage)
        return final_report(contest)

    def approved_result(self, year: int) -> dict[str, Any]:
        """The final result once the Fund council has approved it (§7.4, D14): what the published report and its
        PDF show. Before the approval a RuleViolation (409): round 3's result is not yet the contest's."""
        contest = self.uow.contest(year)
        if contest.approval is None:
            raise RuleViolation("the final report is published once the Fund council approves the result",
                                clause="§7.4", stage=contest.stage)
        return final_report(contest)


def nomination_out(contest: Contest, n: Mapping[str, Any]) -> dict[str, Any]:
    names = {m.code: m.name for m in contest.municipalities}
    return {"id": n["id"], "supporter": n["supporter"], "nomination": n["nomination"], "amount_eur": n["amount_eur"],
            "municipality": n["municipality"], "name": names.get(n["municipality"], n["municipality"]),
            "note": n.get("note"), "recorded_at": _iso(n.get("recorded_at"))}


def final_report(contest: Contest) -> dict[str, Any]:
    """The final result as recorded (§4.7.9-§4.7.11, §7): the winners and prizes, round 3's table with every
    visit and seat counted or not and why, the round-2 finalists and results, round 1's top ten; marked approved
    once the council has approved it (§7.4, D14)."""
    r3 = contest.round3
    assert r3 is not None
    names = {m.code: m.name for m in contest.municipalities}
    seats = {s.id: s for s in contest.jury}
    result = r3["result"]
    explanation = result["explanation"]
    rows = {row["municipality"]: row for row in explanation["municipalities"]}
    prizes = {p.kind: p for p in contest.prizes.prizes}
    approval = contest.approval

    def named(code: str | None) -> dict[str, Any] | None:
        return None if code is None else {"municipality": code, "name": names.get(code, code)}

    def prize(kind: str) -> dict[str, Any] | None:
        p = prizes.get(kind)
        return None if p is None else {"id": p.id, "name": p.name, "amount_eur": p.amount_eur}

    winner = named(r3["winner"])
    if winner:
        winner.update(average=rows[r3["winner"]]["average"], prize=prize("main"))
    theme_winner = named(r3["theme_winner"])
    if theme_winner:
        theme_winner.update(theme_points=rows[r3["theme_winner"]]["theme_sum"], prize=prize("theme"))

    table = [{**row, "name": names.get(row["municipality"], row["municipality"])}
             for row in explanation["municipalities"]]
    order = {s.id: i for i, s in enumerate(contest.jury)}
    seat_rows = []
    for row in sorted(explanation["seats"], key=lambda r: order.get(r["seat"], len(order))):
        seat = seats.get(row["seat"])
        card = r3["scorecards"].get(row["seat"])
        seat_rows.append({**row, "organisation": seat.organisation if seat else None,
                          "person": seat.person if seat else None,
                          "cast_by": card["cast_by"] if card else None})
    visits = [{**v, "name": names.get(v["municipality"], v["municipality"])} for v in r3["visits"]]

    round2 = contest.round2 or {}
    outcome = round2.get("outcome", {})
    r2_expl = outcome.get("explanation", {})
    votes = {r["municipality"]: r for r in r2_expl.get("vote_table", [])}
    choice = outcome.get("residents_choice")  # the highest average rating (§4.6.7, D10); None with no votes
    residents_choice = None if choice is None else {
        **named(choice), "votes": votes.get(choice, {}).get("votes"), "average": votes.get(choice, {}).get("average"),
        "finalist_via": next((f["via"] for f in round2.get("finalists", []) if f["municipality"] == choice), None)}
    round1 = contest.round1 or {}
    advancing = set(round1.get("advancing", []))
    top = [{**{k: row.get(k) for k in ("municipality", "place", "overall", "indices", "eur_totals", "raw_points")},
            "name": names.get(row["municipality"], row["municipality"])}
           for row in round1.get("ranking", []) if row["municipality"] in advancing]

    return {
        "year": contest.year,
        "title": contest.title,
        "theme": contest.theme.to_dict(),
        "stage": contest.stage,
        "status": "approved" if approval else "awaiting_approval",
        "approved": approval is not None,
        "approval": None if approval is None else {
            "decision_number": approval["decision_number"], "decision_date": _iso(approval["decision_date"]),
            "digest": approval["digest"], "digest_through": approval["digest_through"],
            "approved_at": _iso(approval["approved_at"]), "clause": "§7.4, D14"},
        "closed_at": _iso(r3["closed_at"]),
        "included_through": r3["included_through"],
        "digest": r3["digest"],
        "winner": winner,
        "theme_winner": theme_winner,
        "prizes": {
            "fund_eur": contest.prizes.fund_eur,
            "prizes": [{"id": p.id, "name": p.name, "amount_eur": p.amount_eur, "kind": p.kind, "sponsor": p.sponsor}
                       for p in contest.prizes.prizes],
            "supporter_nominations": [nomination_out(contest, n) for n in contest.supporter_nominations],
        },
        "round3": {
            "table": table,
            "seats": seat_rows,
            "visits": visits,
            "min_seats_per_visit": explanation["min_seats_per_visit"],
            "min_visits_per_seat": explanation["min_visits_per_seat"],
            "chair_seat": explanation["chair_seat"],
            "ties": explanation["ties"],
            "decisions": explanation["used_decisions"],
            "notes": explanation["notes"],
        },
        "round2": {
            "finalists": [{**f, "name": names.get(f["municipality"], f["municipality"])}
                          for f in round2.get("finalists", [])],
            "jury_table": [{**r, "name": names.get(r["municipality"], r["municipality"])}
                           for r in r2_expl.get("jury_table", [])],
            "vote_table": [{**r, "name": names.get(r["municipality"], r["municipality"])}
                           for r in r2_expl.get("vote_table", [])],
            "ties": r2_expl.get("ties", []),
            "residents_choice": residents_choice,
        },
        "round1": {"top": top, "cut": round1.get("cut", {})},
    }
