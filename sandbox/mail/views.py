"""Mail catcher views: list and read every email the platform accepted, and a JSON feed for test suites."""

from __future__ import annotations

import ipaddress
from hmac import compare_digest

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from webview.emails import SentEmail, list_sent_emails
from webview.extensions import db

bp = Blueprint("sandbox_mail", __name__)

# The email's own HTML is shown in a sandboxed frame with no scripts, no network but images, no forms.
EMAIL_HTML_CSP = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                  "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox")
MAX_TO_LENGTH = 254


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _api_refusal() -> Response | None:
    """The sandbox test API rule (DESIGN): open on loopback, elsewhere only with the SANDBOX_TOKEN bearer."""
    if _is_loopback(request.remote_addr):
        return None
    token = current_app.config.get("SANDBOX_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and compare_digest(given.strip().encode(), token.encode()):
        return None
    status = 401 if token else 403
    response = jsonify(error="send Authorization: Bearer <SANDBOX_TOKEN>" if token
                       else "the sandbox test API is open on loopback only")
    response.status_code = status
    return response


def _to_filter() -> str | None:
    to = request.args.get("to", "").strip()
    if len(to) > MAX_TO_LENGTH:
        abort(400)
    return to or None


@bp.get("/sandbox/api/mail")
def mail_feed():
    """Accepted emails as JSON, newest first, optionally to one address: [{to, subject, kind, text, html}]."""
    refusal = _api_refusal()
    if refusal is not None:
        return refusal
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
