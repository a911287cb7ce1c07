"""A wallet invented for this test, written only as data — form bodies, HMAC-SHA512 in a header (base64), answers
{"ok": true} — works end to end with no code change: launch → hold → create (our styled call) → styled IPN →
issued, then query and refund in the same style; and its IPN runs the standard checks in the standard order."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from tests.payments.factories import hold_vip, reload, run_jobs
from tests.styles.conftest import rfc3986, styled_partner
from webview.booking.models import Booking
from webview.extensions import db
from webview.messagelog.models import PartnerMessage
from webview.payments.gateway import CallBudget, gateway_for
from webview.payments.services import start_checkout

ACME = {
    "format": 1, "name": "acme-pay", "description": "An invented wallet: form bodies, HMAC-SHA512 in a header.",
    "status_in": {
        "methods": ["POST"], "transport": "form",
        "fields": {"reference": "order", "amount": "total", "status": "state", "transaction_id": "payment",
                   "message": "note"},
        "status_values": {"SUCCESS": ["paid"], "FAILURE": ["failed"], "PENDING": ["waiting"]},
        "timestamp": {"source": {"field": "ts"}, "format": "unix_s", "window_s": 300}, "replay": "timestamp",
        "signature": {"algorithm": "HMAC-SHA512",
                      "canonical": {"recipe": "sorted_pairs", "fields": "all", "url_encode": "percent"},
                      "placement": {"header": "X-Acme-Signature"}, "encoding": "base64"},
        "answers": {
            "ok": {"http_status": 200, "body": {"ok": True}},
            "duplicate": {"http_status": 200, "body": {"ok": True, "repeat": True}},
            "invalid": {"http_status": 400, "body": {"ok": False, "error": "{message}", "fields": "{fields}"}},
            "auth_failed": {"http_status": 403, "body": {"ok": False, "error": "forbidden"}},
            "not_found": {"http_status": 404, "body": {"ok": False, "error": "no such order {reference}"}},
            "not_owner": {"http_status": 404, "body": {"ok": False, "error": "no such order {reference}"}},
            "wrong_amount": {"http_status": 409, "body": {"ok": False, "error": "amount"}},
            "closed": {"http_status": 410, "body": {"ok": False, "error": "closed", "code": "{code}"}},
            "error": {"http_status": 503, "body": "try later"},
        },
    },
    "create": {
        "method": "POST", "transport": "form", "timestamp_format": "unix_s",
        "headers": {"X-Acme-Merchant": "{client_id}"},
        "body": {"order": "{reference}", "total": "{amount}", "title": "{description}", "notify": "{ipn_url}",
                 "back": "{return_url}", "until": "{expires_at}", "ts": "{timestamp}"},
        "signature": {"algorithm": "HMAC-SHA512",
                      "canonical": {"recipe": "sorted_pairs", "fields": "all", "url_encode": "percent"},
                      "placement": {"header": "X-Acme-Signature"}, "encoding": "base64"},
        "answer": {"code": "ok", "success": ["true"], "message": "error",
                   "fields": {"transaction_id": "payment.id", "payment_url": "payment.url"}},
    },
    "query": {
        "method": "GET", "transport": "query", "timestamp_format": "unix_s",
        "body": {"order": "{reference}", "ts": "{timestamp}"},
        "signature": {"algorithm": "HMAC-SHA512",
                      "canonical": {"recipe": "sorted_pairs", "fields": "all", "url_encode": "percent"},
                      "placement": {"header": "X-Acme-Signature"}, "encoding": "base64"},
        "answer": {"code": "result", "success": ["found"], "not_found": ["none"],
                   "fields": {"transaction_id": "payment.id", "status": "payment.state",
                              "amount": "payment.total"},
                   "status_values": {"SUCCESS": ["paid"], "FAILURE": ["failed"], "PENDING": ["waiting"]},
                   "amount": {"format": "string"}},
    },
    "refund": {
        "method": "POST", "transport": "form", "timestamp_format": "unix_s",
        "body": {"payment": "{transaction_id}", "total": "{amount}", "why": "{reason}", "key": "{request_id}",
                 "ts": "{timestamp}"},
        "signature": {"algorithm": "HMAC-SHA512",
                      "canonical": {"recipe": "sorted_pairs", "fields": "all", "url_encode": "percent"},
                      "placement": {"header": "X-Acme-Signature"}, "encoding": "base64"},
        "answer": {"code": "ok", "success": ["true"], "pending": ["later"], "message": "error"},
    },
}


def acme_canonical(pairs: dict[str, str]) -> str:
    """The invented wallet's own recipe, by hand: names sorted, RFC 3986 encoded name=value, joined by '&'."""
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(pairs.items()))


