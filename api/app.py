"""The Flask app factory (Flask tutorial style): one service per app, blueprints for each area."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter

from api import (
    access,
    audit,
    audit_log,
    contests,
    council,
    desk,
    desk_config,
    desk_decisions,
    desk_next_year,
    desk_notifications,
    desk_requests,
    desk_round3,
    downloads,
    eid,
    juror,
    juror_link,
    municipality,
    operations,
    overview,
    pages,
    privacy,
    public_rounds,
    read_side,
    receipts,
    report,
    round1,
    round2,
    round3,
    system,
    transitions,
    vote_link_pages,
    vote_links,
    vote_path,
    vote_receipt,
)
from api.errors import ContestApi, register_error_handlers
from contest.service import ContestService

API_VERSION = "1.0"


class MunicipalityConverter(BaseConverter):
    """A municipality in a URL: its ISO 3166-2 code (LV-RIX, LV-011), so /submissions/import is no municipality."""

    regex = r"LV-[A-Z0-9]{2,3}"


def create_app(service: ContestService, config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        API_TITLE="contest: Ģimenei draudzīgākā pašvaldība",
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/static/swagger-ui/",
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    app.config.update(config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["contest.service"] = service

    api = ContestApi(app, spec_kwargs={
        "info": {"description": "Event-sourced workflow of the contest 'Ģimenei draudzīgākā pašvaldība'. "
                                "Rules: RULES.md clause numbers are cited in each error's `rule`."},
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.url_map.converters["municipality"] = MunicipalityConverter
    api.register_converter(MunicipalityConverter,
                           lambda _: {"type": "string", "pattern": f"^{MunicipalityConverter.regex}$"})
    register_error_handlers(app)
    for blueprint in (system.blp, contests.blp, round1.blp, round2.blp, vote_links.blp, receipts.blp, round3.blp,
                      downloads.blp, transitions.blp, audit.blp, access.blp):
        api.register_blueprint(blueprint)
    vote_path.init_app(app)  # the vote's lean path in front of its route, for well-formed bodies
    operations.init_app(app)  # request ids, JSON access log, security headers, the vote's rate limit
    read_side.init_app(app)  # with CONTEST_READ_STORE: the requests that only read, read the replica
    pages.init_app(app)  # the pages for people (lv/en); registered before system.assets so that they own "/"
    app.register_blueprint(desk.blp)  # the secretariat's desk (/sekretariats), with the pages' plumbing
    app.register_blueprint(desk_next_year.blp)  # its form for next year's contest (/sekretariats/jauns-konkurss)
    app.register_blueprint(juror.blp)  # the jury's pages (/komisija): ballot, score sheet, what the jury reads
    app.register_blueprint(juror_link.blp)  # a jury seat's one-time sign-in link (/komisija/saite/…)
    app.register_blueprint(desk_notifications.blp)  # the desk's list of the mail sent (/sekretariats/pazinojumi)
    app.register_blueprint(municipality.blp)  # the municipality's portal (/pasvaldiba), with the pages' plumbing
    app.register_blueprint(privacy.blp)  # the privacy page (/privatums), with the pages' plumbing
    app.register_blueprint(public_rounds.blp)  # the public pages of rounds 2 and 3 (/rezultati/2-karta, 3-karta)
    app.register_blueprint(report.blp)  # the final report (/rezultati/gala-rezultati, its PDF), the pages' plumbing
    eid.init_app(app)  # the eID sign-in for the vote under the identity level `eid` (D15): /balsot/eid
    vote_link_pages.init_app(app)  # the vote's confirmation by an e-mailed link (/balsot/apstiprinat/…, D15)
    app.register_blueprint(vote_receipt.blp)  # after the vote: the receipt (/balsot/paldies) and its check
    app.register_blueprint(council.blp)  # the Fund council's page (/padome): the result and its approval
    app.register_blueprint(overview.blp)  # the progress page (/parskats): the secretariat's and the chair's
    # the secretariat's round 3, decisions, requests for information, log
    for ops in (desk_round3.blp, desk_decisions.blp, desk_requests.blp, audit_log.blp):
        app.register_blueprint(ops)
    app.register_blueprint(desk_config.blp)  # the desk's configuration, questionnaire, answers' import and tokens
    app.register_blueprint(system.assets)
    return app
