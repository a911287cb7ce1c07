"""The sandbox partner in an integration style: its create/query/refund answers, its redirect create and its IPN.

A sandbox partner whose operator switched it to a style (sandbox/operator/styles.py) speaks that style on the wire,
read by the sandbox's own protocol code (sandbox/protocol/styles.py), never webview's. The partner keeps its own
copy of the document it gave the merchant and the named secrets issued with it (`SandboxPartnerStyle`); a partner
without one keeps speaking the hmac profile (sandbox/partner/api.py, services.send_ipn). The wallet's business —
transactions, refunds, the payment page — is the same for every style (sandbox/partner/services.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, current_app, redirect, render_template, request
from pydantic import ValidationError
from sqlalchemy import select

from sandbox.credentials import VAULT_PURPOSE, PartnerCredentials, load_credentials
from sandbox.exchange import INBOUND, OUTBOUND, send_logged
from sandbox.models import SandboxPartnerStyle, SandboxTransaction
from sandbox.partner.schemas import CreateTransactionBody, RefundBody
from sandbox.partner.services import (
    IPN_STATUS,
    IpnFaults,
    PartnerApiError,
    create_transaction,
    find_transaction,
    get_transaction,
    payment_links,
    refund_transaction,
)
from sandbox.protocol import styles
from sandbox.protocol.hmac_auth import now_ms, signed_result_url
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.services import log_exchange
from webview.vault import open_sealed, seal

DEFAULT_PAYMENT_MINUTES = 15  # a create that names no expiry: the wallet's own payment lifetime
STALE_MS = 600_000
FAILURE_WORDS = {"FAILURE": "Insufficient balance in the wallet", "CANCELLED": "The customer cancelled the payment",
                 "EXPIRED": "The payment timed out before it was confirmed"}
REFUSAL_HTTP = {1: 400, 7: 401}

Note = Callable[..., None]  # adds facts to the current request's message-log entry (sandbox.partner.api.note)

bp = Blueprint("sandbox_styled", __name__, url_prefix="/sandbox/pay")


@dataclass(frozen=True)
class SpokenStyle:
    """The style a sandbox partner speaks: the document and the named secrets the merchant issued with it."""

    partner_code: str
    name: str
    document: dict
    secrets: dict[str, str]
    source: str

    def keys(self, partner: PartnerCredentials) -> styles.Keys:
        """Everything this partner signs and verifies with in its style."""
        private = None
        if partner.partner_private_key_pem:
            private = serialization.load_pem_private_key(partner.partner_private_key_pem.encode(), password=None)
        return styles.Keys(secrets={styles.CLIENT_SECRET: partner.client_secret, **self.secrets},
                           private_key=private)  # type: ignore[arg-type]

    def call(self, name: str) -> dict:
        """One of the merchant's calls (create, query, refund) in this style."""
        return self.document[name]


def spoken_style(partner_code: str) -> SpokenStyle | None:
    """The style a sandbox partner speaks, or None when it speaks its profile (hmac)."""
    row = db.session.scalar(select(SandboxPartnerStyle).where(SandboxPartnerStyle.partner_code == partner_code))
    if row is None:
        return None
    secrets = json.loads(open_sealed(current_app.config["MASTER_KEY"], row.secrets_sealed, VAULT_PURPOSE)) \
        if row.secrets_sealed else {}
    return SpokenStyle(row.partner_code, row.name, row.document, secrets, row.source)


def keep_spoken_style(partner_code: str, document: dict, secrets: dict[str, str], source: str) -> None:
    """Record the style a sandbox partner now speaks (flushes; the caller commits)."""
    row = db.session.scalar(select(SandboxPartnerStyle).where(SandboxPartnerStyle.partner_code == partner_code))
    if row is None:
        row = SandboxPartnerStyle(partner_code=partner_code)
        db.session.add(row)
    row.name = str(document.get("name", ""))[:40]
    row.document = document
    row.secrets_sealed = seal(current_app.config["MASTER_KEY"], json.dumps(secrets), VAULT_PURPOSE) if secrets else ""
    row.source = source[:300]
    row.updated_at = utcnow()
    db.session.flush()


def check_style_faults(partner_code: str, faults: IpnFaults) -> None:
    """ValueError when a knob cannot apply to the style the partner speaks (no FAILURE to reorder, no timestamp
    to make stale)."""
    style = spoken_style(partner_code)
    if style is None:
        return
    status_in = style.document["status_in"]
    if faults.reorder and not styles.can_report(status_in, "FAILURE"):
        raise ValueError(f"reorder does not apply to the {style.name} style: it reports SUCCESS only")
    if faults.stale_timestamp and not status_in.get("timestamp"):
        raise ValueError(f"stale_timestamp does not apply to the {style.name} style: its messages carry no "
                         "timestamp")


