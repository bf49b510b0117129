"""The words of the secretariat's configuration pages (api/desk_config.py and the pages it holds): which part of the
configuration freezes when and why (domain/config_changes.py FREEZES_AT, RULE_FREEZES_AT), what each rule number
means (domain/config.py Rules), the identity levels of the vote (D15, domain/identity.py), the roles of the tokens,
and the domain's refusals (RuleViolation, InvalidInput) in the reader's language. Nothing here decides a rule."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from api import page_support as ps
from domain.config import RULE_LIMITS
from domain.config_changes import FREEZES_AT, RULE_FREEZES_AT
from domain.contest import ROUND1, ROUND2, ROUND3, SEALED, WINDOW_SCHEDULED, Contest
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from domain.stages import has_reached

N_ = ps.N_

PART_NAMES = {"theme": N_("The annual theme"), "jury": N_("The jury"), "window": N_("The residents' vote dates"),
              "prizes": N_("Prizes and supporters' nominations"), "questionnaire": N_("The questionnaire"),
              "rules": N_("The rule numbers"), "municipalities": N_("The participants"),
              "scoring": N_("The scoring of round 1"), "calendar": N_("The working-day calendar")}
SINCE = {ROUND1: N_("round 1 has opened"), ROUND2: N_("round 2 has opened"), ROUND3: N_("round 3 has opened"),
         SEALED: N_("the council has approved the result")}
UNTIL = {ROUND1: N_("until round 1 opens"), ROUND2: N_("until round 2 opens"), ROUND3: N_("until round 3 opens"),
         SEALED: N_("until the council approves the result")}

RULE_WORDS = {
    "quorum": (N_("Quorum"), N_("The least number of voting jury members whose ballots let round 2 close; also the "
                                "jury's quorum for its decisions.")),
    "cut_size": (N_("Municipalities advancing to round 2"), N_("How many municipalities with the most points in "
                                                               "round 1 go on to round 2.")),
    "finalists_by_jury": (N_("Finalists chosen by jury points"), N_("How many finalists are the ones with the most "
                                                                    "jury points in round 2.")),
    "finalists_total": (N_("Finalists in all"), N_("How many municipalities go on to round 3 in all, the residents' "
                                                   "choice included.")),
    "notice_working_days": (N_("Notice before a visit, in working days"), N_(
        "At least how many working days before its visit a finalist is told the round-2 results, the arrival "
        "time and the jury's composition.")),
    "briefing_days": (N_("The jury's briefing, days before round 3"), N_(
        "At least how many days before the first visit the jury receives the full information on the finalists.")),
    "visit_max_hours": (N_("Longest visit, in hours"), N_("How long a visit may last at most.")),
    "visit_min_seats": (N_("Jury members at a visit"), N_("At least how many voting members or their substitutes "
                                                          "take part in each visit.")),
    "seat_min_visits": (N_("Visits for a member's scores to count"), N_(
        "In at least how many visits a member (or the member's substitute) must take part for the member's "
        "scores to count.")),
    "vote_rating_min": (N_("Lowest rating in the residents' vote"), N_("The lowest rating a resident can give.")),
    "vote_rating_max": (N_("Highest rating in the residents' vote"), N_("The highest rating a resident can give.")),
    "vote_comment_max_chars": (N_("Longest comment, in characters"), N_(
        "How long the optional comment for the jury may be.")),
    "vote_eligible": (N_("Who can be rated"), N_("Which municipalities residents can rate in the vote.")),
    "vote_identity": (N_("How a resident is identified"), N_(
        "How a resident proves to be one person before the vote counts.")),
}
ELIGIBLE = {"all": N_("Every participating municipality"),
            "round2": N_("Only the municipalities of round 2")}
IDENTITY = {
    "code": (N_("Personal code"), N_(
        "The resident types the personal code; it is checked (its form, date and check digit) and kept only as a "
        "code derived from it that cannot be turned back into the personal code. One vote per personal code.")),
    "email": (N_("Personal code and e-mail confirmation"), N_(
        "The resident types the personal code and an e-mail address; the vote counts only once the resident opens "
        "the one-time link sent to that address and confirms it. One vote per personal code and per address. The "
        "service needs its mail settings (SMTP) for this.")),
    "eid": (N_("Electronic identification (eID)"), N_(
        "The resident signs in with an electronic identity provider, which supplies the personal code; it is "
        "never typed. The service needs its eID provider's settings for this.")),
}
ROLES = {"secretariat": N_("secretariat"), "juror": N_("jury seat"), "municipality": N_("municipality"),
         "auditor": N_("auditor"), "council": N_("Fund council"), "system": N_("system")}


def part_name(part: str) -> str:
    return _(PART_NAMES[part]) if part in PART_NAMES else part


def freeze(contest: Contest, freezes_at: str, clause: str) -> dict[str, Any]:
    """Whether something that freezes at `freezes_at` can still change now, and the sentence that says so."""
    if contest.stage == SEALED or has_reached(contest.stage, freezes_at):
        reached = SEALED if contest.stage == SEALED else freezes_at
        return {"frozen": True, "rule": clause,
                "text": _("Can no longer be changed: %(since)s. The results are computed under the rules announced "
                          "before.", since=_(SINCE[reached]))}
    return {"frozen": False, "rule": clause, "text": _("Can be changed %(until)s.", until=_(UNTIL[freezes_at]))}


def part_freeze(contest: Contest, part: str) -> dict[str, Any]:
    """FREEZES_AT's answer for a part, and for the window also whether it has opened (then only the desk's open,
    close and extend commands change it, §4.6.6)."""
    if part == "rules":
        states = [rule_freeze(contest, key) for key in RULE_FREEZES_AT]
        still = sum(1 for st in states if not st["frozen"])
        if not still:
            return states[-1]
        return {"frozen": False, "rule": "", "text": _(
            "%(num)s of %(total)s numbers can still be changed: each until the round it governs opens.",
            num=still, total=len(states))}
    state = freeze(contest, *FREEZES_AT[part])
    if part == "window" and not state["frozen"] and contest.window_status != WINDOW_SCHEDULED:
        return {"frozen": True, "rule": "§4.6.6", "text": window_started_text()}
    if part in contest.unconfirmed and not state["frozen"]:  # carried forward from an earlier contest (domain.setup)
        return {**state, "unconfirmed": True, "text": _(
            "To be confirmed: carried over from the earlier contest; record this year's before round 1 opens.")}
    return state


def rule_freeze(contest: Contest, key: str) -> dict[str, Any]:
    return freeze(contest, *RULE_FREEZES_AT[key])


def window_started_text() -> str:
    return _("The residents' vote has opened: its dates no longer change; the desk closes the vote and the vote "
             "dates' page extends it, each with its reason.")


def rule_number_text(key: str) -> str:
    low, high = RULE_LIMITS[key]
    return _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)


def reason_missing() -> str:
    return _("Give a reason for the change (it is recorded with the event).")


def frozen_field(e: RuleViolation) -> str | None:
    """The part or rule a freezing refusal names (domain.config_changes.require_changeable): "theme", "cut_size"."""
    if e.field is None or "stage" not in e.details:
        return None
    named = re.fullmatch(r"rule '(\w+)'", e.field)
    return named.group(1) if named else e.field


def refusal(e: DomainError) -> dict[str, str]:
    """A refusal that is not one field's: the contest's stage, the sealed contest, a concurrent change; with the
    clause it rests on (shown as 'nolikuma … punkts')."""
    if isinstance(e, RuleViolation):
        if "D14" in e.clause or e.message == "contest is sealed":
            return {"text": _("The contest is approved and sealed: nothing changes any more."), "rule": e.clause}
        if "stage" in e.details:
            stage = str(e.details["stage"])
            return {"text": _("This can no longer be changed: the contest is at the stage '%(stage)s'. "
                              "The results are computed under the rules announced before.",
                              stage=ps.stage_name(stage)), "rule": e.clause}
        if e.field == "window":
            return {"text": window_started_text(), "rule": e.clause}
        if e.clause == "concurrency":
            return {"text": _("Another change was recorded at the same moment; please try again."), "rule": ""}
        return {"text": _("Refused: %(message)s", message=e.message), "rule": e.clause}
    if isinstance(e, NotFound):
        return {"text": _("Not found: %(what)s %(key)s.", what=e.what, key=e.key), "rule": ""}
    if isinstance(e, InvalidInput):
        return {"text": _("Refused: %(message)s", message="; ".join(
            f"{k}: {', '.join(v)}" for k, v in e.errors.items())), "rule": ""}
    return {"text": _("Refused: %(message)s", message=str(e)), "rule": ""}
