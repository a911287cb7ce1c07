"""Reconciliation file templates: DESIGN's standard one, and a partner's agreed variant as validated data.

A template is JSON: `{"name", "columns": [{"field", "header"}...], "delimiter", "date_format", "decimal",
"grouping", "decimals"}`. `columns` lists the record's fields in file order with the header each carries; the
optional fields (OPTIONAL_FIELDS) may be left out, the others never (the record set never changes, and matching
needs them). `date_format` is `iso8601` (e.g. 2026-11-22T09:15:00+07:00) or a strftime pattern with %Y, %m
and %d; amounts are whole VND, written with `decimals` (0 or 2) after `decimal` and `grouping` between
thousands ("" for none).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

FIELDS = ("record_type", "reference_transaction_id", "partner_transaction_id", "product", "amount", "currency",
          "status", "refund_request_id", "occurred_at")
REQUIRED_FIELDS = ("record_type", "reference_transaction_id", "amount", "status", "refund_request_id")
OPTIONAL_FIELDS = tuple(name for name in FIELDS if name not in REQUIRED_FIELDS)
DELIMITERS = (",", ";", "\t", "|")
DECIMAL_MARKS = (".", ",")
GROUPINGS = ("", ",", ".", " ")
TEMPLATE_KEYS = {"name", "columns", "delimiter", "date_format", "decimal", "grouping", "decimals"}
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
HEADER_PATTERN = re.compile(r"[A-Za-z0-9_ ./()-]{1,64}")
STRFTIME_ALLOWED = re.compile(r"(%[YmdHMSz%]|[-/.: T0-9A-Za-z+])*")
MAX_TEMPLATE_BYTES = 16 * 1024


class TemplateError(ValueError):
    """A template that cannot be used; the message is one line naming what is wrong."""


@dataclass(frozen=True)
class Template:
    """A validated template (immutable); `as_json()` is what is stored on the partner's settings."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (field, header) in file order
    delimiter: str = ","
    date_format: str = "iso8601"
    decimal: str = "."
    grouping: str = ""
    decimals: int = 0

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.columns)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(header for _, header in self.columns)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = [{"field": field, "header": header} for field, header in self.columns]
        return data

    def format_amount(self, amount: int) -> str:
        """Whole VND as this template writes it (e.g. 1.500.000 or 1500000.00)."""
        text = f"{abs(amount):,}".replace(",", self.grouping) if self.grouping else str(abs(amount))
        if self.decimals:
            text += self.decimal + "0" * self.decimals
        return ("-" if amount < 0 else "") + text

    def parse_amount(self, text: str) -> int:
        """The whole VND of an amount cell; ValueError for anything this template would not write."""
        value = text.strip()
        negative = value.startswith("-")
        value = value.removeprefix("-")
        if self.decimals:
            whole, mark, fraction = value.rpartition(self.decimal)
            if not mark or len(fraction) != self.decimals or not fraction.isdigit() or set(fraction) != {"0"}:
                raise ValueError(f"amount {text!r} is not whole VND with {self.decimals} decimals")
            value = whole
        if self.grouping:
            groups = value.split(self.grouping)
            if not groups[0] or len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:]):
                raise ValueError(f"amount {text!r} is not grouped by thousands with {self.grouping!r}")
            value = "".join(groups)
        if not value.isascii() or not value.isdigit():
            raise ValueError(f"amount {text!r} is not a whole number of VND"
                             + (" (grouping separators are not part of this template)" if not self.grouping
                                and re.fullmatch(r"[0-9][0-9.,  ]*", value) else ""))
        return -int(value) if negative else int(value)

    def format_time(self, moment: datetime) -> str:
        """A GMT+7 time as this template writes it."""
        return moment.isoformat(timespec="seconds") if self.date_format == "iso8601" \
            else moment.strftime(self.date_format)

    def parse_time(self, text: str, tz) -> datetime:
        """ValueError unless `text` is a time in this template's format."""
        if self.date_format == "iso8601":
            moment = datetime.fromisoformat(text.strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=tz)
        moment = datetime.strptime(text.strip(), self.date_format)
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)


