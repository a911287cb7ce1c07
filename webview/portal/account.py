"""Signing in and out, activation and reset links, TOTP, the session list and the portal's language."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.security import check_password_hash

from webview.core import ratelimits
from webview.db import utcnow
from webview.extensions import db
from webview.i18n import LOCALES
from webview.portal import bp
from webview.portal.accounts import (
    AccountError,
    check_credentials,
    check_password,
    check_second_factor,
    check_token,
    disable_totp,
    enable_totp,
    new_totp_secret,
    request_renewal,
    set_password,
    totp_qr_svg,
    totp_uri,
    use_token,
)
from webview.portal.auth import (
    audit,
    current_session_id,
    end_session,
    portal_login_required,
    revoke_sessions,
    start_session,
    totp_required,
)
from webview.portal.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmForm,
    ForgotForm,
    SetPasswordForm,
    SignInForm,
    TotpSetupForm,
)
from webview.portal.locale import set_language_cookie
from webview.portal.models import ACTIVATION, INVITE, RESET, PortalSession, PortalUser
from webview.portal.nav import add_nav
from webview.portal.onboarding import send_reset_link

PENDING_KEY = "portal_pending"  # the user who passed the password step and owes a TOTP code
PENDING_SECONDS = 300
TOTP_SETUP_KEY = "portal_totp_setup"  # the secret being enrolled, sealed in the signed cookie until confirmed

add_nav("portal.account", _l("Account and security"), roles=("admin", "developer", "finance", "operator"),
        section="account", order=10, icon="user")


def home_for(user: PortalUser) -> str:
    """Where a user lands after signing in."""
    if user.is_operator:
        return url_for("portal.operator_partners")
    return url_for("portal.overview", code=user.partner.code)


def _safe_next(target: str | None) -> str | None:
    """A same-site portal path to return to after sign-in, or None."""
    if not target or len(target) > 300:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/portal/") or "\\" in target:
        return None
    return target


def _signin_throttled(email: str) -> bool:
    """Count one attempt against the per-address and per-account limits; True when either is exhausted."""
    by_address = ratelimits.hit("PORTAL_SIGNIN_RATE_LIMIT", "portal-signin-ip", request.remote_addr or "")
    by_account = ratelimits.hit("PORTAL_ACCOUNT_SIGNIN_RATE_LIMIT", "portal-signin-account",
                                email.strip().lower()[:254])
    return not (by_address and by_account)


def _locked_page(until):
    minutes = max(1, int((until - utcnow()).total_seconds() // 60) + 1) if until else None
    return render_template("portal/locked.html", minutes=minutes), 429


@bp.get("/")
def index():
    """The portal's front door: your home when signed in, else the sign-in page."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("portal.sign_in"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Email and password; then the TOTP step when the account has one."""
    form = SignInForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    if form.validate_on_submit():
        email = form.email.data or ""
        if _signin_throttled(email):
            audit("portal.signin_throttled", attempted_email=email[:254])
            db.session.commit()
            return _locked_page(None)
        result = check_credentials(email, form.password.data or "")
        if result.outcome == "locked":
            audit("portal.signin_locked", partner=result.user.partner_id, actor=result.user)
            db.session.commit()
            return _locked_page(result.locked_until)
        if result.outcome == "bad":
            audit("portal.signin_failed", partner=result.user.partner_id if result.user else None,
                  actor=result.user, attempted_email=email[:254])
            db.session.commit()
            flash(_("Wrong email or password."), "error")
            return render_template("portal/sign_in.html", form=form), 401
        if result.outcome == "needs_totp":
            db.session.commit()
            session.clear()
            session[PENDING_KEY] = {"user_id": result.user.id, "at": utcnow().timestamp(),
                                    "next": _safe_next(request.args.get("next"))}
            return redirect(url_for("portal.sign_in_code"))
        return _finish_sign_in(result.user, _safe_next(request.args.get("next")))
    return render_template("portal/sign_in.html", form=form)


