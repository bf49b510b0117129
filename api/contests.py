"""The contest, its configuration, the municipalities and the jury: public reads, secretariat changes."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask.views import MethodView

from api.auth import current_actor, require
from api.parsing import Blueprint
from api.schemas import (
    AsOfSchema,
    CalendarChangeSchema,
    CalendarViewSchema,
    CheckpointsSchema,
    ConfigSchema,
    ContestCreateSchema,
    ContestSummarySchema,
    JurySchema,
    JurySeatSchema,
    MunicipalitiesChangeSchema,
    MunicipalitySchema,
    PrizesChangeSchema,
    ReasonQuerySchema,
    RulesChangeSchema,
    SeatChangeSchema,
    ThemeChangeSchema,
    WindowChangeSchema,
)
from contest.checkpoints import checkpoints_document
from contest.service import ContestService
from domain.actors import SECRETARIAT
from domain.config import VotingWindow, instant_str
from domain.contest import Contest

blp = Blueprint("contests", __name__, url_prefix="/api/contests",
                description="The contest, its configuration (§3, §4, §6-7), the municipalities and the jury")

CONFLICT = {"description": "A rule or the contest's state forbids this (names the clause)"}


def service() -> ContestService:
    return current_app.extensions["contest.service"]


def window_out(window: VotingWindow) -> dict[str, Any]:
    tz = ZoneInfo(window.timezone)
    return {
        **window.to_dict(),
        "opens_local": window.opens_at.astimezone(tz).isoformat(),
        "closes_local": window.closes_at.astimezone(tz).isoformat(),
    }


def summary(contest: Contest) -> dict[str, Any]:
    return {
        "year": contest.year,
        "title": contest.title,
        "stage": contest.stage,
        "stage_changed_at": {k: instant_str(v) for k, v in contest.stage_changed_at.items()},
        "theme": contest.theme.to_dict(),
        "window": window_out(contest.window),
        "municipalities": len(contest.municipalities),
        "jury_seats": len(contest.jury),
        "version": contest.version,
        "unconfirmed": list(contest.unconfirmed),
        "carried_from": contest.origin["from_year"] if contest.origin else None,
    }


def config(contest: Contest) -> dict[str, Any]:
    data = contest.configuration()
    data["window"] = window_out(contest.window)
    return data


@blp.route("")
class Contests(MethodView):
    @blp.response(200, ContestSummarySchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The contests held in this store"""
        svc = service()
        return [summary(svc.contest(year)) for year in svc.years()]

    @require(SECRETARIAT)
    @blp.arguments(ContestCreateSchema)
    @blp.response(201, ContestSummarySchema)
    @blp.alt_response(404, description="There is no contest `from` in this store")
    @blp.alt_response(409, description="The `year` contest exists already (§4.1)")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create next year's contest from an earlier one's recorded configuration: its jury, rules, scoring and
        questionnaire, the vote window by the same calendar rule (§4.6.6), the municipalities of the new year
        (§3.3), the theme (§4.3) and prizes (§6) to be confirmed, and a new working-day calendar (D17); 422
        unless `year` is after `from`"""
        return summary(service().carry_forward(body["year"], body["source"], actor=current_actor()))


@blp.route("/<int:year>")
class ContestView(MethodView):
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, ContestSummarySchema)
    def get(self, query: dict[str, Any], year: int) -> dict[str, Any]:
        """A contest's state: stage, theme, window (as of a past position or time with `as_of`)"""
        return summary(service().history.state(query["as_of"]).contest(year))


@blp.route("/<int:year>/config")
class ConfigView(MethodView):
    @blp.response(200, ConfigSchema)
    def get(self, year: int) -> dict[str, Any]:
        """The whole configuration the contest's results are computed under"""
        return config(service().contest(year))


@blp.route("/<int:year>/calendar")
class CalendarView(MethodView):
    @blp.response(200, CalendarViewSchema)
    def get(self, year: int) -> dict[str, Any]:
        """The working-day calendar recorded with the contest (§4.7.2, D17): every notice is decided by it"""
        return {"year": year, "calendar": service().calendar(year)}

    @require(SECRETARIAT)
    @blp.arguments(CalendarChangeSchema)
    @blp.response(200, CalendarViewSchema)
    @blp.alt_response(409, description=CONFLICT["description"])
    def put(self, body: dict[str, Any], year: int) -> dict[str, Any]:
        """Replace the recorded working-day calendar (§4.7.2, D17), with a reason; refused once round 3 has started"""
        value = dict(body["calendar"])
        value["first_day"] = value["first_day"].isoformat()
        value["last_day"] = value["last_day"].isoformat()
        value["working_days"] = [d.isoformat() for d in value["working_days"]]
        contest = service().set_calendar(year, value, reason=body["reason"], actor=current_actor())
        return {"year": year, "calendar": contest.calendar.to_dict() if contest.calendar else None}


@blp.route("/<int:year>/checkpoints")
class Checkpoints(MethodView):
    @blp.response(200, CheckpointsSchema)
    def get(self, year: int) -> dict[str, Any]:
        """The published checkpoints (D16): each round's close, each interim result, the window's close and the
        approval, with the position and digest of the history it covers; public, keep a copy and check an export
        against it with `contest audit verify FILE --checkpoints` (docs/AUDIT.md)"""
        return checkpoints_document(service().contest(year))


