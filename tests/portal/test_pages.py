"""The partner's pages: keys (PEM and .NET XML upload, size rules, downloads), integration settings with the
registry's own validation, support contact, team roles; the operator's suspend and activate."""

from __future__ import annotations

import io

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select

from tests.portal.conftest import csrf_token, make_partner, make_user, post_form, sign_in
from webview.extensions import db
from webview.partners.keys import merchant_public_key_pem, pem_to_xml
from webview.partners.models import Partner
from webview.portal.models import AuditEvent, PortalUser
from webview.reconciliation.settings import settings_of


def public_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_in(app, partner: Partner, role: str = "developer"):
    user = make_user(partner, role)
    client = app.test_client()
    sign_in(client, user.email)
    return client


def upload(client, code: str, *, text: str | None = None, file: bytes | None = None, name: str = "key.pem"):
    data = {"csrf_token": csrf_token(client, f"/portal/p/{code}/keys")}
    if text is not None:
        data["key_text"] = text
    if file is not None:
        data["key_file"] = (io.BytesIO(file), name)
    return client.post(f"/portal/p/{code}/keys", data=data, content_type="multipart/form-data")


def test_upload_pem_file_and_dotnet_xml(app):
    partner = make_partner()
    client = signed_in(app, partner)
    pem = public_pem()
    assert upload(client, partner.code, file=pem.encode()).status_code == 302
    db.session.refresh(partner)
    assert partner.public_key_bits == 2048 and "BEGIN PUBLIC KEY" in partner.public_key_pem
    other = public_pem()
    assert upload(client, partner.code, text=pem_to_xml(other), name="key.xml").status_code == 302
    db.session.refresh(partner)
    assert partner.public_key_pem.strip() == other.strip()
    page = client.get(f"/portal/p/{partner.code}/keys").get_data(as_text=True)
    assert "RSA 2048 bits" in page and 'data-testid="partner-key"' in page
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "keys.partner_key_set"))
    assert detail["bits"] == 2048


def test_bad_keys_are_refused_with_a_reason(app):
    partner = make_partner()
    client = signed_in(app, partner)
    ec_pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    for text in ("not a key", ec_pem, "<RSAKeyValue><Modulus>!!</Modulus></RSAKeyValue>",
                 '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><RSAKeyValue/>'):
        response = upload(client, partner.code, text=text)
        assert response.status_code == 400 and b"pt-flash error" in response.data, text
    too_big = upload(client, partner.code, file=b"-----BEGIN PUBLIC KEY-----\n" + b"A" * 30_000, name="big.pem")
    assert too_big.status_code == 400
    empty = upload(client, partner.code, text="")
    assert empty.status_code == 400
    db.session.refresh(partner)
    assert partner.public_key_pem is None


def test_production_partner_needs_a_2048_bit_key(app):
    partner = make_partner()
    partner.environment = "production"
    db.session.commit()
    client = signed_in(app, partner)
    response = upload(client, partner.code, text=public_pem(1024))
    assert response.status_code == 400 and b"2048" in response.data


def test_merchant_key_downloads_as_pem_and_xml(app):
    partner = make_partner()
    client = signed_in(app, partner)
    pem = client.get(f"/portal/p/{partner.code}/keys/merchant.pem")
    xml = client.get(f"/portal/p/{partner.code}/keys/merchant.xml")
    assert pem.status_code == 200 and pem.get_data(as_text=True) == merchant_public_key_pem("sandbox")
    assert xml.get_data(as_text=True) == pem_to_xml(merchant_public_key_pem("sandbox"))
    assert "attachment" in pem.headers["Content-Disposition"]
    assert client.get(f"/portal/p/{partner.code}/keys/merchant.der").status_code == 404


