"""Partner gateway adapters: create/query/refund a payment and build the checkout handoff, per profile.

`hmac` partners have merchant → partner APIs (DESIGN.md "Merchant → partner"): every call is signed with the
partner's newest client secret, sent with explicit connect/read timeouts, retried on connection errors, 429 and
5xx with exponential backoff (a `CallBudget`: the PARTNER_* settings, or one short try for a screen a user waits
on), re-signed (fresh timestamp) but with the same body and so the same idempotency
key on every try, and logged with its canonical string and verdict. `envelope` partners have no merchant →
partner API: the handoff is a signed and encrypted place-order redirect and refunds are manual.

Gateways never run inside a locked transaction: every outbound method first commits the caller's session
(callers hold no row lock when they call, DESIGN "no outbound call while the row lock is held"), and commits
its own message-log entries so they survive whatever the caller does next.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app

from webview.api.replay import remember_own_signature
from webview.booking.states import PartnerStatus
from webview.core.netguard import partner_session
from webview.core.requestid import outbound_request_id
from webview.extensions import db
from webview.messagelog.services import amend_verdict, log_exchange
from webview.partners.keys import merchant_private_key, partner_public_key
from webview.partners.models import Partner
from webview.partners.services import PartnerError, build_deeplink, check_payment_url, current_client_secret
from webview.payments.models import RefundStatus
from webview.products import get_product
from webview.profiles import ENVELOPE, HMAC, STYLED, profile_of
from webview.profiles.handoffs import REDIRECT, is_bridge_function
from webview.signing.envelope import PLACE_ORDER, seal_message
from webview.signing.hmac import b64url_nopad, canonical_payload, sign, signed_digest

__all__ = [
    "UNUSABLE",
    "CallBudget",
    "EnvelopeGateway",
    "Gateway",
    "Handoff",
    "HmacGateway",
    "OutboundRequest",
    "PartnerRefused",
    "PartnerTransaction",
    "PartnerUnavailable",
    "RefundOutcome",
    "TransactionRequest",
    "UnusableAnswer",
    "gateway_for",
]

PARTNER_STATUSES = tuple(PartnerStatus)
MAX_ID_LENGTH = 100
UNUSABLE = "unusable answer"  # how the message log's verdict starts for an answer the merchant cannot use



@dataclass(frozen=True)
class CallBudget:
    """How long one partner call may take: connect and read timeouts (seconds) and extra tries after the first."""

    connect_s: float
    read_s: float
    retries: int

    @classmethod
    def from_settings(cls) -> CallBudget:
        """The PARTNER_* budget of background work (jobs, the poller) and of the API calls behind a handoff."""
        return cls(_setting("PARTNER_CONNECT_TIMEOUT"), _setting("PARTNER_READ_TIMEOUT"),
                   int(_setting("PARTNER_RETRIES")))

    @classmethod
    def one_short_try(cls, total_s: float) -> CallBudget:
        """One attempt whose connect and read timeouts add up to at most `total_s` (and never exceed the
        PARTNER_* timeouts): for a screen the user is waiting on."""
        connect = min(_setting("PARTNER_CONNECT_TIMEOUT"), total_s / 3)
        return cls(connect, min(_setting("PARTNER_READ_TIMEOUT"), total_s - connect), 0)


class PartnerUnavailable(Exception):
    """The partner could not be asked (timeout, connection error, 5xx) or answered something unusable.

    The checkout screen shows its retry screen for this (and for PartnerRefused): the booking stays held.
    `partner_answered` says whether the partner did answer (the screen then does not say it is not answering).
    """

    partner_answered = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnusableAnswer(PartnerUnavailable):
    """The partner answered, but the merchant cannot use the answer (a field missing or of the wrong type)."""

    partner_answered = True


class PartnerRefused(PartnerUnavailable):
    """The partner answered, and said no (a non-zero code): trying again with the same request will not help."""

    partner_answered = True

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class TransactionRequest:
    """What the partner needs to open a payment for one booking."""

    reference: str
    amount: int
    description: str
    expires_at: datetime
    identify_code: str
    product: str  # flight | hotel | vip


@dataclass(frozen=True)
class PartnerTransaction:
    """The partner's view of one payment (create answers links, query answers status and amount)."""

    transaction_id: str
    payment_url: str | None = None
    deeplink: str | None = None
    status: str | None = None
    amount: int | None = None
    message_id: int | None = None  # the message-log row of the answer (to note a later verdict on it)
    message: str | None = None  # the partner's words with a queried status (`data.message`), e.g. why it failed


