"""The sandbox wallet's business: create/query/refund for the merchant, settle payments, send IPNs."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sandbox.credentials import PartnerCredentials
from sandbox.exchange import OUTBOUND, HttpResult, send_logged
from sandbox.models import SandboxRefund, SandboxTransaction
from sandbox.partner.schemas import CreateTransactionBody, RefundBody
from sandbox.protocol import hmac_auth
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.services import log_exchange

WALLET_PIN = "123456"
DEEPLINK_TEMPLATE = "sandboxpay://pay?transaction_id={transaction_id}&amount={amount}"
BANKING_METHOD = "SANDBOX_WALLET"
OUTCOMES = {"approve": "SUCCESS", "decline": "FAILURE", "cancel": "CANCELLED", "pend": "PENDING",
            "timeout": "EXPIRED"}
IPN_STATUS = {"SUCCESS": "SUCCESS", "FAILURE": "FAILURE", "CANCELLED": "FAILURE", "PENDING": "PENDING",
              "EXPIRED": "FAILURE"}
# What the wallet tells the merchant when a payment does not go through (the IPN's optional `message`).
DECLINE_MESSAGES = {"FAILURE": "Insufficient balance in the wallet", "CANCELLED": "The customer cancelled the payment",
                    "EXPIRED": "The payment timed out before it was confirmed"}
MAX_DELAY_S = 30
MAX_DUPLICATES = 5

# code -> (message, HTTP status): the partner API answers in the same envelope as DESIGN.md's table.
CODES = {
    0: ("success", 200),
    1: ("invalid request", 400),
    2: ("system error", 500),
    3: ("transaction not found", 200),
    4: ("transaction does not belong to this partner", 200),
    5: ("invalid amount", 200),
    6: ("transaction cancelled or closed", 200),
    7: ("authentication failed", 401),
}


class PartnerApiError(Exception):
    """A refusal answered as {"code", "message", "data"?}."""

    def __init__(self, code: int, message: str | None = None, *, fields: list[str] | None = None,
                 http_status: int | None = None) -> None:
        default_message, default_status = CODES[code]
        super().__init__(message or default_message)
        self.code = code
        self.message = message or default_message
        self.http_status = http_status or default_status
        self.fields = fields


class PaymentError(ValueError):
    """A payment action that cannot be done; `reason` is one of not_found, closed, expired, unknown_action."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_transaction_id() -> str:
    """The wallet's own transaction id: SBX + 12 unguessable characters."""
    return "SBX" + secrets.token_hex(6).upper()


def from_ms(value: int) -> datetime:
    """Unix milliseconds to an aware UTC datetime."""
    return datetime.fromtimestamp(value / 1000, UTC)


# --- merchant -> partner API -------------------------------------------------------------------------------

def create_transaction(partner: PartnerCredentials, body: CreateTransactionBody) -> tuple[SandboxTransaction, bool]:
    """Open a payment, or return the existing one for the same reference; (transaction, created)."""
    existing = find_transaction(partner.partner_code, body.reference_transaction_id)
    if existing is not None:
        _check_repeat(existing, body)
        return existing, False
    try:
        expires_at = from_ms(body.expires_at)
    except (OverflowError, OSError, ValueError) as error:
        raise PartnerApiError(1, "expires_at is not a valid time", fields=["expires_at"]) from error
    transaction = SandboxTransaction(
        transaction_id=new_transaction_id(),
        partner_code=partner.partner_code,
        reference_transaction_id=body.reference_transaction_id,
        amount=body.amount,
        status="PENDING",
        description=body.description,
        customer_identify_code=body.customer.identify_code if body.customer else "",
        ipn_url=body.ipn_url,
        return_url=body.return_url,
        expires_at=expires_at,
    )
    db.session.add(transaction)
    try:
        db.session.commit()
    except IntegrityError:  # the same reference arrived concurrently: answer with the winner
        db.session.rollback()
        existing = find_transaction(partner.partner_code, body.reference_transaction_id)
        if existing is None:
            raise
        _check_repeat(existing, body)
        return existing, False
    return transaction, True


def _check_repeat(existing: SandboxTransaction, body: CreateTransactionBody) -> None:
    if existing.amount != body.amount:
        raise PartnerApiError(5, "a transaction with this reference exists with another amount")


def payment_links(transaction: SandboxTransaction, handoff: str, base_url: str) -> dict[str, str]:
    """payment_url (always) and deeplink (deep-link partners) for a transaction."""
    links = {"payment_url": f"{base_url}/sandbox/pay/{transaction.transaction_id}"}
    if handoff == "deeplink":
        links["deeplink"] = DEEPLINK_TEMPLATE.format(transaction_id=quote(transaction.transaction_id),
                                                     amount=transaction.amount)
    return links


