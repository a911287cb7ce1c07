"""Integration styles, partner side: the sandbox's own reading of docs/partners/styles.md.

Written from the partner document alone, apart from webview's engine (`webview.styles`), so that one mistake
cannot hide itself on both sides of the wire. A style is used here as plain data (the JSON document):

* `build_status_in` writes and signs the partner's status-in call (its IPN) in the style;
* `read_answer` tells which outcome the merchant's answer to it means;
* `read_call` verifies one of the merchant's create/query/refund calls and recovers the values it carries by
  matching the call against the style's templates;
* `build_call_answer` writes the partner's answer to such a call.

The pieces (templates, value text, URL encodings, canonical strings, signatures, amounts, timestamps) are public
for the unit tests, which check them against the published vectors (docs/partners/styles/vectors.json).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

# The outcomes of a status-in call and our standard code of each (styles.md, variable `code`).
OUTCOME_CODES = {"ok": 0, "duplicate": 0, "invalid": 1, "error": 2, "not_found": 3, "not_owner": 4,
                 "wrong_amount": 5, "closed": 6, "auth_failed": 7, "rate_limited": 8}
GMT7 = timezone(timedelta(hours=7))
CLIENT_SECRET = "client_secret"  # noqa: S105  (the name of a key, not a key)
FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
PERCENT_SAFE = FORM_SAFE | {ord("~")}
HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA512": hashlib.sha512}
_NAME = re.compile(r"[a-z_]+")


class StyleProblem(ValueError):
    """A style document the sandbox cannot play, or a value it cannot write in that style."""


class MessageInvalid(ValueError):
    """A received message that cannot be read (the `invalid` outcome); `fields` names the offending fields."""

    def __init__(self, reason: str, fields: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = fields or []


# --- templates ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Var:
    """A `{name}` placeholder inside a template."""

    name: str


def template_parts(template: str) -> list[str | Var]:
    """A template as literal text and placeholders: `{name}` a variable, `{{`/`}}` literal braces, any other
    brace literal."""
    parts: list[str | Var] = []
    literal, index = [], 0
    while index < len(template):
        pair = template[index:index + 2]
        if pair in ("{{", "}}"):
            literal.append(pair[0])
            index += 2
            continue
        if template[index] == "{":
            end = template.find("}", index + 1)
            name = template[index + 1:end] if end > 0 else ""
            if end > 0 and _NAME.fullmatch(name):
                if literal:
                    parts.append("".join(literal))
                    literal = []
                parts.append(Var(name))
                index = end + 1
                continue
        literal.append(template[index])
        index += 1
    if literal:
        parts.append("".join(literal))
    return parts


def sole_variable(template: str) -> str | None:
    """The variable's name when the template is exactly one placeholder (its value keeps its type)."""
    parts = template_parts(template)
    return parts[0].name if len(parts) == 1 and isinstance(parts[0], Var) else None


def render_text(template: str, variables: Mapping[str, Any]) -> str:
    """A template written as text (every variable as its text)."""
    return "".join(value_text(variables[part.name]) if isinstance(part, Var) else part
                   for part in template_parts(template))


def render(template: Any, variables: Mapping[str, Any]) -> Any:
    """A JSON template with its variables: a string that is exactly one placeholder keeps the value's type."""
    if isinstance(template, str):
        name = sole_variable(template)
        return variables[name] if name is not None else render_text(template, variables)
    if isinstance(template, dict):
        return {key: render(value, variables) for key, value in template.items()}
    if isinstance(template, list):
        return [render(value, variables) for value in template]
    return template


