"""Launch the webview as a demo partner: call the REAL partner API over HTTP, signed with the sandbox's own code."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sandbox.credentials import PartnerCredentials
from sandbox.exchange import HttpResult, send_logged
from sandbox.protocol import envelope, hmac_auth

HMAC_FIELDS = ("identify_code", "identify_phone", "identify_fullname", "email", "product", "layout", "locale",
               "theme", "web_bar")
# The envelope login carries no language or bar choice: the partner's app appends them to redirect_url when it opens
# the webview (docs/partners/handoff.md, "Opening the webview").
APP_OPEN_OPTIONS = ("locale", "web_bar")


class LaunchInvalid(ValueError):
    """The test API's own input is unusable (before anything is sent); `fields` names the culprits."""

    def __init__(self, fields: list[str], message: str = "invalid launch request") -> None:
        super().__init__(message)
        self.fields = fields
        self.message = message


@dataclass(frozen=True)
class LaunchOutcome:
    """Either the URLs (ok) or the partner API's answer passed through with its HTTP status."""

    ok: bool
    http_status: int
    body: dict[str, Any]


def launch_as_partner(partner: PartnerCredentials, request: dict[str, Any], base_url: str) -> LaunchOutcome:
    """Ask the merchant for a webview URL the way this partner's back end would."""
    if partner.profile == "envelope":
        return _launch_envelope(partner, request, base_url)
    return _launch_hmac(partner, request, base_url)


def _unreachable(result: HttpResult) -> LaunchOutcome:
    return LaunchOutcome(False, 502, {"error": f"partner API unreachable: {result.error}"})


def _launch_hmac(partner: PartnerCredentials, request: dict[str, Any], base_url: str) -> LaunchOutcome:
    launch = {name: request[name] for name in HMAC_FIELDS if request.get(name) is not None}
    body = json.dumps(launch, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json",
               **hmac_auth.signed_headers(partner.client_id, partner.client_secret, body)}
    # the signed input carries the user's phone and name: log its shape, not its content
    canonical = (f"{headers['X-Timestamp']}.{partner.client_id}.<body {len(body)} bytes, "
                 f"sha256 {hashlib.sha256(body).hexdigest()[:16]}…>")
    result = send_logged("POST", f"{base_url}/api/v1/webview-url", headers=headers, body=body, kind="webview-url",
                         partner_code=partner.partner_code, canonical=canonical)
    if result.status is None:
        return _unreachable(result)
    answer = result.json()
    if not isinstance(answer, dict):
        return LaunchOutcome(False, 502, {"error": f"partner API answered HTTP {result.status} without JSON"})
    data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
    if result.status == 200 and answer.get("code") == 0 and data.get("url_open"):
        return LaunchOutcome(True, 200, {"url_open": data["url_open"],
                                         "url_checkout_result": data.get("url_checkout_result")})
    return LaunchOutcome(False, result.status, answer)


def _launch_envelope(partner: PartnerCredentials, request: dict[str, Any], base_url: str) -> LaunchOutcome:
    user_id = request.get("identify_code")
    layout, product = request.get("layout") or "dual", request.get("product") or "flight"
    bad = [name for name, value in (("identify_code", user_id), ("layout", layout), ("product", product))
           if not isinstance(value, str) or not value or "|" in value]
    if bad:
        raise LaunchInvalid(bad, "identify_code, layout and product must be text without '|'")
    if not partner.partner_private_key_pem or not partner.merchant_public_key_pem:
        raise LaunchInvalid(["partner_code"], "this envelope partner has no key pair in the sandbox; re-run the seed")
    own = envelope.load_private_key(partner.partner_private_key_pem)
    merchant = envelope.load_public_key(partner.merchant_public_key_pem)
    values = {"access_code": partner.access_code, "user_id": user_id, "layout": layout, "product": product}
    sealed = envelope.seal(envelope.LOGIN_REQUEST, partner.suite, values, sender_private=own,
                           receiver_public=merchant)
    body = json.dumps(sealed.as_body()).encode()
    headers = {"Content-Type": "application/json", "apikey": partner.api_key, "x-ibe-req-name": partner.access_code}
    canonical = sealed.signature_data.replace(partner.access_code, "[redacted]", 1)
    result = send_logged("POST", f"{base_url}/api/v1/partner/login", headers=headers, body=body,
                         kind="partner-login", partner_code=partner.partner_code, canonical=canonical)
    if result.status is None:
        return _unreachable(result)
    answer = result.json()
    if not isinstance(answer, dict):
        return LaunchOutcome(False, 502, {"error": f"partner API answered HTTP {result.status} without JSON"})
    if not isinstance(answer.get("key"), str) or not isinstance(answer.get("data"), str):
        return LaunchOutcome(False, result.status, answer)  # e.g. the plaintext {"error_code": "10"}
    try:
        fields = envelope.open_sealed(envelope.LOGIN_RESPONSE, partner.suite, answer["key"], answer["data"],
                                      receiver_private=own, sender_public=merchant)
    except envelope.EnvelopeError as error:
        return LaunchOutcome(False, 502, {"error": f"the merchant's answer did not open: {error.reason}",
                                          "error_code": error.error_code})
    if fields["error_code"] == "00" and fields["redirect_url"]:
        return LaunchOutcome(True, 200, {"url_open": opened_with_options(fields["redirect_url"], request),
                                         "url_checkout_result": None})
    return LaunchOutcome(False, result.status, {"error_code": fields["error_code"]})


def opened_with_options(url: str, request: dict[str, Any]) -> str:
    """The URL as the partner's app opens it: with the launch's `locale` and `web_bar` appended when given."""
    extra = {name: request[name] for name in APP_OPEN_OPTIONS if isinstance(request.get(name), str) and request[name]}
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(extra)
