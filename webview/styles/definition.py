"""The integration style as data: the pydantic models of a style definition (docs/partners/styles.md).

A style describes a partner's own wire conventions for the status-in call (the IPN it sends us) and for the
create / query / refund calls we make to it: transport, field names, status values, amount and timestamp
formats, the signature (algorithm, secret, canonical-string recipe, where it travels, encoding) and the answers.
Everything here is validated once, when a style is stored; the engine (`webview.styles.canonical`,
`.inbound`, `.outbound`) trusts a validated `StyleDefinition`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from webview.booking.states import PartnerStatus

FORMAT_VERSION = 1
NAME_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"
SECRET_NAME_PATTERN = r"^[a-z][a-z0-9_]{1,30}$"  # noqa: S105  (a name rule, not a secret)
CLIENT_SECRET = "client_secret"  # noqa: S105  (a name, not a secret): the partner's issued client secret (rotation honoured)
# A field name in a message: letters, digits, _ - . (a dotted name reaches into nested JSON objects).
FIELD_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"
HEADER_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9-]{0,63}$"
TEMPLATE_VARIABLE = re.compile(r"\{([a-z_]+)\}")

PartnerStatusName = Literal[tuple(status.value for status in PartnerStatus)]  # type: ignore[valid-type]
OtherStatus = Literal[PartnerStatus.FAILURE.value, "invalid"]  # type: ignore[valid-type]
Algorithm = Literal["HMAC-SHA256", "HMAC-SHA512", "RSA-SHA256"]
TimestampFormat = Literal["unix_ms", "unix_s", "compact_gmt7", "iso8601"]
Method = Literal["GET", "POST", "PUT"]

# The variables a template may name, per place (docs/partners/styles.md "Templates").
COMMON_VARIABLES = frozenset({"client_id", "partner_code", "timestamp"})
CALL_VARIABLES: dict[str, frozenset[str]] = {
    "create": COMMON_VARIABLES | {"reference", "amount", "currency", "description", "ipn_url", "payment_ipn_url",
                                  "return_url", "expires_at", "expires_in_s", "identify_code", "product",
                                  "request_id"},
    "query": COMMON_VARIABLES | {"reference", "request_id"},
    "refund": COMMON_VARIABLES | {"reference", "transaction_id", "amount", "reason", "request_id"},
}
ANSWER_VARIABLES = frozenset({"code", "message", "reference", "transaction_id", "fields"})
EXPECT_VARIABLES = frozenset({"client_id", "partner_code"})


class StyleError(ValueError):
    """A style definition that cannot be used; `problems` lists each one as "where: what"."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Strict(BaseModel):
    """Unknown keys are refused so that a typo in a style is an error, never a silently ignored setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def template_variables(value: Any) -> set[str]:
    """Every `{name}` a template (a string, or a JSON value holding strings) names."""
    if isinstance(value, str):
        return set(TEMPLATE_VARIABLE.findall(value.replace("{{", "").replace("}}", "")))
    if isinstance(value, dict):
        return set().union(*(template_variables(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(template_variables(item) for item in value)) if value else set()
    return set()


def _check_variables(value: Any, allowed: frozenset[str], where: str) -> None:
    unknown = template_variables(value) - allowed
    if unknown:
        raise ValueError(f"{where} names unknown variable(s) {', '.join(sorted(unknown))} "
                         f"(allowed: {', '.join(sorted(allowed))})")


class Ref(Strict):
    """Where one value travels: a header or a field (exactly one)."""

    header: str | None = Field(default=None, pattern=HEADER_NAME_PATTERN)
    field: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)

    @model_validator(mode="after")
    def _one(self) -> Ref:
        if (self.header is None) == (self.field is None):
            raise ValueError("name exactly one of header or field")
        return self


class Part(Strict):
    """One piece of an `ordered` canonical string (exactly one key)."""

    field: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)
    header: str | None = Field(default=None, pattern=HEADER_NAME_PATTERN)
    value: str | None = Field(default=None, max_length=500)
    raw_body: Literal[True] | None = None
    body_or_target: Literal[True] | None = None

    @model_validator(mode="after")
    def _one(self) -> Part:
        given = [name for name in ("field", "header", "value", "raw_body", "body_or_target")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a part names exactly one of field, header, value, raw_body, body_or_target")
        return self


class Canonical(Strict):
    """How the signed string is built from a message (docs/partners/styles.md "Canonical strings")."""

    recipe: Literal["sorted_pairs", "ordered", "raw_body", "json_field"]
    # sorted_pairs
    fields: Literal["all"] | list[str] = "all"
    prefix: str = Field(default="", max_length=20)
    exclude: list[str] = Field(default_factory=list)
    extra: dict[str, str] = Field(default_factory=dict)
    url_encode: Literal["none", "form", "percent"] = "none"
    skip_empty: bool = False
    # ordered
    parts: list[Part] = Field(default_factory=list)
    separator: str = Field(default="", max_length=5)
    # json_field
    field: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)
    # every recipe
    encode: Literal["none", "base64url_nopad"] = "none"

    @model_validator(mode="after")
    def _recipe_keys(self) -> Canonical:
        if self.recipe == "ordered" and not self.parts:
            raise ValueError("an ordered recipe needs parts")
        if self.recipe != "ordered" and (self.parts or self.separator):
            raise ValueError("parts and separator belong to the ordered recipe only")
        if self.recipe == "json_field" and not self.field:
            raise ValueError("a json_field recipe names its field")
        if self.recipe != "json_field" and self.field:
            raise ValueError("field belongs to the json_field recipe only (sorted_pairs lists fields)")
        sorted_only = self.fields != "all" or self.prefix or self.exclude or self.extra or \
            self.url_encode != "none" or self.skip_empty
        if self.recipe != "sorted_pairs" and sorted_only:
            raise ValueError("fields, prefix, exclude, extra, url_encode and skip_empty belong to sorted_pairs only")
        if isinstance(self.fields, list):
            for name in self.fields:
                if not re.fullmatch(FIELD_NAME_PATTERN, name):
                    raise ValueError(f"field name {name!r} is not valid")
            if len(set(self.fields)) != len(self.fields):
                raise ValueError("fields are listed twice")
        for name in self.extra:
            if not re.fullmatch(FIELD_NAME_PATTERN, name):
                raise ValueError(f"extra name {name!r} is not valid")
        _check_variables(self.extra, EXPECT_VARIABLES | {"timestamp"}, "extra")
        _check_variables([part.value for part in self.parts if part.value], EXPECT_VARIABLES | {"timestamp"},
                         "a value part")
        return self


class Signature(Strict):
    """The signature of a message: algorithm, key, canonical string, where it travels and its encoding."""

    algorithm: Algorithm
    secret: str = Field(default=CLIENT_SECRET, pattern=SECRET_NAME_PATTERN)
    canonical: Canonical
    placement: Ref
    encoding: Literal["hex", "base64", "base64url"] = "hex"

    @model_validator(mode="after")
    def _rsa_has_no_secret(self) -> Signature:
        if self.algorithm == "RSA-SHA256" and self.secret != CLIENT_SECRET:
            raise ValueError("RSA-SHA256 uses the registered keys, not a named secret: leave secret out")
        return self


class Amount(Strict):
    """How an amount is written: integer (a JSON number, or digits), string (digits as a JSON string) or
    decimal2 (a JSON string with two decimals, "150000.00"); `scale` multiplies VND on the wire (VNPay: 100)."""

    format: Literal["integer", "string", "decimal2"] = "integer"
    scale: int = Field(default=1, ge=1, le=1000)


class Const(Strict):
    """A constant instead of a field (e.g. a wallet that calls back on success only)."""

    const: str = Field(min_length=1, max_length=100)


FieldSource = str | Const


class InboundFields(Strict):
    """Which field of the status-in message carries each value."""

    reference: str = Field(pattern=FIELD_NAME_PATTERN)
    amount: str = Field(pattern=FIELD_NAME_PATTERN)
    status: FieldSource
    transaction_id: str = Field(pattern=FIELD_NAME_PATTERN)
    message: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)

    @field_validator("status")
    @classmethod
    def _status_name(cls, value: FieldSource) -> FieldSource:
        if isinstance(value, str) and not re.fullmatch(FIELD_NAME_PATTERN, value):
            raise ValueError(f"field name {value!r} is not valid")
        return value


class Timestamp(Strict):
    """Where a message's time travels, its format, and the window it must fall in (either way)."""

    source: Ref
    format: TimestampFormat = "unix_ms"
    window_s: int = Field(default=300, ge=30, le=3600)


