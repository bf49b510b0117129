"""HTML pages rendered as PDF with WeasyPrint, fetching nothing but the pages' own static files.

WeasyPrint lays the page out with Pango; the fonts are the system's (fontconfig): the report's stylesheet names
DejaVu Sans first (Debian's fonts-dejavu-core), which has every Latvian letter. The URL fetcher serves only files
under api/static/pages/ (the stylesheet), read from disk, and refuses every other URL, so rendering a report never
touches the network or another file. WeasyPrint is imported when a PDF is asked for: a machine without Pango still
serves everything else, and answers the PDF with PdfUnavailable.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

STATIC = (Path(__file__).parent / "static" / "pages").resolve()
BASE_URL = "https://report.invalid/"  # never fetched: relative links resolve against it to reach STATIC
STATIC_PREFIX = "/static/pages/"
TYPES = {".css": "text/css", ".svg": "image/svg+xml"}

log = logging.getLogger("contest.pdf")


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the libraries it needs (Pango) are not installed."""


def static_file(url: str) -> Path | None:
    """The file under STATIC that `url` names (BASE_URL + /static/pages/…), or None for any other URL."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(STATIC_PREFIX):
        return None
    path = (STATIC / unquote(parts.path[len(STATIC_PREFIX):])).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file() or path.suffix not in TYPES:
        return None
    return path


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        """Our static files only; every other URL is refused (WeasyPrint logs it and renders without it)."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_file(url)
            if path is None:
                log.warning("PDF: refused to fetch %s", url[:200])
                raise ValueError(f"the PDF fetches only the pages' static files, not {url[:200]}")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": TYPES[path.suffix]})

    return StaticOnly(allowed_protocols=("https",), allow_redirects=False)


def render_pdf(html: str) -> bytes:
    """The HTML page as PDF (print media: the stylesheet's @page rules, A4)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: WeasyPrint is there, Pango is not
        raise PdfUnavailable(f"WeasyPrint cannot be loaded: {e}") from e
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()
