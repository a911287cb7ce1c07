"""The shipped preset styles, read from their data files (`webview/styles/presets/*.json`).

The files are the presets' one home: the sandbox reads them as data, the partner docs cite them, and
`flask partners set-style CODE PRESET` stores a copy of one as a partner's style.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from webview.styles.definition import StyleDefinition, parse_style

PRESET_DIR = Path(__file__).with_name("presets")
STANDARD = "standard"


@cache
def preset_names() -> tuple[str, ...]:
    """The names of the shipped presets, standard first."""
    names = sorted(path.stem for path in PRESET_DIR.glob("*.json"))
    return (STANDARD, *(name for name in names if name != STANDARD))


def preset_document(name: str) -> dict:
    """A preset's JSON document (a fresh copy); KeyError for a name no preset has."""
    if name not in preset_names():
        raise KeyError(name)
    return json.loads((PRESET_DIR / f"{name}.json").read_text(encoding="utf-8"))


@cache
def preset(name: str) -> StyleDefinition:
    """A preset, validated; KeyError for a name no preset has."""
    return parse_style(preset_document(name))
