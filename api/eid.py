"""Sign-in with an electronic identity for the residents' vote (RULES.md D15, the identity level `eid`): the
personal code comes from the provider's verified ID token, never typed.

GET /balsot/eid          starts the sign-in: authlib's Flask client sends the browser to the provider's
                         authorization endpoint (from its discovery document, CONTEST_OIDC_ISSUER +
                         /.well-known/openid-configuration) with scope "openid", a fresh state, a nonce and a PKCE
                         code challenge (S256); authlib keeps the state's data (nonce, code verifier, redirect URI)
                         in the pages' signed session cookie until the provider sends the browser back.
GET /balsot/eid/atpakal  the provider's redirect back: authlib checks the state, exchanges the code for the tokens
                         (with the client secret and the PKCE code verifier) and validates the ID token: its
                         signature against the provider's JWKS, the issuer (the configured one, which the discovery
                         document must name too), the audience (this client; authlib checks it only when asked),
                         the expiry and the nonce. contest/eid.py takes the personal code from the configured claim
                         (CONTEST_OIDC_CODE_CLAIM) and checks it (D10). The session then holds only the resident's
                         keyed hash and receipt, for SIGNED_IN_FOR; the vote page (api/pages.py) shows "signed in
                         with eID" and the rating form without a code field, casts the vote with that identity once
                         the resident confirms it (verified="eid"), and forgets the sign-in.
POST /balsot/eid/iziet   forgets the sign-in.

Every failure (a state that is not this browser's, the provider's refusal, a provider out of reach, a forged
signature, an expired ID token, another audience or issuer, another nonce, no code claim, a code D10 refuses) ends on
the vote page with a message in the reader's language; nothing is stored, and the log names the check that failed,
never a claim's value. There is no API way to vote under `eid`: the sign-in is a browser flow, and POST
/api/contests/<year>/votes refuses a typed code under `eid` (409, D15).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from api import page_support as ps
from contest.eid import LEVEL, NoCodeClaim, cast_eid_vote, eid_identity
from contest.identity_settings import OidcSettings, oidc_settings, public_url
from domain.contest import Contest
from domain.errors import NotFound
from domain.identity import Identity
from domain.personal_code import PersonalCodeError
from domain.vote import Vote

CLIENT = "eid"  # authlib's name for the provider: its state data is the session's "_state_eid_<state>"
STATE_PREFIX = f"_state_{CLIENT}_"
SIGNED_IN = "eid"  # the session's signed-in resident: {"key", "receipt", "year", "until"}
FAILED = "eid_failed"  # the session's last failed sign-in, said once on the vote page: {"reason", "check"}
SIGNED_IN_FOR = timedelta(minutes=15)
LEEWAY = 120  # seconds of clock skew allowed on the ID token's exp and iat (authlib's default)
TIMEOUT = 10  # seconds for each request to the provider
RULE = "§4.6.6"  # one vote per resident, the resident verified as the contest's level says
EXTENSION = "contest.eid"
log = logging.getLogger("contest.eid")

blp = Blueprint("eid", __name__, template_folder="templates")
blp.before_request(ps.csrf_on_every_form)
blp.after_request(ps.after)
blp.register_error_handler(NotFound, ps.not_found)
blp.register_error_handler(HTTPException, ps.http_error)

REASONS = {
    "unavailable": ps.N_("The eID service could not be reached. Nothing was recorded; please try again in a while."),
    "state": ps.N_("This sign-in does not belong to this browser's session, or it is too old (it may have been "
                   "started in another browser or tab). Nothing was recorded; please sign in again."),
    "denied": ps.N_("The sign-in was cancelled or refused at the eID service. Nothing was recorded; you can sign in "
                    "again."),
    "refused": ps.N_("The eID service did not confirm the sign-in. Nothing was recorded; please sign in again."),
    "signature": ps.N_("The eID service's confirmation does not carry a valid signature, so it was not accepted. "
                       "Nothing was recorded; please sign in again."),
    "audience": ps.N_("The eID confirmation was issued for another service, so it was not accepted. Nothing was "
                      "recorded; please sign in again."),
    "issuer": ps.N_("The eID confirmation was not issued by the eID service this site trusts, so it was not "
                    "accepted. Nothing was recorded; please sign in again."),
    "nonce": ps.N_("The eID confirmation does not belong to this sign-in (it may have been used before), so it was "
                   "not accepted. Nothing was recorded; please sign in again."),
    "expired": ps.N_("The eID confirmation has expired, so it was not accepted. Nothing was recorded; please sign in "
                     "again."),
    "token": ps.N_("The eID service's confirmation could not be verified, so it was not accepted. Nothing was "
                   "recorded; please sign in again."),
    "no_code": ps.N_("The eID service did not give your personal code, so this sign-in cannot be used to vote. "
                     "Nothing was recorded."),
}
# which failed check of the ID token's claims (joserfc's ClaimError.claim) is which reason
CLAIM_REASONS = {"nonce": "nonce", "aud": "audience", "azp": "audience", "iss": "issuer", "exp": "expired"}


class SignInFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    client: Any  # authlib's FlaskOAuth2App
    settings: OidcSettings


@dataclass(frozen=True)
class EidState:
    """The vote page under `eid`: the signed-in resident (None before the sign-in) and until when, and a message
    to show instead (a failed sign-in, said once; or that no sign-in is possible here) with the page's status."""

    identity: Identity | None = None
    until: datetime | None = None
    refusal: dict[str, str] | None = None
    status: int = 200


