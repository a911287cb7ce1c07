"""The portal's forms (Flask-WTF: every one carries the CSRF token). Business rules live in the services
(webview.portal.accounts, webview.partners.services); these only shape and bound the input."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from webview.portal.accounts import MAX_PASSWORD, MIN_PASSWORD

ROLE_CHOICES = [SelectChoice("developer", _l("Developer")), SelectChoice("finance", _l("Finance")),
                SelectChoice("admin", _l("Administrator"))]


class SignInForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class CodeForm(FlaskForm):
    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(min=6, max=8)])


class SetPasswordForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD,
                                                                                     max=MAX_PASSWORD)])
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD,
                                                                                     max=MAX_PASSWORD)])
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class RotateSecretForm(FlaskForm):
    grace_hours = SelectField(_l("Previous secret stays valid for"), coerce=int,
                              choices=[SelectChoice(0, _l("no time (stop at once)")), SelectChoice(1, _l("1 hour")),
                                       SelectChoice(24, _l("1 day")), SelectChoice(168, _l("7 days"))], default=168)


class KeyUploadForm(FlaskForm):
    key_file = FileField(_l("Key file (.pem or .xml)"))
    key_text = TextAreaField(_l("or paste the key"), validators=[Optional(), Length(max=20_000)])


class IntegrationForm(FlaskForm):
    handoff = SelectField(_l("Handoff method"))
    payment_url = StringField(_l("Payment page URL"), validators=[Optional(), Length(max=500)])
    deeplink_template = StringField(_l("Deep-link template"), validators=[Optional(), Length(max=500)])
    bridge_function = StringField(_l("Bridge function"), validators=[Optional(), Length(max=200)])
    create_transaction_url = StringField(_l("Create transaction URL"), validators=[Optional(), Length(max=500)])
    query_transaction_url = StringField(_l("Query transaction URL"), validators=[Optional(), Length(max=500)])
    refund_url = StringField(_l("Refund URL"), validators=[Optional(), Length(max=500)])
    return_hosts = TextAreaField(_l("Return hosts (one a line)"), validators=[Optional(), Length(max=2000)])
    recon_url = StringField(_l("Reconciliation file URL"), validators=[Optional(), Length(max=500)])
    recon_finance_emails = StringField(_l("Finance emails for reports (comma-separated)"),
                                       validators=[Optional(), Length(max=1000)])


class SupportForm(FlaskForm):
    support_email = StringField(_l("Support email"), validators=[Optional(), Length(max=254)])
    support_phone = StringField(_l("Support phone"), validators=[Optional(), Length(max=20)])
    support_hours = StringField(_l("Support hours"), validators=[Optional(), Length(max=100)])


class TotpSetupForm(FlaskForm):
    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(min=6, max=8)])


class OperatorCreatePartnerForm(FlaskForm):
    code = StringField(_l("Partner code"), validators=[DataRequired(), Length(max=39)])
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    profile = SelectField(_l("Integration profile"))
    handoff = SelectField(_l("Handoff method"))
    admin_name = StringField(_l("Administrator's name"), validators=[DataRequired(), Length(max=200)])
    admin_email = EmailField(_l("Administrator's email"), validators=[DataRequired(), Length(max=254)])
    payment_url = StringField(_l("Payment page URL"), validators=[Optional(), Length(max=500)])
    create_transaction_url = StringField(_l("Create transaction URL"), validators=[Optional(), Length(max=500)])
    query_transaction_url = StringField(_l("Query transaction URL"), validators=[Optional(), Length(max=500)])
    refund_url = StringField(_l("Refund URL"), validators=[Optional(), Length(max=500)])
    public_key = TextAreaField(_l("Partner public key (PEM or .NET XML)"),
                               validators=[Optional(), Length(max=20_000)])
    locale = SelectField(_l("Language of the activation email"),
                         choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")])
    confirm = BooleanField(_l("Email the activation link to the administrator"), default=True)
