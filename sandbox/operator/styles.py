"""Switch a sandbox partner to an integration style (a preset or a custom document), as its operator would.

Two parties keep a record, as in real life: the merchant stores the partner's style through its own service
(`webview.styles.store.set_partner_style`, the same one `flask partners set-style` uses: it validates the whole
document, stores a version and issues any named secret such as key2), and the sandbox partner keeps its own copy of
the document it speaks, with the secrets the merchant issued to it (sandbox/partner/styled.py). Both are written in
one unit of work: a style the merchant refuses, or one the sandbox cannot play, changes nothing on either side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.credentials import list_partners, load_credentials
from sandbox.operator.services import OperatorError
from sandbox.partner.styled import keep_spoken_style, spoken_style
from webview.extensions import db
from webview.partners.services import find_partner
from webview.styles.definition import StyleError
from webview.styles.presets import preset_names as merchant_preset_names
from webview.styles.store import read_style_source, set_partner_style, style_row
from webview.uow import unit_of_work

ACTOR = "sandbox operator"
MAX_DOCUMENT_CHARS = 256 * 1024


@dataclass(frozen=True)
class StyleSwitch:
    """A style just set: its name, the merchant's version number, the secrets issued with it (names only)."""

    partner_code: str
    name: str
    version: int
    issued_secrets: tuple[str, ...]
    source: str


def preset_names() -> tuple[str, ...]:
    """The presets the merchant ships (names only: their documents are the merchant's data files)."""
    return merchant_preset_names()


def read_source(source: str) -> tuple[dict[str, Any], str]:
    """(document, label) of a preset name, a .json/.yaml file path, or a JSON document given inline."""
    text = source.strip()
    if text.startswith("{"):
        if len(text) > MAX_DOCUMENT_CHARS:
            raise OperatorError(f"the style document is larger than {MAX_DOCUMENT_CHARS // 1024} KiB", ["style"])
        try:
            document = json.loads(text)
        except ValueError as error:
            raise OperatorError(f"the style is not valid JSON ({error})", ["style"]) from error
        return document, "custom document"
    try:
        return read_style_source(text)
    except StyleError as error:
        raise OperatorError("; ".join(error.problems), ["style"]) from error


def set_sandbox_style(partner_code: str, source: str) -> StyleSwitch:
    """Give a sandbox partner a style: the merchant stores it (a new version), the partner starts speaking it."""
    code = (partner_code or "").strip()
    credentials = load_credentials(code) if code else None
    if credentials is None:
        raise OperatorError(f"no sandbox partner {code!r}", ["partner_code"])
    if credentials.profile != "hmac":
        raise OperatorError(f"{code} is an {credentials.profile} partner: only hmac partners take a style",
                            ["partner_code"])
    document, label = read_source(source)
    partner = find_partner(code)
    if partner is None:
        raise OperatorError(f"the merchant has no partner {code!r}", ["partner_code"])
    previous = spoken_style(code)
    with unit_of_work():
        try:
            stored = set_partner_style(partner, document, source=label, actor=ACTOR)
        except StyleError as error:
            raise OperatorError("; ".join(error.problems), ["style"]) from error
        secrets = {**(previous.secrets if previous else {}), **stored.issued_secrets}
        missing = sorted(_secret_names(document) - set(secrets))
        if missing:
            raise OperatorError(f"the sandbox partner does not hold {', '.join(missing)}: the merchant issued it with "
                                "an earlier style set outside the sandbox", ["style"])
        if _uses_rsa(document) and not credentials.partner_private_key_pem:
            raise OperatorError("the style signs with RSA-SHA256 and this sandbox partner has no private key",
                                ["style"])
        keep_spoken_style(code, document, secrets, label)
        version = stored.row.version
    return StyleSwitch(code, str(document.get("name", "")), version, tuple(sorted(stored.issued_secrets)), label)


def _signatures(document: dict) -> list[dict]:
    parts = [document.get("status_in") or {}, *(document.get(name) or {} for name in ("create", "query", "refund"))]
    return [part["signature"] for part in parts if isinstance(part.get("signature"), dict)]


def _secret_names(document: dict) -> set[str]:
    return {signature.get("secret", "client_secret") for signature in _signatures(document)
            if signature.get("algorithm") != "RSA-SHA256"} - {"client_secret"}


def _uses_rsa(document: dict) -> bool:
    return any(signature.get("algorithm") == "RSA-SHA256" for signature in _signatures(document))


def styled_partners() -> list[dict]:
    """Every hmac sandbox partner with the style it speaks (None: the hmac profile)."""
    rows = []
    for row in list_partners():
        if row.profile != "hmac":
            continue
        style = spoken_style(row.partner_code)
        partner = find_partner(row.partner_code)
        merchant = style_row(partner) if partner is not None else None
        rows.append({"partner_code": row.partner_code, "style": style.name if style else None,
                     "source": style.source if style else "",
                     "merchant_style": merchant.name if merchant else None,
                     # a style set at the merchant outside the sandbox: the two sides no longer speak alike
                     "in_step": (merchant.definition if merchant else None) == (style.document if style else None)})
    db.session.rollback()
    return rows
