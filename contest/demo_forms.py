"""A browser without JavaScript, for `contest demo --via pages` (contest/demo_pages.py), from the standard library:
one person's cookie jar (the pages' session cookie: the CSRF token, the staff session's id), a page's forms read
from its HTML as a browser reads them (every control's name and value, the checked radios and boxes, the selected
options, the button pressed), sent as the form names its fields, the post/redirect/get redirect followed, and what
the page then says: that it worked (the status notice, `role="status"`) or why not (`role="alert"`, the messages at
the fields), which a refusal raises with the page's own words.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPCookieProcessor, Request, build_opener

from contest.demo_script import DemoError

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CSRF_FIELD = "csrf_token"  # the pages' CSRF field (api/page_support.py)
DONE = re.compile(r'<div class="notice ok" role="status"')  # a flashed 'done' message, as the pages write it
TEXTUAL = {"text", "hidden", "password", "email", "date", "time", "number", "search", "tel", "url"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def text(self) -> str:
        parts: list[str] = []

        def walk(e: Element) -> None:
            for child in e.children:
                parts.append(child) if isinstance(child, str) else walk(child)
        walk(self)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open[-1].children.append(Element(tag, {k: v if v is not None else "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, 0, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].children.append(data)


@dataclass
class Control:
    """One control of a form: its kind (text, textarea, select, radio, checkbox, submit), name and state."""

    kind: str
    name: str
    value: str
    checked: bool = False
    options: list[str] = field(default_factory=list)


class Form:
    """A form as the browser holds it: filled in with `fill`, sent by the Browser with the button pressed."""

    def __init__(self, element: Element, page_url: str) -> None:
        self.element = element
        self.action = urljoin(page_url, element.attrs.get("action") or page_url)
        self.controls: list[Control] = []
        for e in element.iter():
            name, kind = e.attrs.get("name", ""), e.attrs.get("type", "submit" if e.tag == "button" else "text").lower()
            if "disabled" in e.attrs or not (name or kind == "submit"):  # a button without a name sends nothing
                continue
            if e.tag == "input" and kind in ("radio", "checkbox"):
                self.controls.append(Control(kind, name, e.attrs.get("value", "on"), "checked" in e.attrs))
            elif e.tag in ("input", "button") and kind == "submit":
                self.controls.append(Control("submit", name, e.attrs.get("value", "")))
            elif e.tag == "input" and kind in TEXTUAL:
                self.controls.append(Control("text", name, e.attrs.get("value", "")))
            elif e.tag == "textarea":
                self.controls.append(Control("textarea", name, e.text() if e.children else ""))
            elif e.tag == "select":
                options = [o for o in e.iter() if o.tag == "option"]
                values = [o.attrs.get("value", o.text()) for o in options]
                chosen = next((v for o, v in zip(options, values, strict=True) if "selected" in o.attrs),
                              values[0] if values else "")
                self.controls.append(Control("select", name, chosen, options=values))

    def names(self) -> set[str]:
        return {c.name for c in self.controls if c.name}

    def fill(self, values: Mapping[str, str | bool]) -> Form:
        """Type, choose and tick as a person does: a text field or a text area takes any text; a list, a radio group
        or a box takes only a value the page offers (True/False ticks a box)."""
        for name, value in values.items():
            controls = [c for c in self.controls if c.name == name and c.kind != "submit"]
            if not controls:
                raise DemoError(f"the form {self.action} has no field {name!r}: {sorted(self.names())}")
            kind = controls[0].kind
            if kind in ("text", "textarea"):
                controls[0].value = str(value)
            elif kind == "select":
                if value not in controls[0].options:
                    raise DemoError(f"the list {name!r} of {self.action} offers no {value!r}")
                controls[0].value = str(value)
            elif kind == "checkbox":
                controls[0].checked = value is True or value == controls[0].value
            elif not any(c.value == value for c in controls):
                raise DemoError(f"the choice {name!r} of {self.action} offers no {value!r}")
            else:
                for c in controls:
                    c.checked = c.value == value
        return self

    def data(self, button: str | None = None) -> list[tuple[str, str]]:
        """What the browser sends: every field with a value, the checked choices, and the button pressed (by its
        value; without one, the form's first button, as pressing Enter does)."""
        buttons = [c for c in self.controls if c.kind == "submit"]
        pressed = next((b for b in buttons if b.value == button), None) if button else (buttons or [None])[0]
        if button and pressed is None:
            raise DemoError(f"the form {self.action} has no button {button!r}")
        out = [(c.name, c.value) for c in self.controls
               if c.kind in ("text", "textarea", "select") or (c.kind in ("radio", "checkbox") and c.checked)]
        return out + ([(pressed.name, pressed.value)] if pressed is not None and pressed.name else [])


@dataclass
class Page:
    url: str
    status: int
    html: str
    _root: Element | None = None

    @property
    def root(self) -> Element:
        if self._root is None:
            builder = _Builder()
            builder.feed(self.html)
            builder.close()
            self._root = builder.root
        return self._root

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.root.iter() if e.attrs.get("id") == element_id), None)

    def forms(self) -> list[Form]:
        return [Form(e, self.url) for e in self.root.iter() if e.tag == "form"]

    def form(self, *, action: str | None = None, form_id: str | None = None) -> Form:
        """The form posting to an address ending with `action`, or the one with the id `form_id`."""
        for f in self.forms():
            if (form_id is None or f.element.attrs.get("id") == form_id) and (
                    action is None or urlsplit(f.action).path.endswith(action)):
                return f
        raise DemoError(f"the page {self.path} has no form {form_id or action!r}" + self.said())

    def alerts(self) -> list[str]:
        """What the page says went wrong: its alerts and the messages at its fields."""
        if 'role="alert"' not in self.html and "field-error" not in self.html:
            return []  # without reading the whole page (most answers say nothing went wrong)
        found = [e.text() for e in self.root.iter() if e.attrs.get("role") == "alert"]
        found += [e.text() for e in self.root.iter() if "field-error" in e.classes()]
        return [t for t in dict.fromkeys(found) if t]

    def statuses(self) -> list[str]:
        """What the page says went well: its status notices (the flashed 'done' messages)."""
        if 'role="status"' not in self.html:
            return []
        return [e.text() for e in self.root.iter() if e.attrs.get("role") == "status" and "ok" in e.classes()]

    def shows(self, element_id: str) -> bool:
        return f'id="{element_id}"' in self.html and self.by_id(element_id) is not None

    def done(self) -> bool:
        """Whether the page says it worked: a flashed status notice (the pages' markup, read without the whole
        page when it is the usual one)."""
        return DONE.search(self.html) is not None or bool(self.statuses())

    def said(self) -> str:
        alerts = self.alerts()
        return f"; the page says: {' | '.join(alerts)}" if alerts else ""


