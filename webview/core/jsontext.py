"""Parse JSON from outside (partner bodies, logged bodies) without trusting its shape.

`json.loads` recurses once per nesting level (a deep array raises RecursionError, not ValueError) and accepts a
lone surrogate escape such as "\\ud800", which later fails wherever the text is encoded as UTF-8 (a database
insert, a log line), and "\\u0000", which PostgreSQL cannot store. `parse_json` refuses all three up front with
one exception type.
"""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_DEPTH = 32


class JsonRejected(ValueError):
    """The text is not JSON we accept: invalid UTF-8 or JSON, nested too deep, or a lone surrogate inside."""


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text`, counted outside strings (no parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _check_strings(value: Any) -> None:
    """Raise JsonRejected when a key or string holds a lone surrogate (not UTF-8) or a NUL (no database stores it)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise JsonRejected("a string holds a lone surrogate") from error
            if "\x00" in item:
                raise JsonRejected("a string holds a NUL character")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse UTF-8 JSON at most `max_depth` levels deep whose strings are all valid Unicode; JsonRejected else."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise JsonRejected("not UTF-8") from error
    if json_depth(text) > max_depth:
        raise JsonRejected(f"nested deeper than {max_depth} levels")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise JsonRejected("not valid JSON") from error
    _check_strings(value)
    return value
