"""The vote's lean path (api/vote_path.py) takes a body only when VoteSchema would take it as it is: for every body
it takes, the values cast are exactly the schema's load; every other body is left to the full path (webargs and
marshmallow), which refuses it as before."""

from __future__ import annotations

import json

import marshmallow as ma
import pytest

from api.round2_schemas import VoteSchema
from api.vote_path import plain_vote

TAKEN = [
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 4},
    {"personal_code": "32123456789", "municipality": "LV-011", "rating": 1, "comment": None},
    {"personal_code": "x" * 20, "municipality": "x" * 10, "rating": 5, "comment": "Labi bērnudārzi. " * 50},
    {"personal_code": "1", "municipality": "L", "rating": 3, "comment": ""},
]
LEFT = [
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": True},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 4.0},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": "4"},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 0},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 6},
    {"personal_code": "010190-12345", "municipality": "LV-RIX"},
    {"personal_code": "", "municipality": "LV-RIX", "rating": 4},
    {"personal_code": "x" * 21, "municipality": "LV-RIX", "rating": 4},
    {"personal_code": 10190, "municipality": "LV-RIX", "rating": 4},
    {"personal_code": "010190-12345", "municipality": "LV-RIX-LONGER", "rating": 4},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 4, "comment": "x" * 10_001},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 4, "comment": 7},
    {"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 4, "extra": 1},
    [1, 2, 3],
    "a vote",
]
RAW_LEFT = [b'{"personal_code": "010190-12345", "personal_code": "x", "municipality": "LV-RIX", "rating": 4}',
            b'{"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": NaN}',
            b'{"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": 4',
            b'{"personal_code": "010190-12345", "municipality": "LV-RIX", "rating": ' + b"1" * 101 + b"}",
            "{\"personal_code\": \"ā\", \"municipality\": \"LV-RIX\", \"rating\": 4}".encode("utf-16"),
            b"[" * 100_000]


@pytest.mark.parametrize("body", TAKEN)
def test_a_body_the_schema_takes_as_it_is_is_cast_with_the_schemas_values(body: dict[str, object]) -> None:
    assert plain_vote(json.dumps(body, ensure_ascii=False).encode()) == VoteSchema().load(body)


@pytest.mark.parametrize("body", LEFT)
def test_any_other_body_is_left_to_the_full_path(body: object) -> None:
    assert plain_vote(json.dumps(body).encode()) is None
    if isinstance(body, dict) and not isinstance(body.get("rating"), bool):
        with pytest.raises(ma.ValidationError):  # and the full path refuses it (422)
            VoteSchema().load(body)


@pytest.mark.parametrize("raw", RAW_LEFT)
def test_a_body_the_strict_decoder_refuses_is_left_to_the_full_path(raw: bytes) -> None:
    assert plain_vote(raw) is None