class Browser:
    """One person's browser: a cookie jar of its own, the headers its proxy adds (X-Forwarded-For for a resident),
    one request at a time (`lock`: a person does one thing after another)."""

    def __init__(self, base: str, headers: Mapping[str, str] | None = None) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar))
        self.headers = dict(headers or {})
        self.lock = threading.RLock()
        self.sent = 0  # the forms this browser has sent

    def _open(self, request: Request) -> Page:
        for name, value in self.headers.items():
            request.add_header(name, value)  # kept on the redirect (urllib copies a request's own headers)
        for attempt in range(5):
            try:
                with self.opener.open(request, timeout=60) as response:
                    return Page(response.geturl(), response.status, response.read().decode())
            except HTTPError as e:
                if e.code == 503 and attempt < 4:  # the store was busy: nothing was recorded
                    time.sleep(0.2 * (attempt + 1))
                    continue
                return Page(e.geturl() or request.full_url, e.code, e.read().decode())
        raise AssertionError("unreachable")

    def get(self, path: str) -> Page:
        with self.lock:
            return self._open(Request(urljoin(self.base, path)))

    def send(self, form: Form, values: Mapping[str, str | bool] | None = None, button: str | None = None,
             shows: str | None = None, refused: bool = False) -> Page:
        """Fill the form in, send it with its CSRF token and follow the redirect. The answer must say it worked (a
        status notice, or the element of id `shows`) and show no alert; with `refused`, the answer is returned
        whatever it says."""
        form.fill(values or {})
        data = form.data(button)
        if CSRF_FIELD not in dict(data):
            raise DemoError(f"the form {form.action} has no CSRF token")
        with self.lock:
            page = self._open(Request(form.action, data=urlencode(data).encode(), method="POST",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"}))
            self.sent += 1
        if refused:
            return page
        worked = page.shows(shows) if shows else page.done()
        if page.status != 200 or page.alerts() or not worked:
            raise DemoError(f"the form {urlsplit(form.action).path} was refused ({page.status}, {page.path})"
                            + (page.said() or f": {page.root.text()[:400]}"))
        return page

