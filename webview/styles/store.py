"""Each partner's style, versioned: set, read, and the keys its signatures use.

`set_partner_style` is the one way a style is stored (CLI, portal, sandbox, tests): it validates the whole document,
refuses a partner whose profile cannot take a style, stores a new version, moves an hmac partner to the `styled`
profile, and issues any named secret the style needs (returned once, in plaintext, to the caller).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from sqlalchemy import func, select

from webview.db import utcnow
from webview.extensions import db
from webview.partners.keys import KeyFormatError, merchant_private_key, partner_public_key
from webview.partners.models import Partner, PartnerStyle, PartnerStyleSecret
from webview.partners.services import new_credential, partner_secrets
from webview.profiles import STYLED, profile_of
from webview.styles.canonical import Keys, MissingKey
from webview.styles.definition import CLIENT_SECRET, Signature, StyleDefinition, StyleError, parse_style
from webview.styles.presets import STANDARD, preset, preset_document, preset_names
from webview.vault import open_sealed, seal

STYLE_SECRET_PURPOSE = "style-secret"  # noqa: S105  (a vault purpose label, not a secret)
MAX_STYLE_BYTES = 256 * 1024


@dataclass(frozen=True)
class StoredStyle:
    """A version just stored, with the named secrets issued for it (plaintext, to be shown once)."""

    row: PartnerStyle
    issued_secrets: dict[str, str]


def read_style_source(source: str) -> tuple[dict[str, Any], str]:
    """(document, label) of a preset name or a .json/.yaml/.yml file path; StyleError when it cannot be read."""
    if source in preset_names():
        return preset_document(source), f"preset {source}"
    path = Path(source)
    try:
        if path.stat().st_size > MAX_STYLE_BYTES:
            raise StyleError([f"{source}: larger than {MAX_STYLE_BYTES // 1024} KiB"])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StyleError([f"{source}: neither a preset ({', '.join(preset_names())}) nor a file"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise StyleError([f"{source}: cannot read ({error})"]) from error
    try:
        data = yaml.safe_load(text) if path.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    except (ValueError, yaml.YAMLError) as error:
        raise StyleError([f"{source}: not valid {'YAML' if path.suffix.lower() in {'.yaml', '.yml'} else 'JSON'}"
                          f" ({str(error).splitlines()[0][:200]})"]) from error
    return data, f"file {path.name}"[:300]


def set_partner_style(partner: Partner, document: Any, *, source: str = "", actor: str = "") -> StoredStyle:
    """Validate and store a new version of the partner's style; flushes, the caller commits.

    StyleError (every problem) when the document is invalid, the partner's profile cannot take a style, or an
    RSA signature is named and the partner has no public key registered.
    """
    style = parse_style(document)
    if not profile_of(partner).may_take_style:
        raise StyleError([f"partner {partner.code}: {profile_of(partner).code} partners cannot take a style"])
    if style.uses_rsa() and not partner.public_key_pem:
        raise StyleError([f"partner {partner.code}: register its RSA public key first (the style verifies "
                          "RSA-SHA256 signatures)"])
    latest = db.session.scalar(select(func.max(PartnerStyle.version)).where(PartnerStyle.partner_id == partner.id))
    row = PartnerStyle(partner_id=partner.id, version=(latest or 0) + 1, name=style.name,
                       definition=document, source=source[:300],
                       created_by=actor[:254], created_at=utcnow())
    db.session.add(row)
    issued = {}
    existing = set(db.session.scalars(select(PartnerStyleSecret.name)
                                      .where(PartnerStyleSecret.partner_id == partner.id)))
    for name in sorted(style.secret_names() - existing):
        secret = new_credential(48)
        db.session.add(PartnerStyleSecret(partner_id=partner.id, name=name,
                                          secret_sealed=seal(_master_key(), secret, STYLE_SECRET_PURPOSE)))
        issued[name] = secret
    partner.profile = STYLED.code
    db.session.flush()
    return StoredStyle(row=row, issued_secrets=issued)


def style_versions(partner: Partner) -> list[PartnerStyle]:
    """Every stored version of the partner's style, oldest first."""
    return list(db.session.scalars(select(PartnerStyle).where(PartnerStyle.partner_id == partner.id)
                                   .order_by(PartnerStyle.version)))


def style_row(partner: Partner, version: int | None = None) -> PartnerStyle | None:
    """One stored version (the current one when `version` is None), or None."""
    query = select(PartnerStyle).where(PartnerStyle.partner_id == partner.id)
    query = query.where(PartnerStyle.version == version) if version is not None else \
        query.order_by(PartnerStyle.version.desc()).limit(1)
    return db.session.scalar(query)


