"""Style documents, partner side: verifying and reading the merchant's calls, writing the answers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.protocol.styles.signing import Keys, Message, canonical_bytes, signature_field, verify_bytes
from sandbox.protocol.styles.status_in import put_at
from sandbox.protocol.styles.wire import (
    MessageInvalid,
    StyleProblem,
    amount_from_wire,
    amount_to_wire,
    match_template,
    parse_pairs,
    timestamp_from_wire,
    value_text,
)

# --- the merchant's calls: create, query, refund ------------------------------------------------------------

@dataclass
class CallReading:
    """A merchant call as the partner reads it: the variables it carries (amounts in VND, times in unix ms),
    or why it is refused (`outcome` invalid or auth_failed), and the signed string for the log."""

    variables: dict[str, Any]
    canonical: str = ""
    outcome: str | None = None
    reason: str = ""
    fields: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the call verified and matched the style."""
        return self.outcome is None


def read_call(call: Mapping[str, Any], *, method: str, headers: Mapping[str, str], body: bytes, target: bytes,
              query: str, keys: Keys, client_id: str, partner_code: str, now_ms: int,
              window_s: int = 300) -> CallReading:
    """Verify one of the merchant's calls against its part of the style and recover the values it carries."""
    transport = call["transport"]
    if method != ("GET" if transport == "redirect" else call.get("method", "POST")):
        return CallReading({}, outcome="invalid", reason=f"method {method} is not the style's")
    try:
        fields = _call_fields(transport, headers, body, query)
    except MessageInvalid as problem:
        return CallReading({}, outcome="invalid", reason=problem.reason, fields=problem.fields)
    variables: dict[str, Any] = {"client_id": client_id, "partner_code": partner_code}
    signature = call.get("signature")
    canonical = ""
    if signature:
        sig_field = signature_field(signature)
        given = fields.pop(sig_field, None) if sig_field else Message({}, dict(headers)).header(
            signature["placement"]["header"]) or None
        message = Message(fields, dict(headers), body if transport in ("json", "form") else b"", target)
        try:
            signed = canonical_bytes(signature["canonical"], message, variables, sig_field)
        except MessageInvalid as problem:
            return CallReading({}, outcome="invalid", reason=problem.reason, fields=problem.fields)
        canonical = signed.decode("utf-8", "replace")
        if not isinstance(given, str) or not verify_bytes(signature, signed, given, keys):
            return CallReading({}, canonical, "auth_failed", "missing or invalid signature")
    found: dict[str, Any] = {}
    try:
        for name, template in (call.get("headers") or {}).items():
            value = Message({}, dict(headers)).header(name)
            if not value:
                raise MessageInvalid(f"header {name} is missing", [name])
            match_template(template, value, name, found)
        match_template(call.get("body") or {}, fields, "", found)
        typed = _typed(call, found, textual=transport != "json")
    except MessageInvalid as problem:
        return CallReading({}, canonical, "invalid", problem.reason, problem.fields)
    for name in ("client_id", "partner_code"):
        if name in typed and typed[name] != variables[name]:
            return CallReading({}, canonical, "auth_failed", f"{name} is not this partner's")
    if "timestamp" in typed and abs(now_ms - typed["timestamp"]) > window_s * 1000:
        return CallReading({}, canonical, "auth_failed", "timestamp outside the allowed window")
    return CallReading({**typed, **variables}, canonical)


def _call_fields(transport: str, headers: Mapping[str, str], body: bytes, query: str) -> dict[str, Any]:
    if transport in ("query", "redirect"):
        return dict(parse_pairs(query))
    content_type = Message({}, dict(headers)).header("Content-Type").split(";")[0].strip().lower()
    if transport == "form":
        if content_type != "application/x-www-form-urlencoded":
            raise MessageInvalid("not a form body", ["body"])
        try:
            return dict(parse_pairs(body.decode("ascii")))
        except UnicodeDecodeError as error:
            raise MessageInvalid("not a form body", ["body"]) from error
    if content_type != "application/json":
        raise MessageInvalid("not a JSON body", ["body"])
    try:
        data = json.loads(body, parse_float=_no_fraction)
    except (ValueError, UnicodeDecodeError) as error:
        raise MessageInvalid("not a JSON object", ["body"]) from error
    if not isinstance(data, dict):
        raise MessageInvalid("not a JSON object", ["body"])
    return data


def _no_fraction(text: str) -> float:
    raise ValueError(f"a number with a fraction: {text}")


def _typed(call: Mapping[str, Any], found: Mapping[str, Any], *, textual: bool) -> dict[str, Any]:
    """The recovered variables with their meaning: amounts in VND, moments in unix ms, counts as int."""
    typed: dict[str, Any] = {}
    stamp_format = call.get("timestamp_format", "unix_ms")
    for name, value in found.items():
        if name == "amount":
            typed[name] = amount_from_wire(value, call.get("amount"), textual=textual)
        elif name in ("timestamp", "expires_at"):
            typed[name] = timestamp_from_wire(value, stamp_format)
        elif name == "expires_in_s":
            text = value_text(value) if not isinstance(value, bool) else ""
            if not re.fullmatch(r"\d{1,10}", text):
                raise MessageInvalid("expires_in_s is not a whole number of seconds", [name])
            typed[name] = int(text)
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            typed[name] = value_text(value)
        else:
            raise MessageInvalid(f"{name} is not text", [name])
    return typed


def _code_value(answer: Mapping[str, Any], code: str) -> int | str:
    listed = [str(value) for key in ("success", "pending", "not_found") for value in answer.get(key) or ()]
    numeric = all(re.fullmatch(r"-?(?:0|[1-9]\d*)", value) for value in listed)
    return int(code) if numeric and re.fullmatch(r"-?(?:0|[1-9]\d*)", code) else code


def refusal_code(answer: Mapping[str, Any], standard: int) -> str:
    """A result code meaning neither success, pending nor not found: our standard code when it is free."""
    taken = {str(value) for key in ("success", "pending", "not_found") for value in answer.get(key) or ()}
    width = max((len(value) for value in taken if value.isdigit()), default=1)
    for candidate in (str(standard).zfill(min(width, 2)), str(standard), "99", "-1", "-2", "error"):
        if candidate not in taken:
            return candidate
    raise StyleProblem("every refusal code is taken by the style's success codes")


def build_call_answer(call: Mapping[str, Any], *, result: str, values: Mapping[str, Any] | None = None,
                      message: str = "", standard_code: int = 2) -> dict[str, Any]:
    """The partner's JSON answer to a call: `result` success, pending, not_found or refused (with our
    `standard_code` for the refusal); `values` transaction_id, payment_url, deeplink, status, amount (VND)."""
    answer = call.get("answer") or {}
    listed = answer.get(result if result != "refused" else "", None) or []
    code = str(listed[0]) if listed else refusal_code(answer, standard_code)
    body: dict[str, Any] = {}
    put_at(body, answer["code"], _code_value(answer, code), True)
    if answer.get("message"):
        put_at(body, answer["message"], message, True)
    places = answer.get("fields") or {}
    for name, value in (values or {}).items():
        if name not in places or value is None:
            continue
        if name == "status":
            wire = (answer.get("status_values") or {}).get(value) or []
            if not wire:
                raise StyleProblem(f"the style's answer has no value for status {value}")
            value = _code_value(answer, str(wire[0])) if places["status"] == answer["code"] else str(wire[0])
        elif name == "amount":
            value = amount_to_wire(value, answer.get("amount"), textual=False)
        put_at(body, places[name], value, True)
    return body
