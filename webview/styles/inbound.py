"""The status-in call of a style: read the message, authenticate it, map its fields, render the answer.

Pure functions over a `Received` request (no Flask, no database): the endpoint (`webview.api.styled`) runs them in
the standard IPN's order and does the lookups, the replay store and the payment-status service in between.
Every refusal is a `Refusal` naming its outcome (styles.md "Checks, in this order").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from webview.booking.references import REFERENCE_INPUT_PATTERN
from webview.booking.states import PartnerStatus
from webview.core.jsontext import JsonRejected, parse_json
from webview.styles.canonical import (
    CanonicalProblem,
    Keys,
    Message,
    NotText,
    canonical_bytes,
    encoded_canonical,
    render_value,
    value_text,
    verify_signature,
)
from webview.styles.definition import Answer, Const, StatusIn
from webview.styles.values import parse_amount, parse_time_ms

# outcome -> (our standard code, default message), styles.md "Templates" (`code`, `message`).
OUTCOMES: dict[str, tuple[int, str]] = {
    "ok": (0, "success"),
    "duplicate": (0, "already applied"),
    "invalid": (1, "invalid request"),
    "error": (2, "system error"),
    "not_found": (3, "transaction not found"),
    "not_owner": (4, "transaction does not belong to this partner"),
    "wrong_amount": (5, "invalid amount"),
    "closed": (6, "transaction cancelled or closed"),
    "auth_failed": (7, "authentication failed"),
    "rate_limited": (8, "rate limited"),
}
# Our own rule for a partner's transaction id (as the standard IPN's `transaction_id`): 1-100 characters, no "|".
TRANSACTION_ID_PATTERN = r"^[^|\s][^|]{0,99}$"
OUTCOME_OF_CODE = {0: "ok", 3: "not_found", 4: "not_owner", 5: "wrong_amount", 6: "closed"}
CONTENT_TYPES = {"json": "application/json", "form": "application/x-www-form-urlencoded"}


class Refusal(Exception):
    """A status-in call stopped at a check: its outcome, a reason and (invalid) the offending fields."""

    def __init__(self, outcome: str, message: str | None = None, fields: list[str] | None = None,
                 http_status: int | None = None, signed: bytes | None = None) -> None:
        super().__init__(message or OUTCOMES[outcome][1])
        self.signed = signed  # the signed text when the signature was refused (for the message log)
        self.outcome = outcome
        self.message = message or OUTCOMES[outcome][1]
        self.fields = fields or []
        self.http_status = http_status


@dataclass(frozen=True)
class Received:
    """A request as it arrived."""

    method: str
    mimetype: str
    headers: dict[str, str]
    body: bytes
    query_string: bytes
    target: str


@dataclass
class Parsed:
    """A readable status-in message: its top-level fields and the payload the mapped fields come from."""

    message: Message
    payload: dict[str, Any]
    typed: bool  # values came from JSON (numbers are numbers)


@dataclass(frozen=True)
class StatusReport:
    """What a status-in message says, in our words."""

    reference: str
    amount: int
    status: str  # a PartnerStatus
    transaction_id: str
    message: str | None


@dataclass
class Authenticated:
    """What authentication learned: the canonical bytes (before encode), the signed text and the timestamp."""

    raw: bytes
    signed: bytes
    timestamp_ms: int | None = None
    notes: list[str] = field(default_factory=list)


def _pairs(text: bytes) -> dict[str, str]:
    try:
        decoded = text.decode("utf-8")
        pairs = parse_qsl(decoded, keep_blank_values=True, strict_parsing=bool(decoded), errors="strict")
    except (UnicodeDecodeError, ValueError) as error:
        raise Refusal("invalid", "the parameters are not UTF-8 name=value pairs", ["body"]) from error
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise Refusal("invalid", f"{name} is given twice", [name])
        if "\x00" in name or "\x00" in value:
            raise Refusal("invalid", "a parameter holds a NUL character", [name])
        values[name] = value
    return values


def _no_fractions(value: Any, where: str) -> None:
    if isinstance(value, float):
        raise Refusal("invalid", f"{where}: a number with a fraction or exponent", [where])
    if isinstance(value, dict):
        for key, item in value.items():
            _no_fractions(item, key)
    elif isinstance(value, list):
        for item in value:
            _no_fractions(item, where)


def _json_object(raw: bytes | str, where: str) -> dict[str, Any]:
    try:
        data = parse_json(raw)
    except JsonRejected as error:
        raise Refusal("invalid", f"{where} is not valid JSON ({error})", [where]) from error
    if not isinstance(data, dict):
        raise Refusal("invalid", f"{where} must be a JSON object", [where])
    _no_fractions(data, where)
    return data


def read_message(style: StatusIn, received: Received) -> Parsed:
    """The message in the style's transport (check 3); Refusal(invalid) when it cannot be read."""
    headers = received.headers
    if style.transport == "query":
        fields: dict[str, Any] = _pairs(received.query_string)
    else:
        if received.mimetype != CONTENT_TYPES[style.transport]:
            raise Refusal("invalid", f"send the body as {CONTENT_TYPES[style.transport]}", ["body"])
        fields = _json_object(received.body, "body") if style.transport == "json" else _pairs(received.body)
    message = Message(headers=headers, fields=fields, body=received.body, target=received.target)
    payload = fields
    if style.json_string_field:
        inner = fields.get(style.json_string_field)
        if not isinstance(inner, str):
            raise Refusal("invalid", f"{style.json_string_field} must be a JSON string",
                          [style.json_string_field])
        payload = _json_object(inner, style.json_string_field)
    return Parsed(message=message, payload=payload, typed=style.transport == "json")


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (`data.transaction_id`), or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _field_or_header(parsed: Parsed, header: str | None, name: str | None) -> str | None:
    if header is not None:
        return parsed.message.header(header)
    value = get_path(parsed.payload, name or "")
    return None if value is None else value_text(value)


