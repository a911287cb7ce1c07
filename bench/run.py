"""`make bench`: the webview's screens and APIs against a bare Flask endpoint, side by side in one run.

Creates its own PostgreSQL database (webview_bench, dropped and created fresh), migrates and seeds it, starts the
bare app (bench/bare.py) and the webview (wsgi:app) under gunicorn with the same flags (gthread, 2 workers x 4
threads, loopback, free ports), launches a customer through the sandbox test API, holds one order and pays
another, then measures every screen with wrk (16 connections, 8 s each) and the signed launch API with a bounded
Python thread-pool loop (a wrk script cannot sign). Prints a Markdown table, writes bench/results.json, and stops
every process it started and drops its database, also on Ctrl-C or failure.

The IPN is measured as an idempotent repeat (one paid order, over and over) and as a first apply (BENCH_IPN_ORDERS
held orders, 1,200 by default, each paid once: that loop ends when they are all paid or after the duration).

Per screen it also reports the gzip bytes of its HTML and of the CSS and JavaScript it links, and the SQL statements
one request sends once the process is warm (counted in this process by an app on the same database and cookie).

Environment: BENCH_DURATION (seconds per URL, default 8), BENCH_CONNECTIONS (default 16), BENCH_IPN_ORDERS,
BENCH_COMMIT_ORDERS (envelope orders committed once each, default 300), BENCH_LIGHTHOUSE=0 and BENCH_CERTIFY=0 to
skip those parts, BENCH_PG (the psql connection options, default `-h 127.0.0.1 -U postgres`).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.cases.client import SandboxApi  # noqa: E402
from sandbox.cases.webview_user import JourneyError, Traveller, WebviewUser  # noqa: E402
from sandbox.protocol import envelope, hmac_auth  # noqa: E402

BIN = ROOT / ".venv" / "bin"
DB_NAME = "webview_bench"
PG = shlex.split(os.environ.get("BENCH_PG", "-h 127.0.0.1 -U postgres"))
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WRK_THREADS = 2
GUNICORN_FLAGS = ["-c", "/dev/null", "--worker-class", "gthread", "--workers", "2", "--threads", "4",
                  "--log-level", "warning", "--timeout", "60"]
LIGHTHOUSE_TRIES = 3
PARTNER = "demo-redirect"  # an hmac demo partner with every product
UNLIMITED = "1000000/minute"  # the bench measures speed, not the rate limits
PYTHON_LOOP_MAX = 200_000  # a bound on the signed loop's requests, whatever the duration
IPN_ORDERS = int(os.environ.get("BENCH_IPN_ORDERS", "1200"))  # orders paid by the first-apply IPN loop (its bound)
COMMIT_ORDERS = int(os.environ.get("BENCH_COMMIT_ORDERS", "300"))  # envelope orders committed once each
ENVELOPE_PARTNER = "demo-envelope"  # the modern-suite envelope demo partner
RESULTS = ROOT / "bench" / "results.json"
LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_PAGES = ("home", "flight results", "held order", "result page")
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices")
CHROMIUM = "/usr/bin/chromium"

# wrk prints one JSON line when it is done (latency in microseconds).
WRK_LUA = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '\\nBENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


class BenchError(RuntimeError):
    """A step of the benchmark failed (setup, a server that did not start, a screen that did not answer)."""


class Processes:
    """The processes this run started (each in its own process group), stopped in reverse order."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with log.open("wb") as out:
            process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.started.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def psql(sql: str) -> None:
    subprocess.run(["psql", *PG, "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)


def drop_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def flask(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    if result.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{url}: the server exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise BenchError(f"{url} did not answer within {timeout:.0f} s")


# --- the load -------------------------------------------------------------------------------------------------

def wrk(url: str, lua: Path, cookie: str | None = None) -> dict:
    """wrk against one URL: req/s, p50/p99 in ms, non-2xx/3xx answers and socket errors."""
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s", "-s", str(lua)]
    if cookie:
        args += ["-H", f"Cookie: session={cookie}"]
    result = subprocess.run([*args, url], capture_output=True, text=True, timeout=DURATION + 60)
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if result.returncode != 0 or line is None:
        raise BenchError(f"wrk {url} failed: {result.stdout[-1000:]} {result.stderr[-1000:]}")
    data = json.loads(line[len("BENCH "):])
    return {"rps": data["requests"] / (data["duration_us"] / 1e6), "p50_ms": data["p50_us"] / 1000,
            "p99_ms": data["p99_us"] / 1000, "requests": data["requests"], "errors": data["non2xx"],
            "socket_errors": data["socket_errors"], "driver": "wrk"}


def python_loop(call, ok=lambda response: response.status_code == 200, limit: int = PYTHON_LOOP_MAX) -> dict:
    """A bounded thread-pool loop (CONNECTIONS threads, DURATION seconds, `limit` requests at most)."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    samples: dict[str, int] = {}  # the failed answers, counted
    counter = [0]
    deadline = time.monotonic() + DURATION

    def worker() -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            with lock:
                if counter[0] >= min(limit, PYTHON_LOOP_MAX):
                    return
                counter[0] += 1
                number = counter[0]
            started = time.perf_counter()
            try:
                response = call(session, number)
                good, seen = ok(response), f"HTTP {response.status_code} {response.text[:160]}"
            except (requests.RequestException, ValueError) as error:
                good, seen = False, repr(error)[:160]
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not good:
                    errors[0] += 1
                    samples.setdefault(seen, 0)
                    samples[seen] += 1

    began = time.monotonic()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for future in [pool.submit(worker) for _ in range(CONNECTIONS)]:
            future.result()
    elapsed = time.monotonic() - began
    latencies.sort()
    cut = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {"rps": len(latencies) / elapsed, "p50_ms": cut[49] * 1000, "p99_ms": cut[98] * 1000,
            "requests": len(latencies), "errors": errors[0], "socket_errors": 0, "driver": "python",
            **({"failed_answers": dict(sorted(samples.items(), key=lambda item: -item[1])[:5])} if samples else {})}


# --- the screens ----------------------------------------------------------------------------------------------

def launch_customer(web: str, identify_code: str, partner: str = PARTNER) -> WebviewUser:
    """A customer launched through the sandbox test API (the partner's real API call), webview opened."""
    api = SandboxApi(web)
    user = WebviewUser(web, api, partner, identify_code)
    urls = api.launch(partner, identify_code, identify_fullname="NGUYEN VAN AN", email="an.nguyen@example.com",
                      locale="en")
    user.get(urls["url_open"], "open url_open")
    if not user.browser.cookies.get("session"):
        raise BenchError("url_open set no session cookie")
    return user


def prepare_screens(web: str) -> tuple[dict[str, str], str]:
    """Drive the screens over HTTP: {screen name: URL} and the session cookie that can read them all."""
    user = launch_customer(web, "bench-user")
    urls: dict[str, str] = {"home": f"{web}/w/"}

    home = user.get("/w/", "home", product="flight")
    search = home.form(testid="search-form")
    depart = (date.today() + timedelta(days=7)).isoformat()
    query = {name: value for name, value in search.values(origin="HAN", destination="SGN",
                                                          depart_date=depart).items() if name != "csrf_token"}
    results = user.get("/w/flights", "flight results", **query)
    if not results.has("result-item"):
        raise BenchError(f"no flight offers for {query}")
    urls["flight results"] = results.url
    fares = user.get(results.link("select-offer"), "fares")
    urls["fares"] = fares.url
    travellers = user.get(fares.link("select-offer"), "travellers form")
    if not travellers.has("traveller-form"):
        raise BenchError("no traveller form after the fares")
    urls["travellers form"] = travellers.url

    hotel_home = user.get("/w/", "home (hotels)", product="hotel")
    stay = hotel_home.form(testid="search-form").values(
        check_in=(date.today() + timedelta(days=7)).isoformat(),
        check_out=(date.today() + timedelta(days=9)).isoformat())
    stay.pop("csrf_token", None)
    hotels = None
    for city in [stay.get("city"), *hotel_city_choices(hotel_home.html)]:
        if not city:
            continue
        hotels = user.get("/w/hotels", "hotel results", **{**stay, "city": city})
        if hotels.has("result-item"):
            break
    if hotels is None or not hotels.has("result-item"):
        raise BenchError("no hotel offers for any city")
    urls["hotel results"] = hotels.url
    urls["rooms"] = user.get(hotels.link("select-offer"), "rooms").url

    held, _ = user.hold_vip(Traveller())
    urls["held order"] = f"{web}/w/orders/{held}"
    paid, _ = user.hold_vip(Traveller())
    checkout, _ = user.pay(paid)
    try:  # the IPN repeat needs a paid order
        user.wait_for(paid, lambda status: status["payment_status"] == "SUCCESS", "payment", timeout=20)
    except JourneyError as error:
        raise BenchError(f"the sandbox payment of {paid} did not succeed: {error}") from error
    urls["result page"] = f"{web}/w/result?reference={paid}"
    urls["my orders"] = f"{web}/w/orders"
    urls["status.json"] = f"{web}/w/orders/{held}/status.json"
    check_pages(urls, user.browser.cookies["session"], "before")
    return urls, user.browser.cookies["session"], checkout


def check_pages(urls: dict[str, str], cookie: str, when: str) -> None:
    """Each URL answers 200 itself (no redirect to a sign-in or error page): the load measured real pages."""
    for name, url in urls.items():
        response = requests.get(url, cookies={"session": cookie}, timeout=30, allow_redirects=False)
        if response.status_code != 200:
            raise BenchError(f"{name} {url}: HTTP {response.status_code} {when} the load")


def held_orders(web: str, count: int, partner: str = PARTNER) -> list[tuple[str, int]]:
    """`count` held VIP orders (reference, amount) of `partner` for a first apply, made by 4 customers over HTTP.

    The customers launch one after the other: a sandbox launch holds a server thread while it calls the partner
    API on the same server, so launches in parallel could take all 8 threads and wait for each other."""
    customers = 4
    users = [launch_customer(web, f"bench-{partner}-{number}", partner) for number in range(customers)]
    deadline = time.monotonic() + 120

    def hold_some(user: WebviewUser) -> list[tuple[str, int]]:
        made = []
        for _ in range(count // customers):
            if time.monotonic() > deadline:
                break
            made.append(user.hold_vip(Traveller()))
        return made

    with ThreadPoolExecutor(customers) as pool:
        return [order for made in pool.map(hold_some, users) for order in made]


def hotel_city_choices(html: str) -> list[str]:
    """The <option> values of the hotel search's city select (the form reader keeps the selected one only)."""
    start = html.find('name="city"')
    end = html.find("</select>", start)
    chunk = html[start:end] if start >= 0 else ""
    return [piece.split('"', 1)[0] for piece in chunk.split('<option value="')[1:]]


def gzip_bytes(url: str, cookie: str) -> int:
    response = requests.get(url, cookies={"session": cookie}, timeout=30)
    return len(gzip.compress(response.content, compresslevel=6))


class Clock:
    """Signature timestamps in milliseconds, current and never the same twice: two threads signing the same body in
    the same millisecond would make one signature, and the replay store refuses the second (a real repeat of an IPN
    comes later than that)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0

    def __call__(self) -> int:
        with self.lock:
            self.last = max(int(time.time() * 1000), self.last + 1)
            return self.last


def signed(credentials: dict, body: bytes, clock: Clock) -> dict[str, str]:
    return {"Content-Type": "application/json",
            **hmac_auth.signed_headers(credentials["client_id"], credentials["client_secret"], body, clock())}


def signed_launch(web: str, credentials: dict):
    clock = Clock()

    def call(session: requests.Session, number: int) -> requests.Response:
        body = json.dumps({"identify_code": f"bench-launch-{number % 200}", "identify_phone": "0912345678",
                           "product": "flight", "locale": "en"}, separators=(",", ":")).encode()
        return session.post(f"{web}/api/v1/webview-url", data=body, headers=signed(credentials, body, clock),
                            timeout=30)

    return call, api_ok


def api_ok(response: requests.Response) -> bool:
    return response.status_code == 200 and response.json().get("code") == 0


def signed_ipn(web: str, credentials: dict, orders: list[tuple[str, int, str]]):
    """IPN SUCCESS calls, freshly signed: order `number` of `orders` (reference, amount, partner transaction id);
    one order repeated over and over is the idempotent repeat."""
    clock = Clock()

    def call(session: requests.Session, number: int) -> requests.Response:
        reference, amount, transaction_id = orders[(number - 1) % len(orders)]
        body = json.dumps({"reference_transaction_id": reference, "transaction_amount": amount,
                           "transaction_id": transaction_id, "status": "SUCCESS"}, separators=(",", ":")).encode()
        return session.post(f"{web}/api/v1/payment/ipn", data=body, headers=signed(credentials, body, clock),
                            timeout=30)

    return call


def envelope_keys(credentials: dict):
    """(the partner's private key, the merchant's public key) of an envelope demo partner."""
    return (envelope.load_private_key(credentials["partner_private_key_pem"]),
            envelope.load_public_key(credentials["merchant_public_key_pem"]))


def envelope_ok(credentials: dict, spec: envelope.MessageSpec):
    """An answer is good when it opens with the merchant's signature and says error_code 00."""
    own, merchant = envelope_keys(credentials)

    def ok(response: requests.Response) -> bool:
        if response.status_code != 200:
            return False
        body = response.json()
        fields = envelope.open_sealed(spec, credentials["suite"], body["key"], body["data"], receiver_private=own,
                                      sender_public=merchant)
        return fields.get("error_code") == "00"

    return ok


def envelope_call(web: str, credentials: dict, path: str, spec: envelope.MessageSpec, values_of):
    """POST a freshly sealed message (values_of(number) -> fields) with the partner's headers."""
    own, merchant = envelope_keys(credentials)
    headers = {"apikey": credentials["api_key"], "x-ibe-req-name": credentials["access_code"]}

    def call(session: requests.Session, number: int) -> requests.Response:
        sealed = envelope.seal(spec, credentials["suite"], {"access_code": credentials["access_code"],
                                                            **values_of(number)},
                               sender_private=own, receiver_public=merchant)
        return session.post(f"{web}{path}", json=sealed.as_body(), headers=headers, timeout=30)

    return call


def envelope_login(web: str, credentials: dict):
    return envelope_call(web, credentials, "/api/v1/partner/login", envelope.LOGIN_REQUEST,
                         lambda number: {"user_id": f"bench-login-{number % 200}", "layout": "dual",
                                         "product": "flight"})


def envelope_commit(web: str, credentials: dict, references: list[str]):
    """COMMIT_REQUEST for order `number` of `references` (one reference repeated: the idempotent repeat)."""
    return envelope_call(web, credentials, "/api/v1/partner/commit", envelope.COMMIT_REQUEST,
                         lambda number: {"booking_number": references[(number - 1) % len(references)],
                                         "partner_trans_id": f"bench-commit-{(number - 1) % len(references)}",
                                         "product_type": "VIP"})


# --- what one screen costs besides time -----------------------------------------------------------------------

STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"#]+\.(?:css|js)(?:\?[^"#]*)?)"')


def linked_asset_gzip_bytes(web: str, url: str, cookie: str) -> int:
    """The CSS and JavaScript a screen links, gzipped at level 6 (what its first visit downloads besides HTML)."""
    html = requests.get(url, cookies={"session": cookie}, timeout=30).text
    total = 0
    for link in sorted(set(STATIC_LINK.findall(html))):
        total += len(gzip.compress(requests.get(f"{web}{link}", timeout=30).content, compresslevel=6))
    return total


def statements_per_request(env: dict[str, str], web: str, urls: dict[str, str], cookie: str) -> dict[str, int]:
    """SQL statements of one warm request per screen: an app in this process, on the bench database and the
    customer's cookie, counting what its engine sends (the second request of each: the first fills what a
    process keeps)."""
    from sqlalchemy import event

    from webview import create_app
    from webview.extensions import db

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "INSTANCE_PATH": env["INSTANCE_PATH"],
                      "APP_ENV": "development", "SANDBOX_ENABLED": True, "PUBLIC_BASE_URL": web,
                      "JOBS_EMBEDDED_WORKER": False})
    logging.getLogger("webview.request").setLevel(logging.WARNING)  # its request lines are not the bench's output
    counts: dict[str, int] = {}
    with app.app_context():
        seen: list[str] = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        client = app.test_client()
        client.set_cookie("session", cookie)
        for name, url in urls.items():
            path = url.replace(web, "")
            client.get(path)
            seen.clear()
            status = client.get(path).status_code
            if status != 200:
                raise BenchError(f"{name}: HTTP {status} in the statement count")
            counts[name] = len(seen)
        db.engine.dispose()
    return counts


def lighthouse(url: str, cookie: str, workdir: Path) -> dict:
    """Lighthouse's mobile scores (0-100) for one screen, seen with the customer's session cookie, and its weighted
    audits that scored below 0.9 (`findings`, with what Lighthouse measured)."""
    out = workdir / "lighthouse.json"
    for attempt in range(1, LIGHTHOUSE_TRIES + 1):
        out.unlink(missing_ok=True)
        result = subprocess.run(
            [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
             f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}", "--form-factor=mobile",
             f"--extra-headers={json.dumps({'Cookie': f'session={cookie}'})}",
             "--chrome-flags=--headless --no-sandbox --disable-gpu"],
            capture_output=True, text=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM})
        if result.returncode == 0 and out.exists():
            break
        # Chromium's trace recording sometimes misses the navigation start (NO_NAVSTART): Lighthouse asks for a
        # new run; only a screen failing every try stops the bench.
        print(f"  lighthouse {url}: try {attempt} of {LIGHTHOUSE_TRIES} failed: {result.stderr.strip()[-200:]}",
              flush=True)
    else:
        raise BenchError(f"lighthouse {url} failed {LIGHTHOUSE_TRIES} times: {result.stderr[-1500:]}")
    found = json.loads(out.read_text())
    categories, audits = found["categories"], found["audits"]
    scores = {name: round((categories[name]["score"] or 0) * 100) for name in LIGHTHOUSE_CATEGORIES}
    weak = sorted({ref["id"] for name in LIGHTHOUSE_CATEGORIES for ref in categories[name]["auditRefs"]
                   if ref.get("weight") and (audits[ref["id"]].get("score") is not None)
                   and audits[ref["id"]]["score"] < 0.9})
    return {**scores, "findings": {audit: audits[audit].get("displayValue", "") for audit in weak}}


def due_jobs() -> int:
    """Jobs of the bench database that are due and not done (queued or running)."""
    result = subprocess.run(["psql", *PG, "-tA", "-d", DB_NAME, "-c",
                             "SELECT count(*) FROM job WHERE state IN ('queued', 'running') "
                             "AND run_at <= (now() AT TIME ZONE 'UTC')"],
                            capture_output=True, text=True, timeout=60, check=True)
    return int(result.stdout.strip() or 0)


def drain_jobs(timeout: float = 900.0) -> float:
    """Wait until the jobs worker has run every due job (the certification cases wait for their own issuance)."""
    started = time.monotonic()
    while due_jobs():
        if time.monotonic() - started > timeout:
            raise BenchError(f"the jobs worker did not drain the queue within {timeout:.0f} s")
        time.sleep(1)
    return time.monotonic() - started


def certify(env: dict[str, str], web: str, partner_code: str) -> dict:
    """`flask sandbox run-cases` for one demo partner against the running server: seconds and case counts."""
    started = time.monotonic()
    result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "sandbox", "run-cases", "--partner", partner_code,
                             "--base-url", web], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - started
    summary = next((line for line in reversed(result.stdout.splitlines()) if line.startswith("passed ")), "")
    numbers = dict(zip(("passed", "failed", "not run"), map(int, re.findall(r"\d+", summary)), strict=False))
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    if not summary:
        failed.append(f"exit {result.returncode}: {(result.stderr or result.stdout)[-500:]}")
    return {"partner": partner_code, "seconds": seconds, **numbers, "exit": result.returncode,
            **({"failed_cases": failed[:12]} if failed else {})}