@dataclass(frozen=True)
class RefundOutcome:
    """The result of asking for a refund: SUCCESS, FAILED (refused, final) or UNKNOWN (retry the same request)."""

    state: str
    code: int | None
    message: str


@dataclass(frozen=True)
class Handoff:
    """What the checkout screen needs to open the partner's payment screen.

    `method` is redirect, deeplink or bridge. `url` is the page to navigate to (redirect partners and every
    envelope partner), `deeplink` the app link, `bridge_function` the dotted name of the host's JS function;
    every one of them has been checked against the partner's registration.
    """

    method: str
    reference: str
    amount: int
    hold_expires_at: datetime | None
    transaction_id: str | None = None
    url: str | None = None
    deeplink: str | None = None
    bridge_function: str | None = None


class Gateway(Protocol):
    """One partner's payment API, whatever its profile."""

    partner: Partner

    def create_transaction(self, request: TransactionRequest) -> PartnerTransaction:
        """Open (or, on a repeat, return) the partner's payment for a booking."""

    def query_transaction(self, reference: str) -> PartnerTransaction | None:
        """The partner's status of a payment; None when the partner has none for this reference."""

    def refund(self, *, reference: str, transaction_id: str, amount: int, reason: str,
               request_id: str) -> RefundOutcome:
        """Ask the partner to give money back (idempotent on request_id)."""

    def build_handoff(self, request: TransactionRequest, transaction: PartnerTransaction | None) -> Handoff:
        """The handoff to the partner's payment screen for this booking."""


def _setting(name: str) -> float:
    """A PARTNER_* setting (from the settings table: environment or create_app config)."""
    return float(current_app.config[name])


def _now_ms() -> int:
    return int(time.time() * 1000)


def check_bridge_function(name: str | None) -> str:
    """A bridge function name must be a dotted identifier path (it reaches JavaScript only as data)."""
    if not is_bridge_function(name):
        raise PartnerUnavailable("the partner's bridge function is not a dotted identifier path")
    return name


@dataclass
class _Answer:
    """One HTTP answer from the partner."""

    status: int
    body: bytes
    message_id: int | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass(frozen=True)
