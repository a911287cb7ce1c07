"""The gateway of `styled` partners: create, query and refund in the partner's own style.

The same contract as the hmac gateway (`webview.payments.gateway`): explicit connect/read timeouts, retries on
connection errors, 429 and 5xx with exponential backoff, the same idempotency key on every try (re-rendered with a
fresh `{timestamp}` and signed again), no call while a transaction is open (the caller's session is committed
first), every try in the message log with its canonical string. Only the wire format comes from the style; the
handoff (redirect, deeplink, bridge) is the hmac gateway's.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from flask import current_app

from webview.api.replay import remember_own_signature
from webview.extensions import db
from webview.messagelog.services import log_exchange
from webview.partners.models import Partner
from webview.payments.gateway import (
    CallBudget,
    HmacGateway,
    PartnerRefused,
    PartnerTransaction,
    PartnerUnavailable,
    RefundOutcome,
    TransactionRequest,
    _Answer,
    _optional_text_problem,
    _usable_payment_url,
    id_problem,
)
from webview.payments.models import RefundStatus
from webview.profiles.handoffs import REDIRECT
from webview.styles.canonical import Keys, MissingKey, value_text
from webview.styles.definition import Call, StyleDefinition
from webview.styles.inbound import get_path
from webview.styles.outbound import (
    Prepared,
    UnusableReading,
    mapped_amount,
    mapped_status,
    prepare_call,
    read_answer,
)
from webview.styles.store import signing_keys, style_of
from webview.styles.values import format_amount, format_time

UNKNOWN = "UNKNOWN"  # a refund whose outcome is not known yet (RefundOutcome.state, as the hmac gateway says it)


class StyledGateway(HmacGateway):
    """A `styled` partner's create / query / refund, written and read as its style says."""

    def __init__(self, partner: Partner, *, http: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, budget: CallBudget | None = None,
                 style: StyleDefinition | None = None) -> None:
        super().__init__(partner, http=http, sleep=sleep, budget=budget)
        self.style = style or style_of(partner)

    def _base_variables(self) -> dict[str, Any]:
        return {"client_id": self.partner.client_id, "partner_code": self.partner.code}

    def _keys(self, call: Call) -> Keys:
        if call.signature is None:
            return Keys()
        try:
            return signing_keys(self.partner, call.signature)
        except MissingKey as error:
            raise PartnerUnavailable(f"cannot sign for {self.partner.code}: {error}") from error

    # -- transport ----------------------------------------------------------------------------------------

    def _styled_call(self, call: Call, url: str | None, *, kind: str, reference: str,
                     variables: dict[str, Any]) -> _Answer:
        """Send one styled call with retries; PartnerUnavailable when no usable HTTP answer came back."""
        if not url:
            raise PartnerUnavailable(f"partner {self.partner.code} has no {kind} URL")
        client_id = self.partner.client_id
        keys = self._keys(call)

        def styled(request_id: str) -> Prepared:  # re-rendered with a fresh {timestamp} and signed for every try
            prepared = prepare_call(call, url, variables, keys, datetime.now(UTC), request_id=request_id)
            if prepared.digest:
                remember_own_signature(client_id, prepared.timestamp_ms, prepared.digest)
            return prepared

        return self._exchange(styled, kind=kind, reference=reference, label=f"[{self.style.name}] ",
                              result_code=lambda answer: self._result_code(call, answer))

    @staticmethod
    def _result_code(call: Call, answer: _Answer | None) -> str | None:
        if answer is None or call.answer is None:
            return None
        parsed = answer.json()
        value = get_path(parsed, call.answer.code) if isinstance(parsed, dict) else None
        return value_text(value)[:10] if isinstance(value, (str, int)) else None

    def _reading(self, call: Call, answer: _Answer, kind: str):
        try:
            return read_answer(call.answer, answer.json())
        except UnusableReading as reason:
            raise self._unusable(answer, kind, str(reason)) from reason

    # -- operations ---------------------------------------------------------------------------------------

    def create_transaction(self, request: TransactionRequest) -> PartnerTransaction:
        """Open the partner's payment (a call, or for a redirect style the signed payment URL itself)."""
        call = self.style.create
        base = current_app.config["PUBLIC_BASE_URL"]
        now = datetime.now(UTC)
        expires_at = request.expires_at if request.expires_at.tzinfo else request.expires_at.replace(tzinfo=UTC)
        variables = {
            **self._base_variables(), "reference": request.reference, "request_id": request.reference,
            "amount": format_amount(request.amount, call.amount, typed=True), "currency": "VND",
            "description": request.description[:500],
            "ipn_url": f"{base}/api/v1/partners/{self.partner.code}/ipn",
            "payment_ipn_url": f"{base}/api/v1/payment/ipn",
            "return_url": f"{base}/w/result?partner_code={self.partner.code}",
            "expires_at": format_time(expires_at, call.timestamp_format, typed=True),
            "expires_in_s": max(0, int((expires_at - now).total_seconds())),
            "identify_code": request.identify_code, "product": request.product,
        }
        if call.transport == "redirect":
            return self._signed_redirect(call, request, variables)
        answer = self._styled_call(call, self.partner.create_transaction_url, kind="create-transaction",
                                   reference=request.reference, variables=variables)
        reading = self._reading(call, answer, "create-transaction")
        if reading.group != "success":
            raise PartnerRefused(_int_or_none(reading.code), f"create-transaction refused with code {reading.code}")
        data = {name: (str(value) if isinstance(value, int) and not isinstance(value, bool) else value)
                for name, value in reading.values.items()}
        problem = id_problem(data, "transaction_id") or _optional_text_problem(data, ("payment_url", "deeplink"))
        if problem:
            raise self._unusable(answer, "create-transaction", problem)
        payment_url, deeplink = data.get("payment_url") or None, data.get("deeplink") or None
        if payment_url and not _usable_payment_url(self.partner, payment_url):
            self._note(answer, f"answered code {reading.code}; payment_url is not on a registered host: "
                               + self._fallback_words())
            payment_url = None
        elif payment_url is None and self.partner.handoff == REDIRECT.code:
            self._note(answer, f"answered code {reading.code} without payment_url: " + self._fallback_words())
        return PartnerTransaction(transaction_id=data["transaction_id"], payment_url=payment_url,
                                  deeplink=deeplink, message_id=answer.message_id)

    def _signed_redirect(self, call: Call, request: TransactionRequest,
                         variables: dict[str, Any]) -> PartnerTransaction:
        """A redirect style: no call; the payment URL is the registered one with the signed fields appended."""
        url = self.partner.payment_url
        if not url or not _usable_payment_url(self.partner, url):
            raise PartnerUnavailable("the partner's payment_url is missing or not on a registered host")
        db.session.commit()
        prepared: Prepared = prepare_call(call, url, variables, self._keys(call), datetime.now(UTC),
                                          request_id=request.reference)
        message = log_exchange(direction="outbound", method=call.method, url=prepared.url, kind="create-transaction",
                               partner_id=self.partner.id, partner_code=self.partner.code,
                               canonical=prepared.canonical, reference=request.reference,
                               verdict=f"[{self.style.name}] signed payment URL built (no call)")
        db.session.commit()
        return PartnerTransaction(transaction_id=request.reference, payment_url=prepared.url,
                                  message_id=message.id)

    def query_transaction(self, reference: str) -> PartnerTransaction | None:
        """Ask the partner's status of a payment; None when the answer's code says it has none."""
        call = self.style.query
        variables = {**self._base_variables(), "reference": reference, "request_id": uuid.uuid4().hex}
        answer = self._styled_call(call, self.partner.query_transaction_url, kind="query-transaction",
                                   reference=reference, variables=variables)
        reading = self._reading(call, answer, "query-transaction")
        if reading.group == "not_found":
            return None
        if reading.group != "success":
            raise PartnerRefused(_int_or_none(reading.code), f"query-transaction refused with code {reading.code}")
        values = reading.values
        transaction_id = values.get("transaction_id")
        if isinstance(transaction_id, int) and not isinstance(transaction_id, bool):
            transaction_id = str(transaction_id)
        problem = id_problem({"transaction_id": transaction_id}, "transaction_id")
        status = mapped_status(call.answer, values.get("status"))
        amount = mapped_amount(call.answer, values.get("amount"))
        if problem is None and status is None:
            problem = f"status value {value_text(values.get('status'))[:20]!r} is not one the style lists"
        if problem is None and amount is None:
            problem = f"`amount` is missing or not in the {call.answer.amount.format} format"
        if problem:
            raise self._unusable(answer, "query-transaction", problem)
        return PartnerTransaction(transaction_id=transaction_id, status=status, amount=amount,
                                  message_id=answer.message_id)

    def refund(self, *, reference: str, transaction_id: str, amount: int, reason: str,
               request_id: str) -> RefundOutcome:
        """Ask for a refund: success code done; pending, 5xx, timeouts, unusable answers unknown; else refused."""
        call = self.style.refund
        variables = {**self._base_variables(), "reference": reference, "transaction_id": transaction_id,
                     "amount": format_amount(amount, call.amount, typed=True), "reason": reason[:500],
                     "request_id": request_id}
        try:
            answer = self._styled_call(call, self.partner.refund_url, kind="refund", reference=reference,
                                       variables=variables)
        except PartnerUnavailable as problem:
            if not self.partner.refund_url:
                return RefundOutcome(RefundStatus.FAILED, None, problem.reason)
            return RefundOutcome(UNKNOWN, None, problem.reason)
        try:
            reading = read_answer(call.answer, answer.json())
        except UnusableReading as reason_:
            return RefundOutcome(UNKNOWN, None, self._unusable(answer, "refund", str(reason_)).reason)
        code = _int_or_none(reading.code)
        if 200 <= answer.status < 300 and reading.group == "success":
            return RefundOutcome(RefundStatus.SUCCESS, code, reading.message or "success")
        if 200 <= answer.status < 300 and reading.group == "pending":
            return RefundOutcome(UNKNOWN, code, reading.message or f"still processing (code {reading.code})")
        return RefundOutcome(RefundStatus.FAILED, code, reading.message or f"refused with code {reading.code}")


def _int_or_none(code: str) -> int | None:
    try:
        return int(code)
    except ValueError:
        return None


