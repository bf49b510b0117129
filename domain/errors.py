"""Errors the domain raises. The API maps them: RuleViolation -> 409, InvalidInput -> 422, NotFound -> 404.

Every rule violation names the clause of ../shared/RULES.md (e.g. "§4.6.4", "D8") it enforces, so a refusal can
always be traced back to the rule that caused it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of all errors raised by domain code."""


class RuleViolation(DomainError):
    """A command breaks a contest rule or the contest's state (HTTP 409)."""

    def __init__(self, message: str, *, clause: str, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.clause = clause
        self.field = field
        self.details = details

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"rule": self.clause, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    """Malformed input, reported per field (HTTP 422). ``errors`` maps a field (or question id) to messages."""

    def __init__(self, errors: dict[str, list[str]] | dict[str, str], message: str = "invalid input") -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, list[str]] = {
            k: (v if isinstance(v, list) else [v]) for k, v in errors.items()
        }


class NotFound(DomainError):
    """The named thing does not exist (HTTP 404)."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key
