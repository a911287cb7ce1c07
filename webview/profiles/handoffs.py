"""How the webview hands the user to the partner's payment screen: one declaration per method, one rule each.

`redirect` navigates to the payment URL, `deeplink` opens a registered app link template, `bridge` calls a function
the host app injects. Onboarding and checkout ask the same rules here, so a partner that passes onboarding can never
fail at checkout over the same value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A host-injected function's name: a dotted identifier path of at most six parts (window.Partner.pay.open…).
BRIDGE_FUNCTION = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*){0,5}")
BRIDGE_FUNCTION_MAX = 200


@dataclass(frozen=True)
class HandoffMethod:
    """One way of opening the partner's payment screen."""

    code: str  # stored on the partner, given to `flask partners create --handoff`
    needs: str | None  # the partner setting it needs: deeplink_template, bridge_function or nothing
    works_without_javascript: bool  # the handoff screen's plain link/button still works with JS off


REDIRECT = HandoffMethod("redirect", None, True)
DEEPLINK = HandoffMethod("deeplink", "deeplink_template", True)
BRIDGE = HandoffMethod("bridge", "bridge_function", False)

HANDOFF_METHODS: dict[str, HandoffMethod] = {method.code: method for method in (REDIRECT, DEEPLINK, BRIDGE)}
HANDOFF_CODES: tuple[str, ...] = tuple(HANDOFF_METHODS)


def is_bridge_function(name: str | None) -> bool:
    """Whether `name` may be registered and called as the host's bridge function (it reaches JS only as data)."""
    return bool(name) and len(name) <= BRIDGE_FUNCTION_MAX and BRIDGE_FUNCTION.fullmatch(name) is not None
