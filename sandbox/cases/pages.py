"""Read the webview's server-rendered screens the way a browser without JavaScript would: forms (with their CSRF
token and hidden fields), links and elements by `data-testid`, and JSON data blocks. Standard library only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

VOID_CHECKABLE = {"checkbox", "radio"}
NOT_SUBMITTED = {"submit", "button", "reset", "image", "file"}


@dataclass
class Element:
    """One element with a `data-testid` (its attributes, and its text when it is short and simple)."""

    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Form:
    """A form's action, method and the values a browser would submit unchanged (first option of a select)."""

    action: str
    method: str
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # every named control, submitted or not

    def values(self, **changes: str) -> dict[str, str]:
        """The form's values with some fields changed (a name that is not in the form is refused)."""
        unknown = [name for name in changes if name not in self.names]
        if unknown:
            raise KeyError(f"the form has no field {', '.join(unknown)}")
        return {**self.fields, **changes}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.elements: list[Element] = []
        self.scripts: dict[str, str] = {}
        self._form: Form | None = None
        self._select: str | None = None
        self._select_chosen = False
        self._open: list[Element] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {name: value or "" for name, value in attr_list}
        if "data-testid" in attrs:
            element = Element(tag, attrs)
            self.elements.append(element)
            self._open.append(element)
        if tag == "form":
            self._form = Form(attrs.get("action", ""), attrs.get("method", "get").lower(), attrs)
            self.forms.append(self._form)
        elif tag == "script" and attrs.get("type") == "application/json" and attrs.get("id"):
            self._script = attrs["id"]
            self.scripts[self._script] = ""
        elif self._form is not None:
            self._control(tag, attrs)

    def _control(self, tag: str, attrs: dict[str, str]) -> None:
        form, name = self._form, attrs.get("name")
        assert form is not None
        if tag == "input" and name:
            form.names.append(name)
            kind = attrs.get("type", "text").lower()
            if kind in NOT_SUBMITTED or (kind in VOID_CHECKABLE and "checked" not in attrs):
                return
            form.fields[name] = attrs.get("value", "on" if kind in VOID_CHECKABLE else "")
        elif tag == "select" and name:
            form.names.append(name)
            self._select, self._select_chosen = name, False
        elif tag == "option" and self._select:
            # a browser submits the selected option, else the first one
            if self._select not in form.fields or ("selected" in attrs and not self._select_chosen):
                form.fields[self._select] = attrs.get("value", "")
                self._select_chosen = "selected" in attrs
        elif tag == "textarea" and name:
            form.names.append(name)
            form.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "script":
            self._script = None
        if self._open and self._open[-1].tag == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts[self._script] += data
        for element in self._open:
            element.text = (element.text + data)[:500]


class Page:
    """A parsed screen: find forms, test ids and JSON blocks; links are made absolute against the page URL."""

    def __init__(self, url: str, html: str) -> None:
        reader = _Reader()
        reader.feed(html)
        reader.close()
        self.url = url
        self.html = html
        self._forms = reader.forms
        self._elements = reader.elements
        self._scripts = reader.scripts

    def testids(self, testid: str) -> list[Element]:
        """Every element with this data-testid, in page order."""
        return [element for element in self._elements if element.attrs.get("data-testid") == testid]

    def testid(self, testid: str) -> Element:
        """The first element with this data-testid (LookupError when the screen has none)."""
        found = self.testids(testid)
        if not found:
            raise LookupError(f"no data-testid={testid!r} on {self.url}")
        return found[0]

    def has(self, testid: str) -> bool:
        """Whether the screen shows an element with this data-testid."""
        return bool(self.testids(testid))

    def link(self, testid: str) -> str:
        """The absolute href of the first link with this data-testid."""
        return urljoin(self.url, self.testid(testid).attrs.get("href", ""))

    def form(self, *, testid: str | None = None, action_contains: str | None = None,
             containing: str | None = None) -> Form:
        """The first form matching: its own data-testid, a piece of its action, or a control it contains."""
        for form in self._forms:
            if testid is not None and form.attrs.get("data-testid") != testid:
                continue
            if action_contains is not None and action_contains not in form.action:
                continue
            if containing is not None and containing not in form.names:
                continue
            form.action = urljoin(self.url, form.action or self.url)
            return form
        raise LookupError(f"no such form on {self.url} (testid={testid}, action~{action_contains}, "
                          f"containing={containing})")

    def json_block(self, block_id: str) -> dict:
        """The JSON data block `<script type="application/json" id=…>`."""
        if block_id not in self._scripts:
            raise LookupError(f"no JSON block #{block_id} on {self.url}")
        data = json.loads(self._scripts[block_id])
        if not isinstance(data, dict):
            raise ValueError(f"JSON block #{block_id} is not an object")
        return data
