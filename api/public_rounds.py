"""The public pages of rounds 2 and 3, each published once its round has closed: the jury's points and the
residents' pick that named the finalists (§4.6.4, §4.6.7), and the visits' averages and the seats whose scores
counted (§4.7.3, §4.7.4, §4.7.8–§4.7.11). They show what the closing recorded (Contest.Round2Closed,
Contest.Round3Closed), as the API's /finalists and /result do; nothing here decides."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask import Blueprint, render_template
from werkzeug.exceptions import HTTPException

from api import page_support as ps
from domain.contest import Contest
from domain.errors import NotFound

blp = Blueprint("rounds", __name__, template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)


def _average(value: Any) -> float | None:
    """A recorded exact average ("22/5", a number, or None) as a number to show."""
    if value is None:
        return None
    if isinstance(value, str):
        return float(Fraction(value))
    return float(value)


def round2_view(contest: Contest) -> dict[str, Any] | None:
    record = contest.round2
    if record is None:
        return None
    names = ps.names(contest)
    explanation = record["outcome"].get("explanation", {})
    jury = [{**row, "name": names.get(row["municipality"], row["municipality"])}
            for row in explanation.get("jury_table", [])]
    votes = [{**row, "name": names.get(row["municipality"], row["municipality"]),
              "average_shown": _average(row.get("average"))} for row in explanation.get("vote_table", [])]
    finalists = [{**f, "name": names.get(f["municipality"], f["municipality"])} for f in record["finalists"]]
    return {"jury": jury, "votes": votes, "finalists": finalists,
            "choice": record["outcome"].get("residents_choice"),
            "by_jury": contest.rules.finalists_by_jury, "total": contest.rules.finalists_total}


@blp.route("/rezultati/2-karta")
def round2() -> tuple[str, int]:
    """Round 2 (§4.6): the jury's points per municipality, the residents' vote, and how the finalists follow."""
    contest = ps.page_contest()
    return render_template("pages/round2.html", contest=contest, view=round2_view(contest)), 200


@blp.route("/rezultati/3-karta")
def round3() -> tuple[str, int]:
    """Round 3 (§4.7): each finalist's average from the counted seats, the theme points, and which seats and
    visits counted and why."""
    contest = ps.page_contest()
    if contest.round3 is None:
        return render_template("pages/round3.html", contest=contest, result=None), 200
    result = ps.service().round3.result(contest.year)
    return render_template("pages/round3.html", contest=contest, result=result), 200
