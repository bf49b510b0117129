"""The final report (§4.7.9-§4.7.11, §7): a printable page and the same page as PDF, once the Fund council has
approved the result (§7.4, D14); before that a page saying when it is published (409). Latvian by default,
English with ?lang=en, like every page (api/page_support.py).

URLs: /rezultati/gala-rezultati  ·  /rezultati/gala-rezultati.pdf (WeasyPrint, api/pdf.py). The same template
serves GET /api/contests/<year>/result.html (api/round3.py), which shows the result from round 3's close on,
marked as awaiting the approval until then. Every number comes from ContestService.round3's result.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import HTTPException

from api import page_support as ps
from api.pdf import PdfUnavailable, render_pdf
from domain.errors import NotFound, RuleViolation

blp = Blueprint("report", __name__, template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)

VIA = {"jury": ps.N_("by jury points (§4.6.7)"), "residents_vote": ps.N_("the residents' choice (§4.6.7)"),
       "jury_fifth": ps.N_("the jury's next place (§4.6.7)")}
MODES = {"on_site": ps.N_("on site"), "remote": ps.N_("remote")}
# The PDFs this process has made, by year, language and the approval (its digest, decision, time): an approved contest
# is sealed (D14), so its report never changes, and a public URL does not lay the document out again (about a second)
# on every request.
PDFS: dict[tuple[Any, ...], bytes] = {}


def seat_note(seat: dict[str, Any], min_visits: int) -> str:
    """Why a seat's scores count or not (§4.7.4), in the reader's language."""
    n = len(seat["counted_visits"])
    if not seat["voting"]:
        return _("not a voting member: its scores do not count")
    visits = ngettext("%(num)s counted visit", "%(num)s counted visits", n)
    if seat["counted"]:
        return visits
    return _("%(visits)s; at least %(min)s are needed (§4.7.4)", visits=visits, min=min_visits)


def tie_note(tie: dict[str, Any], names: dict[str, str]) -> str | None:
    """A tie for the win or the theme prize and how it was broken (§4.7.10, D12, D13), or None when it changed
    nothing."""
    tied = ", ".join(names.get(m, m) for m in tie["tied"])
    if tie["resolution"] == "tiebreak":
        how = _("the chair's score decided it (§4.7.10)")
    elif tie["resolution"] == "decision" and tie.get("decision"):
        d = tie["decision"]
        how = _("the jury decided it by %(votes_for)s votes of %(votes_total)s (§3.2.4): %(text)s",
                votes_for=d["votes_for"], votes_total=d["votes_total"], text=d["text"])
    else:
        return None
    if tie["kind"] == "theme":
        return _("%(tied)s had the same theme points; %(how)s.", tied=tied, how=how)
    return _("%(tied)s had the same average score; %(how)s.", tied=tied, how=how)


def render_report(result: dict[str, Any], *, pdf: bool = False) -> str:
    """The report page for the final result as contest.round3.final_report gives it."""
    names = {row["municipality"]: row["name"] for row in result["round3"]["table"]}
    names |= {row["municipality"]: row["name"] for row in result["round2"]["vote_table"]}
    min_visits = result["round3"]["min_visits_per_seat"]
    seats = [{**s, "note": seat_note(s, min_visits)} for s in result["round3"]["seats"]]
    ties = [t for t in (tie_note(t, names) for t in result["round3"]["ties"]) if t]
    theme = result["theme"]
    return render_template("pages/report.html", r=result, seats=seats, ties=ties, pdf=pdf,
                           theme_title=theme.get("title_lv") if ps.language() == "lv" else theme.get("title_en"),
                           via={k: _(v) for k, v in VIA.items()}, modes={k: _(v) for k, v in MODES.items()})


def not_yet() -> tuple[str, int]:
    return ps.error_page(409, _("The final result is not yet approved"),
                         _("The final report is published once the Fund council approves the contest's result by "
                           "its decision (§7.4). Until then see the results of each round on the results page."))


def approved(year: int) -> dict[str, Any] | None:
    try:
        return ps.service().round3.approved_result(year)
    except RuleViolation:
        return None


@blp.route("/rezultati/gala-rezultati")
def final() -> tuple[str, int]:
    """The approved final result as a printable page (A4)."""
    result = approved(ps.page_contest().year)
    if result is None:
        return not_yet()
    return render_report(result), 200


@blp.route("/rezultati/gala-rezultati.pdf")
def final_pdf() -> Response | tuple[str, int]:
    """The same report as PDF."""
    result = approved(ps.page_contest().year)
    if result is None:
        return not_yet()
    key = (result["year"], ps.language(), *sorted(result["approval"].items()))
    try:
        data = PDFS.get(key) or PDFS.setdefault(key, render_pdf(render_report(result, pdf=True)))
    except PdfUnavailable:
        return ps.error_page(503, _("The PDF is not available"),
                             _("The server cannot make PDF files at the moment. The same report can be printed from "
                               "its page."))
    filename = f"gala-rezultati-{result['year']}{'' if ps.language() == 'lv' else '-en'}.pdf"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