def authenticate(style: StatusIn, parsed: Parsed, keys: Keys, variables: dict[str, Any],
                 now_ms: int) -> Authenticated:
    """Checks 4-6: expect, timestamp window, signature. Refusal(auth_failed) on any failure."""
    for expect in style.expect:
        presented = _field_or_header(parsed, expect.header, expect.field)
        wanted = value_text(render_value(expect.equals, variables))
        if presented is None or presented.strip() != wanted:
            raise Refusal("auth_failed", f"{expect.header or expect.field} does not match")
    timestamp_ms = None
    variables = dict(variables, timestamp="")
    if style.timestamp is not None:
        source = style.timestamp.source
        text = _field_or_header(parsed, source.header, source.field)
        if text is None or text == "":
            raise Refusal("auth_failed", f"missing {source.header or source.field}")
        timestamp_ms = parse_time_ms(text.strip(), style.timestamp.format)
        if timestamp_ms is None:
            raise Refusal("auth_failed", "malformed timestamp")
        if abs(now_ms - timestamp_ms) > style.timestamp.window_s * 1000:
            raise Refusal("auth_failed", "timestamp outside the allowed window")
        variables["timestamp"] = text.strip()
    signature = style.signature
    placement = signature.placement
    if placement.header is not None:
        presented = parsed.message.header(placement.header)
    else:
        value = parsed.message.fields.get(placement.field)
        presented = value if isinstance(value, str) else None
    try:
        raw = canonical_bytes(signature.canonical, parsed.message, variables, placement.field)
    except CanonicalProblem as problem:
        raise Refusal("invalid", str(problem), [str(problem).split(" ", 1)[0]]) from problem
    except NotText as problem:
        raise Refusal("invalid", str(problem), ["body"]) from problem
    signed = encoded_canonical(signature.canonical, raw)
    if not presented:
        raise Refusal("auth_failed", f"missing signature ({placement.header or placement.field})", signed=signed)
    if not verify_signature(signature, signed, presented, keys):
        raise Refusal("auth_failed", "invalid signature", signed=signed)
    return Authenticated(raw=raw, signed=signed, timestamp_ms=timestamp_ms)


