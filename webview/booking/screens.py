"""What the booking views share: products, search forms bound to query strings, passengers, error summaries.

Nothing here commits or touches the session: these helpers turn request data into the arguments of the
catalog and booking services, and service answers into template values.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict
from wtforms import Field, FieldList, FormField

from webview.booking.forms import FlightSearchForm, HotelSearchForm, Passenger
from webview.catalog.generator import local_today
from webview.catalog.offers import Passengers, Quote
from webview.catalog.services import airports, hotel_cities, search_flights, search_hotels
from webview.db import as_utc, utcnow
from webview.i18n import format_local_time, select_locale, to_local
from webview.launch.models import LaunchSession
from webview.products import (
    DEFAULT_PRODUCT,
    FLIGHT,
    HOTEL,
    PRODUCT_CODES,
    PRODUCTS,
    VIP,
    get_product,
    product_of_offer,
)

SORTS = ("price", "time")
FLIGHT_QUERY_KEYS = ("origin", "destination", "depart_date", "adults", "children", "infants")
HOTEL_QUERY_KEYS = ("city", "check_in", "check_out", "rooms", "guests")


def current_locale() -> str:
    """The request's language code ('vi' or 'en')."""
    return str(select_locale())


def products_for(launch: LaunchSession) -> tuple[str, ...]:
    """The products this launch may show: all three in the dual layout, only the launch's in single."""
    launch_product = launch.product if launch.product in PRODUCTS else DEFAULT_PRODUCT.code
    return (launch_product,) if launch.layout == "single" else PRODUCT_CODES


def focused_product(launch: LaunchSession, asked: str | None) -> str:
    """The tab to show: the one asked for when the layout allows it, else the launch's product."""
    allowed = products_for(launch)
    if asked in allowed:
        return asked
    return launch.product if launch.product in allowed else allowed[0]


def flight_search_form(args: Mapping[str, str] | None, locale: str, today: date | None = None) -> FlightSearchForm:
    """The flight search form bound to a query string (None: the blank form with sensible defaults)."""
    today = today or local_today()
    form = FlightSearchForm(formdata=MultiDict(args) if args is not None else None, today=today)
    choices = [(place.code, f"{place.city} ({place.code})") for place in airports(locale)]
    form.origin.choices = choices
    form.destination.choices = choices
    if args is None:
        form.origin.data, form.destination.data = "HAN", "SGN"
        form.depart_date.data = today + timedelta(days=1)
    return form


def hotel_search_form(args: Mapping[str, str] | None, locale: str, today: date | None = None) -> HotelSearchForm:
    """The hotel search form bound to a query string (None: the blank form with sensible defaults)."""
    today = today or local_today()
    form = HotelSearchForm(formdata=MultiDict(args) if args is not None else None, today=today)
    form.city.choices = [(place.code, place.name) for place in hotel_cities(locale)]
    if args is None:
        form.city.data = "DAD"
        form.check_in.data = today + timedelta(days=1)
        form.check_out.data = today + timedelta(days=2)
    return form


def search_args(keys: tuple[str, ...]) -> Mapping[str, str] | None:
    """The request's query string when it carries a search to edit (the results' "Change" link), else None."""
    return request.args if any(key in request.args for key in keys) else None


def form_query(form, keys: tuple[str, ...]) -> dict[str, str]:
    """A validated search form as query-string values, for links between the screens of one search."""
    query = {}
    for key in keys:
        value = form[key].data
        query[key] = value.isoformat() if isinstance(value, date) else str(value)
    return query


def query_suffix(endpoint: str, query: dict[str, str], **path_values) -> str:
    """'?' and `query` exactly as url_for writes them after `endpoint`'s path ('' for no query): a results list
    builds it once and appends it to each item's link, instead of encoding the same query once per item."""
    url = url_for(endpoint, **path_values, **query)
    return url[url.index("?"):] if "?" in url else ""


def passengers_of(form: FlightSearchForm) -> Passengers:
    """The party of a validated flight search."""
    return Passengers(form.adults.data, form.children.data, form.infants.data)


