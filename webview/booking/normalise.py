"""Turn what people type into what airlines and hotels need: ID names and +84 phone numbers."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Vietnamese mobile numbers (3x, 5x, 7x, 8x, 9x: 9 digits) and landlines (2xx: 10 digits) after the 0/+84
NATIONAL_NUMBER = re.compile(r"(?:[35789]\d{8}|2\d{9})")
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
ID_NAME = re.compile(r"[A-Z]+(?: [A-Z]+)+")
DOCUMENT = re.compile(r"[A-Z0-9]{6,15}")


def id_name(value: str | None) -> str:
    """'Nguyễn Văn  Đức' → 'NGUYEN VAN DUC': uppercase ASCII without diacritics, single spaces."""
    if not value:
        return ""
    text = value.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(text.upper().split())


def is_id_name(value: str) -> bool:
    """At least a family name and a given name, letters A–Z only."""
    return bool(ID_NAME.fullmatch(value))


def normalise_vn_phone(value: str | None) -> str | None:
    """'0912 345 678', '84912345678' or '+84 912-345-678' → '+84912345678'; None if not a VN number."""
    if not value:
        return None
    digits = PHONE_SEPARATORS.sub("", value.strip())
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return None
    if national.startswith("0"):  # '+84 0912…' is a common slip
        national = national[1:]
    return f"+84{national}" if NATIONAL_NUMBER.fullmatch(national) else None


def document_number(value: str | None) -> str:
    """ID card or passport number as printed: uppercase, no spaces."""
    return re.sub(r"\s+", "", value or "").upper()


def age_on(birth: date, day: date) -> int:
    """Whole years between a date of birth and a day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
