"""The OpenAPI 3.1 document of the partner API, built from the schemas that validate requests."""

from __future__ import annotations

import copy
from typing import Any, Literal

from flask import Blueprint, current_app, jsonify
from pydantic import BaseModel, ConfigDict, Field

from webview.api.errors import CODES, ENVELOPE_MESSAGES
from webview.api.schemas import (
    REFERENCE_PATTERN,
    EnvelopeRequest,
    EnvelopeResponse,
    IpnData,
    IpnRequest,
    Schema,
    TransactionData,
    WebviewUrlData,
    WebviewUrlRequest,
)
from webview.booking.references import MAX_REFERENCE_INPUT
from webview.styles.reference import STYLED_IPN_PATH, styled_ipn_path_item

REF = "#/components/schemas/{model}"

REFERENCE_SCHEMA = {"type": "string", "maxLength": MAX_REFERENCE_INPUT, "pattern": REFERENCE_PATTERN}
HMAC_SECURITY = [{"ClientId": [], "Timestamp": [], "Signature": []}]
ENVELOPE_SECURITY = [{"ApiKey": [], "AccessCode": []}]
# the plaintext answer to an unknown access code (no key to encrypt to); disjoint from a sealed {key, data}
# an envelope caller refused on a plaintext answer (GET /api/v1/reconciliation: no body to seal)
ENVELOPE_PLAIN_REFUSAL = {"type": "object", "required": ["error_code", "message"], "properties": {
    "error_code": {"type": "string", "enum": ["03", "10"]}, "message": {"type": "string"}}}
PLAIN_TEN_SCHEMA = {"type": "object", "required": ["error_code"], "additionalProperties": False,
                    "properties": {"error_code": {"type": "string", "const": "10"}, "message": {"type": "string"}}}
# A body too large to read is refused before any key is known: plaintext 07 (docs/partners/errors.md).
PLAIN_SEVEN_SCHEMA = {"type": "object", "required": ["error_code"], "additionalProperties": False,
                      "properties": {"error_code": {"type": "string", "const": "07"}, "message": {"type": "string"}}}


def _schemas(*models: type[Schema]) -> dict[str, Any]:
    components: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    return components


def _envelope_answer(data_ref: str | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "code": {"type": "integer", "enum": sorted(CODES), "description": "0 success; see the code table"},
        "message": {"type": "string"},
    }
    if data_ref:
        properties["data"] = {"$ref": REF.format(model=data_ref)}
    return {"type": "object", "required": ["code", "message"], "properties": properties}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


UNUSABLE_WORDS = ("An answer we cannot use is logged with its reason as the exchange's verdict in our message log "
                  "(shown by the sandbox inspector), e.g. 'unusable answer (HTTP 200): `amount` is missing'.")
CODE_1_ANSWER = "code 1: invalid request; data.fields lists the offending fields, data.errors the reason for each"


def build_document(base_url: str) -> dict[str, Any]:
    """Assemble the document; every request schema here is the one the endpoint validates with."""
    code_table = "; ".join(f"{code} {message} (HTTP {status})" for code, (message, status) in CODES.items())
    envelope_codes = "; ".join(f"{code} {message}" for code, message in ENVELOPE_MESSAGES.items())
    error = _envelope_answer(None)
    error["properties"]["data"] = {
        "type": "object",
        "properties": {
            "fields": {"type": "array", "items": {"type": "string"},
                       "description": "code 1: the offending fields (dotted names, e.g. `theme.text_color`)."},
            "errors": {"type": "array", "description": "code 1: one entry per field in `fields`, with the reason "
                       "(added in 1.1; the value sent is never echoed).",
                       "items": {"type": "object", "required": ["field", "reason"],
                                 "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}},
        },
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "webview partner API",
            "version": "1.5.0",
            "description": "Signed server-to-server API for partner super apps. hmac answer codes: "
            + code_table + ". envelope error codes: " + envelope_codes + ".",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/api/v1/webview-url": {
                "post": {
                    "operationId": "createWebviewUrl",
                    "summary": "Open the webview for a partner's user (hmac profile).",
                    "security": HMAC_SECURITY,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="WebviewUrlRequest")}}},
                    },
                    "responses": {
                        "200": _json(_envelope_answer("WebviewUrlData"), "code 0 with the launch URLs"),
                        "400": _json(error, CODE_1_ANSWER),
                        "401": _json(error, "code 7: authentication failed"),
                        "413": _json(error, "code 1: body too large"),
                        "415": _json(error, "code 1: not application/json"),
                        "429": _json(error, "code 8: rate limited"),
                    },
                }
            },
            "/api/v1/partner/login": {
                "post": {
                    "operationId": "partnerLogin",
                    "summary": "Open the webview (envelope profile): access_code|user_id|layout|product.",
                    "description": "The sealed answer's redirect_url opens the webview once. Your app may append "
                    "`locale` (vi|en) and `web_bar` (show|hide: hide when your native header is the only one) "
                    "when it opens it; an unknown value is answered HTTP 400 naming it, without spending the URL.",
                    "security": ENVELOPE_SECURITY,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": REF.format(model="EnvelopeRequest")}}},
                    },
                    "responses": {
                        "200": _json({"$ref": REF.format(model="EnvelopeResponse")},
                                     "sealed access_code|error_code|redirect_url"),
                        "400": _json({"$ref": REF.format(model="EnvelopeResponse")}, "sealed error 07"),
                        "401": _json({"oneOf": [
                            {"$ref": REF.format(model="EnvelopeResponse")},
                            PLAIN_TEN_SCHEMA,
                        ]}, "sealed 03/04/06, or plaintext 10 for an unknown partner"),
                        "413": _json(PLAIN_SEVEN_SCHEMA, "plaintext 07: a body over 64 KiB"),
                    },
                }
            },
            **payment_paths(error),
            STYLED_IPN_PATH: styled_ipn_path_item(),  # issue 14: the partner's own style (docs/partners/styles.md)
        },
        "components": {
            "schemas": _schemas(WebviewUrlRequest, WebviewUrlData, EnvelopeRequest, EnvelopeResponse,
                                IpnRequest, IpnData, TransactionData),
            "securitySchemes": {
                "ClientId": {"type": "apiKey", "in": "header", "name": "X-Client-Id"},
                "Timestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp",
                              "description": "unix milliseconds, within ±300 s"},
                "Signature": {"type": "apiKey", "in": "header", "name": "X-Signature",
                              "description": "hex HMAC-SHA256(client_secret, base64url_nopad(ts.client_id.body)); "
                                             "a bodiless request signs its raw request target instead, and a "
                                             "GET or HEAD with a body is refused with code 1"},
                "ApiKey": {"type": "apiKey", "in": "header", "name": "apikey"},
                "AccessCode": {"type": "apiKey", "in": "header", "name": "x-ibe-req-name"},
            },
        },
    }
    return add_gotadi_aliases(publish(document))


