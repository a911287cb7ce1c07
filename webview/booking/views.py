"""The booking screens under /w/: home, searches and results, offer selection, travellers, review, holds, orders.

Views stay thin: bind a form, call a catalog or booking service, render or redirect. Every screen needs a
live launch session; every order screen checks the order belongs to the session's partner and customer.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from webview.booking import screens
from webview.booking.forms import MAX_PASSENGERS, SEARCH_HORIZON_DAYS, ConfirmForm, travellers_form
from webview.booking.layout import layout_context
from webview.booking.lifecycle import MESSAGES, can_book_again, status_message, status_tone
from webview.booking.normalise import day_month_year
from webview.booking.orders import not_found_page, owned_booking
from webview.booking.services import (
    BookingError,
    BookingNotFound,
    customer_bookings,
    expire_hold_if_due,
    hold_booking,
    hold_minutes_for,
    release_booking,
)
from webview.booking.states import BookingStatus
from webview.catalog.generator import local_today
from webview.catalog.offers import InvalidSearch, OfferNotFound
from webview.catalog.quotes import load_offer
from webview.catalog.services import search_flights, search_hotels, vip_plans
from webview.i18n import format_vn_phone
from webview.launch.sessions import current_launch, launch_required
from webview.products import FLIGHT, HOTEL, VIP, get_product

bp = Blueprint("booking", __name__, url_prefix="/w")

INVALID = 422  # a form that does not validate is shown again with its errors


@bp.context_processor
def inject_layout() -> dict:
    """The partner's brand and theme for base.html, and the helpers the booking templates call."""
    return {
        **layout_context(current_launch()),
        "error_links": screens.error_links,
        "traveller_error_groups": screens.traveller_error_groups,
        "party_text": screens.party_text,
        "traveller_heading": screens.traveller_heading,
        "today_iso": lambda days=0: (local_today() + timedelta(days=days)).isoformat(),
        "horizon_iso": lambda days=0: (local_today() + timedelta(days=SEARCH_HORIZON_DAYS + days)).isoformat(),
        "max_passengers": MAX_PASSENGERS,
        "as_date": screens.as_date,
        "status_tone": status_tone,
        "hold_left": screens.hold_left,
        "day_month_year": day_month_year,
    }


@bp.errorhandler(CSRFError)
def form_expired(error: CSRFError):
    """A form posted without its token (or from a stale page): a friendly page, nothing changed."""
    return render_template("booking/gone.html", heading=_("This form has expired"),
                           message=_("Please go back and try again.")), 400


def require_product(product: str) -> None:
    """A single-layout launch shows one product: the others' screens do not exist for it."""
    if product not in screens.products_for(current_launch()):
        abort(404)


@bp.get("/")
@launch_required
def home():
    """Product tabs and the focused product's search form (or VIP plans)."""
    launch = current_launch()
    locale = screens.current_locale()
    product = screens.focused_product(launch, request.args.get("product"))
    context = {"product": product, "products": screens.products_for(launch), "launch": launch}
    if product == FLIGHT.code:
        context["form"] = screens.flight_search_form(screens.search_args(screens.FLIGHT_QUERY_KEYS), locale)
    elif product == HOTEL.code:
        context["form"] = screens.hotel_search_form(screens.search_args(screens.HOTEL_QUERY_KEYS), locale)
    else:
        context["plans"] = vip_plans(locale)
    return render_template("booking/home.html", **context)


def search_again(product: str, form, status: int = INVALID):
    """The home screen with a search form that needs correcting."""
    launch = current_launch()
    return render_template("booking/home.html", product=product, products=screens.products_for(launch),
                           launch=launch, form=form), status


def searched(product: str, sort: str = "price"):
    """Validate the search in the query string and run it: (form, offers), offers None when the form is refused."""
    require_product(product)
    locale = screens.current_locale()
    if product == FLIGHT.code:
        form = screens.flight_search_form(request.args, locale)
    else:
        form = screens.hotel_search_form(request.args, locale)
    if not form.validate():
        return form, None
    try:
        if product == FLIGHT.code:
            offers = search_flights(form.origin.data, form.destination.data, form.depart_date.data,
                                    screens.passengers_of(form), sort=sort, locale=locale)
        else:
            offers = search_hotels(form.city.data, form.check_in.data, form.check_out.data, form.rooms.data,
                                   form.guests.data, locale=locale)
    except InvalidSearch as error:
        form.form_errors.append(str(error.message))
        return form, None
    return form, offers