def find_transaction(partner_code: str, reference: str) -> SandboxTransaction | None:
    """One partner's transaction by the merchant's reference."""
    return db.session.scalar(select(SandboxTransaction).where(
        SandboxTransaction.partner_code == partner_code,
        SandboxTransaction.reference_transaction_id == reference))


def get_transaction(transaction_id: str, *, for_update: bool = False) -> SandboxTransaction | None:
    """A transaction by the wallet's own id."""
    query = select(SandboxTransaction).where(SandboxTransaction.transaction_id == transaction_id)
    return db.session.scalar(query.with_for_update() if for_update else query)


def transaction_view(transaction: SandboxTransaction) -> dict:
    """The sandbox partner's view of a payment (query API and test API)."""
    return {
        "transaction_id": transaction.transaction_id,
        "reference_transaction_id": transaction.reference_transaction_id,
        "status": transaction.status,
        "amount": transaction.amount,
        "refunded_amount": transaction.refunded_amount,
        "refunds": [refund_view(refund) for refund in transaction.refunds],
    }


def refund_view(refund: SandboxRefund) -> dict:
    """One refund as the APIs show it."""
    return {"request_id": refund.request_id, "amount": refund.amount, "reason": refund.reason,
            "status": refund.status, "code": refund.result_code}


def refund_transaction(partner_code: str, body: RefundBody) -> SandboxRefund:
    """Refund part or all of a paid transaction, idempotent on request_id (a repeat returns the first outcome)."""
    previous = _refund_by_request_id(body.request_id)
    if previous is not None:
        return _repeat_of(previous, partner_code, body)
    transaction = db.session.scalar(select(SandboxTransaction).where(
        SandboxTransaction.partner_code == partner_code,
        SandboxTransaction.reference_transaction_id == body.reference_transaction_id).with_for_update())
    if transaction is None:
        raise PartnerApiError(3)
    if transaction.transaction_id != body.transaction_id:
        raise PartnerApiError(4, "transaction_id does not match the reference")
    code = 0
    if transaction.status != "SUCCESS":
        code = 6
    elif body.transaction_amount > transaction.amount - transaction.refunded_amount:
        code = 5
    refund = SandboxRefund(
        request_id=body.request_id, transaction=transaction,
        reference_transaction_id=transaction.reference_transaction_id, amount=body.transaction_amount,
        reason=body.reason, status="SUCCESS" if code == 0 else "REFUSED", result_code=code,
    )
    db.session.add(refund)
    try:
        db.session.commit()
    except IntegrityError:  # the same request_id raced us: its outcome is the answer
        db.session.rollback()
        previous = _refund_by_request_id(body.request_id)
        if previous is None:
            raise
        return _repeat_of(previous, partner_code, body)
    return refund


def _refund_by_request_id(request_id: str) -> SandboxRefund | None:
    return db.session.scalar(select(SandboxRefund).where(SandboxRefund.request_id == request_id))


def _repeat_of(previous: SandboxRefund, partner_code: str, body: RefundBody) -> SandboxRefund:
    same = (previous.transaction.partner_code == partner_code
            and previous.reference_transaction_id == body.reference_transaction_id
            and previous.amount == body.transaction_amount)
    if not same:
        raise PartnerApiError(1, "request_id was already used for another refund", fields=["request_id"])
    return previous


# --- the wallet user's decision ----------------------------------------------------------------------------

def check_pin(pin: str) -> str | None:
    """None when the PIN is the wallet's; otherwise why not: "format" (not 6 digits) or "wrong"."""
    if not (pin.isascii() and pin.isdigit() and len(pin) == len(WALLET_PIN)):
        return "format"
    if not secrets.compare_digest(pin, WALLET_PIN):
        return "wrong"
    return None


def settle_transaction(transaction_id: str, action: str) -> SandboxTransaction:
    """Apply the user's choice (approve, decline, cancel, pend) to a pending transaction and commit."""
    if action not in OUTCOMES:
        raise PaymentError("unknown_action")
    transaction = get_transaction(transaction_id, for_update=True)
    if transaction is None:
        raise PaymentError("not_found")
    if transaction.status != "PENDING":
        db.session.rollback()
        raise PaymentError("closed")
    if action == "approve" and utcnow() > transaction.expires_at:
        db.session.rollback()
        raise PaymentError("expired")
    transaction.status = OUTCOMES[action]
    db.session.commit()
    return transaction