# --- the run --------------------------------------------------------------------------------------------------

def measure(workdir: Path, processes: Processes) -> dict:
    bare_port, web_port = free_port(), free_port()
    web = f"http://127.0.0.1:{web_port}"
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "APP_ENV": "development", "PUBLIC_BASE_URL": web,
           "SANDBOX_ENABLED": "1", "INSTANCE_PATH": str(workdir / "instance"), "PATH": f"{BIN}:{os.environ['PATH']}",
           "API_RATE_LIMIT": UNLIMITED, "API_ADDRESS_RATE_LIMIT": UNLIMITED, "ORDER_STATUS_RATE_LIMIT": UNLIMITED}
    for name in ("GUNICORN_CMD_ARGS", "RATELIMIT_STORAGE_URI", "FLASK_APP"):
        env.pop(name, None)

    print(f"bench: database {DB_NAME} (fresh), migrate, demo seed", flush=True)
    drop_database()
    psql(f"CREATE DATABASE {DB_NAME}")
    flask(env, "db", "upgrade")
    flask(env, "demo", "seed")
    demo_partners = json.loads((workdir / "instance" / "demo-partners.json").read_text())
    credentials = next(entry for entry in demo_partners if entry["partner_code"] == PARTNER)
    sealed_credentials = next(entry for entry in demo_partners if entry["partner_code"] == ENVELOPE_PARTNER)

    print(f"bench: gunicorn bare :{bare_port}, webview :{web_port} ({' '.join(GUNICORN_FLAGS[2:])})", flush=True)
    gunicorn = str(BIN / "gunicorn")
    bare_log, web_log = workdir / "bare.log", workdir / "web.log"
    bare_process = processes.start([gunicorn, *GUNICORN_FLAGS, "--bind", f"127.0.0.1:{bare_port}",
                                    "--pythonpath", str(ROOT / "bench"), "bare:app"], env, bare_log)
    web_process = processes.start([gunicorn, *GUNICORN_FLAGS, "--bind", f"127.0.0.1:{web_port}", "wsgi:app"],
                                  env, web_log)
    bare = f"http://127.0.0.1:{bare_port}/"
    wait_ready(bare, bare_process, bare_log)
    wait_ready(f"{web}/healthz", web_process, web_log)

    print("bench: launch, search, hold one order, pay another", flush=True)
    urls, cookie, checkout = prepare_screens(web)

    lua = workdir / "report.lua"
    lua.write_text(WRK_LUA)
    rows: list[dict] = []

    print("bench: SQL statements per warm request, CSS and JavaScript bytes per screen", flush=True)
    statements = statements_per_request(env, web, urls, cookie)

    def record(name: str, result: dict, url: str, page_cookie: str | None = None, html: bool = False) -> None:
        row = {"name": name, "url": url.replace(web, "").replace(bare, "/"), **result}
        if html:
            row["html_gzip_bytes"] = gzip_bytes(url, page_cookie or "")
            row["asset_gzip_bytes"] = linked_asset_gzip_bytes(web, url, page_cookie or "")
        if name in statements:
            row["sql_statements"] = statements[name]
        rows.append(row)
        print(f"  {name:<24} {result['rps']:>9.1f} req/s  p50 {result['p50_ms']:>8.1f} ms  "
              f"p99 {result['p99_ms']:>8.1f} ms  errors {result['errors'] + result['socket_errors']}", flush=True)

    print(f"bench: wrk -t{WRK_THREADS} -c{CONNECTIONS} -d{DURATION}s per URL", flush=True)
    record("bare Flask", wrk(bare, lua), bare)
    record("/healthz", wrk(f"{web}/healthz", lua), f"{web}/healthz")
    for name, url in urls.items():
        record(name, wrk(url, lua, cookie), url, cookie, html=name != "status.json")

    print(f"bench: Python loop, {CONNECTIONS} threads, {DURATION} s (signed calls)", flush=True)
    record("bare Flask (Python loop)", python_loop(lambda session, _: session.get(bare, timeout=30)), bare)
    call, ok = signed_launch(web, credentials)
    record("launch API (signed)", python_loop(call, ok), f"{web}/api/v1/webview-url")
    repeat = [(checkout.reference, checkout.amount, checkout.transaction_id)]
    record("IPN repeat (signed)", python_loop(signed_ipn(web, credentials, repeat), api_ok),
           f"{web}/api/v1/payment/ipn")
    print(f"bench: {IPN_ORDERS} held orders for the IPN's first apply", flush=True)
    orders = [(reference, amount, f"bench-ipn-{index}")
              for index, (reference, amount) in enumerate(held_orders(web, IPN_ORDERS))]
    record("IPN first apply (signed)",
           python_loop(signed_ipn(web, credentials, orders), api_ok, limit=len(orders)), f"{web}/api/v1/payment/ipn")

    print(f"bench: envelope ({ENVELOPE_PARTNER}, {sealed_credentials['suite']} suite): login, "
          f"{COMMIT_ORDERS} held orders committed once, one commit repeated", flush=True)
    record("envelope login (sealed)", python_loop(envelope_login(web, sealed_credentials),
                                                  envelope_ok(sealed_credentials, envelope.LOGIN_RESPONSE)),
           f"{web}/api/v1/partner/login")
    commit_orders = [reference for reference, _ in held_orders(web, COMMIT_ORDERS, ENVELOPE_PARTNER)]
    if len(commit_orders) < 2:
        raise BenchError("no envelope orders to commit")
    commit_ok = envelope_ok(sealed_credentials, envelope.TRANS_RESPONSE)
    record("envelope commit first apply", python_loop(envelope_commit(web, sealed_credentials, commit_orders[1:]),
                                                      commit_ok, limit=len(commit_orders) - 1),
           f"{web}/api/v1/partner/commit")
    record("envelope commit repeat", python_loop(envelope_commit(web, sealed_credentials, commit_orders[1:2]),
                                                 commit_ok), f"{web}/api/v1/partner/commit")
    check_pages(urls, cookie, "after")

    scores: dict[str, dict[str, int]] = {}
    if os.environ.get("BENCH_LIGHTHOUSE", "1") != "0":
        print(f"bench: Lighthouse (mobile) on {', '.join(LIGHTHOUSE_PAGES)}", flush=True)
        for name in LIGHTHOUSE_PAGES:
            scores[name] = lighthouse(urls[name], cookie, workdir)
            print(f"  {name:<24} " + "  ".join(f"{key} {scores[name][key]}" for key in LIGHTHOUSE_CATEGORIES)
                  + (f"  below 0.9: {scores[name]['findings']}" if scores[name]["findings"] else ""), flush=True)
    for row in rows:
        if row["name"] in scores:
            row["lighthouse"] = scores[row["name"]]

    certification: list[dict] = []
    drained: float | None = None
    if os.environ.get("BENCH_CERTIFY", "1") != "0":
        print("bench: the certification runner per demo partner (a jobs worker running, as in production)", flush=True)
        processes.start([str(BIN / "flask"), "--app", "wsgi", "jobs", "worker", "--poll", "0.5"], env,
                        workdir / "worker.log")
        drained = drain_jobs()
        print(f"  the jobs the load queued (issuance, emails) drained in {drained:.1f} s", flush=True)
        for entry in demo_partners:
            certification.append(certify(env, web, entry["partner_code"]))
            done = certification[-1]
            print(f"  {done['partner']:<16} {done['seconds']:>6.1f} s  passed {done.get('passed')} "
                  f"failed {done.get('failed')} not run {done.get('not run')}", flush=True)
            for line in done.get("failed_cases", []):
                print(f"    {line[:300]}", flush=True)

    wrk_bare, loop_bare = rows[0]["rps"], next(row for row in rows if row["name"] == "bare Flask (Python loop)")
    for row in rows:
        base = loop_bare["rps"] if row["driver"] == "python" else wrk_bare
        row["ratio"] = row["rps"] / base if base else 0.0
    return {"date": date.today().isoformat(), "cores": os.cpu_count(), "connections": CONNECTIONS,
            "duration_s": DURATION, "gunicorn": " ".join(GUNICORN_FLAGS[2:]), "database": "PostgreSQL",
            "load_average": os.getloadavg(), "results": rows, "certification": certification,
            "jobs_drain_s": drained}


