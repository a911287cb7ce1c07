"""A partner's own pages: overview, credentials, keys, integration settings and customer support contact.

Every rule is the partner registry's (webview.partners.services: validate_spec through update_registration,
set_public_key, rotate_secret, set_support_contact) and reconciliation's (configure): the portal never has a
second copy of them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from webview.extensions import db
from webview.partners.keys import KeyFormatError, merchant_public_key_pem, merchant_public_key_xml, pem_to_xml
from webview.partners.models import Partner
from webview.partners.services import (
    PartnerError,
    PartnerSpec,
    rotate_api_key,
    rotate_secret,
    set_public_key,
    set_support_contact,
    update_registration,
)
from webview.portal import bp
from webview.portal.accounts import partner_users
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.forms import ConfirmForm, IntegrationForm, KeyUploadForm, RotateSecretForm, SupportForm
from webview.portal.models import ADMIN, DEVELOPER, FINANCE, OPERATOR
from webview.portal.nav import add_nav
from webview.profiles import profile_label, profile_of
from webview.reconciliation.settings import ReconciliationSettingsError, SettingsChange, configure, settings_of

EVERYONE = (ADMIN, DEVELOPER, FINANCE, OPERATOR)
BUILDERS = (ADMIN, DEVELOPER, OPERATOR)
MAX_KEY_UPLOAD = 20_000
FLAG = re.compile(r"--[a-z][a-z-]+")

add_nav("portal.overview", _l("Overview"), roles=EVERYONE, order=10, icon="home")
add_nav("portal.credentials", _l("Credentials"), roles=BUILDERS, order=20, icon="key")
add_nav("portal.keys", _l("Keys"), roles=BUILDERS, order=30, icon="lock")
add_nav("portal.integration", _l("Integration settings"), roles=BUILDERS, order=40, icon="plug")
add_nav("portal.support", _l("Support contact"), roles=(ADMIN, DEVELOPER, OPERATOR), order=50, icon="help")


@dataclass(frozen=True)
class Revealed:
    """One credential shown once, in the answer to the request that made it (never stored, logged or flashed)."""

    label: str
    value: str
    name: str


def reveal_once(partner: Partner, title: str, items: list[Revealed], note: str = ""):
    """The page that shows new credentials this one time (the response is never cached: Cache-Control no-store)."""
    response = Response(render_template("portal/reveal_once.html", partner=partner, title=title, items=items,
                                        note=note))
    response.headers["Cache-Control"] = "no-store"
    return response


def readable_error(error: Exception) -> str:
    """A registry refusal for a page: the CLI's flag names (--payment-url) become plain words."""
    return FLAG.sub(lambda match: match.group(0)[2:].replace("-", " "), str(error))


# ---------------------------------------------------------------- overview


@dataclass(frozen=True)
class NextStep:
    label: str
    done: bool
    url: str | None


def next_steps(partner: Partner) -> list[NextStep]:
    """What the partner still has to do before its integration can be certified, in order."""
    profile = profile_of(partner)
    code = partner.code
    builders = current_user.role in BUILDERS
    steps = [
        NextStep(_("Upload your RSA public key"), bool(partner.public_key_pem),
                 url_for("portal.keys", code=code) if builders else None),
        NextStep(_("Set your integration URLs and handoff"),
                 all(getattr(partner, attr) for attr in profile.required_urls)
                 and (partner.handoff != "redirect" or bool(partner.payment_url)),
                 url_for("portal.integration", code=code) if builders else None),
        NextStep(_("Give your customers a support contact"), bool(partner.support_email),
                 url_for("portal.support", code=code) if current_user.role != FINANCE else None),
        NextStep(_("Invite your colleagues"), len(partner_users(partner)) > 1,
                 url_for("portal.team", code=code) if current_user.role in (ADMIN, OPERATOR) else None),
    ]
    if "portal.certification" in current_app.view_functions:
        steps.append(NextStep(_("Pass the certification checklist in the sandbox"), partner.environment ==
                              "production", url_for("portal.certification", code=code)))
    return steps


@bp.get("/p/<code>/")
@require_role(*EVERYONE)
def overview(code: str):
    """The partner's environments and their status, and what to do next."""
    partner = current_partner()
    return render_template("portal/overview.html", partner=partner, steps=next_steps(partner),
                           profile=profile_label(partner.profile, partner.suite))


# ---------------------------------------------------------------- credentials


def _rotation_until(partner: Partner):
    from webview.db import utcnow

    expires = partner.previous_secret_expires_at
    if partner.previous_client_secret_sealed and expires and expires > utcnow():
        return expires
    return None


@bp.get("/p/<code>/credentials")
@require_role(*BUILDERS)
def credentials(code: str):
    """client_id and access code; the secret and API key only as "issued" (rotate for new ones)."""
    partner = current_partner()
    return render_template("portal/credentials.html", partner=partner, rotate_form=RotateSecretForm(),
                           confirm=ConfirmForm(), previous_until=_rotation_until(partner),
                           can_rotate=current_user.role in (ADMIN, DEVELOPER, OPERATOR))


