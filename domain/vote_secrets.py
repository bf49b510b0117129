"""The binding of a contest to its vote secrets (D10).

The fingerprints (voter, receipt) of the two secrets (domain.personal_code.secret_fingerprint) are recorded once,
by the command of the contest's first vote, and never change. A process whose secrets have other fingerprints
would let every resident vote again under a new resident key, so it takes no vote (contest/round2.py), and the
verifiers check that every vote follows the binding.

Pure checks; the aggregate (domain.contest) records the binding.
"""

from __future__ import annotations

from domain.errors import InvalidInput, RuleViolation

NAMES = ("voter", "receipt")


def check_binding(bound: tuple[str, str] | None, voter_fingerprint: str, receipt_fingerprint: str) -> None:
    """A binding is recorded once per contest (`bound`: the recorded one, if any), of two different SHA-256
    fingerprints."""
    if bound is not None:
        raise RuleViolation("this contest's vote secrets are bound already: the residents' votes are recorded "
                            "with them for the contest's whole life", clause="D10", field="vote_secrets")
    errors = {name: ["must be a SHA-256 fingerprint: 64 lowercase hexadecimal digits"]
              for name, value in (("voter_fingerprint", voter_fingerprint),
                                  ("receipt_fingerprint", receipt_fingerprint))
              if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef")}
    if errors:
        raise InvalidInput(errors)
    if voter_fingerprint == receipt_fingerprint:
        raise InvalidInput({"receipt_fingerprint": ["the two secrets must differ"]})


def differing(bound: tuple[str, str] | None, fingerprints: tuple[str, str]) -> list[str]:
    """Which of the secrets ("voter", "receipt") have fingerprints other than the recorded ones; none while
    nothing is recorded yet."""
    if bound is None:
        return []
    return [name for name, recorded, given in zip(NAMES, bound, fingerprints, strict=True) if recorded != given]
