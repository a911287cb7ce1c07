"""The products the merchant sells, each declared once: everything else asks this registry.

A product names its code (the launch API's `product`), its offer-id prefix, the envelope profile's `product_type`,
its icon and wording on the screens and in emails, what the traveller form asks of each person, and the search
form its home tab shows; how long its hold waits for payment is the HOLD_MINUTES_<CODE> setting. Adding a product
is a new `Product(...)` here, its setting, its search/results templates, its catalog data and supplier, and its
translations (docs/architecture.md walks through it).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class Product:
    """One product line: its identifiers, its words and the rules other features ask of it."""

    code: str  # flight | hotel | vip: the launch API's `product`, stored on launches and bookings
    offer_prefix: str  # offer ids start "<prefix>:" (F:123, H:…, V:monthly)
    product_type: str  # the envelope profile's product_type (AIR | HOTEL | VIP)
    icon: str  # the sprite in static/img/icons.svg
    tab_label: LazyString  # the home screen's tab
    title: LazyString  # the app bar of its booking steps
    home_heading: LazyString
    people_heading: LazyString  # who the booking names: travellers, the guest, the member
    details_title: LazyString  # the traveller form's title
    issued_subject: LazyString  # the `issued` email's subject (%(reference)s)
    issued_heading: LazyString  # the `issued` email's heading
    document_label: LazyString  # what the issued numbers are called
    search_template: str | None  # the home tab's search form; None: the home tab lists the offers themselves
    every_passenger: bool  # the form names every passenger (flights) or one lead person (hotel guest, VIP member)
    asks_birth_and_gender: bool  # the supplier needs date of birth and gender
    min_age: int | None  # the lead person's minimum age, when the product has one

    @property
    def hold_minutes(self) -> int:
        """How long a hold of this product waits for payment (HOLD_MINUTES_<CODE>)."""
        return int(current_app.config[f"HOLD_MINUTES_{self.code.upper()}"])


FLIGHT = Product(
    code="flight", offer_prefix="F", product_type="AIR", icon="plane",
    tab_label=_l("Flights"), title=_l("Flight"), home_heading=_l("Where are you flying?"),
    people_heading=_l("Travellers"), details_title=_l("Traveller details"),
    issued_subject=_l("Your ticket for booking %(reference)s has been issued"),
    issued_heading=_l("Your ticket has been issued"), document_label=_l("Ticket numbers"),
    search_template="booking/_flight_search.html",
    every_passenger=True, asks_birth_and_gender=True, min_age=None,
)
HOTEL = Product(
    code="hotel", offer_prefix="H", product_type="HOTEL", icon="hotel",
    tab_label=_l("Hotels"), title=_l("Hotel"), home_heading=_l("Where are you staying?"),
    people_heading=_l("Guest"), details_title=_l("Your details"),
    issued_subject=_l("Your room for booking %(reference)s is confirmed"),
    issued_heading=_l("Your room is confirmed"), document_label=_l("Voucher number"),
    search_template="booking/_hotel_search.html",
    every_passenger=False, asks_birth_and_gender=True, min_age=18,
)
VIP = Product(
    code="vip", offer_prefix="V", product_type="VIP", icon="vip",
    tab_label=_l("VIP"), title=_l("VIP membership"), home_heading=_l("Become a VIP member"),
    people_heading=_l("Member"), details_title=_l("Your details"),
    issued_subject=_l("Your membership for order %(reference)s is active"),
    issued_heading=_l("Your membership is active"), document_label=_l("Membership number"),
    search_template=None,
    every_passenger=False, asks_birth_and_gender=True, min_age=16,
)

PRODUCTS: dict[str, Product] = {product.code: product for product in (FLIGHT, HOTEL, VIP)}
PRODUCT_CODES: tuple[str, ...] = tuple(PRODUCTS)
DEFAULT_PRODUCT = FLIGHT


class UnknownProduct(LookupError):
    """A product code or offer id that names no product."""


def get_product(code: str) -> Product:
    """The product with this code; UnknownProduct otherwise."""
    try:
        return PRODUCTS[code]
    except KeyError:
        raise UnknownProduct(code) from None


def product_of_offer(offer_id: str | None) -> Product | None:
    """The product an offer id belongs to ('F:123' → flight), or None."""
    prefix, colon, _rest = (offer_id or "").partition(":")
    if not colon:
        return None
    return next((product for product in PRODUCTS.values() if product.offer_prefix == prefix), None)


def product_of_type(product_type: str | None) -> Product | None:
    """The product with this envelope product_type ('AIR' → flight), or None."""
    return next((product for product in PRODUCTS.values() if product.product_type == product_type), None)


def init_app(app) -> None:
    """Templates ask the registry too: `product_info(code)` gives a product's icon and words."""
    app.jinja_env.globals["product_info"] = get_product
