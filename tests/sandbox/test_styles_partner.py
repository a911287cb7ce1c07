"""The sandbox partner in a style, through the app: the operator's control (service, CLI, page) and the partner's
create/query/refund endpoints answering calls written by webview's own engine (webview.styles.outbound), read back
by that engine — the two independent implementations must agree for every preset and for an invented wallet."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from sandbox.credentials import load_credentials
from sandbox.operator.services import OperatorError
from sandbox.operator.styles import set_sandbox_style
from sandbox.partner.services import get_transaction, settle_transaction
from sandbox.partner.styled import spoken_style
from tests.sandbox.test_styles_cases import acme_wallet
from webview.demo import run_seed
from webview.extensions import db
from webview.partners.services import find_partner
from webview.styles.canonical import Keys
from webview.styles.definition import parse_style
from webview.styles.outbound import mapped_amount, mapped_status, prepare_call, read_answer
from webview.styles.presets import preset, preset_document
from webview.styles.store import set_partner_style, style_row, verifying_keys
from webview.styles.values import format_amount, format_time

PARTNER = "demo-redirect"
STYLES = ("standard", "momo-like", "zalopay-like", "vnpay-like", "acme-pay")


@pytest.fixture
def seeded(app):
    run_seed()
    return app


def style_named(name: str):
    return parse_style(acme_wallet()) if name == "acme-pay" else preset(name)


def switch(name: str) -> None:
    set_sandbox_style(PARTNER, json.dumps(acme_wallet()) if name == "acme-pay" else name)


def send(client, prepared):
    """One prepared call through the test client; (HTTP status, decoded answer or response)."""
    parts = urlsplit(prepared.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    response = client.open(target, method=prepared.method, headers=prepared.headers, data=prepared.body or b"")
    return response


def variables(reference: str, **more) -> dict:
    base = "http://127.0.0.1:5000"
    return {"client_id": load_credentials(PARTNER).client_id, "partner_code": PARTNER, "reference": reference,
            "request_id": reference, "amount": 150000, "currency": "VND", "description": f"VIP {reference}",
            "ipn_url": f"{base}/api/v1/partners/{PARTNER}/ipn", "payment_ipn_url": f"{base}/api/v1/payment/ipn",
            "return_url": f"{base}/w/result?partner_code={PARTNER}", "expires_at": 4102444800000,
            "expires_in_s": 900, "identify_code": "user-42", "product": "vip", **more}


def typed(call, values: dict) -> dict:
    """The variables in the call's own formats (amounts scaled, the expiry in the call's time format)."""
    out = dict(values)
    out["amount"] = format_amount(values["amount"], call.amount, typed=True)
    out["expires_at"] = format_time(datetime.fromtimestamp(values["expires_at"] / 1000, UTC), call.timestamp_format,
                                    typed=True)
    return out


def keys() -> Keys:
    return Keys(secrets=(load_credentials(PARTNER).client_secret,))


@pytest.mark.parametrize("name", STYLES)
def test_calls_written_by_the_merchant_engine_are_answered_in_the_style(seeded, client, name):
    switch(name)
    style = style_named(name)
    reference = "261130-" + name[:4].upper().replace("-", "X") + "QK4M"
    url = f"http://127.0.0.1:5000/sandbox/partner/{PARTNER}/"
    now = datetime.now(UTC)
    create = prepare_call(style.create, url + "transactions" if style.create.transport != "redirect"
                          else "http://127.0.0.1:5000/sandbox/pay/", typed(style.create, variables(reference)),
                          keys(), now, request_id=reference)
    response = send(client, create)
    if style.create.transport == "redirect":
        assert response.status_code == 303 and "/sandbox/pay/SBX" in response.headers["Location"]
        transaction_id = response.headers["Location"].rsplit("/", 1)[-1]
    else:
        answer = read_answer(style.create.answer, response.get_json())
        assert answer.group == "success", response.get_data(as_text=True)
        transaction_id = answer.values["transaction_id"]
        assert answer.values["payment_url"].endswith(f"/sandbox/pay/{transaction_id}")
        again = read_answer(style.create.answer, send(client, create).get_json())
        assert again.values["transaction_id"] == transaction_id  # idempotent on the order number
    query = prepare_call(style.query, url + "transactions/query", variables(reference, request_id="q" * 32), keys(),
                         now, request_id="q" * 32)
    reading = read_answer(style.query.answer, send(client, query).get_json())
    assert reading.group == "success" and mapped_status(style.query.answer, reading.values["status"]) == "PENDING" \
        if style.query.answer.status_values.get("PENDING") else reading.group == "success"
    settle_transaction(transaction_id, "approve")
    reading = read_answer(style.query.answer, send(client, query).get_json())
    assert reading.group == "success"
    assert mapped_status(style.query.answer, reading.values["status"]) == "SUCCESS"
    assert mapped_amount(style.query.answer, reading.values["amount"]) == 150000
    assert reading.values["transaction_id"] == transaction_id
    unknown = prepare_call(style.query, url + "transactions/query", variables("261130-NOSUCH00", request_id="u" * 32),
                           keys(), now, request_id="u" * 32)
    missing = read_answer(style.query.answer, send(client, unknown).get_json())
    assert missing.group == ("not_found" if style.query.answer.not_found else "other")
    refund_values = variables(reference, request_id="RF-" + reference, transaction_id=transaction_id, amount=50000,
                              reason="customer asked")
    refund = prepare_call(style.refund, url + "refunds", typed(style.refund, refund_values), keys(), now,
                          request_id="RF-" + reference)
    assert read_answer(style.refund.answer, send(client, refund).get_json()).group == "success"
    assert read_answer(style.refund.answer, send(client, refund).get_json()).group == "success"  # a retry
    too_much = prepare_call(style.refund, url + "refunds",
                            typed(style.refund, {**refund_values, "request_id": "RF2-" + reference, "amount": 150000}),
                            keys(), now, request_id="RF2-" + reference)
    refused = send(client, too_much)
    assert refused.status_code == 200 and read_answer(style.refund.answer, refused.get_json()).group == "other"
    assert get_transaction(transaction_id).refunded_amount == 50000


@pytest.mark.parametrize("name", ["momo-like", "zalopay-like", "standard"])
def test_a_call_signed_with_another_secret_is_refused_in_the_style(seeded, client, name):
    switch(name)
    style = style_named(name)
    create = prepare_call(style.create, f"http://127.0.0.1:5000/sandbox/partner/{PARTNER}/transactions",
                          typed(style.create, variables("261130-BADSIG01")), Keys(secrets=("not-the-secret",)),
                          datetime.now(UTC), request_id="261130-BADSIG01")
    response = send(client, create)
    assert response.status_code == 401
    assert read_answer(style.create.answer, response.get_json()).group == "other"


def test_switching_a_partner_stores_the_style_on_both_sides_and_keeps_issued_secrets(seeded):
    switch_result = set_sandbox_style(PARTNER, "zalopay-like")
    assert switch_result.issued_secrets == ("key2",) and switch_result.version >= 1
    partner = find_partner(PARTNER)
    assert partner.profile == "styled" and style_row(partner).name == "zalopay-like"
    spoken = spoken_style(PARTNER)
    merchant_key2 = verifying_keys(partner, preset("zalopay-like").status_in.signature).secrets[0]
    assert spoken.secrets == {"key2": merchant_key2}
    set_sandbox_style(PARTNER, "momo-like")
    again = set_sandbox_style(PARTNER, "zalopay-like")
    assert again.issued_secrets == () and spoken_style(PARTNER).secrets == {"key2": merchant_key2}


@pytest.mark.parametrize(("code", "source", "words"), [
    ("nobody", "momo-like", "no sandbox partner"),
    ("demo-envelope", "momo-like", "only hmac partners"),
    (PARTNER, "{not json", "not valid JSON"),
    (PARTNER, "no-such-preset", "neither a preset"),
    (PARTNER, json.dumps({"format": 1, "name": "half-a-style"}), "status_in"),
])
def test_a_bad_switch_is_refused_and_changes_nothing(seeded, code, source, words):
    with pytest.raises(OperatorError) as refused:
        set_sandbox_style(code, source)
    assert words in refused.value.message
    assert spoken_style(PARTNER) is None
    assert find_partner(PARTNER).profile == "hmac"


def test_cli_and_page_switch_a_partner(seeded, client):
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["sandbox", "set-style", "demo-deeplink", "vnpay-like"])
    assert result.exit_code == 0, result.output
    assert "demo-deeplink now speaks vnpay-like" in result.output
    result = runner.invoke(args=["sandbox", "set-style", "demo-deeplink", "nope"])
    assert result.exit_code != 0 and "neither a preset" in result.output
    page = client.get("/sandbox/operator/styles")
    assert page.status_code == 200
    assert b'data-partner="demo-deeplink" data-style="vnpay-like" data-in-step="yes"' in page.data
    assert b'data-partner="demo-bridge" data-style="" data-in-step="yes"' in page.data
    set_partner_style(find_partner("demo-bridge"), preset_document("standard"), source="cli")  # behind its back
    db.session.commit()
    assert b'data-partner="demo-bridge" data-style="" data-in-step="no"' in client.get("/sandbox/operator/styles").data
    token = re.search(r'name="style-csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"style-csrf_token": token, "style-partner_code": "demo-bridge", "style-preset": "", "style-document": ""}
    posted = client.post("/sandbox/operator/styles", data={**form, "style-preset": "momo-like"})
    assert posted.status_code == 303, posted.get_data(as_text=True)[:2000]
    assert spoken_style("demo-bridge").name == "momo-like"
    custom = client.post("/sandbox/operator/styles", data={**form, "style-document": json.dumps(acme_wallet())})
    assert custom.status_code == 303 and spoken_style("demo-bridge").name == "acme-pay"
    bad = client.post("/sandbox/operator/styles", data={**form, "style-document": '{"format": 1}'})
    assert bad.status_code == 400 and b'data-testid="styles-error"' in bad.data
    assert spoken_style("demo-bridge").name == "acme-pay"
    db.session.rollback()