class Expect(Strict):
    """A header or field that must equal a template (e.g. X-Client-Id equals {client_id}); else auth_failed."""

    header: str | None = Field(default=None, pattern=HEADER_NAME_PATTERN)
    field: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)
    equals: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one(self) -> Expect:
        if (self.header is None) == (self.field is None):
            raise ValueError("name exactly one of header or field")
        _check_variables(self.equals, EXPECT_VARIABLES, "equals")
        return self


def _check_signature_placement(signature: Signature, where: str) -> None:
    """A signature inside the body cannot sign that body."""
    recipe = signature.canonical
    signs_body = recipe.recipe == "raw_body" or any(part.raw_body or part.body_or_target for part in recipe.parts)
    if signature.placement.field and signs_body:
        raise ValueError(f"{where}: a signature that travels in a field cannot sign the raw body")


class Answer(Strict):
    """One answer: HTTP status and body template (a JSON value; a string is sent as text; null: no body)."""

    http_status: int = Field(ge=200, le=599)
    body: Any = None

    @model_validator(mode="after")
    def _body(self) -> Answer:
        _check_variables(self.body, ANSWER_VARIABLES, "an answer body")
        if self.http_status == 204 and self.body is not None:
            raise ValueError("a 204 answer has no body")
        return self


class Answers(Strict):
    """The answer per outcome of the status-in call, in the standard IPN's check order."""

    ok: Answer
    duplicate: Answer | None = None  # default: ok
    invalid: Answer
    auth_failed: Answer
    not_found: Answer
    not_owner: Answer
    wrong_amount: Answer
    closed: Answer
    error: Answer
    rate_limited: Answer | None = None  # default: error's body with HTTP 429


