"""The production shape as a cluster on loopback: two gunicorn nodes (A, B) and two `flask jobs worker` processes,
started from the Procfile's commands, on a PostgreSQL database and a Redis db of their own.

Journeys alternate nodes; a 50-way duplicate IPN storm is split across both nodes; the partner rate limit is
shared (Redis); a replayed signature is refused by the other node; a worker is killed (-9) during issuance and a
web node during a burst of IPNs; a node restarts mid-journey. Every test checks that each accepted IPN was applied
once, each job done once, and no order lost. The figures land in test-artifacts/cluster-figures.json.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from sandbox.cases.client import SandboxApi
from sandbox.cases.webview_user import Traveller, WebviewUser
from tests.cluster.harness import MASTER_KEY, SECRET_KEY, Cluster, Proc
from tests.cluster.pg import drop_database, own_database_url, own_redis_url, postgres_only
from tests.payments.factories import SignedPartner, hmac_partner, hold_vip
from webview import create_app
from webview.booking.models import Booking
from webview.core.dbcreate import create_database
from webview.extensions import db
from webview.jobs import Job
from webview.payments import supplier
from webview.payments.models import PaymentEvent

pytestmark = [pytest.mark.slow, pytest.mark.postgres, postgres_only]

API_RATE_LIMIT = 100  # per partner credential and minute, counted in Redis by every node
SLOW_ISSUE_SECONDS = 4
LEASE_SECONDS = 3
FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, artifacts_dir):
    import redis

    tmp = tmp_path_factory.mktemp("cluster")
    url = own_database_url("cluster")
    redis_url = own_redis_url()
    drop_database(url)
    create_database(url)
    redis.Redis.from_url(redis_url).flushdb()  # our own db (9+), never the suite's
    shape = Cluster(tmp, url, redis_url, settings={
        "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4", "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "API_RATE_LIMIT": f"{API_RATE_LIMIT}/minute", "API_ADDRESS_RATE_LIMIT": "100000/minute",
        "ORDER_STATUS_RATE_LIMIT": "600/minute", "JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
        "JOBS_BACKOFF_BASE_SECONDS": "0.2", "DEMO_SUPPLIER_SLOW_SECONDS": str(SLOW_ISSUE_SECONDS),
        "WORKER_POLL_SECONDS": "0.1", "CATALOG_SEED_DAYS": "1", "LOG_FORMAT": "json",
        "PARTNER_BACKOFF_SECONDS": "0.1",
    })
    app = None
    try:
        shape.flask("db", "upgrade")  # migrations first, as make cluster does
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp / "instance"), "SECRET_KEY": SECRET_KEY,
                          "MASTER_KEY": MASTER_KEY, "SANDBOX_ENABLED": True, "PUBLIC_BASE_URL": shape.base_url,
                          "CATALOG_SEED_DAYS": 1, "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
                          "JOBS_EMBEDDED_WORKER": False, "DEMO_SUPPLIER_SLOW_SECONDS": SLOW_ISSUE_SECONDS})
        with app.app_context():
            from webview.demo import run_seed

            run_seed()
            base = f"{shape.base_url}/sandbox/partner/p"
            shape.wallets = {code: hmac_partner(base, code=code) for code in
                             ("storm-wallet", "burst-wallet", "limit-wallet", "kill-wallet")}
            for wallet in shape.wallets.values():
                db.session.refresh(wallet.partner)  # loaded, so usable detached in the tests' own contexts
            db.session.expunge_all()
        shape.app = app
        nodes = [shape.start_web("A", wait=False), shape.start_web("B", wait=False)]
        for node in nodes:
            shape.wait_ready(node)
        shape.start_worker("1")
        shape.start_worker("2")
        yield shape
    except BaseException:
        print(shape.outputs())
        raise
    finally:
        shape.stop()
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop_database(url)
        (artifacts_dir / "cluster-figures.json").write_text(json.dumps(FIGURES, indent=2) + "\n")


# -- helpers --------------------------------------------------------------------------------------------------

def wait_until(predicate: Callable[[], object], timeout: float, what: str, cluster: Cluster | None = None):
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {what}"
                                 + (f"\n{cluster.outputs()}" if cluster else ""))
        time.sleep(0.1)


def ipn_body(reference: str, amount: int, transaction_id: str) -> bytes:
    return json.dumps({"reference_transaction_id": reference, "transaction_amount": amount,
                       "transaction_id": transaction_id, "status": "SUCCESS",
                       "partner_banking_method": "WALLET"}).encode()


def send_ipn(node_url: str, wallet: SignedPartner, raw: bytes, timestamp_ms: int) -> requests.Response:
    headers = {**wallet.headers(raw, timestamp_ms), "Content-Type": "application/json"}
    return requests.post(f"{node_url}/api/v1/payment/ipn", data=raw, headers=headers, timeout=(2, 15))


def booking(reference: str) -> Booking:
    return db.session.scalars(select(Booking).where(Booking.reference == reference)).one()


def jobs_of(reference: str) -> list[Job]:
    return [job for job in db.session.scalars(select(Job)).all()
            if (job.payload or {}).get("reference") == reference or job.key.endswith(f":{reference}")]


def assert_done_once(reference: str) -> dict:
    """Paid once, issued once by the supplier, every job of the order done exactly once (no duplicates)."""
    db.session.rollback()
    order = booking(reference)
    assert (order.booking_status, order.payment_status, order.issue_status) == ("BOOKED", "SUCCESS", "SUCCESS")
    events = db.session.scalar(select(func.count()).select_from(PaymentEvent)
                               .where(PaymentEvent.booking_id == order.id))
    assert events == 1, f"{reference}: {events} payment transitions"
    assert supplier.issue_count(reference) == 1
    jobs = jobs_of(reference)
    kinds = Counter(job.kind for job in jobs)
    assert kinds["payments.issue"] == 1, kinds
    assert len({job.key for job in jobs}) == len(jobs)
    issued_mail = [job for job in jobs if job.key == f"email:issued:{reference}"]
    assert len(issued_mail) == 1
    return {"jobs": len(jobs), "issue_attempts": next(j.attempts for j in jobs if j.kind == "payments.issue")}


def all_jobs_finished(reference: str) -> bool:
    jobs = jobs_of(reference)
    return bool(jobs) and all(job.state == "done" for job in jobs)


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    text = requests.get(f"{url}/metrics", timeout=10).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def mails(node_url: str, to: str) -> Counter:
    return Counter(mail["kind"] for mail in SandboxApi(node_url).mail(to))


# -- journeys -------------------------------------------------------------------------------------------------

def test_a_journey_alternates_nodes(cluster):
    a, b = cluster.web("A"), cluster.web("B")
    before = scrape(a.url)
    email = f"journey-{uuid.uuid4().hex[:8]}@example.com"
    user = WebviewUser(a.url, SandboxApi(a.url), "demo-redirect", f"cluster-{uuid.uuid4().hex[:8]}")
    user.open_webview()  # launch on A (the sandbox partner calls A's partner API; url_open opens on A)
    user.base_url = b.url
    reference, amount = user.hold_vip(Traveller(contact_email=email))  # hold on B, same session cookie
    checkout = user.checkout(reference)  # B asks the partner (the sandbox on A) to open the payment
    user.api.approve(checkout.transaction_id, faults={})  # the partner's IPN goes to A (PUBLIC_BASE_URL)
    status = user.wait_issued(reference, timeout=60)  # result on B
    assert (status["booking_status"], status["payment_status"], status["issue_status"]) == \
        ("BOOKED", "SUCCESS", "SUCCESS")
    order = user.order_page(reference)  # the order screen on B
    assert order.testid("order-status").attrs["data-issue-status"] == "SUCCESS"
    with cluster.app.app_context():
        wait_until(lambda: all_jobs_finished(reference), 60, "the journey's jobs", cluster)
        figures = assert_done_once(reference)
    assert mails(b.url, email) == Counter({"held": 1, "issued": 1})
    after = scrape(a.url)
    key = ("webview_ipn_outcomes_total", (("code", "0"), ("operation", "payment-ipn")))
    assert after.get(key, 0) - before.get(key, 0) >= 1  # A's worker processes counted the IPN
    lines = [json.loads(line) for line in b.output().splitlines() if line.startswith("{")]
    requests_on_b = [line for line in lines if line.get("logger") == "webview.request"]
    assert any(line["path"] == f"/w/orders/{reference}/status.json" and line["status"] == 200
               and len(line["request_id"]) == 32 for line in requests_on_b)  # JSON request lines, with ids
    assert "token=" not in b.output() and "sig=" not in b.output()
    FIGURES["journey"] = {"reference": reference, "amount": amount, "nodes": "launch A, hold B, IPN A, result B",
                          **figures}


def test_fifty_duplicate_ipns_across_both_nodes_make_one_transition(cluster):
    a, b = cluster.web("A"), cluster.web("B")
    wallet = cluster.wallets["storm-wallet"]
    email = f"storm-{uuid.uuid4().hex[:8]}@example.com"
    with cluster.app.app_context():
        held = hold_vip(wallet.partner, email=email)
        reference, amount = held.reference, held.amount
    raw = ipn_body(reference, amount, "SBX-STORM")
    stamp = int(time.time() * 1000)
    results: list = [None] * 50
    barrier = threading.Barrier(50)

    def send(index: int) -> None:
        barrier.wait()
        answer = send_ipn((a, b)[index % 2].url, wallet, raw, stamp + index)  # each signed afresh: no replay
        results[index] = (answer.status_code, answer.json().get("code"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [(200, 0)] * 50
    with cluster.app.app_context():
        wait_until(lambda: all_jobs_finished(reference), 60, "the storm's jobs", cluster)
        figures = assert_done_once(reference)
    assert mails(a.url, email) == Counter({"held": 1, "issued": 1})
    FIGURES["storm"] = {"ipns": 50, "per_node": 25, "transitions": 1, "issuances": 1, "issued_emails": 1, **figures}


def test_the_partner_rate_limit_is_shared_by_the_nodes(cluster):
    a, b = cluster.web("A"), cluster.web("B")
    wallet = cluster.wallets["limit-wallet"]
    with cluster.app.app_context():
        reference = hold_vip(wallet.partner, email="limit@example.com").reference
    target = f"/api/v1/transaction?reference_transaction_id={reference}"
    stamp = int(time.time() * 1000)
    answers = Counter()
    for index in range(API_RATE_LIMIT + 30):
        node = (a, b)[index % 2]
        answer = requests.get(node.url + target, headers=wallet.headers(target.encode(), stamp + index), timeout=10)
        answers[(node.name, answer.status_code, answer.json().get("code"))] += 1
    accepted = sum(n for (_, status, _), n in answers.items() if status == 200)
    limited = sum(n for (_, status, code), n in answers.items() if status == 429 and code == 8)
    assert (accepted, limited) == (API_RATE_LIMIT, 30), answers  # per node it would be 2 x the limit
    assert answers[("web-A", 429, 8)] and answers[("web-B", 429, 8)]
    FIGURES["rate_limit"] = {"calls": API_RATE_LIMIT + 30, "accepted": accepted, "refused_429": limited,
                             "limit_per_minute": API_RATE_LIMIT}


def test_a_replayed_signature_is_refused_by_the_other_node(cluster):
    a, b = cluster.web("A"), cluster.web("B")
    wallet = cluster.wallets["kill-wallet"]
    with cluster.app.app_context():
        reference = hold_vip(wallet.partner, email="replay@example.com").reference
    target = f"/api/v1/transaction?reference_transaction_id={reference}"
    refused = 0
    for first, second in ((a, b), (b, a)):
        headers = wallet.headers(target.encode())
        assert requests.get(first.url + target, headers=headers, timeout=10).json()["code"] == 0
        replay = requests.get(second.url + target, headers=headers, timeout=10)
        assert (replay.status_code, replay.json()["code"]) == (401, 7)
        refused += 1
    raw = json.dumps({"identify_code": "replayer", "identify_phone": "0912345678"}).encode()
    headers = {**wallet.headers(raw), "Content-Type": "application/json"}
    assert requests.post(f"{b.url}/api/v1/webview-url", data=raw, headers=headers, timeout=10).json()["code"] == 0
    replay = requests.post(f"{a.url}/api/v1/webview-url", data=raw, headers=headers, timeout=10)
    assert (replay.status_code, replay.json()["code"]) == (401, 7)
    FIGURES["replay"] = {"replays": refused + 1, "refused": refused + 1}


# -- kills ----------------------------------------------------------------------------------------------------

def issue_job(reference: str) -> Job | None:
    return next((job for job in jobs_of(reference) if job.kind == "payments.issue"), None)


def test_a_worker_killed_during_issuance_issues_exactly_once(cluster):
    a = cluster.web("A")
    wallet = cluster.wallets["kill-wallet"]
    email = f"slow-issue@k{uuid.uuid4().hex[:8]}.example.com"  # the demo supplier takes SLOW_ISSUE_SECONDS
    with cluster.app.app_context():
        held = hold_vip(wallet.partner, email=email)
        reference, amount = held.reference, held.amount
    answer = send_ipn(a.url, wallet, ipn_body(reference, amount, "SBX-KILLW"), int(time.time() * 1000))
    assert answer.json()["code"] == 0
    with cluster.app.app_context():
        job = wait_until(lambda: (j := issue_job(reference)) is not None and j.state == "running" and j.locked_by
                         and j, 30, "a worker to claim the issuance", cluster)
        holder_pid = int(job.locked_by.split(":")[1])
        holder = next(proc for proc in cluster.workers() if proc.process.pid == holder_pid)
        wait_until(lambda: booking(reference).issue_status == "PROCESSING", 10, "the issuance to start", cluster)
        time.sleep(0.3)  # inside the slow supplier call (SLOW_ISSUE_SECONDS)
        holder.kill9()
        killed_at = time.monotonic()
        wait_until(lambda: booking(reference).issue_status == "SUCCESS", LEASE_SECONDS + SLOW_ISSUE_SECONDS + 30,
                   "the other worker to take the issuance over", cluster)
        took = time.monotonic() - killed_at
        wait_until(lambda: all_jobs_finished(reference), 30, "the order's jobs", cluster)
        figures = assert_done_once(reference)
        assert figures["issue_attempts"] == 2  # the killed try and the takeover
    assert mails(a.url, email) == Counter({"held": 1, "issued": 1})
    cluster.start_worker("replacement")
    FIGURES["worker_kill"] = {"killed": holder.name, "signal": "SIGKILL", "retried_jobs": 1,
                              "takeover_seconds": round(took, 1), "supplier_issues": 1, **figures}


def test_a_web_node_killed_during_an_ipn_burst_loses_and_doubles_nothing(cluster):
    a, b = cluster.web("A"), cluster.web("B")
    wallet = cluster.wallets["burst-wallet"]
    count = 40
    with cluster.app.app_context():
        orders = []
        for index in range(count):
            held = hold_vip(wallet.partner, email=f"burst-{index}@example.com", identify_code=f"burst-{index}")
            orders.append((held.reference, held.amount))
    sent, failed_tries, retried = Counter(), Counter(), set()
    accepted: dict[str, tuple[str, int]] = {}
    lock = threading.Lock()
    kill_after = threading.Event()

    def deliver(index: int) -> None:
        time.sleep(index * 0.04)  # the partner's burst: 40 IPNs over 1.6 s, so the kill lands in the middle
        reference, amount = orders[index]
        raw = ipn_body(reference, amount, f"SBX-BURST-{index}")
        nodes = (a, b) if index % 2 == 0 else (b, a)
        for attempt in range(8):  # the partner retries an IPN without an answer, on the other address
            node = nodes[attempt % 2]
            with lock:
                sent[node.name] += 1
                if sum(sent.values()) >= count // 3:
                    kill_after.set()
            try:
                answer = send_ipn(node.url, wallet, raw, int(time.time() * 1000) + index * 10 + attempt)
            except requests.RequestException:
                with lock:
                    failed_tries[node.name] += 1
                    retried.add(reference)
                time.sleep(0.2)
                continue
            if answer.status_code == 200 and answer.json().get("code") == 0:
                with lock:
                    accepted[reference] = (node.name, attempt)
                return
            with lock:
                failed_tries[f"{node.name} HTTP {answer.status_code}"] += 1
                retried.add(reference)
            time.sleep(0.2)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        assert kill_after.wait(timeout=30)
        b.kill9()  # master and workers at once, with requests in flight
        for thread in threads:
            thread.join(timeout=120)
    finally:
        cluster.restart_web("B")
    assert len(accepted) == count, f"IPNs never accepted: {count - len(accepted)}"
    assert sum(failed_tries.values()) >= 1  # the kill did cut IPNs off: those were retried on A
    with cluster.app.app_context():
        for reference, _ in orders:
            wait_until(lambda reference=reference: all_jobs_finished(reference), 90,
                       f"{reference}'s jobs", cluster)
        attempts = [assert_done_once(reference)["issue_attempts"] for reference, _ in orders]
        assert db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.reference.in_([reference for reference, _ in orders]))) == count  # no order lost
    FIGURES["web_kill"] = {"orders": count, "ipn_requests": sum(sent.values()), "per_node": dict(sent),
                           "failed_tries": dict(failed_tries), "orders_retried": len(retried),
                           "accepted": len(accepted), "transitions": count, "issuances": count,
                           "issue_attempts": dict(Counter(attempts))}


def test_a_node_restarted_mid_journey_the_session_continues_on_the_other_node(cluster):
    a, b = cluster.web("A"), cluster.web("B")
    email = f"restart-{uuid.uuid4().hex[:8]}@example.com"
    user = WebviewUser(a.url, SandboxApi(a.url), "demo-redirect", f"restart-{uuid.uuid4().hex[:8]}")
    user.open_webview()
    user.base_url = b.url
    reference, _ = user.hold_vip(Traveller(contact_email=email))  # on B
    b.kill9()  # B dies mid-journey
    try:
        with pytest.raises(requests.ConnectionError):
            user.order_page(reference)
        user.base_url = a.url  # the load balancer sends the user to A: same cookie, same session
        assert user.order_page(reference).testid("order-status").attrs["data-booking-status"] == "BOOKED"
        checkout = user.checkout(reference)
    finally:
        restarted: Proc = cluster.restart_web("B")
    user.api.approve(checkout.transaction_id, faults={})
    user.base_url = restarted.url  # and back on the restarted B
    status = user.wait_issued(reference, timeout=60)
    assert status["issue_status"] == "SUCCESS"
    with cluster.app.app_context():
        wait_until(lambda: all_jobs_finished(reference), 60, "the journey's jobs", cluster)
        figures = assert_done_once(reference)
    assert mails(a.url, email) == Counter({"held": 1, "issued": 1})
    FIGURES["restart"] = {"killed": "web-B", "continued_on": "web-A, then the restarted web-B",
                          "web_restarts": cluster.restarts, **figures}
