"""Turn what people type into what airlines and hotels need: ID names, +84 phone numbers and dd/mm/yyyy dates."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Vietnamese mobile numbers (3x, 5x, 7x, 8x, 9x: 9 digits) and landlines (2xx: 10 digits) after the 0/+84
NATIONAL_NUMBER = re.compile(r"(?:[35789]\d{8}|2\d{9})")
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
ID_NAME = re.compile(r"[A-Z]+(?: [A-Z]+)+")
DOCUMENT = re.compile(r"[A-Z0-9]{6,15}")
# 31/12/1990 (also 31-12-1990, 31.12.1990, 1/2/1990, or 31121990 from a digits-only keypad without JavaScript) as
# Vietnamese write it, or ISO 1990-12-31 (outside suites, the hidden fields of the review screen); nothing else:
# 12/31/1990 is refused, not guessed
DAY_MONTH_YEAR = re.compile(r"(?P<day>\d{1,2})[/.\-](?P<month>\d{1,2})[/.\-](?P<year>\d{4})"
                            r"|(?P<day8>\d{2})(?P<month8>\d{2})(?P<year8>\d{4})", re.ASCII)
ISO_DAY = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})", re.ASCII)
DMY_PATTERN = r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{8}|\d{4}-\d{2}-\d{2}"  # the same shapes, for the HTML pattern


class DateFormatError(ValueError):
    """A typed date that is not dd/mm/yyyy (or ISO) at all."""


class ImpossibleDate(ValueError):
    """A dd/mm/yyyy that has the right shape but names no day (31/02/1990, 12/31/1990)."""


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


def parse_day(value: str | None) -> date | None:
    """'31/12/1990' (or '31-12-1990', '31.12.1990', '31121990', '1990-12-31') → date(1990, 12, 31); None when empty.

    Raises DateFormatError for another shape and ImpossibleDate for a day that does not exist.
    """
    text = "".join((value or "").split())
    if not text:
        return None
    found = DAY_MONTH_YEAR.fullmatch(text) or ISO_DAY.fullmatch(text)
    if found is None:
        raise DateFormatError(text)
    parts = found.groupdict()
    year, month, day = (parts.get(name) or parts.get(f"{name}8") for name in ("year", "month", "day"))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ImpossibleDate(text) from None


def day_month_year(value: date | None) -> str:
    """date(1990, 12, 31) → '31/12/1990' (the way the date of birth is shown back, in both languages)."""
    return value.strftime("%d/%m/%Y") if value else ""
