"""Round 2 over HTTP (§4.6): the residents' vote and its window, jury ballots, standings, decisions, finalists.

The routes; their schemas are api/round2_schemas.py's."""

from __future__ import annotations

import bisect
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import abort

from api.auth import current_actor, request_actor, require
from api.parsing import Blueprint
from api.round2_schemas import (
    BallotOutSchema,
    BallotSchema,
    BoardEntrySchema,
    BoardQuerySchema,
    BoardSchema,
    ClustersQuerySchema,
    ClustersSchema,
    CommentSchema,
    DecisionSchema,
    DecisionsSchema,
    ExtendSchema,
    FinalistsSchema,
    QuarantineLogSchema,
    QuarantineOutSchema,
    QuarantineSchema,
    ReasonSchema,
    ReceiptSchema,
    StandingsSchema,
    VoteResultsSchema,
    VoteSchema,
    WindowStateSchema,
)
from api.schemas import AsOfSchema
from contest.round2 import vote_comments
from contest.service import ContestService
from domain.actors import ANONYMOUS, AUDITOR, JUROR, SECRETARIAT
from domain.code_shape import check_receipt_lookup
from domain.config import instant_str
from domain.contest import Contest
from domain.errors import NotFound, RuleViolation
from domain.publication import TallyAccess

blp = Blueprint("round2", __name__, url_prefix="/api/contests",
                description="Round 2 (§4.6): the residents' vote, jury ballots, standings and the finalists")

INSIDERS = (SECRETARIAT, JUROR, AUDITOR)


def service() -> ContestService:
    return current_app.extensions["contest.service"]


def window_state(year: int) -> dict[str, Any]:
    svc = service()
    contest = svc.contest(year)
    from api.contests import window_out

    return {**window_out(contest.window), "status": contest.window_status,
            "accepting": contest.accepts_votes_at(svc.clock.now()),
            "interim_published_at": contest.interim_published_at}


@blp.route("/<int:year>/votes")
class Votes(MethodView):
    @blp.arguments(VoteSchema)
    @blp.response(201, ReceiptSchema)
    @blp.alt_response(409, description="Already voted, or the window is closed (with its times)")
    @blp.alt_response(503, description="The server's vote secrets are not those the contest's votes were recorded "
                                       "with (D10): nothing is stored; the message names the setting")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Vote: rate one municipality 1-5, once per resident (§4.6.6, D10)

        The personal code as typed is the resident's proof under the identity level `code` (D15,
        `rules.vote_identity`). Under `eid` there is no API way to vote: the resident signs in with an electronic
        identity on the vote page (/balsot, then /balsot/eid: an OpenID Connect sign-in in the browser, whose
        verified ID token gives the personal code, never typed) and confirms the vote there; this call answers 409
        with rule D15 and stores nothing."""
        vote, _ = service().round2.cast_vote(year, personal_code=body["personal_code"],
                                             municipality=body["municipality"], rating=body["rating"],
                                             comment=body["comment"], client_address=request.remote_addr)
        return {"receipt": vote.receipt, "municipality": vote.municipality, "rating": vote.rating,
                "at": instant_str(vote.at)}


@blp.route("/<int:year>/votes/results")
class VoteResults(MethodView):
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, VoteResultsSchema)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Count, average and distribution per municipality: public after the window closes; while it is open the
        last interim result published, as counted then (D10); live for the secretariat alone"""
        history = service().history
        state = history.state(query["as_of"])
        access = _readers_tallies_access(state.contest(year))
        access.require()
        if not access.snapshot:
            return service().round2.vote_results(year, state)
        body = service().round2.vote_results(year, history.state(str(access.through)))
        return {**body, "interim_published_at": access.published_at, "included_through": access.through}


def _readers_tallies_access(contest: Contest) -> TallyAccess:
    """What this request's reader sees of the vote's tallies (D10, decided by domain.publication): the public's
    view, or the reader's role's when a token is given (a token is checked only when the view differs)."""
    now = service().clock.now()
    access = contest.vote_tallies_access(None, now)
    if not access.final:
        actor = request_actor()
        if actor is None and not access.visible:
            abort(401, message="the bearer token is unknown, malformed or revoked")
        if actor is not None and actor is not ANONYMOUS:
            access = contest.vote_tallies_access(actor.role, now)
    return access


@blp.route("/<int:year>/window")
class Window(MethodView):
    @blp.response(200, WindowStateSchema)
    def get(self, year: int) -> dict[str, Any]:
        """The residents' vote window: UTC instants, local times, status"""
        return window_state(year)


