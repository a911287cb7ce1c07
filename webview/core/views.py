"""Process-level endpoints: health check and the site icon."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, send_from_directory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webview.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own: answer with the icon (SVG), cached for a day."""
    return send_from_directory(current_app.static_folder, "img/favicon.svg", mimetype="image/svg+xml", max_age=86400)


def init_app(app: Flask) -> None:
    """Register the core blueprint and commands."""
    from webview.core import assets, cli, dbcreate, fragments, jsonlog, metrics, proxy, readiness, requestid, security

    app.register_blueprint(bp)
    cli.init_app(app)
    assets.init_app(app)
    fragments.init_app(app)
    security.init_app(app)
    proxy.init_app(app)
    requestid.init_app(app)
    jsonlog.init_app(app)
    metrics.init_app(app)
    readiness.init_app(app)
    app.cli.add_command(dbcreate.create_database_command)
