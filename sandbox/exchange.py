"""Outbound HTTP as the partner (real requests, explicit timeouts) and the sandbox's message-log entries."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from webview.extensions import db
from webview.messagelog.services import log_exchange

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0
OUTBOUND = "sandbox-outbound"
INBOUND = "sandbox-inbound"


@dataclass(frozen=True)
class HttpResult:
    """What came back from one outbound call (status None when no answer arrived)."""

    status: int | None
    body: bytes
    error: str | None
    latency_ms: int

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def send(method: str, url: str, *, headers: dict[str, str], body: bytes | None = None,
         timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)) -> HttpResult:
    """One HTTP call; network failures come back as a result with `error`, never as an exception."""
    started = time.perf_counter()
    try:
        response = requests.request(method, url, headers=headers, data=body, timeout=timeout,
                                    allow_redirects=False)
    except requests.RequestException as error:
        return HttpResult(None, b"", f"{type(error).__name__}: {error}"[:200],
                          int((time.perf_counter() - started) * 1000))
    return HttpResult(response.status_code, response.content, None, int((time.perf_counter() - started) * 1000))


def send_logged(method: str, url: str, *, headers: dict[str, str], body: bytes | None, kind: str,
                partner_code: str, canonical: str = "", reference: str | None = None,
                verdict: str = "") -> HttpResult:
    """send() and record the exchange as sandbox-outbound (committed, so it survives whatever follows)."""
    result = send(method, url, headers=headers, body=body)
    answer = result.json()
    code = answer.get("code", answer.get("error_code")) if isinstance(answer, dict) else None
    log_exchange(
        direction=OUTBOUND, method=method, url=url, kind=kind, partner_code=partner_code,
        status_code=result.status, latency_ms=result.latency_ms, request_headers=headers,
        request_body=body, response_body=result.body, canonical=canonical, reference=reference,
        verdict=" · ".join(part for part in (verdict, result.error or f"HTTP {result.status}") if part),
        result_code=None if code is None else str(code)[:10],
    )
    db.session.commit()
    return result
