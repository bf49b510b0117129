"""Text shaped like a personal code (D10: a personal code is "never in clear"): found and redacted.

A resident writes a code in many ways, so text is first folded (Unicode NFKC: fullwidth and other compatibility
digits become 0-9, NBSP and thin spaces become spaces, the non-breaking hyphen becomes U+2010; invisible and
bidirectional characters removed), and then any eleven digits written in digit groups joined by short runs of
separators (whitespace, any dash-like character U+2010-U+2015, U+2212, '-', dots, zero-width joiners) count as a
code, of either form: ``120386-12343``, ``120386–12343``, ``12 03 87 12344``, ``120388.12345``, ``32579461005``,
``325794 61005``. A single run of twelve or more digits is a number, not a code. Used for the residents' comments
(domain/comment.py), the receipt lookup (a code typed where the receipt belongs is refused) and the access log.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import InvalidInput

__all__ = ["CODE_LIKE", "INVISIBLE", "RECEIPT_FIELD", "RECEIPT_NOT_A_CODE", "REDACTED", "check_receipt_lookup", "fold",
           "redact_codes", "redact_path", "shows_code"]

REDACTED = "[redacted]"
CODE_DIGITS = 11  # both forms of the personal code (D10)

#: Bidirectional controls (embeddings, overrides, isolates, marks) and invisible format characters: zero-width
#: space, word joiner, BOM, soft hyphen, Mongolian vowel separator. A character class body.
INVISIBLE = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060\ufeff\u00ad\u180e"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")

# What may join the digit groups of a code: whitespace, dash-like characters, dots, zero-width (non-)joiners.
_SEPARATOR = r"[\s\-\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d.\u00b7\u2024\u2027\u200c\u200d]"
#: A run of digit groups joined by at most three separator characters each (" – " between two groups).
CODE_LIKE = re.compile(rf"\d+(?:{_SEPARATOR}{{1,3}}\d+)*")
_GROUP = re.compile(r"\d+")


def fold(text: str) -> str:
    """NFKC without the invisible and bidirectional characters: the text a code is looked for in."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def _code_spans(run: str) -> list[tuple[int, int]]:
    """The stretches of consecutive digit groups in one run that hold exactly eleven digits, overlaps merged."""
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(run)]
    merged: list[tuple[int, int]] = []
    for first in range(len(groups)):
        digits = 0
        for last in range(first, len(groups)):
            digits += groups[last][1] - groups[last][0]
            if digits == CODE_DIGITS:
                start, end = groups[first][0], groups[last][1]
                if merged and start <= merged[-1][1]:
                    merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
                else:
                    merged.append((start, end))
            if digits >= CODE_DIGITS:
                break
    return merged


def _redact_run(match: re.Match[str]) -> str:
    run = match.group(0)
    out, cursor = [], 0
    for start, end in _code_spans(run):
        out.append(run[cursor:start])
        out.append(REDACTED)
        cursor = end
    out.append(run[cursor:])
    return "".join(out)


def redact_codes(text: str) -> str:
    """``text`` with everything shaped like a personal code replaced by ``[redacted]`` (D10).

    Expects folded text (:func:`fold`); digits are Unicode digits, so scripts NFKC leaves alone are caught too.
    """
    return CODE_LIKE.sub(_redact_run, text)


def shows_code(text: str) -> bool:
    """Whether ``text`` holds something shaped like a personal code, however written (D10)."""
    folded = fold(text)
    return any(_code_spans(m.group(0)) for m in CODE_LIKE.finditer(folded))


def redact_path(path: str) -> str:
    """A URL path for a log line: each segment holding something shaped like a personal code is ``[redacted]``
    (D10: a code typed into a URL, e.g. the receipt lookup, never reaches a log in clear)."""
    return "/".join(REDACTED if shows_code(segment) else segment for segment in path.split("/"))


#: The receipt lookup's refusal of a personal code (D10): the field, the English message; the page has its own.
RECEIPT_FIELD = "receipt"
RECEIPT_NOT_A_CODE = ("this looks like a personal code, not a receipt: enter the receipt code you were given when "
                      "you voted (12 letters and digits, e.g. 7K3M-Q9XA-B2RT); a personal code is never needed here")


def check_receipt_lookup(value: str) -> None:
    """Refuse a personal code typed where a receipt belongs (D10): :class:`InvalidInput` naming ``receipt``, 422.
    The message never contains the value."""
    if shows_code(value):
        raise InvalidInput({RECEIPT_FIELD: [RECEIPT_NOT_A_CODE]},
                           message="the receipt looks like a personal code: enter the receipt code instead (D10)")