# Gotadi-compatible paths (issue 14) -> the published call they alias; webview.api.views registers the routes.
GOTADI_ALIASES = {
    "/api/partner/login": "/api/v1/partner/login",
    "/api/partner/commit": "/api/v1/partner/commit",
    "/api/partner/query-trans": "/api/v1/partner/query-trans",
}


def add_gotadi_aliases(document: dict[str, Any]) -> dict[str, Any]:
    """List each alias as its own path: the published operation, same body, answers and examples, named apart."""
    paths = document["paths"]
    for alias, published in GOTADI_ALIASES.items():
        item = copy.deepcopy(paths[published])
        for operation in item.values():
            operation["operationId"] += "GotadiAlias"
            operation["deprecated"] = False
            operation["summary"] = f"Alias of POST {published} (the path Gotadi's client code uses). " + \
                operation["summary"]
            operation["description"] = (f"Exactly `POST {published}`: same headers, sealed body, answers, codes and "
                                        "rate limit. Either path may be used; neither is deprecated. "
                                        + operation.get("description", ""))
        paths[alias] = item
    return document


def _sealed(summary: str, operation: str, reply: str) -> dict[str, Any]:
    """An envelope-profile POST: sealed request, sealed answer (plaintext 10 for an unknown partner)."""
    sealed = {"$ref": REF.format(model="EnvelopeResponse")}
    return {
        "post": {
            "operationId": operation,
            "summary": summary,
            "security": ENVELOPE_SECURITY,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF.format(model="EnvelopeRequest")}}},
            },
            "responses": {
                "200": _json(sealed, f"sealed {reply}"),
                "400": _json(sealed, "sealed error 07"),
                "401": _json({"oneOf": [
                    sealed, PLAIN_TEN_SCHEMA,
                ]}, "sealed 03/04/06, or plaintext 10 for an unknown partner"),
                "413": _json(PLAIN_SEVEN_SCHEMA, "plaintext 07: a body over 64 KiB"),
            },
        }
    }


def payment_paths(error: dict[str, Any]) -> dict[str, Any]:
    """The payment-status endpoints: hmac IPN and transaction check, envelope commit, query-trans, detail."""
    reply = "access_code|booking_number|error_code|product_type|properties|return_url|total_amount"
    return {
        "/api/v1/payment/ipn": {
            "post": {
                "operationId": "paymentIpn",
                "summary": "The partner reports a payment status (hmac). Checks: auth, schema, 3, 4, 5, state.",
                "security": HMAC_SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF.format(model="IpnRequest")}}},
                },
                "responses": {
                    "200": _json(_envelope_answer("IpnData"),
                                 "code 0 applied, repeated or PENDING; 3 unknown order; 4 another partner's; "
                                 "5 amount differs; 6 cannot be honoured (the partner must refund)"),
                    "400": _json(error, CODE_1_ANSWER),
                    "401": _json(error, "code 7: authentication failed"),
                    "429": _json(error, "code 8: rate limited"),
                },
            }
        },
        "/api/v1/transaction": {
            "get": {
                "operationId": "getTransaction",
                "summary": "The status of one order (hmac); the signature covers the request target.",
                "security": HMAC_SECURITY,
                "parameters": [{"name": "reference_transaction_id", "in": "query", "required": True,
                                "schema": REFERENCE_SCHEMA}],
                "responses": {
                    "200": _json(_envelope_answer("TransactionData"), "code 0 with the order; 3 or 4"),
                    "400": _json(error, "code 1: reference_transaction_id missing or invalid"),
                    "401": _json(error, "code 7: authentication failed"),
                },
            }
        },
        "/api/v1/partner/commit": _sealed(
            "The partner has taken the money (envelope): access_code|booking_number|partner_trans_id|product_type. "
            "00 paid (or a repeat), 08 committed with another partner_trans_id, 02 unknown, not yours or "
            "cannot be honoured.", "partnerCommit", reply),
        "/api/v1/partner/query-trans": _sealed(
            "The status of one order (envelope): access_code|booking_number. 00 paid, 09 awaiting commit, "
            "02 failed, expired, unknown or not yours.", "partnerQueryTrans", reply),
        "/api/v1/products/booking-detail": {
            "get": {
                "operationId": "bookingDetail",
                "summary": "The booking as JSON, to the envelope partner that owns it (document numbers masked).",
                "security": ENVELOPE_SECURITY,
                "parameters": [{"name": "booking_number", "in": "query", "required": True,
                                "schema": REFERENCE_SCHEMA}],
                "responses": {
                    "200": _json({"type": "object", "properties": {
                        "error_code": {"type": "string", "const": "00"}, "message": {"type": "string"},
                        "booking": {"type": "object"}}}, "the booking"),
                    "400": _json({"type": "object"}, "error_code 07: booking_number missing"),
                    "401": _json({"type": "object"}, "error_code 03 or 10"),
                    "404": _json({"type": "object"}, "error_code 02: no such booking for this partner"),
                },
            }
        },
        "/api/v1/reconciliation": {
            "get": {
                "operationId": "getReconciliationFile",
                "summary": "The merchant's reconciliation file of a closed GMT+7 day, one part (either profile: hmac "
                "signed over the request target, envelope by its headers). RFC 4180 CSV in the agreed template; "
                "X-Content-SHA256 is the hex SHA-256 of the body, X-Content-Signature the .sig sidecar, "
                "X-Parts-Total the number of parts.",
                "security": [*HMAC_SECURITY, *ENVELOPE_SECURITY],
                "parameters": [
                    {"name": "date", "in": "query", "required": True, "schema": {"type": "string",
                                                                                  "pattern": "^[0-9]{8}$"}},
                    {"name": "part", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                                   "default": 1}},
                ],
                "responses": {
                    "200": {"description": "the file, named by Content-Disposition: webview_<partner_code>_"
                            "<YYYYMMDD>_<n>.csv", "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "400": _json(error, "code 1: date is not YYYYMMDD, or part is not a whole number from 1"),
                    "401": _json({"anyOf": [error, ENVELOPE_PLAIN_REFUSAL]},
                                 "code 7 (hmac) or error_code 03/10 (envelope): authentication failed"),
                    "404": _json(error, "code 3: the day is not closed yet, the file has no such part, or a day "
                                        "more than 62 days ago was never written"),
                },
            }
        },
    }


# -- the published contract: webhooks (merchant → partner), examples on every operation, layouts -----------------
# Examples are real: requests and signatures come from docs/partners/vectors.json (a test keeps them equal), answers
# are what the API answered when the guide was written.

