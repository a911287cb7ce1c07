"""Transactions, refunds and reconciliation reports of one partner in the portal.

* Transactions: filter (GMT+7 dates, statuses, product, reference), detail (the three statuses, refunds, the
  message log of the order with its signed strings), CSV export streamed row by row.
* Refunds: finance (or the admin) asks for a refund of a paid order; an operator approves it, which runs the normal
  refund path (`webview.payments.refunds.create_refund`), or rejects it with a reason.
* Reports: the reconciliation runs (report HTML/CSV), the merchant's files (download), the open cases.

Every query names `partner_id == current_partner().id`, so no object of another partner is ever reachable.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from webview.booking.models import Booking
from webview.booking.states import BookingStatus, IssueStatus, PaymentStatus
from webview.db import Base, utcnow
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.partners.models import Partner
from webview.payments.models import Refund
from webview.payments.refunds import RefundError, create_refund
from webview.portal import bp
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.models import ADMIN, DEVELOPER, FINANCE, OPERATOR
from webview.portal.nav import add_nav
from webview.products import PRODUCTS
from webview.reconciliation.files import day_bounds, file_bytes
from webview.reconciliation.models import ReconciliationFile, ReconciliationItem, ReconciliationRun

EVERYONE = (ADMIN, DEVELOPER, FINANCE, OPERATOR)
MONEY = (ADMIN, FINANCE, OPERATOR)
PAGE_SIZE = 50
REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"
CSV_COLUMNS = ("reference_transaction_id", "created_at", "product", "amount", "currency", "booking_status",
               "payment_status", "issue_status", "partner_transaction_id", "refunded_amount")

add_nav("portal.transactions", _l("Transactions"), roles=EVERYONE, order=70, icon="list")
add_nav("portal.refunds", _l("Refunds"), roles=MONEY, order=75, icon="undo")
add_nav("portal.reports", _l("Reconciliation reports"), roles=MONEY, order=80, icon="file")
add_nav("portal.operator_refunds", _l("Refund requests"), roles=(OPERATOR,), section="operator", order=40)


class RefundRequest(Base):
    """A partner's finance user asks for a refund; an operator decides; approval opens the refund (its
    `refund_request_id` is the refund's own idempotency key)."""

    __tablename__ = "portal_refund_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=REQUESTED)
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(500), default="")  # the operator's reason, or the refund's refusal
    refund_request_id: Mapped[str | None] = mapped_column(String(64))


class RefundRequestForm(FlaskForm):
    amount = IntegerField(_l("Amount (VND)"), validators=[DataRequired(), NumberRange(min=1, max=10**12)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Length(max=500)])


# ---------------------------------------------------------------- transactions


class FilterError(ValueError):
    pass


def _date_arg(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(_("Dates are YYYY-MM-DD.")) from None


def transaction_filters(partner: Partner):
    """The query of the partner's orders matching the request's filters, newest first; FilterError on a bad one."""
    query = select(Booking).where(Booking.partner_id == partner.id)
    start, end = _date_arg("from"), _date_arg("to")
    if start:
        query = query.where(Booking.created_at >= day_bounds(start)[0])
    if end:
        query = query.where(Booking.created_at < day_bounds(end)[1])
    for column, enum, name in ((Booking.booking_status, BookingStatus, "booking_status"),
                               (Booking.payment_status, PaymentStatus, "payment_status"),
                               (Booking.issue_status, IssueStatus, "issue_status")):
        value = request.args.get(name) or ""
        if value:
            if value not in enum.__members__:
                raise FilterError(_("Unknown status."))
            query = query.where(column == enum[value])
    product = request.args.get("product") or ""
    if product:
        if product not in PRODUCTS:
            raise FilterError(_("Unknown product."))
        query = query.where(Booking.product == product)
    reference = (request.args.get("reference") or "").strip().upper()
    if reference:
        if len(reference) > 40:
            raise FilterError(_("A reference is at most 40 characters."))
        query = query.where(Booking.reference.startswith(reference, autoescape=True))
    return query.order_by(Booking.id.desc())


def _filter_context() -> dict:
    return {"booking_statuses": list(BookingStatus), "payment_statuses": list(PaymentStatus),
            "issue_statuses": list(IssueStatus), "products": list(PRODUCTS.values()), "args": request.args}


@bp.get("/p/<code>/transactions")
@require_role(*EVERYONE)
def transactions(code: str):
    """The partner's orders, filtered, 50 a page (older pages by `before`)."""
    partner = current_partner()
    try:
        query = transaction_filters(partner)
    except FilterError as error:
        flash(str(error), "error")
        return render_template("portal/transactions.html", partner=partner, rows=[], older_url=None,
                               **_filter_context()), 400
    before = request.args.get("before", type=int)
    if before:
        query = query.where(Booking.id < before)
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    kept = {name: value for name, value in request.args.items() if name != "before" and value}
    older_url = url_for("portal.transactions", code=partner.code, before=older, **kept) if older else None
    return render_template("portal/transactions.html", partner=partner, rows=rows[:PAGE_SIZE], older_url=older_url,
                           **_filter_context())


def _csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in values])
    return buffer.getvalue()