def acme_sign(secret: str, pairs: dict[str, str]) -> str:
    return base64.b64encode(hmac.new(secret.encode(), acme_canonical(pairs).encode(), hashlib.sha512).digest()).decode()


class AcmeServer:
    """The invented wallet's server side: checks our signature by hand and answers in its own words."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.payments: dict[str, dict] = {}
        self.refund_answers: list[dict] = []

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=False):
        parts = urlsplit(url)
        pairs = dict(parse_qsl(data.decode() if data else parts.query, keep_blank_values=True))
        assert headers["X-Acme-Signature"] == acme_sign(self.secret, pairs), "our signature does not verify"
        assert abs(int(pairs["ts"]) - time.time()) < 5
        self.calls.append((method, parts.path, pairs))
        if parts.path.endswith("/transactions"):
            payment = self.payments.setdefault(pairs["order"], {"id": f"ACME-{len(self.payments) + 1}",
                                                                "state": "waiting", "total": pairs["total"]})
            body = {"ok": True, "payment": {"id": payment["id"], "url": f"http://127.0.0.1:5000/acme/{payment['id']}"}}
        elif parts.path.endswith("/query"):
            payment = self.payments.get(pairs["order"])
            body = {"result": "found", "payment": payment} if payment else {"result": "none"}
        else:
            body = self.refund_answers.pop(0) if self.refund_answers else {"ok": True}
        return FakeResponse(200, json.dumps(body).encode())


class FakeResponse:
    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code, self.content = status_code, content


@pytest.fixture
def acme(app, monkeypatch):
    signed, _ = styled_partner(ACME, code="acme")
    server = AcmeServer(signed.secret)
    monkeypatch.setattr("webview.payments.gateway.partner_session", lambda: server)
    return signed, server


def acme_ipn(client, signed, booking: Booking | str, state: str = "paid", *, total: int | None = None,
             payment: str = "ACME-1", ts: int | None = None, secret: str | None = None, extra: dict | None = None,
             drop: tuple[str, ...] = ()):
    reference = booking if isinstance(booking, str) else booking.reference
    pairs = {"order": reference, "total": str(total if total is not None else getattr(booking, "amount", 1)),
             "state": state, "payment": payment, "ts": str(ts if ts is not None else int(time.time())),
             "note": "ví tiền ~ ok & done", **(extra or {})}
    for name in drop:
        pairs.pop(name)
    signature = acme_sign(secret or signed.secret, pairs)
    body = "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in pairs.items())
    return client.post(f"/api/v1/partners/{signed.code}/ipn", data=body,
                       content_type="application/x-www-form-urlencoded", headers={"X-Acme-Signature": signature})


def test_the_invented_wallet_works_end_to_end_with_no_code_change(client, acme):
    signed, server = acme
    launch = signed.post(client, "/api/v1/webview-url", {"identify_code": "user-42", "identify_phone": "0912345678",
                                                         "product": "vip"})
    assert launch.status_code == 200, launch.get_json()  # launch stays hmac-signed for a styled partner
    assert client.get(launch.get_json()["data"]["url_open"]).status_code in {200, 302, 303}

    booking = hold_vip(signed.partner)
    handoff = start_checkout(booking)
    assert handoff.transaction_id == "ACME-1" and handoff.url == "http://127.0.0.1:5000/acme/ACME-1"
    method, _, pairs = server.calls[0]
    assert (method, pairs["order"], pairs["total"]) == ("POST", booking.reference, str(booking.amount))
    assert pairs["notify"] == f"http://127.0.0.1:5000/api/v1/partners/{signed.code}/ipn"

    answer = acme_ipn(client, signed, booking)
    assert answer.status_code == 200 and answer.get_json() == {"ok": True}
    assert reload(booking).payment_status == "SUCCESS"
    run_jobs()
    issued = reload(booking)
    assert (issued.booking_status, issued.payment_status, issued.issue_status) == ("BOOKED", "SUCCESS", "SUCCESS")
    assert issued.partner_transaction_id == "ACME-1"

    server.payments[booking.reference].update(state="paid")
    seen = gateway_for(signed.partner, CallBudget(1, 1, 0)).query_transaction(booking.reference)
    assert (seen.transaction_id, seen.status, seen.amount) == ("ACME-1", "SUCCESS", booking.amount)
    assert gateway_for(signed.partner, CallBudget(1, 1, 0)).query_transaction("261130-NOSUCH00") is None

    refund = gateway_for(signed.partner, CallBudget(1, 1, 0))
    server.refund_answers = [{"ok": "later"}, {"ok": True}, {"ok": False, "error": "too late"}]
    first = refund.refund(reference=booking.reference, transaction_id="ACME-1", amount=1000, reason="test",
                          request_id="R-1")
    again = refund.refund(reference=booking.reference, transaction_id="ACME-1", amount=1000, reason="test",
                          request_id="R-1")
    refused = refund.refund(reference=booking.reference, transaction_id="ACME-1", amount=1000, reason="test",
                            request_id="R-2")
    assert (first.state, again.state, refused.state) == ("UNKNOWN", "SUCCESS", "FAILED")
    assert refused.message == "too late"
    keys = [pairs["key"] for _, path, pairs in server.calls if path.endswith("/refunds")]
    assert keys == ["R-1", "R-1", "R-2"]  # the same idempotency key on the repeat

    logged = db.session.scalars(select(PartnerMessage).where(PartnerMessage.kind == "styled-ipn")).all()
    assert len(logged) == 1 and logged[0].verdict.startswith("signature ok")
    assert "order=" in logged[0].canonical and "state=paid" in logged[0].canonical


def test_its_ipn_checks_come_in_the_standard_order_with_its_own_answers(client, acme):
    signed, _ = acme
    booking = hold_vip(signed.partner)
    other = styled_partner(ACME, code="acme-two")[0]
    theirs = hold_vip(other.partner, identify_code="user-7")

    bad = acme_ipn(client, signed, booking, secret="not-the-secret")
    assert (bad.status_code, bad.get_json()) == (403, {"ok": False, "error": "forbidden"})
    stale = acme_ipn(client, signed, booking, ts=int(time.time()) - 400)
    assert stale.status_code == 403
    # auth comes before schema: a badly signed message with a missing field is refused as unauthenticated
    assert acme_ipn(client, signed, booking, drop=("total",), secret="nope").status_code == 403
    missing = acme_ipn(client, signed, booking, drop=("total",))
    assert missing.status_code == 400 and missing.get_json()["fields"] == ["total"]
    unknown_state = acme_ipn(client, signed, booking, state="maybe")
    assert unknown_state.status_code == 400 and unknown_state.get_json()["fields"] == ["state"]
    not_found = acme_ipn(client, signed, "261130-NOSUCH00", total=1000)
    assert (not_found.status_code, not_found.get_json()["error"]) == (404, "no such order 261130-NOSUCH00")
    assert acme_ipn(client, signed, theirs).status_code == 404  # not_owner answers like not_found here
    assert acme_ipn(client, signed, booking, total=booking.amount + 1).status_code == 409
    assert reload(booking).payment_status == "PENDING"

    assert acme_ipn(client, signed, booking, "waiting").get_json() == {"ok": True}  # PENDING changes nothing
    assert reload(booking).payment_status == "PENDING"
    assert acme_ipn(client, signed, booking).get_json() == {"ok": True}
    repeat = acme_ipn(client, signed, booking, ts=int(time.time()) + 1)  # sent again later (a new signed message)
    assert repeat.get_json() == {"ok": True, "repeat": True}
    closed = acme_ipn(client, signed, booking, "failed")
    assert (closed.status_code, closed.get_json()) == (410, {"ok": False, "error": "closed", "code": 6})
    assert reload(booking).payment_status == "SUCCESS"

    wrong_method = client.get(f"/api/v1/partners/{signed.code}/ipn")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["ok"] is False
    json_body = client.post(f"/api/v1/partners/{signed.code}/ipn", json={"order": booking.reference})
    assert json_body.status_code == 400 and json_body.get_json()["fields"] == ["body"]
    unknown = client.post("/api/v1/partners/nobody/ipn", data="a=1",
                          content_type="application/x-www-form-urlencoded")
    assert unknown.status_code == 401 and unknown.get_json()["code"] == 7


def test_a_replayed_message_is_refused_and_a_partner_we_suspended_is_not_heard(client, acme):
    signed, _ = acme
    booking = hold_vip(signed.partner)
    ts = int(time.time())
    assert acme_ipn(client, signed, booking, "waiting", ts=ts).status_code == 200
    replay = acme_ipn(client, signed, booking, "waiting", ts=ts)
    assert replay.status_code == 403  # the same signed message twice: the replay store refuses it
    signed.partner.status = "suspended"
    db.session.commit()
    assert acme_ipn(client, signed, booking).status_code == 403
    assert reload(booking).payment_status == "PENDING"
