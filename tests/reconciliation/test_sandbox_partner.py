"""End to end with the sandbox playing the partner: its own file from its own records (with fault knobs), served
at the demo partners' reconciliation URL over real HTTP, matched and settled by the merchant."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from tests.live import live_server, live_server_factory  # noqa: F401  (fixtures)
from tests.payments.factories import hold_vip, run_jobs
from tests.reconciliation.conftest import GMT7, local
from webview.booking.models import Booking
from webview.db import utcnow
from webview.demo import run_seed
from webview.emails import SentEmail
from webview.extensions import db
from webview.partners.services import find_partner
from webview.payments.services import start_checkout
from webview.reconciliation.models import ReconciliationItem, ReconciliationRun
from webview.reconciliation.runs import run_day
from webview.reconciliation.settings import SettingsChange, configure, settings_of


@pytest.fixture
def seeded(live_server_factory):  # noqa: F811
    server = live_server_factory(CATALOG_SEED_DAYS=1, OPS_EMAIL="ops@shop.example", PARTNER_RETRIES=0,
                                 PARTNER_BACKOFF_SECONDS=0.0)
    with server.app.app_context():
        run_seed()
        yield server


def approve(server, transaction_id: str, **faults) -> dict:
    response = requests.post(f"{server.url}/sandbox/api/transactions/{transaction_id}/approve",
                             json={"faults": faults}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_seed_points_the_demo_partners_at_the_sandbox(seeded):
    settings = settings_of(find_partner("demo-redirect"))
    assert settings.transport == "api"
    assert settings.reconciliation_url == f"{seeded.url}/sandbox/partner/demo-redirect/reconciliation"


def test_hmac_day_with_a_lost_ipn_and_a_row_we_do_not_have(seeded):
    partner = find_partner("demo-redirect")
    configure(partner, SettingsChange(
        reconciliation_url=f"{seeded.url}/sandbox/partner/demo-redirect/reconciliation?faults=add_unknown"))
    db.session.commit()
    paid = hold_vip(partner, identify_code="paid-user")
    lost = hold_vip(partner, identify_code="lost-user")
    paid_id, lost_id = paid.id, lost.id
    approve(seeded, start_checkout(paid).transaction_id)
    approve(seeded, start_checkout(db.session.get(Booking, lost_id)).transaction_id, drop=True)  # IPN lost
    assert db.session.get(Booking, lost_id).payment_status == "PENDING"
    assert db.session.get(Booking, paid_id).payment_status == "SUCCESS"

    today = utcnow().astimezone(GMT7).date()
    run = run_day(find_partner("demo-redirect"), today, source="api", now=local(today + timedelta(days=1), 3))
    assert run.status == "completed", run.finding
    assert run.counts == {"matched": 1, "missing_at_merchant": 2}
    assert db.session.get(Booking, lost_id).payment_status == "SUCCESS"  # settled through the partner's query
    items = {item.reference: item for item in db.session.scalars(select(ReconciliationItem))}
    assert items[db.session.get(Booking, lost_id).reference].state == "settled"
    ghost = next(item for ref, item in items.items() if ref.endswith("-SBXGHOST"))
    assert ghost.state == "open"
    run_jobs()
    assert db.session.get(Booking, lost_id).issue_status == "SUCCESS"
    assert db.session.scalar(select(SentEmail.to).where(SentEmail.kind == "reconciliation")) == "ops@shop.example"


def test_envelope_lost_commit_is_issued_from_the_partner_file(seeded):
    partner = find_partner("demo-envelope")
    booking = hold_vip(partner, identify_code="envelope-user")
    booking_id = booking.id
    place_order = start_checkout(booking).url
    assert requests.get(place_order, timeout=10, allow_redirects=False).status_code in {200, 302, 303}
    found = requests.get(f"{seeded.url}/sandbox/api/transactions",
                         params={"reference_transaction_id": booking.reference}, timeout=10).json()
    approve(seeded, found["transaction_id"], drop=True)  # the commit is lost
    booking = db.session.get(Booking, booking_id)
    booking.booking_status = "EXPIRED"  # and the hold ran out meanwhile
    db.session.commit()
    today = utcnow().astimezone(GMT7).date()
    run = run_day(find_partner("demo-envelope"), today, source="api", now=local(today + timedelta(days=1), 3))
    assert run.status == "completed", run.finding
    assert run.counts == {"missing_at_merchant": 1}
    run_jobs()
    booking = db.session.get(Booking, booking_id)
    assert booking.statuses == ("BOOKED", "SUCCESS", "SUCCESS")  # issued, not silently expired


@pytest.mark.parametrize(("faults", "status", "finding"), [
    ("bad_signature", "rejected", "signature does not verify"),
    ("duplicate", "rejected", "duplicate rows"),
    ("late", "rejected", "the partner's file is missing"),
    ("change_amount", "completed", "amount_mismatch"),
    ("drop", "completed", "missing_at_partner"),
])
def test_sandbox_faults_reach_the_merchant_as_findings(seeded, faults, status, finding):
    partner = find_partner("demo-redirect")
    configure(partner, SettingsChange(
        reconciliation_url=f"{seeded.url}/sandbox/partner/demo-redirect/reconciliation?faults={faults}"))
    db.session.commit()
    booking = hold_vip(partner, identify_code="u")
    approve(seeded, start_checkout(booking).transaction_id)
    today = utcnow().astimezone(GMT7).date()
    run = run_day(find_partner("demo-redirect"), today, now=local(today + timedelta(days=1), 3))
    assert run.status == status, run.finding
    assert finding in run.finding if status == "rejected" else run.counts == {finding: 1}
    assert db.session.scalar(select(ReconciliationRun.id)) == run.id
