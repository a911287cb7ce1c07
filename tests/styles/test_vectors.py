"""Each preset's published vectors (docs/partners/styles/vectors.json): the independent partner side makes exactly
the file, and the engine verifies every status-in message and writes every create call byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from tests.styles.independent import KEY2, NOW_MS, SECRET, VECTORS, build_vectors
from webview.styles.canonical import Keys
from webview.styles.inbound import Received, authenticate, map_status, read_message
from webview.styles.outbound import prepare_call
from webview.styles.presets import preset, preset_names
from webview.styles.values import format_amount, format_time

PUBLISHED = json.loads(VECTORS.read_text(encoding="utf-8"))


def test_the_published_file_is_what_the_independent_partner_side_makes():
    assert build_vectors() == PUBLISHED
    assert set(PUBLISHED["presets"]) == set(preset_names())


@pytest.mark.parametrize("name", sorted(PUBLISHED["presets"]))
def test_the_engine_verifies_each_presets_status_in_vector(name):
    vector = PUBLISHED["presets"][name]["status_in"]
    style = preset(name).status_in
    _, _, query = vector["target"].partition("?")
    received = Received(method=vector["method"], mimetype=vector["content_type"], headers=vector["headers"],
                        body=vector["body"].encode(), query_string=query.encode(), target=vector["target"])
    parsed = read_message(style, received)
    keys = Keys(secrets=(KEY2,) if style.signature.secret == "key2" else (SECRET,))
    credentials = PUBLISHED["credentials"]
    variables = {"client_id": credentials["client_id"], "partner_code": credentials["partner_code"]}
    auth = authenticate(style, parsed, keys, variables, now_ms=NOW_MS)
    assert auth.signed.decode() == vector["signed"]
    report = map_status(style, parsed)
    assert (report.reference, report.amount, report.status) == ("261130-7QK4M2XD", 150000, "SUCCESS")


@pytest.mark.parametrize("name", sorted(PUBLISHED["presets"]))
def test_the_engine_writes_each_presets_create_vector_byte_for_byte(name):
    vector = PUBLISHED["presets"][name]["create"]
    call = preset(name).create
    given = PUBLISHED["create_variables"]
    expires = datetime.fromtimestamp(given["expires_at_ms"] / 1000, UTC)
    variables = {**{k: v for k, v in given.items() if k != "expires_at_ms"},
                 "amount": format_amount(given["amount"], call.amount, typed=True),
                 "expires_at": format_time(expires, call.timestamp_format, typed=True)}
    url = "https://wallet.example/pay" if call.transport == "redirect" else "https://wallet.example/create"
    prepared = prepare_call(call, url, variables, Keys(secrets=(SECRET,)), datetime.fromtimestamp(NOW_MS / 1000, UTC),
                            request_id="trace-1")
    assert prepared.method == vector["method"]
    assert prepared.url == vector["url"]
    assert prepared.canonical == vector["signed"]
    assert (prepared.body.decode() if prepared.body is not None else None) == vector["body"]
    for header, value in vector["headers"].items():
        assert prepared.headers[header] == value
    if call.transport == "redirect":
        assert urlsplit(prepared.url).query.endswith("&vnp_SecureHash=" + prepared.url.rsplit("=", 1)[1])
