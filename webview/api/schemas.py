"""Request and response schemas of the partner API: they validate requests and produce the OpenAPI."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError

from webview.api.errors import ApiError
from webview.booking.references import REFERENCE_INPUT_PATTERN
from webview.booking.states import PartnerStatus
from webview.core.jsontext import JsonRejected, parse_json
from webview.launch.options import WEB_BAR_OPTIONS
from webview.products import DEFAULT_PRODUCT, PRODUCT_CODES

PHONE_PATTERN = r"^\+?[0-9][0-9 .-]{6,18}[0-9]$"
# Closed vocabularies as the contract spells them, from their one home (plain strings: strict validation and a
# JSON-schema enum in the OpenAPI document).
PartnerStatusValue = Literal[tuple(status.value for status in PartnerStatus)]  # type: ignore[valid-type]
ProductCode = Literal[PRODUCT_CODES]  # type: ignore[valid-type]
WebBar = Literal[WEB_BAR_OPTIONS]  # type: ignore[valid-type]


class Schema(BaseModel):
    """Strict base: unknown fields are refused so typos surface."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WebviewUrlRequest(Schema):
    """Body of POST /api/v1/webview-url."""

    identify_code: str = Field(min_length=1, max_length=100, description="The partner's own user id.")
    identify_phone: str = Field(pattern=PHONE_PATTERN, max_length=20, description="The user's phone number.")
    identify_fullname: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    product: ProductCode = DEFAULT_PRODUCT.code
    layout: Literal["single", "dual"] = "dual"
    locale: Literal["vi", "en"] | None = Field(
        default=None, description="The screens' language; omitted: the user's device decides (Accept-Language).")
    theme: dict[str, Any] | None = Field(
        default=None, description="Launch override of colour tokens and `dark` (see Theming)."
    )
    web_bar: WebBar | None = Field(
        default=None, description="`hide` when your app shows its own header (title, back) above the webview: the "
        "webview then draws no top bar of its own. Omitted: `show`. Your app may also append `web_bar` (and "
        "`locale`) to url_open when it opens it; the URL wins.")


class WebviewUrlData(Schema):
    """`data` of a successful webview-url answer."""

    url_open: str = Field(description="Open it once within expires_at. Your app may append `locale` (vi|en) and "
                          "`web_bar` (show|hide) when it opens it; they win over the launch request.")
    url_checkout_result: str
    request_id: str
    expires_at: int = Field(description="Expiry of url_open, unix milliseconds.")


class EnvelopeRequest(Schema):
    """Body of every envelope-profile call."""

    key: str = Field(min_length=16, max_length=4096, description="Receiver-RSA-wrapped symmetric key, base64url.")
    data: str = Field(min_length=16, max_length=65536, description="Encrypted original data, base64url.")


class EnvelopeResponse(Schema):
    """An envelope-profile answer (sealed to the partner)."""

    key: str
    data: str


def field_names(error: ValidationError) -> list[str]:
    """The dotted names of the fields a validation error is about."""
    return [item["field"] for item in field_errors(error)]


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """One {"field", "reason"} per field a validation error is about (`data.errors` of a code 1 answer).

    The reason is the validator's message ("Field required", "Input should be a valid string", "value is not a
    valid email address: …"), never the value that was sent.
    """
    reasons: dict[str, list[str]] = {}
    for item in error.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        message = str(item.get("msg") or "invalid value")[:200]
        if message not in reasons.setdefault(name, []):
            reasons[name].append(message)
    return [{"field": name, "reason": "; ".join(messages)} for name, messages in reasons.items()]


def parse_json_body(raw: bytes, schema: type[Schema]) -> Schema:
    """Validate a raw JSON body against a schema; refusals list the offending fields (code 1)."""
    try:
        data = parse_json(raw) if raw else None
    except JsonRejected as error:
        raise ApiError(1, f"body is not valid JSON ({error})", fields=["body"]) from error
    if not isinstance(data, dict):
        raise ApiError(1, "body must be a JSON object", fields=["body"])
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        raise ApiError(1, "invalid request", errors=field_errors(error)) from error


REFERENCE_PATTERN = REFERENCE_INPUT_PATTERN  # the name the OpenAPI document uses
PARTNER_ID_PATTERN = r"^[^|\s][^|]{0,99}$"


class IpnRequest(Schema):
    """Body of POST /api/v1/payment/ipn: the partner's payment status of one order."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    reference_transaction_id: str = Field(pattern=REFERENCE_PATTERN, description="Our order number.")
    transaction_amount: int = Field(ge=0, le=10_000_000_000, description="Amount paid, integer VND.")
    transaction_id: str = Field(pattern=PARTNER_ID_PATTERN, description="The partner's own transaction id.")
    status: PartnerStatusValue
    partner_banking_method: str | None = Field(default=None, max_length=50)
    message: str | None = Field(default=None, max_length=200,
                                description="Your words for the status, e.g. why a payment failed (\"Insufficient "
                                            "balance\"); shown to the customer after a FAILURE.")


class IpnData(Schema):
    """`data` of an IPN answer."""

    transaction_id: str


class TransactionData(Schema):
    """`data` of GET /api/v1/transaction."""

    reference_transaction_id: str
    partner_transaction_id: str | None
    status: PartnerStatusValue
    amount: int
    booking_status: str
    payment_status: str
    issue_status: str
    refunded_amount: int
