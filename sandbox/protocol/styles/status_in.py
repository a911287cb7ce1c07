"""Style documents, partner side: writing the status-in call (IPN) and reading the merchant's answer."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.protocol.styles.signing import Keys, Message, canonical_bytes, sign_bytes, signature_field
from sandbox.protocol.styles.wire import (
    OUTCOME_CODES,
    MessageInvalid,
    StyleProblem,
    Var,
    amount_to_wire,
    form_pairs,
    match_template,
    render_text,
    sole_variable,
    template_parts,
    timestamp_to_wire,
    value_text,
)

# --- the status-in call (the partner's IPN) -----------------------------------------------------------------

@dataclass(frozen=True)
class StatusReport:
    """What the wallet reports: our order number, the amount in VND, SUCCESS/FAILURE/PENDING, its transaction
    id and, for a failure, why."""

    reference: str
    amount: int
    status: str
    transaction_id: str
    message: str = ""


@dataclass(frozen=True)
class WireRequest:
    """A request as it goes on the wire; `query` without '?', `canonical` the signed bytes (for the log)."""

    method: str
    query: str
    headers: dict[str, str]
    body: bytes
    canonical: bytes


def status_value(status_in: Mapping[str, Any], status: str) -> str | None:
    """The wire value of SUCCESS/FAILURE/PENDING in this style; None when the style cannot say it (a constant
    status, or PENDING not listed)."""
    mapping = status_in["fields"]["status"]
    if isinstance(mapping, dict):
        return mapping["const"] if mapping.get("const") == status else None
    listed: dict[str, list[str]] = status_in.get("status_values") or {}
    if listed.get(status):
        return str(listed[status][0])
    if status != "FAILURE" or status_in.get("other_status", "invalid") != "FAILURE":
        return None
    taken = {str(value) for values in listed.values() for value in values}
    digits = [value for value in taken if value.isdigit()]
    width = max((len(value) for value in digits), default=2)
    for candidate in ("9" * max(width, 2), "99", "-1", "FAILURE", "failed"):
        if candidate not in taken:
            return candidate
    raise StyleProblem("no unlisted status value is left for FAILURE")


def can_report(status_in: Mapping[str, Any], status: str) -> bool:
    """Whether the style has a way to say this status."""
    return status_value(status_in, status) is not None


def _as_json_scalar(text: str) -> int | str:
    """A status code as a wallet writes it in JSON: a number when it is a plain integer (MoMo's resultCode)."""
    return int(text) if re.fullmatch(r"-?(?:0|[1-9]\d{0,17})", text) else text


def put_at(target: dict[str, Any], dotted: str, value: Any, nested: bool) -> None:
    if not nested or "." not in dotted:
        target[dotted] = value
        return
    head, _, rest = dotted.partition(".")
    put_at(target.setdefault(head, {}), rest, value, nested)


def build_status_in(style: Mapping[str, Any], report: StatusReport, *, client_id: str, partner_code: str,
                    keys: Keys, now_ms: int, path: str, timestamp_ms: int | None = None) -> WireRequest:
    """The partner's status-in call for one report, signed in the style (`timestamp_ms` overrides the message's
    time, e.g. a stale one). StyleProblem when the style cannot say the report's status."""
    status_in = style["status_in"]
    transport = status_in["transport"]
    textual = transport != "json"
    nested = transport == "json"
    variables = {"client_id": client_id, "partner_code": partner_code}
    names = status_in["fields"]
    wire_status = status_value(status_in, report.status)
    if wire_status is None:
        raise StyleProblem(f"the style {style.get('name')} cannot report {report.status}")
    inner: dict[str, Any] = {}
    put_at(inner, names["reference"], report.reference, nested)
    put_at(inner, names["amount"], amount_to_wire(report.amount, status_in.get("amount"), textual=textual), nested)
    if isinstance(names["status"], str):
        put_at(inner, names["status"], wire_status if textual else _as_json_scalar(wire_status), nested)
    put_at(inner, names["transaction_id"], report.transaction_id, nested)
    if names.get("message") and (report.message or not status_in.get("closed")):
        put_at(inner, names["message"], report.message, nested)
    headers: dict[str, str] = {}
    for rule in status_in.get("expect") or ():
        if "header" in rule:
            headers[rule["header"]] = render_text(rule["equals"], variables)
        else:
            put_at(inner, rule["field"], render_text(rule["equals"], variables), nested)
    stamp = status_in.get("timestamp")
    if stamp:
        at = timestamp_to_wire(now_ms if timestamp_ms is None else timestamp_ms, stamp["format"])
        source = stamp["source"]
        if "header" in source:
            headers[source["header"]] = value_text(at)
        else:
            put_at(inner, source["field"], value_text(at) if textual else at, nested)
    signature = status_in["signature"]
    sig_field = signature_field(signature)
    recipe = signature["canonical"]
    if not status_in.get("closed") and recipe.get("recipe") in ("sorted_pairs", "ordered"):
        # every field the signed string names travels in the message too, empty when the wallet has nothing
        listed = recipe.get("fields") if recipe.get("recipe") == "sorted_pairs" else \
            [part["field"] for part in recipe.get("parts", []) if "field" in part]
        holder = inner
        for name in listed if isinstance(listed, list) else ():
            if name not in holder and name not in (recipe.get("extra") or {}) and name != sig_field:
                holder[name] = ""
    json_string = status_in.get("json_string_field")
    top: dict[str, Any] = {json_string: json.dumps(inner, separators=(",", ":"), ensure_ascii=False)} \
        if json_string else inner
    query = form_pairs(list(top.items())) if transport == "query" else ""
    body = _body(top, transport)
    message = Message(dict(top), headers, body, (path + ("?" + query if query else "")).encode("utf-8"))
    signed = canonical_bytes(recipe, message, variables, sig_field)
    value = sign_bytes(signature, signed, keys)
    if sig_field:
        top[sig_field] = value
        query = form_pairs(list(top.items())) if transport == "query" else ""
        body = _body(top, transport)
    else:
        headers[signature["placement"]["header"]] = value
    if transport == "json":
        headers["Content-Type"] = "application/json"
    elif transport == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    methods = status_in.get("methods") or ["POST"]
    method = "GET" if transport == "query" and "GET" in methods else ("POST" if "POST" in methods else methods[0])
    return WireRequest(method, query, headers, body, signed)


def _body(top: Mapping[str, Any], transport: str) -> bytes:
    if transport == "json":
        return json.dumps(top, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if transport == "form":
        return form_pairs(list(top.items())).encode("ascii")
    return b""


@dataclass(frozen=True)
class AnswerReading:
    """Which outcome the merchant's answer means (None when no outcome of the style fits) and its standard code
    (None when the answer fits outcomes with different codes)."""

    outcome: str | None
    code: int | None


def _answers(status_in: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    answers = dict(status_in.get("answers") or {})
    answers.setdefault("duplicate", answers.get("ok", {}))
    if "rate_limited" not in answers and "error" in answers:
        answers["rate_limited"] = {**answers["error"], "http_status": 429}
    return answers


def _fits(template: Any, received: Any, codes: list[Any]) -> int:
    """-1 when the received value cannot come from the template; otherwise how many literal values it matched
    (the more, the more specific the fit: "mac not equal" beats "{message}")."""
    if isinstance(template, dict):
        if not isinstance(received, dict) or set(template) != set(received):
            return -1
        scores = [_fits(value, received[key], codes) for key, value in template.items()]
        return -1 if any(score < 0 for score in scores) else sum(scores)
    if isinstance(template, list):
        if not isinstance(received, list) or len(template) != len(received):
            return -1
        scores = [_fits(value, item, codes) for value, item in zip(template, received, strict=True)]
        return -1 if any(score < 0 for score in scores) else sum(scores)
    if isinstance(template, str):
        if sole_variable(template) == "code":
            codes.append(received)
            return 0
        if any(isinstance(part, Var) for part in template_parts(template)):
            try:
                match_template(template, received, "", {})
            except MessageInvalid:
                return -1
            return 0
        return 1 if received == render_text(template, {}) else -1
    return 1 if received == template and type(received) is type(template) else -1


def read_answer(style: Mapping[str, Any], http_status: int | None, body: bytes) -> AnswerReading:
    """The merchant's answer to a status-in call, read against the style's answers table."""
    if http_status is None:
        return AnswerReading(None, None)
    try:
        received: Any = json.loads(body) if body else None
    except ValueError:
        received = body.decode("utf-8", "replace")
    fitting: list[tuple[str, int]] = []
    best = 0
    for outcome, answer in _answers(style["status_in"]).items():
        if answer.get("http_status") != http_status:
            continue
        codes: list[Any] = []
        template = answer.get("body")
        score = (0 if received is None else -1) if template is None else _fits(template, received, codes)
        if score < best:
            continue
        if score > best:
            best, fitting = score, []
        said = codes[0] if codes and isinstance(codes[0], int) else None
        if said is not None and OUTCOME_CODES[outcome] != said:
            named = [name for name, number in OUTCOME_CODES.items() if number == said]
            fitting.append((named[0] if named else outcome, said))
        else:
            fitting.append((outcome, OUTCOME_CODES[outcome]))
    if not fitting:
        return AnswerReading(None, None)
    for benign in ("ok", "duplicate"):  # one answer for a repeat and a refusal: the merchant took it as a repeat
        if any(outcome == benign for outcome, _ in fitting):
            return AnswerReading(benign, 0)
    if len({code for _, code in fitting}) == 1:
        return AnswerReading(fitting[0][0], fitting[0][1])
    return AnswerReading("|".join(outcome for outcome, _ in fitting), None)
