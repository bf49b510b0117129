"""A misbehaving OpenID Connect provider, run as its own process (`python -m tests.support.rogue_oidc --port N`),
for the eID sign-in's bad inputs that a well-behaved provider never produces (D15): the service under test is
unchanged, only its settings point at this issuer.

It is strict where a provider must be (so that a sign-in it lets through proves the client did its part): the
authorization request must carry scope openid, a state, a nonce and a PKCE S256 code challenge; the token request
must authenticate the client (HTTP Basic, the registered id and secret), send the same redirect URI and a code
verifier whose S256 hash is the challenge; a code is good once. It signs in one resident without a form and then
answers with an ID token bent as the current mode says:

  good       a correct ID token (the provider itself works)
  forged     signed with a key that is not in its JWKS (under the same key id)
  expired    expired half an hour ago
  audience   for another client (with this client as `azp`, which authlib alone would let through)
  issuer     naming another issuer than the one the discovery document and the settings name
  nonce      with another nonce than the authorization request's
  no_code    without the personal code's claim
  no_id_token  a token response without an ID token
  deny       no token at all: the authorization ends with error=access_denied

POST /_control {"mode": ..., "code": ...} sets the mode and the personal code the ID token carries (a test's
control channel; it is a test double, never a service).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "contest-rogue-client"
CLIENT_SECRET = "rogue-secret-0123456789"
CODE_CLAIM = "personal_code"
MODES = ("good", "forged", "expired", "audience", "issuer", "nonce", "no_code", "no_id_token", "deny")
KID = "rogue-1"


class Rogue:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.forger = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.mode = "good"
        self.code = ""
        self.codes: dict[str, dict[str, str]] = {}
        self.lock = threading.Lock()

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": ["openid"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """Sign the resident in at once: a redirect back with a code, or a 400 for a request a provider refuses."""
        required = ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
        if (any(not query.get(k) for k in required) or query.get("response_type") != "code"
                or query.get("code_challenge_method") != "S256" or "openid" not in query.get("scope", "").split()
                or query["client_id"] != CLIENT_ID):
            return 400, {}, "the authorization request needs openid, a state, a nonce and PKCE S256"
        back = query["redirect_uri"]
        if self.mode == "deny":
            return 302, {"Location": f"{back}?{urlencode({'error': 'access_denied', 'state': query['state']})}"}, ""
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {"nonce": query["nonce"], "challenge": query["code_challenge"], "redirect_uri": back}
        return 302, {"Location": f"{back}?{urlencode({'code': code, 'state': query['state']})}"}, ""

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (grant is None or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant["redirect_uri"] or not verifier
                or challenge != grant["challenge"]):
            return 400, {"error": "invalid_grant"}
        answer: dict[str, Any] = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                  "expires_in": 300}
        if self.mode != "no_id_token":
            answer["id_token"] = self.id_token(grant["nonce"])
        return 200, answer

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "sub": "rogue-resident", "aud": CLIENT_ID, "iat": now,
                                  "exp": now + 300, "nonce": nonce, CODE_CLAIM: self.code}
        if self.mode == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.mode == "audience":
            claims.update(aud="another-client", azp=CLIENT_ID)
        elif self.mode == "issuer":
            claims["iss"] = "https://elsewhere.example"
        elif self.mode == "nonce":
            claims["nonce"] = "not-the-nonce-of-this-sign-in"
        elif self.mode == "no_code":
            del claims[CODE_CLAIM]
        key = self.forger if self.mode == "forged" else self.key
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, key)


def handler(rogue: Rogue) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def answer(self, status: int, body: object = None, headers: dict[str, str] | None = None) -> None:
            data = (json.dumps(body) if not isinstance(body, str) else body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json" if not isinstance(body, str) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                return json.loads(raw or "{}")
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self.answer(200, rogue.discovery())
            elif url.path == "/jwks":
                self.answer(200, KeySet([rogue.key]).as_dict(private=False))
            elif url.path == "/authorize":
                status, headers, text = rogue.authorize({k: v[0] for k, v in parse_qs(url.query).items()})
                self.answer(status, text or None, headers)
            else:
                self.answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/token":
                status, body = rogue.token(self.form(), self.headers.get("Authorization", ""))
                self.answer(status, body, {"Cache-Control": "no-store"})
            elif url.path == "/_control":
                wanted = self.form()
                if wanted.get("mode") not in MODES:
                    self.answer(400, {"error": f"mode must be one of {', '.join(MODES)}"})
                    return
                rogue.mode, rogue.code = str(wanted["mode"]), str(wanted.get("code", ""))
                self.answer(204)
            else:
                self.answer(404, {"error": "not_found"})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    issuer = f"http://127.0.0.1:{args.port}"
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(Rogue(issuer)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
