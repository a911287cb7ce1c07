"""schemathesis against the served OpenAPI document (/api/openapi.json): every operation, positive and negative
generated cases, hmac requests signed and envelope requests sealed (and some left as generated, unsigned), each
answer checked: no server error, the status code documented, the body and content type as documented.

At least 1,000 cases run (CASES_PER_OPERATION x operations); the count per operation is asserted, so a schema that
stops generating fails the test instead of passing quietly.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.payments.factories import hmac_partner, hold_vip
from webview.extensions import db
from webview.partners.services import PartnerSpec, create_partner
from webview.signing import envelope as sealing

pytestmark = pytest.mark.slow

MIN_CASES = 1000
POSITIVE, NEGATIVE = 110, 50  # per operation
# positive_data_acceptance does not apply: a schema-valid but unsealed or unsigned body is refused by design.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
SEALED_SPECS = {
    "/api/v1/partner/login": sealing.LOGIN_REQUEST,
    "/api/v1/partner/commit": sealing.COMMIT_REQUEST,
    "/api/v1/partner/query-trans": sealing.QUERY_REQUEST,
}
SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="|"), min_size=0, max_size=60)


@dataclass
class Partners:
    """One hmac and one envelope partner, each with a held order, as their back ends see them."""

    hmac: object
    hmac_reference: str
    hmac_amount: int
    envelope_key: rsa.RSAPrivateKey
    merchant_public: rsa.RSAPublicKey
    api_key: str
    access_code: str
    envelope_reference: str
    cases: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    stamp: int = field(default_factory=lambda: int(time.time() * 1000))

    def next_timestamp(self) -> int:
        self.stamp += 1  # every signature unique: none is refused as a replay of another case
        return self.stamp


@pytest.fixture
def partners(app) -> Partners:
    wallet = hmac_partner()
    held = hold_vip(wallet.partner, email="fuzz@example.com")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    partner, issued = create_partner(PartnerSpec(
        code="fuzz-travel", name="Fuzz Travel", environment="sandbox", profile="envelope", suite="modern",
        handoff="redirect", public_key=pem, admin_name="Ops", admin_email="ops@travel.example",
        payment_url="http://127.0.0.1:5000/sandbox/partner/fuzz-travel/pay", return_hosts=("127.0.0.1",)))
    db.session.commit()
    envelope_held = hold_vip(partner, email="fuzz-envelope@example.com", identify_code="fuzz-envelope")
    merchant_public = serialization.load_pem_public_key(issued.merchant_public_key_pem.encode())
    return Partners(wallet, held.reference, held.amount, key, merchant_public, issued.api_key, issued.access_code,
                    envelope_held.reference)


def request_parts(case) -> tuple[str, dict[str, str], bytes | None]:
    """(request target, headers, body bytes) of a generated case, as the partner would send them."""
    query = {name: value if isinstance(value, list) else [value] for name, value in (case.query or {}).items()}
    pairs = [(name, json.dumps(item) if isinstance(item, dict | list) else str(item))
             for name, values in query.items() for item in values]
    path = quote(case.formatted_path, safe="/%:@!$&'()*+,;=-._~")
    target = path + ("?" + urlencode(pairs, quote_via=quote, safe="") if pairs else "")
    headers = {}
    for name, value in (case.headers or {}).items():
        text = str(value)
        if text.isascii() and text.isprintable():
            headers[name] = text
    body = None
    if not isinstance(case.body, type(schemathesis.core.NOT_SET)):
        body = case.body if isinstance(case.body, bytes) else \
            json.dumps(case.body, default=lambda value: value.decode("latin-1")).encode()
        headers["Content-Type"] = case.media_type or "application/json"
    return target, headers, body


def use_real_orders(case, partners: Partners, data) -> None:
    """Now and then ask about an order that exists (the partner's own), so answers beyond 'unknown' are checked."""
    query = case.query or {}
    for name, reference in (("reference_transaction_id", partners.hmac_reference),
                            ("booking_number", partners.envelope_reference)):
        if isinstance(query.get(name), str) and data.draw(st.booleans(), label=f"real {name}"):
            query[name] = reference


def authenticate(case, target: str, headers: dict, body: bytes | None, partners: Partners, data) -> bytes | None:
    """Sign (hmac) or seal (envelope) the request; most cases, not all: the rest test the refusals."""
    security = {name for requirement in case.operation.definition.raw.get("security", []) for name in requirement}
    if not data.draw(st.integers(0, 9), label="authenticate") < 9:
        return body
    if "Signature" in security and (data.draw(st.booleans(), label="hmac") or "ApiKey" not in security):
        wallet = partners.hmac
        if body is not None and isinstance(case.body, dict) and "reference_transaction_id" in case.body \
                and data.draw(st.booleans(), label="real order"):
            changed = {**case.body, "reference_transaction_id": partners.hmac_reference}
            if "transaction_amount" in changed and data.draw(st.booleans(), label="right amount"):
                changed["transaction_amount"] = partners.hmac_amount
            body = json.dumps(changed).encode()
        signed = body if body is not None else target.encode()
        headers.update(wallet.headers(signed, partners.next_timestamp()))
        return body
    if "ApiKey" in security:
        headers.update({"apikey": partners.api_key, "x-ibe-req-name": partners.access_code})
        spec = SEALED_SPECS.get(case.operation.path)
        if spec is None or case.method.upper() != "POST":
            return body
        reference = data.draw(st.sampled_from([partners.envelope_reference, "261130-ZZZZZZZZ"]) | SAFE_TEXT,
                              label="booking_number")
        values = {"access_code": partners.access_code, "booking_number": reference,
                  "user_id": data.draw(SAFE_TEXT, label="user_id"),
                  "layout": data.draw(st.sampled_from(["single", "dual"]) | SAFE_TEXT, label="layout"),
                  "product": data.draw(st.sampled_from(["flight", "hotel", "vip"]) | SAFE_TEXT, label="product"),
                  "partner_trans_id": data.draw(SAFE_TEXT, label="partner_trans_id"),
                  "product_type": data.draw(st.sampled_from(["AIR", "HOTEL", "VIP"]) | SAFE_TEXT, label="type")}
        try:
            sealed = sealing.seal_message(spec, {name: values[name] for name in spec.signed_fields
                                                 if name in values},
                                          sender_private_key=partners.envelope_key,
                                          receiver_public_key=partners.merchant_public, suite="modern",
                                          now_ms=int(time.time() * 1000))
        except (sealing.EnvelopeError, ValueError):
            return body  # values the seal itself refuses: send the generated body instead
        headers["Content-Type"] = "application/json"
        return json.dumps(dict(sealed)).encode()
    return body


def test_every_operation_answers_as_documented(app, partners):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    client = app.test_client()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7

    def fuzz(operation, mode, count: int) -> None:
        @settings(max_examples=count, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def run(case, data):
            use_real_orders(case, partners, data)
            target, headers, body = request_parts(case)
            body = authenticate(case, target, headers, body, partners, data)
            response = client.open(target, method=case.method.upper(), headers=headers, data=body)
            partners.cases[operation.label] += 1
            partners.statuses[(operation.label, response.status_code)] += 1
            case.validate_response(response, checks=CHECKS)

        run()

    for operation in operations:
        fuzz(operation, GenerationMode.POSITIVE, POSITIVE)
        fuzz(operation, GenerationMode.NEGATIVE, NEGATIVE)
    print(f"schemathesis: {sum(partners.cases.values())} cases", dict(partners.cases), dict(partners.statuses))
    assert sum(partners.cases.values()) >= MIN_CASES
    for operation in operations:
        assert partners.cases[operation.label] >= 100, (operation.label, partners.cases[operation.label])


def test_the_checks_catch_an_undocumented_status_and_a_server_error(app):
    """The harness can fail: an answer the document does not describe is reported."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema["/api/v1/transaction"]["GET"]
    case = operation.Case(query={"reference_transaction_id": "261130-ZZZZZZZZ"})
    for status, body, failure in ((418, {"code": 1, "message": "teapot"}, "Undocumented status code"),
                                  (500, {"code": 99, "message": "boom"}, "Server error"),
                                  (200, {"code": "zero"}, "Response violates schema")):
        with pytest.raises(FailureGroup) as caught:
            case.validate_response(fake_response(app, status, body), checks=CHECKS)
        assert failure in str(caught.value), str(caught.value)


def fake_response(app, status: int, body: dict):
    """A werkzeug test response with the given status and JSON body, as the test client returns them."""
    from werkzeug.test import TestResponse

    response = app.response_class(json.dumps(body), status=status, mimetype="application/json")
    return TestResponse(response.response, response.status, response.headers,
                        request=app.test_request_context("/api/v1/transaction").request)


def test_a_phone_number_longer_than_its_column_is_refused_not_a_server_error(app, client):
    """Found by the fuzzing on PostgreSQL: the phone pattern allowed 21 characters, the column holds 20."""
    wallet = hmac_partner()
    raw = json.dumps({"identify_code": "user-1", "identify_phone": "+918809.2850828289559"}).encode()
    answer = client.post("/api/v1/webview-url", data=raw, content_type="application/json",
                         headers=wallet.headers(raw))
    assert (answer.status_code, answer.get_json()["code"]) == (400, 1)
    assert "identify_phone" in answer.get_json()["data"]["fields"]
    raw = json.dumps({"identify_code": "user-1", "identify_phone": "+84 912 345 678 9012"}).encode()  # 20: fits
    answer = client.post("/api/v1/webview-url", data=raw, content_type="application/json",
                         headers=wallet.headers(raw))
    assert (answer.status_code, answer.get_json()["code"]) == (200, 0)


def test_an_envelope_caller_refused_by_the_reconciliation_api_gets_a_documented_answer(app, client):
    """Found by the fuzzing: the plaintext error_code 10 answer of GET /api/v1/reconciliation was undocumented."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operation = schema["/api/v1/reconciliation"]["GET"]
    for headers in ({"x-ibe-req-name": "unknown reference"}, {"x-ibe-req-name": "unknown", "apikey": "x"}):
        answer = client.get("/api/v1/reconciliation?date=20261122", headers=headers)
        assert (answer.status_code, answer.get_json()["error_code"]) == (401, "10")
        case = operation.Case(query={"date": "20261122"}, headers=headers)
        case.validate_response(answer, checks=CHECKS)