def init_app(app: Flask) -> None:
    """Register the sign-in's routes and, when CONTEST_OIDC_* are set, the OpenID Connect client (authlib)."""
    settings = oidc_settings()  # SettingsError at start for a half-set provider
    public_url()  # and for a malformed public address
    app.extensions[EXTENSION] = None
    if settings is not None:
        oauth = OAuth(app)
        client = oauth.register(CLIENT, client_id=settings.client_id, client_secret=settings.client_secret,
                                server_metadata_url=settings.metadata_url,
                                client_kwargs={"scope": "openid", "code_challenge_method": "S256",
                                               "default_timeout": TIMEOUT})
        app.extensions[EXTENSION] = Provider(client, settings)
    app.register_blueprint(blp)


def provider() -> Provider | None:
    found: Provider | None = current_app.extensions.get(EXTENSION)
    return found


def redirect_uri() -> str:
    """Where the provider sends the browser back: CONTEST_PUBLIC_URL's, else the address the request came to (its
    host as ProxyFix passes it behind a proxy). The provider accepts only the redirect URIs registered with it."""
    base = public_url()
    path = url_for("eid.callback")
    return base + path if base else url_for("eid.callback", _external=True)


# ----- the sign-in -----

@blp.route("/balsot/eid")
def start() -> Response:
    """Send the browser to the provider (D15), or back to the vote page when the contest is not under `eid`."""
    contest = ps.current_contest()
    found = provider()
    if contest.rules.vote_identity != LEVEL or found is None:
        return redirect(url_for("pages.vote"))
    drop_state()  # one sign-in at a time: an earlier one that never came back is forgotten
    session.pop(SIGNED_IN, None)
    try:
        check_issuer(found)
        response: Response = found.client.authorize_redirect(redirect_uri(), ui_locales=ps.language())
    except SignInFailed as e:
        return failed(e.reason)
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as e:
        log.warning("eID sign-in could not start: the provider's discovery failed (%s)", type(e).__name__)
        return failed("unavailable")
    return response


@blp.route("/balsot/eid/atpakal")
def callback() -> Response:
    """The provider's redirect back: the verified ID token's personal code becomes the resident's identity."""
    contest = ps.current_contest()
    found = provider()
    if contest.rules.vote_identity != LEVEL or found is None:
        drop_state()
        return redirect(url_for("pages.vote"))
    votes = ps.service().round2.votes
    try:
        claims = verified_claims(found)
        identity = eid_identity(votes, contest.year, claims, found.settings.code_claim)
    except SignInFailed as e:
        return failed(e.reason)
    except NoCodeClaim:
        return failed("no_code")
    except PersonalCodeError as e:
        return failed("invalid_code", check=e.check)
    finally:
        drop_state()
    if votes.has_voted(contest.year, identity.resident_key):
        return failed("already")
    until = ps.service().clock.now() + SIGNED_IN_FOR
    session[SIGNED_IN] = {"key": identity.resident_key, "receipt": identity.receipt, "year": contest.year,
                          "until": until.isoformat()}
    log.info("eID sign-in succeeded")
    return redirect(url_for("pages.vote"))


@blp.route("/balsot/eid/iziet", methods=["POST"])
def sign_out_route() -> Response:
    sign_out()
    return redirect(url_for("pages.vote"))


def check_issuer(found: Provider) -> None:
    """The discovery document must name the configured issuer (OpenID Connect Discovery 1.0, §4.3)."""
    if found.client.load_server_metadata().get("issuer") != found.settings.issuer:
        raise SignInFailed("issuer")


def claims_options(settings: OidcSettings) -> dict[str, dict[str, Any]]:
    """What the ID token's claims must be, beyond authlib's own checks (the signature, exp, the nonce, azp): the
    configured issuer and this client among the audience, both required."""
    return {"iss": {"essential": True, "value": settings.issuer},
            "aud": {"essential": True, "value": settings.client_id},
            "exp": {"essential": True}}


