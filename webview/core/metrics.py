"""Prometheus metrics at /metrics (prometheus-client), for loopback or a `METRICS_TOKEN` bearer.

Request latency and counts per endpoint, IPN outcomes by answer code, partner calls by partner (latency and
errors), and from the database at scrape time: job queue depth, the age of the oldest due job, running and dead
jobs, open reconciliation mismatches and rejected reconciliation files. Under gunicorn set
PROMETHEUS_MULTIPROC_DIR (an empty directory per node, made before the node starts): every worker process writes
its counters there and a scrape adds them up (prometheus_client.multiprocess).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from webview.db import utcnow
from webview.extensions import db, limiter

bp = Blueprint("metrics", __name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
HTTP_REQUESTS = Counter("webview_http_requests", "HTTP requests answered, by endpoint and status",
                        ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram("webview_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint",
                         ["method", "endpoint"], buckets=LATENCY_BUCKETS)
IPN_OUTCOMES = Counter("webview_ipn_outcomes", "Payment notifications from partners (hmac IPN, styled IPN, "
                       "envelope commit), by answer code", ["operation", "code"])
PARTNER_CALLS = Counter("webview_partner_calls", "Our calls to partner APIs (each try), by partner and outcome "
                        "(answered, or error: timeout, connection error, HTTP 5xx or 429)",
                        ["partner", "kind", "outcome"])
PARTNER_LATENCY = Histogram("webview_partner_call_duration_seconds", "Time of one try of a partner API call",
                            ["partner", "kind"], buckets=LATENCY_BUCKETS)
# the message-log kinds of the payment notifications; a styled IPN counts its outcome's standard code (the style's
# own words for it are its answer's business, webview.api.styled)
IPN_OPERATIONS = {"payment-ipn", "styled-ipn", "partner-commit"}


def observe_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    HTTP_REQUESTS.labels(method, endpoint, str(status)).inc()
    HTTP_LATENCY.labels(method, endpoint).observe(seconds)


def observe_api_exchange(exchange: dict, response: Response) -> None:
    """Count an IPN (standard or styled, or an envelope commit) by the code it was answered with."""
    operation = exchange.get("kind")
    if operation not in IPN_OPERATIONS:
        return
    code = exchange.get("result_code")
    if code is None and response.is_json:
        body = response.get_json(silent=True)
        code = body.get("code") if isinstance(body, dict) else None
    IPN_OUTCOMES.labels(operation, str(code) if code is not None else f"http-{response.status_code}").inc()


def observe_partner_call(partner: str | None, kind: str, status_code: int | None, latency_ms: int | None) -> None:
    """Count one try of an outbound partner call and its latency."""
    failed = status_code is None or status_code >= 500 or status_code == 429
    PARTNER_CALLS.labels(partner or "unknown", kind or "unknown", "error" if failed else "answered").inc()
    if latency_ms is not None:
        PARTNER_LATENCY.labels(partner or "unknown", kind or "unknown").observe(latency_ms / 1000)


class JobsCollector:
    """Queue figures read from the database at scrape time (the same on every node)."""

    def collect(self):
        from webview.jobs.models import Job, JobState

        now = utcnow()
        counts = dict(db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
        oldest = db.session.scalar(select(func.min(Job.run_at)).where(Job.state == JobState.QUEUED, Job.run_at <= now))
        db.session.rollback()
        queued = GaugeMetricFamily("webview_jobs_queued", "Jobs waiting to run (due now or later)")
        queued.add_metric([], counts.get(JobState.QUEUED, 0))
        yield queued
        age = GaugeMetricFamily("webview_jobs_oldest_queued_age_seconds",
                                "How long the oldest due job has been waiting (0 when none is due)")
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        age.add_metric([], max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0)
        yield age
        running = GaugeMetricFamily("webview_jobs_running", "Jobs claimed by a worker right now")
        running.add_metric([], counts.get(JobState.RUNNING, 0))
        yield running
        dead = GaugeMetricFamily("webview_jobs_dead", "Jobs that used up their tries (flask jobs retry ID)")
        dead.add_metric([], counts.get(JobState.DEAD, 0))
        yield dead


class ReconciliationCollector:
    """Reconciliation cases left for people (open items, by partner and outcome) and rejected partner files."""

    def collect(self):
        from webview.partners.models import Partner
        from webview.reconciliation.models import ReconciliationItem, ReconciliationRun

        items = db.session.execute(
            select(Partner.code, ReconciliationItem.outcome, func.count()).select_from(ReconciliationItem)
            .join(Partner, Partner.id == ReconciliationItem.partner_id)
            .where(ReconciliationItem.state == "open")
            .group_by(Partner.code, ReconciliationItem.outcome)).all()
        runs = db.session.execute(
            select(Partner.code, func.count()).select_from(ReconciliationRun)
            .join(Partner, Partner.id == ReconciliationRun.partner_id)
            .where(ReconciliationRun.status == "rejected").group_by(Partner.code)).all()
        db.session.rollback()
        open_items = GaugeMetricFamily("webview_reconciliation_open_items", "Reconciliation mismatches not settled "
                                       "automatically, waiting for an operator", labels=["partner", "outcome"])
        for code, outcome, count in items:
            open_items.add_metric([code, outcome], count)
        yield open_items
        rejected = GaugeMetricFamily("webview_reconciliation_rejected_runs", "Partner reconciliation files refused "
                                     "(bad signature, template or checksum) and not yet replaced", labels=["partner"])
        for code, count in runs:
            rejected.add_metric([code], count)
        yield rejected


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def _from_loopback() -> bool:
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False  # a proxy on this host forwarding someone else's request
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
    return _from_loopback()


@bp.get("/metrics")
@limiter.exempt
def metrics():
    """The Prometheus text exposition."""
    if not _allowed():
        return jsonify(error="forbidden: /metrics answers loopback or Authorization: Bearer METRICS_TOKEN"), 403
    body = generate_latest(_process_registry())
    for collector in (JobsCollector(), ReconciliationCollector()):
        registry = CollectorRegistry(auto_describe=False)
        registry.register(collector)
        try:
            body += generate_latest(registry)
        except SQLAlchemyError:  # the database is away: the process counters still answer
            db.session.rollback()
            current_app.logger.warning("metrics: %s skipped (database error)", type(collector).__name__)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        observe_request(request.method, request.endpoint or "unmatched", response.status_code,
                        time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Register /metrics and the per-request counters."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_count)