CREATE_EXAMPLE = {
    "reference_transaction_id": "261122-7QK4M2XD", "amount": 990000, "currency": "VND", "description": "VIP 12 tháng",
    "ipn_url": "https://merchant.example/api/v1/payment/ipn",
    "return_url": "https://merchant.example/w/result?partner_code=mywallet", "expires_at": 1795332900000,
    "customer": {"identify_code": "user-42"},
}
REFUND_EXAMPLE = {
    "reference_transaction_id": "261122-7QK4M2XD", "transaction_amount": 500000,
    "transaction_id": "MW-20261122-000123", "reason": "customer request", "request_id": "RF-3F9A0C2E7B1D4A65",
}
LAUNCH_EXAMPLE = {
    "identify_code": "user-42", "identify_phone": "0912345678", "identify_fullname": "Nguyễn Văn An",
    "email": "an.nguyen@example.com", "product": "vip", "layout": "dual", "locale": "vi",
}
IPN_EXAMPLE = {
    "reference_transaction_id": "261122-7QK4M2XD", "transaction_amount": 990000,
    "transaction_id": "MW-20261122-000123", "status": "SUCCESS", "partner_banking_method": "WALLET",
}
SEALED_EXAMPLES: dict[str, dict[str, str]] = {  # docs/partners/vectors.json, suite modern (a test keeps them equal)
    "login_request": {
        "key": (
            "EhivYbPtbh8AN4zy1Aael6Ttf33l8m_M8CJhkzO6_PszVe7goP5RDcpk3ruO2V3fJQNCu2qyRTRkIHQbvefDg7tyUFJ4OBgORo0-"
            "so8DrCduSmew0C-bNAoZNrXiPcYJb1jygh4ZmxQAWe_jecsupPCL0jKK7ljAINAltONbnqMbrQxIrL_2_BfjFG0DZuI0KvNNu2dp"
            "4O5p11VOqbsCwFvVQO84mlvsi4etvZo1cYfZjWADl0zgSB_mW_96wqFwgNdaypxxe69YUH5EBplGJxqLnXFkpVQm5-gxfiuRLT6l"
            "BVSJezBBgxt_N8x5ncPje-eZg9IwjHPXSjHFx68iyBup_jNmwtNqx3puvPpX9gR-eqJwBz-saQd0n8ldRRt0KKDgC00LW6D25Vk2"
            "Ez6nQbJ71TPJaR8LHNkHuJ18Hc7OExlFj3acnjM5l8a22Dffk2biECCB5tQzEFBS4m4sBgo8WdlbfG8Sl8E5R19KGm6jFRAnE0DA"
            "5FK62j-h-whH"
        ),
        "data": (
            "S0lzJG8g5ZwowXo39dkfwQlp8B8_NWsW2mLPgUiXkd7p3c8YVEXzDmi8GA9N9rRg7uuFgCVuMhxFXiBpd6s1vqHo99rw5P9Aj86p"
            "dDGu4cAlP8KXrI26tW22Hw0I4mKxZOGfVZ5ZWeSt9kTDml7SiQXxmRCPr7uIJJkQ40yDSK-i1OSjTHX6nyVjnjahh6ihuyxUhDeb"
            "YL8GSUqGpM9DcpGN-WyOL7D446Gm8OAwSM8eMTlSQJ6ZVqW2OlYCewbymp49LYtc8TsCvtz6JFgnm0Xc1WfEDM9pDkv7mhMSPJf-"
            "mnEs7G_CzK_-CfBXoldwsTiXkDu-NilBngFPj868giq7MbLBPpKAGBTCDbzSHcFZnzwN-QSPjmIYUkxqf6NY0HNJGd4CzdkCWudx"
            "HaXH35un8ewFYUXlJnc-q0xaD9EvbPdCJmPHnEWQ75gwFNW3IW5mT9-I-ruPL3NHkp8CR6tR59jdVs4hXP6MZBtQnmei2We75n3U"
            "Py6pKnMbumB80Bj9L7hZAX9AYwukQdr14SfS9TTHDTztwyER0_-Ue01bOIJ4A2Ww7eY6"
        ),
    },
    "login_response": {
        "key": (
            "HzKuxJXh7QdCpOgxXH3dt94-AneAGjlNUL7YGI0qySiRyktRAhU1UzTsgwh1zcVBNQnGvFdwZW-W9RqcivU6FiZGwzHXJ561lOkY"
            "sa4o2GDdg0Aqy7AO4CIJkx0-loEdhLsQpzR6QW88TT7IJQ0ABWI-PIcT9P-IJ7M4w5vcQeZxlmLTe-iGwoWbu0Tj1ReVEMb94Hq9"
            "FvhiOdMou21f0PxAr0SOa2ZwxQ-0JLcxgpCoPBrOE9DFadYmJLze4gqpNN83CdkUriIy7AG8rQD_Te7z0rssvjVQHNcz3xNsY6We"
            "pxJMuUJZZtmObHHR0CYD8ID47UGzB-7QzbadiXgrXw"
        ),
        "data": (
            "7TfK3tf6C3ULggV1aIJ5bFrjjD_PXiZyagW9rnkp0xTppwPZlQB6mMp4p0wd51ckJ5Fff-YNvtXNHk2BRVBUnbadGGsAp5Xzg9Ch"
            "stKMqN69I8EyuEje7hjyrNrEXMyPc3MzNqAta5IQcd6obEJSFJCVrDvl5h37GyE7NCQTGUORmA4wItx46S1ivEmZR9LSLPoNokTw"
            "8fFJpUKHqxW0UFkEfPdiFog2kZYzkfsGNuVDlKsRHgUg0JS4y3QdE2_f4B6fgqWYWvMoTMas9zam9GUWCy2xv92-epUJATR9eX4Z"
            "tt4gVqbvA4VPkMZJ3eFl3WngSC1b9zWaImL-3AWDlf2n5FVu9sZyx6Ct5ReM159rLza4tSxl3yOeuCDQaXbGqhA7o76P7ZHuws8T"
            "IQtMlkkruUCr2sI52gvVZBBuhq9DxR4M1fiI1wuKnKedY62HfWy9u9_W7LiTeDhl2rfE_79j7Q9-apR7rtXVwdNLz_iTUKAgZUkC"
            "AR17wUa8bEwBc9jCejI_8w6Up_yi9bni6aSEdMvav-uwDhzY1wq3TyIeEQLCl7IkNf_RB2zhidMRtchr55Ltw524KNGZQOFQ4m-V"
            "ky5tEEYGpuq5-B_UcwWSZzxFdoAfBfRfBtjBmNk_5ZYHE4clX6Snux-zajg89PC0-dJJxOACNKI-MEVeohGbdsMNRUrznBGUEIX8"
            "e02p_U8C7kZMYUBzapUqAte2n-nQIt6k2aBwph-5pw4SW1Gz4-6ZcMvsP7Y5YF8j_RgpcNAALGBz-WLfjqijDw2zyChSTn6-Qu3R"
            "CIALfAThp6azHupnGRGHWjey6RY0_dvWqjxpEqpOKHY7EQ6meEHwIdprjlxyGn7O5GQgQpw"
        ),
    },
    "commit_request": {
        "key": (
            "HBHQjTZRGXK3yrZcO3dtOq9F8U9tGu4bxLmynFu70poWStUxxHZFCgSNsxQJ49Ogn3c0HqTmgyRcDRQbLtR-azu468O0KuOGKhZ8"
            "-q5xuNJHAZ0lE_ztpDn1zdGzt4fPq9NXgn4vVOHq83NGsRfYgUArf9tEHagiyVnUTu5NCGYypaDl0l8IZUGLGPZRgmxvnrOzp-Be"
            "9wFXNrfLLWNVEN4i-5E4a9UgEHMprYhwjXx2cvkUNh-JmwSXrYHMutm-MRb0R_jdoaV9roCrRgLYp7JmnoUPBbsiMHL2BK5mo5UW"
            "HlZCWlLPN25fl5ZjQFydDIthyw9mTv0CXZzRjAU50S6O7wDGyt9I7PfBGhPkkwebHWK-wYVvYxQM3bHsUg-82yjDNyRXQPYdrqjh"
            "R4sFc4oTCECphjbyMIVDa_scKU3oJq7UwhscpGzMd9otRveKiCrgXVcNKsgB2gjH2V-EzuZBuzclT8fzT5W8xVCw9Au4YmnnOAwF"
            "j3Wf352nVtHH"
        ),
        "data": (
            "9cVEo32-t6PjVwfpMULt6AXzBJ_E7yRTNQtcgVJLYpeXFreVQnpU1DVTk7oUg0djG1_B9lr7aIwMu1VHGnbtBIOXhzkqdsS8pVM_"
            "S-gM6MdZH4dVmniRrE8ADSyvA047ZSo7sIz2xRj0Hzqx1dV3yal-vKMrXoOILO6mnlEmUljBAZjQEuVrvPIOut66Mc-kqjbsSMGU"
            "Nx88DTkb0i9vZ7NDzCysH9YGprvhOJ9LsYJ50lzIf7itZBHrniG4jF5bQlHQJT6ZRXV1yq70tOi6UOuyCgHawDw0QTgdzTcI6c2B"
            "KAEK-o7ojya37-dGzOCHv0UoV9iB9pvhoUZp48sOvG8Byg-8MFXmAEpgHfJgr_uKKR7G0t4rr9WSuLfEdj6Zn5HbY8BPZ_1XoBEY"
            "aWWTZIrkXGjegWYsfVbmV5QlA26x9ANXpOZFrnrPQ3q6RYfOK1iy01e3uASCTHD-PUWIUR27rqxGtdM88BWDRIBpJgfr5A6utTdL"
            "y4LLrBHDK9x4py8LaZoZeBdeu2SONC7hPzNuoMAEO1kk-8QUVu6ZYcJaOivY70iENxopOXslvj3XZo1w8AtaZ7tHkytONW97VQ"
        ),
    },
    "query_request": {
        "key": (
            "oqTRIJHorTBYCkKYqnNgIqrtLd7kn52m_WvH0S0ndK1YIYSNFhDKQfYzwT5jl4SltSmiqkolCnBgzZq3VfpRWSdYZ3n39-78xMLB"
            "LH8ClTxpqDfuI0xFNVSSg5UrDJDhy40BvqAbrShwOjTmqtWaqI5aR9rsnzK4lfobRgSzxlEhjWDBNNzv5lSoiLcscM9dt4snCMKO"
            "A6iQFb0IuEgxnZerUg__QcMEOpxb4v8XQDh27VxjEXeBhUu9AtcPH24MPVIQ6nhHI-sITT1UGnIB6qc2eaovvQN6jiW8aaWwlFxE"
            "Y6XYszpinH9qXxSJkUUF8UzylYxZjM5uDLOD-fGOpwV79WGlNB9rsDrGws1-8qB5jqlXmhBeuKiLnDNk1vCUH-H6Vg1yRPWpbtn-"
            "rRunkb0p-ZAltyrFDGAf1QGTjcunO2na0bjg-3LSeC64DVxvg1j3U2RJwY2sFVkVAI5ek-Q69VrP4H5rPMUSV6J_IEAed_9zSaS5"
            "9BgLg-fISAId"
        ),
        "data": (
            "a_LjeEJ7z88LqXhmweEPr9oJj2Jlg9QV06erIXDyM2IDgIl-pkI1wy8JGvOoeHO1PRuCdczUHtapSpkZlEjaBKxqlaPMce2I-2H0"
            "8en1E9oFLdZ_s6SAEEuHM_UlQb7ZYH3y_WEUNiQ8oXbt9ePZ8ip56KPaR6hFSoigggbuJG_2Q342ZQt8GgJdA_i6SHoXUwASmQ1p"
            "GKpVmW63DsE8q8UOMR9s-esnrfsvla8nK1z9jU5XypaQvnPlRJhqxd-nO-8IKBo66cqPaIOC41G28oiqCLj92VgvG7R6Ql_jYyDn"
            "xEGv_9pL25UOn2gIjGeYXiyBc_Sk3NpSY2sqMlntuRfANfX2arQSQ5qa9-wgRBBuAj62QzuqJXTjoZVF8PAB7vEZAmNoDYhcEfKI"
            "sLUJFQsKxWJ2Zjp1mXGJVJWG8MnFeCOs7FgDMJQcyd6lEzJ-FlxBEJUQS9LMwlkNJp1VN9dEiFH_0HQXmnMbRoRs3Y4OPPn4zQNL"
            "0sKjX7dFS06xNGo228Xcs8Dsq67MYmg2aLoiZSNZIcHk8mE0vCo_R7JfTGY4muTbFys"
        ),
    },
    "commit_response": {
        "key": (
            "PBSnFV3ZK9u0WGioJomzWjKordkiQqt1z9osYQ6ebvZ1vZVpj_JYPBbAcEPKyJGEGhiA9WDb-SXpraOAGqTL6gp9OhACVLvb9HT-"
            "A9ooFp03tgoq6enhG5eTKuGUuzqeiC-bILyD905r1XpyVG90GaMI8dZMS4IVC-ysj6PdZuo-aIwiGrmounbb5a2E68pPtcbnbteW"
            "-jwmOw0wZp0mZafVVihJcAfDgzxYU8fORLoiQ_0E0L_4Gtb4lCGszvFq5QYah1UbveS6s6q0kFGdPZS7RWE_t9cV2S9V_s7h9A03"
            "lvK_dkd3B-qUC9KPk90nkdKM6EnJKEUOGR9yqggBdg"
        ),
        "data": (
            "QCjKLNM18xQIg47Lwujiwbkze8_lPFAgeUsbvd_ouX-ISTT7JbhEKaZ6MWf2zOW7QQnIx0UvrSXcwXxAWTsmvCSwZn22BT6uHBFl"
            "Jx7emvFYPMqp6vUTCzFs6UzP4htjDNb9FOTPDugDM5Sn64xZuR1-oC1mHlj7G3ATgE8RPsuGYyD-mrRkTXxNyciv9PySYBg1Px48"
            "GPyFBak0RejvJE5zdBQqozj0y1cPz4cRZtZvCnU-NtFJSPhzeJYmMzvVuTMkphAs1FjUtLR_GdpajGczTyL-dYYNvWH3iUTBByEY"
            "SLiC8GChoMj9OU4sgGSxIIRgYE1cSkBKoS3agWDf-T4yiEzB8vuxSmxKKeNLlriJ8U20oaWx_llsoUofMXEu1AFgbtSI2KvVo8Cc"
            "XlXHSyWCUomLDaewHgRq2sjOpTpsPTMxruqu53RhZVApTEeJ8kPNkvWv-5yzVtlxyl8FZuBFpHojHbIULVFLFIithOWZEvYWjqKc"
            "qCmkNPeCGMdedcqPR5Mg73AcUIonDkdyBZ08l7wWq_MrrUaI4HNdymjB_6jybSQiyRRJvzkp98h9nkpVEA9MQdS19mKu68GIMQZB"
            "ag_LvFFiI-FeMpJb6N8TvUh2VSoxZTLV2GU9s3vPJHPrBopqY2kLKr7uTxEQLR24fyV1NX-RiGonEOfWa-WT4cwGOEATVVmhn_4E"
            "9BlcyywcRr3wuKx2VK93GW9l1f7ZY99_TRdhtsP3vWj2GK7F708gS6dxcKh0vmMUajdvn2Vl11-430Ct9R6bVsFIkgtCufuZ4RLi"
            "tkUcqXCTWEkZs4b_Y5wJXVpHiu-Kak4Cf5P7IPLdhCIkRjmgTkZ3rEqHNpNr4UKdx3KS5_8a4BylxgR8zv1TW4pztI-fXU_-suq7"
            "0lvqHYWt8jAGkyvrAPk8cKW6gOLopJpJdZBGLbcaQVH73ftZ6yoSsOcmrmpE6u5qhfed-W8WQgoIR4u_YIqwmKurA-_7Wcg1MTQW"
            "Rhbn1efOCOe6fv2pHxC5hFKWkk6N61hBfnDHlcJs8hvp0ra52GUMlZZjuFbr2pxDnzz0OUms4h_yCZ78a-iiL8i3XNzBMwd1RGGH"
            "RiaSLFvqA152Z8Oviv6jYyOmAiGzZaHZ_CaGK0Wl5aT6LTIGnDER9VeEUgrBLvznXqtCOixxDdE8dRQqE5cWbYPEevU5XfaXWOSP"
            "QHV1xSvWdn4Ddkz7wSy7VD8pg9sD-aU"
        ),
    },
    "query_response": {
        "key": (
            "BerLGBl5VHAA2Yobi1JeHKdvqscMXQeNqVvAMxjSkfLkwd5pGV85k-UQ33NRkeHW9wpLap2Ept98ZjkHEov0v1mlnrrtZN8y0MVM"
            "fZCgt01mBS43DwTCY8pFZ7WXvN73xv6mjBblMEwafbDSmNF88aaxL7tn3LZyH1uzpo8bRVjRtTDfEONnAlHAFw6A2vBskrquYRZJ"
            "mUCUE0feWrVLfpxAO-LY2aiavjiivawKF9akvBz_necqtVvV522dF-8zrbxeJPhIXmMwxCpHd5UOREQg-bWVdJrI5uaIvksNtm2c"
            "z4S5dKkEb7L7Amdd3xLBmkE3W2vU8nHXUZnmRU2GTQ"
        ),
        "data": (
            "5ymA8Hq_MDWGkTOVA6QPU8ES85iCn41znb8cS_0DAhGm6_wauXFu6GehFlfyYNoYX8bMzQHHxEjxkbvIR3Y6qveqWYVgJIjVCowo"
            "HiBp1pa1B0xolIwIO5AD9zQkItgAX9g59c81tqSUo0RfdrICHZ7BR9P0oT3QL7mtod2V6tuaEI63MJzjJgMshuxKxVKLB41peYGZ"
            "4jd8Qbf2XkQXmdhwXabLevSd-on7oyYKv7TdR8cMDCOy0CaQ1pyqrEQwk1hskRAgApNfjS-B-Kwc75XFFoybChkq_z2IQ7V7KDes"
            "-L8KEarKylZL5xKZUwvE0BeXVVP1IbuskaG14dc0MIXBpGtGhgRCIBQwwVNP4oUWlhsLT0v9UHNJUpTVe2xkA2lGorbtN5L0qo31"
            "jQpVEs3baW-l7qYAJOGBF5OkXVM9AeNerB_ccn79bfLvRXiCKar15N3TYHQafLdeEQskfB54_cxR_ZwY1vKj8vyuDNQ3htZ-0VMz"
            "uHwkDujCw-HjEYyKw69PPZa6VbHoJikr4NYVcsyc8C2vdhFhDzXIsYpbs-h1U9t21pT3N-PVOOhea7ppEPcKZoWp8TOWSHDVf_8g"
            "LbZ8PKC8FRJm-iisQ_4HCL24SIJLw68q6tZVpjn87-tkO9raB7jQwgv-IF9G2WMAT7qOrohIKNTomk6S_g6KS70SihRlZQu4s_DT"
            "V9JMScIafIzOp4cEPnzlnsbMUq66uvch9moUmMHTYsUV_ZTtl9cG707IaLG8xgLE2FA0s72wMRU5Cp_o_rFZA7sYMTq3Jt_ILUbn"
            "TnH_8-1Fxk29VpRcjs5kD_3p30wA-EbcMYd2FB2WpOOp1mVN81cuM2-JKfkC5hvdPTGc1S1TK-7SYz_s1X2WORDenCqSomlAbZou"
            "xPVKWsAPTYyTfbSooxw11whzpKVTCf_MUuSkKLIXF-bHYXnw5LOdTTS4EHJwxP6d87PUdqb4Wef8XIuSDa7zieWdkjxa4MI8IKRl"
            "f9klYZvBSOrAfF6En8tA8kbhjK7KkkXE_GevNV1xS2NDniNCfYcdUKP_AVRR-kBWMmbEEmJWTU3759FboidW2mXTRSddLQhdbFB_"
            "5hP066WNYQpTq5zevhgmm8QSUxUGSAP0jrBthcvpJHOzMxAzDrcVTjl03DEqMFbiRJ-rpMSWYbLQsSP_UDl-_mvWM9_Frs23Gygr"
            "K09SdsKLiFP7_Jx0jq82o_-ky5Dx-DQ"
        ),
    },
}

