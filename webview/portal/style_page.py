"""The integration style page: the partner's current style in words, its versions, and a switch to a preset, a
custom JSON/YAML document or an older version, confirmed before it is stored.

Every rule is the style engine's: the proposal is checked by `webview.styles.store.set_partner_style` itself (the
service `flask partners set-style` uses) in a transaction that is rolled back, and stored by it again on confirm.
A secret the style issues (e.g. key2) is shown once, in the answer to the confirming POST (no-store), never again.

Between the two steps the checked document travels as a signed, compressed token (SECRET_KEY, 30 minutes, bound to
the partner and to the version it replaces), so what is stored is exactly what was shown, and a document near the
request size limit still fits in the confirming POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from webview.extensions import db
from webview.partners.models import Partner, PartnerStyle
from webview.portal import bp
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.forms import ConfirmForm
from webview.portal.models import ADMIN, DEVELOPER, OPERATOR
from webview.portal.nav import add_nav
from webview.profiles import profile_of
from webview.styles.definition import CLIENT_SECRET, Call, Signature, StyleDefinition, StyleError, parse_style
from webview.styles.presets import preset_document, preset_names
from webview.styles.store import (
    MAX_STYLE_BYTES,
    read_style_text,
    rotate_style_secret,
    set_partner_style,
    style_row,
    style_secret_names,
    style_versions,
)

BUILDERS = (ADMIN, DEVELOPER, OPERATOR)
PROPOSAL_SALT = "portal-style-proposal"
PROPOSAL_MAX_AGE_S = 1800

add_nav("portal.style", _l("Integration style"), roles=BUILDERS, order=42, icon="plug")


class StyleSourceForm(FlaskForm):
    """Where the proposed style comes from: exactly one of a preset, an uploaded file or a pasted document."""

    preset = SelectField(_l("A preset"), validate_choice=False)
    document_file = FileField(_l("or upload a JSON or YAML file"))
    document_text = TextAreaField(_l("or paste the document (JSON or YAML)"),
                                  validators=[Optional(), Length(max=MAX_STYLE_BYTES)])


class StyleConfirmForm(FlaskForm):
    """The confirmed proposal: the signed token of the check step (checked again by the service when stored)."""

    proposal = HiddenField(validators=[Length(max=MAX_STYLE_BYTES * 2)])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PROPOSAL_SALT)


def upload_limit_kib() -> int:
    """The largest style document the portal takes, in KiB: the style's own limit or the request limit."""
    return max(1, (min(MAX_STYLE_BYTES, current_app.config["MAX_CONTENT_LENGTH"]) - 4096) // 1024)


# ---------------------------------------------------------------- the style in words


@dataclass(frozen=True)
class CallSummary:
    """One call of a style as the page shows it."""

    call: str
    transport: str
    signature: str
    placement: str


def transport_words(transport: str, methods: list[str] | str) -> str:
    """"POST, JSON body" and the like."""
    words = {"json": _("JSON body"), "form": _("form body"), "query": _("query string"),
             "redirect": _("signed redirect (no server call)")}[transport]
    return f"{', '.join(methods) if isinstance(methods, list) else methods} · {words}"


def signature_words(signature: Signature | None) -> tuple[str, str]:
    """(algorithm and key, where it travels) of a signature; "unsigned" when there is none."""
    if signature is None:
        return _("unsigned"), "—"
    if signature.algorithm == "RSA-SHA256":
        key = _("RSA keys")
    elif signature.secret == CLIENT_SECRET:
        key = "client_secret"
    else:
        key = signature.secret
    what = f"{signature.algorithm} ({key}) · {signature.canonical.recipe} · {signature.encoding}"
    where = _("header %(name)s", name=signature.placement.header) if signature.placement.header else \
        _("field %(name)s", name=signature.placement.field)
    return what, where


def describe_style(style: StyleDefinition) -> list[CallSummary]:
    """The status-in call and our three calls: transport, signature algorithm and key, where the signature travels."""
    rows = [CallSummary(_("Status-in (your IPN to us)"), transport_words(style.status_in.transport,
                                                                         style.status_in.methods),
                        *signature_words(style.status_in.signature))]
    names = {"create": _("Create (our call to you)"), "query": _("Query (our call to you)"),
             "refund": _("Refund (our call to you)")}
    for kind in ("create", "query", "refund"):
        call: Call = getattr(style, kind)
        rows.append(CallSummary(names[kind], transport_words(call.transport, call.method),
                                *signature_words(call.signature)))
    return rows


def preset_of(row: PartnerStyle | None) -> str | None:
    """The preset a stored version is an unchanged copy of (None: a custom document)."""
    if row is None or row.name not in preset_names():
        return None
    return row.name if row.definition == preset_document(row.name) else None


# ---------------------------------------------------------------- the page


def _source_form(submitted: bool = False) -> StyleSourceForm:
    """The switch form, with the presets to choose from (filled from the request, files included, when submitted)."""
    form = StyleSourceForm() if submitted else StyleSourceForm(formdata=None)
    form.preset.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(name, name) for name in preset_names()]
    return form