Replay = Literal["timestamp", "transaction_status"]


class StatusIn(Strict):
    """The partner's status-in call (IPN) to /api/v1/partners/<partner_code>/ipn."""

    methods: list[Method] = Field(min_length=1)
    transport: Literal["json", "form", "query"]
    json_string_field: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)
    fields: InboundFields
    status_values: dict[PartnerStatusName, list[str]]
    other_status: OtherStatus = "invalid"
    amount: Amount = Amount()
    closed: bool = False
    optional_fields: list[str] = Field(default_factory=list)
    timestamp: Timestamp | None = None
    replay: Replay
    expect: list[Expect] = Field(default_factory=list)
    signature: Signature
    answers: Answers

    @model_validator(mode="after")
    def _consistent(self) -> StatusIn:
        if self.transport == "query" and self.methods != ["GET"] and "GET" not in self.methods:
            raise ValueError("a query-string status-in call is sent with GET")
        if self.transport != "query" and "GET" in self.methods:
            raise ValueError("GET carries no body: use transport query for GET")
        _check_signature_placement(self.signature, "status_in")
        if self.transport == "query" and self.signature.canonical.recipe == "raw_body":
            raise ValueError("status_in: a query-string message has no body to sign")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError("methods are listed twice")
        if self.replay == "timestamp" and self.timestamp is None:
            raise ValueError("replay by timestamp needs a timestamp")
        if self.signature.placement.field and self.json_string_field and \
                self.signature.placement.field == self.json_string_field:
            raise ValueError("the signature cannot travel in the JSON string field it signs")
        if isinstance(self.fields.status, str) and not self.status_values:
            raise ValueError("status_values maps the partner's status values to SUCCESS, FAILURE or PENDING")
        if isinstance(self.fields.status, Const) and self.fields.status.const not in tuple(PartnerStatus):
            raise ValueError(f"a constant status is one of {', '.join(PartnerStatus)}")
        seen: dict[str, str] = {}
        for status, values in self.status_values.items():
            for value in values:
                if value in seen:
                    raise ValueError(f"status value {value!r} maps to both {seen[value]} and {status}")
                seen[value] = status
        return self


class AnswerSpec(Strict):
    """How to read the partner's answer to one of our calls (a JSON body)."""

    code: str = Field(pattern=FIELD_NAME_PATTERN)  # the result code's field (dotted path)
    success: list[str] = Field(min_length=1)  # result codes meaning success, compared as text
    pending: list[str] = Field(default_factory=list)  # refund: still processing (asked again, same request id)
    not_found: list[str] = Field(default_factory=list)  # query: the partner has no such payment
    message: str | None = Field(default=None, pattern=FIELD_NAME_PATTERN)
    fields: dict[Literal["transaction_id", "payment_url", "deeplink", "status", "amount"], FieldSource] = \
        Field(default_factory=dict)
    status_values: dict[PartnerStatusName, list[str]] = Field(default_factory=dict)
    amount: Amount = Amount()

    @model_validator(mode="after")
    def _codes(self) -> AnswerSpec:
        groups = [set(self.success), set(self.pending), set(self.not_found)]
        if groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2]:
            raise ValueError("a result code is listed in two of success, pending, not_found")
        return self


