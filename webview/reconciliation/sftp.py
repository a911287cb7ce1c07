"""The partner's SFTP server, as a client (paramiko) with host-key checking on.

Folders (DESIGN "Reconciliation"): `OUTBOUND/` (our files: uploaded as `name.part`, then renamed, so the partner
never sees half a file), `INBOUND/` (the partner's files, with their `.sig` and optional `.sha256`) and
`ARCHIVED/` (inbound files once processed: moved, never deleted; a rejected one is prefixed `rejected-`).
A host key other than the registered one is refused (SftpRefused) and never retried; connection trouble is
retried with backoff within the PARTNER_* budget. In production the server's address is checked like every
outbound partner connection (public addresses only).
"""

from __future__ import annotations

import contextlib
import socket
import stat
import time
from collections.abc import Iterable, Iterator
from datetime import date

import paramiko
from flask import current_app

from webview.core.netguard import AddressRefused, checked_address
from webview.extensions import db
from webview.reconciliation.matching import InboundFile
from webview.reconciliation.models import ReconciliationSettings
from webview.reconciliation.settings import parse_known_hosts, sftp_private_key

OUTBOUND, INBOUND, ARCHIVED = "OUTBOUND", "INBOUND", "ARCHIVED"
MAX_INBOUND_BYTES = 512 * 1024 * 1024


class SftpError(RuntimeError):
    """The SFTP exchange failed (connection, missing file, server refusal); the message says why."""


class SftpRefused(SftpError):
    """The server's host key is not the registered one: refused, not retried, reported."""


def _host_keys_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


@contextlib.contextmanager
def connect(settings: ReconciliationSettings) -> Iterator[paramiko.SFTPClient]:
    """An SFTP session with the partner's server, host key checked against the registered known_hosts."""
    if not (settings.sftp_host and settings.sftp_user and settings.sftp_known_hosts):
        raise SftpError("the partner's SFTP host, user and known_hosts are not all set")
    host, port = settings.sftp_host, settings.sftp_port
    key = sftp_private_key(settings)
    known = parse_known_hosts(settings.sftp_known_hosts)
    connect_s = float(current_app.config["PARTNER_CONNECT_TIMEOUT"])
    read_s = float(current_app.config["PARTNER_READ_TIMEOUT"])
    retries = int(current_app.config["PARTNER_RETRIES"])
    backoff = float(current_app.config["PARTNER_BACKOFF_SECONDS"])
    production = current_app.config.get("APP_ENV") == "production"
    db.session.commit()  # no transaction held while we talk to the partner
    problem = "no answer"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        client = paramiko.SSHClient()
        for name in known:
            for key_type, host_key in known[name].items():
                client.get_host_keys().add(name, key_type, host_key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            sock = socket.create_connection((checked_address(host, port) if production else host, port),
                                            timeout=connect_s)
            client.connect(host, port=port, username=settings.sftp_user, pkey=key, sock=sock,
                           timeout=connect_s, banner_timeout=read_s, auth_timeout=read_s, look_for_keys=False,
                           allow_agent=False)
        except paramiko.BadHostKeyException as error:
            client.close()
            raise SftpRefused(f"the host key of {_host_keys_name(host, port)} changed "
                              f"({error.key.get_name()} {error.key.get_fingerprint().hex()}): refused") from error
        except paramiko.SSHException as error:
            client.close()
            if "not found in known_hosts" in str(error):
                raise SftpRefused(f"{_host_keys_name(host, port)} offers a host key that is not registered: "
                                  "refused") from error
            problem = f"SSH error ({error})"
            continue
        except AddressRefused as error:
            client.close()
            raise SftpRefused(str(error)) from error
        except OSError as error:
            client.close()
            problem = f"connection error ({type(error).__name__}: {error})"
            continue
        try:
            channel = client.open_sftp()
            channel.get_channel().settimeout(read_s)
            yield channel
        finally:
            client.close()
        return
    raise SftpError(f"SFTP {_host_keys_name(host, port)}: {problem} after {retries + 1} tries")


def upload(channel: paramiko.SFTPClient, name: str, chunks: Iterable[bytes]) -> None:
    """Write OUTBOUND/name atomically: OUTBOUND/name.part first, then renamed over the final name."""
    final, partial = f"{OUTBOUND}/{name}", f"{OUTBOUND}/{name}.part"
    with channel.open(partial, "wb") as handle:
        handle.set_pipelined(True)
        for chunk in chunks:
            handle.write(chunk)
    try:
        channel.posix_rename(partial, final)
    except OSError as error:
        raise SftpError(f"upload of {name}: rename refused ({error})") from error


def inbound_files(channel: paramiko.SFTPClient, day: date) -> list[str]:
    """The partner's CSV files of `day` waiting in INBOUND/ (names containing YYYYMMDD), sorted."""
    stamp = f"{day:%Y%m%d}"
    return sorted(entry.filename for entry in channel.listdir_attr(INBOUND)
                  if stat.S_ISREG(entry.st_mode or 0) and entry.filename.endswith(".csv") and stamp in entry.filename)


def _read(channel: paramiko.SFTPClient, path: str, limit: int) -> bytes:
    with channel.open(path, "rb") as handle:
        handle.prefetch()
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SftpError(f"{path} is larger than {limit // (1024 * 1024)} MiB")
    return data


def fetch_inbound(channel: paramiko.SFTPClient, name: str) -> InboundFile:
    """INBOUND/name with its .sig (and .sha256 when present)."""
    data = _read(channel, f"{INBOUND}/{name}", MAX_INBOUND_BYTES)
    sidecars: dict[str, str | None] = {}
    for suffix in (".sig", ".sha256"):
        try:
            sidecars[suffix] = _read(channel, f"{INBOUND}/{name}{suffix}", 64 * 1024).decode("ascii", "replace")
        except FileNotFoundError:
            sidecars[suffix] = None
    sha = sidecars[".sha256"].split()[0] if sidecars[".sha256"] else None
    return InboundFile(name=name, data=data, signature=sidecars[".sig"], sha256=sha)


def archive_inbound(channel: paramiko.SFTPClient, name: str, *, rejected: bool) -> None:
    """Move INBOUND/name and its sidecars to ARCHIVED/ (`rejected-` prefixed when the file was rejected)."""
    prefix = "rejected-" if rejected else ""
    for suffix in ("", ".sig", ".sha256"):
        with contextlib.suppress(FileNotFoundError):
            channel.posix_rename(f"{INBOUND}/{name}{suffix}", f"{ARCHIVED}/{prefix}{name}{suffix}")
