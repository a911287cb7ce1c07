"""The operator panel's forms: refund (partial or full) and cancel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from sandbox.operator.services import MAX_AMOUNT, MAX_REASON


class RefundForm(FlaskForm):
    """Refund an amount of a paid order (empty amount: everything still refundable)."""

    reference = StringField(_l("Order"), validators=[DataRequired(), Length(max=40)])
    amount = IntegerField(_l("Amount (VND, empty = full)"),
                          validators=[Optional(), NumberRange(1, MAX_AMOUNT, _l("A whole number of VND above 0."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])


class CancelForm(FlaskForm):
    """Cancel a booking: release an unpaid hold, or void an issued one and refund it in full."""

    reference = StringField(_l("Order"), validators=[DataRequired(), Length(max=40)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=MAX_REASON)])


class StyleForm(FlaskForm):
    """Switch a sandbox partner to a preset style, or to a custom style document (JSON)."""

    partner_code = SelectField(_l("Partner"), validators=[DataRequired()], validate_choice=True)
    preset = SelectField(_l("Preset"), validators=[Optional()], validate_choice=True)
    document = TextAreaField(_l("Custom style (JSON, used when no preset is chosen)"),
                             validators=[Optional(), Length(max=256 * 1024)])
