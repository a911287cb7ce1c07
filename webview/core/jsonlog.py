"""Structured logs: one line per request (method, path without its query string, status, duration, request id)
on the `webview.request` logger, and with LOG_FORMAT=json (the production default) every line on the root
handlers as one JSON object."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request

from webview.core.requestid import current_request_id

request_log = logging.getLogger("webview.request")
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "request_id", "endpoint", "remote_addr")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: ts, level, logger, message, the request fields it carries, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if "request_id" not in entry:
            rid = current_request_id()
            if rid:
                entry["request_id"] = rid
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(app: Flask) -> str:
    """LOG_FORMAT, or json in production and text in development."""
    chosen = app.config.get("LOG_FORMAT")
    return chosen or ("json" if app.config.get("APP_ENV") == "production" else "text")


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else 0.0
    fields = {"method": request.method, "path": request.path, "status": response.status_code,
              "duration_ms": duration_ms, "request_id": current_request_id(),
              "endpoint": request.endpoint or "unmatched", "remote_addr": request.remote_addr}
    request_log.info("%s %s %s %.1fms rid=%s", fields["method"], fields["path"], fields["status"], duration_ms,
                     fields["request_id"], extra=fields)
    return response


def init_app(app: Flask) -> None:
    """The request line for every request; the JSON formatter on the root handlers when LOG_FORMAT is json."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_log_request)
    if log_format(app) == "json":
        formatter = JsonFormatter()
        for handler in logging.getLogger().handlers:
            handler.setFormatter(formatter)