# --- the merchant's calls -----------------------------------------------------------------------------------

def read_merchant_call(partner: PartnerCredentials, style: SpokenStyle, name: str, target: bytes,
                       note: Note) -> styles.CallReading:
    """Verify and read the current request as the style's `name` call; the verdict goes to the log."""
    reading = styles.read_call(
        style.call(name), method=request.method, headers=dict(request.headers), body=request.get_data(cache=True),
        target=target, query=request.query_string.decode("latin-1"), keys=style.keys(partner),
        client_id=partner.client_id, partner_code=partner.partner_code, now_ms=now_ms())
    note(canonical=reading.canonical, verdict=(f"{style.name}: signature ok" if reading.ok else
                                               f"refused ({style.name}): {reading.reason}"))
    return reading


def call_answer(style: SpokenStyle, name: str, result: str, *, values: dict | None = None, code: int = 0,
                message: str = "success") -> Response:
    """The partner's JSON answer in the style (refusals: HTTP 400 invalid, 401 authentication, else 200)."""
    body = styles.build_call_answer(style.call(name), result=result, values=values, message=message,
                                    standard_code=code)
    status = REFUSAL_HTTP.get(code, 200) if result == "refused" else 200
    return Response(json.dumps(body, separators=(",", ":"), ensure_ascii=False), status,
                    mimetype="application/json")


def refused(style: SpokenStyle, name: str, reading: styles.CallReading) -> Response:
    """A call that did not verify or did not match the style."""
    code = 7 if reading.outcome == "auth_failed" else 1
    return call_answer(style, name, "refused", code=code, message=reading.reason)