def _finish_sign_in(user: PortalUser, next_url: str | None):
    start_session(user)
    audit("portal.signed_in", partner=user.partner_id, actor=user)
    db.session.commit()
    if totp_required(user) and not user.has_totp:
        return redirect(url_for("portal.totp_setup"))
    return redirect(next_url or home_for(user))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    """The second step: the 6-digit code of the authenticator app."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("portal.sign_in"))
    user = db.session.get(PortalUser, pending.get("user_id"))
    if user is None or not user.is_active:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("portal.sign_in"))
    form = CodeForm()
    if form.validate_on_submit():
        if _signin_throttled(user.email):
            return _locked_page(None)
        result = check_second_factor(user, form.code.data or "")
        if result.outcome == "locked":
            session.pop(PENDING_KEY, None)
            audit("portal.signin_locked", partner=user.partner_id, actor=user)
            db.session.commit()
            return _locked_page(result.locked_until)
        if result.outcome == "bad":
            audit("portal.signin_code_failed", partner=user.partner_id, actor=user)
            db.session.commit()
            flash(_("That code is not right. Enter the current code of your authenticator app."), "error")
            return render_template("portal/sign_in_code.html", form=form), 401
        return _finish_sign_in(user, pending.get("next"))
    return render_template("portal/sign_in_code.html", form=form)


@bp.post("/sign-out")
@portal_login_required
def sign_out():
    """End this browser's session."""
    audit("portal.signed_out")
    end_session()
    db.session.commit()
    flash(_("You are signed out."), "info")
    return redirect(url_for("portal.sign_in"))


# ---------------------------------------------------------------- links: activation, invitation, reset


LINK_PURPOSES = {"activate": (ACTIVATION, INVITE), "reset": (RESET,)}


def _link_page(kind: str):
    purposes = LINK_PURPOSES[kind]
    form = SetPasswordForm()
    raw = form.token.data if request.method == "POST" else request.args.get("token", "")
    checked = check_token(raw, purposes)
    if checked.state != "ok":
        renewal = ConfirmForm() if checked.token is not None and kind == "activate" else None
        return render_template("portal/link_invalid.html", state=checked.state, kind=kind, renewal=renewal,
                               token=raw if renewal else None), 410 if checked.token is not None else 404
    user = checked.token.user
    if request.method == "GET":
        form.token.data = raw
    if form.validate_on_submit():
        try:
            if form.password.data != form.confirm.data:
                raise AccountError(_("the two passwords differ"))
            check_password(form.password.data, user)
            user = use_token(raw, purposes, form.password.data)
        except AccountError as error:
            flash(str(error), "error")
            return render_template("portal/set_password.html", form=form, kind=kind, user=user), 400
        audit("portal.password_set" if kind == "activate" else "portal.password_reset", partner=user.partner_id,
              actor=user)
        start_session(user)  # a fresh session; every other one of this account was revoked
        db.session.commit()
        flash(_("Your password is set. Welcome!") if kind == "activate" else _("Your password is changed."), "info")
        if totp_required(user) and not user.has_totp:
            return redirect(url_for("portal.totp_setup"))
        return redirect(home_for(user))
    return render_template("portal/set_password.html", form=form, kind=kind, user=user)


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """The emailed activation or invitation link: choose a password."""
    return _link_page("activate")


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    """The emailed password-reset link: choose a new password."""
    return _link_page("reset")


