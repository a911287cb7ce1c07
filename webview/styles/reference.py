"""The styled status-in endpoint as the OpenAPI document publishes it (docs/partners/styles.md)."""

from __future__ import annotations

from typing import Any

from webview.styles.presets import preset_names

STYLED_IPN_PATH = "/api/v1/partners/{partner_code}/ipn"
MOMO_LIKE_EXAMPLE = {"partnerCode": "mywallet", "orderId": "261130-7QK4M2XD", "requestId": "261130-7QK4M2XD",
                     "amount": 150000, "orderInfo": "VIP Monthly", "orderType": "momo_wallet",
                     "transId": 4088878653, "resultCode": 0, "message": "Successful.", "payType": "qr",
                     "responseTime": 1796023805000, "extraData": "", "signature": "<hex HMAC-SHA256>"}
FORM_EXAMPLE = {"order": "261130-7QK4M2XD", "total": "150000", "state": "paid", "payment": "ACME-1",
                "ts": "1796023805"}


def styled_ipn_path_item() -> dict[str, Any]:
    """GET, POST and PUT of /api/v1/partners/{partner_code}/ipn: the partner's style sets body, signature, answers."""
    words = ("A styled partner reports a payment status in its own style (docs/partners/styles.md): the transport "
             "(JSON body, form body or query string), the fields, the signature and its canonical string, and "
             "every answer (HTTP status and body per outcome) are set by the partner's style — presets: "
             + ", ".join(preset_names()) + ". Checks in the standard IPN's order: auth, schema, order exists, "
             "belongs to you, amount, state, apply. A method the style does not name is answered with the style's "
             "`invalid` answer and HTTP 405. An unknown partner code (or a partner without a style) gets "
             "{\"code\": 7} with HTTP 401.")
    answers = {
        "204": {"description": "the style's answer with no body (e.g. momo-like `ok`)"},
        "default": {"description": "the style's answer for the outcome: its HTTP status and body template "
                                   "(compact JSON, or text)",
                    "content": {"application/json": {"schema": {}, "examples": {
                        "vnpay-like ok": {"value": {"RspCode": "00", "Message": "Confirm Success"}},
                        "zalopay-like repeat": {"value": {"return_code": 2, "return_message": "duplicate"}},
                        "unknown partner": {"value": {"code": 7, "message": "unknown partner"}}}},
                                "text/plain": {"schema": {"type": "string"}, "example": "try later"}}},
    }
    parameters = [{"name": "partner_code", "in": "path", "required": True, "example": "mywallet",
                   "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,38}$"}}]
    body = {"required": False, "content": {
        "application/json": {"schema": {"type": "object"}, "examples": {"momo-like": {"value": MOMO_LIKE_EXAMPLE}}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}, "example": FORM_EXAMPLE},
    }}

    def operation(method: str, summary: str, with_body: bool) -> dict[str, Any]:
        found = {"operationId": f"styledIpn{method}", "summary": summary, "description": words, "security": [],
                 "parameters": parameters, "responses": answers}
        if with_body:
            found["requestBody"] = body
        return found

    return {
        "get": operation("Get", "A styled status-in call sent as a query string (e.g. vnpay-like).", False),
        "post": operation("Post", "A styled status-in call with a JSON or form body.", True),
        "put": operation("Put", "A styled status-in call with a JSON or form body, for a style that names PUT.", True),
    }
