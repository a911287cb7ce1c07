"""Render a customer email (subject, plain text, HTML with the partner's theme inlined) in the customer's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import css_inline
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from webview.emails.summary import EMAIL_KINDS, EmailError, OrderSummary
from webview.i18n import LOCALES, format_local_datetime
from webview.partners.services import support_contact
from webview.products import get_product
from webview.themes import FONT_STACKS, contrast_ratio, resolve_theme

if TYPE_CHECKING:
    from webview.partners.models import Partner


@dataclass(frozen=True)
class RenderedEmail:
    """A message ready to send: subject line, text part and HTML part (CSS inlined)."""

    subject: str
    text: str
    html: str


_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def subject_line(kind: str, order: OrderSummary) -> str:
    """The subject in the current (forced) locale."""
    reference = order.reference
    if kind == "held":
        return _("Booking %(reference)s is held: please pay by %(deadline)s", reference=reference,
                 deadline=format_local_datetime(order.hold_expires_at)) if order.hold_expires_at else \
            _("Booking %(reference)s is held: awaiting payment", reference=reference)
    if kind == "issued":
        return get_product(order.product).issued_subject % {"reference": reference}
    if kind == "hold_failed":
        return _("We could not hold booking %(reference)s", reference=reference)
    if kind == "payment_failed":
        return _("Payment for booking %(reference)s failed", reference=reference)
    if kind == "issue_failed":
        return _("Booking %(reference)s was paid but could not be issued: a refund is on its way",
                 reference=reference)
    if kind == "refunded":
        return _("Refund completed for booking %(reference)s", reference=reference)
    raise EmailError(f"no subject for email kind {kind!r}")  # a new kind names its subject here


def readable_on(background: str, *candidates: str) -> str:
    """The first candidate colour readable on `background` (WCAG AA 4.5:1), else black or white.

    Themes guarantee text on bg and button text on button, not text on header_bg, so the header picks.
    """
    for colour in candidates:
        if contrast_ratio(colour, background) >= 4.5:
            return colour
    return max(("#000000", "#ffffff"), key=lambda colour: contrast_ratio(colour, background))


def _absolute(url: str | None) -> str | None:
    """An absolute http(s) URL for images and links in mail clients (relative paths get PUBLIC_BASE_URL)."""
    if not url:
        return None
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("/") and not url.startswith("//"):
        return current_app.config["PUBLIC_BASE_URL"] + url
    return None


def render_email(kind: str, *, locale: str, partner: Partner, order: OrderSummary) -> RenderedEmail:
    """Render `kind` for `order` in `locale` with `partner`'s theme and logo; customer data is escaped."""
    if kind not in EMAIL_KINDS:
        raise EmailError(f"unknown email kind: {kind!r} (known: {', '.join(EMAIL_KINDS)})")
    if locale not in LOCALES:
        raise EmailError(f"locale must be one of {', '.join(LOCALES)}")
    order.validate()
    theme = resolve_theme(partner.theme or {}, None)
    support = support_contact(partner)  # the partner's customer support, else the merchant's
    context = {
        "kind": kind,
        "locale": locale,
        "order": order,
        "partner_name": partner.name,
        "theme": theme,
        "header_text_color": readable_on(theme["header_bg_color"], theme["text_color"],
                                         theme["button_text_color"]),
        "font_stack": FONT_STACKS.get(partner.font_stack or "system", FONT_STACKS["system"]),
        "logo_url": _absolute(partner.logo_url),
        "link": order.link,
        "support": support,
        "support_email": support.email,
    }
    with force_locale(locale):
        subject = subject_line(kind, order)
        text = render_template(f"emails/{kind}.txt", subject=subject, **context)
        html = render_template(f"emails/{kind}.html", subject=subject, **context)
    html = _INLINER.inline(html)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"
    return RenderedEmail(subject=subject, text=text, html=html)
