"""Process-level endpoints: health check."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify
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


def init_app(app: Flask) -> None:
    """Register the core blueprint and commands."""
    from webview.core import assets, cli, security

    app.register_blueprint(bp)
    cli.init_app(app)
    assets.init_app(app)
    security.init_app(app)
