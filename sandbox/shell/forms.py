"""The host shell's "Open webview" form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

NO_PIPE = Regexp(r"^[^|]*$", message=_l("The character | is not allowed."))


class OpenWebviewForm(FlaskForm):
    """Which demo partner and user to launch the webview for."""

    partner_code = SelectField(_l("Partner app"), validators=[DataRequired()])
    identify_code = StringField(_l("User id"), default="demo-user-1",
                                validators=[DataRequired(), Length(max=100), NO_PIPE])
    identify_phone = StringField(_l("Phone"), default="0912345678",
                                 validators=[DataRequired(), Length(max=20), NO_PIPE])
    product = SelectField(_l("Product"), default="flight", choices=[
        SelectChoice("flight", _l("Flights")), SelectChoice("hotel", _l("Hotels")),
        SelectChoice("vip", _l("VIP membership"))])
    locale = SelectField(_l("Language"), default="vi",
                         choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")])
