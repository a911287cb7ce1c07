"""The theme editor: a form of the theme tokens, a live preview of the real screens (home, results, held order,
result) in phone frames, light and dark, and the WCAG verdict of every drawn token pair.

The rules are the onboarding rules (`webview.themes.validation`: known names, #rrggbb, radius 0-24, AA contrast on
every pair the screens draw, the dark set derived where omitted): the editor asks them, never re-states them.

The preview is never saved: the draft travels in a signed token (SECRET_KEY, 10 minutes, bound to the partner) to
a portal route that renders the webview's own views for a transient launch (no row is written; the draft is the
transient partner's theme) and pins the colour scheme (light or dark) whatever the viewer's device prefers.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Response, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer

from webview.booking.layout import checked_declarations
from webview.booking.models import Booking
from webview.booking.states import BookingStatus, IssueStatus, PaymentStatus
from webview.catalog.generator import local_today
from webview.core.security import content_security_policy, csp_nonce
from webview.db import utcnow
from webview.extensions import db
from webview.launch.models import LaunchSession
from webview.partners.models import Partner
from webview.portal import bp
from webview.portal.auth import audit, current_partner, require_role
from webview.portal.models import ADMIN, DEVELOPER, OPERATOR
from webview.portal.nav import add_nav
from webview.products import FLIGHT
from webview.themes import ALL_COLOR_TOKENS, CONTRAST_PAIRS, DEFAULT_THEME, css_variables, effective_theme
from webview.themes.validation import HEX_COLOR, MIN_CONTRAST, RADIUS_RANGE, contrast_ratio, drawn_foreground
from webview.themes.validation import validate_theme as validate_theme_tokens

BUILDERS = (ADMIN, DEVELOPER, OPERATOR)
PREVIEW_SALT = "portal-theme-preview"
PREVIEW_MAX_AGE_S = 600
SCREENS = ("home", "results", "held", "result")
SCHEMES = ("light", "dark")
PREVIEW_CUSTOMER = "portal-preview"
MAX_THEME_FIELDS = 64
THEME_STYLE = re.compile(r'(<style nonce="[^"]*">):root\{[^<]*</style>')

add_nav("portal.theme", _l("Theme"), roles=BUILDERS, order=55, icon="palette")


class PlainForm(FlaskForm):
    """The save button's CSRF token (the token fields are read from the form by name)."""


# ---------------------------------------------------------------- the draft and its verdicts


def draft_from_form(form: Any) -> dict[str, Any]:
    """The theme object a submitted editor describes: `<token>` and `dark.<token>` colours and `radius`; an empty
    field leaves the token out (the default, or the derived dark token, applies)."""
    draft: dict[str, Any] = {}
    dark: dict[str, Any] = {}
    for name in list(form.keys())[:MAX_THEME_FIELDS * 2]:
        value = (form.get(name) or "").strip()
        if not value:
            continue
        if name.startswith("dark.") and name[5:] in ALL_COLOR_TOKENS:
            dark[name[5:]] = value.lower() if HEX_COLOR.fullmatch(value) else value
        elif name in ALL_COLOR_TOKENS:
            draft[name] = value.lower() if HEX_COLOR.fullmatch(value) else value
        elif name == "radius":
            draft["radius"] = int(value) if value.isdigit() and len(value) <= 3 else value
    if dark:
        draft["dark"] = dark
    return draft


def with_onboarding_fields(partner: Partner, draft: dict[str, Any]) -> dict[str, Any]:
    """The draft plus what only onboarding sets (font stack, logo), kept as the partner has them."""
    kept = {name: partner.theme[name] for name in ("font_stack", "logo_url") if name in (partner.theme or {})}
    return {**draft, **kept}


def theme_problems(theme: dict[str, Any]) -> list[str]:
    """The onboarding verdict on a theme object: offending paths, the merged theme's included ([] when fine)."""
    return validate_theme_tokens(theme) or effective_theme(theme, None)[1]


def pair_verdicts(theme: dict[str, Any]) -> list[dict[str, Any]]:
    """Every drawn (foreground, background) pair of the merged theme, light and dark, with its contrast ratio and
    whether it passes AA (`MIN_CONTRAST`)."""
    merged, _problems = effective_theme(theme, None)
    verdicts = []
    for scheme, tokens in (("light", merged), ("dark", merged.get("dark") or {})):
        for foreground, background in CONTRAST_PAIRS:
            drawn = drawn_foreground(tokens, foreground)
            fg, bg = tokens.get(drawn), tokens.get(background)
            if not (isinstance(fg, str) and HEX_COLOR.fullmatch(fg) and isinstance(bg, str)
                    and HEX_COLOR.fullmatch(bg)):
                verdicts.append({"scheme": scheme, "foreground": drawn, "background": background, "ratio": None,
                                 "passes": False})
                continue
            ratio = contrast_ratio(fg, bg)
            verdicts.append({"scheme": scheme, "foreground": drawn, "background": background, "fg": fg, "bg": bg,
                             "ratio": round(ratio, 2), "passes": ratio >= MIN_CONTRAST})
    return verdicts


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PREVIEW_SALT)


