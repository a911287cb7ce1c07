"""Issue 14, Gotadi-client compatibility of the envelope profile: the /api/partner/* aliases, an empty
partner_trans_id, wrapped base64, .NET XML keys and a numeric total_amount on answers without an order.

Every request is a real sealed envelope made with the sandbox's independent partner-side protocol code."""

from __future__ import annotations

import base64
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from sandbox.protocol import envelope as partner_side
from tests.api.test_commit import EnvelopePartner, envelope_partner
from tests.payments.factories import hold_vip, reload
from webview.extensions import db, limiter
from webview.jobs import Job
from webview.messagelog.models import PartnerMessage
from webview.partners.keys import public_key_xml

ALIASES = {"login": "/api/partner/login", "commit": "/api/partner/commit", "query": "/api/partner/query-trans"}
PUBLISHED = {"login": "/api/v1/partner/login", "commit": "/api/v1/partner/commit",
             "query": "/api/v1/partner/query-trans"}


@pytest.fixture(scope="module")
def partner_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(params=["modern", "legacy"])
def travel(request, app, partner_key) -> EnvelopePartner:
    return envelope_partner(partner_key, code="gotadi-like", suite=request.param)


def login(travel: EnvelopePartner, client, path: str, user_id: str = "gtd-user-1"):
    return travel.call(client, path, partner_side.LOGIN_REQUEST,
                       {"user_id": user_id, "layout": "dual", "product": "vip"})


def open_login(travel: EnvelopePartner, response) -> dict[str, str]:
    body = response.get_json()
    return partner_side.open_sealed(partner_side.LOGIN_RESPONSE, travel.suite, body["key"], body["data"],
                                    receiver_private=travel.key, sender_public=travel.merchant_key)


def commit_values(booking_number: str, partner_trans_id: str = "GTD-1") -> dict:
    return {"booking_number": booking_number, "partner_trans_id": partner_trans_id, "product_type": "VIP"}


def kinds_and_paths() -> list[tuple[str, str, str | None]]:
    rows = db.session.scalars(select(PartnerMessage).where(PartnerMessage.direction == "inbound")
                              .order_by(PartnerMessage.id)).all()
    return [(row.kind, row.url.split("127.0.0.1", 1)[-1].split("localhost", 1)[-1], row.result_code) for row in rows]


# -- 1. the aliases -----------------------------------------------------------------------------------------

def test_each_alias_answers_like_the_published_call(client, travel):
    launched = login(travel, client, ALIASES["login"])
    assert launched.status_code == 200
    reply = open_login(travel, launched)
    assert reply["error_code"] == "00" and "/w/launch?token=" in reply["redirect_url"]
    assert client.get(reply["redirect_url"].split("127.0.0.1:5000", 1)[1]).status_code in {302, 303}

    booking = hold_vip(travel.partner)
    waiting = travel.open(travel.call(client, ALIASES["query"], partner_side.QUERY_TRANS_REQUEST,
                                      {"booking_number": booking.reference}))
    assert waiting["error_code"] == "09"
    committed = travel.call(client, ALIASES["commit"], partner_side.COMMIT_REQUEST, commit_values(booking.reference))
    assert committed.status_code == 200 and travel.open(committed)["error_code"] == "00"
    assert reload(booking).payment_status == "SUCCESS" and booking.partner_transaction_id == "GTD-1"
    # the same booking through the published path: the alias applied it, the published call sees the repeat
    assert travel.open(travel.commit(client, booking.reference))["error_code"] == "00"
    paid = travel.open(travel.call(client, ALIASES["query"], partner_side.QUERY_TRANS_REQUEST,
                                   {"booking_number": booking.reference}))
    assert (paid["error_code"], paid["total_amount"]) == ("00", str(booking.amount))

    logged = kinds_and_paths()
    assert logged == [
        ("partner-login", ALIASES["login"], "00"),
        ("partner-query-trans", ALIASES["query"], "09"),
        ("partner-commit", ALIASES["commit"], "00"),
        ("partner-commit", PUBLISHED["commit"], "00"),
        ("partner-query-trans", ALIASES["query"], "00"),
    ]


def test_aliases_refuse_with_envelope_codes(client, travel):
    booking = hold_vip(travel.partner)
    for path in ALIASES.values():
        not_json = client.post(path, data=b"key=1&data=2", content_type="application/x-www-form-urlencoded",
                               headers=travel.headers())
        assert not_json.status_code == 400 and set(not_json.get_json()) == {"key", "data"}  # sealed 07
        stranger = client.post(path, data=b"{}", content_type="application/json",
                               headers=travel.headers(**{"x-ibe-req-name": "nobody"}))
        assert stranger.status_code == 401 and stranger.get_json()["error_code"] == "10"
        assert client.get(path).get_json()["error_code"] == "07"  # 405, as an envelope answer
    wrong_key = travel.call(client, ALIASES["commit"], partner_side.COMMIT_REQUEST,
                            commit_values(booking.reference), apikey="wrong")
    assert wrong_key.status_code == 401 and travel.open(wrong_key)["error_code"] == "03"
    assert client.post("/api/partner/refund", json={}).get_json()["error_code"] == "07"  # no such alias: 404
    assert reload(booking).payment_status == "PENDING"


