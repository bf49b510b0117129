"""The privacy page /privatums (Latvian by default, English with ?lang=en like every page): who processes the
residents' data, what the vote keeps and what it never keeps (D10: the personal code only as a keyed hash, the
receipt, the comment with codes redacted, the network only as a keyed hash), why, for how long (the history is the
contest's audit record, nothing is deleted), who sees what (D15: the public board shows only the receipt, the
municipality and the rating), under eID sign-in what the provider gives and what is kept of it (only the keyed hash
and the receipt), the resident's rights under the GDPR and where to turn. Under the `email` identity level (D15) it
says what that level keeps too: the address only as a keyed hash, and the vote waiting for its link outside the
history until the link is spent (contest/vote_requests.py).

The contact is the Fund's to choose: CONTEST_PRIVACY_CONTACT (contest/settings.py) when set, else the page points
to the Fund's own website. The text lives in api/templates/pages/privacy.html; the figures it states (the network
prefixes, the comment's length) come from the code that applies them, so the page cannot drift from the service.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from api import page_support as ps
from api import vote_link_pages
from api.eid import signed_in_period
from contest.eid import LEVEL as EID
from contest.network import IPV4_PREFIX, IPV6_PREFIX
from contest.settings import privacy_contact
from domain.code_shape import REDACTED
from domain.errors import NotFound

blp = Blueprint("privacy", __name__, template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)


def contact_link(contact: str | None) -> Markup | None:
    """The configured contact as HTML: an e-mail address as a mailto: link, a web address (https:) as a link,
    anything else as escaped text."""
    if not contact:
        return None
    if "@" in contact and " " not in contact and "/" not in contact:
        return Markup('<a href="mailto:{0}">{0}</a>').format(contact)
    if contact.startswith("https://") and " " not in contact:
        return Markup('<a href="{0}">{0}</a>').format(contact)
    return escape(contact)


@blp.route("/privatums")
def page() -> str:
    """How the vote processes a resident's data (D10, D15), in the reader's language."""
    try:
        contest: Any = ps.current_contest()
    except NotFound:  # the page says the same without a contest loaded
        contest = None
    context: dict[str, Any] = {"contact": contact_link(privacy_contact()), "redacted": REDACTED,
                               "ipv4_prefix": IPV4_PREFIX, "ipv6_prefix": IPV6_PREFIX}
    if contest is not None:
        context["contest"] = contest
        context["level"] = contest.rules.vote_identity  # D15: what the level keeps besides
        if context["level"] == EID:  # what the eID sign-in gives and what is kept of it
            context["eid_period"] = signed_in_period()
        if context["level"] == vote_link_pages.EMAIL:
            context["link_minutes"] = vote_link_pages.link_minutes()
    return render_template("pages/privacy.html", **context)