def _page(partner: Partner, form: StyleSourceForm | None = None, status: int = 200):
    row = style_row(partner)
    may_take = profile_of(partner).may_take_style
    current = parse_style(row.definition) if row is not None else None
    context = dict(
        partner=partner, row=row, may_take=may_take, preset=preset_of(row),
        summary=describe_style(current) if current is not None else None,
        versions=list(reversed(style_versions(partner))) if may_take else [],
        secrets=style_secret_names(partner) if may_take else [], form=form or _source_form(),
        confirm=ConfirmForm(), styled=profile_of(partner).wire_format_from_style, limit_kib=upload_limit_kib(),
    )
    return render_template("portal/style.html", **context), status


@bp.get("/p/<code>/style")
@require_role(*BUILDERS)
def style(code: str):
    """The current style (preset or custom, version, in words), its versions, and the switch form."""
    return _page(current_partner())


def _refuse_envelope(partner: Partner):
    flash(_("Integration styles apply to JSON (hmac) partners only: nothing changed."), "error")
    return _page(partner, status=400)


def _proposal(form: StyleSourceForm) -> tuple[Any, str]:
    """(document, label) of the submitted source; StyleError when it is unusable."""
    upload = form.document_file.data
    text = (form.document_text.data or "").strip()
    given = [name for name, value in (("preset", form.preset.data), ("document_file", upload and upload.filename),
                                      ("document_text", text)) if value]
    if len(given) != 1:
        raise StyleError([_("Choose one: a preset, a file or a pasted document.")])
    if given == ["preset"]:
        if form.preset.data not in preset_names():
            raise StyleError([_("preset: no preset is called %(name)s", name=form.preset.data[:40])])
        return preset_document(form.preset.data), f"preset {form.preset.data}"
    if given == ["document_file"]:
        raw = upload.read(MAX_STYLE_BYTES + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise StyleError([_("style: the file is not UTF-8 text")]) from None
        name = (upload.filename or "")[:100]
        return read_style_text(text, name), f"portal upload {name}"
    return read_style_text(text), "portal paste"


def _check_proposal(partner: Partner, document: Any) -> StyleDefinition:
    """The service's own verdict on a proposal, with nothing kept (its transaction is rolled back)."""
    try:
        set_partner_style(partner, document, source="portal check", actor=current_user.email)
        return parse_style(document)
    finally:
        db.session.rollback()


def _confirm_page(partner: Partner, document: Any, label: str):
    style_new = _check_proposal(partner, document)
    row = style_row(partner)
    current = parse_style(row.definition) if row is not None else None
    existing = {info.name for info in style_secret_names(partner)}
    token = _serializer().dumps({"partner_id": partner.id, "base_version": row.version if row is not None else 0,
                                 "document": document, "label": label})
    form = StyleConfirmForm(data={"proposal": token})
    return render_template("portal/style_confirm.html", partner=partner, form=form, name=style_new.name,
                           label=label, proposed=describe_style(style_new),
                           current=describe_style(current) if current is not None else None, row=row,
                           new_secrets=sorted(style_new.secret_names() - existing), same=row is not None
                           and row.definition == document)


@bp.post("/p/<code>/style/check")
@require_role(*BUILDERS)
def style_check(code: str):
    """Step 1 of a switch: the proposal is checked by the style service, then shown for confirmation."""
    partner = current_partner()
    if not profile_of(partner).may_take_style:
        return _refuse_envelope(partner)
    form = _source_form(submitted=True)
    if not form.validate_on_submit():
        return _page(partner, form, 400)
    try:
        document, label = _proposal(form)
        return _confirm_page(partner, document, label)
    except StyleError as error:
        target = form.preset if form.preset.data else form.document_file if form.document_file.data and \
            form.document_file.data.filename else form.document_text
        target.errors = list(error.problems)
        flash(_("The style was not stored: see the problems below."), "error")
        return _page(partner, form, 400)


@bp.post("/p/<code>/style/versions/<int:version>/revert")
@require_role(*BUILDERS)
def style_revert(code: str, version: int):
    """Step 1 of going back to an older version: that version's document, checked and shown for confirmation."""
    partner = current_partner()
    if not profile_of(partner).may_take_style:
        return _refuse_envelope(partner)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("portal.style", code=code))
    row = style_row(partner, version)
    if row is None:
        flash(_("There is no version %(version)s.", version=version), "error")
        return _page(partner, status=404)
    try:
        return _confirm_page(partner, row.definition, f"revert to version {version}")
    except StyleError as error:
        flash(_("Version %(version)s cannot be used any more: %(reason)s", version=version,
                reason="; ".join(error.problems)), "error")
        return _page(partner, status=400)