LAYOUTS = {  # signature data → original data; the modern suite appends "|timestamp" (unix ms) to both
    "login": ("access_code|user_id|layout|product", "access_code|user_id|layout|product|signature"),
    "login answer": ("access_code|error_code|redirect_url", "access_code|error_code|redirect_url|signature"),
    "place order": ("access_code|booking_number|product_type|total_amount",
                    "access_code|booking_number|product_type|signature|total_amount"),
    "commit": ("access_code|booking_number|partner_trans_id|product_type",
               "access_code|booking_number|partner_trans_id|product_type|signature"),
    "query-trans": ("access_code|booking_number", "access_code|booking_number|signature"),
    "commit and query-trans answers": (
        "access_code|booking_number|error_code|product_type|properties|return_url|total_amount",
        "access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount"),
}
SUITES_TEXT = (
    "Suites: modern = RSA-OAEP(SHA-256, MGF1-SHA-256) wraps a fresh 32-byte key, data = 12-byte nonce ‖ AES-256-GCM "
    "ciphertext ‖ tag, signature RSA-PSS(SHA-256, MGF1-SHA-256, salt 32), and `|timestamp` (unix ms, ±300 s) ends "
    "both the signature data and the original data; legacy = RSA PKCS#1 v1.5 wraps a fresh 24-byte key, data = "
    "DESede/ECB/PKCS5, signature SHA256withRSA, no timestamp. key and data are base64url without padding; the "
    "signature inside the original data is standard base64. A message that fails to decrypt or verify is 04.")