class OutboundRequest:
    """One try of an outbound call, ready to send (the styled gateway's `Prepared` is one too)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    canonical: str  # the signed text, for the message log ("" when unsigned)


def _code_field(answer: _Answer | None) -> str | None:
    """The `code` of an hmac answer (DESIGN "Merchant → partner"), if it has one."""
    parsed = answer.json() if answer is not None else None
    return str(parsed.get("code")) if isinstance(parsed, dict) and "code" in parsed else None


class HmacGateway:
    """The hmac profile: signed JSON calls to the URLs registered at onboarding."""

    def __init__(self, partner: Partner, *, http: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, budget: CallBudget | None = None) -> None:
        self.partner = partner
        self.http = http or partner_session()  # production: public addresses only (webview.core.netguard)
        self.sleep = sleep
        self.budget = budget  # None: the PARTNER_* settings at call time

    # -- transport ----------------------------------------------------------------------------------------

    def _call(self, method: str, url: str | None, *, kind: str, reference: str,
              body: dict | None = None) -> _Answer:
        """Send one signed call with retries; PartnerUnavailable when no usable HTTP answer came back."""
        if not url:
            raise PartnerUnavailable(f"partner {self.partner.code} has no {kind} URL")
        client_id = self.partner.client_id
        secret = current_client_secret(self.partner)
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode() if body is not None else None
        target = _request_target(url)

        def signed(request_id: str) -> OutboundRequest:  # a fresh timestamp and signature for every try
            timestamp = str(_now_ms())
            remember_own_signature(client_id, int(timestamp), signed_digest(client_id, timestamp, raw, target))
            headers = {
                "X-Client-Id": client_id,
                "X-Timestamp": timestamp,
                "X-Signature": sign(secret, client_id, timestamp, raw, target),
                "Accept": "application/json",
                "X-Request-Id": request_id,
            }
            if raw is not None:
                headers["Content-Type"] = "application/json"
            canonical = b64url_nopad(canonical_payload(client_id, timestamp, raw, target))
            return OutboundRequest(method, url, headers, raw, canonical)

        return self._exchange(signed, kind=kind, reference=reference, result_code=_code_field)

    def _exchange(self, prepare: Callable[[str], OutboundRequest], *, kind: str, reference: str,
                  result_code: Callable[[_Answer | None], str | None], label: str = "") -> _Answer:
        """The tries of one call, whatever its wire format: `prepare` builds (and signs) each try from the call's one
        request id; connection errors, timeouts, 429 and 5xx are retried with exponential backoff within the budget;
        every try goes to the message log (its verdict led by `label`), committed. The caller's session is committed
        first: no transaction, and so no row lock, is held while we wait for the partner."""
        db.session.commit()
        partner_id, code = self.partner.id, self.partner.code
        budget = self.budget or CallBudget.from_settings()
        retries, timeout = budget.retries, (budget.connect_s, budget.read_s)
        request_id = outbound_request_id()  # one id for every try (webview.core.requestid)
        last_problem = "no answer"
        for attempt in range(retries + 1):
            if attempt:
                self.sleep(_setting("PARTNER_BACKOFF_SECONDS") * 2 ** (attempt - 1))
            request = prepare(request_id)
            started = time.perf_counter()
            answer: _Answer | None = None
            try:
                response = self.http.request(request.method, request.url, data=request.body,
                                             headers=request.headers, timeout=timeout, allow_redirects=False)
                answer = _Answer(response.status_code, response.content)
                retryable = response.status_code >= 500 or response.status_code == 429
                last_problem = f"HTTP {response.status_code}"
            except requests.Timeout as error:
                retryable, last_problem = True, f"timeout ({type(error).__name__})"
            except requests.RequestException as error:
                retryable, last_problem = True, f"connection error ({type(error).__name__})"
            latency = int((time.perf_counter() - started) * 1000)
            code_seen = result_code(answer)
            more = retryable and attempt < retries
            verdict = last_problem + (f"; retry {attempt + 1} of {retries}" if more else "")
            if answer is not None and not retryable:
                verdict = f"answered code {code_seen}" if code_seen is not None else "answer without a code"
            message = log_exchange(
                direction="outbound", method=request.method, url=request.url, kind=kind, partner_id=partner_id,
                partner_code=code, status_code=answer.status if answer else None, latency_ms=latency,
                request_headers=request.headers, request_body=request.body,
                response_body=answer.body if answer else None, canonical=request.canonical,
                verdict=label + verdict, result_code=code_seen, reference=reference)
            db.session.commit()
            if not retryable and answer is not None:
                answer.message_id = message.id
                return answer
        raise PartnerUnavailable(f"{kind}: {last_problem} after {retries + 1} tries")

    @staticmethod
    def _unusable(answer: _Answer, kind: str, reason: str) -> UnusableAnswer:
        """Note on the answer's message-log row why the merchant cannot use it; the error to raise (a failed
        check: the order is left as it is)."""
        amend_verdict(answer.message_id, f"{UNUSABLE} (HTTP {answer.status}): {reason}")
        db.session.commit()
        return UnusableAnswer(f"{kind}: {UNUSABLE}: {reason}")

    @classmethod
    def _envelope(cls, answer: _Answer, kind: str) -> tuple[int, dict]:
        """(code, data) of a {"code", "message", "data"} answer; UnusableAnswer (reason logged) when it is not."""
        problem = envelope_problem(answer)
        if problem:
            raise cls._unusable(answer, kind, problem)
        parsed = answer.json()
        data = parsed.get("data")
        return parsed["code"], data if isinstance(data, dict) else {}

    # -- operations ---------------------------------------------------------------------------------------

    def create_transaction(self, request: TransactionRequest) -> PartnerTransaction:
        """POST create transaction; idempotent at the partner on reference_transaction_id."""
        base = current_app.config["PUBLIC_BASE_URL"]
        body = {
            "reference_transaction_id": request.reference,
            "amount": request.amount,
            "currency": "VND",
            "description": request.description[:500],
            "ipn_url": f"{base}/api/v1/payment/ipn",
            "return_url": f"{base}/w/result?partner_code={self.partner.code}",
            "expires_at": int(request.expires_at.timestamp() * 1000),
            "customer": {"identify_code": request.identify_code},
        }
        answer = self._call("POST", self.partner.create_transaction_url, kind="create-transaction",
                            reference=request.reference, body=body)
        code, data = self._envelope(answer, "create-transaction")
        if code != 0:
            raise PartnerRefused(code, f"create-transaction refused with code {code}")
        problem = id_problem(data, "transaction_id") or _optional_text_problem(data, ("payment_url", "deeplink"))
        if problem:
            raise self._unusable(answer, "create-transaction", problem)
        payment_url, deeplink = data.get("payment_url") or None, data.get("deeplink") or None
        if payment_url and not _usable_payment_url(self.partner, payment_url):
            host = urlsplit(payment_url).hostname or "?"  # never the whole URL: it may carry a token
            self._note(answer, f"answered code 0; payment_url on {host[:60]} is not on a registered host: "
                               + self._fallback_words())
            payment_url = None
        elif payment_url is None and self.partner.handoff == REDIRECT.code:
            self._note(answer, "answered code 0 without payment_url: " + self._fallback_words())
        return PartnerTransaction(transaction_id=data["transaction_id"], payment_url=payment_url,
                                  deeplink=deeplink, message_id=answer.message_id)

    def _fallback_words(self) -> str:
        return "registered payment_url used" if self._registered_payment_url() else \
            "and no payment_url is registered: the payment cannot be opened"

    @staticmethod
    def _note(answer: _Answer, verdict: str) -> None:
        amend_verdict(answer.message_id, verdict)
        db.session.commit()

    def _registered_payment_url(self) -> str | None:
        url = self.partner.payment_url
        return url if url and _usable_payment_url(self.partner, url) else None

    def query_transaction(self, reference: str) -> PartnerTransaction | None:
        """GET the partner's status of a payment; None for code 3 (the partner has no such payment)."""
        url = self.partner.query_transaction_url
        if url:
            url += ("&" if "?" in url else "?") + urlencode({"reference_transaction_id": reference})
        answer = self._call("GET", url, kind="query-transaction", reference=reference)
        code, data = self._envelope(answer, "query-transaction")
        if code == 3:
            return None
        if code != 0:
            raise PartnerRefused(code, f"query-transaction refused with code {code}")
        problem = query_answer_problem(data)
        if problem:
            raise self._unusable(answer, "query-transaction", problem)
        return PartnerTransaction(transaction_id=data["transaction_id"], status=data["status"],
                                  amount=data["amount"], message_id=answer.message_id,
                                  message=data["message"] if isinstance(data.get("message"), str) else None)

    def refund(self, *, reference: str, transaction_id: str, amount: int, reason: str,
               request_id: str) -> RefundOutcome:
        """POST refund: 200 code 0 done, 200 other code refused (final), 5xx/timeout unknown (retry same id)."""
        body = {"reference_transaction_id": reference, "transaction_amount": amount,
                "transaction_id": transaction_id, "reason": reason[:500], "request_id": request_id}
        try:
            answer = self._call("POST", self.partner.refund_url, kind="refund", reference=reference, body=body)
        except PartnerUnavailable as problem:
            if not self.partner.refund_url:
                return RefundOutcome(RefundStatus.FAILED, None, problem.reason)
            return RefundOutcome("UNKNOWN", None, problem.reason)
        problem = envelope_problem(answer)
        if problem:  # the same request_id is sent again later: the refund is idempotent at the partner
            return RefundOutcome("UNKNOWN", None, self._unusable(answer, "refund", problem).reason)
        parsed = answer.json()
        code = parsed["code"]
        message = str(parsed.get("message", ""))[:200]
        if answer.status == 200 and code == 0:
            return RefundOutcome(RefundStatus.SUCCESS, 0, message or "success")
        return RefundOutcome(RefundStatus.FAILED, code, message or f"refused with code {code}")

    def build_handoff(self, request: TransactionRequest, transaction: PartnerTransaction | None) -> Handoff:
        """Redirect to payment_url, open the deep link, or call the bridge function — each checked first."""
        if transaction is None:
            raise PartnerUnavailable("no partner transaction to hand off to")
        partner = self.partner
        common = {"reference": request.reference, "amount": request.amount,
                  "hold_expires_at": request.expires_at, "transaction_id": transaction.transaction_id}
        if partner.handoff == "bridge":
            return Handoff("bridge", bridge_function=check_bridge_function(partner.bridge_function), **common)
        if partner.handoff == "deeplink":
            link = transaction.deeplink
            if not link or not check_payment_url(partner, link):
                try:
                    link = build_deeplink(partner, transaction.transaction_id, request.amount)
                except PartnerError as error:
                    raise PartnerUnavailable(str(error)) from error
            url = transaction.payment_url if transaction.payment_url and \
                check_payment_url(partner, transaction.payment_url) else None
            return Handoff("deeplink", deeplink=link, url=url, **common)
        url = transaction.payment_url
        if url and not _usable_payment_url(partner, url):
            url = None  # create_transaction noted it; older stored handoffs fall back the same way
        if not url:
            registered = self._registered_payment_url()
            if registered is None:
                raise UnusableAnswer("the partner answered no usable payment_url and none is registered "
                                     "(or the registered one is not on a registered host)")
            url = _with_query(registered, {"transaction_id": transaction.transaction_id,
                                           "reference_transaction_id": request.reference})
        return Handoff("redirect", url=url, **common)


