"""Marshmallow schemas of the HTTP API: request bodies are checked here (422 per field) before the domain
checks the rules (409). Unknown fields are refused (marshmallow's RAISE)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from domain.actors import TOKEN_ROLES
from domain.config import RULE_LIMITS
from domain.identity import LEVELS as IDENTITY_LEVELS

NAME = validate.Length(min=1, max=300)
REASON = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000),
                          metadata={"description": "Why the change is made (recorded in the event)"})
SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,39}$", error="must be 1-40 lowercase letters, digits or '-'")
ISO = validate.Regexp(r"^LV-[A-Z0-9]{2,3}$", error="must be an ISO 3166-2 code such as LV-RIX")


class MunicipalitySchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ISO)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = ma.fields.String(required=True, validate=validate.OneOf(["valstspilsēta", "novads"]))


class JurySeatSchema(ma.Schema):
    id = ma.fields.String(required=True, validate=SLUG)
    organisation = ma.fields.String(required=True, validate=NAME)
    person = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    voting = ma.fields.Boolean(load_default=True)
    chair = ma.fields.Boolean(load_default=False)
    substitutes = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=120)),
                                 load_default=list, validate=validate.Length(max=10))


class PrizeSchema(ma.Schema):
    id = ma.fields.String(required=True, validate=SLUG)
    name = ma.fields.String(required=True, validate=NAME)
    amount_eur = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000))
    kind = ma.fields.String(required=True, validate=validate.OneOf(["main", "theme", "supporter"]))
    sponsor = ma.fields.String(load_default=None, allow_none=True, validate=NAME)


class PrizesSchema(ma.Schema):
    fund_eur = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100_000_000))
    prizes = ma.fields.List(ma.fields.Nested(PrizeSchema), required=True, validate=validate.Length(min=2, max=50))


class ThemeSchema(ma.Schema):
    title_lv = ma.fields.String(required=True, validate=NAME)
    title_en = ma.fields.String(required=True, validate=NAME)


class WindowSchema(ma.Schema):
    opens_at = ma.fields.AwareDateTime(required=True, format="iso",
                                       metadata={"description": "UTC instant (ISO 8601 with offset)"})
    closes_at = ma.fields.AwareDateTime(required=True, format="iso")
    timezone = ma.fields.String(load_default="Europe/Riga", validate=validate.OneOf(["Europe/Riga"]))


class WindowOutSchema(ma.Schema):
    opens_at = ma.fields.String(metadata={"description": "UTC instant, ISO 8601 (Z)"})
    closes_at = ma.fields.String(metadata={"description": "UTC instant, ISO 8601 (Z)"})
    timezone = ma.fields.String()
    opens_local = ma.fields.String(metadata={"description": "opening in the contest's time zone"})
    closes_local = ma.fields.String()


def _rules_fields() -> dict[str, ma.fields.Field]:
    fields: dict[str, ma.fields.Field] = {}
    for key, (lo, hi) in RULE_LIMITS.items():
        fields[key] = ma.fields.Integer(strict=True, validate=validate.Range(min=lo, max=hi))
    fields["vote_eligible"] = ma.fields.String(validate=validate.OneOf(["all", "round2"]))
    fields["vote_identity"] = ma.fields.String(validate=validate.OneOf(list(IDENTITY_LEVELS)))
    return fields


RulesSchema = ma.Schema.from_dict(_rules_fields(), name="RulesSchema")


class ThemeChangeSchema(ThemeSchema):
    reason = REASON


class PrizesChangeSchema(PrizesSchema):
    reason = REASON


class WindowChangeSchema(WindowSchema):
    reason = REASON


class RulesChangeSchema(ma.Schema):
    rules = ma.fields.Nested(RulesSchema, required=True)
    reason = REASON


class MunicipalitiesChangeSchema(ma.Schema):
    municipalities = ma.fields.List(ma.fields.Nested(MunicipalitySchema), required=True,
                                    validate=validate.Length(min=2, max=200))
    reason = REASON


class SeatChangeSchema(ma.Schema):
    organisation = ma.fields.String(required=True, validate=NAME)
    person = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    voting = ma.fields.Boolean(load_default=True)
    chair = ma.fields.Boolean(load_default=False)
    substitutes = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=120)),
                                 load_default=list, validate=validate.Length(max=10))
    reason = REASON


class ReasonQuerySchema(ma.Schema):
    reason = REASON


class JurySchema(ma.Schema):
    chair = ma.fields.String()
    quorum = ma.fields.Integer()
    voting_seats = ma.fields.Integer()
    seats = ma.fields.List(ma.fields.Nested(JurySeatSchema))


class ContestSummarySchema(ma.Schema):
    year = ma.fields.Integer()
    title = ma.fields.String()
    stage = ma.fields.String(metadata={"description": "setup, round1, round2, round3, finished or sealed"})
    stage_changed_at = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    theme = ma.fields.Nested(ThemeSchema)
    window = ma.fields.Nested(WindowOutSchema)
    municipalities = ma.fields.Integer(metadata={"description": "number of participants (§3.3)"})
    jury_seats = ma.fields.Integer()
    version = ma.fields.Integer(metadata={"description": "the contest aggregate's version"})
    unconfirmed = ma.fields.List(ma.fields.String(), metadata={
        "description": "parts still to be confirmed before round 1 opens: theme (§4.3), prizes (§6)"})
    carried_from = ma.fields.Integer(allow_none=True, metadata={
        "description": "the earlier contest this one was carried forward from, if any"})


class ContestCreateSchema(ma.Schema):
    """Next year's contest, carried forward from an earlier one in the store."""

    year = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100),
                             metadata={"description": "the new contest's year, after `from`"})
    source = ma.fields.Integer(required=True, strict=True, data_key="from",
                               validate=validate.Range(min=2000, max=2100),
                               metadata={"description": "the contest whose recorded configuration carries forward"})