def count_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int | None:
    """A small whole number from the query string, or None when it is not one in [low, high]."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or len(raw) > 3:
        return None
    value = int(raw)
    return value if low <= value <= high else None


@dataclass(frozen=True)
class Selection:
    """An offer chosen on a results screen, with the party it was priced for (all from the URL)."""

    offer_id: str
    product: str
    passengers: Passengers
    guests: int | None

    def query(self) -> dict[str, str]:
        """The query string that brings this selection back."""
        query = {"offer": self.offer_id}
        if self.product == FLIGHT.code:
            query.update(adults=str(self.passengers.adults), children=str(self.passengers.children),
                         infants=str(self.passengers.infants))
        elif self.product == HOTEL.code and self.guests is not None:
            query["guests"] = str(self.guests)
        return query

    def query_string(self) -> str:
        return urlencode(self.query())


def selection_from(args: Mapping[str, str]) -> Selection | None:
    """The selection in a query string, or None when it is malformed (the offer itself is checked later)."""
    offer_id = (args.get("offer") or "").strip()
    offered = product_of_offer(offer_id)
    if offered is None or len(offer_id) > 80:
        return None
    product = offered.code
    if product == FLIGHT.code:
        adults = count_arg(args, "adults", 1, 1, 9)
        children = count_arg(args, "children", 0, 0, 8)
        infants = count_arg(args, "infants", 0, 0, 9)
        if None in (adults, children, infants):
            return None
        return Selection(offer_id, product, Passengers(adults, children, infants), None)
    if product == HOTEL.code:
        guests = count_arg(args, "guests", 1, 1, 20)
        if guests is None:
            return None
        return Selection(offer_id, product, Passengers(), guests)
    return Selection(offer_id, product, Passengers(), None)


def passengers_for(quote: Quote, selection: Selection) -> list[Passenger]:
    """One traveller entry per person the booking names: every flight passenger, one lead guest or member."""
    day = quote.service_date
    product = get_product(quote.product)
    if product.every_passenger:
        party = selection.passengers
        kinds = ["adult"] * party.adults + ["child"] * party.children + ["infant"] * party.infants
        return [Passenger(kind, day, needs_document=kind == "adult") for kind in kinds]
    if product.min_age is None:
        return [Passenger("adult", day, needs_document=False)]
    return [Passenger("adult", day, needs_document=False, min_adult_age=product.min_age)]


PASSENGER_LABELS = {"adult": _l("Adult"), "child": _l("Child"), "infant": _l("Infant")}


def traveller_heading(product: str, passenger: Passenger, index: int) -> str:
    """'Passenger 1 · Adult', 'Guest checking in' or 'Member'."""
    if product == HOTEL.code:
        return str(_l("Guest checking in"))
    if product == VIP.code:
        return str(_l("Member"))
    return str(_l("Passenger %(n)d · %(kind)s", n=index + 1, kind=PASSENGER_LABELS[passenger.passenger_type]))


@dataclass(frozen=True)
class ErrorGroup:
    """The errors of one person (or the contact block) in the error summary: a heading and links to its fields."""

    heading: str
    links: list[tuple[str, str, str]]


def traveller_error_groups(form, product: str) -> list[ErrorGroup]:
    """The travellers form's errors grouped by person ('Passenger 2 · Adult'), then the contact block."""
    groups = []
    for index, entry in enumerate(form.travellers.entries):
        links = list(_field_errors(entry))
        if links:
            groups.append(ErrorGroup(traveller_heading(product, form.passengers[index], index), links))
    contact = [link for name in ("contact_name", "contact_email", "contact_phone") if name in form
               for link in _field_errors(form[name])]
    if contact:
        groups.append(ErrorGroup(str(_l("Contact")), contact))
    return groups


def error_links(form) -> list[tuple[str, str, str]]:
    """(field id, label, first message) for every field with an error, in page order: the error summary."""
    return list(_errors(form))


def _errors(form) -> Iterator[tuple[str, str, str]]:
    for field in form:
        yield from _field_errors(field)


def _field_errors(field: Field) -> Iterator[tuple[str, str, str]]:
    if isinstance(field, FieldList):
        for entry in field.entries:
            yield from _field_errors(entry)
    elif isinstance(field, FormField):
        for sub in field.form:
            yield from _field_errors(sub)
    elif field.errors and not isinstance(field.errors, dict):
        target = f"{field.id}-0" if field.type == "RadioField" else field.id
        yield target, str(field.label.text), str(field.errors[0])


def hidden_values(form) -> list[tuple[str, str]]:
    """Every field of a validated form as (name, value) pairs, to carry it unchanged to the next POST."""
    pairs: list[tuple[str, str]] = []
    for field in form:
        _collect(field, pairs)
    return pairs


def _collect(field: Field, pairs: list[tuple[str, str]]) -> None:
    if isinstance(field, FieldList):
        for entry in field.entries:
            _collect(entry, pairs)
    elif isinstance(field, FormField):
        for sub in field.form:
            _collect(sub, pairs)
    elif field.type != "CSRFTokenField":
        value = field.data
        pairs.append((field.name, value.isoformat() if isinstance(value, date) else "" if value is None
                      else str(value)))


DRAFT_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_draft_key() -> str:
    """A random key for one review screen, so a repeated 'Hold' POST finds the booking it already made."""
    return secrets.token_urlsafe(18)


def valid_draft_key(value: str | None) -> str | None:
    """The posted draft key when it looks like one we made, else None."""
    return value if value and DRAFT_KEY.fullmatch(value) else None


