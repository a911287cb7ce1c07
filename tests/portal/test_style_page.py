"""The integration style page: switching to every preset and to a custom JSON/YAML document through the style
service (confirmed first; nothing half-written), refusals naming the path in the document, a secret issued with a
style shown once (no-store, never in audit, logs, emails or later pages), rotation, going back to a version, envelope
partners read-only, roles and IDOR."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from tests.portal.conftest import csrf_token, make_partner, make_user, sign_in
from webview.emails import SentEmail
from webview.extensions import db
from webview.partners.models import PartnerStyle
from webview.partners.services import PartnerSpec, create_partner
from webview.portal.models import AuditEvent
from webview.profiles import STYLED, profile_of
from webview.styles.presets import preset_document, preset_names
from webview.styles.store import signing_keys, style_of, style_row, style_versions

HIDDEN = re.compile(r'<input[^>]*name="(proposal)"[^>]*value="([^"]*)"')


def signed_in(app, partner, role: str = "developer"):
    client = app.test_client()
    sign_in(client, make_user(partner, role).email)
    client.get("/portal/lang/en")
    return client


def check(client, code: str, **data):
    """Step 1: the source form posted; returns the response (the confirm page when the style is good)."""
    form = {"csrf_token": csrf_token(client, f"/portal/p/{code}/style"), **data}
    return client.post(f"/portal/p/{code}/style/check", data=form, content_type="multipart/form-data")


def confirm_fields(page: str) -> dict[str, str]:
    import html

    return {name: html.unescape(value) for name, value in HIDDEN.findall(page)}


def apply(client, code: str, page: str):
    """Step 2: the confirm form of `page` posted as it is."""
    fields = confirm_fields(page)
    fields["csrf_token"] = csrf_token(client, f"/portal/p/{code}/style")
    return client.post(f"/portal/p/{code}/style/apply", data=fields)


def custom_document() -> dict:
    document = preset_document("momo-like")
    document["name"] = "kiwi-wallet"
    document["description"] = "Our own conventions"
    return document


def test_switch_to_every_preset(app):
    partner = make_partner()
    client = signed_in(app, partner)
    assert b"standard hmac profile" in client.get(f"/portal/p/{partner.code}/style").data
    for number, name in enumerate(preset_names(), 1):
        confirm = check(client, partner.code, preset=name)
        page = confirm.get_data(as_text=True)
        assert confirm.status_code == 200 and 'data-testid="style-proposed"' in page, name
        assert "changes the wire format of live calls" in page
        assert style_row(partner) is None or style_row(partner).version == number - 1  # the check stored nothing
        stored = apply(client, partner.code, page)
        assert stored.status_code in (200, 302), name
        row = style_row(partner)
        assert (row.version, row.name, row.source, row.definition) == (number, name, f"preset {name}",
                                                                        preset_document(name))
        assert style_of(partner).name == name and profile_of(partner) is STYLED
        shown = client.get(f"/portal/p/{partner.code}/style").get_data(as_text=True)
        assert f"preset {name}" in shown and 'data-testid="style-summary"' in shown
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "style.set")).all()
    assert [event.detail["name"] for event in events] == list(preset_names())
    assert events[1].detail["previous_version"] == 1 and events[0].detail["previous_version"] is None
    versions = client.get(f"/portal/p/{partner.code}/style").get_data(as_text=True)
    assert all(f'data-testid="revert-{n}"' in versions for n in range(1, len(preset_names())))


def test_the_summary_says_transport_signature_and_where_it_travels(app):
    partner = make_partner()
    client = signed_in(app, partner)
    page = check(client, partner.code, preset="zalopay-like").get_data(as_text=True)
    proposed = page.split('data-testid="style-proposed"')[1].split("</table>")[0]
    assert "POST · JSON body" in proposed and "HMAC-SHA256 (key2) · json_field · hex" in proposed
    assert "field mac" in proposed and "form body" in proposed


def test_a_custom_document_as_pasted_json_and_as_a_yaml_file(app):
    partner = make_partner()
    client = signed_in(app, partner, "admin")
    page = check(client, partner.code, document_text=json.dumps(custom_document())).get_data(as_text=True)
    assert "kiwi-wallet" in page and "portal paste" in page
    apply(client, partner.code, page)
    assert (style_row(partner).version, style_row(partner).name) == (1, "kiwi-wallet")
    document = custom_document()
    document["name"] = "kiwi-wallet-two"
    upload = (io.BytesIO(yaml.safe_dump(document, allow_unicode=True).encode()), "kiwi.yaml")
    page = check(client, partner.code, document_file=upload).get_data(as_text=True)
    assert apply(client, partner.code, page).status_code == 302
    row = style_row(partner)
    assert (row.version, row.name, row.source, row.definition) == (2, "kiwi-wallet-two", "portal upload kiwi.yaml",
                                                                    document)
    shown = client.get(f"/portal/p/{partner.code}/style").get_data(as_text=True)
    assert "custom document" in shown


@pytest.mark.parametrize(("data", "words"), [
    ({"document_text": json.dumps({**custom_document(), "name": "Bad Name"})}, "name: String should match"),
    ({"document_text": json.dumps({**custom_document(), "colour": "blue"})}, "colour: Extra inputs"),
    ({"document_text": json.dumps({**custom_document(), "status_in": {
        **custom_document()["status_in"], "transport": "xml"}})}, "status_in.transport: Input should be"),
    ({"document_text": "{not json"}, "style: not valid JSON"),
    ({"document_text": "a: &x [1]\nb: *x\n"}, "YAML anchors and aliases"),
    ({"document_text": "[" * 5000}, "style: not valid"),
    ({"document_text": json.dumps(custom_document()), "preset": "standard"}, "Choose one"),
    ({"preset": "paypal-like"}, "no preset is called"),
    ({"document_file": (io.BytesIO(b"\xff\xfe"), "x.json")}, "not UTF-8"),
])
def test_invalid_documents_are_refused_next_to_the_field_and_nothing_is_stored(app, data, words):
    partner = make_partner()
    client = signed_in(app, partner)
    response = check(client, partner.code, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    assert words in page and 'role="alert"' in page
    assert 'data-testid="style-proposed"' not in page
    assert style_row(partner) is None and partner.profile == "hmac"


def test_an_rsa_style_needs_the_partners_key_first(app):
    partner = make_partner()
    client = signed_in(app, partner)
    document = custom_document()
    document["status_in"]["signature"] = {**document["status_in"]["signature"], "algorithm": "RSA-SHA256"}
    document["status_in"]["signature"].pop("secret", None)
    response = check(client, partner.code, document_text=json.dumps(document))
    assert response.status_code == 400 and b"register its RSA public key first" in response.data


def test_a_tampered_or_stale_confirmation_stores_nothing(app):
    partner = make_partner()
    client = signed_in(app, partner)
    page = check(client, partner.code, preset="momo-like").get_data(as_text=True)
    token = confirm_fields(page)["proposal"]
    for forged in (token[:-3] + "abc", token.replace(".", "x", 1), ""):
        refused = client.post(f"/portal/p/{partner.code}/style/apply", data={
            "proposal": forged, "csrf_token": csrf_token(client, f"/portal/p/{partner.code}/style")})
        assert refused.status_code == 400 and b"expired or was changed" in refused.data
    other_partner = make_partner("wallet-b")  # a genuine proposal of another partner is not this one's
    operator = app.test_client()
    sign_in(operator, make_user(None, "operator", "ops@merchant.example").email)
    operator.get("/portal/lang/en")
    foreign = confirm_fields(check(operator, other_partner.code, preset="standard").get_data(as_text=True))
    refused = operator.post(f"/portal/p/{partner.code}/style/apply", data={
        **foreign, "csrf_token": csrf_token(operator, f"/portal/p/{partner.code}/style")})
    assert refused.status_code == 400 and style_row(partner) is None and style_row(other_partner) is None
    other = signed_in(app, partner, "admin")
    apply(other, partner.code, check(other, partner.code, preset="standard").get_data(as_text=True))
    stale = apply(client, partner.code, page)  # based on "no style": someone stored version 1 meanwhile
    assert stale.status_code == 409 and style_row(partner).name == "standard"
    assert len(style_versions(partner)) == 1


def test_a_secret_issued_with_a_style_is_shown_once_and_never_kept(app, caplog):
    caplog.set_level(logging.DEBUG)
    partner = make_partner()
    client = signed_in(app, partner, "admin")
    page = check(client, partner.code, preset="zalopay-like").get_data(as_text=True)
    assert "key2" in page.split('data-testid="style-confirm"')[1]  # the confirm step says it will be issued
    result = apply(client, partner.code, page)
    assert result.status_code == 200 and result.headers["Cache-Control"] == "no-store"
    key2 = re.search(r'data-testid="revealed-key2">([^<]+)<', result.get_data(as_text=True)).group(1)
    status_in = style_of(partner).status_in.signature
    assert signing_keys(partner, status_in).secrets == (key2,)  # the value shown is the one in force
    # a later version naming key2 keeps it, and says nothing new is issued
    again = apply(client, partner.code, check(client, partner.code, preset="zalopay-like").get_data(as_text=True))
    assert again.status_code == 302 and signing_keys(partner, status_in).secrets == (key2,)
    pages = "".join(client.get(url).get_data(as_text=True) for url in (
        f"/portal/p/{partner.code}/style", f"/portal/p/{partner.code}/audit", f"/portal/p/{partner.code}/"))
    assert key2 not in pages and "key2" in pages  # its name, never its value
    audit_text = " ".join(json.dumps(event.detail) for event in db.session.scalars(select(AuditEvent)))
    assert key2 not in audit_text and '"issued": ["key2"]' in audit_text
    assert key2 not in caplog.text
    assert all(key2 not in mail.text + mail.html for mail in db.session.scalars(select(SentEmail)))


def test_a_style_secret_is_rotated_and_shown_once(app):
    partner = make_partner()
    client = signed_in(app, partner, "admin")
    first = apply(client, partner.code, check(client, partner.code, preset="zalopay-like").get_data(as_text=True))
    old = re.search(r'revealed-key2">([^<]+)<', first.get_data(as_text=True)).group(1)
    url = f"/portal/p/{partner.code}/style/secrets/key2/rotate"
    rotated = client.post(url, data={"csrf_token": csrf_token(client, f"/portal/p/{partner.code}/style")})
    assert rotated.headers["Cache-Control"] == "no-store"
    new = re.search(r'revealed-key2">([^<]+)<', rotated.get_data(as_text=True)).group(1)
    assert new != old and signing_keys(partner, style_of(partner).status_in.signature).secrets == (new,)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "style.secret_rotated")).one() \
        .detail == {"name": "key2"}
    missing = client.post(f"/portal/p/{partner.code}/style/secrets/key9/rotate",
                          data={"csrf_token": csrf_token(client, f"/portal/p/{partner.code}/style")})
    assert missing.status_code == 404


def test_going_back_to_a_version_stores_it_again_as_a_new_one(app):
    partner = make_partner()
    client = signed_in(app, partner)
    for name in ("momo-like", "vnpay-like"):
        apply(client, partner.code, check(client, partner.code, preset=name).get_data(as_text=True))
    url = f"/portal/p/{partner.code}/style/versions/1/revert"
    confirm = client.post(url, data={"csrf_token": csrf_token(client, f"/portal/p/{partner.code}/style")})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "revert to version 1" in page
    assert style_row(partner).version == 2
    assert apply(client, partner.code, page).status_code == 302
    row = style_row(partner)
    assert (row.version, row.name, row.source) == (3, "momo-like", "revert to version 1")
    assert db.session.scalars(select(PartnerStyle).where(PartnerStyle.partner_id == partner.id)).all()[0].version == 1
    missing = client.post(f"/portal/p/{partner.code}/style/versions/9/revert",
                          data={"csrf_token": csrf_token(client, f"/portal/p/{partner.code}/style")})
    assert missing.status_code == 404


def test_envelope_partners_read_that_styles_are_for_json_partners(app):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    partner, _ = create_partner(PartnerSpec(
        code="travel-co", name="Travel Co", profile="envelope", public_key=pem, admin_name="Ops",
        admin_email="ops@travel.example", payment_url="http://127.0.0.1:5000/pay", return_hosts=("127.0.0.1",)))
    db.session.commit()
    client = signed_in(app, partner, "admin")
    page = client.get(f"/portal/p/{partner.code}/style").get_data(as_text=True)
    assert 'data-testid="style-not-applicable"' in page and 'data-testid="style-form"' not in page
    refused = client.post(f"/portal/p/{partner.code}/style/check", data={
        "preset": "standard", "csrf_token": csrf_token(client, "/portal/account")})
    assert refused.status_code == 400 and style_row(partner) is None and partner.profile == "envelope"


def test_roles_and_partners(app, two_partners):
    """Finance may not open or change the style (403); partner A's developer never reaches B's (404); an operator
    may change any partner's style."""
    a, b = two_partners.a, two_partners.b
    finance = app.test_client()
    sign_in(finance, two_partners.users_a["finance"].email)
    token = csrf_token(finance, "/portal/account")
    assert finance.get(f"/portal/p/{a.code}/style").status_code == 403
    assert finance.post(f"/portal/p/{a.code}/style/check", data={"preset": "standard", "csrf_token": token}) \
        .status_code == 403
    developer = app.test_client()
    sign_in(developer, two_partners.users_a["developer"].email)
    token = csrf_token(developer, "/portal/account")
    assert developer.get(f"/portal/p/{b.code}/style").status_code == 404
    for path in ("style/check", "style/apply", "style/versions/1/revert", "style/secrets/key2/rotate"):
        assert developer.post(f"/portal/p/{b.code}/{path}", data={"preset": "standard", "csrf_token": token,
                                                                   "kind": "preset"}).status_code == 404
    assert style_row(b) is None
    operator = app.test_client()
    sign_in(operator, two_partners.operator.email)
    page = check(operator, b.code, preset="vnpay-like").get_data(as_text=True)
    assert apply(operator, b.code, page).status_code == 302
    assert style_row(b).created_by == two_partners.operator.email
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "style.set")).one().partner_id == b.id


