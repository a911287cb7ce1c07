"""Style documents, partner side: templates, value text, URL encodings, amounts and timestamps."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote_plus

# The outcomes of a status-in call and our standard code of each (styles.md, variable `code`).
OUTCOME_CODES = {"ok": 0, "duplicate": 0, "invalid": 1, "error": 2, "not_found": 3, "not_owner": 4,
                 "wrong_amount": 5, "closed": 6, "auth_failed": 7, "rate_limited": 8}
GMT7 = timezone(timedelta(hours=7))
CLIENT_SECRET = "client_secret"  # noqa: S105  (the name of a key, not a key)
FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
PERCENT_SAFE = FORM_SAFE | {ord("~")}
HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA512": hashlib.sha512}
_NAME = re.compile(r"[a-z_]+")


class StyleProblem(ValueError):
    """A style document the sandbox cannot play, or a value it cannot write in that style."""


class MessageInvalid(ValueError):
    """A received message that cannot be read (the `invalid` outcome); `fields` names the offending fields."""

    def __init__(self, reason: str, fields: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields or []


# --- templates ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Var:
    """A `{name}` placeholder inside a template."""

    name: str


def template_parts(template: str) -> list[str | Var]:
    """A template as literal text and placeholders: `{name}` a variable, `{{`/`}}` literal braces, any other
    brace literal."""
    parts: list[str | Var] = []
    literal, index = [], 0
    while index < len(template):
        pair = template[index:index + 2]
        if pair in ("{{", "}}"):
            literal.append(pair[0])
            index += 2
            continue
        if template[index] == "{":
            end = template.find("}", index + 1)
            name = template[index + 1:end] if end > 0 else ""
            if end > 0 and _NAME.fullmatch(name):
                if literal:
                    parts.append("".join(literal))
                    literal = []
                parts.append(Var(name))
                index = end + 1
                continue
        literal.append(template[index])
        index += 1
    if literal:
        parts.append("".join(literal))
    return parts


def sole_variable(template: str) -> str | None:
    """The variable's name when the template is exactly one placeholder (its value keeps its type)."""
    parts = template_parts(template)
    return parts[0].name if len(parts) == 1 and isinstance(parts[0], Var) else None


def render_text(template: str, variables: Mapping[str, Any]) -> str:
    """A template written as text (every variable as its text)."""
    return "".join(value_text(variables[part.name]) if isinstance(part, Var) else part
                   for part in template_parts(template))


def render(template: Any, variables: Mapping[str, Any]) -> Any:
    """A JSON template with its variables: a string that is exactly one placeholder keeps the value's type."""
    if isinstance(template, str):
        name = sole_variable(template)
        return variables[name] if name is not None else render_text(template, variables)
    if isinstance(template, dict):
        return {key: render(value, variables) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, variables) for value in template]
    return template


def match_template(template: Any, received: Any, where: str, found: dict[str, Any]) -> None:
    """Recover the variables a received value was rendered from (into `found`); MessageInvalid naming `where`
    when it cannot have come from this template (a literal differs, a variable has two values)."""
    if isinstance(template, dict):
        if not isinstance(received, dict):
            raise MessageInvalid(f"{where} is not an object", [where])
        for key, value in template.items():
            if key not in received:
                raise MessageInvalid(f"{where}.{key} is missing".lstrip("."), [f"{where}.{key}".lstrip(".")])
            match_template(value, received[key], f"{where}.{key}".lstrip("."), found)
        extra = [key for key in received if key not in template]
        if extra:
            raise MessageInvalid(f"unexpected field {extra[0]}", [f"{where}.{extra[0]}".lstrip(".")])
        return
    if not isinstance(template, str):
        if received != template or type(received) is not type(template):
            raise MessageInvalid(f"{where} is not {json.dumps(template)}", [where])
        return
    name = sole_variable(template)
    if name is not None:
        _found(found, name, received, where)
        return
    parts = template_parts(template)
    text = received if isinstance(received, str) else value_text(received)
    pattern = "".join(f"(?P<v{i}>.*?)" if isinstance(part, Var) else re.escape(part)
                      for i, part in enumerate(parts))
    matched = re.fullmatch(pattern, text, re.DOTALL)
    if matched is None:
        raise MessageInvalid(f"{where} does not have the expected form", [where])
    for i, part in enumerate(parts):
        if isinstance(part, Var):
            _found(found, part.name, matched.group(f"v{i}"), where)


def _found(found: dict[str, Any], name: str, value: Any, where: str) -> None:
    if name in found and value_text(found[name]) != value_text(value):
        raise MessageInvalid(f"{where} disagrees with another field carrying {name}", [where])
    found.setdefault(name, value)


# --- values as text, URL encodings --------------------------------------------------------------------------

