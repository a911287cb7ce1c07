"""The OpenAPI 3.1 document of the partner API, built from the schemas that validate requests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from webview.api.errors import CODES, ENVELOPE_MESSAGES
from webview.api.schemas import EnvelopeRequest, EnvelopeResponse, Schema, WebviewUrlData, WebviewUrlRequest

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
        },
        "components": {
            "schemas": _schemas(WebviewUrlRequest, WebviewUrlData, EnvelopeRequest, EnvelopeResponse),
            "securitySchemes": {
                "ClientId": {"type": "apiKey", "in": "header", "name": "X-Client-Id"},
                "Timestamp": {"type": "apiKey", "in": "header", "name": "X-Timestamp",
                              "description": "unix milliseconds, within ±300 s"},
                "Signature": {"type": "apiKey", "in": "header", "name": "X-Signature",
                              "description": "hex HMAC-SHA256(client_secret, base64url_nopad(ts.client_id.body))"},
                "ApiKey": {"type": "apiKey", "in": "header", "name": "apikey"},
                "AccessCode": {"type": "apiKey", "in": "header", "name": "x-ibe-req-name"},
            },
        },
    }


def register_openapi(bp: Blueprint) -> None:
    """Serve the document at /api/openapi.json."""

    @bp.get("/openapi.json")
    def openapi_document():
        """The OpenAPI 3.1 document of the partner API."""
        return jsonify(build_document(current_app.config["PUBLIC_BASE_URL"]))
