"""Round 2's request and response schemas (marshmallow, §4.6): the residents' vote and its window, jury ballots,
standings, decisions, finalists, the vote board, and the suspicious clusters and the quarantine (§4.6.6, D10).

The routes are api/round2.py's; the OpenAPI document names each schema by its class (or `name=`).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from api.schemas import REASON, WindowOutSchema
from contest.round2 import CLUSTER_MIN_VOTES, CLUSTER_WINDOW_SECONDS


class VoteSchema(ma.Schema):
    personal_code = ma.fields.String(required=True, validate=validate.Length(min=1, max=20),
                                     metadata={"description": "DDMMYY-CNNNZ or 32…39 new form; only a keyed hash "
                                                              "is stored"})
    municipality = ma.fields.String(required=True, validate=validate.Length(min=1, max=10))
    rating = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10_000))


class ReceiptSchema(ma.Schema):
    receipt = ma.fields.String(metadata={"description": "find your vote on the public board with it"})
    municipality = ma.fields.String()
    rating = ma.fields.Integer()
    at = ma.fields.String()


class WindowStateSchema(WindowOutSchema):
    status = ma.fields.String(metadata={"description": "scheduled, open or closed"})
    accepting = ma.fields.Boolean()
    interim_published_at = ma.fields.DateTime(allow_none=True)


class ReasonSchema(ma.Schema):
    reason = REASON


class ExtendSchema(ma.Schema):
    closes_at = ma.fields.AwareDateTime(required=True, format="iso")
    reason = REASON


class BallotSchema(ma.Schema):
    points = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(max=10)),
                            values=ma.fields.Integer(strict=True), required=True,
                            validate=validate.Length(min=1, max=100),
                            metadata={"description": "municipality -> 5, 4, 3, 2, 1 (each once) or 0 (D8)"})
    justifications = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(max=10)),
                                    values=ma.fields.String(validate=validate.Length(max=5000)),
                                    load_default=dict, validate=validate.Length(max=100),
                                    metadata={"description": "required for each 0 (§4.6.4)"})
    cast_by = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=120),
                               metadata={"description": "'member' (default) or the substitute's name (D1)"})


class BallotOutSchema(ma.Schema):
    seat = ma.fields.String()
    points = ma.fields.Dict()
    justifications = ma.fields.Dict()
    cast_by = ma.fields.String()
    casts = ma.fields.Integer(metadata={"description": "how many times the seat has cast (the last counts)"})


class DecisionSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(
        ["jury_4th_place", "jury_5th_place", "residents_choice", "winner", "theme_prize"]))
    tied = ma.fields.List(ma.fields.String(), required=True, validate=validate.Length(min=2, max=50))
    chosen = ma.fields.List(ma.fields.String(), required=True, validate=validate.Length(min=1, max=50))
    text = ma.fields.String(required=True, validate=validate.Length(max=20_000))
    votes_for = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100))
    votes_total = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))


class VoteResultsSchema(ma.Schema):
    total = ma.fields.Integer(metadata={"description": "counted votes: every vote but those in quarantine"})
    quarantined = ma.fields.Integer(metadata={"description": "votes in quarantine (kept, not counted)"})
    total_all = ma.fields.Integer(metadata={"description": "every vote cast, in quarantine or not"})
    final = ma.fields.Boolean()
    interim_published_at = ma.fields.DateTime(allow_none=True)
    included_through = ma.fields.Integer(metadata={
        "description": "for the public while the vote is open: the position of the interim result shown, the tally "
                       "as counted then (D10, D16); absent for the live and the final tally"})
    municipalities = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "per municipality: count, average, distribution of the counted votes (the official tally, "
                       "§4.6.7); quarantined; all: the same numbers with the votes in quarantine"})


class StandingsSchema(ma.Schema):
    year = ma.fields.Integer()
    stage = ma.fields.String()
    position = ma.fields.Integer()
    round2 = ma.fields.List(ma.fields.String())
    jury_points = ma.fields.Dict()
    ballots = ma.fields.Dict()
    missing_ballots = ma.fields.List(ma.fields.String())
    quorum = ma.fields.Integer()
    votes = ma.fields.Nested(VoteResultsSchema, allow_none=True, metadata={
        "description": "the vote as the reader sees it (D10): null for the jury and auditors while the window is "
                       "open and no interim result is published"})
    votes_view = ma.fields.String(metadata={
        "description": "live (the secretariat), final (the window closed), interim (the last interim result, as "
                       "counted then) or refused (left out, with the finalists that hang on it)"})
    window = ma.fields.Dict()
    outcome = ma.fields.Dict(allow_none=True)
    decisions = ma.fields.List(ma.fields.Dict())


class FinalistsSchema(ma.Schema):
    year = ma.fields.Integer()
    finalists = ma.fields.List(ma.fields.Dict())
    outcome = ma.fields.Dict()


class CommentSchema(ma.Schema):
    municipality = ma.fields.String()
    rating = ma.fields.Integer()
    comment = ma.fields.String()
    at = ma.fields.DateTime()


class BoardQuerySchema(ma.Schema):
    after = ma.fields.String(load_default="", validate=validate.Length(max=20),
                             metadata={"description": "the last receipt of the previous page"})
    limit = ma.fields.Integer(load_default=1000, validate=validate.Range(min=1, max=10_000))


class BoardSchema(ma.Schema):
    total = ma.fields.Integer()
    votes = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "[{receipt, municipality, rating, quarantined}]: a vote in quarantine is kept, not counted"})
    next_after = ma.fields.String(allow_none=True)


DecisionsSchema = ma.Schema.from_dict({"decisions": ma.fields.List(ma.fields.Dict())}, name="Decisions")


BoardEntrySchema = ma.Schema.from_dict({"receipt": ma.fields.String(), "municipality": ma.fields.String(),
                                        "rating": ma.fields.Integer(), "quarantined": ma.fields.Boolean()},
                                       name="BoardEntry")


# ----- suspicious clusters and quarantine (§4.6.6, D10): nothing is deleted -----

NETWORK_KEY = validate.Regexp(r"^[0-9a-f]{16}$", error="must be a network key as the clusters report gives it")


class ClustersQuerySchema(ma.Schema):
    window = ma.fields.Integer(load_default=CLUSTER_WINDOW_SECONDS, validate=validate.Range(min=1, max=31 * 86400),
                               metadata={"description": "the sliding window, in seconds"})
    min_votes = ma.fields.Integer(load_default=CLUSTER_MIN_VOTES, validate=validate.Range(min=2, max=10_000_000),
                                  metadata={"description": "the fewest votes from one network in a window"})


class ClusterSchema(ma.Schema):
    network = ma.fields.String(metadata={"description": "keyed hash of the client network (/24, /48), never the "
                                                        "address"})
    count = ma.fields.Integer()
    first_at = ma.fields.DateTime()
    last_at = ma.fields.DateTime()
    municipalities = ma.fields.Dict(metadata={"description": "municipality -> votes in the cluster"})
    ratings = ma.fields.Dict(metadata={"description": "rating -> votes in the cluster"})
    votes = ma.fields.List(ma.fields.String(), metadata={"description": "the votes' ids"})
    quarantined = ma.fields.Integer(metadata={"description": "how many of them are in quarantine"})


class ClustersSchema(ma.Schema):
    year = ma.fields.Integer()
    position = ma.fields.Integer()
    window_seconds = ma.fields.Integer()
    min_votes = ma.fields.Integer()
    clusters = ma.fields.List(ma.fields.Nested(ClusterSchema))


class QuarantineSchema(ma.Schema):
    votes = ma.fields.List(ma.fields.UUID(), load_default=None, validate=validate.Length(min=1, max=1_000_000),
                           metadata={"description": "the votes' ids (as the clusters report lists them)"})
    cluster = ma.fields.String(load_default=None, validate=NETWORK_KEY,
                               metadata={"description": "instead of votes: every vote from this network key"})
    from_ = ma.fields.AwareDateTime(load_default=None, format="iso", data_key="from",
                                    metadata={"description": "with cluster: from this instant"})
    to = ma.fields.AwareDateTime(load_default=None, format="iso",
                                 metadata={"description": "with cluster: up to this instant"})
    reason = REASON

    @ma.validates_schema
    def one_selection(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("votes") is None) == (data.get("cluster") is None):
            raise ma.ValidationError("name the votes or a cluster's network key (one of the two)", "votes")
        if data.get("cluster") is None and (data.get("from_") or data.get("to")):
            raise ma.ValidationError("from and to select within a cluster", "cluster")
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("must not be before from", "to")


class QuarantineOutSchema(ma.Schema):
    year = ma.fields.Integer()
    recorded = ma.fields.Boolean(metadata={"description": "false when nothing changed (nothing recorded)"})
    changed = ma.fields.List(ma.fields.String(), metadata={"description": "votes quarantined or reinstated now"})
    unchanged = ma.fields.List(ma.fields.String(), metadata={"description": "votes already in that state"})
    quarantined = ma.fields.Integer(metadata={"description": "votes in quarantine now"})


QuarantineSelectionSchema = ma.Schema.from_dict({
    "cluster": ma.fields.String(allow_none=True, metadata={"description": "the cluster's network key"}),
    "from": ma.fields.String(allow_none=True, metadata={"description": "from this instant (UTC), or none"}),
    "to": ma.fields.String(allow_none=True, metadata={"description": "up to this instant (UTC), or none"}),
}, name="QuarantineSelection")


class QuarantineDecisionSchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(["quarantine", "reinstate"]),
                            metadata={"description": "quarantine (VotesQuarantined) or reinstate (VotesReinstated)"})
    count = ma.fields.Integer(metadata={"description": "how many votes the decision changed"})
    votes = ma.fields.List(ma.fields.String(), metadata={"description": "the votes' ids"})
    reason = ma.fields.String()
    selection = ma.fields.Nested(QuarantineSelectionSchema, allow_none=True, metadata={
        "description": "the reported cluster the votes were selected by; null for votes named by id"})
    actor = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(),
                           metadata={"description": "role and principal id"})
    at = ma.fields.DateTime()
    position = ma.fields.Integer(metadata={"description": "the event's position in the store's global order"})
    held_now = ma.fields.Integer(metadata={"description": "how many of its votes are in quarantine now"})


class QuarantineLogSchema(ma.Schema):
    year = ma.fields.Integer()
    position = ma.fields.Integer()
    quarantined = ma.fields.Integer(metadata={"description": "votes in quarantine now (the current set's size)"})
    reviewable = ma.fields.Boolean(metadata={"description": "false once round 2 has closed (§4.6.7, D11) or the "
                                                           "contest is sealed (D14)"})
    decisions = ma.fields.List(ma.fields.Nested(QuarantineDecisionSchema),
                               metadata={"description": "every quarantine and reinstatement, in order"})