def preview_token(partner: Partner, theme: dict[str, Any]) -> str:
    """A signed, short-lived token carrying a valid draft for this partner's preview."""
    return _serializer().dumps({"p": partner.id, "t": theme})


def preview_theme(partner: Partner, token: str) -> dict[str, Any] | None:
    """The draft in a token made for this partner within PREVIEW_MAX_AGE_S, or None."""
    try:
        data = _serializer().loads(token, max_age=PREVIEW_MAX_AGE_S)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != partner.id or not isinstance(data.get("t"), dict):
        return None
    return data["t"] if not theme_problems(data["t"]) else None


def save_theme(partner: Partner, draft: dict[str, Any]) -> list[str]:
    """Store a valid draft as the partner's theme (the caller commits); the problems when it is refused."""
    theme = with_onboarding_fields(partner, draft)
    problems = theme_problems(theme)
    if problems:
        return problems
    partner.theme = theme
    db.session.flush()
    return []


# ---------------------------------------------------------------- the real screens, rendered with a draft


def _preview_booking(partner: Partner, held: bool) -> Booking:
    """A transient VIP order (never added to the session) for the held and result screens."""
    from sqlalchemy import select

    from webview.catalog.models import VipPlan
    from webview.catalog.offers import vip_offer_id
    from webview.catalog.quotes import load_offer

    plan = db.session.scalar(select(VipPlan).limit(1))
    if plan is None:  # an empty catalog (never seeded): nothing to show an order of
        abort(404)
    quote = load_offer(vip_offer_id(plan.code), locale="vi")
    now = utcnow()
    return Booking(
        id=0, reference=f"{local_today():%y%m%d}-PREVIEW0", partner_id=partner.id, customer_id=0,
        product=quote.product, offer_id=quote.offer_id, offer_snapshot=quote.snapshot(),
        travellers=[{"full_name": "Nguyen Van An", "date_of_birth": None, "gender": None,
                     "document_number": None, "passenger_type": "adult"}], contact_name="Nguyen Van An",
        contact_email="an@example.com", contact_phone="0912345678", locale="vi", amount=quote.amount,
        currency=quote.currency, booking_status=BookingStatus.BOOKED,
        payment_status=PaymentStatus.PENDING if held else PaymentStatus.SUCCESS,
        issue_status=IssueStatus.PENDING if held else IssueStatus.SUCCESS,
        hold_expires_at=now + timedelta(minutes=15), partner_transaction_id=None if held else "PREVIEW-TX",
        refunded_amount=0, pnr=None if held else "VIPPREVIEW", tickets=[] if held else ["VIP-PREVIEW-0001"],
        inventory_held=held, created_at=now, updated_at=now, version=1)


def _screen_target(screen: str) -> tuple[str, dict[str, str], str]:
    """(path, query, endpoint) of a screen."""
    if screen == "results":
        day = (local_today() + timedelta(days=7)).isoformat()
        return "/w/flights", {"origin": "HAN", "destination": "SGN", "depart_date": day, "adults": "1"}, \
            "booking.flights"
    return "/w/", {}, "booking.home"


def render_screen(partner: Partner, theme: dict[str, Any], screen: str, locale: str) -> str:
    """The HTML of one real screen for a transient launch of the partner with `theme` (nothing is written)."""
    from webview.booking import views as booking_views
    from webview.payments import views as payment_views

    shown = Partner(id=partner.id, code=partner.code, name=partner.name, logo_url=partner.logo_url,
                    theme=theme, profile=partner.profile, handoff=partner.handoff, environment=partner.environment,
                    status=partner.status, font_stack=partner.font_stack)
    launch = LaunchSession(partner_id=partner.id, customer_id=0, product=FLIGHT.code if screen == "results" else "",
                           layout="dual", locale=locale, theme_override={}, web_bar="show",
                           expires_at=utcnow() + timedelta(minutes=10))
    launch.partner = shown
    path, query, _endpoint = _screen_target(screen)
    nonce = csp_nonce()
    previous = g.pop("launch", None)
    with db.session.no_autoflush, current_app.test_request_context(
            path, query_string=query,
            headers={"Accept-Language": locale}):
        request.environ["webview.csp_nonce"] = nonce
        g.launch = launch
        try:
            if screen == "home":
                body = booking_views.home()
            elif screen == "results":
                body = booking_views.flights()
            elif screen == "held":
                booking = _preview_booking(partner, held=True)
                body = render_template("booking/order.html", **booking_views_order_context(booking))
            else:
                body = payment_views.result_page(_preview_booking(partner, held=False), read_only=False,
                                                 partner=shown)
        finally:
            g.pop("launch", None)
            if previous is not None:
                g.launch = previous
    return body.get_data(as_text=True) if isinstance(body, Response) else str(body)


