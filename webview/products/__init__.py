"""The products the merchant sells, each declared once: everything else asks this registry.

A product names its code (the launch API's `product`), its offer-id prefix, the envelope profile's `product_type`,
its icon and wording on the screens and in emails, what the traveller form asks of each person, its funnel (a
travellers step and review, or one confirm screen) and whether a hold countdown is shown, and the search
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
    min_age: int | None  # the lead person's minimum age (checked on the date of birth, so only where it is asked)
    asks_id_name: bool = True  # the name as printed on the ID (uppercase ASCII); False: as the customer writes it
    has_travellers_step: bool = True  # a travellers form, then a review; False: one confirm screen, then the payment
    shows_hold_countdown: bool = True  # the hold's countdown is shown; False for what never runs out (digital plans)
    holder_is_customer: bool = False  # the one person named is the app's customer: name and contact come prefilled

    def __post_init__(self) -> None:
        if self.min_age is not None and not self.asks_birth_and_gender:
            raise ValueError(f"{self.code}: a minimum age needs the date of birth")

    @property
    def funnel_steps(self) -> tuple[LazyString, ...]:
        """The step names of its booking funnel, in order (the progress bar of each step's screen)."""
        if self.has_travellers_step:
            return (_l("Choose"), self.people_heading, _l("Review"), _l("Pay"))
        return (_l("Plan"), _l("Confirm"), _l("Pay"))

    # The result screen and the printable e-ticket / voucher / membership card (issue 17).
    code_label: LazyString | None = None  # the code the customer quotes (PNR…); None: its one document is the code
    document_name: LazyString | None = None  # one issued number, shown next to its person's name
    documents_per_person: bool = False  # one document per named person (flight tickets) or one for the order
    keep_title: LazyString | None = None  # the printable page: e-ticket, hotel voucher, membership card
    keep_action: LazyString | None = None  # the link to it from the result and order screens
    itinerary_template: str = ""  # the trip, stay or plan, on the result screen and the printable page
    next_steps: tuple[LazyString, ...] = ()  # what the customer does next, once paid

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
    code_label=_l("Booking code (PNR)"), document_name=_l("Ticket number"), documents_per_person=True,
    keep_title=_l("E-ticket"), keep_action=_l("View and print your e-ticket"),
    itinerary_template="payments/_itinerary_flight.html",
    next_steps=(_l("Check in online from 24 hours before departure, or at the airline's counter at the airport."),
                _l("Be at the airport at least 2 hours before departure; check-in closes 40 minutes before."),
                _l("Bring the ID card or passport whose name is on the ticket; children need their birth "
                   "certificate."),
                _l("Your baggage allowance is under “Good to know” below.")),
    every_passenger=True, asks_birth_and_gender=True, min_age=None,
)
HOTEL = Product(
    code="hotel", offer_prefix="H", product_type="HOTEL", icon="hotel",
    tab_label=_l("Hotels"), title=_l("Hotel"), home_heading=_l("Where are you staying?"),
    people_heading=_l("Guest"), details_title=_l("Your details"),
    issued_subject=_l("Your room for booking %(reference)s is confirmed"),
    issued_heading=_l("Your room is confirmed"), document_label=_l("Voucher number"),
    search_template="booking/_hotel_search.html",
    code_label=_l("Confirmation code"), document_name=_l("Voucher number"),
    keep_title=_l("Hotel voucher"), keep_action=_l("View and print your voucher"),
    itinerary_template="payments/_itinerary_hotel.html",
    next_steps=(_l("Show this voucher and the guest's ID card or passport at reception."),
                _l("The hotel may ask for a deposit or a card at check-in."),
                _l("Arriving late or need to change something? Contact support with your confirmation code.")),
    # the front desk checks the ID at check-in: the booking only needs the guest's name
    every_passenger=False, asks_birth_and_gender=False, min_age=None,
)
VIP = Product(
    code="vip", offer_prefix="V", product_type="VIP", icon="vip",
    tab_label=_l("VIP"), title=_l("VIP membership"), home_heading=_l("Become a VIP member"),
    people_heading=_l("Member"), details_title=_l("Confirm your plan"),
    issued_subject=_l("Your membership for order %(reference)s is active"),
    issued_heading=_l("Your membership is active"), document_label=_l("Membership number"),
    search_template=None,
    code_label=None, document_name=_l("Membership number"),
    keep_title=_l("Membership card"), keep_action=_l("View your membership card"),
    itinerary_template="payments/_itinerary_vip.html",
    next_steps=(_l("Your benefits are active now: open the VIP section of the app to use them."),
                _l("The membership ends on the date above and does not renew by itself.")),
    # a digital plan for the app's own customer: name and contact come from the launch, nothing runs out
    every_passenger=False, asks_birth_and_gender=False, min_age=None, asks_id_name=False,
    has_travellers_step=False, shows_hold_countdown=False, holder_is_customer=True,
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