def match_template(template: Any, received: Any, where: str, found: dict[str, Any]) -> None:
    """Recover the variables a received value was rendered from (into `found`); MessageInvalid naming `where`
    when it cannot have come from this template (a literal differs, a variable has two values)."""
    if isinstance(template, dict):
        if not isinstance(received, dict):
            raise MessageInvalid(f"{where} is not an object", [where])
        for key, value in template.items():
            if key not in received:
                raise MessageInvalid(f"{where}.{key} is missing".lstrip("."), [f"{where}.{key}".lstrip(".")])
            match_template(value, received[key], f"{where}.{key}".lstrip("."), found)
        extra = [key for key in received if key not in template]
        if extra:
            raise MessageInvalid(f"unexpected field {extra[0]}", [f"{where}.{extra[0]}".lstrip(".")])
        return
    if not isinstance(template, str):
        if received != template or type(received) is not type(template):
            raise MessageInvalid(f"{where} is not {json.dumps(template)}", [where])
        return
    name = sole_variable(template)
    if name is not None:
        _found(found, name, received, where)
        return
    parts = template_parts(template)
    text = received if isinstance(received, str) else value_text(received)
    pattern = "".join(f"(?P<v{i}>.*?)" if isinstance(part, Var) else re.escape(part)
                      for i, part in enumerate(parts))
    matched = re.fullmatch(pattern, text, re.DOTALL)
    if matched is None:
        raise MessageInvalid(f"{where} does not have the expected form", [where])
    for i, part in enumerate(parts):
        if isinstance(part, Var):
            _found(found, part.name, matched.group(f"v{i}"), where)


def _found(found: dict[str, Any], name: str, value: Any, where: str) -> None:
    if name in found and value_text(found[name]) != value_text(value):
        raise MessageInvalid(f"{where} disagrees with another field carrying {name}", [where])
    found.setdefault(name, value)


# --- values as text, URL encodings --------------------------------------------------------------------------

def value_text(value: Any) -> str:
    """The text of a value in signed strings, forms and queries (styles.md "Text of a value")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise MessageInvalid("a number with a fraction or an exponent")


def _escape(text: str, safe: frozenset[int], space_plus: bool) -> str:
    out = []
    for byte in text.encode("utf-8"):
        if byte in safe:
            out.append(chr(byte))
        elif byte == 0x20 and space_plus:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def form_encode(text: str) -> str:
    """PHP urlencode: A-Z a-z 0-9 - _ . kept, space as +, every other UTF-8 byte as %XX."""
    return _escape(text, FORM_SAFE, True)


def percent_encode(text: str) -> str:
    """RFC 3986: A-Z a-z 0-9 - _ . ~ kept, every other UTF-8 byte (space included) as %XX."""
    return _escape(text, PERCENT_SAFE, False)


def form_pairs(pairs: list[tuple[str, Any]]) -> str:
    """name=value pairs, form-encoded, joined by & (form bodies, query strings, redirects)."""
    return "&".join(f"{form_encode(name)}={form_encode(value_text(value))}" for name, value in pairs)


def parse_pairs(text: str) -> dict[str, str]:
    """A form body or query string; MessageInvalid on a name given twice or bytes that are not UTF-8."""
    pairs: dict[str, str] = {}
    for chunk in text.split("&") if text else []:
        if not chunk:
            continue
        name, _, value = chunk.partition("=")
        try:
            name = unquote_plus(name, errors="strict")
            value = unquote_plus(value, errors="strict")
        except UnicodeDecodeError as error:
            raise MessageInvalid("not UTF-8") from error
        if name in pairs:
            raise MessageInvalid(f"{name} given twice", [name])
        pairs[name] = value
    return pairs


# --- amounts and timestamps ---------------------------------------------------------------------------------

def amount_spec(spec: Mapping[str, Any] | None) -> tuple[str, int]:
    """(format, scale) of an `amount` setting (default integer, scale 1)."""
    spec = spec or {}
    return spec.get("format", "integer"), int(spec.get("scale", 1))


def amount_to_wire(vnd: int, spec: Mapping[str, Any] | None, *, textual: bool) -> int | str:
    """An amount in VND written in the style's format (textual: form, query and headers)."""
    kind, scale = amount_spec(spec)
    scaled = vnd * scale
    if kind == "decimal2":
        return f"{scaled}.00"
    if kind == "integer" and not textual:
        return scaled
    return str(scaled)