def test_integration_settings_use_the_registry_rules(app):
    partner = make_partner()
    client = signed_in(app, partner)
    url = f"/portal/p/{partner.code}/integration"
    good = {"handoff": "deeplink", "deeplink_template": "kiwipay://pay?transaction_id={transaction_id}",
            "payment_url": "", "create_transaction_url": "http://127.0.0.1:9/t",
            "query_transaction_url": "http://127.0.0.1:9/q", "refund_url": "http://127.0.0.1:9/r",
            "return_hosts": "127.0.0.1\nlocalhost", "recon_url": "http://127.0.0.1:9/recon",
            "recon_finance_emails": "money@wallet-a.example"}
    assert post_form(client, url, url, good).status_code == 302
    db.session.refresh(partner)
    assert partner.handoff == "deeplink" and partner.deeplink_schemes == ["kiwipay"]
    assert partner.return_hosts == ["127.0.0.1", "localhost"]
    assert settings_of(partner).reconciliation_url == "http://127.0.0.1:9/recon"
    for field, value, words in (("deeplink_template", "javascript://x?transaction_id={transaction_id}", b"scheme"),
                                ("create_transaction_url", "http://example.com/t", b"https"),
                                ("return_hosts", "bad host!", b"hostname"),
                                ("handoff", "carrier-pigeon", b"")):
        response = post_form(client, url, url, {**good, field: value})
        assert response.status_code == 400 and words in response.data, field
    db.session.refresh(partner)
    assert partner.deeplink_template == good["deeplink_template"]  # nothing half-written
    assert b"--" not in post_form(client, url, url, {**good, "refund_url": "ftp://x"}).data.split(b"pt-flash")[1][:300]


def test_support_contact(app):
    partner = make_partner()
    client = signed_in(app, partner, "admin")
    url = f"/portal/p/{partner.code}/support"
    ok = post_form(client, url, url, {"support_email": "help@wallet-a.example", "support_phone": "1900 1234",
                                      "support_hours": "8:00-22:00"})
    assert ok.status_code == 302
    db.session.refresh(partner)
    assert partner.support_email == "help@wallet-a.example"
    assert post_form(client, url, url, {"support_email": "not-mail"}).status_code == 400
    assert signed_in(app, partner, "finance").get(url).status_code == 403


def test_roles_change_and_the_last_admin_stays(app):
    partner = make_partner()
    admin = make_user(partner, "admin")
    dev = make_user(partner, "developer")
    client = app.test_client()
    sign_in(client, admin.email)
    team = f"/portal/p/{partner.code}/team"
    post_form(client, team, f"{team}/{dev.id}/role", {"role": "finance"})
    assert db.session.get(PortalUser, dev.id).role == "finance"
    post_form(client, team, f"{team}/{admin.id}/role", {"role": "developer"})
    db.session.expire_all()
    assert db.session.get(PortalUser, admin.id).role == "admin"  # the only admin
    dev_client = app.test_client()
    sign_in(dev_client, dev.email)
    post_form(client, team, f"{team}/{dev.id}/active", {"active": "0"})
    assert dev_client.get(f"/portal/p/{partner.code}/").status_code == 302  # deactivated: signed out at once
    assert sign_in(app.test_client(), dev.email).status_code == 401


def test_operator_suspends_and_activates(app):
    partner = make_partner()
    operator = make_user(None, "operator", "ops@merchant.example")
    client = app.test_client()
    sign_in(client, operator.email)
    page = f"/portal/operator/partners/{partner.code}"
    assert b"operator-actions" in client.get(page).data
    post_form(client, page, f"{page}/suspend")
    db.session.refresh(partner)
    assert partner.status == "suspended"
    post_form(client, page, f"{page}/activate")
    db.session.refresh(partner)
    assert partner.status == "active"
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.partner_id == partner.id)))
    assert "partner.suspended" in actions and "partner.activated" in actions
    audit_page = client.get("/portal/operator/audit").get_data(as_text=True)
    assert "partner.suspended" in audit_page and "ops@merchant.example" in audit_page


def test_pages_answer_in_both_languages(app):
    partner = make_partner()
    client = signed_in(app, partner, "admin")
    vi = client.get(f"/portal/p/{partner.code}/credentials").get_data(as_text=True)
    assert "Thông tin xác thực" in vi and 'lang="vi"' in vi
    client.get("/portal/lang/en?next=/portal/account")
    en = client.get(f"/portal/p/{partner.code}/credentials").get_data(as_text=True)
    assert "Credentials" in en and 'lang="en"' in en
    assert client.get("/portal/lang/en?next=https://evil.example/").location.endswith("/portal/")


def test_create_operator_cli(app, runner):
    result = runner.invoke(args=["portal", "create-operator", "boss@merchant.example", "--name", "Boss"])
    assert result.exit_code == 0 and "activation link was emailed" in result.output
    again = runner.invoke(args=["portal", "create-operator", "boss@merchant.example"])
    assert again.exit_code == 2 and "already has a portal account" in again.output
    bad = runner.invoke(args=["portal", "create-operator", "not-an-email"])
    assert bad.exit_code == 2 and "not an email address" in bad.output
