"""The published partner kit, played as a brand-new partner would: the three samples (Python, Java 17, Node.js 20)
check docs/partners/vectors.json, then each runs a live journey against a live server as a freshly onboarded
partner whose create / query / refund URLs point at the sample's own partner server on loopback:
launch (the sample signs) → book a VIP plan through the screens → handoff (the merchant calls the sample's create
endpoint) → the sample sends a signed SUCCESS IPN → issued → the sample's result link → transaction check (the
sample signs) → operator refund (the merchant calls the sample's refund endpoint). Envelope (all three, both
suites): login → book → the sealed place-order redirect opened by the sample → commit → issued → return_url →
query-trans → manual refund. A missing `java`, `javac` or `node` fails these tests; it never skips them."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from sandbox.cases.webview_user import WebviewUser
from tests.live import LiveServer, clear_rows, start_live_server
from webview import create_app
from webview.booking.models import Booking
from webview.demo import run_seed
from webview.extensions import db

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "partners" / "vectors.json"
LIVE_CONFIG = {"JOBS_EMBEDDED_WORKER": True, "JOBS_POLL_SECONDS": 0.2, "RESULT_SYNC_AFTER_SECONDS": 1}
LANGUAGES = ("python", "java", "node")
SERIAL = count(1)


def tool(name: str) -> str:
    """The path of a required tool; the test fails (never skips) when the machine lacks it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed: the partner kit's samples need it (CI has it)")
    return path