@blp.route("/<int:year>/municipalities")
class Municipalities(MethodView):
    @blp.response(200, MunicipalitySchema(many=True))
    def get(self, year: int) -> list[dict[str, Any]]:
        """The participants (§3.3): every municipality, whether or not it sent data"""
        return [m.to_dict() for m in service().contest(year).municipalities]

    @require(SECRETARIAT)
    @blp.arguments(MunicipalitiesChangeSchema)
    @blp.response(200, MunicipalitySchema(many=True))
    @blp.alt_response(409, description=CONFLICT["description"])
    def put(self, body: dict[str, Any], year: int) -> list[dict[str, Any]]:
        """Replace the participant list (§3.3); refused once round 1 has started"""
        contest = service().configure(year, "municipalities", body["municipalities"], reason=body["reason"],
                                      actor=current_actor())
        return [m.to_dict() for m in contest.municipalities]


@blp.route("/<int:year>/municipalities/<municipality:code>")
class MunicipalityView(MethodView):
    @blp.response(200, MunicipalitySchema)
    def get(self, year: int, code: str) -> dict[str, Any]:
        """One participant"""
        return service().contest(year).municipality(code).to_dict()


def jury(contest: Contest) -> dict[str, Any]:
    return {
        "chair": contest.chair.id,
        "quorum": contest.rules.quorum,
        "voting_seats": len(contest.voting_seats),
        "seats": [s.to_dict() for s in contest.jury],
    }


@blp.route("/<int:year>/jury")
class Jury(MethodView):
    @blp.response(200, JurySchema)
    def get(self, year: int) -> dict[str, Any]:
        """The jury (§3.2): seats, organisations, persons, voting flags, chair, substitutes (D1)"""
        return jury(service().contest(year))


@blp.route("/<int:year>/jury/<string:seat_id>")
class JurySeatView(MethodView):
    @blp.response(200, JurySeatSchema)
    def get(self, year: int, seat_id: str) -> dict[str, Any]:
        """One seat"""
        return service().contest(year).seat(seat_id).to_dict()

    @require(SECRETARIAT)
    @blp.arguments(SeatChangeSchema)
    @blp.response(200, JurySchema)
    @blp.alt_response(409, description=CONFLICT["description"])
    def put(self, body: dict[str, Any], year: int, seat_id: str) -> dict[str, Any]:
        """Add or replace a seat (§3.2.1, D1); refused once round 2 has started"""
        reason = body.pop("reason")
        contest = service().set_jury_seat(year, {**body, "id": seat_id}, reason=reason, actor=current_actor())
        return jury(contest)

    @require(SECRETARIAT)
    @blp.arguments(ReasonQuerySchema, location="query")
    @blp.response(200, JurySchema)
    @blp.alt_response(409, description=CONFLICT["description"])
    def delete(self, query: dict[str, Any], year: int, seat_id: str) -> dict[str, Any]:
        """Remove a seat; refused once round 2 has started or if the roster would break (§3.2.2-3)"""
        return jury(service().remove_jury_seat(year, seat_id, reason=query["reason"], actor=current_actor()))


def _config_change(part: str, schema: type, doc: str) -> type[MethodView]:
    class Change(MethodView):
        @require(SECRETARIAT)
        @blp.arguments(schema)
        @blp.response(200, ConfigSchema)
        @blp.alt_response(409, description=CONFLICT["description"])
        def put(self, body: dict[str, Any], year: int) -> dict[str, Any]:
            reason = body.pop("reason")
            value = body["rules"] if part == "rules" else body
            if part == "window":
                value = {**value, "opens_at": instant_str(value["opens_at"]),
                         "closes_at": instant_str(value["closes_at"])}
            return config(service().configure(year, part, value, reason=reason, actor=current_actor()))

    Change.put.__doc__ = doc
    Change.__name__ = f"{part.title()}Change"
    return Change


blp.route("/<int:year>/theme")(_config_change(
    "theme", ThemeChangeSchema, "Set the annual theme (§4.3); refused once round 1 has started"))
blp.route("/<int:year>/prizes")(_config_change(
    "prizes", PrizesChangeSchema, "Set the prize fund and prizes (§6-§7.3); refused once sealed (D14)"))
blp.route("/<int:year>/window")(_config_change(
    "window", WindowChangeSchema, "Set the residents' vote window as UTC instants (§4.6.6); before round 2"))
blp.route("/<int:year>/rules")(_config_change(
    "rules", RulesChangeSchema, "Change rule numbers (quorum, cut size, …); each freezes with its round"))


@blp.route("/<int:year>/round1/open")
class OpenRound1(MethodView):
    @require(SECRETARIAT)
    @blp.response(200, ContestSummarySchema)
    @blp.alt_response(409, description=CONFLICT["description"])
    def post(self, year: int) -> dict[str, Any]:
        """Open round 1 (§4.2): from now the participants, scoring and theme are fixed"""
        return summary(service().open_round1(year, actor=current_actor()))
