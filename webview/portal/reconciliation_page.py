"""The reconciliation settings page: transport, closing time, file template and the SFTP account.

Every rule is reconciliation's (`webview.reconciliation.settings.configure`, the service `flask partners set-recon`
uses, and `templates.load_template`): the page only shapes the input. The SFTP private key is write-only: it is
sealed by the service, and the page shows only its type and fingerprint (and the public half, to authorise it).
The reconciliation URL and the finance emails stay on the integration settings page.
"""

from __future__ import annotations

import json

import paramiko
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from webview.extensions import db
from webview.partners.models import Partner
from webview.portal import bp
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.models import ADMIN, FINANCE, OPERATOR
from webview.portal.nav import add_nav
from webview.portal.pages import readable_error
from webview.reconciliation.models import TRANSPORTS, ReconciliationSettings
from webview.reconciliation.settings import (
    MAX_KNOWN_HOSTS,
    ReconciliationSettingsError,
    SettingsChange,
    configure,
    settings_of,
    sftp_private_key,
)
from webview.reconciliation.templates import MAX_TEMPLATE_BYTES, STANDARD, TemplateError, load_template, stored_template

EDITORS = (ADMIN, OPERATOR)
READERS = (ADMIN, FINANCE, OPERATOR)
MAX_KEY_TEXT = 20_000
# A refusal names the CLI flag of the value it is about; the page shows it next to that field.
FLAG_FIELDS = {"--transport": "transport", "--time": "close_time", "--sftp-host": "sftp_host",
               "--sftp-port": "sftp_port", "--sftp-user": "sftp_user", "--sftp-key": "sftp_key",
               "--sftp-known-hosts": "sftp_known_hosts"}
SETTING_COLUMNS = ("transport", "close_time", "template", "sftp_host", "sftp_port", "sftp_user", "sftp_key_sealed",
                   "sftp_known_hosts")

add_nav("portal.reconciliation_settings", _l("Reconciliation settings"), roles=READERS, order=44, icon="calendar")


def transport_choices() -> list[SelectChoice]:
    """The transports (reconciliation's own list) in words."""
    words = {"api": _("API: you fetch our file; we fetch yours from your reconciliation URL"),
             "sftp": _("SFTP: we upload our file to your server and read yours there"),
             "both": _("API and SFTP"), "off": _("Off: no daily reconciliation")}
    return [SelectChoice(code, words.get(code, code)) for code in TRANSPORTS]


class ReconciliationSettingsForm(FlaskForm):
    transport = SelectField(_l("Transport"), validate_choice=False)
    close_time = StringField(_l("Closing time (HH:MM, GMT+7, on the next day)"),
                             validators=[Optional(), Length(max=10)])
    template_kind = SelectField(_l("File template"), validate_choice=False,
                                choices=[SelectChoice("standard", _l("standard")),
                                         SelectChoice("custom", _l("the agreed variant below"))])
    template_json = TextAreaField(_l("Agreed template (JSON)"),
                                  validators=[Optional(), Length(max=MAX_TEMPLATE_BYTES)])
    sftp_host = StringField(_l("SFTP host"), validators=[Optional(), Length(max=253)])
    sftp_port = StringField(_l("SFTP port"), validators=[Optional(), Length(max=6)])
    sftp_user = StringField(_l("Our user on it"), validators=[Optional(), Length(max=100)])
    sftp_key = TextAreaField(_l("Our private key for it (write-only)"),
                             validators=[Optional(), Length(max=MAX_KEY_TEXT)])
    sftp_known_hosts = TextAreaField(_l("Your server's host key (known_hosts lines)"),
                                     validators=[Optional(), Length(max=MAX_KNOWN_HOSTS)])


def key_summary(settings: ReconciliationSettings) -> dict | None:
    """The stored SFTP key's type, fingerprint and public line (its private half never leaves the vault)."""
    if not settings.sftp_key_sealed:
        return None
    try:
        key: paramiko.PKey = sftp_private_key(settings)
    except (ReconciliationSettingsError, ValueError):
        return {"name": "?", "fingerprint": _("stored, but it cannot be opened"), "public": ""}
    return {"name": key.get_name(), "fingerprint": key.fingerprint, "public": f"{key.get_name()} {key.get_base64()}"}


