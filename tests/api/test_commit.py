"""Envelope payment status: POST /api/v1/partner/commit and /query-trans, GET /api/v1/products/booking-detail,
and the sealed place-order redirect — partner side written with the sandbox's own protocol code."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from sandbox.protocol import envelope as partner_side
from tests.payments.conftest import StatementCounter
from tests.payments.factories import hold_vip, reload, run_jobs
from webview.extensions import db
from webview.jobs import Job
from webview.partners.models import Partner
from webview.partners.services import PartnerSpec, create_partner
from webview.payments.results import verify_result_link_access
from webview.payments.services import start_checkout

COMMIT = "/api/v1/partner/commit"
QUERY = "/api/v1/partner/query-trans"


@pytest.fixture(scope="module")
def partner_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class EnvelopePartner:
    """An envelope partner's back end: its key, our public key, its header values."""

    def __init__(self, partner: Partner, issued, key: rsa.RSAPrivateKey) -> None:
        self.partner = partner
        self.suite = partner.suite
        self.api_key, self.access_code = issued.api_key, issued.access_code
        self.merchant_key = partner_side.load_public_key(issued.merchant_public_key_pem)
        self.key = key

    def headers(self, **overrides) -> dict:
        return {"apikey": self.api_key, "x-ibe-req-name": self.access_code, **overrides}

    def call(self, client, path: str, spec, values: dict, **header_overrides):
        body = partner_side.seal(spec, self.suite, {"access_code": self.access_code, **values},
                                 sender_private=self.key, receiver_public=self.merchant_key).as_body()
        return client.post(path, data=json.dumps(body), content_type="application/json",
                           headers=self.headers(**header_overrides))

    def commit(self, client, booking_number: str, partner_trans_id: str = "GTD-1", product_type: str = "VIP"):
        return self.call(client, COMMIT, partner_side.COMMIT_REQUEST, {
            "booking_number": booking_number, "partner_trans_id": partner_trans_id, "product_type": product_type})

    def query(self, client, booking_number: str):
        return self.call(client, QUERY, partner_side.QUERY_TRANS_REQUEST, {"booking_number": booking_number})

    def open(self, response) -> dict[str, str]:
        body = response.get_json()
        return partner_side.open_sealed(partner_side.TRANS_RESPONSE, self.suite, body["key"], body["data"],
                                        receiver_private=self.key, sender_public=self.merchant_key)


def envelope_partner(key, code: str = "travel-co", suite: str = "modern") -> EnvelopePartner:
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    partner, issued = create_partner(PartnerSpec(
        code=code, name="Travel Co", environment="sandbox", profile="envelope", suite=suite, handoff="redirect",
        public_key=pem, admin_name="Ops", admin_email="ops@travel.example",
        payment_url=f"http://127.0.0.1:5000/sandbox/partner/{code}/pay", return_hosts=("127.0.0.1",)))
    db.session.commit()
    return EnvelopePartner(partner, issued, key)


@pytest.fixture(params=["modern", "legacy"])
def travel(request, app, partner_key) -> EnvelopePartner:
    return envelope_partner(partner_key, suite=request.param)


def test_commit_pays_and_answers_sealed_properties(client, travel):
    booking = hold_vip(travel.partner)
    reference = booking.reference
    before = travel.open(travel.query(client, reference))
    assert before["error_code"] == "09"
    assert json.loads(before["properties"])["payment_status"] == "PENDING"

    response = travel.commit(client, reference)
    assert response.status_code == 200
    reply = travel.open(response)
    assert (reply["error_code"], reply["booking_number"], reply["product_type"]) == ("00", reference, "VIP")
    assert reply["total_amount"] == str(booking.amount)
    properties = json.loads(reply["properties"])
    assert properties["payment_status"] == "SUCCESS" and properties["booking_status"] == "BOOKED"
    assert reload(booking).partner_transaction_id == "GTD-1"

    run_jobs()
    after = travel.open(travel.query(client, reference))
    assert after["error_code"] == "00"
    properties = json.loads(after["properties"])
    assert properties["issue_status"] == "SUCCESS" and properties["pnr"] and properties["tickets"]

    link = parse_qs(urlsplit(after["return_url"]).query)
    assert urlsplit(after["return_url"]).path == "/w/result"
    opened = verify_result_link_access(link["partner_code"][0], link["transaction_id"][0],
                                       link["timestamp"][0], link["sig"][0])
    assert opened is not None and opened.reference == reference
    assert verify_result_link_access(link["partner_code"][0], link["transaction_id"][0],
                                     link["timestamp"][0], link["sig"][0]) is None  # single use


def test_repeat_and_conflicting_commits(client, travel):
    booking = hold_vip(travel.partner)
    assert travel.open(travel.commit(client, booking.reference))["error_code"] == "00"
    assert travel.open(travel.commit(client, booking.reference))["error_code"] == "00"
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "payments.issue")) == 1
    assert travel.open(travel.commit(client, booking.reference, partner_trans_id="GTD-2"))["error_code"] == "08"
    assert reload(booking).partner_transaction_id == "GTD-1"


