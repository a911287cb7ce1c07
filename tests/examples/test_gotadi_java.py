"""Issue 14: the Java sample as a Gotadi-style client — legacy suite, .NET XML keys on both sides (ours printed by
`flask keys show --public --format xml`), the /api/partner/* paths, sealed refusals read on HTTP 401, and a
numeric total_amount on an answer without an order. A missing `java` or `javac` fails, never skips."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.examples.test_partner_kit import flask, java_classes, run, sample  # noqa: F401  (fixtures)
from tests.live import LiveServer, clear_rows, start_live_server
from webview import create_app
from webview.partners.keys import public_key_xml, xml_to_pem


@pytest.fixture(scope="module")
def server(base_config, _schema) -> Iterator[LiveServer]:
    """A live server of its own (login and query-trans need no catalog, so nothing is seeded)."""
    live = start_live_server(lambda **config: create_app({**base_config, **config}))
    yield live
    live.stop()
    clear_rows(live.app)


def private_xml(key: rsa.RSAPrivateKey) -> str:
    """A .NET partner's private key file: <RSAKeyValue> with the CRT values."""
    def b64(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()
    numbers = key.private_numbers()
    parts = [("Modulus", numbers.public_numbers.n), ("Exponent", numbers.public_numbers.e), ("P", numbers.p),
             ("Q", numbers.q), ("DP", numbers.dmp1), ("DQ", numbers.dmq1), ("InverseQ", numbers.iqmp),
             ("D", numbers.d)]
    return "<RSAKeyValue>" + "".join(f"<{tag}>{b64(value)}</{tag}>" for tag, value in parts) + "</RSAKeyValue>"


@pytest.fixture(scope="module")
def gotadi_client(server, tmp_path_factory):
    """A legacy-suite envelope partner whose keys, both sides, are .NET XML files."""
    folder = tmp_path_factory.mktemp("gotadi-java")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "partner_private.xml").write_text(private_xml(key))
    (folder / "partner_public.xml").write_text(public_key_xml(key.public_key()))
    credentials = json.loads(flask(
        server, "partners", "create", "--code", "gotadi-java", "--name", "Gotadi-style Java client",
        "--environment", "sandbox", "--profile", "envelope", "--suite", "legacy", "--handoff", "redirect",
        "--public-key", str(folder / "partner_public.xml"), "--admin-name", "Kit Admin",
        "--admin-email", "gotadi-java@example.com", "--admin-phone", "0912345678",
        "--payment-url", "http://127.0.0.1:9/pay", "--json"))
    merchant_xml = flask(server, "keys", "show", "--public", "--format", "xml").strip()
    assert serialization.load_pem_public_key(credentials["merchant_public_key_pem"].encode()).public_numbers() == \
        _numbers(merchant_xml)
    (folder / "merchant_public.xml").write_text(merchant_xml)
    return ["--base-url", server.url, "--api-key", credentials["api_key"], "--access-code",
            credentials["access_code"], "--partner-key", str(folder / "partner_private.xml"), "--merchant-key",
            str(folder / "merchant_public.xml"), "--suite", "legacy", "--paths", "gotadi"], credentials


def _numbers(xml: str) -> rsa.RSAPublicNumbers:
    return serialization.load_pem_public_key(xml_to_pem(xml).encode()).public_numbers()


def test_java_sample_logs_in_and_queries_through_the_gotadi_paths(server, sample, gotadi_client):  # noqa: F811
    envelope, credentials = gotadi_client
    java = sample("java")
    login = run(java, "envelope-login", *envelope, "--user-id", "gtd-java-user", "--product", "vip")
    assert login.returncode == 0, login.stdout + login.stderr
    assert requests.get(login.stdout.strip(), allow_redirects=False, timeout=10).status_code in (302, 303)
    unknown = run(java, "envelope-query", *envelope, "--booking-number", "261122-7QK4M2XD")
    assert unknown.returncode == 1, unknown.stderr
    answer = json.loads(unknown.stdout)
    assert (answer["error_code"], answer["total_amount"], answer["http_status"]) == ("02", "0", "200")
    wrong = run(java, "envelope-login", *[value if value != credentials["api_key"] else "wrong" for value in envelope])
    assert wrong.returncode == 1 and "error_code 03" in wrong.stderr  # sealed, HTTP 401, opened all the same
    bad_flag = run(java, "envelope-login", *envelope[:-1], "v2")
    assert bad_flag.returncode == 2 and "--paths" in bad_flag.stderr
