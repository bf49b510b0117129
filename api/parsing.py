"""Reading request bodies defensively (bad input gets a clear 4xx, never a 500).

Malformed input is 422 naming the field "body" and what is wrong with it (webargs alone would say 400). Python's
decoder fails in more ways than a syntax error on hostile input: a number of thousands of digits (CPython refuses
ints over 4,300 digits; we refuse any number literal over 100 characters), nesting deep enough to exhaust the
recursion limit, and NaN / Infinity, which are not JSON (RFC 8259 §6) though Python accepts them; each is answered
like a syntax error, never a 500. An object that gives a key twice is 422 naming that key: Python's decoder would
silently keep the last value, so what a client meant is unclear (RFC 8259 §4: names "SHOULD be unique"). A body
sent with another content type to an endpoint that reads JSON is 415, naming the content type it needs.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import flask
import flask_smorest
from flask_smorest import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

MAX_NUMBER_CHARS = 100  # no amount, rating or count needs more; a longer literal is an attack on the decoder
MAX_KEY_CHARS = 100  # a duplicated key longer than this is named by its beginning


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__("a key given twice")
        self.key = key if len(key) <= MAX_KEY_CHARS else key[:MAX_KEY_CHARS] + "…"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members, refusing a key given more than once (never the last one silently)."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError("a number too long")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError("a number too long")
    return float(text)


def strict_loads(text: str) -> Any:
    """A JSON document with the refusals above (NaN, a number literal over MAX_NUMBER_CHARS, a key given twice:
    DuplicateKey); ValueError or RecursionError otherwise, like json.loads."""
    return json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float,
                      object_pairs_hook=_unique_keys)


class ContestParser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            if req.content_length:
                abort(415, message=f"the body must be application/json, not {req.mimetype or 'untyped'}")
            return core.missing
        raw = req.get_data(cache=True)
        try:
            return strict_loads(raw.decode("utf-8"))
        except json.JSONDecodeError:
            raise
        except DuplicateKey as e:
            abort(422, message=f"the key {e.key!r} is given more than once in the body",
                  errors={e.key: ["is given more than once in the body; send each key once"]})
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            # the same path as a syntax error
            reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)
            raise json.JSONDecodeError(reason, "<body>", 0) from e  # a non-empty doc: webargs reads "" as no body

    def _handle_invalid_json_error(self, error: json.JSONDecodeError | UnicodeDecodeError, req: flask.Request,
                                   *args: Any, **kwargs: Any) -> NoReturn:
        """Malformed input is 422 (DEVELOPERS.md), naming the body and what is wrong with it."""
        what = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
        where = f" at character {error.pos}" if isinstance(error, json.JSONDecodeError) and error.pos else ""
        abort(422, errors={"body": [f"not valid JSON: {what}{where}"]})


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint reading JSON bodies with :class:`ContestParser`, each schema made once: given a
    class, webargs makes a new instance on every request (a tenth of a vote's time went into webargs and
    marshmallow, docs/BENCHMARKS.md); a marshmallow schema keeps no state between loads."""

    ARGUMENTS_PARSER = ContestParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)
