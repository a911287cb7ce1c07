"""Money, dates and times as Vietnamese and English readers expect them (shown in GMT+7)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import get_group_symbol

from webview.i18n.catalogs import current_locale
from webview.i18n.locale import DEFAULT_LOCALE, TIMEZONE, normalise_locale

LOCAL_ZONE = ZoneInfo(TIMEZONE)
DATE_PATTERNS = {"vi": "EEE, dd/MM/yyyy", "en": "EEE, d MMM yyyy"}
SHORT_DATE_PATTERNS = {"vi": "EEE, dd/MM", "en": "EEE, d MMM"}
DURATION_UNITS = {"vi": ("{h} giờ {m:02d} phút", "{m} phút"), "en": ("{h}h {m:02d}m", "{m}m")}


def _locale(locale: str | None) -> str:
    """The explicit locale, else the request's, else Vietnamese."""
    if locale:
        return normalise_locale(locale) or DEFAULT_LOCALE
    current = current_locale()
    return _language(current) if current else DEFAULT_LOCALE


@lru_cache(maxsize=16)
def _language(locale) -> str:
    return normalise_locale(str(locale)) or DEFAULT_LOCALE


@lru_cache(maxsize=8)
def _group_symbol(language: str) -> str:
    """The locale's thousands separator from CLDR (vi '.', en ','), read once per process."""
    return get_group_symbol(language)


def format_vnd(amount: int | None, locale: str | None = None) -> str:
    """Integer VND with the locale's grouping: vi '1.250.000 ₫', en '1,250,000 ₫'."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("VND amounts are integers")
    # Babel's '#,##0' pattern: groups of three, the CLDR separator, ASCII digits and '-' in both languages
    return f"{amount:,} ₫".replace(",", _group_symbol(_locale(locale)))


def to_local(value: datetime) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh; naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_ZONE)


def format_local_date(value: date | datetime | None, locale: str | None = None, short: bool = False) -> str:
    """A weekday and date, e.g. 'T2, 24/11/2025' or 'Mon, 24 Nov 2025' (datetimes shown in GMT+7)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    language = _locale(locale)
    return _formatted_date(value, (SHORT_DATE_PATTERNS if short else DATE_PATTERNS)[language], language)


@lru_cache(maxsize=1024)
def _formatted_date(value: date, pattern: str, language: str) -> str:
    """Babel's formatting of a calendar day (a pure function of its arguments: kept per process)."""
    return format_date(value, pattern, locale=language)


def format_local_time(value: datetime | None, locale: str | None = None) -> str:
    """A 24-hour clock time in GMT+7, e.g. '07:35' (the same ASCII digits in every language we serve)."""
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def format_local_datetime(value: datetime | None, locale: str | None = None) -> str:
    """Time and date in GMT+7, e.g. '07:35 · T2, 24/11/2025'."""
    if value is None:
        return ""
    return f"{format_local_time(value, locale)} · {format_local_date(value, locale)}"


def format_duration(minutes: int | None, locale: str | None = None) -> str:
    """A flight duration: '2 giờ 05 phút' / '2h 05m'."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    long_form, short_form = DURATION_UNITS[_locale(locale)]
    return long_form.format(h=hours, m=rest) if hours else short_form.format(m=rest)


def format_vn_phone(value: str | None) -> str:
    """A Vietnamese number as Vietnamese readers write it: '+84912345678' → '0912 345 678'.

    Mobile numbers (9 national digits) are grouped 4-3-3 with the leading 0; landlines (10 national digits,
    e.g. Hà Nội 024) 3-4-4. Anything that is not a Vietnamese number is shown as it was given.
    """
    if not value:
        return ""
    digits = "".join(char for char in value if char.isdigit() or char == "+")
    if digits.startswith("+84"):
        national = "0" + digits[3:]
    elif digits.startswith("0") and "+" not in digits:
        national = digits
    else:
        return value
    if len(national) == 10:
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    if len(national) == 11:
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return value