ISO_DAY = validate.Regexp(r"^\d{4}-\d{2}-\d{2}$", error="must be a date, YYYY-MM-DD")


class CalendarSchema(ma.Schema):
    """The working-day calendar as recorded (§4.7.2, D17); the domain checks the days against the span."""

    country = ma.fields.String(required=True, validate=validate.OneOf(["LV"]))
    source = ma.fields.String(required=True, validate=NAME,
                              metadata={"description": "where the calendar comes from, e.g. 'holidays 0.109'"})
    first_day = ma.fields.Date(required=True, metadata={"description": "the first day covered"})
    last_day = ma.fields.Date(required=True, metadata={"description": "the last day covered"})
    days_off = ma.fields.Dict(
        keys=ma.fields.String(validate=ISO_DAY), values=ma.fields.String(validate=NAME), required=True,
        validate=validate.Length(max=4000),
        metadata={"description": "every Monday-Friday of the span that is not a working day -> its name"})
    working_days = ma.fields.List(
        ma.fields.Date(), required=True, validate=validate.Length(max=4000),
        metadata={"description": "every Saturday or Sunday of the span declared a working day"})


class CalendarChangeSchema(ma.Schema):
    calendar = ma.fields.Nested(CalendarSchema, required=True)
    reason = REASON


class CalendarOutSchema(ma.Schema):
    country = ma.fields.String()
    source = ma.fields.String()
    first_day = ma.fields.String()
    last_day = ma.fields.String()
    days_off = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    working_days = ma.fields.List(ma.fields.String())


class CalendarViewSchema(ma.Schema):
    year = ma.fields.Integer()
    calendar = ma.fields.Nested(CalendarOutSchema, allow_none=True,
                                metadata={"description": "the recorded calendar (D17); null if none is recorded"})


class CalendarSummarySchema(ma.Schema):
    country = ma.fields.String()
    source = ma.fields.String()
    first_day = ma.fields.String()
    last_day = ma.fields.String()
    days_off = ma.fields.Integer(metadata={"description": "how many days off the calendar lists"})
    working_days = ma.fields.Integer(metadata={"description": "how many weekend working days it lists"})


class CheckpointSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "round1_closed, interim_result, window_closed, round2_closed, "
                                                     "round3_closed or approval"})
    through = ma.fields.Integer(metadata={"description": "the last position of the history the checkpoint covers"})
    digest = ma.fields.String(metadata={"description": "the audit hash chain after the last event at or before "
                                                       "`through` (docs/AUDIT.md)"})
    at = ma.fields.String(metadata={"description": "when it was published, ISO 8601 UTC"})


class CheckpointsSchema(ma.Schema):
    format = ma.fields.String(metadata={"description": "contest-checkpoints-v1"})
    year = ma.fields.Integer()
    checkpoints = ma.fields.List(ma.fields.Nested(CheckpointSchema),
                                 metadata={"description": "in the order recorded"})


