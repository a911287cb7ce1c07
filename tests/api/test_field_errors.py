"""Issue 11 point 5(b): a code 1 answer gives a reason per field in `data.errors` next to the `data.fields` list."""

from __future__ import annotations

import pytest

from tests.api.test_launch_hmac import LAUNCH
from tests.payments.factories import hmac_partner as signed_hmac_partner


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({**LAUNCH, "email": "not-an-email"}, "email", "not a valid email address"),
        ({**LAUNCH, "identify_code": 42}, "identify_code", "string"),
        ({**LAUNCH, "product": "train"}, "product", "flight"),
        ({**LAUNCH, "surprise": 1}, "surprise", "not permitted"),
        ({k: v for k, v in LAUNCH.items() if k != "identify_phone"}, "identify_phone", "required"),
    ],
)
def test_each_invalid_field_has_a_reason(client, hmac_partner, body, field, reason):
    answer = hmac_partner.post(client, "/api/v1/webview-url", body).get_json()
    assert answer["code"] == 1
    assert field in answer["data"]["fields"]  # the existing list stays
    errors = answer["data"]["errors"]
    assert [e["field"] for e in errors if e["field"] == field] == [field]
    (mine,) = [e for e in errors if e["field"] == field]
    assert set(mine) == {"field", "reason"} and reason in mine["reason"], mine
    assert {e["field"] for e in errors} == set(answer["data"]["fields"])


def test_a_bad_email_never_echoes_the_value(client, hmac_partner):
    answer = hmac_partner.post(client, "/api/v1/webview-url", {**LAUNCH, "email": "secret-value@@x"}).get_json()
    assert "secret-value" not in str(answer)


def test_a_body_that_is_not_json_has_a_reason(client, hmac_partner):
    answer = hmac_partner.post(client, "/api/v1/webview-url", b"{not json").get_json()
    assert answer["data"]["fields"] == ["body"]
    assert answer["data"]["errors"][0]["field"] == "body" and "JSON" in answer["data"]["errors"][0]["reason"]


def test_other_code_1_answers_carry_errors_too(app, client):
    wallet = signed_hmac_partner()
    answer = wallet.get(client, "/api/v1/transaction?reference_transaction_id=").get_json()
    assert answer["code"] == 1 and answer["data"]["fields"] == ["reference_transaction_id"]
    assert answer["data"]["errors"] == [{"field": "reference_transaction_id",
                                         "reason": "reference_transaction_id is required (1 to 40 characters)"}]
