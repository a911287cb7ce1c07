"""Personal data shown or kept only in part, defined once: the message log (`*`) and read-only screens (`•`)."""

from __future__ import annotations


def mask_tail(value: str | None, keep: int = 3, fill: str = "*") -> str:
    """All but the last `keep` characters hidden (a document number, a phone on a read-only page)."""
    text = str(value or "")
    if len(text) <= keep:
        return fill * len(text)
    return fill * (len(text) - keep) + text[-keep:]


def mask_phone(value: str | None, fill: str = "*") -> str:
    """Keep the first 3 and last 2 digits of a phone number."""
    digits = str(value or "")
    return digits[:3] + fill * max(len(digits) - 5, 0) + digits[-2:] if len(digits) > 5 else fill * len(digits)


def mask_name(value: str | None, fill: str = "*") -> str:
    """Keep the initial of each word of a name."""
    return " ".join(word[:1] + fill * 3 for word in str(value or "").split())


def mask_email(value: str | None, fill: str = "*") -> str:
    """Keep the first letter of the local part and the domain: enough to recognise, not enough to reuse."""
    local, _, domain = str(value or "").partition("@")
    return (local[:1] + fill * 3 + "@" + domain) if domain else fill * 3
