"""Who may use the sandbox test API: anyone on loopback, others only with the SANDBOX_TOKEN bearer token."""

from __future__ import annotations

import hmac
import ipaddress


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def access_refusal(remote_addr: str | None, authorization: str, token: str | None) -> tuple[int, str] | None:
    """None when the caller may proceed, else (HTTP status, reason)."""
    if is_loopback(remote_addr):
        return None
    if not token:
        return 403, "the sandbox test API is open on loopback only; set SANDBOX_TOKEN to allow remote callers"
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401, "send Authorization: Bearer <SANDBOX_TOKEN>"
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 403, "wrong sandbox token"
    return None
