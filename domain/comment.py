"""A resident's comment with the vote (D10): cleaned, bounded and with every personal code redacted.

D10: a resident is identified by the personal code, "stored only as a keyed hash, never in clear", and that holds
for a code typed into the comment too, however it is written (domain/code_shape.py: NFKC, dashes, spaces, dots
between digit groups, both forms): it is replaced by ``[redacted]``.

Invisible characters that could hide a code from that check or reorder what the jury reads are removed: control
characters (except tab and newlines), bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C),
zero-width spaces, the word joiner, the BOM and the soft hyphen. The line and paragraph separators (U+2028/U+2029)
become a plain newline. What is stored is the normalised (NFKC) text; the length bound applies to it.
"""

from __future__ import annotations

import re

from domain.code_shape import REDACTED, fold, redact_codes
from domain.errors import InvalidInput

__all__ = ["REDACTED", "clean_comment", "normalise_comment"]

# C0 controls except \t \n \r, DEL and the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")



def normalise_comment(text: str) -> str:
    """NFKC, without control, bidirectional or invisible characters; line separators as newlines (D10)."""
    return _CONTROL.sub("", _LINE_SEPARATORS.sub("\n", fold(text)))


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