@bp.post("/p/<code>/credentials/rotate-secret")
@require_role(ADMIN, DEVELOPER, OPERATOR)
def rotate_client_secret(code: str):
    """A new client secret, shown once; the previous one keeps working for the chosen grace."""
    partner = current_partner()
    form = RotateSecretForm()
    if not form.validate_on_submit():
        flash(_("Choose how long the previous secret stays valid."), "error")
        return redirect(url_for("portal.credentials", code=code))
    grace_seconds = min(form.grace_hours.data * 3600, current_app.config["SECRET_ROTATION_GRACE_SECONDS"]) \
        if form.grace_hours.data else 0
    secret = rotate_secret(partner, int(grace_seconds))
    audit("credentials.secret_rotated", partner=partner, grace_seconds=int(grace_seconds))
    db.session.commit()
    note = _("The previous secret stays valid until %(until)s (UTC).",
             until=partner.previous_secret_expires_at.strftime("%Y-%m-%d %H:%M")) if grace_seconds else \
        _("The previous secret stopped working now.")
    return reveal_once(partner, _("New client secret"), [Revealed("client_secret", secret, "client_secret")], note)


@bp.post("/p/<code>/credentials/rotate-api-key")
@require_role(ADMIN, DEVELOPER, OPERATOR)
def rotate_partner_api_key(code: str):
    """A new API key, shown once; the previous one stops working now."""
    partner = current_partner()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("portal.credentials", code=code))
    api_key = rotate_api_key(partner)
    audit("credentials.api_key_rotated", partner=partner)
    db.session.commit()
    return reveal_once(partner, _("New API key"), [Revealed("api_key", api_key, "api_key")],
                       _("The previous API key stopped working now."))


# ---------------------------------------------------------------- keys


def key_fingerprint(pem: str | None) -> str | None:
    """SHA-256 of the key's DER SubjectPublicKeyInfo, as colon-separated hex (what `openssl` shows)."""
    if not pem:
        return None
    der = serialization.load_pem_public_key(pem.encode("ascii")).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(der).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2)) + "…"


