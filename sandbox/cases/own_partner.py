"""Certification of a partner's OWN integration: any sandbox-environment partner registered with `flask partners
create` whose create/query/refund URLs are its own endpoints (not the bundled sandbox partner's).

The sandbox holds no secret of such a partner, so it never plays the partner: it plays the merchant's customer (a
webview user) and the merchant's operator, and reads what the merchant side observes — the partner's registration
and the message log, through webview's services (the sandbox runs in-process). Merchant-driven cases call the
partner's own endpoints through the merchant's own gateway (signed as in production) and check the answers against
the published contract; cases that need the partner to act (send the IPN) wait for it with a timeout and, when it
does not come, say what they waited for ("not run: ...").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from sqlalchemy import select

from sandbox.cases.runner import CaseResult, Report
from sandbox.cases.webview_user import Checkout, JourneyError, Traveller, WebviewUser
from webview.booking.models import Booking
from webview.booking.states import PAID
from webview.extensions import db
from webview.launch.services import LaunchRequest, issue_launch_token
from webview.messagelog.models import PartnerMessage
from webview.partners.models import Partner
from webview.payments.gateway import PartnerUnavailable, gateway_for
from webview.payments.models import UsedResultLink
from webview.payments.refunds import RefundError, create_refund
from webview.payments.services import transaction_request
from webview.profiles import profile_of

SANDBOX_PARTNER_PATH = "/sandbox/partner/"  # the bundled sandbox partner's endpoints (DESIGN "Sandbox")
DEFAULT_WAIT_S = 60.0
LAUNCH_TTL_S = 300


class NotRun(Exception):
    """The case could not run (the message says what it needed or waited for)."""


class Failed(AssertionError):
    """An expectation of the contract that did not hold."""


def own_partner(partner_code: str) -> Partner | None:
    """The registered sandbox-environment partner `partner_code` that serves its own endpoints, or None."""
    partner = db.session.scalar(select(Partner).where(Partner.code == partner_code))
    if partner is None or partner.environment != "sandbox":
        return None
    urls = (partner.create_transaction_url, partner.query_transaction_url, partner.refund_url)
    if any(url and SANDBOX_PARTNER_PATH in url for url in urls):
        return None  # a demo partner: the sandbox itself answers, run the demo cases
    return partner


def own_partner_codes() -> list[str]:
    """Codes of the sandbox partners with their own endpoints (for the cases page)."""
    rows = db.session.scalars(select(Partner).where(Partner.environment == "sandbox").order_by(Partner.code))
    return [row.code for row in rows if own_partner(row.code) is not None]


@dataclass
class OwnRun:
    """One certification run: the partner, the live app, and what the cases share (the order they made)."""

    base_url: str
    partner: Partner
    wait_s: float
    evidence: list[str] = field(default_factory=list)
    user: WebviewUser | None = None
    reference: str | None = None
    amount: int = 0
    checkout: Checkout | None = None
    transaction_id: str | None = None

    def note(self, text: str) -> None:
        self.evidence.append(text[:600])

    def record(self, label: str, response: requests.Response) -> None:
        self.note(f"{label}: {response.request.method} {(response.request.path_url or '').split('?')[0]} "
                  f"→ HTTP {response.status_code}")

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise Failed(message)

    def booking(self) -> Booking:
        db.session.expire_all()
        booking = db.session.scalar(select(Booking).where(Booking.reference == self.reference))
        if booking is None:
            raise Failed(f"order {self.reference} is not in the merchant's database")
        return booking

    def exchanges(self, kind: str, direction: str, after_id: int = 0) -> list[PartnerMessage]:
        """The logged exchanges of this run's order (the merchant's message log), oldest first."""
        db.session.expire_all()
        return list(db.session.scalars(
            select(PartnerMessage).where(PartnerMessage.reference == self.reference, PartnerMessage.kind == kind,
                                         PartnerMessage.direction == direction, PartnerMessage.id > after_id)
            .order_by(PartnerMessage.id)))

    def log_evidence(self, rows: list[PartnerMessage]) -> None:
        for row in rows:
            self.note(f"logged #{row.id} {row.direction} {row.kind} {row.method} {row.url} → HTTP {row.status_code} "
                      f"code {row.result_code} · {row.verdict or ''}")

    def needs_order(self) -> None:
        if self.reference is None or self.transaction_id is None:
            raise NotRun("needs the order and the partner transaction of case own-create, which did not pass")


def _answered_ok(run: OwnRun, row: PartnerMessage, what: str) -> None:
    run.expect(row.status_code == 200, f"{what}: the partner answered HTTP {row.status_code} ({row.verdict})")
    run.expect(str(row.result_code) == "0", f"{what}: the partner answered code {row.result_code} ({row.verdict})")


def case_create(run: OwnRun) -> None:
    """A customer holds an order and taps pay: the merchant calls the partner's create endpoint (signed); the
    answer carries code 0, a transaction_id and a usable payment link."""
    grant = issue_launch_token(run.partner, LaunchRequest(identify_code=f"cert-{time.time_ns()}",
                                                          identify_phone="0912345678", product="vip", locale="en"),
                               LAUNCH_TTL_S)
    db.session.commit()
    user = WebviewUser(run.base_url, None, run.partner.code, f"cert-{grant.customer_id}", record=run.record)
    user.get(f"{run.base_url}/w/launch?token={grant.token}", "open url_open")
    run.user = user
    run.reference, run.amount = user.hold_vip(Traveller(contact_email=f"cert-{grant.customer_id}@example.com"))
    run.note(f"held order {run.reference} for {run.amount} VND")
    run.checkout = user.checkout(run.reference)
    run.note(f"handoff: transaction {run.checkout.transaction_id}, {run.checkout.amount} VND, "
             f"method {run.checkout.method}")
    rows = run.exchanges("create-transaction", "outbound")
    run.log_evidence(rows)
    run.expect(bool(rows), "the merchant logged no create call to the partner")
    _answered_ok(run, rows[-1], "create")
    run.expect(run.checkout.amount == run.amount,
               f"the handoff asks {run.checkout.amount} VND for a {run.amount} VND order")
    run.transaction_id = run.checkout.transaction_id


def case_create_repeat(run: OwnRun) -> None:
    """The same create sent again (a merchant retry after a lost answer): the partner answers the same
    transaction_id, it does not open a second payment."""
    run.needs_order()
    booking = run.booking()
    request = transaction_request(booking, run.user.identify_code if run.user else "")
    try:
        again = gateway_for(run.partner).create_transaction(request)
    except PartnerUnavailable as problem:
        raise Failed(f"the repeated create was not answered per contract: {problem.reason}") from problem
    finally:
        db.session.commit()  # keep the logged exchange
    run.log_evidence(run.exchanges("create-transaction", "outbound")[-1:])
    run.expect(again.transaction_id == run.transaction_id,
               f"the repeated create answered transaction {again.transaction_id}, the first {run.transaction_id}")


def case_query(run: OwnRun) -> None:
    """The merchant queries the payment (signed GET over the target): code 0 with transaction_id, status and the
    order's amount."""
    run.needs_order()
    if not profile_of(run.partner).can_query_partner:
        raise NotRun("this partner's profile has no query endpoint")
    try:
        answer = gateway_for(run.partner).query_transaction(run.reference)
    except PartnerUnavailable as problem:
        raise Failed(f"the query answer was not usable: {problem.reason}") from problem
    finally:
        db.session.commit()
    run.log_evidence(run.exchanges("query-transaction", "outbound")[-1:])
    run.expect(answer is not None, "the partner does not know the payment it created")
    run.note(f"query answer: transaction {answer.transaction_id}, status {answer.status}, amount {answer.amount}")
    run.expect(answer.transaction_id == run.transaction_id,
               f"the query answered transaction {answer.transaction_id}, create {run.transaction_id}")
    run.expect(answer.amount == run.amount, f"the query answered amount {answer.amount} for {run.amount} VND")