def test_csrf_is_required(app):
    partner = make_partner()
    client = signed_in(app, partner)
    for path in ("style/check", "style/apply", "style/versions/1/revert", "style/secrets/key2/rotate"):
        assert client.post(f"/portal/p/{partner.code}/{path}", data={"preset": "standard"}).status_code == 400
    assert style_row(partner) is None


def test_the_page_reads_in_vietnamese(app):
    partner = make_partner()
    client = signed_in(app, partner)
    client.get("/portal/lang/vi")
    page = client.get(f"/portal/p/{partner.code}/style").get_data(as_text=True)
    assert "Kiểu tích hợp" in page and "Integration style" not in page


def test_a_large_custom_document_fits_through_the_confirmation(app):
    """The document travels compressed and signed between the steps: one near the upload limit still confirms."""
    partner = make_partner()
    client = signed_in(app, partner)
    document = custom_document()
    document["description"] = "x" * 1990
    for number in range(100):  # many answer-body fields: a large but valid document
        document["status_in"]["answers"]["error"]["body"][f"note_{number:02d}"] = "see {message} " * 30
    text = json.dumps(document, indent=2)
    assert 40_000 < len(text) < app.config["MAX_CONTENT_LENGTH"] - 4096
    page = check(client, partner.code, document_file=(io.BytesIO(text.encode()), "big.json")).get_data(as_text=True)
    assert len(confirm_fields(page)["proposal"]) < len(text) / 4
    assert apply(client, partner.code, page).status_code == 302
    assert style_row(partner).definition == document


def test_a_document_above_the_request_limit_is_refused_plainly(app):
    partner = make_partner()
    client = signed_in(app, partner)
    text = json.dumps({**custom_document(), "description": "x" * 70_000})
    response = check(client, partner.code, document_text=text)
    assert response.status_code == 413 and b"larger than the portal takes" in response.data
    assert style_row(partner) is None