@bp.post("/activate/renew")
def request_new_link():
    """The holder of an expired or used activation link asks an operator for a new one."""
    form = ConfirmForm()
    raw = request.form.get("token", "")
    checked = check_token(raw, LINK_PURPOSES["activate"])
    if not form.validate_on_submit() or checked.token is None or checked.state == "ok":
        return render_template("portal/link_invalid.html", state="unknown", kind="activate", renewal=None), 404
    request_renewal(checked.token)
    audit("portal.new_link_requested", partner=checked.token.user.partner_id, actor=checked.token.user)
    db.session.commit()
    return render_template("portal/link_invalid.html", state=checked.state, kind="activate", renewal=None,
                           requested=True), 200


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a password-reset link (the answer is the same whether the address has an account)."""
    form = ForgotForm()
    if form.validate_on_submit():
        if not _signin_throttled(form.email.data or ""):
            from flask_babel import get_locale

            send_reset_link(form.email.data, locale=str(get_locale() or "vi"))
            db.session.commit()
        return render_template("portal/forgot.html", form=None, sent=True)
    return render_template("portal/forgot.html", form=form, sent=False)


# ---------------------------------------------------------------- your account


def _sessions_of(user: PortalUser) -> list[PortalSession]:
    cutoff = utcnow() - timedelta(hours=current_app.config["PORTAL_SESSION_MAX_HOURS"])
    return list(db.session.scalars(select(PortalSession).where(
        PortalSession.user_id == user.id, PortalSession.revoked_at.is_(None), PortalSession.created_at > cutoff)
        .order_by(PortalSession.last_seen_at.desc())))


@bp.get("/account")
@portal_login_required
def account():
    """Your profile: password, two-factor sign-in and the browsers signed in to your account."""
    return render_template("portal/account.html", password_form=ChangePasswordForm(), confirm=ConfirmForm(),
                           sessions=_sessions_of(current_user), this_session=current_session_id(),
                           totp_required=totp_required(current_user))


@bp.post("/account/password")
@portal_login_required
def change_password():
    """Change your password (the current one first); your other sessions end."""
    form = ChangePasswordForm()
    user: PortalUser = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            if not check_password_hash(user.password_hash or "", form.current.data or ""):
                raise AccountError(_("the current password is not right"))
            if form.password.data != form.confirm.data:
                raise AccountError(_("the two passwords differ"))
            set_password(user, form.password.data)
        except AccountError as error:
            flash(str(error), "error")
            return render_template("portal/account.html", password_form=form, confirm=ConfirmForm(),
                                   sessions=_sessions_of(user), this_session=current_session_id(),
                                   totp_required=totp_required(user)), 400
        revoke_sessions(user, keep_id=current_session_id())
        audit("portal.password_changed")
        db.session.commit()
        flash(_("Your password is changed; your other sessions have ended."), "info")
    else:
        flash(_("The new password must be %(min)s to %(max)s characters.", min=12, max=128), "error")
    return redirect(url_for("portal.account"))


@bp.post("/account/sessions/<int:session_id>/end")
@portal_login_required
def end_one_session(session_id: int):
    """Sign out one of your browsers (only your own: another's session id is 404)."""
    form = ConfirmForm()
    row = db.session.get(PortalSession, session_id)
    if row is None or row.user_id != current_user.id:
        return render_template("portal/error.html", status=404), 404
    if form.validate_on_submit():
        row.revoked_at = row.revoked_at or utcnow()
        audit("portal.session_ended", session=session_id)
        db.session.commit()
        flash(_("That session has ended."), "info")
    return redirect(url_for("portal.account"))


@bp.post("/account/sessions/end-all")
@portal_login_required
def end_all_sessions():
    """Sign out everywhere, this browser included."""
    form = ConfirmForm()
    if form.validate_on_submit():
        count = revoke_sessions(current_user)
        audit("portal.signed_out_everywhere", sessions=count)
        end_session()
        db.session.commit()
        flash(_("You are signed out everywhere."), "info")
        return redirect(url_for("portal.sign_in"))
    return redirect(url_for("portal.account"))


@bp.route("/account/totp", methods=["GET", "POST"])
@portal_login_required
def totp_setup():
    """Set up two-factor sign-in: scan the QR code, confirm with a code."""
    from webview.vault import open_sealed, seal

    user: PortalUser = current_user._get_current_object()
    if user.has_totp:
        return redirect(url_for("portal.account"))
    master = current_app.config["MASTER_KEY"]
    form = TotpSetupForm()
    sealed = session.get(TOTP_SETUP_KEY)
    secret = open_sealed(master, sealed, "portal-totp-setup").decode() if isinstance(sealed, str) else None
    if secret is None:  # a reload keeps the secret being scanned
        secret = new_totp_secret()
        session[TOTP_SETUP_KEY] = seal(master, secret, "portal-totp-setup")
    if form.validate_on_submit():
        try:
            enable_totp(user, secret, form.code.data or "")
        except AccountError as error:
            flash(str(error), "error")
        else:
            session.pop(TOTP_SETUP_KEY, None)
            audit("portal.totp_enabled")
            db.session.commit()
            flash(_("Two-factor sign-in is on."), "info")
            return redirect(home_for(user))
    uri = totp_uri(user, secret)
    return render_template("portal/totp_setup.html", form=form, qr_svg=totp_qr_svg(uri), secret=secret,
                           required=totp_required(user))


@bp.post("/account/totp/off")
@portal_login_required
def totp_off():
    """Turn two-factor sign-in off (refused where it is required)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        if totp_required(current_user):
            flash(_("Operators must keep two-factor sign-in."), "error")
        else:
            disable_totp(current_user)
            audit("portal.totp_disabled")
            db.session.commit()
            flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("portal.account"))


@bp.get("/lang/<locale>")
def set_language(locale: str):
    """Switch the portal's language (Tiếng Việt / English) and come back."""
    back = _safe_next(request.args.get("next")) or url_for("portal.index")
    response = redirect(back)
    if locale in LOCALES:
        set_language_cookie(response, locale)
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return response


@bp.errorhandler(403)
def _forbidden(error):
    return render_template("portal/error.html", status=403), 403


@bp.errorhandler(404)
def _not_found(error):
    return render_template("portal/error.html", status=404), 404


@bp.errorhandler(CSRFError)
def _form_expired(error):
    """A form without its CSRF token (or an old one): nothing changed; say so in words."""
    return render_template("portal/error.html", status=400), 400