def _window_command(name: str, doc: str) -> type[MethodView]:
    class Command(MethodView):
        @require(SECRETARIAT)
        @blp.arguments(ExtendSchema if name == "extend" else ReasonSchema)
        @blp.response(200, WindowStateSchema)
        @blp.alt_response(409, description="The window's state forbids this (§4.6.6)")
        def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
            r2, actor = service().round2, current_actor()
            if name == "open":
                r2.open_window(year, actor=actor, reason=body["reason"])
            elif name == "close":
                r2.close_window(year, actor=actor, reason=body["reason"])
            elif name == "extend":
                r2.extend_window(year, body["closes_at"], actor=actor, reason=body["reason"])
            else:
                r2.publish_interim(year, actor=actor, reason=body["reason"])
            return window_state(year)

    Command.post.__doc__ = doc
    Command.__name__ = f"Window{name.title()}"
    return Command


blp.route("/<int:year>/window/open")(_window_command("open", "Open the vote window now (with a reason)"))
blp.route("/<int:year>/window/close")(_window_command("close", "Close the vote window now (with a reason)"))
blp.route("/<int:year>/window/extend")(_window_command("extend", "Move the closing time later (with a reason)"))
blp.route("/<int:year>/window/interim")(_window_command("interim", "Publish an interim vote result (D10)"))


@blp.route("/<int:year>/ballots/<string:seat>")
class BallotView(MethodView):
    @require(JUROR)
    @blp.arguments(BallotSchema)
    @blp.response(200, BallotOutSchema)
    @blp.alt_response(409, description="A ballot rule is broken (§4.6.4, D8) or round 2 is not open")
    def put(self, body: dict[str, Any], year: int, seat: str) -> dict[str, Any]:
        """Cast or replace the seat's ballot: 5,4,3,2,1 to five, 0 with a justification to the rest (§4.6.4, D8)"""
        ballot = service().round2.cast_ballot(year, seat, body["points"], body["justifications"],
                                              cast_by=body["cast_by"], actor=current_actor())
        return {"seat": seat, "points": ballot.points, "justifications": ballot.justifications,
                "cast_by": ballot.cast_by, "casts": ballot.casts}


@blp.route("/<int:year>/standings")
class Standings(MethodView):
    @require(*INSIDERS)
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, StandingsSchema)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Jury points with each seat's ballot, the vote and the finalists as things stand. The vote as the reader
        sees it (D10): live for the secretariat; for the jury and auditors, while the window is open, the last
        interim result as counted then, or left out (`votes` null, and the finalists that hang on it)"""
        history = service().history
        state = history.state(query["as_of"])
        access = state.contest(year).vote_tallies_access(current_actor().role, service().clock.now())
        votes = history.state(str(access.through)) if access.snapshot else None
        return service().round2.standings(year, state, votes=votes, votes_view=access.kind)


@blp.route("/<int:year>/comments")
class Comments(MethodView):
    @require(*INSIDERS)
    @blp.response(200, CommentSchema(many=True))
    def get(self, year: int) -> list[dict[str, Any]]:
        """Residents' comments for the jury (§4.6.3); never public"""
        service().contest(year)
        return vote_comments(service(), year)


@blp.route("/<int:year>/decisions")
class Decisions(MethodView):
    @require(SECRETARIAT)
    @blp.arguments(DecisionSchema)
    @blp.response(201, DecisionsSchema)
    @blp.alt_response(409, description="No majority, no justification, or the wrong round (§3.2.4)")
    def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Record the jury's decision on a tie (simple majority, §3.2.4; D11-D13)"""
        contest = service().round2.record_decision(year, body, actor=current_actor())
        return {"decisions": contest.decisions}


@blp.route("/<int:year>/round2/close")
class CloseRound2(MethodView):
    @require(SECRETARIAT)
    @blp.response(200, FinalistsSchema)
    @blp.alt_response(409, description="The vote is open, no quorum of ballots (D9), or an open tie (D11)")
    def post(self, year: int) -> dict[str, Any]:
        """Close round 2: record the five finalists (§4.6.7) and open round 3"""
        outcome = service().round2.close(year, actor=current_actor())
        return {"year": year, "finalists": [f.to_dict() for f in outcome.finalists], "outcome": outcome.to_dict()}


@blp.route("/<int:year>/finalists")
class Finalists(MethodView):
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, FinalistsSchema)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """The five finalists as recorded when round 2 closed (§4.6.7)"""
        contest = service().history.state(query["as_of"]).contest(year)
        if contest.round2 is None:
            raise RuleViolation("the finalists are named when round 2 closes", clause="§4.6.7",
                                stage=contest.stage)
        return {"year": year, "finalists": contest.round2["finalists"], "outcome": contest.round2["outcome"]}


