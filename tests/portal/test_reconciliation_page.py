"""The reconciliation settings page: every setting saved through reconciliation's own service (the rules of
`flask partners set-recon`), each refusal next to its field with nothing half-written, the SFTP key write-only
(sealed, never echoed, never in the audit log), finance reads, developers and other partners' users are kept out."""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from tests.portal.conftest import csrf_token, make_partner, make_user, sign_in
from webview.extensions import db
from webview.portal.models import AuditEvent
from webview.reconciliation.models import ReconciliationSettings
from webview.reconciliation.settings import settings_of, sftp_private_key
from webview.reconciliation.templates import STANDARD, stored_template

TEMPLATE = {"name": "wallet-v1", "delimiter": ";", "grouping": ".", "date_format": "%d/%m/%Y %H:%M:%S",
            "columns": [{"field": "reference_transaction_id", "header": "Order"},
                        {"field": "record_type", "header": "Type"}, {"field": "amount", "header": "Amount"},
                        {"field": "status", "header": "Status"}, {"field": "refund_request_id", "header": "Refund"},
                        {"field": "occurred_at", "header": "Time"}]}


@pytest.fixture
def sftp_files() -> dict[str, str]:
    private = ed25519.Ed25519PrivateKey.generate()
    key_text = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                     serialization.NoEncryption()).decode()
    host = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return {"key": key_text, "known_hosts": f"[sftp.wallet-a.example]:2222 {host}\n"}


def signed_in(app, partner, role: str = "admin"):
    client = app.test_client()
    sign_in(client, make_user(partner, role).email)
    client.get("/portal/lang/en")
    return client


def save(client, code: str, **data):
    url = f"/portal/p/{code}/reconciliation/settings"
    values = {"transport": "api", "close_time": "02:00", "template_kind": "standard", "template_json": "",
              "sftp_host": "", "sftp_port": "22", "sftp_user": "", "sftp_key": "", "sftp_known_hosts": ""}
    values.update(data, csrf_token=csrf_token(client, url))
    return client.post(url, data=values)


def stored(partner) -> ReconciliationSettings:
    db.session.rollback()
    return db.session.scalar(select(ReconciliationSettings).where(ReconciliationSettings.partner_id == partner.id)
                             .execution_options(populate_existing=True))