@bp.get("/flights")
@launch_required
def flights():
    """Flight results for a search: sorted by price or time, filtered by airline, or the empty state."""
    sort = request.args.get("sort") if request.args.get("sort") in screens.SORTS else "price"
    form, offers = searched(FLIGHT.code, sort)
    if offers is None:
        return search_again(FLIGHT.code, form)
    airlines = sorted({(offer.airline_code, offer.airline_name) for offer in offers}, key=lambda pair: pair[1])
    airline = request.args.get("airline", "")
    shown = [offer for offer in offers if offer.airline_code == airline] if airline else offers
    query = screens.form_query(form, screens.FLIGHT_QUERY_KEYS)
    next_day = (form.depart_date.data + timedelta(days=1)).isoformat()
    return render_template("booking/flights.html", form=form, offers=shown, total=len(offers), sort=sort,
                           airline=airline, airlines=airlines, query=query, next_day=next_day,
                           party=screens.passengers_of(form).total,
                           item_query=screens.query_suffix("booking.fares", query, flight_id=0))


@bp.get("/flights/<int:flight_id>")
@launch_required
def fares(flight_id: int):
    """The fare classes of one flight from the results, for the same search."""
    form, offers = searched(FLIGHT.code)
    if offers is None:
        return search_again(FLIGHT.code, form)
    flight = next((offer for offer in offers if offer.flight_id == flight_id), None)
    query = screens.form_query(form, screens.FLIGHT_QUERY_KEYS)
    if flight is None:
        return render_template("booking/gone.html", back_url=url_for("booking.flights", **query)), 404
    party = screens.passengers_of(form)
    return render_template("booking/fares.html", flight=flight, query=query, party=party)


@bp.get("/hotels")
@launch_required
def hotels():
    """Hotels with rooms free on every night of the stay, cheapest first, or the empty state."""
    form, offers = searched(HOTEL.code)
    if offers is None:
        return search_again(HOTEL.code, form)
    query = screens.form_query(form, screens.HOTEL_QUERY_KEYS)
    city = dict(form.city.choices).get(form.city.data, form.city.data)
    return render_template("booking/hotels.html", form=form, offers=offers, query=query, city=city,
                           item_query=screens.query_suffix("booking.rooms", query, hotel_id=0))


@bp.get("/hotels/<int:hotel_id>")
@launch_required
def rooms(hotel_id: int):
    """The room types of one hotel from the results, for the same stay."""
    form, offers = searched(HOTEL.code)
    if offers is None:
        return search_again(HOTEL.code, form)
    hotel = next((offer for offer in offers if offer.hotel_id == hotel_id), None)
    query = screens.form_query(form, screens.HOTEL_QUERY_KEYS)
    if hotel is None:
        return render_template("booking/gone.html", back_url=url_for("booking.hotels", **query)), 404
    return render_template("booking/rooms.html", hotel=hotel, query=query, guests=form.guests.data)


@bp.get("/vip")
@launch_required
def vip():
    """The VIP membership plans (the VIP tab of the home screen)."""
    require_product(VIP.code)
    return redirect(url_for("booking.home", product=VIP.code))


def title_for(product: str) -> str:
    """The app bar title of a product's booking steps."""
    return str(get_product(product).title)


def selected_quote():
    """The selection in the query string and its quote now, or (None, None, error response)."""
    selection = screens.selection_from(request.args)
    if selection is None:
        return None, None, not_found_page()
    require_product(selection.product)
    try:
        quote = load_offer(selection.offer_id, passengers=selection.passengers, guests=selection.guests,
                           locale=screens.current_locale())
    except OfferNotFound:
        return None, None, not_found_page()
    except InvalidSearch as error:
        return None, None, (render_template("booking/gone.html", message=str(error.message),
                                            back_url=url_for("booking.home", product=selection.product)), 400)
    return selection, quote, None


def details_form(quote, selection, launch):
    """The product's travellers form for a quote: posted data when there is some, else the customer's details (and,
    where the one person named is the customer, their name too)."""
    product = get_product(quote.product)
    form = travellers_form(product, screens.passengers_for(quote, selection))
    if request.method == "GET":
        customer = launch.customer
        if "contact_name" in form:
            form.contact_name.data = customer.fullname or ""
        if product.holder_is_customer:
            form.travellers.entries[0].full_name.data = customer.fullname or ""
        form.contact_email.data = customer.email or ""
        form.contact_phone.data = format_vn_phone(customer.phone)
    return form


def details_page(quote, selection, form, status: int = 200):
    """The travellers form, or for a one-screen funnel (VIP) the confirm screen that holds and pays in one tap."""
    if get_product(quote.product).has_travellers_step:
        return render_template("booking/travellers.html", quote=quote, selection=selection, form=form,
                               title=title_for(quote.product)), status
    return render_template("booking/confirm.html", quote=quote, selection=selection, form=form,
                           draft=screens.new_draft_key(), merchant_name=current_app.config["MERCHANT_NAME"],
                           title=title_for(quote.product)), status


