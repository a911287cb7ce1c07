"""GET /w/launch turns a launch token into a session (and strips it from the URL); POST /w/sign-out ends it;
POST /w/language switches the session's language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from webview.extensions import db
from webview.i18n.locale import normalise_locale
from webview.launch.options import InvalidOpenOption, open_options
from webview.launch.services import consume_launch_token, end_session, switch_session_locale
from webview.launch.sessions import SESSION_KEY, current_launch, launch_required

bp = Blueprint("launch", __name__, url_prefix="/w")


@bp.get("/launch")
def launch():
    """Consume the single-use token, replace any previous session, redirect to the home screen.

    The partner app may append `locale` and `web_bar` when it opens the URL; an unknown value is refused before
    the token is spent, so the app can open the link again once it is fixed."""
    try:
        options = open_options(request.args)
    except InvalidOpenOption as error:
        return render_template("launch/expired.html", reason="option", names=error.names), 400
    token = request.args.get("token", "")
    launch_session = consume_launch_token(token, current_app.config["SESSION_TTL_SECONDS"], options)
    if launch_session is None:
        return render_template("launch/expired.html", reason="token"), 410
    end_session(session.get(SESSION_KEY))
    db.session.commit()
    session.clear()
    session[SESSION_KEY] = launch_session.id
    session.permanent = False
    return redirect(url_for("booking.home"), code=303)


@bp.post("/sign-out")
def sign_out():
    """End this webview session on the server and forget the cookie (CSRF-protected; offered on My orders)."""
    end_session(session.get(SESSION_KEY))
    db.session.commit()
    session.clear()
    return render_template("launch/expired.html", reason="signed_out")


def same_screen(target: str | None) -> str:
    """Where the language switch returns: a path of our screens under /w/, never another host; else home."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/w/") or "\\" in (target or ""):
        return url_for("booking.home")
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.post("/language")
@launch_required
def switch_language():
    """The VI/EN switch of the web bar: this session speaks the chosen language, on the same screen (303)."""
    locale = normalise_locale(request.form.get("locale"))
    if locale is None:
        return render_template("launch/expired.html", reason="option", names=["locale"]), 400
    switch_session_locale(current_launch(), locale)
    db.session.commit()
    return redirect(same_screen(request.form.get("next")), code=303)


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """The switch (or sign-out) posted without its token, or from a stale page: nothing changed."""
    return render_template("launch/expired.html", reason="form"), 400