def test_every_setting_is_saved_through_the_service(app, sftp_files, caplog):
    caplog.set_level(logging.DEBUG)
    partner = make_partner()
    client = signed_in(app, partner)
    assert client.get(f"/portal/p/{partner.code}/reconciliation/settings").status_code == 200
    response = save(client, partner.code, transport="sftp", close_time="03:30", template_kind="custom",
                    template_json=json.dumps(TEMPLATE), sftp_host="SFTP.Wallet-A.example", sftp_port="2222",
                    sftp_user="webview_recon", sftp_key=sftp_files["key"], sftp_known_hosts=sftp_files["known_hosts"])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = stored(partner)
    assert (row.transport, row.close_time, row.sftp_host, row.sftp_port, row.sftp_user) == \
        ("sftp", "03:30", "sftp.wallet-a.example", 2222, "webview_recon")
    assert stored_template(row.template).name == "wallet-v1"
    assert row.sftp_known_hosts == sftp_files["known_hosts"].strip()
    assert sftp_files["key"] not in row.sftp_key_sealed  # sealed at rest
    public = sftp_private_key(row).get_base64()
    page = client.get(f"/portal/p/{partner.code}/reconciliation/settings").get_data(as_text=True)
    assert public in page and "BEGIN OPENSSH PRIVATE KEY" not in page  # the public half to authorise, never the key
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reconciliation.settings_updated")).one()
    assert event.detail["fields"] == ["close_time", "sftp_host", "sftp_key", "sftp_known_hosts", "sftp_port",
                                      "sftp_user", "template", "transport"]
    assert "PRIVATE" not in json.dumps(event.detail) and "PRIVATE KEY" not in caplog.text
    # an empty key keeps the stored one; going back to API and the standard template
    sealed = row.sftp_key_sealed
    assert save(client, partner.code, transport="both", template_kind="standard", sftp_host="sftp.wallet-a.example",
                sftp_port="2222", sftp_user="webview_recon",
                sftp_known_hosts=sftp_files["known_hosts"]).status_code == 302
    row = stored(partner)
    assert row.transport == "both" and row.sftp_key_sealed == sealed and stored_template(row.template) == STANDARD


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"transport": "carrier-pigeon"}, "transport", "transport must be one of"),
    ({"close_time": "25:00"}, "close_time", "time must be HH:MM"),
    ({"sftp_host": "bad host!"}, "sftp_host", "sftp host"),
    ({"sftp_port": "70000"}, "sftp_port", "sftp port must be 1 to 65535"),
    ({"sftp_port": "twenty"}, "sftp_port", "The port is a number"),
    ({"sftp_user": "a user"}, "sftp_user", "sftp user must be"),
    ({"sftp_key": "hello"}, "sftp_key", "not an unencrypted"),
    ({"sftp_known_hosts": "nonsense"}, "sftp_known_hosts", "not a known_hosts entry"),
    ({"template_kind": "custom", "template_json": "{not json"}, "template_json", "not valid JSON"),
    ({"template_kind": "custom", "template_json": ""}, "template_json", "Paste the agreed template"),
    ({"transport": "sftp", "sftp_host": "sftp.wallet-a.example"}, "transport", "transport sftp needs"),
])
def test_bad_values_are_refused_next_to_their_field_and_nothing_is_written(app, changes, field, words):
    partner = make_partner()
    client = signed_in(app, partner)
    assert save(client, partner.code, close_time="04:00").status_code == 302
    response = save(client, partner.code, **{"close_time": "05:00", **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page, page[:3000]
    # the message is under the field it is about
    after_field = page.split(f'id="{field}"')[1].split('class="field"')[0]
    assert 'role="alert"' in after_field and words in after_field
    assert "--" not in page.split("pt-flash")[1][:300]  # the CLI's flags are words here
    assert stored(partner).close_time == "04:00"  # nothing half-written


def test_a_typed_key_is_never_echoed_back(app, sftp_files):
    partner = make_partner()
    client = signed_in(app, partner)
    response = save(client, partner.code, sftp_key=sftp_files["key"], sftp_known_hosts="nonsense")
    assert response.status_code == 400 and b"PRIVATE KEY" not in response.data


def test_roles_and_partners(app, two_partners, sftp_files):
    a, b = two_partners.a, two_partners.b
    finance = app.test_client()
    sign_in(finance, two_partners.users_a["finance"].email)
    page = finance.get(f"/portal/p/{a.code}/reconciliation/settings")
    assert page.status_code == 200 and b'data-testid="recon-settings-read"' in page.data
    assert b"recon-settings-form" not in page.data
    token = csrf_token(finance, "/portal/account")
    assert finance.post(f"/portal/p/{a.code}/reconciliation/settings", data={
        "transport": "off", "csrf_token": token}).status_code == 403
    developer = app.test_client()
    sign_in(developer, two_partners.users_a["developer"].email)
    developer.get("/portal/lang/en")
    assert developer.get(f"/portal/p/{a.code}/reconciliation/settings").status_code == 403
    integration = developer.get(f"/portal/p/{a.code}/integration").get_data(as_text=True)
    assert "set with our operators" not in integration and "Your administrator sets the transport" in integration
    admin_a = app.test_client()
    sign_in(admin_a, two_partners.users_a["admin"].email)
    admin_a.get("/portal/lang/en")
    token = csrf_token(admin_a, "/portal/account")
    assert admin_a.get(f"/portal/p/{b.code}/reconciliation/settings").status_code == 404
    assert admin_a.post(f"/portal/p/{b.code}/reconciliation/settings", data={
        "transport": "off", "csrf_token": token}).status_code == 404
    assert f"/portal/p/{a.code}/reconciliation/settings" in \
        admin_a.get(f"/portal/p/{a.code}/integration").get_data(as_text=True)
    operator = app.test_client()
    sign_in(operator, two_partners.operator.email)
    operator.get("/portal/lang/en")
    assert save(operator, b.code, transport="api", close_time="01:15").status_code == 302
    assert stored(b).close_time == "01:15" and settings_of(a).close_time == "02:00"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reconciliation.settings_updated")).one()
    assert event.partner_id == b.id and event.actor == two_partners.operator.email


def test_csrf_is_required(app):
    partner = make_partner()
    client = signed_in(app, partner)
    response = client.post(f"/portal/p/{partner.code}/reconciliation/settings", data={"transport": "off"})
    assert response.status_code == 400 and stored(partner) is None


def test_the_page_reads_in_vietnamese(app):
    partner = make_partner()
    client = signed_in(app, partner)
    client.get("/portal/lang/vi")
    page = client.get(f"/portal/p/{partner.code}/reconciliation/settings").get_data(as_text=True)
    assert "Cài đặt đối soát" in page and "Save the reconciliation settings" not in page