def party_text(adults: int, children: int = 0, infants: int = 0) -> str:
    """'2 adults, 1 child' in the request's language."""
    parts = [ngettext("%(num)d adult", "%(num)d adults", adults)]
    if children:
        parts.append(ngettext("%(num)d child", "%(num)d children", children))
    if infants:
        parts.append(ngettext("%(num)d infant", "%(num)d infants", infants))
    return ", ".join(parts)


def supplier_of(quote: Quote) -> str | None:
    """Who provides the service the customer buys: the airline or the hotel (None: the seller itself)."""
    details = quote.details or {}
    return details.get("airline_name") or details.get("hotel_name") or None


def travellers_payload(form, quote: Quote, selection: Selection) -> list[dict]:
    """The validated travellers as the booking stores them (dates as YYYY-MM-DD, with passenger types)."""
    passengers = passengers_for(quote, selection)
    return [traveller_payload(entry.form, passenger)
            for entry, passenger in zip(form.travellers.entries, passengers, strict=True)]


def traveller_payload(person, passenger: Passenger) -> dict:
    """One person as stored; what the product does not ask (birth, gender, document) is stored as None."""
    birth = person.date_of_birth.data if "date_of_birth" in person else None
    return {
        "full_name": person.full_name.data,
        "date_of_birth": birth.isoformat() if birth else None,
        "gender": person.gender.data if "gender" in person else None,
        "document_number": (person.document_number.data if "document_number" in person else None) or None,
        "passenger_type": passenger.passenger_type,
    }


def contact_payload(form) -> dict[str, str]:
    """The validated contact person (phone already normalised to +84…); the holder's name where none is asked."""
    return {"name": form.holder_name, "email": form.contact_email.data, "phone": form.contact_phone.data}


def is_releasable(booking, now: datetime | None = None) -> bool:
    """A held, unpaid booking whose hold still runs: the customer may release it."""
    return (booking.is_held and booking.hold_expires_at is not None
            and as_utc(booking.hold_expires_at) > (now or utcnow()))


def as_date(value: str | date | None) -> date | None:
    """A stored YYYY-MM-DD (JSON) as a date for the date filters; None when it is not one."""
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def hold_left(booking, now: datetime | None = None) -> str:
    """The hold's remaining time as mm:ss (the JS countdown takes over from this server value)."""
    seconds = max(0, int((as_utc(booking.hold_expires_at) - (now or utcnow())).total_seconds()))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Alternative:
    """Another offer like the one that could not be held, linked to its selection screen."""

    title: str
    subtitle: str
    price: int
    url: str


ALTERNATIVES = 3



def alternatives(snapshot: Mapping[str, Any] | None, locale: str) -> list[Alternative]:
    """Up to three offers for the same trip as a booking that could not be held (its snapshot's details)."""
    snapshot = snapshot or {}
    details = snapshot.get("details") or {}
    try:
        if snapshot.get("product") == FLIGHT.code:
            return flight_alternatives(details, locale)
        if snapshot.get("product") == HOTEL.code:
            return hotel_alternatives(details, locale)
    except (KeyError, TypeError, ValueError):  # InvalidSearch is a ValueError: a trip no longer searchable
        return []
    return []


def flight_alternatives(details: Mapping[str, Any], locale: str) -> list[Alternative]:
    """Other flights on the same route and day with seats for the same party."""
    day = to_local(datetime.fromisoformat(details["departs_at"])).date()
    party = details.get("passengers") or {}
    passengers = Passengers(int(party.get("adults", 1)), int(party.get("children", 0)), int(party.get("infants", 0)))
    offers = search_flights(details["origin"], details["destination"], day, passengers, locale=locale)
    query = {"origin": details["origin"], "destination": details["destination"], "depart_date": day.isoformat(),
             "adults": passengers.adults, "children": passengers.children, "infants": passengers.infants}
    return [
        Alternative(f"{offer.airline_name} {offer.flight_number}",
                    f"{format_local_time(offer.departs_at, locale)} → {format_local_time(offer.arrives_at, locale)}"
                    f" · {offer.origin.code} – {offer.destination.code}",
                    offer.price, url_for("booking.fares", flight_id=offer.flight_id, **query))
        for offer in offers[:ALTERNATIVES]
    ]


def hotel_alternatives(details: Mapping[str, Any], locale: str) -> list[Alternative]:
    """Other hotels in the same city with rooms for the same stay."""
    check_in, check_out = date.fromisoformat(details["check_in"]), date.fromisoformat(details["check_out"])
    rooms, guests = int(details["rooms"]), int(details.get("guests") or details["rooms"])
    offers = search_hotels(details["city"], check_in, check_out, rooms, guests, locale=locale)
    query = {"city": details["city"], "check_in": check_in.isoformat(), "check_out": check_out.isoformat(),
             "rooms": rooms, "guests": guests}
    return [
        Alternative(offer.name, offer.address, offer.price, url_for("booking.rooms", hotel_id=offer.hotel_id, **query))
        for offer in offers[:ALTERNATIVES]
    ]
