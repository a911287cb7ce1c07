"""The sandbox's own reading of the style document (sandbox/protocol/styles.py) against the published vectors.

The vectors (docs/partners/styles/vectors.json) were produced by webview's engine; the sandbox's code was written
from docs/partners/styles.md alone. Agreement byte for byte is the point: a status-in message of every preset
verifies with the sandbox's canonical string and signature, every create call the merchant makes is accepted and
read back into the values it was rendered from, and what the sandbox writes reads back the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.protocol import styles

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "docs/partners/styles/vectors.json").read_text(encoding="utf-8"))
PRESETS = ("standard", "momo-like", "zalopay-like", "vnpay-like")
CREDENTIALS = VECTORS["credentials"]
KEYS = styles.Keys(secrets={"client_secret": CREDENTIALS["client_secret"], "key2": CREDENTIALS["key2"]})
NOW_MS = VECTORS["now_ms"]

ACME = {  # a wallet that is none of the presets (styles.md "Writing your own")
    "format": 1, "name": "acme-pay",
    "status_in": {
        "methods": ["POST"], "transport": "form",
        "fields": {"reference": "order", "amount": "total", "status": "state", "transaction_id": "payment"},
        "status_values": {"SUCCESS": ["paid"], "FAILURE": ["failed"], "PENDING": ["waiting"]},
        "timestamp": {"source": {"field": "ts"}, "format": "unix_s", "window_s": 300}, "replay": "timestamp",
        "signature": {"algorithm": "HMAC-SHA512",
                      "canonical": {"recipe": "sorted_pairs", "fields": "all", "url_encode": "percent"},
                      "placement": {"header": "X-Acme-Signature"}, "encoding": "base64"},
        "answers": {"ok": {"http_status": 200, "body": {"ok": True}},
                    "invalid": {"http_status": 400, "body": {"ok": False, "error": "{message}"}},
                    "auth_failed": {"http_status": 401, "body": {"ok": False, "error": "{message}"}},
                    "not_found": {"http_status": 404, "body": {"ok": False, "error": "{message}"}},
                    "not_owner": {"http_status": 404, "body": {"ok": False, "error": "{message}"}},
                    "wrong_amount": {"http_status": 422, "body": {"ok": False, "error": "{message}"}},
                    "closed": {"http_status": 409, "body": {"ok": False, "error": "{message}"}},
                    "error": {"http_status": 500, "body": {"ok": False, "error": "{message}"}}}},
}


def preset(name: str) -> dict:
    return json.loads((ROOT / "webview/styles/presets" / f"{name}.json").read_text(encoding="utf-8"))


def vector_message(vector: dict) -> tuple[styles.Message, str | None]:
    """A status-in vector as the receiver sees it: top-level fields (signature removed), headers, body, target."""
    target = vector["target"].encode()
    if vector["content_type"] == "application/json":
        fields = json.loads(vector["body"])
    elif vector["content_type"] == "application/x-www-form-urlencoded":
        fields = styles.parse_pairs(vector["body"])
    else:
        fields = styles.parse_pairs(urlsplit(vector["target"]).query)
    return styles.Message(fields, dict(vector["headers"]), vector["body"].encode(), target), None


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_status_in_vector_verifies_with_the_sandbox_canonical_string(name):
    style, vector = preset(name), VECTORS["presets"][name]["status_in"]
    message, _ = vector_message(vector)
    signature = style["status_in"]["signature"]
    sig_field = styles.signature_field(signature)
    given = message.fields.pop(sig_field) if sig_field else message.header(signature["placement"]["header"])
    variables = {"client_id": CREDENTIALS["client_id"], "partner_code": CREDENTIALS["partner_code"]}
    signed = styles.canonical_bytes(signature["canonical"], message, variables, sig_field)
    assert signed.decode() == vector["signed"]
    assert styles.sign_bytes(signature, signed, KEYS) == vector["signature"] == given
    assert styles.verify_bytes(signature, signed, given.upper() if signature.get("encoding", "hex") == "hex"
                               else given, KEYS)
    assert not styles.verify_bytes(signature, signed + b" ", given, KEYS)


def create_request(vector: dict) -> dict:
    parts = urlsplit(vector["url"])
    body = (vector["body"] or "").encode()
    headers = dict(vector["headers"])
    if vector["body"] is not None and "Content-Type" not in headers:
        headers["Content-Type"] = "application/json" if vector["body"].startswith("{") else \
            "application/x-www-form-urlencoded"
    return {"method": vector["method"], "headers": headers, "body": body, "query": parts.query,
            "target": (parts.path + ("?" + parts.query if parts.query else "")).encode()}


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_create_call_is_accepted_and_read_back_into_its_variables(name):
    style, vector = preset(name), VECTORS["presets"][name]["create"]
    reading = styles.read_call(style["create"], **create_request(vector), keys=KEYS,
                               client_id=CREDENTIALS["client_id"], partner_code=CREDENTIALS["partner_code"],
                               now_ms=NOW_MS)
    assert reading.ok, reading.reason
    assert reading.canonical == vector["signed"]
    expected = VECTORS["create_variables"]
    for variable, value in reading.variables.items():
        if variable == "expires_at":
            assert value // 1000 == expected["expires_at_ms"] // 1000
        elif variable == "timestamp":
            assert value // 1000 == NOW_MS // 1000
        else:
            assert value == expected[variable], variable
    assert reading.variables["reference"] == expected["reference"]


@pytest.mark.parametrize("name", PRESETS)
def test_a_tampered_or_foreign_create_call_is_refused(name):
    style, vector = preset(name), VECTORS["presets"][name]["create"]
    request = create_request(vector)
    wrong = styles.Keys(secrets={"client_secret": "not-the-secret", "key2": "x"})
    refused = styles.read_call(style["create"], **request, keys=wrong, client_id=CREDENTIALS["client_id"],
                               partner_code=CREDENTIALS["partner_code"], now_ms=NOW_MS)
    assert refused.outcome == "auth_failed"
    late = styles.read_call(style["create"], **request, keys=KEYS, client_id=CREDENTIALS["client_id"],
                            partner_code=CREDENTIALS["partner_code"], now_ms=NOW_MS + 3_600_000)
    if "{timestamp}" in json.dumps(style["create"]):
        assert late.outcome == "auth_failed" and "window" in late.reason
    else:
        assert late.ok
    if request["body"]:
        request["body"] = request["body"].replace(b"150000", b"150001")
    else:
        request["query"] = request["query"].replace("15000000", "15000100")
    tampered = styles.read_call(style["create"], **request, keys=KEYS, client_id=CREDENTIALS["client_id"],
                                partner_code=CREDENTIALS["partner_code"], now_ms=NOW_MS)
    assert tampered.outcome == "auth_failed"


def read_back(style: dict, wire: styles.WireRequest, path: str) -> dict:
    """What a receiver reads from a status-in call the sandbox wrote (fields inside json_string_field)."""
    status_in = style["status_in"]
    if status_in["transport"] == "json":
        top = json.loads(wire.body)
    elif status_in["transport"] == "form":
        top = styles.parse_pairs(wire.body.decode())
    else:
        top = styles.parse_pairs(wire.query)
    signature = status_in["signature"]
    sig_field = styles.signature_field(signature)
    given = top.pop(sig_field) if sig_field else wire.headers[signature["placement"]["header"]]
    message = styles.Message(dict(top), wire.headers, wire.body, (path + "?" + wire.query).encode())
    variables = {"client_id": CREDENTIALS["client_id"], "partner_code": CREDENTIALS["partner_code"]}
    signed = styles.canonical_bytes(signature["canonical"], message, variables, sig_field)
    assert signed == wire.canonical
    assert styles.verify_bytes(signature, signed, given, KEYS)
    inner = json.loads(top[status_in["json_string_field"]]) if status_in.get("json_string_field") else top
    return inner


@pytest.mark.parametrize("name", [*PRESETS, "acme"])
def test_the_sandbox_writes_each_status_in_call_so_that_it_reads_back(name):
    style = ACME if name == "acme" else preset(name)
    path = "/api/v1/partners/mywallet/ipn"
    report = styles.StatusReport("261130-7QK4M2XD", 150000, "SUCCESS", "SBX0123456789AB")
    wire = styles.build_status_in(style, report, client_id=CREDENTIALS["client_id"],
                                  partner_code=CREDENTIALS["partner_code"], keys=KEYS, now_ms=NOW_MS, path=path)
    inner = read_back(style, wire, path)
    names = style["status_in"]["fields"]
    textual = style["status_in"]["transport"] != "json"
    assert inner[names["reference"]] == report.reference
    assert styles.amount_from_wire(inner[names["amount"]], style["status_in"].get("amount"),
                                   textual=textual) == 150000
    assert styles.value_text(inner[names["transaction_id"]]) == report.transaction_id
    if isinstance(names["status"], str):
        assert styles.value_text(inner[names["status"]]) in style["status_in"]["status_values"]["SUCCESS"]
    assert wire.method == style["status_in"]["methods"][0]
    for rule in style["status_in"].get("expect") or ():
        expected = styles.render_text(rule["equals"], {"client_id": CREDENTIALS["client_id"],
                                                       "partner_code": CREDENTIALS["partner_code"]})
        assert (wire.headers[rule["header"]] if "header" in rule else inner[rule["field"]]) == expected


def test_failure_is_said_with_an_unlisted_value_where_the_style_says_any_other_is_failure():
    momo, vnpay, zalo = preset("momo-like")["status_in"], preset("vnpay-like")["status_in"], \
        preset("zalopay-like")["status_in"]
    assert styles.status_value(momo, "FAILURE") not in {"0", "9000", "1000", "7000", "7002"}
    assert styles.status_value(vnpay, "FAILURE") == "99"
    assert styles.status_value(vnpay, "PENDING") is None  # vnpay-like lists no PENDING: it cannot say it
    assert styles.status_value(zalo, "SUCCESS") == "SUCCESS"
    assert not styles.can_report(zalo, "FAILURE")  # the wallet calls back on success only
    with pytest.raises(styles.StyleProblem):
        styles.build_status_in(preset("zalopay-like"), styles.StatusReport("R", 1, "FAILURE", "T"),
                               client_id="c", partner_code="p", keys=KEYS, now_ms=NOW_MS, path="/")


@pytest.mark.parametrize(("name", "status", "body", "outcome", "code"), [
    ("standard", 200, {"code": 0, "message": "success", "data": {"transaction_id": "T"}}, "ok", 0),
    ("standard", 200, {"code": 5, "message": "invalid amount", "data": {"transaction_id": "T"}}, "wrong_amount", 5),
    ("standard", 401, {"code": 7, "message": "authentication failed"}, "auth_failed", 7),
    ("momo-like", 204, None, "ok", 0),
    ("momo-like", 422, {"resultCode": 5, "message": "invalid amount"}, "wrong_amount", 5),
    ("zalopay-like", 200, {"return_code": 1, "return_message": "success"}, "ok", 0),
    ("zalopay-like", 200, {"return_code": 2, "return_message": "duplicate"}, "duplicate", 0),
    ("zalopay-like", 200, {"return_code": -1, "return_message": "mac not equal"}, "auth_failed", 7),
    ("vnpay-like", 200, {"RspCode": "04", "Message": "Invalid amount"}, "wrong_amount", 5),
    ("vnpay-like", 200, {"RspCode": "97", "Message": "Invalid signature"}, "auth_failed", 7),
    ("vnpay-like", 200, {"RspCode": "02", "Message": "Order already confirmed"}, "duplicate", 0),
    ("vnpay-like", 500, {"RspCode": "00"}, None, None),
])
def test_the_merchant_answer_is_read_against_the_answers_table(name, status, body, outcome, code):
    raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    assert styles.read_answer(preset(name), status, raw) == styles.AnswerReading(outcome, code)


def test_an_ambiguous_refusal_names_every_outcome_it_may_be():
    raw = json.dumps({"return_code": -1, "return_message": "invalid amount"}).encode()
    reading = styles.read_answer(preset("zalopay-like"), 200, raw)
    assert reading.code is None and "wrong_amount" in reading.outcome.split("|")


@pytest.mark.parametrize("name", PRESETS)
def test_call_answers_carry_the_values_where_the_style_reads_them(name):
    style = preset(name)
    query = style["query"]
    answer = styles.build_call_answer(query, result="success", values={
        "transaction_id": "SBX1", "status": "FAILURE", "amount": 150000})
    spec = query["answer"]

    def at(body, dotted):
        for part in dotted.split("."):
            body = body[part]
        return body
    code = styles.value_text(at(answer, spec["code"]))
    assert code in [str(value) for value in spec["success"]]
    assert styles.value_text(at(answer, spec["fields"]["status"])) in spec["status_values"]["FAILURE"]
    assert styles.amount_from_wire(at(answer, spec["fields"]["amount"]), spec.get("amount"), textual=False) == 150000
    refused = styles.build_call_answer(query, result="refused", standard_code=7)
    assert styles.value_text(at(refused, spec["code"])) not in [str(v) for v in spec["success"]]
    missing = styles.build_call_answer(query, result="not_found", standard_code=3)
    if spec.get("not_found"):
        assert styles.value_text(at(missing, spec["code"])) == spec["not_found"][0]


def test_templates_keep_literal_braces_and_types():
    assert styles.render({"a": "{amount}", "b": "x{amount}", "c": "{}", "d": "{{amount}}"}, {"amount": 5}) == \
        {"a": 5, "b": "x5", "c": "{}", "d": "{amount}"}
    found: dict = {}
    styles.match_template("query {reference}", "query 261130-AB", "f", found)
    assert found == {"reference": "261130-AB"}
    with pytest.raises(styles.MessageInvalid):
        styles.match_template({"a": "{x}", "b": "{x}"}, {"a": "1", "b": "2"}, "", {})


def test_encodings_values_amounts_and_times():
    assert styles.form_encode("a b~*é") == "a+b%7E%2A%C3%A9"
    assert styles.percent_encode("a b~*é") == "a%20b~%2A%C3%A9"
    assert styles.value_text({"k": [1, True, None]}) == '{"k":[1,true,null]}'
    assert styles.amount_to_wire(150000, {"format": "decimal2"}, textual=False) == "150000.00"
    assert styles.amount_from_wire("15000000", {"format": "integer", "scale": 100}, textual=True) == 150000
    for bad in ("15000050", "1.5e7", ""):
        with pytest.raises(styles.MessageInvalid):
            styles.amount_from_wire(bad, {"format": "integer", "scale": 100}, textual=True)
    with pytest.raises(styles.MessageInvalid):
        styles.amount_from_wire(True, None, textual=False)
    assert styles.timestamp_to_wire(NOW_MS, "compact_gmt7") == "20261130143005"
    assert styles.timestamp_from_wire("20261130143005", "compact_gmt7") == NOW_MS
    assert styles.timestamp_to_wire(NOW_MS, "iso8601") == "2026-11-30T14:30:05+07:00"
    assert styles.timestamp_from_wire("2026-11-30T07:30:05Z", "iso8601") == NOW_MS
    with pytest.raises(styles.MessageInvalid):
        styles.parse_pairs("a=1&a=2")


def test_rsa_and_base64_signatures_verify_in_either_alphabet():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = {"algorithm": "RSA-SHA256", "encoding": "base64url"}
    value = styles.sign_bytes(signature, b"hello", styles.Keys(private_key=key))
    public = styles.Keys(public_key=key.public_key())
    assert styles.verify_bytes(signature, b"hello", value, public)
    standard = value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4)
    assert styles.verify_bytes(signature, b"hello", standard, public)
    assert not styles.verify_bytes(signature, b"hellO", value, public)
