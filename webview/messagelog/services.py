"""Record partner exchanges with secrets redacted and personal data masked."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import delete, update

from webview.core.jsontext import JsonRejected, parse_json
from webview.core.masking import mask_email, mask_name, mask_phone, mask_tail
from webview.core.metrics import observe_partner_call
from webview.core.requestid import current_request_id, valid_request_id
from webview.db import utcnow
from webview.extensions import db
from webview.jobs.registry import periodic
from webview.messagelog.models import PartnerMessage

REDACTED = "[redacted]"
SECRET_HEADERS = {"apikey", "x-ibe-req-name", "authorization", "cookie", "set-cookie", "x-api-key", "x-signature"}
SIGNATURE_FIELDS = {"signature", "sig", "x_signature", "x-signature"}
SECRET_FIELDS = {"client_secret", "api_key", "apikey", "access_code", "secret", "password", "pin", "token",
                 "partner_private_key_pem", "private_key"} | SIGNATURE_FIELDS
SECRET_QUERY = {"token", "key", "data", "sig", "signature", "apikey", "access_code"}
PHONE_FIELDS = {"identify_phone", "phone", "contact_phone"}
NAME_FIELDS = {"identify_fullname", "fullname", "full_name", "contact_name", "customer_name"}
EMAIL_FIELDS = {"email", "contact_email"}
DOCUMENT_FIELDS = {"document_number"}
MAX_BODY = 8000
ENCRYPTED_FIELDS = {"key", "data"}
FORM_MIMETYPE = "application/x-www-form-urlencoded"


def mask_document(value: str) -> str:
    """Keep the last 3 characters of a document number."""
    return mask_tail(value, keep=3)


def _mask_value(key: str, value: Any) -> Any:
    name = key.lower()
    if isinstance(value, dict):
        return redact_mapping(value)
    if isinstance(value, list):
        return [_mask_value(key, item) for item in value]
    if value is None or value == "":
        return value
    if name in SECRET_FIELDS:
        return REDACTED
    if name in PHONE_FIELDS:
        return mask_phone(value)
    if name in NAME_FIELDS:
        return mask_name(value)
    if name in EMAIL_FIELDS:
        return mask_email(value)
    if name in DOCUMENT_FIELDS:
        return mask_document(value)
    if name in ENCRYPTED_FIELDS and isinstance(value, str) and len(value) > 24:
        return value[:16] + f"…({len(value)} chars)"
    if isinstance(value, str) and value.startswith(("http://", "https://")) and "?" in value:
        return redact_url(value)  # url_open, redirect_url, return_url carry one-time tokens and signatures
    return value


def redact_mapping(data: dict) -> dict:
    """Redact secrets and mask personal data in a JSON object, recursively."""
    return {key: _mask_value(key, value) for key, value in data.items()}


def redact_body(body: bytes | str | None, content_type: str | None = None) -> str:
    """Redact a JSON body, or a form body (`content_type` application/x-www-form-urlencoded) as its parsed fields,
    for the log, masked alike; other bodies are summarised, never stored raw."""
    if not body:
        return ""
    try:
        data = parse_json(body)
    except JsonRejected:
        fields = form_fields(body) if _mimetype(content_type) == FORM_MIMETYPE else None
        if fields is None:
            chars = len(body.decode("utf-8", "replace")) if isinstance(body, bytes) else len(body)
            return f"[non-JSON body, {chars} chars]"
        data = fields
    if isinstance(data, dict):
        data = redact_mapping(data)
    elif isinstance(data, list):
        data = [redact_mapping(item) if isinstance(item, dict) else item for item in data]
    return json.dumps(data, ensure_ascii=False)[:MAX_BODY]


def form_fields(text: bytes | str) -> dict[str, str | list[str]] | None:
    """The fields of a form body or query string ({name: value}; a repeated name: [its values]), or None when the
    text is not one (not UTF-8, a part without `=`, no field at all)."""
    try:
        decoded = text.decode("utf-8") if isinstance(text, bytes) else text
        pairs = parse_qsl(decoded, keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    fields: dict[str, str | list[str]] = {}
    for name, value in pairs:
        before = fields.get(name)
        fields[name] = value if before is None else [*before, value] if isinstance(before, list) else [before, value]
    return fields or None


def redact_query_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Query fields as the log keeps them: secret query names hidden (as in a URL), the rest masked like JSON."""
    return {name: REDACTED if name.lower() in SECRET_QUERY else _mask_value(name, value)
            for name, value in fields.items()}