def test_commit_for_unknown_or_another_partners_booking(client, app, travel, partner_key):
    other = envelope_partner(partner_key, code="other-travel", suite=travel.suite)
    booking = hold_vip(travel.partner)
    reply = other.open(other.commit(client, booking.reference))
    assert reply["error_code"] == "02"
    assert (reply["properties"], reply["return_url"], reply["total_amount"]) == ("{}", "", "0")
    assert other.open(other.commit(client, "261122-NOPE1234"))["error_code"] == "02"
    assert other.open(other.query(client, booking.reference))["error_code"] == "02"
    assert reload(booking).payment_status == "PENDING"


def test_commit_product_mismatch_and_malformed_values(client, travel):
    booking = hold_vip(travel.partner)
    mismatch = travel.commit(client, booking.reference, product_type="AIR")
    assert travel.open(mismatch)["error_code"] == "07"
    bad_type = travel.commit(client, booking.reference, product_type="SHIP")
    assert bad_type.status_code == 400 and travel.open(bad_type)["error_code"] == "07"
    too_long = travel.commit(client, booking.reference, partner_trans_id="X" * 101)
    assert too_long.status_code == 400 and travel.open(too_long)["error_code"] == "07"
    assert reload(booking).payment_status == "PENDING"


def test_commit_refusals(client, travel, partner_key):
    booking = hold_vip(travel.partner)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = EnvelopePartner.__new__(EnvelopePartner)
    forged.__dict__.update(travel.__dict__, key=stranger)
    assert forged.commit(client, booking.reference).status_code == 401  # 04, sealed (cannot be opened by them)
    wrong_key = travel.call(client, COMMIT, partner_side.COMMIT_REQUEST,
                            {"booking_number": booking.reference, "partner_trans_id": "X", "product_type": "VIP"},
                            apikey="wrong")
    assert wrong_key.status_code == 401 and travel.open(wrong_key)["error_code"] == "03"
    unknown = travel.call(client, COMMIT, partner_side.COMMIT_REQUEST, {"booking_number": booking.reference},
                          **{"x-ibe-req-name": "nobody"})
    assert unknown.status_code == 401 and unknown.get_json()["error_code"] == "10"
    garbage = client.post(COMMIT, data=b"{}", content_type="application/json", headers=travel.headers())
    assert garbage.status_code == 400 and travel.open(garbage)["error_code"] == "07"
    assert reload(booking).payment_status == "PENDING"


def test_applying_a_commit_takes_a_constant_number_of_statements(client, app, partner_key):
    travel = envelope_partner(partner_key)
    counts = []
    for n in range(3):
        booking = hold_vip(travel.partner, identify_code=f"user-{n}")
        for _ in range(n * 2):
            hold_vip(travel.partner, identify_code=f"user-{n}")
        reference = booking.reference
        with StatementCounter(db.engine) as counter:
            assert travel.open(travel.commit(client, reference, partner_trans_id=f"G{n}"))["error_code"] == "00"
        counts.append(counter.count)
    assert counts[0] == counts[1] == counts[2], counts


def test_booking_detail(client, travel, partner_key):
    booking = hold_vip(travel.partner)
    path = f"/api/v1/products/booking-detail?booking_number={booking.reference}"
    response = client.get(path, headers=travel.headers())
    assert response.status_code == 200
    detail = response.get_json()["booking"]
    assert detail["booking_number"] == booking.reference and detail["payment_status"] == "PENDING"
    assert detail["travellers"][0]["document_number"] == "*****567"
    other = envelope_partner(partner_key, code="nosy-travel", suite=travel.suite)
    assert client.get(path, headers=other.headers()).status_code == 404
    assert client.get(path, headers=travel.headers(apikey="nope")).get_json()["error_code"] == "03"
    assert client.get(path, headers={"x-ibe-req-name": "nobody"}).status_code == 401
    assert client.get("/api/v1/products/booking-detail", headers=travel.headers()).status_code == 400


def test_place_order_redirect_opens_with_the_partners_key(app, travel):
    booking = hold_vip(travel.partner)
    handoff = start_checkout(booking)
    assert handoff.method == "redirect"
    url = urlsplit(handoff.url)
    assert url.path == f"/sandbox/partner/{travel.partner.code}/pay"
    query = parse_qs(url.query)
    fields = partner_side.open_sealed(partner_side.PLACE_ORDER, travel.suite, query["key"][0], query["data"][0],
                                      receiver_private=travel.key, sender_public=travel.merchant_key)
    assert (fields["access_code"], fields["booking_number"], fields["product_type"], fields["total_amount"]) == \
        (travel.access_code, booking.reference, "VIP", str(booking.amount))
