"""The demo supplier: issues flight tickets, hotel vouchers and VIP activations in-process, deterministically.

It keeps its own record per order (`supplier_issue`, unique on the reference), so asking again for an order it
has already issued returns the same documents: an issuance retried after a crash never issues twice.

Magic test values (for unattended runs; listed in the README):
* a traveller named ``ISSUE FAIL`` (any case, extra spaces ignored), or a contact email starting with
  ``fail-issue@`` → issuance is refused (the order ends issue FAILED, then refunded in full);
* a contact email starting with ``fail-void@`` → the supplier refuses to void the order (an operator
  cancellation of an issued order is refused and nothing changes);
* a contact email starting with ``slow-issue@`` → issuance takes DEMO_SUPPLIER_SLOW_SECONDS (default 5 s)
  before answering, so a worker can be stopped in the middle of it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webview.booking.models import Booking
from webview.db import utcnow
from webview.extensions import db
from webview.payments.models import SupplierIssue
from webview.products import FLIGHT, HOTEL, VIP

FAIL_TRAVELLER = "ISSUE FAIL"
FAIL_ISSUE_EMAIL_PREFIX = "fail-issue@"
FAIL_VOID_EMAIL_PREFIX = "fail-void@"
SLOW_ISSUE_EMAIL_PREFIX = "slow-issue@"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class SupplierRefused(Exception):
    """The supplier said no (issue or void); `reason` is for the operator and the booking's failure reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SupplyOrder:
    """What the supplier needs to issue one order."""

    reference: str
    product: str  # a product code (webview.products)
    travellers: list[str] = field(default_factory=list)  # full names
    contact_email: str = ""
    carrier: str = ""  # airline code for flights, when known


def order_for(booking: Booking) -> SupplyOrder:
    """What the supplier is told about a booking."""
    travellers = [str(t.get("full_name", "")) for t in (booking.travellers or []) if isinstance(t, dict)]
    snapshot = booking.offer_snapshot if isinstance(booking.offer_snapshot, dict) else {}
    return SupplyOrder(reference=booking.reference, product=booking.product, travellers=travellers,
                       contact_email=booking.contact_email or "", carrier=str(snapshot.get("airline", "")))


@dataclass(frozen=True)
class Issued:
    """The documents issued: a record locator and one document number per traveller (or one per order)."""

    pnr: str
    tickets: list[str]


def _code(reference: str, purpose: str, length: int, alphabet: str = _ALPHABET) -> str:
    """A stable pseudo-random code derived from the reference."""
    digest = hashlib.sha256(f"{purpose}:{reference}".encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def _documents(order: SupplyOrder) -> Issued:
    """The documents the demo supplier issues for an order."""
    reference = order.reference
    if order.product == FLIGHT.code:
        count = max(len(order.travellers), 1)
        tickets = [f"738{_code(reference, f'ticket-{n}', 10, '0123456789')}" for n in range(count)]
        return Issued(pnr=_code(reference, "pnr", 6), tickets=tickets)
    if order.product == HOTEL.code:
        return Issued(pnr="H" + _code(reference, HOTEL.code, 7), tickets=["HV-" + _code(reference, "voucher", 10)])
    return Issued(pnr="VIP" + _code(reference, VIP.code, 6), tickets=["VIP-" + _code(reference, "member", 10)])


def _normalised(name: str) -> str:
    return " ".join(name.split()).upper()


def refuses_issue(order: SupplyOrder) -> str | None:
    """Why the demo supplier refuses this order (a documented magic value), or None."""
    if any(_normalised(name) == FAIL_TRAVELLER for name in order.travellers):
        return f"supplier refused: traveller {FAIL_TRAVELLER!r}"
    if order.contact_email.lower().startswith(FAIL_ISSUE_EMAIL_PREFIX):
        return "supplier refused: contact email fail-issue@"
    return None


def issue(order: SupplyOrder) -> Issued:
    """Issue the order's documents, or return the ones already issued for it; SupplierRefused on a magic value.

    Commits its own record (the supplier is a separate system: what it issued stays issued).
    """
    existing = db.session.scalar(select(SupplierIssue).where(SupplierIssue.reference == order.reference))
    if existing is not None:
        if existing.voided_at is not None:
            raise SupplierRefused("supplier refused: the order was voided")
        return Issued(pnr=existing.pnr, tickets=list(existing.tickets))
    refusal = refuses_issue(order)
    if refusal:
        raise SupplierRefused(refusal)
    if order.contact_email.lower().startswith(SLOW_ISSUE_EMAIL_PREFIX):
        time.sleep(float(current_app.config["DEMO_SUPPLIER_SLOW_SECONDS"]))
    documents = _documents(order)
    db.session.add(SupplierIssue(reference=order.reference, product=order.product, pnr=documents.pnr,
                                 tickets=documents.tickets, issued_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:  # issued concurrently by another worker: the first record stands
        db.session.rollback()
        existing = db.session.scalar(select(SupplierIssue).where(SupplierIssue.reference == order.reference))
        if existing is None:
            raise
        return Issued(pnr=existing.pnr, tickets=list(existing.tickets))
    return documents


def void(order: SupplyOrder) -> None:
    """Void an issued order (idempotent; nothing to do when it was never issued); SupplierRefused on fail-void@."""
    if order.contact_email.lower().startswith(FAIL_VOID_EMAIL_PREFIX):
        raise SupplierRefused("supplier refused to void: contact email fail-void@")
    record = db.session.scalar(select(SupplierIssue).where(SupplierIssue.reference == order.reference))
    if record is not None and record.voided_at is None:
        record.voided_at = utcnow()
        db.session.commit()


def issue_count(reference: str) -> int:
    """How many times the supplier issued this order (0 or 1 by construction; for tests and support)."""
    return len(db.session.scalars(select(SupplierIssue.id).where(SupplierIssue.reference == reference)).all())
