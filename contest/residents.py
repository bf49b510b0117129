"""Fake but valid Latvian personal codes for benchmarks, the demo and tests (RULES.md §4.6.6, D10).

Never real people: the codes are drawn at random. They pass ``domain.personal_code.check_personal_code``: old-form
codes ``DDMMYYCNNNZ`` of residents aged 16–90 in the reference year (real dates, the right century digit, a correct
check digit) mixed with new-form codes ``32``–``39`` followed by nine digits (since July 2017).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache

from domain.personal_code import CENTURIES, WEIGHTS

__all__ = ["fake_personal_codes"]

MIN_AGE = 16
MAX_AGE = 90
_SERIALS = 1000  # NNN: serial numbers per birth date in the old form
_NEW_FORM_FIRST = 32_000_000_000
_NEW_FORM_SPACE = 8_000_000_000  # 32000000000 … 39999999999
_CENTURY_DIGIT = {first_year: digit for digit, first_year in CENTURIES.items()}


@lru_cache(maxsize=4)
def _date_prefixes(reference_year: int) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """For each birth date of ages MIN_AGE..MAX_AGE: the first seven digits DDMMYYC and their weighted sum."""
    first = date(reference_year - MAX_AGE, 1, 1)
    last = date(reference_year - MIN_AGE, 12, 31)
    prefixes: list[str] = []
    sums: list[int] = []
    day = first
    one = timedelta(days=1)
    while day <= last:
        century = _CENTURY_DIGIT.get(day.year - day.year % 100)
        if century is None:
            raise ValueError(f"reference year {reference_year} gives birth years outside 1800–2099")
        prefix = f"{day.day:02d}{day.month:02d}{day.year % 100:02d}{century}"
        prefixes.append(prefix)
        sums.append(sum(w * int(d) for w, d in zip(WEIGHTS[:7], prefix, strict=True)))
        day += one
    return tuple(prefixes), tuple(sums)


def fake_personal_codes(
    n: int,
    seed: int,
    *,
    reference_year: int = 2024,
    new_form_share: float = 0.1,
    hyphen: bool = False,
) -> list[str]:
    """``n`` distinct valid personal codes, deterministic for ``seed`` (D10).

    About ``new_form_share`` of them are new-form codes (``32``–``39`` + nine digits); the rest are old-form codes
    with birth dates spread uniformly over the years ``reference_year − 90`` … ``reference_year − 16``. Codes are
    normalised (11 digits) unless ``hyphen`` is set (``DDMMYY-CNNNZ``). The order is shuffled. One million codes
    take about a second or two.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("n must be a non-negative int")
    if not 0.0 <= new_form_share <= 1.0:
        raise ValueError("new_form_share must be between 0 and 1")
    rng = random.Random(seed)
    prefixes, sums = _date_prefixes(reference_year)
    old_space = len(prefixes) * _SERIALS
    n_new = round(n * new_form_share)
    n_old = n - n_new
    if n_old > old_space or n_new > _NEW_FORM_SPACE:
        raise ValueError(f"cannot draw {n} distinct codes with new_form_share={new_form_share}")

    serial_text = [f"{s:03d}" for s in range(_SERIALS)]
    serial_sums = [WEIGHTS[7] * (s // 100) + WEIGHTS[8] * (s // 10 % 10) + WEIGHTS[9] * (s % 10)
                   for s in range(_SERIALS)]
    # Every old-form code is one (birth date, serial) pair, numbered date_index * 1000 + serial; sampling the
    # numbers without replacement makes the codes distinct. Old and new forms never collide (days are <= 31).
    codes: list[str] = []
    append = codes.append
    for number in rng.sample(range(old_space), n_old):
        index, serial = divmod(number, _SERIALS)
        append(f"{prefixes[index]}{serial_text[serial]}{(1101 - sums[index] - serial_sums[serial]) % 11 % 10}")
    codes.extend(f"{_NEW_FORM_FIRST + number:011d}" for number in rng.sample(range(_NEW_FORM_SPACE), n_new))
    rng.shuffle(codes)
    if hyphen:
        return [f"{code[:6]}-{code[6:]}" for code in codes]
    return codes