def test_aliases_share_the_partner_rate_limit_and_need_no_csrf_token(make_app, partner_key):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", API_RATE_LIMIT="3/minute",
                   API_ADDRESS_RATE_LIMIT="100/minute", WTF_CSRF_ENABLED=True)
    with app.app_context():
        limiter.reset()
        travel = envelope_partner(partner_key, code="limited-travel")
        client = app.test_client()
        answers = [login(travel, client, path).status_code
                   for path in (PUBLISHED["login"], ALIASES["login"], ALIASES["login"], ALIASES["login"])]
        assert answers == [200, 200, 200, 429]
        assert login(travel, client, PUBLISHED["login"]).status_code == 429  # one counter for both paths
        limiter.reset()


def test_openapi_lists_the_aliases_as_their_own_operations(client, app):
    document = client.get("/api/openapi.json").get_json()
    for name, alias in ALIASES.items():
        operation = document["paths"][alias]["post"]
        published = document["paths"][PUBLISHED[name]]["post"]
        assert operation["deprecated"] is False and "deprecated" not in published
        assert operation["operationId"] == published["operationId"] + "GotadiAlias"
        assert f"Alias of POST {PUBLISHED[name]}" in operation["summary"]
        assert operation["responses"] == published["responses"]
        assert operation["requestBody"] == published["requestBody"]
    routes = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    for name, alias in ALIASES.items():
        assert routes[alias] == routes[PUBLISHED[name]]


# -- 2. an empty partner_trans_id ---------------------------------------------------------------------------

def test_empty_partner_trans_id_is_the_booking_number(client, travel):
    booking = hold_vip(travel.partner)
    reference = booking.reference
    first = travel.call(client, ALIASES["commit"], partner_side.COMMIT_REQUEST, commit_values(reference, ""))
    assert first.status_code == 200 and travel.open(first)["error_code"] == "00"
    assert reload(booking).partner_transaction_id == reference and booking.payment_status == "SUCCESS"
    # a repeat (empty again, blank, or the booking number spelled out) is the same payment: 00, nothing changes
    for repeat in ("", "  ", reference):
        assert travel.open(travel.commit(client, reference, partner_trans_id=repeat))["error_code"] == "00"
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "payments.issue")) == 1
    assert travel.open(travel.commit(client, reference, partner_trans_id="GTD-9"))["error_code"] == "08"
    assert reload(booking).partner_transaction_id == reference
    detail = client.get(f"/api/v1/products/booking-detail?booking_number={reference}", headers=travel.headers())
    assert detail.get_json()["booking"]["partner_trans_id"] == reference


def test_an_explicit_id_then_an_empty_one_is_another_payment(client, travel):
    booking = hold_vip(travel.partner)
    assert travel.open(travel.commit(client, booking.reference, partner_trans_id="GTD-7"))["error_code"] == "00"
    assert travel.open(travel.commit(client, booking.reference, partner_trans_id=""))["error_code"] == "08"
    assert reload(booking).partner_transaction_id == "GTD-7"


# -- 3. wrapped base64 ----------------------------------------------------------------------------------------

def wrap76(text: str, newline: str = "\r\n") -> str:
    """What Apache commons-codec 1.4's Base64.encodeBase64String gives: 76-character lines, each ended by CRLF."""
    return "".join(text[i:i + 76] + newline for i in range(0, len(text), 76))


def seal_with_wrapped_signature(travel: EnvelopePartner, spec, values: dict, newline: str = "\r\n",
                                signature: str | None = None) -> dict[str, str]:
    """A sealed message whose signature field is a real signature re-encoded 76-wrapped (or `signature`)."""
    _, original = partner_side.build_original(spec, travel.suite, {"access_code": travel.access_code, **values},
                                              travel.key)
    names = spec.fields(travel.suite)[1]
    parts = original.split("|")
    position = names.index(partner_side.SIGNATURE)
    real = parts[position]
    parts[position] = signature if signature is not None else wrap76(real, newline)
    assert signature is not None or (parts[position] != real and "".join(parts[position].split()) == real)
    symmetric_key = os.urandom(32 if travel.suite == "modern" else 24)
    wrapped_key = partner_side.wrap_key(travel.suite, travel.merchant_key, symmetric_key)
    data = partner_side.encrypt_data(travel.suite, symmetric_key, "|".join(parts).encode("utf-8"))
    return {"key": partner_side.b64url_encode(wrapped_key), "data": partner_side.b64url_encode(data)}


def post(client, travel: EnvelopePartner, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=travel.headers())


@pytest.mark.parametrize("newline", ["\r\n", "\n", " "])
def test_a_76_wrapped_signature_is_accepted(client, travel, newline):
    booking = hold_vip(travel.partner)
    body = seal_with_wrapped_signature(travel, partner_side.COMMIT_REQUEST, commit_values(booking.reference),
                                       newline)
    response = post(client, travel, ALIASES["commit"], body)
    assert response.status_code == 200 and travel.open(response)["error_code"] == "00"
    assert reload(booking).payment_status == "SUCCESS"
    assert post(client, travel, ALIASES["commit"], body).status_code == 401  # still one message: a replay is 04