def value_text(value: Any) -> str:
    """The text of a value in signed strings, forms and queries (styles.md "Text of a value")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise MessageInvalid("a number with a fraction or an exponent")


def _escape(text: str, safe: frozenset[int], space_plus: bool) -> str:
    out = []
    for byte in text.encode("utf-8"):
        if byte in safe:
            out.append(chr(byte))
        elif byte == 0x20 and space_plus:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def form_encode(text: str) -> str:
    """PHP urlencode: A-Z a-z 0-9 - _ . kept, space as +, every other UTF-8 byte as %XX."""
    return _escape(text, FORM_SAFE, True)


def percent_encode(text: str) -> str:
    """RFC 3986: A-Z a-z 0-9 - _ . ~ kept, every other UTF-8 byte (space included) as %XX."""
    return _escape(text, PERCENT_SAFE, False)


def form_pairs(pairs: list[tuple[str, Any]]) -> str:
    """name=value pairs, form-encoded, joined by & (form bodies, query strings, redirects)."""
    return "&".join(f"{form_encode(name)}={form_encode(value_text(value))}" for name, value in pairs)


def parse_pairs(text: str) -> dict[str, str]:
    """A form body or query string; MessageInvalid on a name given twice or bytes that are not UTF-8."""
    pairs: dict[str, str] = {}
    for chunk in text.split("&") if text else []:
        if not chunk:
            continue
        name, _, value = chunk.partition("=")
        try:
            name = unquote_plus(name, errors="strict")
            value = unquote_plus(value, errors="strict")
        except UnicodeDecodeError as error:
            raise MessageInvalid("not UTF-8") from error
        if name in pairs:
            raise MessageInvalid(f"{name} given twice", [name])
        pairs[name] = value
    return pairs


# --- amounts and timestamps ---------------------------------------------------------------------------------

def amount_spec(spec: Mapping[str, Any] | None) -> tuple[str, int]:
    """(format, scale) of an `amount` setting (default integer, scale 1)."""
    spec = spec or {}
    return spec.get("format", "integer"), int(spec.get("scale", 1))


def amount_to_wire(vnd: int, spec: Mapping[str, Any] | None, *, textual: bool) -> int | str:
    """An amount in VND written in the style's format (textual: form, query and headers)."""
    kind, scale = amount_spec(spec)
    scaled = vnd * scale
    if kind == "decimal2":
        return f"{scaled}.00"
    if kind == "integer" and not textual:
        return scaled
    return str(scaled)


def amount_from_wire(value: Any, spec: Mapping[str, Any] | None, *, textual: bool) -> int:
    """A received amount back in VND; MessageInvalid when it is not in the stated format or not whole VND."""
    kind, scale = amount_spec(spec)
    if kind == "integer" and not textual:
        ok = isinstance(value, int) and not isinstance(value, bool)
        scaled = value if ok else -1
    elif kind == "decimal2":
        ok = isinstance(value, str) and re.fullmatch(r"\d{1,20}\.\d{2}", value) is not None
        whole, _, cents = value.partition(".") if ok else ("", "", "")
        ok = ok and cents == "00"
        scaled = int(whole) if ok else -1
    else:
        ok = isinstance(value, str) and re.fullmatch(r"\d{1,20}", value) is not None
        scaled = int(value) if ok else -1
    if not ok or scaled < 0 or scaled % scale:
        raise MessageInvalid(f"amount {value!r} is not a {kind} amount in whole VND x {scale}")
    return scaled // scale


def timestamp_to_wire(at_ms: int, kind: str) -> int | str:
    """A moment (unix ms) in a timestamp format; numbers for unix_ms and unix_s."""
    if kind == "unix_ms":
        return at_ms
    if kind == "unix_s":
        return at_ms // 1000
    moment = datetime.fromtimestamp(at_ms / 1000, GMT7)
    if kind == "compact_gmt7":
        return moment.strftime("%Y%m%d%H%M%S")
    if kind == "iso8601":
        return moment.replace(microsecond=0).isoformat()
    raise StyleProblem(f"unknown timestamp format {kind!r}")


def timestamp_from_wire(value: Any, kind: str) -> int:
    """A received timestamp as unix ms; MessageInvalid when malformed."""
    text = value_text(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    try:
        if kind in ("unix_ms", "unix_s"):
            if not re.fullmatch(r"\d{1,16}", text):
                raise ValueError(text)
            return int(text) * (1 if kind == "unix_ms" else 1000)
        if kind == "compact_gmt7":
            if not re.fullmatch(r"\d{14}", text):
                raise ValueError(text)
            return int(datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=GMT7).timestamp() * 1000)
        if kind == "iso8601":
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError(text)
            return int(moment.astimezone(UTC).timestamp() * 1000)
    except (ValueError, OverflowError) as error:
        raise MessageInvalid(f"timestamp {text!r} is not {kind}") from error
    raise StyleProblem(f"unknown timestamp format {kind!r}")