def _confirmed(partner: Partner, form: StyleConfirmForm) -> dict[str, Any] | None:
    """The proposal a confirm form carries, if its token is genuine, recent and this partner's (else None)."""
    try:
        proposal = _serializer().loads(form.proposal.data or "", max_age=PROPOSAL_MAX_AGE_S)
    except BadSignature:  # also an expired token (SignatureExpired is a BadSignature)
        return None
    if not isinstance(proposal, dict) or proposal.get("partner_id") != partner.id:
        return None
    return proposal


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/p/<code>/style/apply")
@require_role(*BUILDERS)
def style_apply(code: str):
    """Step 2: the confirmed style is stored as a new version through the service; new secrets are shown once."""
    partner = current_partner()
    if not profile_of(partner).may_take_style:
        return _refuse_envelope(partner)
    form = StyleConfirmForm()
    proposal = _confirmed(partner, form) if form.validate_on_submit() else None
    if proposal is None:
        flash(_("The confirmation has expired or was changed: nothing was stored."), "error")
        return _page(partner, status=400)
    row = style_row(partner)
    if proposal["base_version"] != (row.version if row is not None else 0):
        flash(_("The style was changed by someone else meanwhile: nothing was stored. Check the new version and "
                "try again."), "error")
        return _page(partner, status=409)
    previous = row.version if row is not None else None
    label = str(proposal.get("label", ""))[:300]
    try:
        stored = set_partner_style(partner, proposal["document"], source=label, actor=current_user.email)
    except StyleError as error:
        db.session.rollback()
        flash(_("The style was not stored: %(reason)s", reason="; ".join(error.problems)), "error")
        return _page(partner, status=400)
    audit("style.set", partner=partner, version=stored.row.version, name=stored.row.name, source=label,
          previous_version=previous, issued=sorted(stored.issued_secrets))
    db.session.commit()
    if not stored.issued_secrets:
        flash(_("Style %(name)s stored as version %(version)s: it applies to the next call.",
                name=stored.row.name, version=stored.row.version), "info")
        return redirect(url_for("portal.style", code=code))
    return no_store(Response(render_template(
        "portal/style_result.html", partner=partner, row=stored.row, secrets=stored.issued_secrets,
        title=_("Style stored as version %(version)s", version=stored.row.version))))


@bp.post("/p/<code>/style/secrets/<name>/rotate")
@require_role(*BUILDERS)
def style_secret_rotate(code: str, name: str):
    """A new value of one named style secret (e.g. key2), shown once; the previous value stops working now."""
    partner = current_partner()
    if not profile_of(partner).may_take_style:
        return _refuse_envelope(partner)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("portal.style", code=code))
    try:
        secret = rotate_style_secret(partner, name[:40])
    except StyleError:
        db.session.rollback()
        flash(_("There is no style secret %(name)s.", name=name[:40]), "error")
        return _page(partner, status=404)
    audit("style.secret_rotated", partner=partner, name=name)
    db.session.commit()
    return no_store(Response(render_template(
        "portal/style_result.html", partner=partner, row=None, secrets={name: secret},
        title=_("New value of %(name)s", name=name))))


@bp.errorhandler(413)
def _too_large(error):
    """A portal request above MAX_CONTENT_LENGTH (a style document, a key file): nothing changed, said in words."""
    return render_template("portal/style_too_large.html",
                           kib=current_app.config["MAX_CONTENT_LENGTH"] // 1024), 413