def amount_from_wire(value: Any, spec: Mapping[str, Any] | None, *, textual: bool) -> int:
    """A received amount back in VND; MessageInvalid when it is not in the stated format or not whole VND."""
    kind, scale = amount_spec(spec)
    if kind == "integer" and not textual:
        ok = isinstance(value, int) and not isinstance(value, bool)
        scaled = value if ok else -1
    elif kind == "decimal2":
        ok = isinstance(value, str) and re.fullmatch(r"\d{1,20}\.\d{2}", value) is not None
        whole, _, cents = value.partition(".") if ok else ("", "", "")
        ok = ok and cents == "00"
        scaled = int(whole) if ok else -1
    else:
        ok = isinstance(value, str) and re.fullmatch(r"\d{1,20}", value) is not None
        scaled = int(value) if ok else -1
    if not ok or scaled < 0 or scaled % scale:
        raise MessageInvalid(f"amount {value!r} is not a {kind} amount in whole VND x {scale}")
    return scaled // scale


def timestamp_to_wire(at_ms: int, kind: str) -> int | str:
    """A moment (unix ms) in a timestamp format; numbers for unix_ms and unix_s."""
    if kind == "unix_ms":
        return at_ms
    if kind == "unix_s":
        return at_ms // 1000
    moment = datetime.fromtimestamp(at_ms / 1000, GMT7)
    if kind == "compact_gmt7":
        return moment.strftime("%Y%m%d%H%M%S")
    if kind == "iso8601":
        return moment.replace(microsecond=0).isoformat()
    raise StyleProblem(f"unknown timestamp format {kind!r}")


def timestamp_from_wire(value: Any, kind: str) -> int:
    """A received timestamp as unix ms; MessageInvalid when malformed."""
    text = value_text(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    try:
        if kind in ("unix_ms", "unix_s"):
            if not re.fullmatch(r"\d{1,16}", text):
                raise ValueError(text)
            return int(text) * (1 if kind == "unix_ms" else 1000)
        if kind == "compact_gmt7":
            if not re.fullmatch(r"\d{14}", text):
                raise ValueError(text)
            return int(datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=GMT7).timestamp() * 1000)
        if kind == "iso8601":
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError(text)
            return int(moment.astimezone(UTC).timestamp() * 1000)
    except (ValueError, OverflowError) as error:
        raise MessageInvalid(f"timestamp {text!r} is not {kind}") from error
    raise StyleProblem(f"unknown timestamp format {kind!r}")


# --- canonical strings and signatures -----------------------------------------------------------------------

@dataclass
class Message:
    """One message as it travels: top-level fields (without the signature), headers, body bytes and the raw
    request target (path and query as sent)."""

    fields: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    target: bytes = b""

    def header(self, name: str) -> str:
        """A header's value as sent (names compared without case); empty when absent."""
        lowered = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lowered), "")


def canonical_bytes(recipe: Mapping[str, Any], message: Message, variables: Mapping[str, Any],
                    signature_field: str | None = None) -> bytes:
    """The bytes that are signed (after `encode`), built by the recipe from the message."""
    kind = recipe.get("recipe")
    if kind == "sorted_pairs":
        raw = _sorted_pairs(recipe, message, variables, signature_field)
    elif kind == "ordered":
        raw = recipe.get("separator", "").encode("utf-8").join(
            _part(part, message, variables) for part in recipe.get("parts", []))
    elif kind == "raw_body":
        raw = message.body
    elif kind == "json_field":
        value = message.fields.get(recipe.get("field", ""))
        if not isinstance(value, str):
            raise MessageInvalid(f"{recipe.get('field')} is not a JSON string", [str(recipe.get("field"))])
        raw = value.encode("utf-8")
    else:
        raise StyleProblem(f"unknown canonical recipe {kind!r}")
    if recipe.get("encode", "none") == "base64url_nopad":
        return base64.urlsafe_b64encode(raw).rstrip(b"=")
    return raw


