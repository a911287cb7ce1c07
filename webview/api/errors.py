"""The partner API's answers: the code envelope of DESIGN.md and JSON errors for every HTTP failure."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

# code -> (default message, HTTP status), DESIGN.md "Profile hmac" table.
CODES: dict[int, tuple[str, int]] = {
    0: ("success", 200),
    1: ("invalid request", 400),
    2: ("system error", 500),
    3: ("transaction not found", 200),
    4: ("transaction does not belong to this partner", 200),
    5: ("invalid amount", 200),
    6: ("transaction cancelled or closed", 200),
    7: ("authentication failed", 401),
    8: ("rate limited", 429),
}

# envelope error_code -> HTTP status, DESIGN.md "Profile envelope".
ENVELOPE_HTTP = {"03": 401, "04": 401, "06": 401, "10": 401, "07": 400}
ENVELOPE_MESSAGES = {
    "00": "success",
    "01": "being processed",
    "02": "failed",
    "03": "account authentication failed",
    "04": "invalid signature or undecryptable message",
    "06": "invalid access code",
    "07": "malformed data",
    "08": "already processed",
    "09": "not yet processed",
    "10": "account not found",
    "99": "other error",
}


class ApiError(Exception):
    """An hmac-profile refusal: answered as {"code", "message", "data"?} with the code's HTTP status."""

    def __init__(self, code: int, message: str | None = None, *, fields: list[str] | None = None,
                 errors: list[dict[str, str]] | None = None, http_status: int | None = None,
                 data: dict | None = None) -> None:
        """`fields` lists the offending fields (`data.fields`); `errors` gives each one's reason
        (`data.errors: [{"field", "reason"}]`), by default the message for every field."""
        default_message, default_status = CODES[code]
        super().__init__(message or default_message)
        self.code = code
        self.message = message or default_message
        self.http_status = http_status or default_status
        self.data = dict(data or {})
        if errors is not None and fields is None:
            fields = list(dict.fromkeys(error["field"] for error in errors))
        if fields is not None:
            self.data["fields"] = fields
            self.data["errors"] = errors if errors is not None else \
                [{"field": name, "reason": self.message} for name in fields]


def api_response(code: int = 0, data: dict[str, Any] | None = None, message: str | None = None,
                 http_status: int | None = None) -> Response:
    """The envelope every hmac-profile answer uses."""
    default_message, default_status = CODES[code]
    body: dict[str, Any] = {"code": code, "message": message or default_message}
    if data is not None:
        body["data"] = data
    response = jsonify(body)
    response.status_code = http_status or default_status
    return response


def error_response(error: ApiError) -> Response:
    """Render an ApiError."""
    return api_response(error.code, error.data or None, error.message, error.http_status)


def envelope_plain_error(error_code: str, http_status: int | None = None) -> Response:
    """A plaintext envelope-profile answer, for when there is no partner key to encrypt to."""
    response = jsonify({"error_code": error_code, "message": ENVELOPE_MESSAGES.get(error_code, "error")})
    response.status_code = http_status or ENVELOPE_HTTP.get(error_code, 200)
    return response


def _is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


# The envelope calls' paths: the published /api/v1/partner/* and the Gotadi-compatible aliases /api/partner/*.
ENVELOPE_PATH_PREFIXES = ("/api/v1/partner/", "/api/partner/")


def is_envelope_path() -> bool:
    """True for a request to an envelope call (its errors are envelope codes, its body is parsed by the call)."""
    return request.path.startswith(ENVELOPE_PATH_PREFIXES)


def _http_error(error: HTTPException):
    if not _is_api_request():
        return error
    status = error.code or 500
    if is_envelope_path():
        code = "07" if status in {400, 404, 405, 413, 415} else "99"
        return envelope_plain_error(code, status)
    if status == 429:
        return api_response(8, http_status=429)
    if status >= 500:
        return api_response(2, http_status=status)
    messages = {
        404: "no such endpoint",
        405: "method not allowed",
        413: "request body too large",
        415: "unsupported media type: send application/json",
    }
    return api_response(1, message=messages.get(status, error.description or "invalid request"),
                        http_status=status)


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    if not _is_api_request():
        raise error
    from flask import current_app

    from webview.extensions import db

    db.session.rollback()
    current_app.logger.exception("unhandled error in the partner API")
    if is_envelope_path():
        return envelope_plain_error("99", 500)
    return api_response(2, http_status=500)


def register_error_handlers(app: Flask) -> None:
    """JSON (never HTML) for every error under /api."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
