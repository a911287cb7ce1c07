"""The envelope partner's side of a payment: open the place-order redirect, commit, query-trans.

DESIGN.md "Profile envelope": the merchant redirects the user to `<payment_url>?key=…&data=…` (PLACE_ORDER,
signed with the merchant's key and sealed to ours); once the wallet has taken the money the partner sends
COMMIT_REQUEST to `POST <base>/api/v1/partner/commit` (headers apikey / x-ibe-req-name) and may ask
`POST <base>/api/v1/partner/query-trans`. Both answers carry the merchant-signed `return_url`.
All of it with the sandbox's own protocol code (sandbox.protocol.envelope), never webview.signing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from sqlalchemy.exc import IntegrityError

from sandbox.credentials import PartnerCredentials
from sandbox.exchange import INBOUND, OUTBOUND, HttpResult, send_logged
from sandbox.models import SandboxTransaction
from sandbox.partner.services import find_transaction, new_transaction_id
from sandbox.protocol import envelope
from webview.db import utcnow
from webview.extensions import db
from webview.messagelog.services import log_exchange

PRODUCT_TYPES = ("AIR", "HOTEL", "VIP")
PAYMENT_WINDOW = timedelta(minutes=30)
COMMIT_PATH = "/api/v1/partner/commit"
QUERY_TRANS_PATH = "/api/v1/partner/query-trans"
STALE_BY_MS = 600_000  # twice the ±300 s window: surely refused


class PlaceOrderRefused(ValueError):
    """A place-order redirect the wallet will not take; `reason` is a key the page translates."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason  # malformed | signature | stale | access_code | not_envelope | no_keys
        self.detail = detail or reason


@dataclass(frozen=True)
class PlaceOrder:
    """What the merchant asked the wallet to collect."""

    booking_number: str
    product_type: str
    total_amount: int


@dataclass(frozen=True)
class MerchantAnswer:
    """One commit or query-trans exchange: the HTTP outcome and, when it opened, the merchant's fields."""

    result: HttpResult | None
    fields: dict[str, str] | None
    problem: str = ""

    @property
    def error_code(self) -> str | None:
        """The merchant's error_code (sealed or plaintext), if any came back."""
        if self.fields is not None:
            return self.fields.get("error_code")
        answer = self.result.json() if self.result is not None else None
        return str(answer.get("error_code")) if isinstance(answer, dict) and "error_code" in answer else None

    @property
    def return_url(self) -> str | None:
        """The merchant-signed link back to the order's result screen."""
        url = (self.fields or {}).get("return_url") or ""
        return url if url.startswith(("http://", "https://")) else None

    def summary(self) -> dict:
        """JSON-friendly outcome for the test API and the inspector."""
        return {"http_status": self.result.status if self.result else None,
                "error": (self.result.error if self.result else None) or self.problem or None,
                "code": self.error_code}


def _keys(partner: PartnerCredentials) -> tuple[RSAPrivateKey, RSAPublicKey]:
    if partner.profile != "envelope":
        raise PlaceOrderRefused("not_envelope", "this partner does not use the envelope profile")
    if not partner.partner_private_key_pem or not partner.merchant_public_key_pem:
        raise PlaceOrderRefused("no_keys", "the sandbox has no key pair for this partner; re-run the seed")
    return envelope.load_private_key(partner.partner_private_key_pem), \
        envelope.load_public_key(partner.merchant_public_key_pem)


def _shown(partner: PartnerCredentials, signature_data: str) -> str:
    """Signature data for the log, with the access code hidden."""
    return signature_data.replace(partner.access_code, "[redacted]", 1) if partner.access_code else signature_data


def open_place_order(partner: PartnerCredentials, key: str, data: str, *, url: str = "",
                     at_ms: int | None = None) -> PlaceOrder:
    """Decrypt and verify the merchant's place-order redirect (logged as sandbox-inbound); PlaceOrderRefused."""
    started = time.perf_counter()
    canonical, verdict, reference = "", "", None
    try:
        own, merchant = _keys(partner)
        if not key or not data or len(key) > 4096 or len(data) > 8192:
            raise PlaceOrderRefused("malformed", "key and data are required")
        try:
            fields = envelope.open_sealed(envelope.PLACE_ORDER, partner.suite, key, data, receiver_private=own,
                                          sender_public=merchant, at_ms=at_ms)
        except envelope.EnvelopeError as error:
            reason = "stale" if "window" in error.reason else ("malformed" if error.error_code == "07" else "signature")
            raise PlaceOrderRefused(reason, f"{error.error_code}: {error.reason}") from error
        signed, _ = envelope.PLACE_ORDER.fields(partner.suite)
        canonical = _shown(partner, "|".join(fields[name] for name in signed))
        if fields["access_code"] != partner.access_code:
            raise PlaceOrderRefused("access_code", "the access code is not this partner's")
        amount, product_type = fields["total_amount"], fields["product_type"]
        booking_number = fields["booking_number"]
        reference = booking_number[:40]
        if not (amount.isascii() and amount.isdigit() and 0 < int(amount) <= 10_000_000_000):
            raise PlaceOrderRefused("malformed", "total_amount is not a positive whole number")
        if product_type not in PRODUCT_TYPES or not 0 < len(booking_number) <= 64:
            raise PlaceOrderRefused("malformed", "product_type or booking_number is invalid")
        order = PlaceOrder(booking_number, product_type, int(amount))
        verdict = f"signature ok; {product_type} {amount} VND"
        return order
    except PlaceOrderRefused as refusal:
        verdict = f"refused: {refusal.detail}"
        raise
    finally:
        log_exchange(direction=INBOUND, method="GET", url=url or f"/sandbox/partner/{partner.partner_code}/pay",
                     kind="place-order", partner_code=partner.partner_code, status_code=None,
                     latency_ms=int((time.perf_counter() - started) * 1000), canonical=canonical,
                     verdict=verdict[:200], reference=reference)
        db.session.commit()


