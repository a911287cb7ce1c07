"""The portal's navigation: each page module registers its own entry, base.html lists those the user may open."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user

from webview.portal.models import ROLES

SECTIONS = ("partner", "operator", "account")


@dataclass(frozen=True)
class NavEntry:
    """One link of the side navigation. `label` is a lazy_gettext string; partner-section endpoints take `code`."""

    endpoint: str
    label: object
    roles: tuple[str, ...]
    section: str = "partner"
    order: int = 100
    icon: str = "dot"


NAV: list[NavEntry] = []


def add_nav(endpoint: str, label: object, *, roles: tuple[str, ...], section: str = "partner", order: int = 100,
            icon: str = "dot") -> NavEntry:
    """Register a navigation entry (at import time of the page module); a repeat of an endpoint replaces it."""
    if section not in SECTIONS:
        raise ValueError(f"nav section must be one of {SECTIONS}")
    if set(roles) - set(ROLES):
        raise ValueError(f"unknown roles in nav entry {endpoint}: {roles}")
    entry = NavEntry(endpoint, label, tuple(roles), section, order, icon)
    NAV[:] = [item for item in NAV if item.endpoint != endpoint] + [entry]
    NAV.sort(key=lambda item: (SECTIONS.index(item.section), item.order))
    return entry


@dataclass(frozen=True)
class NavLink:
    url: str
    label: object
    section: str
    current: bool
    icon: str


def portal_nav(partner_code: str | None, endpoint: str | None) -> list[NavLink]:
    """The links the signed-in user may open: partner pages (for `partner_code`), operator pages, account pages."""
    if not current_user.is_authenticated:
        return []
    links = []
    for entry in NAV:
        if current_user.role not in entry.roles:
            continue
        if entry.section == "partner":
            if not partner_code:
                continue
            url = url_for(entry.endpoint, code=partner_code)
        else:
            url = url_for(entry.endpoint)
        links.append(NavLink(url, entry.label, entry.section, entry.endpoint == endpoint, entry.icon))
    return links
