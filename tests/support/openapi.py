"""The OpenAPI document's path parameters filled in with values every role's tests can use (the access table walks
every operation with them; the bad-input tests send malformed bodies to the same URLs)."""

from __future__ import annotations

PARAMS = {"year": "2024", "code": "LV-RIX", "seat": "lm", "seat_id": "lm", "token_id": "tok-000000000000",
          "request_id": "r1", "receipt": "XXXX-XXXX-XXXX"}
