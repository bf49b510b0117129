"""The eID sign-in's settings (CONTEST_OIDC_*, CONTEST_PUBLIC_URL; contest/settings.py) and how the personal code is
taken from the verified ID token's claims (contest/eid.py, D15): parsed once, refused with the setting's name."""

from __future__ import annotations

import pytest

from contest.eid import NoCodeClaim, code_from_claims
from contest.identity_settings import DEFAULT_CODE_CLAIM, OidcSettings, oidc_settings, public_url
from contest.settings import SettingsError

FULL = {"CONTEST_OIDC_ISSUER": "https://eid.example.lv", "CONTEST_OIDC_CLIENT_ID": "contest",
        "CONTEST_OIDC_CLIENT_SECRET": "s3cret-value"}


def test_none_set_is_no_provider_and_all_three_are_one() -> None:
    assert oidc_settings({}) is None
    settings = oidc_settings(FULL)
    assert settings == OidcSettings("https://eid.example.lv", "contest", "s3cret-value", DEFAULT_CODE_CLAIM)
    assert settings.metadata_url == "https://eid.example.lv/.well-known/openid-configuration"
    assert "s3cret-value" not in repr(settings)
    assert oidc_settings({**FULL, "CONTEST_OIDC_ISSUER": "https://eid.example.lv/realm/"}).metadata_url == \
        "https://eid.example.lv/realm/.well-known/openid-configuration"
    assert oidc_settings({**FULL, "CONTEST_OIDC_CODE_CLAIM": " serialNumber "}).code_claim == "serialNumber"


@pytest.mark.parametrize("missing", sorted(FULL))
def test_some_but_not_all_is_refused_naming_the_missing_one(missing: str) -> None:
    with pytest.raises(SettingsError, match=missing) as e:
        oidc_settings({k: v for k, v in FULL.items() if k != missing})
    assert "s3cret-value" not in str(e.value)


@pytest.mark.parametrize("issuer", ["http://eid.example.lv", "eid.example.lv", "https://eid.example.lv?x=1",
                                    "ftp://eid.example.lv", "https://"])
def test_the_issuer_is_an_https_address(issuer: str) -> None:
    with pytest.raises(SettingsError, match="CONTEST_OIDC_ISSUER"):
        oidc_settings({**FULL, "CONTEST_OIDC_ISSUER": issuer})


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:9400", "http://localhost:9400", "http://[::1]:9400"])
def test_plain_http_only_on_loopback(issuer: str) -> None:
    assert oidc_settings({**FULL, "CONTEST_OIDC_ISSUER": issuer}).issuer == issuer  # type: ignore[union-attr]


def test_a_claim_name_with_spaces_is_refused() -> None:
    with pytest.raises(SettingsError, match="CONTEST_OIDC_CODE_CLAIM"):
        oidc_settings({**FULL, "CONTEST_OIDC_CODE_CLAIM": "personal code"})


def test_the_public_url() -> None:
    assert public_url({}) is None
    assert public_url({"CONTEST_PUBLIC_URL": "https://balsot.example.lv/"}) == "https://balsot.example.lv"
    for bad in ("balsot.example.lv", "https://balsot.example.lv/?a=1", "mailto:x@example.lv"):
        with pytest.raises(SettingsError, match="CONTEST_PUBLIC_URL"):
            public_url({"CONTEST_PUBLIC_URL": bad})


def test_the_code_comes_from_the_configured_claim_as_written() -> None:
    assert code_from_claims({"personal_code": " 010190-12345 "}, "personal_code") == "010190-12345"
    assert code_from_claims({"serialNumber": "PNOLV-010190-12345"}, "serialNumber") == "010190-12345"
    assert code_from_claims({"serialNumber": "pnolv-32579461005"}, "serialNumber") == "32579461005"
    for claims in ({}, {"personal_code": ""}, {"personal_code": "  "}, {"personal_code": 32579461005},
                   {"personal_code": None}, {"other": "010190-12345"}):
        with pytest.raises(NoCodeClaim):
            code_from_claims(claims, "personal_code")