@bp.get("/p/<code>/transactions.csv")
@require_role(*EVERYONE)
def transactions_csv(code: str):
    """The filtered orders as CSV, streamed (rows read in batches, never the whole set in memory)."""
    partner = current_partner()
    try:
        query = transaction_filters(partner)
    except FilterError as error:
        abort(Response(str(error), 400, mimetype="text/plain"))
    audit("transactions.exported", partner_code=partner.code)
    db.session.commit()

    def rows() -> Iterator[str]:
        yield _csv_line(CSV_COLUMNS)
        for booking in db.session.scalars(query.execution_options(yield_per=500)):
            yield _csv_line([booking.reference, booking.created_at.isoformat(), booking.product, booking.amount,
                             booking.currency, booking.booking_status, booking.payment_status,
                             booking.issue_status, booking.partner_transaction_id or "", booking.refunded_amount])

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="transactions_{partner.code}.csv"'
    return response


def owned_booking_or_404(partner: Partner, reference: str) -> Booking:
    """The partner's order with this reference, else 404 (another partner's order is never found)."""
    if len(reference) > 40:
        abort(404)
    booking = db.session.scalar(select(Booking).where(Booking.partner_id == partner.id,
                                                      Booking.reference == reference))
    if booking is None:
        abort(404)
    return booking


@bp.get("/p/<code>/transactions/<reference>")
@require_role(*EVERYONE)
def transaction_detail(code: str, reference: str):
    """One order: its three statuses, refunds, refund requests and the message log with the signed strings."""
    partner = current_partner()
    booking = owned_booking_or_404(partner, reference)
    refunds = list(db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)))
    requests_ = list(db.session.scalars(select(RefundRequest).where(RefundRequest.booking_id == booking.id,
                                                                    RefundRequest.partner_id == partner.id)
                                        .order_by(RefundRequest.id)))
    messages = list(db.session.scalars(select(PartnerMessage).where(PartnerMessage.partner_id == partner.id,
                                                                    PartnerMessage.reference == booking.reference)
                                       .order_by(PartnerMessage.id).limit(200)))
    return render_template("portal/transactions_detail.html", partner=partner, booking=booking, refunds=refunds,
                           refund_requests=requests_, messages=messages,
                           form=RefundRequestForm(data={"amount": refundable(booking)}),
                           can_request=current_user.role in (ADMIN, FINANCE) and refundable(booking) > 0)


def refundable(booking: Booking) -> int:
    """What a new refund request may still ask for (paid amount minus refunds; 0 for an unpaid order)."""
    return max(0, booking.amount - booking.refunded_amount) if booking.is_paid else 0


# ---------------------------------------------------------------- refunds


@bp.post("/p/<code>/transactions/<reference>/refund-request")
@require_role(ADMIN, FINANCE)
def request_refund(code: str, reference: str):
    """Finance asks for a refund; nothing moves until an operator approves."""
    partner = current_partner()
    booking = owned_booking_or_404(partner, reference)
    form = RefundRequestForm()
    if not form.validate_on_submit():
        flash(_("Give an amount in VND and a reason."), "error")
    elif form.amount.data > refundable(booking):
        flash(_("At most %(amount)s can still be refunded.", amount=refundable(booking)), "error")
    elif db.session.scalar(select(RefundRequest.id).where(RefundRequest.booking_id == booking.id,
                                                          RefundRequest.status == REQUESTED)):
        flash(_("A refund request of this order is already waiting for an operator."), "error")
    else:
        row = RefundRequest(partner_id=partner.id, booking_id=booking.id, amount=form.amount.data,
                            reason=" ".join(form.reason.data.split())[:500], requested_by=current_user.email)
        db.session.add(row)
        db.session.flush()
        audit("refund.requested", refund_request=row.id, reference=booking.reference, amount=row.amount)
        db.session.commit()
        flash(_("Refund requested: an operator approves it."), "info")
    return redirect(url_for("portal.transaction_detail", code=partner.code, reference=booking.reference))


@bp.get("/p/<code>/refunds")
@require_role(*MONEY)
def refunds(code: str):
    """The partner's refunds and refund requests, newest first."""
    partner = current_partner()
    rows = list(db.session.execute(select(Refund, Booking.reference).join(Booking, Booking.id == Refund.booking_id)
                                   .where(Booking.partner_id == partner.id).order_by(Refund.id.desc()).limit(200)))
    asked = list(db.session.execute(select(RefundRequest, Booking.reference)
                                    .join(Booking, Booking.id == RefundRequest.booking_id)
                                    .where(RefundRequest.partner_id == partner.id)
                                    .order_by(RefundRequest.id.desc()).limit(200)))
    return render_template("portal/refunds.html", partner=partner, rows=rows, asked=asked)