# --- IPN ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IpnFaults:
    """Fault injection for the IPN (DESIGN.md sandbox test API); all off by default."""

    delay_s: int = 0
    duplicate: int = 0
    drop: bool = False
    reorder: bool = False
    bad_signature: bool = False
    wrong_amount: bool = False
    stale_timestamp: bool = False

    @classmethod
    def parse(cls, data: object) -> IpnFaults:
        """Validate a faults object; ValueError names the bad knob."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("faults must be an object")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault {sorted(unknown)[0]}")
        for name in ("delay_s", "duplicate"):
            value = data.get(name, 0)
            limit = MAX_DELAY_S if name == "delay_s" else MAX_DUPLICATES
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
                raise ValueError(f"{name} must be an integer from 0 to {limit}")
        for name in ("drop", "reorder", "bad_signature", "wrong_amount", "stale_timestamp"):
            if not isinstance(data.get(name, False), bool):
                raise ValueError(f"{name} must be true or false")
        return cls(**data)

    def check_profile(self, profile: str, suite: str) -> None:
        """ValueError when a knob cannot apply to this partner's profile (DESIGN.md: amount/reorder are hmac only)."""
        if profile == "envelope" and (self.wrong_amount or self.reorder):
            raise ValueError("wrong_amount and reorder apply to hmac partners only (a commit has no amount or status)")
        if profile == "envelope" and self.stale_timestamp and suite != "modern":
            raise ValueError("stale_timestamp needs the modern suite (legacy messages carry no timestamp)")

    @property
    def any(self) -> bool:
        """True when at least one knob is set."""
        return self != IpnFaults()


def ipn_body(transaction: SandboxTransaction, status: str, amount: int | None = None) -> bytes:
    """The IPN JSON body of DESIGN.md, compact, as it goes on the wire; a FAILURE says why in `message`."""
    body = {
        "reference_transaction_id": transaction.reference_transaction_id,
        "transaction_amount": transaction.amount if amount is None else amount,
        "transaction_id": transaction.transaction_id,
        "status": status,
        "partner_banking_method": BANKING_METHOD,
    }
    if status == "FAILURE" and transaction.status in DECLINE_MESSAGES:
        body["message"] = DECLINE_MESSAGES[transaction.status]
    return json.dumps(body, separators=(",", ":")).encode()


def send_ipn(partner: PartnerCredentials, transaction: SandboxTransaction,
             faults: IpnFaults | None = None) -> list[HttpResult]:
    """POST the transaction's status to the merchant's ipn_url, signed as the partner, with optional faults."""
    faults = faults or IpnFaults()
    status = IPN_STATUS[transaction.status]
    reference = transaction.reference_transaction_id
    if faults.drop:
        log_exchange(direction=OUTBOUND, method="POST", url=transaction.ipn_url, kind="ipn",
                     partner_code=partner.partner_code, request_body=ipn_body(transaction, status),
                     verdict="not sent (drop fault)", reference=reference)
        db.session.commit()
        return []
    if faults.delay_s:
        time.sleep(faults.delay_s)
    statuses = ["FAILURE", status] if faults.reorder and status == "SUCCESS" else [status]
    statuses += [status] * faults.duplicate
    results = []
    for each in statuses:
        amount = transaction.amount + 1000 if faults.wrong_amount else None
        body = ipn_body(transaction, each, amount)
        secret = partner.client_secret + "-wrong" if faults.bad_signature else partner.client_secret
        timestamp = hmac_auth.now_ms() - 600_000 if faults.stale_timestamp else None
        headers = {"Content-Type": "application/json",
                   **hmac_auth.signed_headers(partner.client_id, secret, body, timestamp)}
        canonical = hmac_auth.signing_input(headers["X-Timestamp"], partner.client_id, body).decode()
        labels = [name for name, on in (("bad signature", faults.bad_signature), ("wrong amount", faults.wrong_amount),
                                        ("stale timestamp", faults.stale_timestamp)) if on]
        results.append(send_logged("POST", transaction.ipn_url, headers=headers, body=body, kind="ipn",
                                   partner_code=partner.partner_code, canonical=canonical, reference=reference,
                                   verdict=("fault: " + ", ".join(labels)) if labels else ""))
    return results


def result_redirect_url(partner: PartnerCredentials, transaction: SandboxTransaction) -> str:
    """The merchant's return_url, signed per DESIGN.md "Result URL", to send the user back."""
    return hmac_auth.signed_result_url(transaction.return_url, client_id=partner.client_id,
                                       client_secret=partner.client_secret, partner_code=partner.partner_code,
                                       transaction_id=transaction.transaction_id)


def ipn_outcome(result: HttpResult) -> dict:
    """What the merchant answered to one IPN."""
    answer = result.json()
    return {"http_status": result.status, "error": result.error,
            "code": answer.get("code") if isinstance(answer, dict) else None}
