"""The secretariat's records of the jury's tie decisions and the vote's interim results, at /sekretariats/lemumi:

- a tie still open (§3.2.4; D11 in round 2: the 4th or 5th place in jury points, the residents' choice; D12 the
  winner, D13 the annual theme prize in round 3), as the desk's blockers list it (domain.transitions through
  contest/transitions.py): the jury's decision on it, the municipalities it chose, its justification and its vote
  (a simple majority of at least the quorum), through the same command as POST …/decisions (api/round2.py); and the
  decisions recorded so far;
- while the residents' vote is open, an interim result published with its reason (D10, D16), through the same
  command as POST …/window/interim (contest/vote_window.py).

The domain's refusals are shown at the field they concern, in the reader's language; a refused form stores nothing.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from api import page_support as ps
from api.desk import TIE_KINDS
from api.desk_pages import Actor, blueprint, signed_in
from api.desk_round3_forms import too_long
from contest.transitions import transitions
from domain.contest import Contest
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.transitions import TIE_OPEN

blp = blueprint("desk_decisions")
TEXT_MAX, REASON_MAX = 20_000, 2000  # what the API's schemas take (api/round2_schemas.py, api/schemas.py)


def open_ties(contest: Contest) -> list[dict[str, Any]]:
    """The ties that wait for a jury decision now (the desk's blockers of the next transition)."""
    state = transitions(ps.service(), contest.year, contest)
    names = ps.names(contest)
    ties = []
    for b in state["blockers"]:
        if b["code"] == TIE_OPEN:
            p = b["params"]
            ties.append({"kind": p["kind"], "what": _(TIE_KINDS.get(p["kind"], p["kind"])), "tied": p["tied"],
                         "places": p["places"], "rule": p.get("clause", b["clause"]),
                         "names": [(m, names.get(m, m)) for m in p["tied"]]})
    return ties


def decisions_view(contest: Contest) -> list[dict[str, Any]]:
    names = ps.names(contest)
    return [{**d, "what": _(TIE_KINDS.get(d["kind"], d["kind"])),
             "tied_names": ", ".join(names.get(m, m) for m in d["tied"]),
             "chosen_names": ", ".join(names.get(m, m) for m in d["chosen"])} for d in contest.decisions]


def render(contest: Contest, actor: Actor, errors: dict[str, str] | None = None,
           values: dict[str, Any] | None = None, status: int = 200) -> tuple[str, int]:
    window = {"status": contest.window_status, "interim_at": contest.interim_published_at,
              "times": contest.window_times()}
    return render_template("pages/desk_decisions.html", contest=contest, actor=actor, ties=open_ties(contest),
                           decisions=decisions_view(contest), window=window, errors=errors or {},
                           values=values or {}), status


@signed_in
def page(actor: Actor) -> Any:
    return render(ps.current_contest(), actor)


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def read_decision(form: Any) -> dict[str, Any]:
    """The decision as POST …/decisions takes it: the tie (kind, tied), the chosen best first, the justification
    and the jury's vote."""
    kind = form.get("kind", "")
    tied = [m for m in form.get("tied", "").split(",") if m]
    places = [form.get(f"chosen-{i}", "") for i in range(1, len(tied) + 1)]
    return {"kind": kind, "tied": tied, "chosen": [m for m in places if m], "text": form.get("text", "").strip(),
            "votes_for": _number(form.get("votes_for", "").strip()),
            "votes_total": _number(form.get("votes_total", "").strip())}


def decision_errors(e: DomainError, contest: Contest, decision: dict[str, Any]) -> dict[str, str]:
    """The decision's refusal at its fields (ids ``<kind>-chosen-1``, ``<kind>-text``, ``<kind>-votes_for``,
    ``<kind>-votes_total``; ``form`` for none)."""
    k = decision["kind"]
    if isinstance(e, RuleViolation) and "D14" in e.clause:
        return {"form": _("The contest is approved and sealed: nothing changes any more.")}
    if isinstance(e, InvalidInput):
        out: dict[str, str] = {}
        for key in e.errors:
            if key == "chosen":
                out[f"{k}-chosen-1"] = _("Choose, best first, the tied municipalities the decision gives the places "
                                         "to; each once, and not all of them.")
            elif key == "votes_total":
                out[f"{k}-votes_total"] = ngettext(
                    "Enter how many voting members took part: a whole number, at most %(num)s.",
                    "Enter how many voting members took part: a whole number, at most %(num)s.",
                    len(contest.voting_seats))
            elif key == "votes_for":
                out[f"{k}-votes_for"] = _("Enter how many voted for the decision: a whole number, at most the number "
                                          "who took part.")
            else:
                out["form"] = _("The tie has changed since the page was opened: reload it.")
        return out
    if not isinstance(e, RuleViolation):
        return {"form": _("Refused: %(message)s", message=str(e))}
    d = e.details
    if e.field == "text":
        return {f"{k}-text": _("Write the decision's justification.")}
    if e.field == "votes_for":
        return {f"{k}-votes_for": ngettext(
            "The jury decides by simple majority: %(votes_for)s of %(votes_total)s is not more than half; at least "
            "%(num)s vote for it is needed.", "The jury decides by simple majority: %(votes_for)s of %(votes_total)s "
            "is not more than half; at least %(num)s votes for it are needed.", int(d.get("needed", 1)),
            votes_for=d.get("votes_for"), votes_total=d.get("votes_total"))}
    if e.field == "votes_total":
        return {f"{k}-votes_total": ngettext(
            "The jury decides with at least %(num)s voting member taking part.",
            "The jury decides with at least %(num)s voting members taking part.", contest.rules.quorum)}
    if "stage" in d:
        return {"form": _("A decision on this tie is taken in its own round; the contest is now at the stage: "
                          "%(stage)s.", stage=ps.stage_name(contest.stage))}
    return {"form": _("Refused: %(message)s", message=e.message)}


@signed_in
def record(actor: Actor) -> Any:
    """The jury's decision on a tie (§3.2.4, D11-D13): POST …/decisions's command."""
    contest = ps.current_contest()
    decision = read_decision(request.form)
    svc = ps.service()
    if len(decision["text"]) > TEXT_MAX:
        return render(contest, actor, {f"{decision['kind']}-text": too_long(TEXT_MAX)}, decision, 422)
    try:
        svc.round2.record_decision(contest.year, decision, actor=actor)
    except DomainError as e:
        contest = svc.contest(contest.year)
        return render(contest, actor, decision_errors(e, contest, decision), decision,
                      422 if isinstance(e, InvalidInput) else 409)
    flash(_("The jury's decision is recorded."), "ok")
    return redirect(url_for("desk_decisions.page"), code=303)


@signed_in
def interim(actor: Actor) -> Any:
    """An interim result of the residents' vote (D10), with its checkpoint (D16): POST …/window/interim's command."""
    contest = ps.current_contest()
    reason = request.form.get("reason", "").strip()
    values = {"reason": reason}
    if not reason or len(reason) > REASON_MAX:
        return render(contest, actor, {"interim-reason": _("Give the reason; it is recorded with the event.") + " "
                                       + too_long(REASON_MAX)}, values, 422)
    svc = ps.service()
    try:
        svc.round2.publish_interim(contest.year, actor=actor, reason=reason)
    except DomainError as e:
        contest = svc.contest(contest.year)
        if isinstance(e, RuleViolation) and "D14" in e.clause:
            message = _("The contest is approved and sealed: nothing changes any more.")
        elif isinstance(e, RuleViolation):
            message = _("An interim result is published while the residents' vote is open; it is not open now.")
        else:
            message = _("Refused: %(message)s", message=str(e))
        return render(contest, actor, {"form": message}, values, 409)
    flash(_("The interim result is published: the public sees the tally as counted now."), "ok")
    return redirect(url_for("desk_decisions.page"), code=303)


blp.add_url_rule("/lemumi", "page", page, methods=["GET"])
blp.add_url_rule("/lemumi/ierakstit", "record", record, methods=["POST"])
blp.add_url_rule("/lemumi/starprezultats", "interim", interim, methods=["POST"])