def _sorted_pairs(recipe: Mapping[str, Any], message: Message, variables: Mapping[str, Any],
                  signature_field: str | None) -> bytes:
    extra: Mapping[str, str] = recipe.get("extra") or {}
    chosen = recipe.get("fields", "all")
    if chosen == "all":
        prefix, exclude = recipe.get("prefix") or "", set(recipe.get("exclude") or ())
        names = [name for name in message.fields
                 if name != signature_field and name not in exclude and name.startswith(prefix)]
        names += [name for name in extra if name not in names]
    else:
        names = list(chosen)
    both = [name for name in extra if name in message.fields]
    if both:
        raise MessageInvalid(f"{both[0]} is both a field and an extra of the signed string", both[:1])
    pairs = []
    for name in names:
        if name in message.fields:
            text = value_text(message.fields[name])
        elif name in extra:
            text = render_text(extra[name], variables)
        else:
            text = ""
        if text or not recipe.get("skip_empty"):
            pairs.append((name, text))
    pairs.sort(key=lambda pair: pair[0])
    encoder = {"none": lambda text: text, "form": form_encode, "percent": percent_encode}[
        recipe.get("url_encode", "none")]
    return "&".join(f"{encoder(name)}={encoder(text)}" for name, text in pairs).encode("utf-8")


def _part(part: Mapping[str, Any], message: Message, variables: Mapping[str, Any]) -> bytes:
    if "field" in part:
        return value_text(message.fields.get(part["field"])).encode("utf-8")
    if "header" in part:
        return message.header(part["header"]).encode("utf-8")
    if "value" in part:
        return render_text(part["value"], variables).encode("utf-8")
    if part.get("raw_body"):
        return message.body
    if part.get("body_or_target"):
        return message.body if message.body else message.target
    raise StyleProblem(f"unknown canonical part {dict(part)!r}")


@dataclass(frozen=True)
class Keys:
    """What a party signs and verifies with: named secrets (client_secret, key2, …) and RSA keys."""

    secrets: Mapping[str, str] = field(default_factory=dict)
    private_key: RSAPrivateKey | None = None
    public_key: RSAPublicKey | None = None


def _secret(signature: Mapping[str, Any], keys: Keys) -> bytes:
    name = signature.get("secret", CLIENT_SECRET)
    if name not in keys.secrets:
        raise StyleProblem(f"no secret {name!r} is known for this style")
    return keys.secrets[name].encode("utf-8")


def sign_bytes(signature: Mapping[str, Any], signed: bytes, keys: Keys) -> str:
    """The signature value as it travels (hex lowercase, base64 padded, or base64url unpadded)."""
    algorithm = signature.get("algorithm")
    if algorithm in HASHES:
        raw = hmac.new(_secret(signature, keys), signed, HASHES[algorithm]).digest()
    elif algorithm == "RSA-SHA256":
        if keys.private_key is None:
            raise StyleProblem("RSA-SHA256 needs the partner's private key")
        raw = keys.private_key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise StyleProblem(f"unknown signature algorithm {algorithm!r}")
    encoding = signature.get("encoding", "hex")
    if encoding == "hex":
        return raw.hex()
    if encoding == "base64":
        return base64.b64encode(raw).decode("ascii")
    if encoding == "base64url":
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    raise StyleProblem(f"unknown signature encoding {encoding!r}")


def decode_signature(value: str, encoding: str) -> bytes | None:
    """The raw signature bytes of a received value (hex in either case; base64 in either alphabet, padded or
    not), or None when malformed."""
    try:
        if encoding == "hex":
            return bytes.fromhex(value) if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value) else None
        if not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", value):
            return None
        standard = value.rstrip("=").replace("-", "+").replace("_", "/")
        return base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None


