"""The wallet's payment form (CSRF-protected like every sandbox form), with the per-order fault knobs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from sandbox.partner.services import MAX_DELAY_S, MAX_DUPLICATES, IpnFaults

ACTIONS = ("approve", "decline", "cancel", "pend", "timeout")
HMAC_ONLY_KNOBS = ("reorder", "wrong_amount")


class PaymentForm(FlaskForm):
    """PIN, the five choices a wallet user has, and the knobs of the IPN/commit that follows."""

    pin = PasswordField(_l("Wallet PIN"), validators=[Length(max=32)])
    approve = SubmitField(_l("Pay"))
    decline = SubmitField(_l("Insufficient funds"))
    cancel = SubmitField(_l("Cancel payment"))
    pend = SubmitField(_l("Leave pending"))
    timeout = SubmitField(_l("Time out"))

    delay_s = IntegerField(_l("Delay (seconds)"), default=0,
                           validators=[Optional(), NumberRange(0, MAX_DELAY_S,
                                                               _l("From 0 to %(max)s.", max=MAX_DELAY_S))])
    duplicate = IntegerField(_l("Extra copies"), default=0,
                             validators=[Optional(), NumberRange(0, MAX_DUPLICATES,
                                                                 _l("From 0 to %(max)s.", max=MAX_DUPLICATES))])
    drop = BooleanField(_l("Drop (never send)"))
    reorder = BooleanField(_l("Reorder (FAILURE, then SUCCESS)"))
    bad_signature = BooleanField(_l("Wrong signature"))
    wrong_amount = BooleanField(_l("Wrong amount (+1,000 VND)"))
    stale_timestamp = BooleanField(_l("Stale timestamp (10 minutes old)"))

    def chosen_action(self) -> str | None:
        """Which button was pressed."""
        return next((name for name in ACTIONS if getattr(self, name).data), None)

    def faults(self) -> IpnFaults:
        """The knobs as faults (validated by the form's own validators first)."""
        return IpnFaults(delay_s=self.delay_s.data or 0, duplicate=self.duplicate.data or 0, drop=self.drop.data,
                         reorder=self.reorder.data, bad_signature=self.bad_signature.data,
                         wrong_amount=self.wrong_amount.data, stale_timestamp=self.stale_timestamp.data)
