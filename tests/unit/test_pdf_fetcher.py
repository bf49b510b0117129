"""The PDF report fetches nothing but the pages' own static files (api/pdf.py): no network, no other file."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest

from api.pdf import BASE_URL, STATIC, render_pdf, static_file


@pytest.mark.parametrize("url", [
    "https://example.com/static/pages/report.css",  # another host
    "http://report.invalid/static/pages/report.css",  # another scheme
    BASE_URL + "static/swagger-ui/index.html",  # not the pages' static files
    BASE_URL + "static/pages/../../app.py",  # out of the folder
    BASE_URL + "static/pages/%2e%2e/%2e%2e/app.py",
    BASE_URL + "static/pages/site.js",  # not a stylesheet or an image
    BASE_URL + "static/pages/missing.css",
    "file:///etc/passwd",
    "data:text/css,body{}",
])
def test_the_fetcher_refuses_every_other_url(url: str) -> None:
    assert static_file(url) is None


def test_the_fetcher_serves_the_report_stylesheet() -> None:
    assert static_file(BASE_URL + "static/pages/report.css") == STATIC / "report.css"


def test_a_pdf_with_outside_references_fetches_none_of_them(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[Any] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: attempts.append(address))
    html = ('<html lang="lv"><head><link rel="stylesheet" href="https://cdn.example.com/x.css">'
            '<link rel="stylesheet" href="/static/pages/report.css"></head><body>'
            '<h1>Ģimenei draudzīgākā pašvaldība: ā č ē ģ ī ķ ļ ņ š ū ž</h1>'
            '<img src="http://example.com/logo.png" alt=""><img src="file:///etc/hostname" alt=""></body></html>')
    with caplog.at_level(logging.WARNING, logger="contest.pdf"):
        pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-") and not attempts
    refused = " ".join(r.getMessage() for r in caplog.records if r.name == "contest.pdf")
    for url in ("https://cdn.example.com/x.css", "http://example.com/logo.png", "file:///etc/hostname"):
        assert url in refused
    assert "report.css" not in refused
