"""The current launch session of a request, and the decorator screens use to require one."""

from __future__ import annotations

from functools import wraps

from flask import g, render_template, session

from webview.i18n.locale import add_locale_source
from webview.launch.models import LaunchSession
from webview.launch.services import load_session

SESSION_KEY = "launch_id"


def current_launch() -> LaunchSession | None:
    """The request's live launch session (cached on g), or None."""
    if "launch" not in g:
        g.launch = load_session(session.get(SESSION_KEY))
    return g.launch


def launch_required(view):
    """Screens need a live launch; otherwise a friendly page asks the user to reopen from the app."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_launch() is None:
            return render_template("launch/expired.html", reason="session"), 401
        return view(*args, **kwargs)

    return wrapped


@add_locale_source
def launch_locale() -> str | None:
    """The language the partner launched the session in (before the device's Accept-Language)."""
    launch = current_launch()
    return launch.locale if launch is not None else None
