"""The wallet's payment form (CSRF-protected like every sandbox form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import Length


class PaymentForm(FlaskForm):
    """PIN and the four choices a wallet user has."""

    pin = PasswordField(_l("Wallet PIN"), validators=[Length(max=32)])
    approve = SubmitField(_l("Pay"))
    decline = SubmitField(_l("Insufficient funds"))
    cancel = SubmitField(_l("Cancel payment"))
    pend = SubmitField(_l("Leave pending"))

    def chosen_action(self) -> str | None:
        """Which button was pressed."""
        for name in ("approve", "decline", "cancel", "pend"):
            if getattr(self, name).data:
                return name
        return None