def wait_until(run: OwnRun, found: Callable[[], object], waiting_for: str) -> object:
    """Poll `found()` until it is truthy, or NotRun("waiting for … timed out after N s")."""
    deadline = time.monotonic() + run.wait_s
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise NotRun(f"waiting for {waiting_for} timed out after {run.wait_s:g} s")
        time.sleep(0.5)


def case_ipn(run: OwnRun) -> None:
    """The partner's user pays: the partner sends a signed IPN that the merchant accepts (code 0) and the order
    is paid. The run waits for it."""
    run.needs_order()
    rows = wait_until(run, lambda: run.exchanges("payment-ipn", "inbound"),
                      f"the partner's IPN for order {run.reference} (transaction {run.transaction_id}; pay it on "
                      f"your payment page)")
    run.log_evidence(rows)
    _answered_ok(run, rows[0], "the IPN")
    booking = run.booking()
    run.note(f"order after the IPN: {booking.booking_status}/{booking.payment_status}/{booking.issue_status}")
    run.expect(booking.payment_status in PAID, f"the order is {booking.payment_status} after the IPN")


def case_duplicate_ipn(run: OwnRun) -> None:
    """The partner sends the same IPN again (its retry after a lost answer): answered code 0 again, and the order
    was paid once (one payment event, one issuance)."""
    run.needs_order()
    if run.booking().payment_status not in PAID:
        raise NotRun(f"needs a paid order: {run.reference} is not paid (case own-ipn)")
    rows = wait_until(run, lambda: run.exchanges("payment-ipn", "inbound")[1:],
                      f"the partner to send the IPN for order {run.reference} again (a repeated IPN)")
    run.log_evidence(rows)
    for row in rows:
        _answered_ok(run, row, "the repeated IPN")
    booking = run.booking()
    run.expect(booking.payment_status in PAID, f"the order is {booking.payment_status} after the repeated IPN")


