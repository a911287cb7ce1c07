"""The bodies the merchant sends to the sandbox partner's APIs, validated strictly."""

from __future__ import annotations

import json
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

Text = Annotated[StrictStr, Field(min_length=1, max_length=64)]
Model = TypeVar("Model", bound=BaseModel)


class RequestInvalid(ValueError):
    """A body that does not match the contract; `fields` names the offending ones."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("invalid request: " + ", ".join(fields))
        self.fields = fields


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an absolute http(s) URL")
    return value


class Customer(BaseModel):
    model_config = ConfigDict(strict=True)

    identify_code: Annotated[StrictStr, Field(min_length=1, max_length=100)]


class CreateTransactionBody(BaseModel):
    """DESIGN.md "Merchant → partner": create transaction."""

    model_config = ConfigDict(strict=True)

    reference_transaction_id: Text
    amount: Annotated[StrictInt, Field(gt=0, le=10_000_000_000)]
    currency: StrictStr
    description: Annotated[StrictStr, Field(max_length=500)] = ""
    ipn_url: Annotated[StrictStr, Field(max_length=1000)]
    return_url: Annotated[StrictStr, Field(max_length=1000)]
    expires_at: Annotated[StrictInt, Field(gt=0)]
    customer: Customer | None = None

    @field_validator("currency")
    @classmethod
    def _vnd_only(cls, value: str) -> str:
        if value != "VND":
            raise ValueError("only VND")
        return value

    _urls = field_validator("ipn_url", "return_url")(_http_url)


class RefundBody(BaseModel):
    """DESIGN.md "Merchant → partner": refund."""

    model_config = ConfigDict(strict=True)

    reference_transaction_id: Text
    transaction_amount: Annotated[StrictInt, Field(gt=0)]
    transaction_id: Text
    reason: Annotated[StrictStr, Field(max_length=500)] = ""
    request_id: Annotated[StrictStr, Field(min_length=1, max_length=100)]


def parse_body(raw: bytes, model: type[Model]) -> Model:
    """Decode a JSON object body into `model`, or raise RequestInvalid listing the bad fields."""
    try:
        data = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestInvalid(["body"]) from error
    if not isinstance(data, dict):
        raise RequestInvalid(["body"])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) or "body" for item in error.errors()})
        raise RequestInvalid(fields) from error
