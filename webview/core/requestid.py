"""Request ids: taken from a valid incoming `X-Request-Id` (a load balancer's or a partner's) or generated, returned
as a response header, written on the JSON request log line and each partner message log row, and sent on our
outbound partner calls, so one id follows a request through every node, log and partner."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, has_request_context, request

HEADER = "X-Request-Id"
ENVIRON_KEY = "webview.request_id"
MAX_LENGTH = 128
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def new_request_id() -> str:
    """A fresh id: 32 hex characters."""
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """`value` when it is a usable id (1 to 128 of letters, digits and . _ : -), else None."""
    if value and len(value) <= MAX_LENGTH and VALID.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    """This request's id (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    environ = request.environ
    rid = environ.get(ENVIRON_KEY)
    if rid is None:
        rid = environ[ENVIRON_KEY] = valid_request_id(request.headers.get(HEADER)) or new_request_id()
    return rid


def outbound_request_id() -> str:
    """The id to send on an outbound call: this request's, or a fresh one for background work."""
    return current_request_id() or new_request_id()


def _assign() -> None:
    current_request_id()


def _answer_with_id(response: Response) -> Response:
    response.headers[HEADER] = current_request_id() or new_request_id()
    return response


def init_app(app: Flask) -> None:
    """Give every request an id first thing, and every answer its header."""
    app.before_request_funcs.setdefault(None, []).insert(0, _assign)
    app.after_request(_answer_with_id)
