"""The integration profiles a partner is onboarded with, each declared once as an object.

A profile says how the partner's messages are authenticated, how a payment's status reaches the merchant, what the
merchant can ask of the partner, which cipher suites, handoff methods and onboarding fields apply, and which of
our booking numbers the partner's return link names. Code everywhere asks the partner's profile for a capability
(`profile_of(partner).refunds_are_manual`) instead of comparing profile names; the adapters that do the talking
register themselves per profile code in one place each (`webview.payments.gateway.GATEWAYS`, the API's
authenticators). The third, `styled`, is hmac whose IPN and outbound wire format come from the partner's stored style
(`webview.styles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class IntegrationProfile:
    """One way of integrating: its authentication, status delivery and capabilities."""

    code: str  # stored on the partner (`partners.profile`) and given to `flask partners create --profile`
    authentication: str  # how its calls are proven: "hmac-headers" or "sealed-envelope"
    status_arrives_by: str  # "ipn" (the partner reports SUCCESS/FAILURE) or "commit" (the partner took the money)
    status_carries_amount: bool  # the status message names the amount paid (checked against the booking)
    proves_with_rsa_keys: bool  # files and signatures between us are RSA (SHA256withRSA), not the shared secret
    signs_merchant_calls: bool  # our calls to the partner carry our signature (hmac headers)
    creates_partner_transaction: bool  # the merchant calls the partner's create API before the handoff
    can_query_partner: bool  # the merchant may ask the partner's query API about a payment
    refunds_are_manual: bool  # no refund API: an operator records the refund and settles it with the partner
    needs_public_key: bool  # the partner's RSA public key is required at onboarding
    required_urls: tuple[str, ...]  # partner URLs onboarding requires
    suites: tuple[str, ...]  # cipher suites it may use (the first is the default)
    handoffs: tuple[str, ...]  # checkout handoff methods it may use
    return_link_names: str  # what `transaction_id` in its return link names: "partner_transaction_id" or "reference"
    merchant_signs_result_links: bool  # result links carry our own signature (not one made with the partner's secret)
    may_take_style: bool = False  # an integration style (webview.styles) may set its status-in and outbound wire format
    wire_format_from_style: bool = False  # its status-in call and our calls follow the partner's stored style

    def __str__(self) -> str:
        return self.code


HMAC = IntegrationProfile(
    code="hmac", authentication="hmac-headers", status_arrives_by="ipn", status_carries_amount=True,
    proves_with_rsa_keys=False, signs_merchant_calls=True, creates_partner_transaction=True,
    can_query_partner=True,
    refunds_are_manual=False, needs_public_key=False,
    required_urls=("create_transaction_url", "query_transaction_url", "refund_url"),
    suites=("modern",), handoffs=("redirect", "deeplink", "bridge"),
    return_link_names="partner_transaction_id", merchant_signs_result_links=False, may_take_style=True,
)
# The hmac profile whose status-in call (/api/v1/partners/<code>/ipn) and create/query/refund calls follow the
# partner's own style (docs/partners/styles.md); launch, transaction check and result links stay hmac-signed.
STYLED = IntegrationProfile(
    code="styled", authentication="hmac-headers", status_arrives_by="ipn", status_carries_amount=True,
    proves_with_rsa_keys=False, signs_merchant_calls=True, creates_partner_transaction=True,
    can_query_partner=True,
    refunds_are_manual=False, needs_public_key=False,
    required_urls=("create_transaction_url", "query_transaction_url", "refund_url"),
    suites=("modern",), handoffs=("redirect", "deeplink", "bridge"),
    return_link_names="partner_transaction_id", merchant_signs_result_links=False, may_take_style=True,
    wire_format_from_style=True,
)
ENVELOPE = IntegrationProfile(
    code="envelope", authentication="sealed-envelope", status_arrives_by="commit", status_carries_amount=False,
    proves_with_rsa_keys=True, signs_merchant_calls=False, creates_partner_transaction=False,
    can_query_partner=False,
    refunds_are_manual=True, needs_public_key=True, required_urls=(),
    suites=("modern", "legacy"), handoffs=("redirect",),
    return_link_names="reference", merchant_signs_result_links=True,
)

PROFILES: dict[str, IntegrationProfile] = {profile.code: profile for profile in (HMAC, ENVELOPE, STYLED)}
PROFILE_CODES: tuple[str, ...] = tuple(PROFILES)
SUITES: tuple[str, ...] = ("modern", "legacy")  # the envelope cipher suites (DESIGN: modern by default)


class HasProfile(Protocol):
    profile: str


class UnknownProfile(LookupError):
    """A profile code no profile declares."""


def get_profile(code: str) -> IntegrationProfile:
    """The profile with this code; UnknownProfile otherwise."""
    try:
        return PROFILES[code]
    except KeyError:
        raise UnknownProfile(code) from None


def profile_of(partner: HasProfile) -> IntegrationProfile:
    """The partner's integration profile."""
    return get_profile(partner.profile)


def profile_label(profile: str, suite: str) -> str:
    """'hmac', or 'envelope/legacy' for a profile that has a choice of cipher suites."""
    return profile + (f"/{suite}" if len(get_profile(profile).suites) > 1 else "")