def verify_bytes(signature: Mapping[str, Any], signed: bytes, given: str, keys: Keys) -> bool:
    """Whether a received signature value signs these bytes with one of the keys."""
    raw = decode_signature(given.strip(), signature.get("encoding", "hex"))
    if raw is None:
        return False
    algorithm = signature.get("algorithm")
    if algorithm in HASHES:
        expected = hmac.new(_secret(signature, keys), signed, HASHES[algorithm]).digest()
        return hmac.compare_digest(expected, raw)
    if algorithm == "RSA-SHA256" and keys.public_key is not None:
        try:
            keys.public_key.verify(raw, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
    return False


def signature_field(signature: Mapping[str, Any] | None) -> str | None:
    """The top-level field the signature travels in (None for a header placement or no signature)."""
    return (signature or {}).get("placement", {}).get("field")


# --- the status-in call (the partner's IPN) -----------------------------------------------------------------

@dataclass(frozen=True)
class StatusReport:
    """What the wallet reports: our order number, the amount in VND, SUCCESS/FAILURE/PENDING, its transaction
    id and, for a failure, why."""

    reference: str
    amount: int
    status: str
    transaction_id: str
    message: str = ""


@dataclass(frozen=True)
class WireRequest:
    """A request as it goes on the wire; `query` without '?', `canonical` the signed bytes (for the log)."""

    method: str
    query: str
    headers: dict[str, str]
    body: bytes
    canonical: bytes


def status_value(status_in: Mapping[str, Any], status: str) -> str | None:
    """The wire value of SUCCESS/FAILURE/PENDING in this style; None when the style cannot say it (a constant
    status, or PENDING not listed)."""
    mapping = status_in["fields"]["status"]
    if isinstance(mapping, dict):
        return mapping["const"] if mapping.get("const") == status else None
    listed: dict[str, list[str]] = status_in.get("status_values") or {}
    if listed.get(status):
        return str(listed[status][0])
    if status != "FAILURE" or status_in.get("other_status", "invalid") != "FAILURE":
        return None
    taken = {str(value) for values in listed.values() for value in values}
    digits = [value for value in taken if value.isdigit()]
    width = max((len(value) for value in digits), default=2)
    for candidate in ("9" * max(width, 2), "99", "-1", "FAILURE", "failed"):
        if candidate not in taken:
            return candidate
    raise StyleProblem("no unlisted status value is left for FAILURE")


def can_report(status_in: Mapping[str, Any], status: str) -> bool:
    """Whether the style has a way to say this status."""
    return status_value(status_in, status) is not None


def _as_json_scalar(text: str) -> int | str:
    """A status code as a wallet writes it in JSON: a number when it is a plain integer (MoMo's resultCode)."""
    return int(text) if re.fullmatch(r"-?(?:0|[1-9]\d{0,17})", text) else text


def _put(target: dict[str, Any], dotted: str, value: Any, nested: bool) -> None:
    if not nested or "." not in dotted:
        target[dotted] = value
        return
    head, _, rest = dotted.partition(".")
    _put(target.setdefault(head, {}), rest, value, nested)


def build_status_in(style: Mapping[str, Any], report: StatusReport, *, client_id: str, partner_code: str,
                    keys: Keys, now_ms: int, path: str, timestamp_ms: int | None = None) -> WireRequest:
    """The partner's status-in call for one report, signed in the style (`timestamp_ms` overrides the message's
    time, e.g. a stale one). StyleProblem when the style cannot say the report's status."""
    status_in = style["status_in"]
    transport = status_in["transport"]
    textual = transport != "json"
    nested = transport == "json"
    variables = {"client_id": client_id, "partner_code": partner_code}
    names = status_in["fields"]
    wire_status = status_value(status_in, report.status)
    if wire_status is None:
        raise StyleProblem(f"the style {style.get('name')} cannot report {report.status}")
    inner: dict[str, Any] = {}
    _put(inner, names["reference"], report.reference, nested)
    _put(inner, names["amount"], amount_to_wire(report.amount, status_in.get("amount"), textual=textual), nested)
    if isinstance(names["status"], str):
        _put(inner, names["status"], wire_status if textual else _as_json_scalar(wire_status), nested)
    _put(inner, names["transaction_id"], report.transaction_id, nested)
    if names.get("message") and (report.message or not status_in.get("closed")):
        _put(inner, names["message"], report.message, nested)
    headers: dict[str, str] = {}
    for rule in status_in.get("expect") or ():
        if "header" in rule:
            headers[rule["header"]] = render_text(rule["equals"], variables)
        else:
            _put(inner, rule["field"], render_text(rule["equals"], variables), nested)
    stamp = status_in.get("timestamp")
    if stamp:
        at = timestamp_to_wire(now_ms if timestamp_ms is None else timestamp_ms, stamp["format"])
        source = stamp["source"]
        if "header" in source:
            headers[source["header"]] = value_text(at)
        else:
            _put(inner, source["field"], value_text(at) if textual else at, nested)
    signature = status_in["signature"]
    sig_field = signature_field(signature)
    recipe = signature["canonical"]
    if not status_in.get("closed") and recipe.get("recipe") in ("sorted_pairs", "ordered"):
        # every field the signed string names travels in the message too, empty when the wallet has nothing
        listed = recipe.get("fields") if recipe.get("recipe") == "sorted_pairs" else \
            [part["field"] for part in recipe.get("parts", []) if "field" in part]
        holder = inner
        for name in listed if isinstance(listed, list) else ():
            if name not in holder and name not in (recipe.get("extra") or {}) and name != sig_field:
                holder[name] = ""
    json_string = status_in.get("json_string_field")
    top: dict[str, Any] = {json_string: json.dumps(inner, separators=(",", ":"), ensure_ascii=False)} \
        if json_string else inner
    query = form_pairs(list(top.items())) if transport == "query" else ""
    body = _body(top, transport)
    message = Message(dict(top), headers, body, (path + ("?" + query if query else "")).encode("utf-8"))
    signed = canonical_bytes(recipe, message, variables, sig_field)
    value = sign_bytes(signature, signed, keys)
    if sig_field:
        top[sig_field] = value
        query = form_pairs(list(top.items())) if transport == "query" else ""
        body = _body(top, transport)
    else:
        headers[signature["placement"]["header"]] = value
    if transport == "json":
        headers["Content-Type"] = "application/json"
    elif transport == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    methods = status_in.get("methods") or ["POST"]
    method = "GET" if transport == "query" and "GET" in methods else ("POST" if "POST" in methods else methods[0])
    return WireRequest(method, query, headers, body, signed)


def _body(top: Mapping[str, Any], transport: str) -> bytes:
    if transport == "json":
        return json.dumps(top, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if transport == "form":
        return form_pairs(list(top.items())).encode("ascii")
    return b""


@dataclass(frozen=True)
class AnswerReading:
    """Which outcome the merchant's answer means (None when no outcome of the style fits) and its standard code
    (None when the answer fits outcomes with different codes)."""

    outcome: str | None
    code: int | None


def _answers(status_in: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    answers = dict(status_in.get("answers") or {})
    answers.setdefault("duplicate", answers.get("ok", {}))
    if "rate_limited" not in answers and "error" in answers:
        answers["rate_limited"] = {**answers["error"], "http_status": 429}
    return answers


def _fits(template: Any, received: Any, codes: list[Any]) -> int:
    """-1 when the received value cannot come from the template; otherwise how many literal values it matched
    (the more, the more specific the fit: "mac not equal" beats "{message}")."""
    if isinstance(template, dict):
        if not isinstance(received, dict) or set(template) != set(received):
            return -1
        scores = [_fits(value, received[key], codes) for key, value in template.items()]
        return -1 if any(score < 0 for score in scores) else sum(scores)
    if isinstance(template, list):
        if not isinstance(received, list) or len(template) != len(received):
            return -1
        scores = [_fits(value, item, codes) for value, item in zip(template, received, strict=True)]
        return -1 if any(score < 0 for score in scores) else sum(scores)
    if isinstance(template, str):
        if sole_variable(template) == "code":
            codes.append(received)
            return 0
        if any(isinstance(part, Var) for part in template_parts(template)):
            try:
                match_template(template, received, "", {})
            except MessageInvalid:
                return -1
            return 0
        return 1 if received == render_text(template, {}) else -1
    return 1 if received == template and type(received) is type(template) else -1


def read_answer(style: Mapping[str, Any], http_status: int | None, body: bytes) -> AnswerReading:
    """The merchant's answer to a status-in call, read against the style's answers table."""
    if http_status is None:
        return AnswerReading(None, None)
    try:
        received: Any = json.loads(body) if body else None
    except ValueError:
        received = body.decode("utf-8", "replace")
    fitting: list[tuple[str, int]] = []
    best = 0
    for outcome, answer in _answers(style["status_in"]).items():
        if answer.get("http_status") != http_status:
            continue
        codes: list[Any] = []
        template = answer.get("body")
        score = (0 if received is None else -1) if template is None else _fits(template, received, codes)
        if score < best:
            continue
        if score > best:
            best, fitting = score, []
        said = codes[0] if codes and isinstance(codes[0], int) else None
        if said is not None and OUTCOME_CODES[outcome] != said:
            named = [name for name, number in OUTCOME_CODES.items() if number == said]
            fitting.append((named[0] if named else outcome, said))
        else:
            fitting.append((outcome, OUTCOME_CODES[outcome]))
    if not fitting:
        return AnswerReading(None, None)
    for benign in ("ok", "duplicate"):  # one answer for a repeat and a refusal: the merchant took it as a repeat
        if any(outcome == benign for outcome, _ in fitting):
            return AnswerReading(benign, 0)
    if len({code for _, code in fitting}) == 1:
        return AnswerReading(fitting[0][0], fitting[0][1])
    return AnswerReading("|".join(outcome for outcome, _ in fitting), None)


# --- the merchant's calls: create, query, refund ------------------------------------------------------------

@dataclass
class CallReading:
    """A merchant call as the partner reads it: the variables it carries (amounts in VND, times in unix ms),
    or why it is refused (`outcome` invalid or auth_failed), and the signed string for the log."""

    variables: dict[str, Any]
    canonical: str = ""
    outcome: str | None = None
    reason: str = ""
    fields: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the call verified and matched the style."""
        return self.outcome is None


def read_call(call: Mapping[str, Any], *, method: str, headers: Mapping[str, str], body: bytes, target: bytes,
              query: str, keys: Keys, client_id: str, partner_code: str, now_ms: int,
              window_s: int = 300) -> CallReading:
    """Verify one of the merchant's calls against its part of the style and recover the values it carries."""
    transport = call["transport"]
    if method != ("GET" if transport == "redirect" else call.get("method", "POST")):
        return CallReading({}, outcome="invalid", reason=f"method {method} is not the style's")
    try:
        fields = _call_fields(transport, headers, body, query)
    except MessageInvalid as problem:
        return CallReading({}, outcome="invalid", reason=problem.reason, fields=problem.fields)
    variables: dict[str, Any] = {"client_id": client_id, "partner_code": partner_code}
    signature = call.get("signature")
    canonical = ""
    if signature:
        sig_field = signature_field(signature)
        given = fields.pop(sig_field, None) if sig_field else Message({}, dict(headers)).header(
            signature["placement"]["header"]) or None
        message = Message(fields, dict(headers), body if transport in ("json", "form") else b"", target)
        try:
            signed = canonical_bytes(signature["canonical"], message, variables, sig_field)
        except MessageInvalid as problem:
            return CallReading({}, outcome="invalid", reason=problem.reason, fields=problem.fields)
        canonical = signed.decode("utf-8", "replace")
        if not isinstance(given, str) or not verify_bytes(signature, signed, given, keys):
            return CallReading({}, canonical, "auth_failed", "missing or invalid signature")
    found: dict[str, Any] = {}
    try:
        for name, template in (call.get("headers") or {}).items():
            value = Message({}, dict(headers)).header(name)
            if not value:
                raise MessageInvalid(f"header {name} is missing", [name])
            match_template(template, value, name, found)
        match_template(call.get("body") or {}, fields, "", found)
        typed = _typed(call, found, textual=transport != "json")
    except MessageInvalid as problem:
        return CallReading({}, canonical, "invalid", problem.reason, problem.fields)
    for name in ("client_id", "partner_code"):
        if name in typed and typed[name] != variables[name]:
            return CallReading({}, canonical, "auth_failed", f"{name} is not this partner's")
    if "timestamp" in typed and abs(now_ms - typed["timestamp"]) > window_s * 1000:
        return CallReading({}, canonical, "auth_failed", "timestamp outside the allowed window")
    return CallReading({**typed, **variables}, canonical)


def _call_fields(transport: str, headers: Mapping[str, str], body: bytes, query: str) -> dict[str, Any]:
    if transport in ("query", "redirect"):
        return dict(parse_pairs(query))
    content_type = Message({}, dict(headers)).header("Content-Type").split(";")[0].strip().lower()
    if transport == "form":
        if content_type != "application/x-www-form-urlencoded":
            raise MessageInvalid("not a form body", ["body"])
        try:
            return dict(parse_pairs(body.decode("ascii")))
        except UnicodeDecodeError as error:
            raise MessageInvalid("not a form body", ["body"]) from error
    if content_type != "application/json":
        raise MessageInvalid("not a JSON body", ["body"])
    try:
        data = json.loads(body, parse_float=_no_fraction)
    except (ValueError, UnicodeDecodeError) as error:
        raise MessageInvalid("not a JSON object", ["body"]) from error
    if not isinstance(data, dict):
        raise MessageInvalid("not a JSON object", ["body"])
    return data


def _no_fraction(text: str) -> float:
    raise ValueError(f"a number with a fraction: {text}")


def _typed(call: Mapping[str, Any], found: Mapping[str, Any], *, textual: bool) -> dict[str, Any]:
    """The recovered variables with their meaning: amounts in VND, moments in unix ms, counts as int."""
    typed: dict[str, Any] = {}
    stamp_format = call.get("timestamp_format", "unix_ms")
    for name, value in found.items():
        if name == "amount":
            typed[name] = amount_from_wire(value, call.get("amount"), textual=textual)
        elif name in ("timestamp", "expires_at"):
            typed[name] = timestamp_from_wire(value, stamp_format)
        elif name == "expires_in_s":
            text = value_text(value) if not isinstance(value, bool) else ""
            if not re.fullmatch(r"\d{1,10}", text):
                raise MessageInvalid("expires_in_s is not a whole number of seconds", [name])
            typed[name] = int(text)
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            typed[name] = value_text(value)
        else:
            raise MessageInvalid(f"{name} is not text", [name])
    return typed


def _code_value(answer: Mapping[str, Any], code: str) -> int | str:
    listed = [str(value) for key in ("success", "pending", "not_found") for value in answer.get(key) or ()]
    numeric = all(re.fullmatch(r"-?(?:0|[1-9]\d*)", value) for value in listed)
    return int(code) if numeric and re.fullmatch(r"-?(?:0|[1-9]\d*)", code) else code


def refusal_code(answer: Mapping[str, Any], standard: int) -> str:
    """A result code meaning neither success, pending nor not found: our standard code when it is free."""
    taken = {str(value) for key in ("success", "pending", "not_found") for value in answer.get(key) or ()}
    width = max((len(value) for value in taken if value.isdigit()), default=1)
    for candidate in (str(standard).zfill(min(width, 2)), str(standard), "99", "-1", "-2", "error"):
        if candidate not in taken:
            return candidate
    raise StyleProblem("every refusal code is taken by the style's success codes")


def build_call_answer(call: Mapping[str, Any], *, result: str, values: Mapping[str, Any] | None = None,
                      message: str = "", standard_code: int = 2) -> dict[str, Any]:
    """The partner's JSON answer to a call: `result` success, pending, not_found or refused (with our
    `standard_code` for the refusal); `values` transaction_id, payment_url, deeplink, status, amount (VND)."""
    answer = call.get("answer") or {}
    listed = answer.get(result if result != "refused" else "", None) or []
    code = str(listed[0]) if listed else refusal_code(answer, standard_code)
    body: dict[str, Any] = {}
    _put(body, answer["code"], _code_value(answer, code), True)
    if answer.get("message"):
        _put(body, answer["message"], message, True)
    places = answer.get("fields") or {}
    for name, value in (values or {}).items():
        if name not in places or value is None:
            continue
        if name == "status":
            wire = (answer.get("status_values") or {}).get(value) or []
            if not wire:
                raise StyleProblem(f"the style's answer has no value for status {value}")
            value = _code_value(answer, str(wire[0])) if places["status"] == answer["code"] else str(wire[0])
        elif name == "amount":
            value = amount_to_wire(value, answer.get("amount"), textual=False)
        _put(body, places[name], value, True)
    return body
