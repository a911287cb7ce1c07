"""Amounts and times as a style writes and reads them (docs/partners/styles.md "Amounts", "Timestamps")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from webview.styles.definition import Amount

GMT7 = timezone(timedelta(hours=7))
MAX_VND = 10_000_000_000
_DIGITS = re.compile(r"[0-9]{1,18}")
_DECIMAL2 = re.compile(r"([0-9]{1,18})\.([0-9]{2})")
_TIME_DIGITS = re.compile(r"[0-9]{1,16}")


def format_amount(vnd: int, amount: Amount, *, typed: bool) -> Any:
    """VND on the wire: × scale; a number (integer format, typed places) or text."""
    wire = vnd * amount.scale
    if amount.format == "decimal2":
        return f"{wire}.00"
    if amount.format == "integer" and typed:
        return wire
    return str(wire)


def parse_amount(value: Any, amount: Amount, *, typed: bool) -> int | None:
    """VND from a received amount in the style's format (typed: it came in a JSON body); None when it is not."""
    if amount.format == "integer" and typed:
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        wire = value
    else:
        if not isinstance(value, str):
            return None
        if amount.format == "decimal2":
            match = _DECIMAL2.fullmatch(value)
            if not match or match.group(2) != "00":
                return None
            wire = int(match.group(1))
        else:
            if not _DIGITS.fullmatch(value):
                return None
            wire = int(value)
    if wire < 0 or wire % amount.scale:
        return None
    vnd = wire // amount.scale
    return vnd if vnd <= MAX_VND else None


def format_time(moment: datetime, time_format: str, *, typed: bool) -> Any:
    """A moment in a timestamp format; unix formats are numbers in typed places."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if time_format in {"unix_ms", "unix_s"}:
        number = int(moment.timestamp() * 1000) if time_format == "unix_ms" else int(moment.timestamp())
        return number if typed else str(number)
    local = moment.astimezone(GMT7)
    if time_format == "compact_gmt7":
        return local.strftime("%Y%m%d%H%M%S")
    return local.replace(microsecond=0).isoformat()


def parse_time_ms(value: Any, time_format: str) -> int | None:
    """Unix milliseconds of a received timestamp in a format; None when it is not in that format."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str):
        return None
    try:
        if time_format in {"unix_ms", "unix_s"}:
            if not _TIME_DIGITS.fullmatch(text):
                return None
            return int(text) if time_format == "unix_ms" else int(text) * 1000
        if time_format == "compact_gmt7":
            if not re.fullmatch(r"[0-9]{14}", text):
                return None
            moment = datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=GMT7)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                return None
    except ValueError:
        return None
    return int(moment.timestamp() * 1000)