def layout_text(*names: str) -> str:
    """The documented layout lines of envelope messages."""
    return " ".join(f"{name}: signature data `{LAYOUTS[name][0]}`, original data `{LAYOUTS[name][1]}`."
                    for name in names)


class _Open(BaseModel):
    """Partner-side bodies: unknown fields are allowed (ignore them; new optional fields may be added)."""

    model_config = ConfigDict(extra="allow")


class PartnerCustomer(_Open):
    """`customer` of create transaction."""

    identify_code: str = Field(description="Your user's id, from the launch.")


class CreateTransactionRequest(_Open):
    """What the merchant POSTs to your create_transaction_url (hmac, signed with your credentials)."""

    reference_transaction_id: str = Field(max_length=40, description="Our order number: your idempotency key.")
    amount: int = Field(ge=0, description="`amount` (not transaction_amount): VND to charge.")
    currency: Literal["VND"]
    description: str = Field(max_length=500, description="The offer's title.")
    ipn_url: str = Field(description="Where to send the IPN.")
    return_url: str = Field(description="url_checkout_result: append the signed result-link parameters.")
    expires_at: int = Field(description="Unix ms when the hold ends.")
    customer: PartnerCustomer


class CreateTransactionData(_Open):
    """`data` of your create-transaction answer."""

    transaction_id: str = Field(min_length=1, max_length=100, pattern=r"^[^|]+$",
                                description="Your transaction id (the IPN's and result link's transaction_id).")
    payment_url: str | None = Field(default=None, description="Redirect handoff: an http(s) URL on a registered "
                                    "host. Without one (or on another host) the checkout opens your registered "
                                    "payment URL with ?transaction_id=…&reference_transaction_id=… appended.")
    deeplink: str | None = Field(default=None, description="Deep link with a registered scheme (deeplink handoff).")


