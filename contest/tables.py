"""The results as tables for people's downloads (CSV, XLSX; contest/spreadsheets.py writes them): round 1's
ranking (§4.5, D6, D7), one municipality's explanation down to each question (Annex), and the final result: round
3's table (§4.7.8-§4.7.11), the finalists and the residents' vote (§4.6.7, D10), round 1's ten.

A table is columns (a key and a kind) and rows of plain values, taken from the recorded results as the JSON
answers give them; nothing is computed again here. The column headers and the words of enumerated cells (yes,
no, how a finalist went through) are the HTTP layer's to translate: a column's key is its message key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TEXT = "text"  # written as text
INTEGER = "integer"  # a whole number
DECIMAL = "decimal"  # a number with a fraction (an index, an average, points)
EUR = "eur"  # an amount of euros
WORD = "word"  # an enumerated value (yes/no, a finalist's way through): translated where written
VALUE = "value"  # an answer: a number when it is one, else text


@dataclass(frozen=True)
class Column:
    key: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    """`name` keys the sheet's title; `rows` hold one value per column (None: an empty cell)."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)


def _table(name: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> Table:
    return Table(name, tuple(columns), tuple(tuple(row.get(c.key) for c in columns) for row in rows))


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


ROUND1_COLUMNS = (Column("place", INTEGER), Column("municipality"), Column("name"), Column("overall", DECIMAL),
                  Column("index_regular", DECIMAL), Column("index_one_off", DECIMAL),
                  Column("index_long_term", DECIMAL), Column("eur_regular", EUR), Column("eur_one_off", EUR),
                  Column("raw_points", DECIMAL), Column("advances", WORD))


def round1_table(results: Mapping[str, Any], names: Mapping[str, str]) -> Table:
    """Round 1's ranking (§4.5, D6, D7) from the results' JSON body (GET …/round1/results): place, overall score,
    the three block indices, the EUR totals of the first two blocks, the raw points, whether it advances."""
    advancing = set(results["advancing"])
    rows = []
    for r in results["ranking"]:
        idx, eur = r.get("indices") or {}, r.get("eur_totals") or {}
        rows.append({"place": r["place"], "municipality": r["municipality"], "name": names.get(r["municipality"], ""),
                     "overall": r["overall"], "index_regular": idx.get("regular"),
                     "index_one_off": idx.get("one_off"), "index_long_term": idx.get("long_term"),
                     "eur_regular": eur.get("regular"), "eur_one_off": eur.get("one_off"),
                     "raw_points": r.get("raw_points"), "advances": yes_no(r["municipality"] in advancing)})
    return _table("round1", ROUND1_COLUMNS, rows)


EXPLANATION_COLUMNS = (Column("question"), Column("section", INTEGER), Column("block"), Column("kind"),
                       Column("value", VALUE), Column("provided", WORD), Column("place", INTEGER),
                       Column("median", DECIMAL), Column("points", DECIMAL), Column("weight", DECIMAL),
                       Column("weighted_points", DECIMAL), Column("counted", WORD))


def explanation_table(explanation: Mapping[str, Any]) -> Table:
    """One municipality's round-1 explanation, a row per question: its answer, place, the median, the points
    (Annex, D3-D5). While round 1 is open a municipality's own reads only its answers (D18): the withheld cells
    are empty."""
    rows = []
    for q in explanation["questions"]:
        row = {**q, "question": q.get("question_id")}
        for key in ("provided", "counted"):
            if isinstance(q.get(key), bool):
                row[key] = yes_no(q[key])
        rows.append(row)
    return _table("explanation", EXPLANATION_COLUMNS, rows)


FINAL_COLUMNS = (Column("place", INTEGER), Column("municipality"), Column("name"), Column("average", DECIMAL),
                 Column("score_count", INTEGER), Column("score_sum", INTEGER), Column("chair_score", INTEGER),
                 Column("theme_points", INTEGER), Column("prize"))
FINALIST_COLUMNS = (Column("position", INTEGER), Column("municipality"), Column("name"), Column("via", WORD),
                    Column("jury_points", INTEGER), Column("jury_rank", INTEGER))
VOTE_COLUMNS = (Column("rank", INTEGER), Column("municipality"), Column("name"), Column("votes", INTEGER),
                Column("average", DECIMAL))
TOP_COLUMNS = (Column("place", INTEGER), Column("municipality"), Column("name"), Column("overall", DECIMAL))


def final_table(report: Mapping[str, Any]) -> Table:
    """Round 3's table (§4.7.8-§4.7.11): each finalist's place by its average of the counted scores, how many
    scores counted (§4.7.4), the chair's score (§4.7.10), the theme points (§4.7.11) and the prize it won."""
    prizes: dict[str, list[str]] = {}
    for key in ("winner", "theme_winner"):
        won = report.get(key)
        if won and won.get("prize"):
            prizes.setdefault(won["municipality"], []).append(won["prize"]["name"])
    for n in report["prizes"]["supporter_nominations"]:
        prizes.setdefault(n["municipality"], []).append(f'{n["nomination"]} ({n["supporter"]})')
    rows = [{**row, "place": row.get("rank"), "theme_points": row.get("theme_sum"),
             "prize": "; ".join(prizes.get(row["municipality"], [])) or None} for row in report["round3"]["table"]]
    return _table("round3", FINAL_COLUMNS, rows)


def final_tables(report: Mapping[str, Any]) -> list[Table]:
    """The final result (GET …/result) as the workbook's sheets: round 3's table, the finalists with how each went
    through (§4.6.7), the residents' vote (§4.6.6, D10), round 1's ten (§4.5)."""
    round2 = report["round2"]
    return [final_table(report),
            _table("finalists", FINALIST_COLUMNS, round2["finalists"]),
            _table("vote", VOTE_COLUMNS, round2["vote_table"]),
            _table("round1_top", TOP_COLUMNS, report["round1"]["top"])]