def style_of(partner: Partner) -> StyleDefinition:
    """The partner's current style; the standard preset while none is stored."""
    row = style_row(partner)
    return preset(STANDARD) if row is None else parse_style(row.definition)


def _master_key() -> str:
    return current_app.config["MASTER_KEY"]


def _named_secret(partner: Partner, name: str) -> str:
    row = db.session.scalar(select(PartnerStyleSecret).where(PartnerStyleSecret.partner_id == partner.id,
                                                             PartnerStyleSecret.name == name))
    if row is None:
        raise MissingKey(f"partner {partner.code} has no secret {name!r}")
    return open_sealed(_master_key(), row.secret_sealed, STYLE_SECRET_PURPOSE).decode("utf-8")


def verifying_keys(partner: Partner, signature: Signature) -> Keys:
    """The keys a partner's signature is checked with (every current client secret; its RSA public key)."""
    if signature.algorithm == "RSA-SHA256":
        try:
            return Keys(public_key=partner_public_key(partner))
        except KeyFormatError as error:
            raise MissingKey(str(error)) from error
    if signature.secret == CLIENT_SECRET:
        return Keys(secrets=tuple(partner_secrets(partner, utcnow())))
    return Keys(secrets=(_named_secret(partner, signature.secret),))


def signing_keys(partner: Partner, signature: Signature) -> Keys:
    """The key our own signature is made with (the newest client secret; our private key of its environment)."""
    if signature.algorithm == "RSA-SHA256":
        return Keys(private_key=merchant_private_key(partner.environment))
    if signature.secret == CLIENT_SECRET:
        return Keys(secrets=tuple(partner_secrets(partner, utcnow())[:1]))
    return Keys(secrets=(_named_secret(partner, signature.secret),))


MAX_STYLE_DEPTH = 32


def _depth(value: Any, limit: int) -> int:
    """How deeply `value` nests (objects and lists), stopping once past `limit`."""
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


def read_style_text(text: str, filename: str = "") -> dict[str, Any]:
    """The document of a style given as text (an upload or a paste): JSON, or YAML for a .yaml/.yml name or a
    paste that does not start with `{`. StyleError when it is too large, unreadable, uses YAML aliases or nests
    deeper than a style ever does (a paste is never trusted to be small)."""
    if len(text.encode("utf-8")) > MAX_STYLE_BYTES:
        raise StyleError([f"style: larger than {MAX_STYLE_BYTES // 1024} KiB"])
    suffix = Path(filename).suffix.lower()
    as_yaml = suffix in {".yaml", ".yml"} or (suffix != ".json" and not text.lstrip().startswith("{"))
    try:
        if as_yaml:
            if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
                raise StyleError(["style: YAML anchors and aliases are not accepted (write each value out)"])
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except RecursionError:
        raise StyleError(["style: nested too deeply"]) from None
    except (ValueError, yaml.YAMLError) as error:
        raise StyleError([f"style: not valid {'YAML' if as_yaml else 'JSON'} "
                          f"({str(error).splitlines()[0][:200]})"]) from error
    if _depth(data, MAX_STYLE_DEPTH) > MAX_STYLE_DEPTH:
        raise StyleError([f"style: nested deeper than {MAX_STYLE_DEPTH} levels"])
    return data


@dataclass(frozen=True)
class StyleSecretInfo:
    """A named style secret as pages show it: its name and when its current value was issued (never the value)."""

    name: str
    issued_at: Any
    in_use: bool


def style_secret_names(partner: Partner) -> list[StyleSecretInfo]:
    """The partner's named style secrets (names and issue times), and whether its current style signs with each."""
    in_use = style_of(partner).secret_names() if style_row(partner) is not None else set()
    rows = db.session.scalars(select(PartnerStyleSecret).where(PartnerStyleSecret.partner_id == partner.id)
                              .order_by(PartnerStyleSecret.name))
    return [StyleSecretInfo(row.name, row.created_at, row.name in in_use) for row in rows]


def rotate_style_secret(partner: Partner, name: str) -> str:
    """Issue a new value of one named style secret (returned once, in plaintext); the previous value stops working
    at once (a style secret has no grace period). Flushes, the caller commits; StyleError for an unknown name."""
    row = db.session.scalar(select(PartnerStyleSecret).where(PartnerStyleSecret.partner_id == partner.id,
                                                             PartnerStyleSecret.name == name))
    if row is None:
        raise StyleError([f"partner {partner.code} has no style secret {name!r}"])
    secret = new_credential(48)
    row.secret_sealed = seal(_master_key(), secret, STYLE_SECRET_PURPOSE)
    row.created_at = utcnow()
    db.session.flush()
    return secret