def case_result_link(run: OwnRun) -> None:
    """The partner sends its user back with the signed result link: the merchant accepts it (one read-only view
    of the order)."""
    run.needs_order()
    booking = run.booking()
    if booking.payment_status not in PAID:
        raise NotRun(f"needs a paid order: {run.reference} is not paid (case own-ipn)")
    booking_id = booking.id

    def opened() -> bool:
        db.session.expire_all()
        return db.session.scalar(select(UsedResultLink.id).where(UsedResultLink.booking_id == booking_id)) is not None

    wait_until(run, opened, f"the partner's user to open the result link of order {run.reference} (transaction "
                            f"{run.transaction_id})")
    run.note(f"the signed result link of order {run.reference} was opened and accepted")


def case_refund(run: OwnRun) -> None:
    """The merchant's operator refunds half the paid order: the partner's refund endpoint answers code 0."""
    run.needs_order()
    booking = run.booking()
    if booking.payment_status not in PAID:
        raise NotRun(f"needs a paid order: {run.reference} is {booking.payment_status} (case own-ipn)")
    if profile_of(run.partner).refunds_are_manual:
        raise NotRun("this partner's refunds are manual (no refund endpoint)")
    amount = max(1, run.amount // 2)
    try:
        refund = create_refund(run.reference, amount, "certification partial refund", settle_now=True)
    except RefundError as error:
        raise Failed(f"the merchant could not open the refund: {error}") from error
    rows = run.exchanges("refund", "outbound")
    run.log_evidence(rows)
    run.expect(bool(rows), "the merchant logged no refund call to the partner")
    _answered_ok(run, rows[-1], "refund")
    run.note(f"refund {refund.request_id}: {refund.status}")
    run.expect(str(refund.status) == "SUCCESS", f"the refund is {refund.status}")
    again = gateway_for(run.partner).refund(reference=run.reference, transaction_id=run.transaction_id or "",
                                            amount=amount, reason="certification partial refund (repeat)",
                                            request_id=refund.request_id)
    db.session.commit()
    run.log_evidence(run.exchanges("refund", "outbound")[-1:])
    run.expect(again.state == "SUCCESS", f"the same refund request_id sent again answered {again.state} "
                                         f"({again.message}): a repeat must answer the first result")


@dataclass(frozen=True)
class OwnCase:
    case_id: str
    title: str
    run: Callable[[OwnRun], None]


OWN_CASES: tuple[OwnCase, ...] = (
    OwnCase("own-create", "Create transaction on the partner's endpoint", case_create),
    OwnCase("own-create-repeat", "Create repeated: same transaction (idempotent)", case_create_repeat),
    OwnCase("own-query", "Query transaction on the partner's endpoint", case_query),
    OwnCase("own-ipn", "The partner's IPN (waits for the partner)", case_ipn),
    OwnCase("own-duplicate-ipn", "The same IPN again (waits for the partner)", case_duplicate_ipn),
    OwnCase("own-result-link", "The signed result link opened (waits for the partner's user)", case_result_link),
    OwnCase("own-refund", "Refund on the partner's endpoint, repeated with the same request_id", case_refund),
)


def run_own_cases(base_url: str, partner: Partner, only: set[str] | None = None,
                  wait_s: float = DEFAULT_WAIT_S) -> Report:
    """Run the cases of a partner's own integration, in order (later cases use the order of the first)."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    run = OwnRun(base_url.rstrip("/"), partner, wait_s)
    results = []
    if not profile_of(partner).creates_partner_transaction:
        for case in OWN_CASES:
            results.append(CaseResult(case.case_id, case.title, "not run",
                                      "this partner's profile has no merchant → partner create/query/refund calls "
                                      "to certify here (its journeys run through the handoff)", [], 0.0))
        return Report(partner.code, base_url, started, results)
    for case in OWN_CASES:
        if only and case.case_id not in only:
            continue
        run.evidence = []
        began = time.perf_counter()
        try:
            case.run(run)
            outcome, detail = "passed", ""
        except NotRun as reason:
            outcome, detail = "not run", str(reason)
        except (Failed, JourneyError) as failure:
            outcome, detail = "failed", str(failure)
        except (LookupError, ValueError, requests.RequestException) as error:
            db.session.rollback()
            outcome, detail = "failed", f"{type(error).__name__}: {error}"
        results.append(CaseResult(case.case_id, case.title, outcome, detail, list(run.evidence),
                                  round(time.perf_counter() - began, 3)))
    return Report(partner.code, base_url, started, results)