class Call(Strict):
    """One call we make to the partner (create, query or refund)."""

    method: Literal["GET", "POST"] = "POST"
    transport: Literal["json", "form", "query", "redirect"]
    timestamp_format: TimestampFormat = "unix_ms"
    amount: Amount = Amount()
    headers: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any]
    signature: Signature | None = None
    answer: AnswerSpec | None = None

    def check(self, kind: str) -> None:
        """Checks that depend on which call this is."""
        _check_variables(self.body, CALL_VARIABLES[kind], f"{kind}.body")
        _check_variables(self.headers, CALL_VARIABLES[kind], f"{kind}.headers")
        for name in self.headers:
            if not re.fullmatch(HEADER_NAME_PATTERN, name):
                raise ValueError(f"{kind}.headers: {name!r} is not a header name")
        if self.transport == "redirect":
            if kind != "create":
                raise ValueError(f"{kind}: only create may be a redirect (no server call)")
            if self.answer is not None:
                raise ValueError("create: a redirect has no answer to read")
        elif self.answer is None:
            raise ValueError(f"{kind}: answer is required (which field means success)")
        if self.transport in {"form", "query", "redirect"} and any(isinstance(v, (dict, list))
                                                                   for v in self.body.values()):
            raise ValueError(f"{kind}: a {self.transport} body is flat (no objects or lists)")
        if self.method == "GET" and self.transport in {"json", "form"}:
            raise ValueError(f"{kind}: GET carries no body: use transport query")
        if self.transport in {"query", "redirect"} and self.method != "GET":
            raise ValueError(f"{kind}: transport {self.transport} is sent with GET")
        if self.signature and self.signature.canonical.recipe in {"json_field"}:
            raise ValueError(f"{kind}: json_field recipes are for the status-in call only")
        if self.signature:
            _check_signature_placement(self.signature, kind)
        if self.transport == "redirect" and self.signature and self.signature.placement.header:
            raise ValueError("create: a redirect carries its signature in a field (it has no headers)")
        if self.answer is not None:
            needs = {"create": {"transaction_id"}, "query": {"transaction_id", "status", "amount"},
                     "refund": set()}[kind]
            missing = needs - set(self.answer.fields)
            if missing:
                raise ValueError(f"{kind}.answer.fields must name {', '.join(sorted(missing))}")
            if kind == "query" and not self.answer.status_values:
                raise ValueError("query.answer.status_values maps the partner's statuses")


class StyleDefinition(Strict):
    """A whole style: the status-in call and the three outbound calls."""

    format: Literal[1] = FORMAT_VERSION
    name: str = Field(pattern=NAME_PATTERN)
    description: str = Field(default="", max_length=2000)
    status_in: StatusIn
    create: Call
    query: Call
    refund: Call

    @model_validator(mode="after")
    def _calls(self) -> StyleDefinition:
        for kind in ("create", "query", "refund"):
            getattr(self, kind).check(kind)
        return self

    def secret_names(self) -> set[str]:
        """The named secrets (other than the client secret) this style signs with."""
        names = set()
        for signature in (self.status_in.signature, self.create.signature, self.query.signature,
                          self.refund.signature):
            if signature is not None and signature.algorithm != "RSA-SHA256" and signature.secret != CLIENT_SECRET:
                names.add(signature.secret)
        return names

    def uses_rsa(self) -> bool:
        """Whether any signature is RSA-SHA256 (the partner's public key must be registered)."""
        return any(signature is not None and signature.algorithm == "RSA-SHA256"
                   for signature in (self.status_in.signature, self.create.signature, self.query.signature,
                                     self.refund.signature))


def parse_style(data: Any) -> StyleDefinition:
    """A validated style from decoded JSON/YAML; StyleError listing every problem ("where: what") otherwise."""
    if not isinstance(data, dict):
        raise StyleError(["style: must be an object (a JSON or YAML mapping)"])
    try:
        return StyleDefinition.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False, include_input=False):
            where = ".".join(str(part) for part in item["loc"]) or "style"
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        raise StyleError(problems) from error


def style_json_schema() -> dict:
    """The JSON Schema of a style definition (docs/partners/style.schema.json)."""
    schema = StyleDefinition.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://webview.example/docs/partners/style.schema.json"
    return schema