def booking_views_order_context(booking: Booking) -> dict[str, Any]:
    """The context the order screen's view builds (`webview.booking.views.order`), for a transient order."""
    from webview.booking import screens
    from webview.booking.forms import ConfirmForm
    from webview.booking.lifecycle import MESSAGES, can_book_again, status_message
    from webview.booking.views import title_for

    title, detail = status_message(booking)
    return {"booking": booking, "status_title": title, "status_detail": detail,
            "held": screens.is_releasable(booking), "alternatives": None, "book_again": can_book_again(booking),
            "expired_status": MESSAGES["expired"], "release_form": ConfirmForm(), "title": title_for(booking.product)}


def pin_scheme(html: str, theme: dict[str, Any], scheme: str) -> str:
    """Replace the screen's theme <style> by the draft's tokens pinned to one scheme (light or dark), and make the
    preview inert (no navigation away from it)."""
    light = checked_declarations(css_variables(theme, dark=False)) or ""
    css = f":root{{{light}}}"
    if scheme == "dark":
        dark = checked_declarations(css_variables(theme, dark=True)) or ""
        css += f":root{{{dark}color-scheme:dark}}"
    else:
        css = css[:-1] + "color-scheme:light}"
    css += "a,button,input,select,textarea,label{pointer-events:none}"
    replaced, count = THEME_STYLE.subn(lambda match: f"{match.group(1)}{css}</style>", html, count=1)
    if count == 0:  # the screen had no theme block: add one at the end of <head>
        replaced = html.replace("</head>", f'<style nonce="{csp_nonce()}">{css}</style></head>', 1)
    return replaced


# ---------------------------------------------------------------- views


def _editor_values(partner: Partner) -> dict[str, str]:
    theme = partner.theme or {}
    values = {name: str(theme.get(name, "")) for name in ALL_COLOR_TOKENS}
    values.update({f"dark.{name}": str((theme.get("dark") or {}).get(name, "")) for name in ALL_COLOR_TOKENS})
    values["radius"] = str(theme.get("radius", ""))
    return values


@bp.route("/p/<code>/theme", methods=["GET", "POST"])
@require_role(*BUILDERS)
def theme(code: str):
    """The editor; POST saves the draft when it passes the onboarding rules (else the page says which pair)."""
    partner = current_partner()
    form = PlainForm()
    values = _editor_values(partner)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        draft = draft_from_form(request.form)
        problems = save_theme(partner, draft)
        if not problems:
            audit("theme.saved", colours=sorted(k for k in draft if k != "dark"), dark=sorted(draft.get("dark") or {}))
            db.session.commit()
            flash(_("Theme saved: your screens use it from the next launch."), "info")
            return redirect(url_for("portal.theme", code=partner.code))
        db.session.rollback()
        flash(_("Theme refused: %(problems)s", problems=", ".join(problems)), "error")
        values = {name: request.form.get(name, "") for name in values}
        status = 422
    draft = draft_from_form(values) if status == 200 else (partner.theme or {})
    token = preview_token(partner, with_onboarding_fields(partner, draft if not theme_problems(
        with_onboarding_fields(partner, draft)) else (partner.theme or {})))
    return render_template("portal/theme.html", partner=partner, form=form, values=values,
                           tokens=ALL_COLOR_TOKENS, defaults=DEFAULT_THEME, radius_range=RADIUS_RANGE,
                           verdicts=pair_verdicts(with_onboarding_fields(partner, draft)), token=token,
                           screens=SCREENS, schemes=SCHEMES, min_contrast=MIN_CONTRAST), status


@bp.post("/p/<code>/theme/check")
@require_role(*BUILDERS)
def theme_check(code: str):
    """The live check the editor's script calls: the verdict per pair, the problems, and a preview token when the
    draft is valid (a refused draft is never previewed)."""
    partner = current_partner()
    if not PlainForm().validate_on_submit():
        return jsonify({"error": "csrf"}), 400
    draft = with_onboarding_fields(partner, draft_from_form(request.form))
    problems = theme_problems(draft)
    return jsonify({"valid": not problems, "problems": problems, "verdicts": pair_verdicts(draft),
                    "token": None if problems else preview_token(partner, draft)})


@bp.get("/p/<code>/theme/preview/<any(home, results, held, result):screen>/<any(light, dark):scheme>")
@require_role(*BUILDERS)
def theme_preview(code: str, screen: str, scheme: str):
    """One real screen rendered with the draft in the signed token `t`, pinned to light or dark (framed by the
    editor on this origin only)."""
    partner = current_partner()
    theme = preview_theme(partner, request.args.get("t", ""))
    if theme is None:
        abort(404)
    locale = request.args.get("locale") if request.args.get("locale") in ("vi", "en") else "vi"
    html = pin_scheme(render_screen(partner, theme, screen, locale), theme, scheme)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce(), True)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response