def table(report: dict) -> str:
    lines = ["| URL | req/s | p50 ms | p99 ms | × bare | HTML gzip B | CSS+JS gzip B | SQL/req | Lighthouse P/A/BP "
             "| errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in report["results"]:
        scores = row.get("lighthouse")
        cells = [row.get("html_gzip_bytes"), row.get("asset_gzip_bytes"), row.get("sql_statements"),
                 "/".join(str(scores[name]) for name in LIGHTHOUSE_CATEGORIES) if scores else None]
        shown = " | ".join("" if cell is None else str(cell) for cell in cells)
        lines.append(f"| {row['name']} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
                     f"{row['ratio']:.2f} | {shown} | {row['errors'] + row['socket_errors']} |")
    if report.get("certification"):
        lines += ["", "| certification runner | seconds | passed | failed | not run |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {run['partner']} | {run['seconds']:.1f} | {run.get('passed', '')} | {run.get('failed', '')} | "
                  f"{run.get('not run', '')} |" for run in report["certification"]]
    return "\n".join(lines)


def main() -> int:
    processes = Processes()

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    created = False
    try:
        with tempfile.TemporaryDirectory(prefix="webview-bench-") as tmp:
            try:
                created = True
                load_before = os.getloadavg()
                report = measure(Path(tmp), processes)
                report["load_before"] = load_before
            except (BenchError, JourneyError, requests.RequestException) as error:
                print(f"bench: {error}", file=sys.stderr)
                log = Path(tmp) / "web.log"
                if log.exists():
                    print(f"bench: the webview's log ends with:\n{log.read_text()[-3000:]}", file=sys.stderr)
                return 1
            finally:
                processes.stop_all()
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if created:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                drop_database()
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{report['date']}, {report['cores']} cores, gunicorn {report['gunicorn']}, {report['database']}, "
          f"{report['connections']} connections, {report['duration_s']} s per URL, load average before/after "
          f"{report['load_before'][0]:.1f}/{report['load_average'][0]:.1f} "
          f"(× bare: against the bare endpoint measured the same way in this run)\n")
    print(table(report))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