def verified_claims(found: Provider) -> Mapping[str, object]:
    """The ID token's claims once every check passed; SignInFailed naming the first that failed."""
    if request.args.get("error"):  # the provider's refusal, or the resident cancelled
        raise SignInFailed("denied")
    try:
        check_issuer(found)
        token = found.client.authorize_access_token(claims_options=claims_options(found.settings), leeway=LEEWAY)
    except MismatchingStateError:
        raise SignInFailed("state") from None
    except OAuthError:  # the token endpoint's error: a used or unknown code, a wrong secret or PKCE verifier
        raise SignInFailed("refused") from None
    except requests.RequestException:
        raise SignInFailed("unavailable") from None
    except ExpiredTokenError:
        raise SignInFailed("expired") from None
    except ClaimError as e:
        raise SignInFailed(CLAIM_REASONS.get(e.claim, "token")) from None
    except (BadSignatureError, InvalidKeyIdError):
        raise SignInFailed("signature") from None
    except (JoseError, ValueError, KeyError, TypeError):  # not a JWT, an unsupported algorithm, a malformed answer
        raise SignInFailed("token") from None
    claims = token.get("userinfo")  # set only from a validated ID token
    if not isinstance(claims, Mapping):  # the answer had no ID token
        raise SignInFailed("token")
    return claims


def drop_state() -> None:
    for key in [k for k in session if k.startswith(STATE_PREFIX)]:
        session.pop(key)


def failed(reason: str, check: str | None = None) -> Response:
    """Back to the vote page, which says what failed; the log names the check, nothing of the resident."""
    log.warning("eID sign-in refused: %s%s", reason, f" ({check})" if check else "")
    session.pop(SIGNED_IN, None)
    session[FAILED] = {"reason": reason, "check": check}
    return redirect(url_for("pages.vote"))


def sign_out() -> None:
    session.pop(SIGNED_IN, None)


# ----- the vote page under `eid` (api/pages.py) -----

def page_state(contest: Contest) -> EidState:
    """The signed-in resident for this contest, if the sign-in has not ended; else why not, said once."""
    if provider() is None:
        return EidState(refusal=not_configured(), status=503)
    failure = session.pop(FAILED, None)
    if isinstance(failure, dict):
        return EidState(refusal=failure_refusal(str(failure.get("reason")), failure.get("check")))
    held = session.get(SIGNED_IN)
    if not isinstance(held, dict) or held.get("year") != contest.year:
        return EidState()
    until = datetime.fromisoformat(str(held["until"]))
    if ps.service().clock.now() >= until:
        sign_out()
        return EidState(refusal=failure_refusal("ended"))
    return EidState(identity=Identity(str(held["key"]), str(held["receipt"]), LEVEL), until=until)


def cast_vote(year: int, identity: Identity, *, municipality: str, rating: int, comment: str | None,
              client_address: str | None) -> tuple[Vote, int]:
    """The signed-in resident's vote, once confirmed (D15; contest/eid.py)."""
    return cast_eid_vote(ps.service().round2.votes, year, identity, municipality=municipality, rating=rating,
                         comment=comment, client_address=client_address)


def not_configured() -> dict[str, str]:
    return {"kind": "unavailable", "title": _("Voting is temporarily unavailable"),
            "text": _("In this contest residents vote after signing in with eID, but the sign-in is not set up on "
                      "this service yet. Nothing was recorded; please come back later."), "rule": RULE}


def sign_in_first() -> dict[str, str]:
    """A vote sent without a signed-in resident (D15): nothing is counted."""
    return {"kind": "eid", "title": _("Sign in with eID first"),
            "text": _("In this contest residents vote after signing in with eID (an electronic identity); the "
                      "personal code is not typed. Nothing was recorded."), "rule": RULE}


def failure_refusal(reason: str, check: object = None) -> dict[str, str]:
    title = _("The eID sign-in did not succeed")
    if reason == "already":
        return {"kind": "already", "title": _("You have already voted"),
                "text": _("A vote with this personal code has already been recorded in this contest. Each resident "
                          "votes once; the first vote stands."), "rule": "§4.6.6"}
    if reason == "ended":
        minutes = int(SIGNED_IN_FOR.total_seconds() // 60)
        text = ngettext("Your eID sign-in has ended: it is valid for %(num)s minute. Nothing was recorded; please "
                        "sign in again.", "Your eID sign-in has ended: it is valid for %(num)s minutes. Nothing was "
                        "recorded; please sign in again.", minutes)
        return {"kind": "eid", "title": _("The eID sign-in has ended"), "text": text, "rule": RULE}
    if reason == "invalid_code" and isinstance(check, str) and check in ps.CHECK_NAMES:
        text = _("The personal code the eID service gave is not valid. Check failed: %(check)s. This sign-in cannot "
                 "be used to vote; nothing was recorded.", check=_(ps.CHECK_NAMES[check]))
        return {"kind": "eid", "title": title, "text": text, "rule": "§4.6.6"}
    return {"kind": "eid", "title": title, "text": _(REASONS.get(reason, REASONS["token"])), "rule": RULE}


def signed_in_period() -> str:
    """How long a sign-in lasts, as a count in the reader's language: '15 minūtes'."""
    minutes = int(SIGNED_IN_FOR.total_seconds() // 60)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


def local_time(at: datetime, tz: str) -> str:
    """A time of day as the reader writes it: 'plkst. 15.15' in Latvian (LATVIAN.md), '15:15' in English."""
    moment = ps.local(at, tz)
    return f"plkst. {moment:%H.%M}" if ps.language() == "lv" else f"{moment:%H:%M}"