@bp.route("/p/<code>/keys", methods=["GET", "POST"])
@require_role(*BUILDERS)
def keys(code: str):
    """Upload the partner's RSA public key (PEM or .NET XML); download the merchant's public key."""
    partner = current_partner()
    form = KeyUploadForm()
    status = 200
    if form.validate_on_submit():
        text = form.key_text.data or ""
        upload = form.key_file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(MAX_KEY_UPLOAD + 1)
            if len(raw) > MAX_KEY_UPLOAD:
                flash(_("The key file is larger than %(size)s KB.", size=MAX_KEY_UPLOAD // 1000), "error")
                return render_template("portal/keys.html", **_keys_context(partner, form)), 400
            text = raw
        if not text or not text.strip():
            flash(_("Choose a key file or paste the key."), "error")
            status = 400
        else:
            try:
                warnings = set_public_key(partner, text)
            except PartnerError as error:
                db.session.rollback()
                flash(_("Key refused: %(reason)s", reason=str(error)), "error")
                status = 400
            else:
                audit("keys.partner_key_set", partner=partner, bits=partner.public_key_bits,
                      fingerprint=key_fingerprint(partner.public_key_pem))
                db.session.commit()
                for warning in warnings:
                    flash(warning, "warning")
                flash(_("Your public key is saved (RSA %(bits)s bits).", bits=partner.public_key_bits), "info")
                return redirect(url_for("portal.keys", code=code))
    elif form.is_submitted():
        status = 400
        flash(_("The form has expired: reload the page and try again."), "error")
    return render_template("portal/keys.html", **_keys_context(partner, form)), status


def _keys_context(partner: Partner, form: KeyUploadForm) -> dict:
    return {"partner": partner, "form": form, "fingerprint": key_fingerprint(partner.public_key_pem),
            "merchant_fingerprint": key_fingerprint(merchant_public_key_pem(partner.environment))}


@bp.get("/p/<code>/keys/merchant.<fmt>")
@require_role(*BUILDERS)
def merchant_key_download(code: str, fmt: str):
    """The merchant's public key of the partner's environment, as PEM or .NET XML."""
    partner = current_partner()
    if fmt == "pem":
        body, mimetype = merchant_public_key_pem(partner.environment), "application/x-pem-file"
    elif fmt == "xml":
        body, mimetype = merchant_public_key_xml(partner.environment), "application/xml"
    else:
        return render_template("portal/error.html", status=404), 404
    db.session.commit()  # the key pair is made on first use
    name = f"merchant-{partner.environment}-public.{fmt}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/p/<code>/keys/partner.<fmt>")
@require_role(*BUILDERS)
def partner_key_download(code: str, fmt: str):
    """The partner's own registered public key, as PEM or .NET XML (to check what we hold)."""
    partner = current_partner()
    if not partner.public_key_pem or fmt not in ("pem", "xml"):
        return render_template("portal/error.html", status=404), 404
    try:
        body = partner.public_key_pem if fmt == "pem" else pem_to_xml(partner.public_key_pem)
    except KeyFormatError:
        return render_template("portal/error.html", status=404), 404
    name = f"{partner.code}-public.{fmt}"
    return Response(body, mimetype="application/x-pem-file" if fmt == "pem" else "application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------- integration settings


def spec_of(partner: Partner, **changes) -> PartnerSpec:
    """The partner's registration as an onboarding spec (what validate_spec checks), with `changes`."""
    values = dict(
        code=partner.code, name=partner.name, address=partner.address, website=partner.website,
        environment=partner.environment, profile=partner.profile, suite=partner.suite,
        allow_legacy=partner.allow_legacy_in_production, handoff=partner.handoff,
        public_key=partner.public_key_pem, admin_name=partner.admin_name, admin_email=partner.admin_email,
        admin_phone=partner.admin_phone, support_email=partner.support_email, support_phone=partner.support_phone,
        support_hours=partner.support_hours, create_transaction_url=partner.create_transaction_url,
        query_transaction_url=partner.query_transaction_url, refund_url=partner.refund_url,
        payment_url=partner.payment_url, deeplink_template=partner.deeplink_template,
        bridge_function=partner.bridge_function, return_hosts=tuple(partner.return_hosts or ()),
        theme={k: v for k, v in (partner.theme or {}).items() if k != "font_stack"}, logo_url=partner.logo_url,
        font_stack=partner.font_stack or "system",
    )
    values.update(changes)
    return PartnerSpec(**values)


INTEGRATION_FIELDS = ("handoff", "payment_url", "deeplink_template", "bridge_function", "create_transaction_url",
                      "query_transaction_url", "refund_url")


def _integration_form(partner: Partner, formdata=None) -> IntegrationForm:
    recon = settings_of(partner)
    data = {name: getattr(partner, name) or "" for name in INTEGRATION_FIELDS}
    data.update(return_hosts="\n".join(partner.return_hosts or []), recon_url=recon.reconciliation_url or "",
                recon_finance_emails=", ".join(recon.finance_emails or []))
    form = IntegrationForm(formdata=formdata, data=data) if formdata is not None else IntegrationForm(data=data)
    form.handoff.choices = [SelectChoice(code, code) for code in profile_of(partner).handoffs]
    return form


@bp.route("/p/<code>/integration", methods=["GET", "POST"])
@require_role(*BUILDERS)
def integration(code: str):
    """URLs, handoff (with its template or function), return hosts and reconciliation: the CLI's rules."""
    from flask import request

    partner = current_partner()
    form = _integration_form(partner, request.form if request.method == "POST" else None)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Some values are too long or the form has expired: check and try again."), "error")
            return render_template("portal/integration.html", partner=partner, form=form), 400
        changes = {name: (getattr(form, name).data or "").strip() or None for name in INTEGRATION_FIELDS}
        changes["handoff"] = changes["handoff"] or partner.handoff
        hosts = tuple(line.strip() for line in (form.return_hosts.data or "").replace(",", "\n").splitlines()
                      if line.strip())
        emails = tuple(part.strip() for part in (form.recon_finance_emails.data or "").split(",") if part.strip())
        try:
            update_registration(partner, spec_of(partner, return_hosts=hosts, **changes))
            configure(partner, SettingsChange(reconciliation_url=(form.recon_url.data or "").strip(),
                                              finance_emails=emails))
        except (PartnerError, ReconciliationSettingsError) as error:
            db.session.rollback()
            flash(_("Not saved: %(reason)s", reason=readable_error(error)), "error")
            return render_template("portal/integration.html", partner=partner, form=form), 400
        audit("integration.updated", partner=partner, handoff=partner.handoff,
              fields=sorted(name for name in INTEGRATION_FIELDS if changes.get(name)))
        db.session.commit()
        flash(_("Integration settings saved."), "info")
        return redirect(url_for("portal.integration", code=code))
    return render_template("portal/integration.html", partner=partner, form=form)


# ---------------------------------------------------------------- customer support contact


@bp.route("/p/<code>/support", methods=["GET", "POST"])
@require_role(ADMIN, DEVELOPER, OPERATOR)
def support(code: str):
    """Where the partner's customers get help (emails and order screens)."""
    partner = current_partner()
    form = SupportForm(data={"support_email": partner.support_email, "support_phone": partner.support_phone,
                             "support_hours": partner.support_hours})
    if form.validate_on_submit():
        try:
            set_support_contact(partner, email=form.support_email.data or "", phone=form.support_phone.data or "",
                                hours=form.support_hours.data or "")
        except PartnerError as error:
            db.session.rollback()
            flash(_("Not saved: %(reason)s", reason=readable_error(error)), "error")
            return render_template("portal/support.html", partner=partner, form=form), 400
        audit("support.updated", partner=partner)
        db.session.commit()
        flash(_("Support contact saved."), "info")
        return redirect(url_for("portal.support", code=code))
    if form.is_submitted():
        flash(_("Some values are too long or the form has expired: check and try again."), "error")
        return render_template("portal/support.html", partner=partner, form=form), 400
    return render_template("portal/support.html", partner=partner, form=form)