def map_status(style: StatusIn, parsed: Parsed) -> StatusReport:
    """Check 9 (schema): the mapped fields, present and valid; Refusal(invalid) names every offending field."""
    mapping, payload = style.fields, parsed.payload
    problems: dict[str, str] = {}
    reference = get_path(payload, mapping.reference)
    if not isinstance(reference, str) or not re.fullmatch(REFERENCE_INPUT_PATTERN, reference):
        problems[mapping.reference] = "our order number is required (1 to 40 letters, digits, - or _)"
    amount_value = get_path(payload, mapping.amount)
    amount = parse_amount(amount_value, style.amount, typed=parsed.typed)
    if amount is None:
        problems[mapping.amount] = f"an amount in the {style.amount.format} format (x{style.amount.scale}) is required"
    transaction_id = get_path(payload, mapping.transaction_id)
    if isinstance(transaction_id, int) and not isinstance(transaction_id, bool):
        transaction_id = str(transaction_id)
    if not isinstance(transaction_id, str) or not re.fullmatch(TRANSACTION_ID_PATTERN, transaction_id):
        problems[mapping.transaction_id] = "your transaction id is required (1 to 100 characters, no '|')"
    status = _status(style, payload, problems)
    message = None
    if mapping.message:
        value = get_path(payload, mapping.message)
        message = value_text(value)[:200] if value is not None and not isinstance(value, float) else None
    if style.closed:
        known = {mapping.reference, mapping.amount, mapping.transaction_id, *style.optional_fields}
        known |= {mapping.status} if isinstance(mapping.status, str) else set()
        known |= {mapping.message} if mapping.message else set()
        known |= {style.signature.placement.field} if style.signature.placement.field else set()
        known |= {style.timestamp.source.field} if style.timestamp and style.timestamp.source.field else set()
        known |= {expect.field for expect in style.expect if expect.field}
        top = {name.split(".", 1)[0] for name in known}
        for name in payload:
            if name not in top:
                problems[name] = "unknown field"
    if problems:
        raise Refusal("invalid", "invalid request", list(problems))
    return StatusReport(reference=reference, amount=amount, status=status, transaction_id=transaction_id,
                        message=message)


def _status(style: StatusIn, payload: dict[str, Any], problems: dict[str, str]) -> str:
    mapping = style.fields.status
    if isinstance(mapping, Const):
        return mapping.const
    value = get_path(payload, mapping)
    if value is None or isinstance(value, (dict, list, float)):
        problems[mapping] = "a status is required"
        return ""
    text = value_text(value)
    for status, values in style.status_values.items():
        if text in values:
            return status
    if style.other_status == PartnerStatus.FAILURE:
        return PartnerStatus.FAILURE
    problems[mapping] = f"unknown status value {text[:20]!r}"
    return ""


def answer_for(answers, outcome: str) -> Answer:
    """The style's answer to an outcome (duplicate falls back to ok, rate_limited to error with HTTP 429)."""
    answer = getattr(answers, outcome)
    if answer is not None:
        return answer
    if outcome == "duplicate":
        return answers.ok
    return Answer(http_status=429, body=answers.error.body)


def render_answer(answer: Answer, variables: dict[str, Any]) -> tuple[int, bytes, str | None]:
    """(HTTP status, body bytes, content type) of an answer; a JSON value is compact JSON, a string plain text."""
    if answer.body is None:
        return answer.http_status, b"", None
    body = render_value(answer.body, variables)
    if isinstance(body, str):
        return answer.http_status, body.encode("utf-8"), "text/plain; charset=utf-8"
    return answer.http_status, json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), \
        "application/json"


def answer_variables(outcome: str, message: str | None, *, reference: str = "", transaction_id: str = "",
                     fields: list[str] | None = None) -> dict[str, Any]:
    """The variables an answer template may name (styles.md "Templates")."""
    code, default = OUTCOMES[outcome]
    return {"code": code, "message": message or default, "reference": reference,
            "transaction_id": transaction_id, "fields": list(fields or [])}