def open_envelope_transaction(partner: PartnerCredentials, order: PlaceOrder, base_url: str) -> SandboxTransaction:
    """The wallet payment for a place-order: a new one, or the existing one for the same booking and amount."""
    existing = find_transaction(partner.partner_code, order.booking_number)
    if existing is not None:
        if existing.amount != order.total_amount:
            raise PlaceOrderRefused("amount", "this booking was already offered with another amount")
        return existing
    transaction = SandboxTransaction(
        transaction_id=new_transaction_id(), partner_code=partner.partner_code,
        reference_transaction_id=order.booking_number, amount=order.total_amount, status="PENDING",
        description=f"{order.product_type} {order.booking_number}", customer_identify_code="",
        ipn_url=base_url.rstrip("/") + COMMIT_PATH, return_url="", expires_at=utcnow() + PAYMENT_WINDOW)
    db.session.add(transaction)
    try:
        db.session.commit()
    except IntegrityError:  # a second tab raced us with the same redirect
        db.session.rollback()
        existing = find_transaction(partner.partner_code, order.booking_number)
        if existing is None:
            raise
        return existing
    return transaction


@lru_cache(maxsize=1)
def stranger_key() -> RSAPrivateKey:
    """A key that is nobody's: the `bad_signature` fault signs with it."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _product_type(transaction: SandboxTransaction) -> str:
    kind = transaction.description.split(" ", 1)[0]
    return kind if kind in PRODUCT_TYPES else "AIR"


def _call(partner: PartnerCredentials, transaction: SandboxTransaction, spec: envelope.MessageSpec,
          values: dict[str, str], *, kind: str, path: str, signer: RSAPrivateKey | None = None,
          timestamp_ms: int | None = None, label: str = "") -> MerchantAnswer:
    own, merchant = _keys(partner)
    sealed = envelope.seal(spec, partner.suite, values, sender_private=signer or own, receiver_public=merchant,
                           timestamp_ms=timestamp_ms)
    base = transaction.ipn_url.removesuffix(COMMIT_PATH)
    headers = {"Content-Type": "application/json", "apikey": partner.api_key, "x-ibe-req-name": partner.access_code}
    result = send_logged("POST", base + path, headers=headers, body=json.dumps(sealed.as_body()).encode(), kind=kind,
                         partner_code=partner.partner_code, canonical=_shown(partner, sealed.signature_data),
                         reference=transaction.reference_transaction_id, verdict=label)
    answer = result.json()
    if not isinstance(answer, dict) or not isinstance(answer.get("key"), str) or not isinstance(answer.get("data"),
                                                                                               str):
        return MerchantAnswer(result, None, "" if result.status else "no answer")
    try:
        fields = envelope.open_sealed(envelope.TRANS_RESPONSE, partner.suite, answer["key"], answer["data"],
                                      receiver_private=own, sender_public=merchant)
    except envelope.EnvelopeError as error:
        return MerchantAnswer(result, None, f"the merchant's answer did not open: {error.reason}")
    return MerchantAnswer(result, fields)


def send_commit(partner: PartnerCredentials, transaction: SandboxTransaction, *, bad_signature: bool = False,
                stale_timestamp: bool = False) -> MerchantAnswer:
    """COMMIT_REQUEST for a paid transaction (faults: signed by a stranger's key, or an old timestamp)."""
    values = {"access_code": partner.access_code, "booking_number": transaction.reference_transaction_id,
              "partner_trans_id": transaction.transaction_id, "product_type": _product_type(transaction)}
    labels = [name for name, on in (("bad signature", bad_signature), ("stale timestamp", stale_timestamp)) if on]
    answer = _call(partner, transaction, envelope.COMMIT_REQUEST, values, kind="commit", path=COMMIT_PATH,
                   signer=stranger_key() if bad_signature else None,
                   timestamp_ms=int(time.time() * 1000) - STALE_BY_MS if stale_timestamp else None,
                   label=("fault: " + ", ".join(labels)) if labels else "")
    _remember_return_url(transaction, answer)
    return answer


def query_trans(partner: PartnerCredentials, transaction: SandboxTransaction) -> MerchantAnswer:
    """QUERY_TRANS for one booking: the merchant's view and a fresh return_url."""
    values = {"access_code": partner.access_code, "booking_number": transaction.reference_transaction_id}
    answer = _call(partner, transaction, envelope.QUERY_TRANS_REQUEST, values, kind="query-trans",
                   path=QUERY_TRANS_PATH)
    _remember_return_url(transaction, answer)
    return answer


def _remember_return_url(transaction: SandboxTransaction, answer: MerchantAnswer) -> None:
    if answer.return_url:
        db.session.get(SandboxTransaction, transaction.id).return_url = answer.return_url[:1000]
        db.session.commit()


def log_dropped_commit(partner: PartnerCredentials, transaction: SandboxTransaction) -> None:
    """The `drop` fault: record that the commit was never sent."""
    log_exchange(direction=OUTBOUND, method="POST", url=transaction.ipn_url, kind="commit",
                 partner_code=partner.partner_code, verdict="not sent (drop fault)",
                 reference=transaction.reference_transaction_id)
    db.session.commit()
