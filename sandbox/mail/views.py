"""Mail catcher views: list and read every email the platform accepted, and a JSON feed for test suites."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from webview.emails import SentEmail, list_sent_emails
from webview.extensions import db

bp = Blueprint("sandbox_mail", __name__)

# The email's own HTML is shown in a sandboxed frame with no scripts, no network but images, no forms.
EMAIL_HTML_CSP = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                  "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox")
MAX_TO_LENGTH = 254


def _to_filter() -> str | None:
    to = request.args.get("to", "").strip()
    if len(to) > MAX_TO_LENGTH:
        abort(400)
    return to or None


@bp.get("/sandbox/api/mail")
def mail_feed():
    """Accepted emails as JSON, newest first, optionally to one address: [{to, subject, kind, text, html}]."""
    to = request.args.get("to", "").strip()
    if len(to) > MAX_TO_LENGTH:
        return jsonify(error=f"to is at most {MAX_TO_LENGTH} characters"), 400
    return jsonify([
        {"to": mail.to, "subject": mail.subject, "kind": mail.kind, "text": mail.text, "html": mail.html,
         "id": mail.id, "reference": mail.reference, "locale": mail.locale,
         "accepted_at": mail.accepted_at.isoformat()}
        for mail in list_sent_emails(to or None)
    ])


@bp.get("/sandbox/mail")
def mail_list():
    """The catcher's inbox, newest first."""
    to = _to_filter()
    return render_template("sandbox/mail.html", messages=list_sent_emails(to), to=to or "")


@bp.get("/sandbox/mail/<int:mail_id>")
def mail_detail(mail_id: int):
    """One email: headers, the text part, and the HTML part in a sandboxed frame."""
    mail = db.get_or_404(SentEmail, mail_id)
    return render_template("sandbox/mail_message.html", mail=mail)


@bp.get("/sandbox/mail/<int:mail_id>/html")
def mail_html(mail_id: int):
    """The email's HTML part alone, under a CSP that allows no script and no network but images."""
    mail = db.get_or_404(SentEmail, mail_id)
    response = Response(mail.html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_HTML_CSP
    response.headers["Cache-Control"] = "no-store"
    return response