class EnvelopeGateway:
    """The envelope profile: a sealed place-order redirect; no merchant → partner API (refunds are manual)."""

    def __init__(self, partner: Partner, budget: CallBudget | None = None) -> None:
        self.partner = partner  # no outbound calls, so no budget to keep

    def create_transaction(self, request: TransactionRequest) -> PartnerTransaction:
        """Envelope partners open the payment from the place-order redirect itself."""
        raise PartnerUnavailable("envelope partners have no create-transaction API")

    def query_transaction(self, reference: str) -> PartnerTransaction | None:
        """Envelope partners tell us by commit; there is no query API to ask."""
        raise PartnerUnavailable("envelope partners have no query-transaction API")

    def refund(self, *, reference: str, transaction_id: str, amount: int, reason: str,
               request_id: str) -> RefundOutcome:
        """Envelope refunds are recorded as manual and settled with the partner out of band."""
        return RefundOutcome(RefundStatus.FAILED, None, "envelope partners have no refund API: record a manual refund")

    def place_order_url(self, request: TransactionRequest) -> str:
        """`<payment_url>?key=…&data=…`: access_code|booking_number|product_type|total_amount, signed and sealed."""
        partner = self.partner
        if not partner.payment_url or not check_payment_url(partner, partner.payment_url):
            raise PartnerUnavailable("the partner's payment_url is missing or not on a registered host")
        values = {"access_code": partner.access_code, "booking_number": request.reference,
                  "product_type": get_product(request.product).product_type, "total_amount": str(request.amount)}
        sealed = seal_message(PLACE_ORDER, values, sender_private_key=merchant_private_key(partner.environment),
                              receiver_public_key=partner_public_key(partner), suite=partner.suite,
                              now_ms=_now_ms() if partner.suite == "modern" else None)
        separator = "&" if "?" in partner.payment_url else "?"
        return partner.payment_url + separator + urlencode(sealed)

    def build_handoff(self, request: TransactionRequest, transaction: PartnerTransaction | None) -> Handoff:
        """A redirect to the sealed place-order URL (built fresh: the modern suite's timestamp has a window)."""
        return Handoff("redirect", reference=request.reference, amount=request.amount,
                       hold_expires_at=request.expires_at, url=self.place_order_url(request))


