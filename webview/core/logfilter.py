"""Keep credentials out of every log line: launch tokens, result-link signatures, sealed envelopes, API keys.

werkzeug's access log prints the request line with its query string (`GET /w/launch?token=…`, `GET
/w/result?…&sig=…`, the envelope place-order `?key=…&data=…`), urllib3 prints the URLs it calls at DEBUG, and
any message may quote a header. `CredentialFilter` rewrites such values to `[redacted]` before a handler sees them.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

REDACTED = "[redacted]"
# query parameters (and form fields) whose values are credentials or sealed data
CREDENTIAL_PARAMETERS = ("token", "sig", "signature", "key", "data", "access_code", "apikey", "api_key",
                         "client_secret", "secret", "password", "pin", "csrf_token", "x-signature")
# headers whose values are credentials, as they appear quoted in a message ("X-Signature: …", {'apikey': '…'})
CREDENTIAL_HEADERS = ("x-signature", "apikey", "x-ibe-req-name", "authorization", "cookie", "x-api-key")

_names = "|".join(re.escape(name) for name in CREDENTIAL_PARAMETERS)
_QUERY_VALUE = re.compile(rf"(?i)((?:^|[?&;\s\"'])(?:{_names})=)([^&;\s\"'<>]+)")
_headers = "|".join(re.escape(name) for name in CREDENTIAL_HEADERS)
_HEADER_VALUE = re.compile(rf"(?i)((?:{_headers})[\"']?\s*[:=]\s*[\"']?)([^\s\"',}}]+)")
# loggers that print URLs or request data; children of webview and sandbox are added as they exist
KNOWN_LOGGERS = ("werkzeug", "flask-limiter", "urllib3.connectionpool", "gunicorn.access", "gunicorn.error",
                 "webview", "sandbox")
FAMILIES = ("webview", "sandbox", "urllib3", "gunicorn", "werkzeug", "flask")


def redact_credentials(text: str) -> str:
    """The text with credential query values and header values replaced by [redacted]."""
    text = _QUERY_VALUE.sub(lambda match: match.group(1) + REDACTED, text)
    return _HEADER_VALUE.sub(lambda match: match.group(1) + REDACTED, text)


class CredentialFilter(logging.Filter):
    """Rewrite a record's message with credentials redacted (the record is always kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem, not a reason to drop it
            return True
        cleaned = redact_credentials(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _add_once(target: logging.Filterer, log_filter: CredentialFilter) -> None:
    if not any(isinstance(existing, CredentialFilter) for existing in target.filters):
        target.addFilter(log_filter)


def install_credential_filter(app: Flask) -> None:
    """Install the filter on werkzeug's, the app's and every webview/sandbox/urllib3/gunicorn logger, and on the
    root handlers (a logger's filter only sees records logged on that very logger, not its children's)."""
    log_filter = CredentialFilter()
    names = set(KNOWN_LOGGERS) | {app.logger.name}
    names |= {name for name in logging.root.manager.loggerDict if name.split(".")[0] in FAMILIES}
    for name in names:
        _add_once(logging.getLogger(name), log_filter)
    for handler in logging.getLogger().handlers:
        _add_once(handler, log_filter)
