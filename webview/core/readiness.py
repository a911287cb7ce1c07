"""/readyz: whether this node should get traffic. The database answers, Redis answers when rate limits live there
(RATELIMIT_STORAGE_URI), and the node is not draining (DRAIN_FILE exists). /healthz stays the liveness check."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webview.extensions import db, limiter

bp = Blueprint("readiness", __name__)
CHECK_TIMEOUT_SECONDS = 1.0


def database_up() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def redis_state(uri: str) -> str:
    """'up', 'down', or 'not configured' when rate limits are not kept in Redis."""
    if not uri.startswith(("redis://", "rediss://", "unix://")):
        return "not configured"
    try:
        import redis

        client = redis.Redis.from_url(uri, socket_timeout=CHECK_TIMEOUT_SECONDS,
                                      socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
        try:
            return "up" if client.ping() else "down"
        finally:
            client.close()
    except Exception:  # any failure to reach it means not ready; never a 500
        return "down"


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """200 {"status": "ready", ...} or 503 with the failing part (or "draining")."""
    drain = current_app.config.get("DRAIN_FILE")
    if drain and Path(drain).exists():
        return jsonify(status="draining"), 503
    database = "up" if database_up() else "down"
    redis_ = redis_state(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    ready = database == "up" and redis_ != "down"
    return jsonify(status="ready" if ready else "unavailable", database=database, redis=redis_), \
        200 if ready else 503


def init_app(app: Flask) -> None:
    """Register /readyz."""
    app.register_blueprint(bp)