def _styled_gateway(partner: Partner, budget: CallBudget | None = None) -> HmacGateway:
    """The `styled` profile's adapter (webview.styles.gateway builds on this module, so it is imported here)."""
    from webview.styles.gateway import StyledGateway

    return StyledGateway(partner, budget=budget)


# The adapter that talks to partners of each integration profile (one line per profile).
GATEWAYS: dict[str, Callable[..., HmacGateway | EnvelopeGateway]] = {
    HMAC.code: HmacGateway,
    ENVELOPE.code: EnvelopeGateway,
    STYLED.code: _styled_gateway,
}


def gateway_for(partner: Partner, budget: CallBudget | None = None) -> HmacGateway | EnvelopeGateway:
    """The adapter for a partner's integration profile (calls within `budget`, else the PARTNER_* one)."""
    return GATEWAYS[profile_of(partner).code](partner, budget=budget)


def _usable_payment_url(partner: Partner, url: str) -> bool:
    """An http(s) URL on one of the partner's registered payment hosts."""
    return urlsplit(url).scheme in {"http", "https"} and check_payment_url(partner, url)


def _with_query(url: str, values: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(values)


def envelope_problem(answer: _Answer) -> str | None:
    """Why an answer is not a `{"code": int, "message": str, "data": {...}?}` envelope, or None."""
    parsed = answer.json()
    if parsed is None:
        return "the body is not JSON"
    if not isinstance(parsed, dict):
        return "the body is not a JSON object"
    if "code" not in parsed:
        return "`code` is missing"
    if isinstance(parsed["code"], bool) or not isinstance(parsed["code"], int):
        return f"`code` is not an integer (got {_type_name(parsed['code'])})"
    return None


def id_problem(data: dict, name: str) -> str | None:
    """Why `data[name]` is not a usable id (a string of 1-100 characters without "|"), or None."""
    value = data.get(name)
    if value is None:
        return f"`{name}` is missing"
    if not isinstance(value, str):
        return f"`{name}` is not a string (got {_type_name(value)})"
    if not _is_id(value):
        return f"`{name}` must be 1-{MAX_ID_LENGTH} characters without '|'"
    return None


def _optional_text_problem(data: dict, names: tuple[str, ...]) -> str | None:
    for name in names:
        if data.get(name) is not None and not isinstance(data[name], str):
            return f"`{name}` is not a string (got {_type_name(data[name])})"
    return None


def query_answer_problem(data: dict) -> str | None:
    """Why a query answer's `data` cannot be used (transaction_id, status, amount), or None."""
    problem = id_problem(data, "transaction_id")
    if problem:
        return problem
    if "status" not in data:
        return "`status` is missing"
    if data["status"] not in PARTNER_STATUSES:
        return f"`status` must be one of {', '.join(PARTNER_STATUSES)} (got {str(data['status'])[:20]!r})"
    if "amount" not in data:
        if "transaction_amount" in data:
            return "`amount` is missing (the answer has `transaction_amount`; a query answer names it `amount`)"
        return "`amount` is missing"
    amount = data["amount"]
    if isinstance(amount, bool) or not isinstance(amount, int):
        return f"`amount` is not an integer (got {_type_name(amount)})"
    return None


def _type_name(value: object) -> str:
    """JSON's name for a value's type."""
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), type(value).__name__)


def _is_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and "|" not in value


def _request_target(url: str) -> str:
    """The raw request target of an absolute URL: path and query, no '?' when the query is empty."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path
