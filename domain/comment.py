"""A resident's comment with the vote (D10): cleaned, bounded and with every personal code redacted.

D10: a resident is identified by the personal code, "stored only as a keyed hash, never in clear", and that holds
for a code typed into the comment too. A resident writes a code in many ways, so the comment is first normalised
(Unicode NFKC: fullwidth and other compatibility digits become 0-9, NBSP and thin spaces become spaces, the
non-breaking hyphen becomes U+2010), and then any eleven digits written in digit groups joined by short runs of
separators (spaces, any dash-like character U+2010-U+2015, U+2212, '-', dots, zero-width joiners) are replaced by
``[redacted]``: ``120386-12343``, ``120386–12343``, ``12 03 87 12344``, ``120388.12345``, ``32579461005``,
``325794 61005``. A single run of twelve or more digits is a number, not a code, and stays.

Invisible characters that could hide a code from this check or reorder what the jury reads are removed: control
characters (except tab and newlines), bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C),
zero-width spaces, the word joiner, the BOM and the soft hyphen. The line and paragraph separators (U+2028/U+2029)
become a plain newline. What is stored is the normalised text; the length bound applies to it.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import InvalidInput

__all__ = ["CODE_LIKE", "REDACTED", "clean_comment", "normalise_comment", "redact_codes"]

REDACTED = "[redacted]"
CODE_DIGITS = 11  # both forms of the personal code (D10)

# C0 controls except \t \n \r, DEL and the C1 controls.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Bidirectional controls (embeddings, overrides, isolates, marks) and invisible format characters with no place
# in a comment: zero-width space, word joiner, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u2060\ufeff\u00ad\u180e"
_STRIP = re.compile(f"[{_CONTROL}{_INVISIBLE}]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")

# What may join the digit groups of a code: whitespace, dash-like characters, dots, zero-width (non-)joiners.
_SEPARATOR = r"[\s\-\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d.\u00b7\u2024\u2027\u200c\u200d]"
#: A run of digit groups joined by at most three separator characters each (" – " between two groups).
CODE_LIKE = re.compile(rf"\d+(?:{_SEPARATOR}{{1,3}}\d+)*")
_GROUP = re.compile(r"\d+")


def normalise_comment(text: str) -> str:
    """NFKC, without control, bidirectional or invisible characters; line separators as newlines (D10)."""
    text = unicodedata.normalize("NFKC", text)
    text = _LINE_SEPARATORS.sub("\n", text)
    return _STRIP.sub("", text)


def _redact_run(match: re.Match[str]) -> str:
    """Redact every stretch of consecutive digit groups in one run holding exactly eleven digits (D10)."""
    run = match.group(0)
    groups = [(g.start(), g.end()) for g in _GROUP.finditer(run)]
    spans: list[tuple[int, int]] = []
    for first in range(len(groups)):
        digits = 0
        for last in range(first, len(groups)):
            digits += groups[last][1] - groups[last][0]
            if digits == CODE_DIGITS:
                spans.append((groups[first][0], groups[last][1]))
            if digits >= CODE_DIGITS:
                break
    if not spans:
        return run
    merged: list[tuple[int, int]] = []
    for start, end in spans:  # in order of start; overlapping stretches become one redaction
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out, cursor = [], 0
    for start, end in merged:
        out.append(run[cursor:start])
        out.append(REDACTED)
        cursor = end
    out.append(run[cursor:])
    return "".join(out)


def redact_codes(text: str) -> str:
    """``text`` with everything shaped like a personal code replaced by ``[redacted]`` (D10).

    Expects normalised text (:func:`normalise_comment`); digits are Unicode digits, so scripts NFKC leaves alone
    are caught as well.
    """
    return CODE_LIKE.sub(_redact_run, text)


def clean_comment(comment: str | None, max_chars: int) -> str | None:
    """The comment as stored (D10): normalised, stripped, at most ``max_chars`` characters, codes redacted.

    ``None`` for no comment or one that is empty once cleaned; :class:`InvalidInput` (422, field ``comment``) for
    a value that is not text or is too long.
    """
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidInput({"comment": ["must be text"]})
    text = normalise_comment(comment).strip()
    if len(text) > max_chars:
        raise InvalidInput({"comment": [f"must be at most {max_chars} characters (D10)"]})
    return redact_codes(text) or None