STANDARD = Template(name="standard", columns=tuple((field, field) for field in FIELDS))


def parse_template(data: Any) -> Template:
    """A Template from its JSON form; TemplateError naming the first problem."""
    if not isinstance(data, dict):
        raise TemplateError("the template must be a JSON object")
    unknown = sorted(set(data) - TEMPLATE_KEYS)
    if unknown:
        raise TemplateError(f"unknown template key(s): {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise TemplateError("name must be 1-40 of a-z, 0-9, '_' or '-'")
    columns = data.get("columns")
    if not isinstance(columns, list) or not columns:
        raise TemplateError("columns must be a non-empty list of {field, header}")
    parsed: list[tuple[str, str]] = []
    for index, column in enumerate(columns, 1):
        if not isinstance(column, dict) or set(column) - {"field", "header"} or "field" not in column:
            raise TemplateError(f"column {index} must be an object with field and header")
        field, header = column["field"], column.get("header", column["field"])
        if field not in FIELDS:
            raise TemplateError(f"column {index}: unknown field {field!r} (known: {', '.join(FIELDS)})")
        if not isinstance(header, str) or not HEADER_PATTERN.fullmatch(header):
            raise TemplateError(f"column {index}: header must be 1-64 letters, digits, spaces or _ . / ( ) -")
        parsed.append((field, header))
    fields = [field for field, _ in parsed]
    headers = [header.lower() for _, header in parsed]
    if len(set(fields)) != len(fields):
        raise TemplateError("a field appears twice in columns")
    if len(set(headers)) != len(headers):
        raise TemplateError("two columns have the same header")
    missing = [field for field in REQUIRED_FIELDS if field not in fields]
    if missing:
        raise TemplateError(f"required field(s) missing from columns: {', '.join(missing)}")
    delimiter = data.get("delimiter", ",")
    if delimiter not in DELIMITERS:
        raise TemplateError("delimiter must be one of , ; | or a tab")
    decimal, grouping = data.get("decimal", "."), data.get("grouping", "")
    if decimal not in DECIMAL_MARKS:
        raise TemplateError("decimal must be '.' or ','")
    if grouping not in GROUPINGS:
        raise TemplateError("grouping must be '', ',', '.' or ' '")
    decimals = data.get("decimals", 0)
    if decimals not in (0, 2) or isinstance(decimals, bool):
        raise TemplateError("decimals must be 0 or 2")
    if grouping and ((grouping == decimal and decimals) or grouping == delimiter):
        raise TemplateError("grouping must differ from the decimal mark and the delimiter")
    if decimals and decimal == delimiter:
        raise TemplateError("the decimal mark must differ from the delimiter")
    date_format = data.get("date_format", "iso8601")
    if not isinstance(date_format, str) or not date_format or len(date_format) > 40:
        raise TemplateError("date_format must be iso8601 or a strftime pattern")
    if date_format != "iso8601":
        if not STRFTIME_ALLOWED.fullmatch(date_format) or not all(p in date_format for p in ("%Y", "%m", "%d")):
            raise TemplateError("date_format must be iso8601 or a strftime pattern with %Y, %m and %d "
                                "(and only %H %M %S %z besides)")
        if delimiter in date_format:
            raise TemplateError("date_format must not contain the delimiter")
    return Template(name=name, columns=tuple(parsed), delimiter=delimiter, date_format=date_format,
                    decimal=decimal, grouping=grouping, decimals=decimals)


def load_template(text: str | bytes) -> Template:
    """A Template from a JSON document; TemplateError for bad JSON or a bad template."""
    if len(text) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"the template is larger than {MAX_TEMPLATE_BYTES // 1024} KiB")
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TemplateError(f"the template is not valid JSON ({error})") from error
    return parse_template(data)


def stored_template(data: dict[str, Any] | None) -> Template:
    """The template kept on a partner's settings (the standard one when none)."""
    return parse_template(data) if data else STANDARD
