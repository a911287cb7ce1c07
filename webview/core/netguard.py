"""Outbound calls to partners reach public addresses only (server-side request forgery guard).

Two checks, one rule (`address_refusal`): partner registration refuses URLs whose host is a non-public address
literal or an internal name (webview.partners.services), and in production every outbound partner HTTP connection
resolves the name itself, refuses it when any resolved address is not public, and connects to the address it
checked — so a name that turns internal after registration (DNS rebinding) is refused at connect time. The host
name is kept for the Host header, TLS SNI and certificate checks. Development connects anywhere: the sandbox
partner lives on loopback.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that never lead to a partner on the internet (RFC 6761 localhost, mDNS .local, cloud-internal names).
INTERNAL_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
INTERNAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def address_refusal(ip: IPAddress) -> str | None:
    """Why a partner call may not go to this address (loopback, private, link-local, …), or None when public."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return address_refusal(embedded)
    for reason, flag in (("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified),
                         ("link-local (cloud metadata)", ip.is_link_local), ("multicast", ip.is_multicast),
                         ("reserved", ip.is_reserved), ("private", ip.is_private)):
        if flag:
            return f"{reason} address"
    if not ip.is_global:  # shared address space 100.64/10 and other special-purpose ranges
        return "non-public address"
    return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4 or Teredo IPv6 address."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally (IPv6 in brackets, dotted IPv4, or the legacy forms inet_aton takes
    such as `0x7f.1`), or None for a name."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def host_refusal(host: str) -> str | None:
    """Why a URL host may not be registered for a production partner, or None (names are checked at connect)."""
    name = host.lower().rstrip(".")
    address = literal_address(name)
    if address is not None:
        return address_refusal(address)
    if name in INTERNAL_NAMES or name.endswith(INTERNAL_NAME_SUFFIXES):
        return "internal host name"
    return None


class AddressRefused(ValueError):
    """A host resolved to an address outbound partner calls may not reach."""


class DestinationRefused(NewConnectionError):
    """The connection was refused before it was made (an AddressRefused): nothing was sent."""


def checked_address(host: str, port: int) -> str:
    """Resolve host and return the address to connect to; AddressRefused if any answer is not public."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [answer[4][0] for answer in answers]
    for address in addresses:
        reason = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason:
            log.warning("refused outbound partner connection to %s: it resolves to %s, a %s", host, address, reason)
            raise AddressRefused(f"refused: {host} resolves to {address}, a {reason}")
    if not addresses:
        raise AddressRefused(f"refused: {host} has no address")
    return addresses[0]


class _CheckedConnectionMixin:
    """Connects to the checked address of the host (the host name stays for Host, SNI and the certificate)."""

    _dns_host: str
    port: int

    def _new_conn(self) -> socket.socket:
        original = self._dns_host
        try:
            self._dns_host = checked_address(original, self.port)
        except AddressRefused as refused:
            raise DestinationRefused(self, str(refused)) from None  # type: ignore[arg-type]
        try:
            return super()._new_conn()  # type: ignore[misc]
        finally:
            self._dns_host = original


class CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    """A plain HTTP connection to a checked address."""


class CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    """A TLS connection to a checked address, verified for the host name."""


class CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    """A requests adapter whose every connection goes through `checked_address`."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        # a fresh mapping: urllib3's default one is shared by every PoolManager of the process
        self.poolmanager.pool_classes_by_scheme = {"http": CheckedHTTPConnectionPool,
                                                   "https": CheckedHTTPSConnectionPool}


def partner_session() -> requests.Session:
    """The HTTP session for outbound partner calls: checked addresses in production, plain in development."""
    session = requests.Session()
    if current_app.config.get("APP_ENV") == "production":
        session.trust_env = False  # a proxy from the environment would resolve the name beyond our check
        session.mount("http://", CheckedAdapter())
        session.mount("https://", CheckedAdapter())
    return session