class ConfigSchema(ma.Schema):
    year = ma.fields.Integer()
    title = ma.fields.String()
    stage = ma.fields.String()
    theme = ma.fields.Nested(ThemeSchema)
    prizes = ma.fields.Nested(PrizesSchema)
    window = ma.fields.Nested(WindowOutSchema)
    rules = ma.fields.Nested(RulesSchema)
    scoring = ma.fields.Dict()
    municipalities = ma.fields.List(ma.fields.Nested(MunicipalitySchema))
    jury = ma.fields.List(ma.fields.Nested(JurySeatSchema))
    calendar = ma.fields.Nested(CalendarSummarySchema, allow_none=True,
                                metadata={"description": "the recorded working-day calendar (§4.7.2, D17)"})
    unconfirmed = ma.fields.List(ma.fields.String(), metadata={
        "description": "parts still to be confirmed before round 1 opens: theme (§4.3), prizes (§6)"})
    origin = ma.fields.Dict(allow_none=True, metadata={
        "description": "for a contest carried forward: from_year, window_rule, roster_day (§3.3, §4.6.6)"})


class TokenRequestSchema(ma.Schema):
    role = ma.fields.String(required=True, validate=validate.OneOf(TOKEN_ROLES))
    name = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=80))
    seat = ma.fields.String(load_default=None, validate=SLUG)
    municipality = ma.fields.String(load_default=None, validate=ISO)
    year = ma.fields.Integer(load_default=None, strict=True, validate=validate.Range(min=2000, max=2100))


class TokenSchema(ma.Schema):
    token = ma.fields.String(metadata={"description": "shown once; only its hash is stored"})
    token_id = ma.fields.String()
    role = ma.fields.String()
    principal = ma.fields.String()
    seat = ma.fields.String(allow_none=True)
    municipality = ma.fields.String(allow_none=True)
    contest_year = ma.fields.Integer(allow_none=True)


class WhoAmISchema(ma.Schema):
    role = ma.fields.String()
    principal = ma.fields.String()
    seat = ma.fields.String(allow_none=True)
    municipality = ma.fields.String(allow_none=True)


class ProjectionsHealthSchema(ma.Schema):
    position = ma.fields.Integer(metadata={"description": "the position this worker's read models reflect"})
    lag = ma.fields.Integer()
    snapshot_position = ma.fields.Integer(metadata={"description": "the persisted read models' position"})
    snapshot_lag = ma.fields.Integer()


class ReplicaHealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok, down, or not_a_replica (the read store is not in "
                                                       "recovery)"})
    lag_bytes = ma.fields.Integer(allow_none=True, metadata={
        "description": "WAL bytes the primary has flushed and the replica has not replayed; null while the primary "
                       "does not answer"})
    lag_seconds = ma.fields.Float(allow_none=True, metadata={
        "description": "0 when the replica has replayed everything, else the age of the last transaction it "
                       "replayed; null while the primary does not answer"})


class ReplicaDetailsSchema(ReplicaHealthSchema):
    primary_lsn = ma.fields.String(allow_none=True)
    replay_lsn = ma.fields.String(allow_none=True)
    receive_lsn = ma.fields.String(allow_none=True)
    last_replayed_at = ma.fields.DateTime(allow_none=True)
    events = ma.fields.Integer(allow_none=True, metadata={"description": "the replica's last position"})
    events_lag = ma.fields.Integer(allow_none=True, metadata={"description": "positions behind the primary"})


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok (a 503 error when the store does not answer); with a "
                                                       "read replica also degraded, while one of the two does not"})
    primary = ma.fields.String(metadata={"description": "with a read replica: ok or down"})
    replica = ma.fields.Nested(ReplicaHealthSchema, metadata={"description": "with a read replica"})


class HealthDetailsSchema(ma.Schema):
    status = ma.fields.String()
    store = ma.fields.String()
    events = ma.fields.Integer()
    primary = ma.fields.String(metadata={"description": "with a read replica: ok or down"})
    replica = ma.fields.Nested(ReplicaDetailsSchema, metadata={"description": "with a read replica"})
    projections = ma.fields.Nested(ProjectionsHealthSchema)


class AsOfSchema(ma.Schema):
    as_of = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=40),
                             metadata={"description": "answer as the contest stood then: a position in the history "
                                                      "or an ISO 8601 time (e.g. 2024-09-15T21:00:00Z)"})