@bp.get("/operator/refunds")
@require_role(OPERATOR)
def operator_refunds():
    """Refund requests waiting for an operator."""
    rows = list(db.session.execute(select(RefundRequest, Booking, Partner)
                                   .join(Booking, Booking.id == RefundRequest.booking_id)
                                   .join(Partner, Partner.id == RefundRequest.partner_id)
                                   .where(RefundRequest.status == REQUESTED).order_by(RefundRequest.id)))
    return render_template("portal/refunds_operator.html", rows=rows, form=DecisionForm())


def decide_refund_request(row: RefundRequest, *, approve: bool, decided_by: str, note: str) -> Refund | None:
    """Approve (open the refund by the normal path, `create_refund`, which commits) or reject; RefundError when
    the refund is refused (the request stays requested, with the reason)."""
    if row.status != REQUESTED:
        raise RefundError(f"this request is {row.status}")
    booking = db.session.get(Booking, row.booking_id)
    if not approve:
        if not note.strip():
            raise RefundError("say why the request is rejected")
        row.status, row.decided_by, row.decided_at, row.note = REJECTED, decided_by, utcnow(), note.strip()[:500]
        audit("refund.rejected", partner=row.partner_id, refund_request=row.id, reference=booking.reference)
        db.session.commit()
        return None
    refund = create_refund(booking.reference, row.amount, f"portal: {row.reason}"[:500])
    row = db.session.get(RefundRequest, row.id)
    row.status, row.decided_by, row.decided_at = APPROVED, decided_by, utcnow()
    row.refund_request_id, row.note = refund.request_id, note.strip()[:500]
    audit("refund.approved", partner=row.partner_id, refund_request=row.id, reference=booking.reference,
          amount=row.amount)
    db.session.commit()
    return refund


@bp.post("/operator/refunds/<int:request_id>/<any(approve, reject):decision>")
@require_role(OPERATOR)
def operator_refund_decision(request_id: int, decision: str):
    row = db.session.get(RefundRequest, request_id)
    form = DecisionForm()
    if row is None or not form.validate_on_submit():
        abort(404)
    try:
        refund = decide_refund_request(row, approve=decision == "approve", decided_by=current_user.email,
                                       note=form.note.data or "")
        flash(_("Refund %(id)s opened.", id=refund.request_id) if refund else _("Refund request rejected."), "info")
    except RefundError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("portal.operator_refunds"))


# ---------------------------------------------------------------- reconciliation reports


@bp.get("/p/<code>/reports")
@require_role(*MONEY)
def reports(code: str):
    """The partner's reconciliation runs, the merchant's files and the open cases."""
    partner = current_partner()
    runs = list(db.session.scalars(select(ReconciliationRun).where(ReconciliationRun.partner_id == partner.id)
                                   .order_by(ReconciliationRun.day.desc(), ReconciliationRun.id.desc()).limit(100)))
    files = list(db.session.scalars(select(ReconciliationFile).where(ReconciliationFile.partner_id == partner.id)
                                    .order_by(ReconciliationFile.day.desc(), ReconciliationFile.part).limit(100)))
    cases = list(db.session.scalars(select(ReconciliationItem).where(ReconciliationItem.partner_id == partner.id,
                                                                     ReconciliationItem.state == "open")
                                    .order_by(ReconciliationItem.id.desc()).limit(200)))
    return render_template("portal/reports.html", partner=partner, runs=runs, files=files, cases=cases)


@bp.get("/p/<code>/reports/runs/<int:run_id>.<any(html, csv):fmt>")
@require_role(*MONEY)
def report_download(code: str, run_id: int, fmt: str):
    """One run's report (HTML or CSV)."""
    partner = current_partner()
    run = db.session.scalar(select(ReconciliationRun).where(ReconciliationRun.id == run_id,
                                                            ReconciliationRun.partner_id == partner.id))
    if run is None:
        abort(404)
    body = run.report_html if fmt == "html" else run.report_csv
    response = Response(body, mimetype="text/html" if fmt == "html" else "text/csv")
    response.headers["Content-Disposition"] = (f'attachment; filename="reconciliation_{partner.code}_'
                                               f'{run.day:%Y%m%d}_{run.part}.{fmt}"')
    return response


@bp.get("/p/<code>/reports/files/<int:file_id>")
@require_role(*MONEY)
def report_file(code: str, file_id: int):
    """One of the merchant's daily files, streamed, with its checksum header."""
    partner = current_partner()
    found = db.session.scalar(select(ReconciliationFile).where(ReconciliationFile.id == file_id,
                                                               ReconciliationFile.partner_id == partner.id))
    if found is None:
        abort(404)
    response = Response(stream_with_context(file_bytes(found.id)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response.headers["X-Content-SHA256"] = found.sha256
    return response
