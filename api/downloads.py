"""The results as files people open (HTTP only; the tables are contest/tables.py's, the writing
contest/spreadsheets.py's): round 1's ranking and one municipality's explanation as CSV and XLSX, the final result
as CSV (round 3's table) and XLSX (round 3, the finalists, the residents' vote, round 1's ten).

CSV is written for Latvian Excel: UTF-8 with a BOM, `;`, decimal commas (README, "Downloads"). Headers and the
words in the cells are in the reader's language: Latvian, English with ?lang=en (or the pages' language cookie).
Who may read what is the JSON answers' rule: round 1 as GET …/round1/results (D18 while round 1 is open), the
final result as GET …/result (once round 3 closes, §4.7.9). Programs read the JSON; the vote board's CSV
(GET …/votes/board.csv) stays comma-separated for the auditors' tools.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_babel import gettext
from marshmallow import validate

from api.page_support import N_
from api.parsing import Blueprint
from api.round1 import explanation_body, results_body
from api.schemas import AsOfSchema
from contest.service import ContestService
from contest.spreadsheets import csv_bytes, xlsx_bytes
from contest.tables import Table, explanation_table, final_table, final_tables, round1_table

blp = Blueprint("downloads", __name__, url_prefix="/api/contests",
                description="The results as CSV for Latvian Excel (UTF-8 with BOM, `;`, decimal commas) and XLSX")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANG = ma.fields.String(load_default=None, validate=validate.OneOf(["lv", "en"]),
                        metadata={"description": "the headers' language (default Latvian)"})


def service() -> ContestService:
    return current_app.extensions["contest.service"]


class DownloadQuerySchema(AsOfSchema):
    lang = LANG


class LanguageQuerySchema(ma.Schema):
    lang = LANG


LABELS = {
    # sheets
    "round1": N_("Round 1"), "explanation": N_("Explanation"), "round3": N_("Round 3"),
    "finalists": N_("Finalists"), "vote": N_("Residents' vote"), "round1_top": N_("Round 1 – advancing"),
    # columns
    "place": N_("Place"), "municipality": N_("Code"), "name": N_("Municipality"), "overall": N_("Overall score"),
    "index_regular": N_("Index: regular benefits"), "index_one_off": N_("Index: one-off benefits"),
    "index_long_term": N_("Index: long-term support"), "eur_regular": N_("Regular benefits, EUR"),
    "eur_one_off": N_("One-off benefits, EUR"), "raw_points": N_("Question points"), "advances": N_("Round 2"),
    "question": N_("Question"), "section": N_("Section"), "block": N_("Block"), "kind": N_("Kind"),
    "value": N_("Answer"), "provided": N_("Provided"), "median": N_("Median"), "points": N_("Points"),
    "weight": N_("Weight"), "weighted_points": N_("Weighted points"), "counted": N_("Counted"),
    "average": N_("Average"), "score_count": N_("Counted scores"), "score_sum": N_("Sum of the counted scores"),
    "chair_score": N_("Chair's score"), "theme_points": N_("Theme points"), "prize": N_("Prize"),
    "position": N_("Finalist"), "via": N_("Through"), "jury_points": N_("Jury points"), "jury_rank": N_("Jury rank"),
    "rank": N_("Rank"), "votes": N_("Votes"),
}
WORDS = {"yes": N_("yes"), "no": N_("no"), "jury": N_("jury points"), "residents_vote": N_("residents' vote"),
         "jury_fifth": N_("the jury's next place")}


def _label(key: str) -> str:
    return gettext(LABELS[key]) if key in LABELS else key


def _word(value: str) -> str:
    return gettext(WORDS[value]) if value in WORDS else value


def csv_response(table: Table, filename: str) -> Response:
    return Response(csv_bytes(table, _label, _word), mimetype="text/csv",  # Flask adds charset=utf-8
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def xlsx_response(tables: list[Table], filename: str) -> Response:
    return Response(xlsx_bytes(tables, _label, _word), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _names(year: int) -> dict[str, str]:
    return {m.code: m.name for m in service().contest(year).municipalities}


def _round1(year: int, as_of: str | None) -> Table:
    return round1_table(results_body(year, as_of), _names(year))


@blp.route("/<int:year>/round1/results.csv")
class ResultsCsv(MethodView):
    @blp.arguments(DownloadQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="The ranking as CSV for Latvian Excel")
    def get(self, query: dict[str, Any], year: int) -> Response:
        """The round-1 ranking as CSV (UTF-8 with BOM, `;`, decimal commas)"""
        return csv_response(_round1(year, query["as_of"]), f"round1-{year}.csv")


@blp.route("/<int:year>/round1/results.xlsx")
class ResultsXlsx(MethodView):
    @blp.arguments(DownloadQuerySchema, location="query")
    @blp.response(200, content_type=XLSX, description="The ranking as an XLSX workbook")
    def get(self, query: dict[str, Any], year: int) -> Response:
        """The round-1 ranking as XLSX"""
        return xlsx_response([_round1(year, query["as_of"])], f"round1-{year}.xlsx")


@blp.route("/<int:year>/round1/results/<municipality:code>.csv")
class ExplanationCsv(MethodView):
    @blp.arguments(DownloadQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="The explanation as CSV, one row per question")
    def get(self, query: dict[str, Any], year: int, code: str) -> Response:
        """One municipality's explanation as CSV (UTF-8 with BOM, `;`, decimal commas)"""
        body = explanation_body(year, code, query["as_of"])
        return csv_response(explanation_table(body["explanation"]), f"round1-{year}-{code}.csv")


@blp.route("/<int:year>/result.csv")
class FinalCsv(MethodView):
    @blp.arguments(LanguageQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="Round 3's table as CSV for Latvian Excel")
    @blp.alt_response(409, description="Round 3 has not closed yet (§4.7.9)")
    def get(self, query: dict[str, Any], year: int) -> Response:
        """The final result's table as CSV: each finalist's place, average, counted scores and prize"""
        return csv_response(final_table(service().round3.result(year)), f"result-{year}.csv")


@blp.route("/<int:year>/result.xlsx")
class FinalXlsx(MethodView):
    @blp.arguments(LanguageQuerySchema, location="query")
    @blp.response(200, content_type=XLSX, description="The final result as an XLSX workbook")
    @blp.alt_response(409, description="Round 3 has not closed yet (§4.7.9)")
    def get(self, query: dict[str, Any], year: int) -> Response:
        """The final result as XLSX: round 3's table, the finalists, the residents' vote, round 1's ten"""
        return xlsx_response(final_tables(service().round3.result(year)), f"result-{year}.xlsx")