class QueryTransactionData(_Open):
    """`data` of your query-transaction answer."""

    transaction_id: str = Field(min_length=1, max_length=100, pattern=r"^[^|]+$")
    status: Literal["PENDING", "SUCCESS", "FAILURE"]
    amount: int = Field(description="`amount` (not transaction_amount): VND of the payment; must equal the order's.")
    message: str | None = Field(default=None, max_length=200,
                                description="Optional: your words for the status, e.g. why a payment failed; shown "
                                            "to the customer after a FAILURE.")


class RefundRequest(_Open):
    """What the merchant POSTs to your refund_url (hmac, signed with your credentials)."""

    reference_transaction_id: str = Field(max_length=40, description="Our order number.")
    transaction_amount: int = Field(gt=0, description="`transaction_amount` (not amount): VND to give back in this "
                                    "refund.")
    transaction_id: str = Field(description="Your transaction id as we hold it.")
    reason: str = Field(max_length=500)
    request_id: str = Field(description="This refund's id, the same on every retry: your idempotency key.")


def _answer(data_ref: str | None, description: str) -> dict[str, Any]:
    """Your answer envelope {code, message, data}: not signed."""
    properties: dict[str, Any] = {"code": {"type": "integer", "description": description},
                                  "message": {"type": "string"}}
    if data_ref:
        properties["data"] = {"$ref": REF.format(model=data_ref)}
    return {"type": "object", "required": ["code"], "properties": properties}


