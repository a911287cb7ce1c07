"""Finding the session customer's order from a URL, and the page shown when there is none (one definition each)."""

from __future__ import annotations

from flask import render_template, url_for

from webview.booking.models import Booking
from webview.booking.references import is_reference
from webview.booking.services import find_customer_booking
from webview.launch.models import LaunchSession


def owned_booking(launch: LaunchSession, reference: str) -> Booking | None:
    """The launch customer's booking with this order number, or None (another customer's is None too)."""
    if not isinstance(reference, str) or not is_reference(reference.strip().upper()):
        return None
    return find_customer_booking(reference, partner_id=launch.partner_id, customer_id=launch.customer_id)


def not_found_page():
    """A friendly 404 for an offer or order that does not exist (or is not this customer's)."""
    return render_template("booking/gone.html", back_url=url_for("booking.home")), 404
