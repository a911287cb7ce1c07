"""The OpenAPI 3.1 document of the partner API, built from the schemas that validate requests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from webview.api.errors import CODES, ENVELOPE_MESSAGES
from webview.api.schemas import (
    EnvelopeRequest,
    EnvelopeResponse,
    IpnData,
    IpnRequest,
    Schema,
    TransactionData,
    WebviewUrlData,
    WebviewUrlRequest,
)

REF = "#/components/schemas/{model}"

HMAC_SECURITY = [{"ClientId": [], "Timestamp": [], "Signature": []}]
ENVELOPE_SECURITY = [{"ApiKey": [], "AccessCode": []}]


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


def build_document(base_url: str) -> dict[str, Any]:
    """Assemble the document; every request schema here is the one the endpoint validates with."""
    code_table = "; ".join(f"{code} {message} (HTTP {status})" for code, (message, status) in CODES.items())
    envelope_codes = "; ".join(f"{code} {message}" for code, message in ENVELOPE_MESSAGES.items())
    error = _envelope_answer(None)
    error["properties"]["data"] = {
        "type": "object",
        "properties": {"fields": {"type": "array", "items": {"type": "string"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "webview partner API",
            "version": "1.0.0",
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
                        "400": _json(error, "code 1: invalid request; data.fields lists the offending fields"),
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
                            {"type": "object", "properties": {"error_code": {"type": "string", "const": "10"}}},
                        ]}, "sealed 03/04/06, or plaintext 10 for an unknown partner"),
                    },
                }
            },
            **payment_paths(error),
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
                    sealed, {"type": "object", "properties": {"error_code": {"type": "string", "const": "10"}}},
                ]}, "sealed 03/04/06, or plaintext 10 for an unknown partner"),
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
                    "400": _json(error, "code 1: invalid request; data.fields lists the offending fields"),
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
                                "schema": {"type": "string", "maxLength": 40}}],
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
                                "schema": {"type": "string", "maxLength": 40}}],
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
                    "401": _json(error, "code 7 (hmac) or error_code 03/10 (envelope): authentication failed"),
                    "404": _json(error, "code 3: the day is not closed yet, or the file has no such part"),
                },
            }
        },
    }


def register_openapi(bp: Blueprint) -> None:
    """Serve the document at /api/openapi.json."""

    @bp.get("/openapi.json")
    def openapi_document():
        """The OpenAPI 3.1 document of the partner API."""
        return jsonify(build_document(current_app.config["PUBLIC_BASE_URL"]))
