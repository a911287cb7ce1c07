"""Order numbers: the GMT+7 date `yymmdd`, a dash and 8 unguessable characters, e.g. `261122-7QK4M2XD`."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from webview.db import utcnow
from webview.i18n.formatting import to_local

# No 0/O, 1/I/L: the number is read aloud to support and typed from emails.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SUFFIX_LENGTH = 8  # 31**8 ≈ 8.5e11 per day: not enumerable
REFERENCE = re.compile(rf"\d{{6}}-[{ALPHABET}]{{{SUFFIX_LENGTH}}}")  # the numbers we issue
# What a partner may send where an order number goes (published in the API): wider than what we issue, so an
# unknown number is answered "not found" (code 3), not "invalid".
MAX_REFERENCE_INPUT = 40
REFERENCE_INPUT_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_REFERENCE_INPUT - 1}}}$"


def new_reference(now: datetime | None = None) -> str:
    """A fresh order number for a booking made at `now` (default: the current time)."""
    day = to_local(now or utcnow()).strftime("%y%m%d")
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{day}-{suffix}"


def is_reference(text: str | None) -> bool:
    """Whether `text` has the shape of an order number (says nothing about its existence)."""
    return bool(text) and REFERENCE.fullmatch(text) is not None
