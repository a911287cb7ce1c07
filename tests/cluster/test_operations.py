"""Operations: request ids (response header, JSON log line, message log rows, outbound partner calls), Prometheus
metrics at /metrics (protected; counters move with a journey), and /readyz (database, Redis, drain)."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.payments.factories import hmac_partner, hold_vip
from tests.payments.factories import register_hmac_partner as register_stub_partner
from tests.payments.stub_partner import Reply
from webview.core.jsonlog import JsonFormatter
from webview.extensions import db
from webview.jobs import Job
from webview.messagelog.models import PartnerMessage
from webview.payments.gateway import HmacGateway, PartnerUnavailable

TOKEN = "e6eBR_FkHCtRnoCNPADxko_gy7Yhf3p_Ffyw"


# -- request ids ----------------------------------------------------------------------------------------------

def test_every_answer_carries_a_request_id_generated_or_taken_from_a_valid_header(client):
    generated = client.get("/healthz").headers["X-Request-Id"]
    other = client.get("/healthz").headers["X-Request-Id"]
    assert len(generated) == 32 and generated != other
    assert client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.91:x_2"}).headers["X-Request-Id"] == \
        "lb-7f3a.91:x_2"
    for bad in ("", "a" * 129, "<script>", "id with spaces", "ok\u00e9"):
        answer = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert answer != bad and len(answer) == 32


def test_one_json_line_per_request_without_the_query_string(make_app, caplog):
    app = make_app(LOG_FORMAT="json")
    caplog.set_level(logging.INFO, logger="webview.request")
    answer = app.test_client().get(f"/healthz?token={TOKEN}", headers={"X-Request-Id": "req-abc-123"})
    records = [record for record in caplog.records if record.name == "webview.request"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    entry = json.loads(line)
    assert "\n" not in line and TOKEN not in line
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["request_id"] == "req-abc-123" == answer.headers["X-Request-Id"]
    assert isinstance(entry["duration_ms"], float) and entry["endpoint"] == "core.healthz"
    assert entry["level"] == "INFO" and entry["logger"] == "webview.request"


def test_json_format_is_installed_on_the_root_handlers(make_app):
    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        make_app(LOG_FORMAT="json")
        assert isinstance(handler.formatter, JsonFormatter)
    finally:
        root.removeHandler(handler)


def test_inbound_partner_calls_keep_the_request_id_in_the_message_log(app, client):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner)
    raw = json.dumps({"reference_transaction_id": booking.reference, "transaction_amount": booking.amount,
                      "transaction_id": "SBX-RID", "status": "SUCCESS"}).encode()
    answer = client.post("/api/v1/payment/ipn", data=raw, content_type="application/json",
                         headers={**wallet.headers(raw), "X-Request-Id": "partner-rid-0001"})
    assert answer.status_code == 200 and answer.headers["X-Request-Id"] == "partner-rid-0001"
    db.session.rollback()
    row = db.session.scalars(select(PartnerMessage).where(PartnerMessage.kind == "payment-ipn")).one()
    assert row.request_id == "partner-rid-0001"


def test_outbound_partner_calls_send_the_request_id_and_log_it(app, stub, fast_partner_http):
    partner, _ = register_stub_partner(stub.url)
    stub.script(Reply(status=503), Reply(body={"code": 3, "message": "not found"}))
    with app.test_request_context("/w/orders/x", headers={"X-Request-Id": "screen-rid-42"}):
        app.preprocess_request()
        assert HmacGateway(partner).query_transaction("261122-7QK4M2XD") is None
    assert [call.headers.get("X-Request-Id") for call in stub.received] == ["screen-rid-42"] * 2
    rows = db.session.scalars(select(PartnerMessage).where(PartnerMessage.direction == "outbound")).all()
    assert [row.request_id for row in rows] == ["screen-rid-42"] * 2


def test_background_partner_calls_get_one_request_id_for_all_their_tries(app, stub, fast_partner_http):
    partner, _ = register_stub_partner(stub.url)
    stub.script(Reply(status=500))
    with pytest.raises(PartnerUnavailable):
        HmacGateway(partner).query_transaction("261122-7QK4M2XD")
    ids = {call.headers.get("X-Request-Id") for call in stub.received}
    assert len(stub.received) == 3 and len(ids) == 1 and None not in ids


# -- metrics --------------------------------------------------------------------------------------------------

def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/plain"
    values = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_for_loopback_or_the_bearer_token(make_app):
    app = make_app(METRICS_TOKEN="m" * 40)
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # loopback
    remote = {"REMOTE_ADDR": "203.0.113.5"}
    assert client.get("/metrics", environ_base=remote).status_code == 403
    assert client.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=remote,
                      headers={"Authorization": "Bearer " + "m" * 40}).status_code == 200
    # a loopback proxy forwarding a stranger's request is not loopback
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 403
    bare = make_app().test_client()
    assert bare.get("/metrics", environ_base=remote, headers={"Authorization": "Bearer "}).status_code == 403


def test_counters_move_with_a_journey(app, client, stub, fast_partner_http):
    wallet = hmac_partner()
    booking = hold_vip(wallet.partner)
    before = scrape(client)
    assert wallet.ipn(client, booking).get_json()["code"] == 0
    assert wallet.ipn(client, booking.reference, amount=booking.amount + 1).get_json()["code"] == 5
    assert wallet.ipn(client, "261122-ZZZZZZZZ", amount=1).get_json()["code"] == 3
    partner, _ = register_stub_partner(stub.url, code="stub-metrics")
    stub.script(Reply(status=502), Reply(body={"code": 3, "message": "not found"}))
    HmacGateway(partner).query_transaction("261122-7QK4M2XD")
    db.session.commit()
    after = scrape(client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("webview_ipn_outcomes_total", operation="payment-ipn", code="0") == 1
    assert moved("webview_ipn_outcomes_total", operation="payment-ipn", code="5") == 1
    assert moved("webview_ipn_outcomes_total", operation="payment-ipn", code="3") == 1
    assert moved("webview_http_requests_total", method="POST", endpoint="api.payment_ipn", status="200") == 3
    assert moved("webview_http_request_duration_seconds_count", method="POST", endpoint="api.payment_ipn") == 3
    assert moved("webview_partner_calls_total", partner="stub-metrics", kind="query-transaction",
                 outcome="error") == 1
    assert moved("webview_partner_calls_total", partner="stub-metrics", kind="query-transaction",
                 outcome="answered") == 1
    assert moved("webview_partner_call_duration_seconds_count", partner="stub-metrics",
                 kind="query-transaction") == 2
    queued = db.session.scalar(select(db.func.count()).select_from(Job).where(Job.state == "queued"))
    assert queued >= 1  # the paid booking's issuance (and its email)
    assert value(after, "webview_jobs_queued") == queued
    assert value(after, "webview_jobs_oldest_queued_age_seconds") >= 0
    assert value(after, "webview_jobs_dead") == 0
    db.session.execute(db.update(Job).where(Job.kind == "payments.issue").values(state="dead"))
    db.session.commit()
    assert value(scrape(client), "webview_jobs_dead") == 1


# -- readiness ------------------------------------------------------------------------------------------------

def test_readyz_checks_the_database(make_app, monkeypatch):
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ready", "database": "up", "redis": "not configured"}

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["database"] == "down"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_readyz_checks_redis_when_rate_limits_live_there(make_app):
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/9")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable", "database": "up", "redis": "down"}


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_readyz_answers_ready_with_redis_up(make_app):
    """Redis runs on every machine the suite runs on (CI included): its absence fails here, it is never skipped."""
    assert redis_up(), "Redis is not answering on 127.0.0.1:6379"
    answer = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/9").test_client().get("/readyz")
    assert answer.status_code == 200 and answer.get_json()["redis"] == "up"


def test_a_draining_node_is_not_ready(make_app, tmp_path):
    drain = tmp_path / "drain"
    client = make_app(DRAIN_FILE=str(drain)).test_client()
    assert client.get("/readyz").status_code == 200
    drain.touch()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.get_json()["status"] == "draining"
    assert client.get("/healthz").status_code == 200  # alive, just not taking new traffic


def test_reconciliation_mismatches_are_gauges(app, client):
    from datetime import date

    from webview.reconciliation.models import ReconciliationItem, ReconciliationRun

    wallet = hmac_partner()
    run = ReconciliationRun(partner_id=wallet.partner.id, day=date(2026, 11, 22), part=1, source="api",
                            status="completed")
    rejected = ReconciliationRun(partner_id=wallet.partner.id, day=date(2026, 11, 23), part=1, source="api",
                                 status="rejected", finding="bad signature")
    db.session.add_all([run, rejected])
    db.session.flush()
    for reference, outcome, state in (("261122-AAAAAAAA", "amount_mismatch", "open"),
                                      ("261122-BBBBBBBB", "missing_at_partner", "open"),
                                      ("261122-CCCCCCCC", "missing_at_partner", "open"),
                                      ("261122-DDDDDDDD", "missing_at_merchant", "settled")):
        db.session.add(ReconciliationItem(run_id=run.id, partner_id=wallet.partner.id, outcome=outcome,
                                          record_type="payment", reference=reference, state=state))
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "webview_reconciliation_open_items", partner="wallet-one", outcome="amount_mismatch") == 1
    assert value(samples, "webview_reconciliation_open_items", partner="wallet-one",
                 outcome="missing_at_partner") == 2
    assert ("webview_reconciliation_open_items", (("outcome", "missing_at_merchant"), ("partner", "wallet-one"))) \
        not in samples  # settled automatically: nothing for on-call
    assert value(samples, "webview_reconciliation_rejected_runs", partner="wallet-one") == 1


def test_metrics_still_answer_when_the_database_is_away(app, client, monkeypatch):
    client.get("/healthz")

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    answer = client.get("/metrics")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "webview_http_requests_total" in text and "webview_jobs_queued" not in text
