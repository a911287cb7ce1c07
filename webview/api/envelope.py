"""Receiving and answering envelope-profile calls (RSA-signed, encrypted pipe-joined fields)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Response, current_app, jsonify, request

from webview.api.auth import count_partner_call, note_exchange, now_ms
from webview.api.errors import ENVELOPE_HTTP, envelope_plain_error
from webview.api.replay import remember_sealed_message, remember_signature
from webview.core.jsontext import JsonRejected, parse_json
from webview.partners.keys import merchant_private_key, partner_public_key
from webview.partners.models import Partner
from webview.partners.services import find_partner_by_access_code
from webview.profiles import ENVELOPE, profile_of
from webview.signing.envelope import EnvelopeError, MessageSpec, open_message, seal_message
from webview.vault import api_key_matches

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EnvelopeRefusal(Exception):
    """An envelope call refused with an error code; answered sealed when the partner is known."""

    def __init__(self, error_code: str, reason: str, partner: Partner | None = None) -> None:
        super().__init__(reason)
        self.error_code = error_code
        self.reason = reason
        self.partner = partner


def identify_envelope_partner() -> Partner:
    """Find the partner from x-ibe-req-name and check its apikey (10 unknown, 03 wrong key)."""
    access_code = request.headers.get("x-ibe-req-name", "").strip()
    api_key = request.headers.get("apikey", "").strip()
    partner = find_partner_by_access_code(access_code) if access_code else None
    if partner is None or profile_of(partner) is not ENVELOPE or not partner.public_key_pem:
        raise EnvelopeRefusal("10", "unknown partner")
    note_exchange(partner_id=partner.id, partner_code=partner.code)
    if not api_key or not api_key_matches(api_key, partner.api_key_hash):
        raise EnvelopeRefusal("03", "wrong apikey", partner)
    if partner.status != "active":
        raise EnvelopeRefusal("03", f"partner {partner.status}", partner)
    return partner


def authenticate_envelope_headers() -> Partner | Response:
    """An envelope call proven by its headers alone (no sealed body): the partner, counted against its rate limit,
    or the plaintext refusal (03/10) to answer with, noted in the message log."""
    try:
        partner = identify_envelope_partner()
    except EnvelopeRefusal as refusal:
        note_exchange(verdict=f"refused {refusal.error_code}: {refusal.reason}", result_code=refusal.error_code)
        return envelope_plain_error(refusal.error_code)
    count_partner_call(partner)
    return partner


def open_envelope_request(partner: Partner, spec: MessageSpec) -> dict[str, str]:
    """Decrypt and verify the body; refuse replays and an access code that is not the header's."""
    try:
        body = parse_json(request.get_data(cache=True) or b"null")
    except JsonRejected:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("key"), str) or not isinstance(body.get("data"), str):
        raise EnvelopeRefusal("07", "body must be a JSON object with string key and data", partner)
    try:
        opened = open_message(
            spec,
            key=body["key"],
            data=body["data"],
            receiver_private_key=merchant_private_key(partner.environment),
            sender_public_key=partner_public_key(partner),
            suite=partner.suite,
            now_ms=now_ms(),
        )
    except EnvelopeError as error:
        raise EnvelopeRefusal(error.code, "undecryptable or badly signed" if error.code == "04" else "malformed",
                              partner) from error
    values = dict(opened.values)
    if any(_CONTROL.search(value) for value in values.values()):
        raise EnvelopeRefusal("07", "a field holds a control character", partner)
    note_exchange(canonical=signature_data_for_log(spec, values), reference=values.get("booking_number"))
    if opened.timestamp is not None:
        first_arrival = remember_signature(f"envelope:{partner.code}", int(opened.timestamp), opened.replay_digest)
    else:  # legacy suite: no timestamp, so this exact sealed message is kept for the launch-token lifetime
        keep_s = int(current_app.config["LAUNCH_TOKEN_TTL_SECONDS"])
        first_arrival = remember_sealed_message(f"envelope-legacy:{partner.code}", opened.message_digest, keep_s)
    if not first_arrival:
        raise EnvelopeRefusal("04", "message already received (replay)", partner)
    if values.get("access_code") != partner.access_code:
        raise EnvelopeRefusal("06", "access code does not match", partner)
    count_partner_call(partner)
    return values


def signature_data_for_log(spec: MessageSpec, values: Mapping[str, str]) -> str:
    """The signed fields joined as signed, with the access code hidden."""
    shown = {**values, "access_code": "[redacted]"} if "access_code" in values else dict(values)
    return "|".join(str(shown.get(name, "")) for name in spec.signed_fields)


def sealed_reply(partner: Partner, spec: MessageSpec, values: Mapping[str, str], error_code: str) -> Response:
    """Sign with our key, encrypt to the partner's, with the HTTP status of the error code."""
    sealed = seal_message(
        spec,
        values,
        sender_private_key=merchant_private_key(partner.environment),
        receiver_public_key=partner_public_key(partner),
        suite=partner.suite,
        now_ms=now_ms() if partner.suite == "modern" else None,
    )
    response = jsonify(sealed)
    response.status_code = ENVELOPE_HTTP.get(error_code, 200)
    note_exchange(result_code=error_code)
    return response


def refusal_response(refusal: EnvelopeRefusal, spec: MessageSpec, values: Mapping[str, str]) -> Response:
    """Answer a refusal: sealed to a known partner, plaintext 10 otherwise."""
    note_exchange(verdict=f"refused {refusal.error_code}: {refusal.reason}", result_code=refusal.error_code)
    if refusal.partner is None or refusal.error_code == "10":
        return envelope_plain_error("10")
    reply = {name: "" for name in spec.signed_fields if name != "timestamp"}
    reply.update(values)
    reply["access_code"] = refusal.partner.access_code
    reply["error_code"] = refusal.error_code
    return sealed_reply(refusal.partner, spec, reply, refusal.error_code)