@blp.route("/<int:year>/votes/board")
class Board(MethodView):
    @blp.arguments(BoardQuerySchema, location="query")
    @blp.response(200, BoardSchema)
    @blp.alt_response(409, description="The window has not closed yet (D10)")
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Every counted vote as (receipt, municipality, rating), by receipt, a page at a time (D10)"""
        rows = service().round2.board(year)
        held = service().round2.quarantined_receipts(year)
        start = bisect.bisect_right(rows, (query["after"], "\uffff", 99)) if query["after"] else 0
        page = rows[start:start + query["limit"]]
        more = start + len(page) < len(rows)
        return {"total": len(rows), "votes": [{"receipt": r, "municipality": m, "rating": g, "quarantined": r in held}
                                              for r, m, g in page],
                "next_after": page[-1][0] if page and more else None}


@blp.route("/<int:year>/votes/board.csv")
class BoardCsv(MethodView):
    @blp.response(200, content_type="text/csv", description="receipt,municipality,rating,quarantined for every "
                                                             "vote; quarantined 1: kept, not counted (§4.6.7)")
    def get(self, year: int) -> Response:
        """The whole vote board as CSV, for re-tallying (D10): the rows with quarantined 0 are the counted vote"""
        rows = service().round2.board(year)
        held = service().round2.quarantined_receipts(year)
        text = "receipt,municipality,rating,quarantined\n" + "".join(f"{r},{m},{g},{int(r in held)}\n"
                                                                      for r, m, g in rows)
        return Response(text, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="vote-board-{year}.csv"'})


@blp.route("/<int:year>/votes/board/<string:receipt>")
class BoardReceipt(MethodView):
    @blp.response(200, BoardEntrySchema)
    def get(self, year: int, receipt: str) -> dict[str, Any]:
        """Find your vote on the board by its receipt (and whether it is in quarantine); a personal code typed
        here is refused, 422 naming `receipt` (D10)"""
        check_receipt_lookup(receipt)
        rows = service().round2.board(year)
        i = bisect.bisect_left(rows, (receipt.upper(), "", 0))
        if i < len(rows) and rows[i][0] == receipt.upper():
            return {"receipt": rows[i][0], "municipality": rows[i][1], "rating": rows[i][2],
                    "quarantined": rows[i][0] in service().round2.quarantined_receipts(year)}
        raise NotFound("vote with receipt", receipt)


# ----- suspicious clusters and quarantine (§4.6.6, D10): nothing is deleted -----


@blp.route("/<int:year>/votes/clusters")
class VoteClusters(MethodView):
    @require(SECRETARIAT, AUDITOR)
    @blp.arguments(ClustersQuerySchema, location="query")
    @blp.response(200, ClustersSchema)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """Suspicious clusters: at least min_votes votes from one client network within window seconds"""
        return service().round2.vote_clusters(year, window_seconds=query["window"], min_votes=query["min_votes"])


def _review_command(name: str, doc: str) -> type[MethodView]:
    class Command(MethodView):
        @require(SECRETARIAT)
        @blp.arguments(QuarantineSchema)
        @blp.response(200, QuarantineOutSchema)
        @blp.alt_response(409, description="Round 2 has closed: the finalists are fixed (§4.6.7, D11), or the "
                                           "contest is sealed (D14)")
        def post(self, body: dict[str, Any], year: int) -> dict[str, Any]:
            r2 = service().round2
            command = r2.quarantine_votes if name == "quarantine" else r2.reinstate_votes
            votes = [str(v) for v in body["votes"]] if body["votes"] is not None else None
            return command(year, reason=body["reason"], actor=current_actor(), votes=votes, cluster=body["cluster"],
                           start=body["from_"], end=body["to"])

    Command.post.__doc__ = doc
    Command.__name__ = f"Votes{name.title()}"
    return Command


class VotesQuarantine(_review_command(
        "quarantine", "Quarantine votes with a reason: kept, not counted (one event; idempotent)")):
    @require(SECRETARIAT, AUDITOR)
    @blp.response(200, QuarantineLogSchema)
    def get(self, year: int) -> dict[str, Any]:
        """List the quarantine decisions in order, and the current set's size (§4.6.6, D10)

        Every VotesQuarantined and VotesReinstated event: its votes (count and ids), reason, selection (a reported
        cluster: network key, from, to), actor and time; folded by the read model (§4.6.7, D11)."""
        return service().round2.quarantine_log(year)


blp.route("/<int:year>/votes/quarantine")(VotesQuarantine)
blp.route("/<int:year>/votes/reinstate")(_review_command(
    "reinstate", "Reinstate votes in quarantine with a reason (one event; idempotent)"))