LEGAL_PAGES = ("terms", "privacy")


@bp.get("/legal/<page>")
def legal(page: str):
    """The terms of service and the privacy policy the review screen links to (readable without a session)."""
    if page not in LEGAL_PAGES:
        return not_found_page()
    return render_template(f"booking/legal_{page}.html", merchant_name=current_app.config["MERCHANT_NAME"])


@bp.route("/book", methods=["GET", "POST"])
@launch_required
def travellers():
    """Travellers and contact for the chosen offer; a valid POST shows the review screen (VIP: the confirm screen)."""
    selection, quote, error = selected_quote()
    if error is not None:
        return error
    launch = current_launch()
    form = details_form(quote, selection, launch)
    if not get_product(quote.product).has_travellers_step:  # the confirm screen posts to the hold itself
        return details_page(quote, selection, form,
                            INVALID if request.method == "POST" and not form.validate() else 200)
    if request.method == "POST" and not request.form.get("edit") and form.validate():
        return render_template("booking/review.html", quote=quote, selection=selection, form=form,
                               draft=screens.new_draft_key(), hidden_pairs=screens.hidden_values(form),
                               hold_minutes=hold_minutes_for(quote.product),
                               merchant_name=current_app.config["MERCHANT_NAME"], supplier=screens.supplier_of(quote),
                               title=title_for(quote.product))
    status = INVALID if request.method == "POST" and not request.form.get("edit") else 200
    return details_page(quote, selection, form, status)


@bp.post("/book/hold")
@launch_required
def hold():
    """Hold & pay: re-check the travellers, hold the offer (inventory taken atomically), show the held order (a
    one-screen funnel goes on to the payment)."""
    selection, quote, error = selected_quote()
    if error is not None:
        return error
    launch = current_launch()
    product = get_product(quote.product)
    form = travellers_form(product, screens.passengers_for(quote, selection))
    if not form.validate():
        return details_page(quote, selection, form, INVALID)
    try:
        booking = hold_booking(
            partner_id=launch.partner_id, customer_id=launch.customer_id, launch_session_id=launch.id,
            offer_id=selection.offer_id, travellers=screens.travellers_payload(form, quote, selection),
            contact=screens.contact_payload(form), locale=screens.current_locale(), guests=selection.guests,
            # a repeated submit of this review screen finds the booking it made
            idempotency_key=screens.valid_draft_key(request.form.get("draft")),
        )
    except OfferNotFound:
        return not_found_page()
    except BookingError as error:
        form.form_errors.append(str(error.message))
        return details_page(quote, selection, form, INVALID)
    if booking.is_held and not product.has_travellers_step:  # plan → confirm → pay: straight to the payment
        return redirect(url_for("payments.handoff", reference=booking.reference), code=303)
    return redirect(url_for("booking.order", reference=booking.reference), code=303)


@bp.get("/orders")
@launch_required
def orders():
    """My orders: the session customer's bookings with this partner, newest first."""
    launch = current_launch()
    bookings = customer_bookings(partner_id=launch.partner_id, customer_id=launch.customer_id)
    statuses = {booking.reference: (status_message(booking)[0], status_tone(booking)) for booking in bookings}
    return render_template("booking/orders.html", bookings=bookings, statuses=statuses)


@bp.get("/orders/<reference>")
@launch_required
def order(reference: str):
    """One order: its three-status message, the hold countdown and release while held, alternatives if it failed."""
    booking = owned_booking(current_launch(), reference)
    if booking is None:
        return not_found_page()
    booking = expire_hold_if_due(booking)
    title, detail = status_message(booking)
    alternatives = (screens.alternatives(booking.offer_snapshot, screens.current_locale())
                    if booking.booking_status == BookingStatus.FAILED else None)
    return render_template("booking/order.html", booking=booking, status_title=title, status_detail=detail,
                           held=screens.is_releasable(booking), alternatives=alternatives,
                           book_again=can_book_again(booking), expired_status=MESSAGES["expired"],
                           release_form=ConfirmForm(), title=title_for(booking.product))


@bp.post("/orders/<reference>/release")
@launch_required
def release(reference: str):
    """Give a held, unpaid booking back (CANCELLED, inventory returned); CSRF-protected."""
    booking = owned_booking(current_launch(), reference)
    if booking is None:
        return not_found_page()
    # CSRF was checked before the view ran; paid or expired meanwhile: the order page says what it is now
    with suppress(BookingError, BookingNotFound):
        release_booking(booking.reference, customer_id=current_launch().customer_id)
    return redirect(url_for("booking.order", reference=booking.reference), code=303)