def _media(schema: dict[str, Any], description: str, examples: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": schema, "examples": {name: {"value": value} for name, value in examples.items()}}}}


RETRIED = ("No usable answer — a connection error, a timeout (3.05 s connect, 10 s read), HTTP 5xx or 429 — is "
           "retried at once up to 2 more times (pauses 0.25 s, 0.5 s), same body, fresh timestamp and signature.")
SIGNED_BY_MERCHANT = ("Signed with your client_id and your newest client_secret: X-Client-Id, X-Timestamp, "
                      "X-Signature over the raw body (POST) or the raw request target (GET). Verify it; do not "
                      "sign your answer.")


def webhooks() -> dict[str, Any]:
    """The merchant's calls to the partner (hmac profile), at the URLs registered at onboarding."""
    not_found = {"code": 3, "message": "transaction not found"}
    return {
        "createTransaction": {"post": {
            "operationId": "partnerCreateTransaction",
            "summary": "The merchant opens your payment for an order (POST <create_transaction_url>).",
            "description": SIGNED_BY_MERCHANT + " Be idempotent on reference_transaction_id: a repeat returns the "
            "same transaction. " + RETRIED + " Any other answer is final for this try: code 0 with a usable "
            "transaction_id opens your payment screen; anything else shows the user the retry screen (the booking "
            "stays held; Try again calls you again with the same reference_transaction_id). " + UNUSABLE_WORDS,
            "security": HMAC_SECURITY,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": REF.format(model="CreateTransactionRequest")},
                "examples": {"vip": {"value": CREATE_EXAMPLE}}}}},
            "responses": {
                "200": _media(_answer("CreateTransactionData", "0 created (or the same transaction again); any "
                                      "other integer: refused"), "your answer, not signed", {
                    "created": {"code": 0, "message": "success", "data": {
                        "transaction_id": "MW-20261122-000123",
                        "payment_url": "https://pay.mywallet.vn/pay/MW-20261122-000123"}},
                    "refused": {"code": 5, "message": "amount differs from the first request"}}),
                "5XX": {"description": "unknown: retried (see the description)"},
            },
        }},
        "queryTransaction": {"get": {
            "operationId": "partnerQueryTransaction",
            "summary": "The merchant asks the status of a pending payment (GET <query_transaction_url>"
            "?reference_transaction_id=…).",
            "description": SIGNED_BY_MERCHANT + " Asked by the result screen (one try, 3 s in all) and by the "
            "poller (5 s after create, then 10, 20, 40, 80 s later, then every 100 s, then every 5 minutes until 5 "
            "minutes after the hold expires). " + RETRIED + " Code 0 with transaction_id, status and an integer "
            "amount equal to the order's is applied like an IPN; code 3 means you have no such payment; any other "
            "answer (e.g. transaction_amount instead of amount, or an amount that differs) changes nothing, counts "
            "as a failed check and we ask again later. " + UNUSABLE_WORDS,
            "security": HMAC_SECURITY,
            "parameters": [{"name": "reference_transaction_id", "in": "query", "required": True,
                            "schema": REFERENCE_SCHEMA, "example": "261122-7QK4M2XD"}],
            "responses": {
                "200": _media(_answer("QueryTransactionData", "0 found; 3 you have no payment for this reference"),
                              "your answer, not signed", {
                                  "paid": {"code": 0, "message": "success", "data": {
                                      "transaction_id": "MW-20261122-000123", "status": "SUCCESS",
                                      "amount": 990000}},
                                  "unknown": not_found}),
                "5XX": {"description": "unknown: retried, then asked again at the next check"},
            },
        }},
        "refund": {"post": {
            "operationId": "partnerRefund",
            "summary": "The merchant asks you to give money back (POST <refund_url>), partial or full.",
            "description": SIGNED_BY_MERCHANT + " Be idempotent on request_id (the same on every retry). HTTP 200 "
            "with code 0: done. Another integer code with an HTTP status below 500 (not 429): refused, final (an "
            "operator may send it again with the same request_id). HTTP 5xx or 429, a timeout, a connection error "
            "or an answer without an integer code: unknown, retried — 2 more tries at once, then the refund job "
            "retries up to 8 tries in all with pauses up to min(600 s, 2 s × 2^(n−1)).",
            "security": HMAC_SECURITY,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": REF.format(model="RefundRequest")},
                "examples": {"partial": {"value": REFUND_EXAMPLE}}}}},
            "responses": {
                "200": _media(_answer(None, "0 done; any other integer: refused, final"), "your answer, not signed",
                              {"done": {"code": 0, "message": "success",
                                        "data": {"refund_id": "MW-RF-000045", "request_id": "RF-3F9A0C2E7B1D4A65"}},
                               "refused": {"code": 5, "message": "amount exceeds what is left"}}),
                "5XX": {"description": "unknown: retried with the same request_id"},
            },
        }},
        "reconciliationFile": {"get": {
            "operationId": "partnerReconciliationFile",
            "summary": "The merchant fetches your file of a GMT+7 day (GET <reconciliation_url>?date=YYYYMMDD), "
            "at the agreed time, when your reconciliation transport is api or both.",
            "description": SIGNED_BY_MERCHANT + " (hmac partners; envelope partners are asked without headers: "
            "your file's own signature proves it is yours). Answer the file on the agreed template with "
            "Content-Disposition naming it, X-Content-SHA256 (hex SHA-256 of the bytes) and X-Content-Signature (the "
            ".sig text: hmac, hex HMAC-SHA256 of the bytes with your client secret; envelope, SHA256withRSA with "
            "your key, base64). HTTP 5xx, 429, a timeout or a connection error: retried (2 more tries at once with "
            "0.25 s, 0.5 s pauses); HTTP 404: no file yet — a missing-file finding, asked again 15 min, 30 min, "
            "1 h, 2 h … later (6 tries); any other answer: the day's run records the finding. A file that fails its "
            "checks (signature, header, delimiter, encoding, truncated line, grouping separators, duplicates, "
            "another day) is rejected whole and nothing is settled from it.",
            "security": HMAC_SECURITY,
            "parameters": [{"name": "date", "in": "query", "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]{8}$"}, "example": "20261129"}],
            "responses": {
                "200": {"description": "your file of that day, not otherwise signed than by its X-Content-Signature",
                        "headers": {
                            "Content-Disposition": {"schema": {"type": "string"},
                                                    "example": 'attachment; filename="mywallet_20261129_1.csv"'},
                            "X-Content-SHA256": {"schema": {"type": "string"}},
                            "X-Content-Signature": {"schema": {"type": "string"}}},
                        "content": {"text/csv": {"schema": {"type": "string"}}}},
                "404": {"description": "no file for that day yet: asked again later (see the description)"},
                "5XX": {"description": "unknown: retried (see the description)"},
            },
        }},
    }


SECURITY_DESCRIPTIONS = {
    "ClientId": "hmac: your client_id (the same credentials sign both directions).",
    "Timestamp": "hmac: unix milliseconds, 1–16 digits, within ±300 s of the receiver's clock.",
    "Signature": "hmac: lowercase hex HMAC-SHA256(key = UTF-8 client_secret, msg = base64url_nopad(P)), P = "
                 "timestamp.client_id.<raw body bytes>, or, for a request without a body, the raw request target "
                 "(path and query, no '?' when the query is empty). Accepted once (replay store keyed on client_id, "
                 "timestamp, sha256(P)); a GET or HEAD with a body is refused with code 1. Answers are not signed. "
                 "Test vectors: docs/partners/vectors.json.",
    "ApiKey": "envelope: the api_key issued at onboarding (a wrong one: error_code 03).",
    "AccessCode": "envelope: your access_code; it must equal the access_code field of the sealed message (else 06); "
                  "an unknown one is answered in plaintext {\"error_code\": \"10\"}, HTTP 401.",
}

ERROR_EXAMPLES: dict[str, dict[str, Any]] = {
    "400": {"invalid": {"code": 1, "message": "invalid request", "data": {
        "fields": ["identify_phone", "email"],
        "errors": [{"field": "identify_phone",
                    "reason": "String should match pattern '^\\+?[0-9][0-9 .-]{6,18}[0-9]$'"},
                   {"field": "email", "reason": "value is not a valid email address: An email address must have an "
                                               "@-sign."}]}}},
    "401": {"bad signature": {"code": 7, "message": "invalid signature"},
            "stale": {"code": 7, "message": "timestamp outside the allowed window"},
            "replay": {"code": 7, "message": "request already received (replay)"}},
    "404": {"no such endpoint": {"code": 1, "message": "no such endpoint"}},
    "413": {"too large": {"code": 1, "message": "request body too large"}},
    "415": {"not json": {"code": 1, "message": "send the body as application/json", "data": {
        "fields": ["body"], "errors": [{"field": "body", "reason": "send the body as application/json"}]}}},
    "429": {"rate limited": {"code": 8, "message": "rate limited"}},
}