def _mimetype(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _content_type(headers: dict | None) -> str | None:
    return next((str(value) for name, value in dict(headers or {}).items() if name.lower() == "content-type"), None)


def _logged_request_body(body: bytes | str | None, method: str, url: str, headers: dict | None) -> str:
    """The request body as logged; a bodiless GET or HEAD (body given empty) shows its query's fields instead, the
    body of a query-string call."""
    if body:
        return redact_body(body, _content_type(headers))
    if body is None or method.upper() not in {"GET", "HEAD"}:
        return ""
    fields = form_fields(urlsplit(url).query)
    return json.dumps(redact_query_fields(fields), ensure_ascii=False)[:MAX_BODY] if fields else ""


def redact_headers(headers: dict[str, str] | Any) -> dict[str, str]:
    """Keep protocol headers, hide credentials."""
    kept = {}
    for name, value in dict(headers).items():
        lower = name.lower()
        if lower in SECRET_HEADERS:
            kept[name] = REDACTED
        elif lower.startswith("x-") or lower in {"content-type", "content-length", "user-agent"}:
            kept[name] = value
    return kept


def redact_url(url: str) -> str:
    """Hide secret query parameters (launch tokens, envelopes, signatures) and mask personal ones like JSON fields."""
    parts = urlsplit(url)
    query = [(k, REDACTED if k.lower() in SECRET_QUERY else _mask_value(k, v)) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


_SECRETISH = re.compile(r"(?i)(secret|api_key|apikey|access_code|sig|signature|token)=([^&\s]+)")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_HMAC_PAYLOAD = re.compile(rb"([0-9]{1,16})\.([^.]{1,200})\.(.*)", re.DOTALL)


def _decode_hmac_canonical(canonical: str) -> bytes | None:
    """P when `canonical` is base64url_nopad(P) of an hmac signed input (timestamp.client_id.rest), else None."""
    if not _BASE64URL.fullmatch(canonical):
        return None
    try:
        payload = base64.urlsafe_b64decode(canonical + "=" * (-len(canonical) % 4))
    except (binascii.Error, ValueError):
        return None
    return payload if _HMAC_PAYLOAD.fullmatch(payload) else None


def describe_signed_input(canonical: str) -> tuple[str, str]:
    """(what was signed, decoded and masked; sha256 hex of it as signed) for the message log.

    hmac callers pass base64url_nopad(P): it is decoded to P = timestamp.client_id.<body or request target>, the
    body masked like any logged body and the target's secret query values redacted; the digest is sha256(P), the
    replay-store key. Other callers (envelope signature data, already without its access code) are kept as
    given, secret-looking `name=value` pairs redacted; the digest is of the text they passed.
    """
    if not canonical:
        return "", ""
    payload = _decode_hmac_canonical(canonical)
    if payload is None:
        text = _text(canonical, len(canonical)) or ""
        return _SECRETISH.sub(r"\1=" + REDACTED, text)[:MAX_BODY], hashlib.sha256(text.encode()).hexdigest()
    timestamp, client_id, rest = _HMAC_PAYLOAD.fullmatch(payload).groups()
    # a bodiless request signs its request target, a request with a body signs the body
    shown = redact_url(rest.decode("utf-8", "replace")) if rest.startswith(b"/") else redact_body(rest)
    head = f"{timestamp.decode()}.{client_id.decode('utf-8', 'replace')}."
    return (head + shown)[:MAX_BODY], hashlib.sha256(payload).hexdigest()


def _text(value: str | None, limit: int) -> str | None:
    """A value safe to store: valid UTF-8 (lone surrogates replaced), no NUL (PostgreSQL), cut to `limit`."""
    if value is None:
        return None
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")[:limit]


def log_exchange(
    *,
    direction: str,
    method: str,
    url: str,
    kind: str = "",
    partner_id: int | None = None,
    partner_code: str | None = None,
    status_code: int | None = None,
    latency_ms: int | None = None,
    request_headers: dict | None = None,
    request_body: bytes | str | None = None,
    response_body: bytes | str | None = None,
    canonical: str = "",
    verdict: str = "",
    result_code: str | None = None,
    reference: str | None = None,
    request_id: str | None = None,
) -> PartnerMessage:
    """Add one redacted exchange to the session (the caller commits).

    `canonical` is what was signed as the caller has it (hmac: base64url_nopad(P); envelope: the signature data
    without its access code); only its masked decoded form and digest are stored (describe_signed_input).
    """
    shown, digest = describe_signed_input(canonical)
    request_id = request_id or current_request_id() or _header_request_id(request_headers)
    if direction == "outbound":
        observe_partner_call(partner_code, kind, status_code, latency_ms)
    message = PartnerMessage(
        direction=direction,
        method=method.upper()[:10],
        url=_text(redact_url(url), 1000),
        kind=_text(kind, 40),
        partner_id=partner_id,
        partner_code=_text(partner_code, 40),
        status_code=status_code,
        latency_ms=latency_ms,
        request_headers=redact_headers(request_headers or {}),
        request_body=_logged_request_body(request_body, method, url, request_headers),
        response_body=redact_body(response_body),
        canonical=shown,
        canonical_sha256=digest,
        verdict=_text(verdict, 200),
        result_code=_text(result_code, 10),
        reference=_text(reference, 40),
        request_id=valid_request_id(request_id),
    )
    db.session.add(message)
    return message


def _header_request_id(headers: dict | None) -> str | None:
    """The X-Request-Id among logged headers (an outbound call from background work carries its own)."""
    for name, value in dict(headers or {}).items():
        if name.lower() == "x-request-id":
            return str(value)
    return None


def purge_old_messages(retention_days: int) -> int:
    """Delete exchanges older than the retention period; returns how many."""
    cutoff = utcnow() - timedelta(days=retention_days)
    result = db.session.execute(delete(PartnerMessage).where(PartnerMessage.created_at < cutoff))
    return result.rowcount or 0


@periodic("messagelog.purge", every_seconds=24 * 3600)
def purge_message_log() -> None:
    """Daily: delete partner messages past MESSAGE_LOG_RETENTION_DAYS."""
    purge_old_messages(int(current_app.config["MESSAGE_LOG_RETENTION_DAYS"]))


def amend_verdict(message_id: int | None, verdict: str) -> None:
    """Replace the verdict of a logged exchange once its answer has been judged (the caller commits).

    The gateway logs a partner's answer as it arrives ("answered code 0"); when the answer then proves unusable
    (a field missing or of the wrong type, an amount that differs from the booking) its row says why, so the
    sandbox inspector shows the real reason.
    """
    if message_id is None:
        return
    db.session.execute(update(PartnerMessage).where(PartnerMessage.id == message_id)
                       .values(verdict=_text(verdict, 200)).execution_options(synchronize_session=False))
