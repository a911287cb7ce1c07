"""Tell the merchant what the wallet decided: the hmac IPN or the envelope commit, with faults, now or later.

One entry point for the payment page, the test API and the inspector's resend, so the three behave alike.
A `delay_s` fault delivers from a background thread after the delay (the user is sent back at once and sees
the order still pending, as with a real late IPN); every other fault is applied synchronously.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace

from flask import Flask, current_app

from sandbox.credentials import PartnerCredentials, load_credentials
from sandbox.models import SandboxTransaction
from sandbox.partner import envelope_side
from sandbox.partner.services import IpnFaults, get_transaction, ipn_outcome, result_redirect_url, send_ipn
from sandbox.partner.styled import styled_ipn, styled_return_url

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """What was sent (one summary per message), whether more is on its way, and where to send the user."""

    sent: list[dict] = field(default_factory=list)
    scheduled: bool = False
    return_url: str | None = None


def notify_merchant(partner: PartnerCredentials, transaction: SandboxTransaction,
                    faults: IpnFaults | None = None) -> Delivery:
    """Send the IPN (hmac) or commit (envelope) for a settled transaction, applying the faults."""
    faults = faults or IpnFaults()
    if faults.delay_s:
        _deliver_later(current_app._get_current_object(), partner.partner_code, transaction.transaction_id,
                       replace(faults, delay_s=0), faults.delay_s)
        return Delivery(scheduled=True, return_url=_return_url_now(partner, transaction))
    return _deliver(partner, transaction, faults)


def _deliver(partner: PartnerCredentials, transaction: SandboxTransaction, faults: IpnFaults) -> Delivery:
    if partner.profile != "envelope":
        styled = styled_ipn(partner, transaction, faults)
        if styled is not None:
            return Delivery(styled, False, styled_return_url(partner, transaction, styled))
        results = send_ipn(partner, transaction, faults)
        return Delivery([ipn_outcome(result) for result in results], False, result_redirect_url(partner, transaction))
    delivery = Delivery()
    if transaction.status == "SUCCESS":  # a commit means "paid": other outcomes are simply never committed
        if faults.drop:
            envelope_side.log_dropped_commit(partner, transaction)
        for _ in range(0 if faults.drop else 1 + faults.duplicate):
            answer = envelope_side.send_commit(partner, transaction, bad_signature=faults.bad_signature,
                                               stale_timestamp=faults.stale_timestamp)
            delivery.sent.append(answer.summary())
            delivery.return_url = answer.return_url or delivery.return_url
    if delivery.return_url is None:
        delivery.return_url = _return_url_now(partner, transaction)
    return delivery


def _return_url_now(partner: PartnerCredentials, transaction: SandboxTransaction) -> str | None:
    """Where the user goes back to before (or without) a notification that carries the way back."""
    if partner.profile != "envelope":
        return styled_return_url(partner, transaction, []) or result_redirect_url(partner, transaction)
    return envelope_side.query_trans(partner, transaction).return_url


def _deliver_later(app: Flask, partner_code: str, transaction_id: str, faults: IpnFaults, delay_s: int) -> None:
    def run() -> None:
        time.sleep(delay_s)
        with app.app_context():
            partner, transaction = load_credentials(partner_code), get_transaction(transaction_id)
            if partner is None or transaction is None:
                log.warning("delayed notification for %s dropped: the transaction is gone", transaction_id)
                return
            try:
                _deliver(partner, transaction, faults)
            except Exception:  # a background thread has nobody to report to but the log
                log.exception("delayed notification for %s failed", transaction_id)

    threading.Thread(target=run, name=f"sandbox-delay-{transaction_id}", daemon=True).start()


def resend(transaction_id: str, faults: IpnFaults | None = None) -> Delivery | None:
    """Send the notification of a settled transaction again (inspector, test API); None when unknown."""
    transaction = get_transaction(transaction_id)
    partner = load_credentials(transaction.partner_code) if transaction is not None else None
    if transaction is None or partner is None:
        return None
    return notify_merchant(partner, transaction, faults)