def open_transaction(partner: PartnerCredentials, values: dict) -> tuple[SandboxTransaction, bool]:
    """Open (or find again) the payment a create call asks for; PartnerApiError when it cannot be opened."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    now = now_ms()
    if "expires_at" in values:
        expires_at = values["expires_at"]
    elif "expires_in_s" in values:
        expires_at = now + values["expires_in_s"] * 1000
    else:
        expires_at = now + int(timedelta(minutes=DEFAULT_PAYMENT_MINUTES).total_seconds() * 1000)
    fields = {
        "reference_transaction_id": values.get("reference"),
        "amount": values.get("amount"),
        "currency": values.get("currency", "VND"),
        "description": str(values.get("description", ""))[:500],
        # a create that names no status-in URL: the wallet's configured one, the merchant's styled endpoint
        "ipn_url": values.get("ipn_url") or values.get("payment_ipn_url")
        or f"{base}/api/v1/partners/{partner.partner_code}/ipn",
        "return_url": values.get("return_url") or f"{base}/w/result?partner_code={partner.partner_code}",
        "expires_at": expires_at,
    }
    if values.get("identify_code"):
        fields["customer"] = {"identify_code": values["identify_code"]}
    try:
        body = CreateTransactionBody.model_validate(fields)
    except ValidationError as error:
        names = sorted({str(item["loc"][0]) for item in error.errors() if item["loc"]})
        raise PartnerApiError(1, "invalid " + ", ".join(names), fields=names) from error
    return create_transaction(partner, body)


def styled_create(partner: PartnerCredentials, style: SpokenStyle, target: bytes, note: Note) -> Response:
    """Create (or return the existing) payment for a create call in the style."""
    reading = read_merchant_call(partner, style, "create", target, note)
    if not reading.ok:
        return refused(style, "create", reading)
    note(reference=reading.variables.get("reference"))
    try:
        transaction, created = open_transaction(partner, reading.variables)
    except PartnerApiError as error:
        db.session.rollback()
        return call_answer(style, "create", "refused", code=error.code, message=error.message)
    note(verdict=f"{style.name}: signature ok; {'created' if created else 'existing'} {transaction.transaction_id}")
    links = payment_links(transaction, partner.handoff, current_app.config["PUBLIC_BASE_URL"])
    return call_answer(style, "create", "success", values={"transaction_id": transaction.transaction_id, **links})


def styled_query(partner: PartnerCredentials, style: SpokenStyle, target: bytes, note: Note) -> Response:
    """The status of one payment, in the style."""
    reading = read_merchant_call(partner, style, "query", target, note)
    if not reading.ok:
        return refused(style, "query", reading)
    reference = str(reading.variables.get("reference", ""))
    note(reference=reference or None)
    transaction = find_transaction(partner.partner_code, reference) if reference else None
    if transaction is None:
        return call_answer(style, "query", "not_found", code=3, message="transaction not found")
    return call_answer(style, "query", "success", values={
        "transaction_id": transaction.transaction_id, "status": IPN_STATUS[transaction.status],
        "amount": transaction.amount})


def styled_refund(partner: PartnerCredentials, style: SpokenStyle, target: bytes, note: Note) -> Response:
    """Refund part or all of a paid payment (idempotent on the refund's request id), in the style."""
    reading = read_merchant_call(partner, style, "refund", target, note)
    if not reading.ok:
        return refused(style, "refund", reading)
    values = reading.variables
    transaction = _refunded_transaction(partner, style, values)
    if transaction is None:
        return call_answer(style, "refund", "refused", code=3, message="transaction not found")
    note(reference=transaction.reference_transaction_id)
    try:
        body = RefundBody.model_validate({
            "reference_transaction_id": transaction.reference_transaction_id,
            "transaction_amount": values.get("amount"), "transaction_id": transaction.transaction_id,
            "reason": str(values.get("reason", ""))[:500], "request_id": values.get("request_id")})
    except ValidationError as error:
        names = sorted({str(item["loc"][0]) for item in error.errors() if item["loc"]})
        return call_answer(style, "refund", "refused", code=1, message="invalid " + ", ".join(names))
    try:
        result = refund_transaction(partner.partner_code, body)
    except PartnerApiError as error:
        db.session.rollback()
        return call_answer(style, "refund", "refused", code=error.code, message=error.message)
    if result.result_code:
        return call_answer(style, "refund", "refused", code=result.result_code, message=f"refund {result.status}")
    return call_answer(style, "refund", "success", values={"transaction_id": transaction.transaction_id})


def _refunded_transaction(partner: PartnerCredentials, style: SpokenStyle,
                          values: dict) -> SandboxTransaction | None:
    """The payment a refund names: by our order number when the call carries it, else by the wallet's id (or,
    for a redirect create, the order number standing in for it until the wallet named its own)."""
    if values.get("reference"):
        transaction = find_transaction(partner.partner_code, values["reference"])
    else:
        transaction = get_transaction(str(values.get("transaction_id", "")))
        if transaction is None and style.call("create")["transport"] == "redirect":
            transaction = find_transaction(partner.partner_code, str(values.get("transaction_id", "")))
    if transaction is None or transaction.partner_code != partner.partner_code:
        return None
    named = values.get("transaction_id")
    if named and named not in (transaction.transaction_id, transaction.reference_transaction_id):
        return None
    return transaction


# --- the redirect create: the merchant sends the user to the partner's payment_url with a signed query -------

@bp.get("/")
def redirect_create() -> Response | tuple[str, int]:
    """A signed redirect create (e.g. vnpay-like): open the payment and show the wallet's payment page."""
    target = request.full_path.rstrip("?").encode()
    candidates = []
    for row in db.session.scalars(select(SandboxPartnerStyle).order_by(SandboxPartnerStyle.partner_code)):
        if row.document.get("create", {}).get("transport") == "redirect":
            partner, style = load_credentials(row.partner_code), spoken_style(row.partner_code)
            if partner is not None and style is not None:
                candidates.append((partner, style))
    for partner, style in candidates:
        facts: dict = {}
        reading = read_merchant_call(partner, style, "create", target, facts.update)
        if reading.ok:
            try:
                transaction, _ = open_transaction(partner, reading.variables)
            except PartnerApiError as error:
                db.session.rollback()
                return _redirect_refused(partner, error.message, facts)
            _log_redirect(partner, facts, 303, transaction.reference_transaction_id)
            return redirect(f"/sandbox/pay/{transaction.transaction_id}", code=303)
        if reading.outcome == "auth_failed" and "client_id" not in reading.reason and \
                "partner_code" not in reading.reason:
            return _redirect_refused(partner, reading.reason, facts)
    return render_template("sandbox/pay_refused.html", reason="unknown_partner", partner=None,
                           message="No sandbox partner speaking a redirect style recognises this payment request.",
                           detail=request.query_string.decode("latin-1")[:300]), 400


def _redirect_refused(partner: PartnerCredentials, reason: str, facts: dict) -> tuple[str, int]:
    _log_redirect(partner, facts, 400, None)
    return render_template("sandbox/pay_refused.html", reason="refused", partner=partner,
                           message="The payment request was refused.", detail=reason), 400


def _log_redirect(partner: PartnerCredentials, facts: dict, status: int, reference: str | None) -> None:
    log_exchange(direction=INBOUND, method="GET", url=request.url, kind="create-transaction",
                 partner_code=partner.partner_code, status_code=status, request_headers=dict(request.headers),
                 request_body=b"", canonical=facts.get("canonical", ""), verdict=facts.get("verdict", ""),
                 reference=reference)
    db.session.commit()


# --- the status-in call (IPN) -------------------------------------------------------------------------------

def send_styled_ipn(partner: PartnerCredentials, style: SpokenStyle, transaction: SandboxTransaction,
                    faults: IpnFaults) -> list[dict]:
    """Send the payment's status to the merchant in the style, with the faults; one summary per message sent:
    {http_status, error, code (our standard code, None when the answer is ambiguous), outcome}."""
    status_in = style.document["status_in"]
    status = IPN_STATUS[transaction.status]
    reference = transaction.reference_transaction_id
    if not styles.can_report(status_in, status):
        _not_sent(partner, transaction, f"not sent: the {style.name} style has no way to say {status}")
        return []
    if faults.drop:
        _not_sent(partner, transaction, "not sent (drop fault)")
        return []
    statuses = ["FAILURE", status] if faults.reorder and status == "SUCCESS" else [status]
    statuses += [status] * faults.duplicate
    keys = style.keys(partner)
    if faults.bad_signature:
        keys = styles.Keys(secrets={name: secret + "-wrong" for name, secret in keys.secrets.items()})
    labels = [label for label, on in (("bad signature", faults.bad_signature), ("wrong amount", faults.wrong_amount),
                                      ("stale timestamp", faults.stale_timestamp)) if on]
    summaries = []
    stamp = status_in.get("timestamp")
    last_stamp = None
    for each in statuses:
        report = styles.StatusReport(
            reference=reference, amount=transaction.amount + (1000 if faults.wrong_amount else 0), status=each,
            transaction_id=transaction.transaction_id,
            message=FAILURE_WORDS.get(transaction.status, "Payment failed") if each == "FAILURE" else "")
        current = now_ms()
        if stamp:  # a copy is a retry a moment later, signed afresh: never the same timestamp (a replay) twice
            while styles.timestamp_to_wire(current, stamp["format"]) == last_stamp:
                time.sleep(0.05)
                current = now_ms()
            last_stamp = styles.timestamp_to_wire(current, stamp["format"])
        wire = styles.build_status_in(
            style.document, report, client_id=partner.client_id, partner_code=partner.partner_code, keys=keys,
            now_ms=current, path=_path_of(transaction.ipn_url),
            timestamp_ms=current - STALE_MS if faults.stale_timestamp else None)
        url = transaction.ipn_url + (("&" if "?" in transaction.ipn_url else "?") + wire.query if wire.query else "")
        result = send_logged(wire.method, url, headers=wire.headers, body=wire.body or None, kind="ipn",
                             partner_code=partner.partner_code, canonical=wire.canonical.decode("utf-8", "replace"),
                             reference=reference,
                             verdict=f"{style.name}" + (": fault: " + ", ".join(labels) if labels else ""))
        answer = styles.read_answer(style.document, result.status, result.body)
        summaries.append({"http_status": result.status, "error": result.error, "code": answer.code,
                          "outcome": answer.outcome})
    return summaries


def _path_of(url: str) -> str:
    return urlsplit(url).path or "/"


def _not_sent(partner: PartnerCredentials, transaction: SandboxTransaction, verdict: str) -> None:
    log_exchange(direction=OUTBOUND, method="POST", url=transaction.ipn_url, kind="ipn",
                 partner_code=partner.partner_code, request_body=b"", verdict=verdict,
                 reference=transaction.reference_transaction_id)
    db.session.commit()


def styled_return_url(partner: PartnerCredentials, transaction: SandboxTransaction,
                      sent: list[dict]) -> str | None:
    """The signed result link naming the transaction id the merchant knows: after a redirect create that is our
    order number until a status-in call naming the wallet's own id was accepted (styles.md); None when the
    partner speaks no style."""
    style = spoken_style(partner.partner_code)
    if style is None:
        return None
    known = transaction.transaction_id
    if style.call("create")["transport"] == "redirect" and \
            not any(summary.get("outcome") in ("ok", "duplicate") for summary in sent):
        known = transaction.reference_transaction_id
    return signed_result_url(transaction.return_url, client_id=partner.client_id,
                             client_secret=partner.client_secret, partner_code=partner.partner_code,
                             transaction_id=known)


def styled_ipn(partner: PartnerCredentials, transaction: SandboxTransaction, faults: IpnFaults) -> list[dict] | None:
    """The IPN summaries when the partner speaks a style; None when it speaks its profile."""
    style = spoken_style(partner.partner_code)
    return None if style is None else send_styled_ipn(partner, style, transaction, faults)
