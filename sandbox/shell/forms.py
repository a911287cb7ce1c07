"""The host shell's "Open webview" form (and its theme-override playground)."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

NO_PIPE = Regexp(r"^[^|]*$", message=_l("The character | is not allowed."))
MAX_THEME_CHARS = 4000


class OpenWebviewForm(FlaskForm):
    """Which demo partner and user to launch the webview for, with optional theme overrides."""

    partner_code = SelectField(_l("Partner app"), validators=[DataRequired()])
    identify_code = StringField(_l("User id"), default="demo-user-1",
                                validators=[DataRequired(), Length(max=100), NO_PIPE])
    identify_phone = StringField(_l("Phone"), default="0912345678",
                                 validators=[DataRequired(), Length(max=20), NO_PIPE])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(), Length(max=254)])
    product = SelectField(_l("Product"), default="flight", choices=[
        SelectChoice("flight", _l("Flights")), SelectChoice("hotel", _l("Hotels")),
        SelectChoice("vip", _l("VIP membership"))])
    layout = SelectField(_l("Layout"), default="dual", choices=[
        SelectChoice("dual", _l("Dual (two columns where wide)")), SelectChoice("single", _l("Single column"))])
    locale = SelectField(_l("Language"), default="vi",
                         choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")])
    web_bar = SelectField(_l("Web bar"), default="show", choices=[
        SelectChoice("show", _l("Shown (the webview's own bar)")),
        SelectChoice("hide", _l("Hidden (the app's header only)"))])
    theme = TextAreaField(_l("Theme overrides (JSON)"), validators=[Optional(), Length(max=MAX_THEME_CHARS)])

    def validate_theme(self, field: TextAreaField) -> None:
        """Must be a JSON object; its contents are the partner API's to judge (and to refuse)."""
        if not (field.data or "").strip():
            return
        try:
            value = json.loads(field.data)
        except ValueError as error:
            raise ValidationError(_l("Not valid JSON: %(error)s", error=str(error))) from error
        if not isinstance(value, dict):
            raise ValidationError(_l("The theme must be a JSON object, e.g. {\"button_color\": \"#0b57d0\"}."))

    def theme_object(self) -> dict | None:
        """The parsed overrides, or None when empty."""
        text = (self.theme.data or "").strip()
        return json.loads(text) if text else None

    def launch_body(self) -> dict:
        """The launch request this form asks for (the sandbox adds nothing the partner would not send)."""
        body = {"identify_code": self.identify_code.data.strip(), "identify_phone": self.identify_phone.data.strip(),
                "product": self.product.data, "layout": self.layout.data, "locale": self.locale.data}
        if self.email.data:
            body["email"] = self.email.data.strip()
        if self.web_bar.data == "hide":
            body["web_bar"] = "hide"
        theme = self.theme_object()
        if theme is not None:
            body["theme"] = theme
        return body
