"""Our calls to a styled partner: build the request byte by byte, read the answer (styles.md "Our calls to you").

Pure functions: `prepare_call` renders a call's headers and fields, writes the body (JSON, form) or query, signs
it and places the signature; `read_answer` finds the result code and the mapped values in a JSON answer. The
gateway (`webview.styles.gateway`) sends, retries and logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from webview.payments.gateway import OutboundRequest
from webview.styles.canonical import (
    Keys,
    Message,
    canonical_bytes,
    compact_json,
    encoded_canonical,
    form_body,
    render_text,
    render_value,
    replay_digest,
    sign_bytes,
    value_text,
)
from webview.styles.definition import AnswerSpec, Call, Const
from webview.styles.inbound import get_path
from webview.styles.values import format_time, parse_amount


@dataclass(frozen=True)
class Prepared(OutboundRequest):
    """One request ready to send (or, for a redirect, the URL to send the user to), with its replay-store entry."""

    digest: str  # sha256 of the canonical bytes before encode (our own replay-store entry)
    timestamp_ms: int


def request_target(url: str) -> str:
    """The raw request target of an absolute URL: path and query, no '?' when the query is empty."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + query


def _write(call: Call, url: str, fields: dict[str, Any]) -> tuple[str, bytes | None]:
    """(URL, body) of a call with these fields, in its transport."""
    if call.transport == "json":
        return url, compact_json(fields)
    if call.transport == "form":
        return url, form_body(list(fields.items())).encode("utf-8")
    return _with_query(url, form_body(list(fields.items()))), None


def prepare_call(call: Call, url: str, variables: dict[str, Any], keys: Keys, now: datetime, *,
                 request_id: str) -> Prepared:
    """Render, write and sign one call; a fresh `{timestamp}` from `now` (one per try)."""
    variables = dict(variables, timestamp=format_time(now, call.timestamp_format, typed=True))
    headers = {name: render_text(template, variables) for name, template in call.headers.items()}
    fields = render_value(call.body, variables)
    if call.transport != "json":
        fields = {name: value_text(value) for name, value in fields.items()}
    final_url, body = _write(call, url, fields)
    canonical, digest = "", ""
    if call.signature is not None:
        signature = call.signature
        message = Message(headers=headers, fields=fields, body=body or b"", target=request_target(final_url))
        raw = canonical_bytes(signature.canonical, message, variables, signature.placement.field)
        signed = encoded_canonical(signature.canonical, raw)
        value = sign_bytes(signature, signed, keys)
        canonical, digest = signed.decode("utf-8", "replace"), replay_digest(raw)
        if signature.placement.header:
            headers[signature.placement.header] = value
        else:
            final_url, body = _write(call, url, {**fields, signature.placement.field: value})
    if call.transport != "redirect":
        headers["Accept"] = "application/json"
        headers["X-Request-Id"] = request_id
        if call.transport == "json":
            headers["Content-Type"] = "application/json"
        elif call.transport == "form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    return Prepared(method=call.method, url=final_url, headers=headers, body=body, canonical=canonical,
                    digest=digest, timestamp_ms=int(now.timestamp() * 1000))


@dataclass(frozen=True)
class AnswerReading:
    """A partner's answer as the style reads it: its result code, which group it falls in, and the values."""

    code: str
    group: str  # success | pending | not_found | other
    message: str
    values: dict[str, Any]


class UnusableReading(ValueError):
    """An answer the style cannot read (not a JSON object, no result code, a mapped value missing or wrong)."""


def read_answer(spec: AnswerSpec, parsed: Any) -> AnswerReading:
    """The result code and group of a decoded JSON answer; UnusableReading with the reason otherwise."""
    if not isinstance(parsed, dict):
        raise UnusableReading("the body is not a JSON object")
    raw_code = get_path(parsed, spec.code)
    if raw_code is None or isinstance(raw_code, (dict, list, float)):
        raise UnusableReading(f"`{spec.code}` is missing" if raw_code is None else f"`{spec.code}` is not a code")
    code = value_text(raw_code)
    group = "success" if code in spec.success else "pending" if code in spec.pending else \
        "not_found" if code in spec.not_found else "other"
    message = ""
    if spec.message:
        value = get_path(parsed, spec.message)
        message = value_text(value)[:200] if isinstance(value, (str, int)) else ""
    values = {}
    for name, source in spec.fields.items():
        values[name] = source.const if isinstance(source, Const) else get_path(parsed, source)
    return AnswerReading(code=code, group=group, message=message, values=values)


def mapped_status(spec: AnswerSpec, value: Any) -> str | None:
    """Our status for a partner's status value in an answer; None when the style does not list it."""
    if value is None or isinstance(value, (dict, list, float)):
        return None
    text = value_text(value)
    for status, values in spec.status_values.items():
        if text in values:
            return status
    return None


def mapped_amount(spec: AnswerSpec, value: Any) -> int | None:
    """VND of an amount in an answer (the answer's amount format), or None."""
    return parse_amount(value, spec.amount, typed=True)