def test_wrapped_key_and_data_are_accepted(client, travel):
    booking = hold_vip(travel.partner)
    sealed = partner_side.seal(partner_side.QUERY_TRANS_REQUEST, travel.suite,
                               {"access_code": travel.access_code, "booking_number": booking.reference},
                               sender_private=travel.key, receiver_public=travel.merchant_key).as_body()
    standard = {name: base64.b64encode(partner_side.b64_decode_any(value)).decode() for name, value in sealed.items()}
    body = {name: wrap76(value) for name, value in standard.items()}
    assert all("\r\n" in value for value in body.values())
    response = post(client, travel, PUBLISHED["query"], body)
    assert response.status_code == 200 and travel.open(response)["error_code"] == "09"


def test_other_characters_in_base64_are_still_refused(client, travel):
    booking = hold_vip(travel.partner)
    values = commit_values(booking.reference)
    good = seal_with_wrapped_signature(travel, partner_side.COMMIT_REQUEST, values)
    for field in ("key", "data"):
        spoiled = {**good, field: good[field][:40] + "*" + good[field][40:]}
        answer = post(client, travel, ALIASES["commit"], spoiled)
        assert answer.status_code == 400 and travel.open(answer)["error_code"] == "07"
        tabbed = {**good, field: good[field][:40] + "\u00a0" + good[field][40:]}  # not ASCII whitespace
        assert travel.open(post(client, travel, ALIASES["commit"], tabbed))["error_code"] == "07"
    _, original = partner_side.build_original(partner_side.COMMIT_REQUEST, travel.suite,
                                              {"access_code": travel.access_code, **values}, travel.key)
    names = partner_side.COMMIT_REQUEST.fields(travel.suite)[1]
    real = original.split("|")[names.index(partner_side.SIGNATURE)]
    for broken in (real[:50] + "*" + real[51:], wrap76(real).replace("\r\n", "\r\n.", 1)):
        sealed = seal_with_wrapped_signature(travel, partner_side.COMMIT_REQUEST, values, signature=broken)
        assert post(client, travel, ALIASES["commit"], sealed).status_code == 401  # 04: the signature does not verify
    assert reload(booking).payment_status == "PENDING"


# -- 4. .NET XML keys -----------------------------------------------------------------------------------------

def test_a_partner_key_registered_as_xml_signs_its_calls(client, runner, travel, tmp_path):
    replacement = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "gotadi.xml"
    key_file.write_text(public_key_xml(replacement.public_key()), encoding="utf-8")
    result = runner.invoke(args=["partners", "set-key", travel.partner.code, str(key_file)])
    assert result.exit_code == 0 and "RSA 2048 bits" in result.output
    assert login(travel, client, ALIASES["login"]).status_code == 401  # the old key no longer verifies (04)
    travel.key = replacement
    assert open_login(travel, login(travel, client, ALIASES["login"], user_id="gtd-2"))["error_code"] == "00"


def test_the_merchant_xml_key_is_what_a_dotnet_partner_encrypts_to(client, runner, travel):
    shown = runner.invoke(args=["keys", "show", "--public", "--format", "xml"])
    assert shown.exit_code == 0
    text = shown.output.strip()
    modulus = int.from_bytes(base64.b64decode(text.split("<Modulus>")[1].split("</Modulus>")[0]), "big")
    exponent = int.from_bytes(base64.b64decode(text.split("<Exponent>")[1].split("</Exponent>")[0]), "big")
    travel.merchant_key = rsa.RSAPublicNumbers(exponent, modulus).public_key()  # loaded from XML, as .NET does
    assert open_login(travel, login(travel, client, ALIASES["login"]))["error_code"] == "00"


# -- 5. total_amount is always a number in transaction answers ----------------------------------------------

def test_total_amount_is_zero_when_there_is_no_order_to_show(client, travel, partner_key):
    unknown = travel.open(travel.call(client, ALIASES["query"], partner_side.QUERY_TRANS_REQUEST,
                                      {"booking_number": "261122-NOPE1234"}))
    assert (unknown["error_code"], unknown["total_amount"], unknown["properties"]) == ("02", "0", "{}")
    other = envelope_partner(partner_key, code="other-gotadi", suite=travel.suite)
    booking = hold_vip(travel.partner)
    not_yours = other.open(other.commit(client, booking.reference))
    assert (not_yours["error_code"], not_yours["total_amount"]) == ("02", "0")
    refused = travel.commit(client, booking.reference, product_type="SHIP")
    assert refused.status_code == 400
    opened = travel.open(refused)
    assert (opened["error_code"], opened["total_amount"]) == ("07", "0")
    for answer in (unknown, not_yours):
        assert int(answer["total_amount"]) == 0  # what Long.parseLong does on the Java side
    yours = travel.open(travel.query(client, booking.reference))
    assert (yours["error_code"], yours["total_amount"]) == ("09", str(booking.amount))
