"""gunicorn settings for production: `gunicorn wsgi:app` (this file is read from the working directory).

Every value comes from a setting of webview.config.SETTINGS (README "Configuration"): GUNICORN_BIND,
GUNICORN_WORKERS (default 2 x CPU cores + 1, at most 8), GUNICORN_THREADS, GUNICORN_TIMEOUT,
GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE and FORWARDED_ALLOW_IPS; a bad value stops the start in one line.
The access log never prints a query string or a referer: launch tokens, result-link signatures and sealed
envelopes travel in query strings. gunicorn's loggers get the credential filter of webview.core.logfilter too.
"""

from __future__ import annotations

import logging
import os
import sys

from webview.config import SETTINGS_BY_NAME, ConfigError, parse_setting

MAX_DEFAULT_WORKERS = 8  # each worker holds its own database pool


def _setting(name: str):
    try:
        return parse_setting(SETTINGS_BY_NAME[name], os.environ.get(name))
    except ConfigError as error:
        if __name__ != "__config__":  # read by something other than gunicorn (the tests): the error itself
            raise
        sys.exit(f"gunicorn.conf.py: configuration error: {error}")  # one line, no traceback


bind = [_setting("GUNICORN_BIND")]
workers = _setting("GUNICORN_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)
worker_class = "gthread"
threads = _setting("GUNICORN_THREADS")
timeout = _setting("GUNICORN_TIMEOUT")
graceful_timeout = _setting("GUNICORN_GRACEFUL_TIMEOUT")
keepalive = _setting("GUNICORN_KEEPALIVE")
forwarded_allow_ips = _setting("FORWARDED_ALLOW_IPS")
max_requests = 10000  # recycle workers now and then (slow leaks), spread so they never restart together
max_requests_jitter = 1000

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# %(U)s is the path without its query string; no %(r)s (request line), %(q)s (query) or %(f)s (referer).
access_log_format = '%(h)s - - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def _filter_gunicorn_logs() -> None:
    from webview.core.logfilter import CredentialFilter

    log_filter = CredentialFilter()
    for name in ("gunicorn", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if not any(isinstance(existing, CredentialFilter) for existing in target.filters):
                target.addFilter(log_filter)


def when_ready(server) -> None:
    """The master's own loggers (its error log quotes bad request lines)."""
    _filter_gunicorn_logs()


def post_fork(server, worker) -> None:
    """Each worker's loggers, before it serves anything."""
    _filter_gunicorn_logs()


def child_exit(server, worker) -> None:
    """A dead worker's live gauges leave the multi-process metrics (prometheus-client)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