def _form(partner: Partner, formdata=None) -> ReconciliationSettingsForm:
    settings = settings_of(partner)
    template = stored_template(settings.template)
    data = dict(transport=settings.transport, close_time=settings.close_time, sftp_host=settings.sftp_host or "",
                sftp_port=str(settings.sftp_port or 22), sftp_user=settings.sftp_user or "",
                sftp_known_hosts=settings.sftp_known_hosts or "",
                template_kind="standard" if template == STANDARD else "custom",
                template_json="" if template == STANDARD else _template_text(settings.template))
    form = ReconciliationSettingsForm(formdata=formdata, data=data) if formdata is not None else \
        ReconciliationSettingsForm(data=data)
    form.transport.choices = transport_choices()
    return form


def _template_text(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _page(partner: Partner, form: ReconciliationSettingsForm, status: int = 200):
    settings = settings_of(partner)
    return render_template("portal/reconciliation_settings.html", partner=partner, form=form, settings=settings,
                           key=key_summary(settings), template=stored_template(settings.template),
                           may_edit=current_user.role in EDITORS,
                           transport_words=dict((choice.value, choice.label) for choice in transport_choices())), \
        status


@bp.get("/p/<code>/reconciliation/settings")
@require_role(*READERS)
def reconciliation_settings(code: str):
    """The partner's reconciliation settings (administrators and operators change them; finance reads them)."""
    partner = current_partner()
    return _page(partner, _form(partner))


class FieldError(ValueError):
    """A value the form itself cannot turn into a setting: (field name, reason)."""


def _change(form: ReconciliationSettingsForm) -> SettingsChange:
    """The SettingsChange a submitted form asks for (an empty field keeps its value); FieldError otherwise."""
    def text(name: str) -> str | None:
        return (getattr(form, name).data or "").strip() or None

    port = text("sftp_port")
    if port is not None and not port.isdigit():
        raise FieldError("sftp_port", _("The port is a number from 1 to 65535."))
    template = STANDARD
    if form.template_kind.data == "custom":
        if not text("template_json"):
            raise FieldError("template_json", _("Paste the agreed template, or choose the standard one."))
        try:
            template = load_template(form.template_json.data.strip())
        except TemplateError as error:
            raise FieldError("template_json", str(error)) from error
    key = (form.sftp_key.data or "").strip()
    return SettingsChange(
        transport=form.transport.data or None, close_time=text("close_time"), template=template,
        sftp_host=text("sftp_host"), sftp_port=int(port) if port is not None else None, sftp_user=text("sftp_user"),
        sftp_key=key + "\n" if key else None, sftp_known_hosts=text("sftp_known_hosts"),
    )


def _field_of(message: str) -> str:
    """The form field a refusal is about: the first CLI flag it names (`transport ... needs --x` is the transport)."""
    if message.startswith("transport "):
        return "transport"
    found = [(message.find(flag), name) for flag, name in FLAG_FIELDS.items() if flag in message]
    return min(found)[1] if found else "transport"


@bp.post("/p/<code>/reconciliation/settings")
@require_role(*EDITORS)
def reconciliation_settings_save(code: str):
    """Save the settings through reconciliation's own service: all of them or none."""
    partner = current_partner()
    form = _form(partner, request.form)
    if not form.validate_on_submit():
        flash(_("Some values are too long or the form has expired: check and try again."), "error")
        return _page(partner, form, 400)
    before = {column: getattr(settings_of(partner), column) for column in SETTING_COLUMNS}
    try:
        change = _change(form)
        settings = configure(partner, change)
    except (FieldError, ReconciliationSettingsError) as error:
        db.session.rollback()
        if isinstance(error, FieldError):
            field, reason = error.args
        else:
            field, reason = _field_of(str(error)), readable_error(error)
        getattr(form, field).errors = [reason]
        form.sftp_key.data = ""  # a key typed in is never echoed back
        flash(_("Not saved: %(reason)s", reason=reason), "error")
        return _page(partner, form, 400)
    changed = sorted(column.removesuffix("_sealed") for column in SETTING_COLUMNS
                     if getattr(settings, column) != before[column])
    audit("reconciliation.settings_updated", partner=partner, fields=changed, transport=settings.transport,
          close_time=settings.close_time)
    db.session.commit()
    flash(_("Reconciliation settings saved.") if changed else _("Nothing changed."), "info")
    return redirect(url_for("portal.reconciliation_settings", code=code))