OPERATION_EXAMPLES: dict[str, dict[str, Any]] = {  # operationId -> {"request": …, "<status>": {name: value}}
    "createWebviewUrl": {
        "request": LAUNCH_EXAMPLE,
        "200": {"launched": {"code": 0, "message": "success", "data": {
            "url_open": "https://merchant.example/w/launch?token=O8M5ufnDO0BvJ5JpQzDyuRxTZCrMJH6rxPvlXS2cJVQ",
            "url_checkout_result": "https://merchant.example/w/result?partner_code=mywallet",
            "request_id": "c5cb6c4acfa74cb79e5756bea4e44d64", "expires_at": 1796032878377}}},
    },
    "paymentIpn": {
        "request": IPN_EXAMPLE,
        "200": {"applied": {"code": 0, "message": "success", "data": {"transaction_id": "MW-20261122-000123"}},
                "wrong amount": {"code": 5, "message": "invalid amount",
                                 "data": {"transaction_id": "MW-20261122-000123"}},
                "cannot be honoured": {"code": 6, "message": "transaction cancelled or closed",
                                       "data": {"transaction_id": "MW-20261122-000123"}}},
        "400": {"invalid": {"code": 1, "message": "invalid request",
                            "data": {"fields": ["transaction_amount", "status"],
                                     "errors": [{"field": "transaction_amount", "reason": "Field required"},
                                                {"field": "status",
                                                 "reason": "Input should be 'PENDING', 'SUCCESS' or 'FAILURE'"}]}}},
    },
    "getTransaction": {
        "200": {"paid": {"code": 0, "message": "success", "data": {
            "reference_transaction_id": "261130-CUE6JKKH", "partner_transaction_id": "PY-1796032608314-1",
            "status": "SUCCESS", "amount": 59000, "booking_status": "BOOKED", "payment_status": "PARTIALLY_REFUNDED",
            "issue_status": "SUCCESS", "refunded_amount": 29500}},
            "unknown": {"code": 3, "message": "transaction not found"}},
        "400": {"missing": {"code": 1, "message": "reference_transaction_id is required (1 to 40 characters)",
                            "data": {"fields": ["reference_transaction_id"], "errors": [
                                {"field": "reference_transaction_id",
                                 "reason": "reference_transaction_id is required (1 to 40 characters)"}]}}},
    },
    "partnerLogin": {"request": "login_request", "200": "login_response"},
    "partnerCommit": {"request": "commit_request", "200": "commit_response"},
    "partnerQueryTrans": {"request": "query_request", "200": "query_response"},
    "getReconciliationFile": {
        "400": {"bad date": {"code": 1, "message": "date must be YYYYMMDD", "data": {
            "fields": ["date"], "errors": [{"field": "date", "reason": "date must be YYYYMMDD"}]}}},
        "404": {"not closed": {"code": 3, "message": "day 20261122 is not closed yet"}},
    },
    "bookingDetail": {
        "200": {"booking": {"error_code": "00", "message": "success", "booking": {
            "booking_number": "261130-VDWUJPJM", "product_type": "VIP", "title": "Gói VIP tháng",
            "total_amount": 59000, "currency": "VND", "booking_status": "BOOKED", "payment_status": "SUCCESS",
            "issue_status": "SUCCESS", "partner_trans_id": "NODE-ENV-1", "pnr": "VIPUF6GH6",
            "tickets": ["VIP-3SVWY8ELSJ"], "refunded_amount": 0, "refunds": [],
            "travellers": [{"full_name": "NGUYEN VAN AN", "passenger_type": "adult", "document_number": ""}],
            "hold_expires_at": 1796033510158}}},
        "400": {"malformed": {"error_code": "07", "message": "malformed data"}},
        "401": {"unknown partner": {"error_code": "10", "message": "account not found"}},
        "404": {"not found": {"error_code": "02", "message": "booking not found"}},
    },
}
ENVELOPE_DESCRIPTIONS = {
    "partnerLogin": layout_text("login", "login answer"),
    "partnerCommit": layout_text("commit", "commit and query-trans answers"),
    "partnerQueryTrans": layout_text("query-trans", "commit and query-trans answers"),
}
PLAIN_TEN = {"unknown partner": {"error_code": "10", "message": "account not found"}}


def _examples(value: Any) -> dict[str, Any]:
    """Named examples; a message name stands for its sealed vector (suite modern)."""
    if isinstance(value, str):
        return {f"{value} (modern)": {"value": SEALED_EXAMPLES[value]}}
    return {name: {"value": example} for name, example in value.items()}


def _add_examples(operation: dict[str, Any]) -> None:
    """Examples on the request body, the parameters and every JSON answer of one operation."""
    known = OPERATION_EXAMPLES.get(operation.get("operationId", ""), {})
    sealed = operation.get("security") == ENVELOPE_SECURITY and "requestBody" in operation
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and "examples" not in body and "request" in known:
        request = known["request"]
        body["examples"] = _examples(request) if isinstance(request, str) else {"request": {"value": request}}
    for parameter in operation.get("parameters", []):
        parameter.setdefault("example", {"reference_transaction_id": "261122-7QK4M2XD",
                                         "booking_number": "261130-VDWUJPJM", "date": "20261122",
                                         "part": 1}.get(parameter["name"], "x"))
    for status, response in operation.get("responses", {}).items():
        for media_type, media in response.get("content", {}).items():
            if "example" in media or "examples" in media:
                continue
            if media_type != "application/json":
                media["example"] = ("record_type,reference_transaction_id,partner_transaction_id,product,amount,"
                                    "currency,status,refund_request_id,occurred_at\r\n")
            elif status in known:
                media["examples"] = _examples(known[status])
            elif sealed and status == "413":
                media["examples"] = _examples(PLAIN_SEVEN_TOO_LARGE)
            elif sealed and status == "401":
                media["examples"] = {**_examples(SEALED_EXAMPLES_REFUSAL), **_examples(PLAIN_TEN)}
            elif sealed:
                media["examples"] = _examples(SEALED_EXAMPLES_REFUSAL)
            elif status in ERROR_EXAMPLES:
                media["examples"] = _examples(ERROR_EXAMPLES[status])


SEALED_EXAMPLES_REFUSAL = "login_response"  # any sealed answer has the {key, data} shape
PLAIN_SEVEN_TOO_LARGE = {"too large": {"error_code": "07", "message": "malformed data"}}


def publish(document: dict[str, Any]) -> dict[str, Any]:
    """Complete the document for partners: webhooks, examples, described security schemes, envelope layouts."""
    document["webhooks"] = webhooks()
    components = document["components"]
    components["schemas"].update(_schemas(CreateTransactionRequest, CreateTransactionData, QueryTransactionData,
                                          RefundRequest))
    for name, description in SECURITY_DESCRIPTIONS.items():
        components["securitySchemes"][name]["description"] = description
    for model in ("EnvelopeRequest", "EnvelopeResponse"):
        components["schemas"][model]["description"] = (
            components["schemas"][model].get("description", "") + " " + SUITES_TEXT + " Layouts: "
            + layout_text(*LAYOUTS)).strip()
    document["info"]["description"] += (
        " The calls the merchant makes to you (hmac) are under `webhooks`. The complete guide, with the amount "
        "field of each call (`amount` in create transaction and in your query answer, `transaction_amount` in "
        "the IPN and in refund), is docs/partners/ in the project.")
    for item in [*document["paths"].values(), *document["webhooks"].values()]:
        for operation in item.values():
            if operation.get("operationId") in ENVELOPE_DESCRIPTIONS:
                operation["description"] = ENVELOPE_DESCRIPTIONS[operation["operationId"]] + " " + SUITES_TEXT
            _add_examples(operation)
    return document


def register_openapi(bp: Blueprint) -> None:
    """Serve the document at /api/openapi.json."""

    @bp.get("/openapi.json")
    def openapi_document():
        """The OpenAPI 3.1 document of the partner API."""
        return jsonify(build_document(current_app.config["PUBLIC_BASE_URL"]))
