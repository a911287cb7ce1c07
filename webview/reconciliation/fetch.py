"""Getting the partner's file: `GET <reconciliation_url>?date=YYYYMMDD` through the partner session (the SSRF
guard applies), with the PARTNER_* timeouts and retries, streamed to a size limit."""

from __future__ import annotations

import re
import time
from datetime import date
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app

from webview.core.netguard import partner_session
from webview.extensions import db
from webview.messagelog.services import log_exchange
from webview.partners.models import Partner
from webview.payments.gateway import CallBudget
from webview.reconciliation.matching import InboundFile
from webview.reconciliation.profiles import partner_fetch_headers

MAX_FILE_BYTES = 512 * 1024 * 1024
FILENAME = re.compile(r'filename="?([A-Za-z0-9._-]{1,200})"?')


class FetchFailed(RuntimeError):
    """The partner's file could not be had; the message says why (it becomes the run's finding)."""


def _target(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path or '/'}?{parts.query}" if parts.query else (parts.path or "/")


def fetch_by_api(partner: Partner, url: str, day: date, *, http: requests.Session | None = None) -> InboundFile:
    """The partner's file of `day` from its reconciliation URL; FetchFailed after the PARTNER_* tries."""
    full = url + ("&" if "?" in url else "?") + urlencode({"date": f"{day:%Y%m%d}"})
    budget = CallBudget.from_settings()
    backoff = float(current_app.config["PARTNER_BACKOFF_SECONDS"])
    session = http or partner_session()
    db.session.commit()  # no transaction held while we wait for the partner
    problem = "no answer"
    for attempt in range(budget.retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        headers = partner_fetch_headers(partner, _target(full))
        started = time.perf_counter()
        status = None
        try:
            with session.get(full, headers=headers, timeout=(budget.connect_s, budget.read_s), stream=True,
                             allow_redirects=False) as response:
                status = response.status_code
                if response.status_code == 200:
                    data = _read_limited(response)
                    name = FILENAME.search(response.headers.get("Content-Disposition", ""))
                    inbound = InboundFile(name=name.group(1) if name else f"{partner.code}_{day:%Y%m%d}.csv",
                                          data=data, signature=response.headers.get("X-Content-Signature"),
                                          sha256=response.headers.get("X-Content-SHA256"))
                    _log(partner, full, headers, status, started, f"file {inbound.name}, {len(data)} bytes")
                    return inbound
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    _log(partner, full, headers, status, started, problem)
                    raise FetchFailed(f"the partner's reconciliation URL answered {problem}")
        except requests.RequestException as error:
            problem = f"connection error ({type(error).__name__})"
        _log(partner, full, headers, status, started, problem)
    raise FetchFailed(f"the partner's file could not be fetched: {problem} after {budget.retries + 1} tries")


def _read_limited(response: requests.Response) -> bytes:
    data = bytearray()
    for piece in response.iter_content(64 * 1024):
        data += piece
        if len(data) > MAX_FILE_BYTES:
            raise FetchFailed(f"the partner's file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return bytes(data)


def _log(partner: Partner, url: str, headers: dict, status: int | None, started: float, verdict: str) -> None:
    log_exchange(direction="outbound", method="GET", url=url, kind="reconciliation-fetch", partner_id=partner.id,
                 partner_code=partner.code, status_code=status,
                 latency_ms=int((time.perf_counter() - started) * 1000), request_headers=headers,
                 request_body=None, response_body=None, canonical="", verdict=verdict, result_code=None,
                 reference=None)
    db.session.commit()
