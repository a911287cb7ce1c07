"""GET /api/v1/reconciliation for both profiles: the file streamed with its name and SHA-256, and its codes."""

from __future__ import annotations

import hashlib

from tests.reconciliation.conftest import local, paid_booking, past_day
from webview.reconciliation.templates import FIELDS


def test_hmac_partner_downloads_the_day(client, wallet):
    day = past_day()
    booking = paid_booking(wallet.partner, local(day, 11))
    response = wallet.get(client, f"/api/v1/reconciliation?date={day:%Y%m%d}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    name = f"webview_wallet-one_{day:%Y%m%d}_1.csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(response.data).hexdigest()
    lines = response.data.decode().splitlines()
    assert lines[0] == ",".join(FIELDS) and booking.reference in lines[1]
    again = wallet.get(client, f"/api/v1/reconciliation?date={day:%Y%m%d}&part=1")
    assert again.data == response.data


def test_envelope_partner_downloads_by_its_headers(client, travel):
    partner, issued = travel
    day = past_day()
    paid_booking(partner, local(day, 11), transaction_id="GTD-5")
    headers = {"apikey": issued.api_key, "x-ibe-req-name": issued.access_code}
    response = client.get(f"/api/v1/reconciliation?date={day:%Y%m%d}", headers=headers)
    assert response.status_code == 200
    assert b"GTD-5" in response.data
    wrong = client.get(f"/api/v1/reconciliation?date={day:%Y%m%d}", headers={**headers, "apikey": "nope"})
    assert wrong.status_code == 401 and wrong.get_json()["error_code"] == "03"


def test_codes(client, wallet):
    day = past_day()
    cases = [
        ("/api/v1/reconciliation?date=2026-11-22", 400, 1),
        ("/api/v1/reconciliation?date=20261340", 400, 1),
        ("/api/v1/reconciliation", 400, 1),
        (f"/api/v1/reconciliation?date={day:%Y%m%d}&part=0", 400, 1),
        (f"/api/v1/reconciliation?date={day:%Y%m%d}&other=1", 400, 1),
        (f"/api/v1/reconciliation?date={past_day(0):%Y%m%d}", 404, 3),  # today: not closed
        (f"/api/v1/reconciliation?date={day:%Y%m%d}&part=2", 404, 3),  # no such part
        ("/api/v1/reconciliation?date=20200101", 404, 3),  # long ago and never written: not written on demand
    ]
    for target, status, code in cases:
        response = wallet.get(client, target)
        assert (response.status_code, response.get_json()["code"]) == (status, code), target
    unsigned = client.get(f"/api/v1/reconciliation?date={day:%Y%m%d}")
    assert unsigned.status_code == 401 and unsigned.get_json()["code"] == 7


def test_the_openapi_document_publishes_the_endpoint(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/v1/reconciliation"]["get"]
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    assert "text/csv" in operation["responses"]["200"]["content"]