@pytest.fixture(scope="session")
def java_classes(tmp_path_factory) -> Path:
    """examples/java/Partner.java compiled once per session."""
    out = tmp_path_factory.mktemp("java-sample")
    result = subprocess.run([tool("javac"), "-d", str(out), str(ROOT / "examples" / "java" / "Partner.java")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def sample(java_classes):
    """The command line that runs one language's sample."""
    commands = {
        "python": [sys.executable, str(ROOT / "examples" / "partner.py")],
        "java": [tool("java"), "-cp", str(java_classes), "Partner"],
        "node": [tool("node"), str(ROOT / "examples" / "node" / "partner.mjs")],
    }
    return commands.__getitem__


def run(command: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60, check=False)


# -- the vectors ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_sample_checks_every_vector(sample, language):
    result = run(sample(language), "check-vectors", str(VECTORS))
    assert result.returncode == 0, result.stdout + result.stderr
    passed, total = result.stdout.strip().split()[0].split("/")
    assert passed == total and int(total) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_sample_vector_check_fails_on_a_changed_vector(sample, language, tmp_path):
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    document["hmac"]["requests"][0]["signature"] = "0" * 64
    legacy = next(item for item in document["envelope"]["messages"] if item["suite"] == "legacy")
    legacy["data"] = legacy["data"][:-4] + ("AAAA" if not legacy["data"].endswith("AAAA") else "BBBB")
    changed = tmp_path / "vectors.json"
    changed.write_text(json.dumps(document), encoding="utf-8")
    result = run(sample(language), "check-vectors", str(changed))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "MISMATCH hmac design-test-vector: signature" in result.stderr
    assert f"MISMATCH envelope {legacy['name']} (legacy)" in result.stderr


# -- the live journeys -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(base_config, _schema) -> Iterator[LiveServer]:
    """One live server for the module: demo catalog seeded, the embedded jobs worker running."""
    live = start_live_server(lambda **config: create_app({**base_config, **LIVE_CONFIG, **config}))
    with live.app.app_context():
        run_seed()
    worker = live.app.extensions["webview.start_embedded_worker"](live.app)
    yield live
    worker.worker.stop.set()
    worker.join(timeout=10)
    live.stop()
    clear_rows(live.app)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(server: LiveServer, *args: str) -> str:
    """Run a `flask` command against the live server's app, as an operator would; its output."""
    with server.app.app_context():
        result = server.app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@dataclass
class PartnerServer:
    process: subprocess.Popen
    url: str

    def state(self) -> dict:
        return requests.get(f"{self.url}/state", timeout=10).json()

    def post(self, path: str) -> dict:
        response = requests.post(f"{self.url}{path}", timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def partner_servers() -> Iterator[list[PartnerServer]]:
    started: list[PartnerServer] = []
    yield started
    for partner in started:
        partner.stop()


def start_partner_server(command: list[str], started: list[PartnerServer], *args: str) -> PartnerServer:
    process = subprocess.Popen([*command, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("listening on "):
        process.kill()
        pytest.fail(f"the sample's partner server did not start: {line!r} {process.stderr.read()}")
    partner = PartnerServer(process, line.removeprefix("listening on "))
    started.append(partner)
    return partner


def booking(server: LiveServer, reference: str) -> Booking:
    with server.app.app_context():
        return db.session.scalar(select(Booking).where(Booking.reference == reference))


def hold_and_hand_off(server: LiveServer, user: WebviewUser) -> tuple[str, int, dict]:
    """Book a VIP plan through the screens, tap pay: (order number, amount, the handoff screen's config)."""
    reference, amount = user.hold_vip()
    order = user.order_page(reference)
    handoff = user.submit(order, "pay button → handoff", action_contains=f"/w/orders/{reference}/checkout")
    return reference, amount, handoff.json_block("checkout-handoff")


@pytest.mark.parametrize("language", LANGUAGES)
def test_hmac_journey_with_the_samples_own_partner_server(server, sample, partner_servers, language):
    command = sample(language)
    code, port = f"kit-{language}-{next(SERIAL)}", free_port()
    partner_url = f"http://127.0.0.1:{port}"
    credentials = json.loads(flask(
        server, "partners", "create", "--code", code, "--name", f"Kit {language}", "--environment", "sandbox",
        "--profile", "hmac", "--handoff", "redirect", "--admin-name", "Kit Admin", "--admin-email",
        f"{code}@example.com", "--admin-phone", "0912345678", "--create-transaction-url", f"{partner_url}/txn",
        "--query-transaction-url", f"{partner_url}/txn/query", "--refund-url", f"{partner_url}/refund",
        "--payment-url", f"{partner_url}/pay", "--json"))
    client = ["--client-id", credentials["client_id"], "--client-secret", credentials["client_secret"]]
    partner = start_partner_server(command, partner_servers, "--port", str(port), "--partner-code", code, *client)

    launched = run(command, "launch", "--base-url", server.url, *client, "--identify-code", f"{code}-user",
                   "--product", "vip", "--locale", "en")
    assert launched.returncode == 0, launched.stderr
    user = WebviewUser(server.url, None, code, f"{code}-user")
    user.get(launched.stdout.strip(), "open url_open")

    reference, amount, handoff = hold_and_hand_off(server, user)
    [created] = partner.state()["transactions"]  # the merchant called the sample's create endpoint
    assert (created["reference_transaction_id"], created["amount"]) == (reference, amount)
    assert handoff["transaction_id"] == created["transaction_id"]
    assert handoff["url"].startswith(f"{partner_url}/pay/")  # the payment_url the sample returned

    paid = partner.post(f"/pay/{created['transaction_id']}/approve")  # the sample sends the signed IPN
    assert paid["ipn"]["http_status"] == 200 and paid["ipn"]["answer"]["code"] == 0, paid
    status = user.wait_issued(reference)
    assert (status["booking_status"], status["payment_status"], status["issue_status"]) == \
        ("BOOKED", "SUCCESS", "SUCCESS")

    result = user.get(paid["result_url"], "the sample's result link").testid("order-result")
    assert result.attrs.get("data-state") == "issued"

    checked = run(command, "transaction", "--base-url", server.url, *client, "--reference", reference)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    answer = json.loads(checked.stdout)["data"]
    assert (answer["status"], answer["amount"], answer["partner_transaction_id"]) == \
        ("SUCCESS", amount, created["transaction_id"])

    flask(server, "refunds", "create", reference, "--amount", str(amount // 2), "--reason", "customer request")
    [refund] = partner.state()["refunds"]  # the merchant called the sample's refund endpoint
    assert refund["request"]["transaction_amount"] == amount // 2 and refund["answer"]["code"] == 0
    assert refund["request"]["request_id"].startswith("RF-")
    refunded = booking(server, reference)
    assert (refunded.payment_status, refunded.refunded_amount) == ("PARTIALLY_REFUNDED", amount // 2)


def public_xml(pem: str) -> str:
    """The merchant's public key as a .NET partner keeps it: <RSAKeyValue>."""
    numbers = serialization.load_pem_public_key(pem.encode()).public_numbers()

    def b64(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()
    return f"<RSAKeyValue><Modulus>{b64(numbers.n)}</Modulus><Exponent>{b64(numbers.e)}</Exponent></RSAKeyValue>"


@pytest.fixture(scope="module")
def partner_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("suite", ["modern", "legacy"])
def test_python_sample_envelope_login_and_query(server, sample, partner_key, tmp_path, suite):
    """The Python sample's login and query-trans against a new partner: an unknown booking, a wrong api key."""
    command = sample("python")
    code = f"kit-python-env-{next(SERIAL)}"
    (tmp_path / "partner.pem").write_bytes(partner_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "partner.xml").write_text(public_xml(partner_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()))
    credentials = json.loads(flask(
        server, "partners", "create", "--code", code, "--name", "Kit Python envelope", "--environment", "sandbox",
        "--profile", "envelope", "--suite", suite, "--handoff", "redirect", "--public-key",
        str(tmp_path / "partner.xml"), "--admin-name", "Kit Admin", "--admin-email", f"{code}@example.com",
        "--admin-phone", "0912345678", "--payment-url", "http://127.0.0.1:9/pay", "--json"))
    (tmp_path / "merchant.pem").write_text(credentials["merchant_public_key_pem"])
    envelope = ["--base-url", server.url, "--api-key", credentials["api_key"], "--access-code",
                credentials["access_code"], "--partner-key", str(tmp_path / "partner.pem"), "--merchant-key",
                str(tmp_path / "merchant.pem"), "--suite", suite]
    login = run(command, "envelope-login", *envelope, "--user-id", f"{code}-user", "--product", "hotel")
    assert login.returncode == 0, login.stdout + login.stderr
    assert requests.get(login.stdout.strip(), allow_redirects=False, timeout=10).status_code in (302, 303)
    unknown = run(command, "envelope-query", *envelope, "--booking-number", "261122-7QK4M2XD")
    assert unknown.returncode == 1 and json.loads(unknown.stdout)["error_code"] == "02"  # opened and verified
    wrong_key = run(command, "envelope-login", *[value if value != credentials["api_key"] else "wrong"
                                                 for value in envelope])
    assert wrong_key.returncode == 1 and "error_code 03" in wrong_key.stderr


@pytest.mark.parametrize("suite", ["modern", "legacy"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_envelope_journey_with_the_samples_own_partner_server(server, sample, partner_servers, partner_key, tmp_path,
                                                              language, suite):
    command = sample(language)
    code, port = f"kit-{language}-env-{next(SERIAL)}", free_port()
    partner_url = f"http://127.0.0.1:{port}"
    (tmp_path / "partner.pem").write_bytes(partner_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (tmp_path / "partner_public.pem").write_bytes(partner_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    credentials = json.loads(flask(
        server, "partners", "create", "--code", code, "--name", f"Kit {language} envelope", "--environment",
        "sandbox", "--profile", "envelope", "--suite", suite, "--handoff", "redirect", "--public-key",
        str(tmp_path / "partner_public.pem"), "--admin-name", "Kit Admin", "--admin-email", f"{code}@example.com",
        "--admin-phone", "0912345678", "--payment-url", f"{partner_url}/envelope/pay", "--json"))
    merchant_key = tmp_path / ("merchant.xml" if language == "java" else "merchant.pem")  # Java loads .NET XML
    merchant_key.write_text(public_xml(credentials["merchant_public_key_pem"]) if language == "java"
                            else credentials["merchant_public_key_pem"])
    envelope = ["--base-url", server.url, "--api-key", credentials["api_key"], "--access-code",
                credentials["access_code"], "--partner-key", str(tmp_path / "partner.pem"), "--merchant-key",
                str(merchant_key), "--suite", suite]
    partner = start_partner_server(command, partner_servers, "--port", str(port), *envelope)

    login = run(command, "envelope-login", *envelope, "--user-id", f"{code}-user", "--product", "vip")
    assert login.returncode == 0, login.stdout + login.stderr
    user = WebviewUser(server.url, None, code, f"{code}-user")
    user.get(login.stdout.strip(), "open redirect_url")

    reference, amount, handoff = hold_and_hand_off(server, user)
    assert handoff["url"].startswith(f"{partner_url}/envelope/pay?key=")
    opened = requests.get(handoff["url"], timeout=30)  # the sealed place-order redirect, opened by the sample
    assert opened.status_code == 200, opened.text
    order = opened.json()
    assert (order["booking_number"], order["total_amount"], order["product_type"]) == (reference, str(amount), "VIP")

    committed = partner.post(f"/envelope/pay/{reference}/approve")  # the sample seals the commit
    assert committed["error_code"] == "00", committed
    assert json.loads(committed["properties"])["payment_status"] == "SUCCESS"
    user.wait_issued(reference)

    fresh = WebviewUser(server.url, None, code, "someone-else")  # return_url: a signed, single-use read-only view
    result = fresh.get(committed["return_url"], "return_url").testid("order-result")
    assert "data-read-only" in result.attrs

    queried = run(command, "envelope-query", *envelope, "--booking-number", reference)
    assert queried.returncode == 0, queried.stdout + queried.stderr
    fields = json.loads(queried.stdout)
    assert (fields["error_code"], fields["total_amount"]) == ("00", str(amount))
    assert json.loads(fields["properties"])["issue_status"] == "SUCCESS"

    flask(server, "refunds", "create", reference, "--amount", str(amount), "--reason", "customer request")
    refunded = booking(server, reference)  # envelope partners have no refund API: recorded as manual
    assert (refunded.payment_status, refunded.refunded_amount) == ("REFUNDED", amount)
    assert partner.state()["transactions"] == []
