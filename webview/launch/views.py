"""GET /w/launch turns a launch token into a session (and strips it from the URL); POST /w/sign-out ends it."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from webview.extensions import db
from webview.launch.services import consume_launch_token, end_session
from webview.launch.sessions import SESSION_KEY

bp = Blueprint("launch", __name__, url_prefix="/w")


@bp.get("/launch")
def launch():
    """Consume the single-use token, replace any previous session, redirect to the home screen."""
    token = request.args.get("token", "")
    launch_session = consume_launch_token(token, current_app.config["SESSION_TTL_SECONDS"])
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
