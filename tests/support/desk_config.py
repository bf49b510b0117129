"""The secretariat's configuration pages as a browser without JavaScript uses them (api/desk_config.py): a form
posted with the page's CSRF token, the error shown at a field, the last recorded event, a contest moved to round 2
quickly (round 1 closed empty, as the secretariat may confirm), a workbook's cells changed."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from flask.testing import FlaskClient

from contest.service import ContestService
from domain.actors import Actor
from tests.support.pages import form_token

SEC = Actor(role="secretariat", principal="Anna")
CONFIG = "/sekretariats/konfiguracija"


def post(client: FlaskClient, path: str, data: dict[str, Any], page: str = CONFIG + "/noteikumi") -> Any:
    """POST a form of the configuration pages (its CSRF token read from `page`); a file is (bytes, name)."""
    body: dict[str, Any] = {"csrf_token": form_token(client, page)}
    for key, value in data.items():
        body[key] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return client.post(path, data=body, content_type="multipart/form-data")


def field_error(response: Any, field: str) -> str | None:
    """The error shown at a field (its <p class="field-error" id="<field>-error">), or None."""
    page = response.get_data(as_text=True)
    found = re.search(rf'class="field-error" id="{re.escape(field)}-error">([^<]*)<', page)
    if found is None:
        return None
    assert re.search(rf'id="{re.escape(field)}"[^>]*aria-describedby="[^"]*{re.escape(field)}-error', page) or \
        re.search(rf'aria-describedby="[^"]*{re.escape(field)}-error[^"]*"[^>]*id="{re.escape(field)}"', page), \
        f"the field {field} does not name its error"
    return html.unescape(found.group(1))


def last_event(service: ContestService) -> Any:
    """The last recorded event, as the domain's event object."""
    n = list(service.store.notifications(start=service.event_count()))[-1]
    return service.store.mapper.to_domain_event(n)


def to_round2(service: ContestService) -> None:
    """Round 1 opened and closed with no answers (confirmed with a reason, §4.2, §4.5): round 2 has started."""
    service.open_round1(2024, actor=SEC)
    service.round1.close(2024, actor=SEC, confirm_empty=True, reason="test")


def cells(response: Any) -> list[dict[str, str]]:
    """The per-cell report's rows (templates/pages/config_cells.html): code, row, column, text."""
    page = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="cell" data-code="([^"]*)" data-row="([^"]*)" data-column="([^"]*)">(.*?)</tr>',
                      page, flags=re.S)
    out = []
    for code, row, column, inner in rows:
        tds = re.findall(r"<td[^>]*>(.*?)</td>", inner, flags=re.S)
        out.append({"code": code, "row": row, "column": column,
                    "text": html.unescape(re.sub(r"<[^>]+>", "", tds[-1])).strip()})
    return out


def edit_workbook(data: bytes, sheet: str, changes: dict[tuple[int, str], Any]) -> bytes:
    """The workbook with cells changed: (row, column header) -> value."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    for (row, column), value in changes.items():
        ws.cell(row=row, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
