"""Flask-WTF forms of the booking screens: searches (GET, no state change), travellers, hold, release."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, FieldList, Form, FormField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from webview.booking.normalise import (
    DMY_PATTERN,
    DOCUMENT,
    DateFormatError,
    ImpossibleDate,
    age_on,
    day_month_year,
    document_number,
    id_name,
    is_id_name,
    normalise_vn_phone,
    parse_day,
)
from webview.core.selects import CachedSelectsMeta
from webview.products import Product

MAX_PASSENGERS = 9  # adults + children per booking (airline rule); infants ride on an adult's lap
MAX_ROOMS = 5
GUESTS_PER_ROOM = 4
MAX_NIGHTS = 30
SEARCH_HORIZON_DAYS = 365


def numbers(low: int, high: int) -> list[SelectChoice]:
    """Choices for a count from low to high inclusive."""
    return [SelectChoice(n, str(n)) for n in range(low, high + 1)]


def strip(value):
    """Trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


class LocalDateField(DateField):
    """A travel date: YYYY-MM-DD from the native date input (rendered as such), or dd/mm/yyyy where a browser without
    one lets people type; the parse error is our own translated sentence (WTForms has no Vietnamese catalog)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            self.data = parse_day(valuelist[0])
        except ValueError:
            raise ValueError(_l("Enter a valid date.")) from None


class DayMonthYearField(Field):
    """A date typed as dd/mm/yyyy (also ISO yyyy-mm-dd), shown back as dd/mm/yyyy whatever the device's locale.

    A text input, not the native date input: that one follows the device (mm/dd/yyyy on an English phone) and
    its spinners are slow for a birth date decades back.
    """

    widget = StringField.widget

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "numeric", "pattern": DMY_PATTERN, "placeholder": "dd/mm/yyyy", "maxlength": 10,
                     "autocomplete": "off", "spellcheck": "false", "data-day-month-year": "",
                     **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if isinstance(self.data, date) and not self.process_errors:  # typed any accepted way: shown day first
            return day_month_year(self.data)
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            self.data = parse_day(valuelist[0])
        except ImpossibleDate:
            raise ValueError(_l("This date does not exist. Enter day/month/year, e.g. 31/12/1990.")) from None
        except DateFormatError:
            raise ValueError(_l("Enter the date as day/month/year, e.g. 31/12/1990.")) from None


class SearchForm(FlaskForm):
    """Searches are GET requests that change nothing: no CSRF token in URLs. Their pickers' option lists are
    rendered once per process (webview.core.selects)."""

    class Meta(CachedSelectsMeta):
        csrf = False

    def check_not_past(self, field, today: date) -> None:
        """A travel date cannot be in the past or beyond the bookable horizon."""
        if field.data and field.data < today:
            raise ValidationError(_l("Choose today or a later date."))
        if field.data and field.data > today + timedelta(days=SEARCH_HORIZON_DAYS):
            raise ValidationError(_l("Choose a date within the next 12 months."))


class FlightSearchForm(SearchForm):
    """Route, date and passengers; choices for the airports are set by the view."""

    origin = SelectField(_l("From"), validators=[InputRequired()])
    destination = SelectField(_l("To"), validators=[InputRequired()])
    depart_date = LocalDateField(_l("Departure date"), validators=[InputRequired(_l("Choose a departure date."))])
    adults = SelectField(_l("Adults"), coerce=int, default=1,
                         choices=numbers(1, MAX_PASSENGERS))
    children = SelectField(_l("Children"), coerce=int, default=0,
                           choices=numbers(0, MAX_PASSENGERS - 1))
    infants = SelectField(_l("Infants"), coerce=int, default=0,
                          choices=numbers(0, MAX_PASSENGERS))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_destination(self, field):
        if field.data and field.data == self.origin.data:
            raise ValidationError(_l("Choose a destination different from the origin."))

    def validate_depart_date(self, field):
        self.check_not_past(field, self.today)

    def validate_children(self, field):
        if (self.adults.data or 0) + (field.data or 0) > MAX_PASSENGERS:
            raise ValidationError(_l("At most %(n)d adults and children per booking.", n=MAX_PASSENGERS))

    def validate_infants(self, field):
        if (field.data or 0) > (self.adults.data or 0):
            raise ValidationError(_l("Each infant must travel with their own adult."))


class HotelSearchForm(SearchForm):
    """City, stay dates, rooms and guests; city choices are set by the view."""

    city = SelectField(_l("City"), validators=[InputRequired()])
    check_in = LocalDateField(_l("Check-in"), validators=[InputRequired(_l("Choose a check-in date."))])
    check_out = LocalDateField(_l("Check-out"), validators=[InputRequired(_l("Choose a check-out date."))])
    rooms = SelectField(_l("Rooms"), coerce=int, default=1, choices=numbers(1, MAX_ROOMS))
    guests = SelectField(_l("Guests"), coerce=int, default=2,
                         choices=numbers(1, MAX_ROOMS * GUESTS_PER_ROOM))

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_check_in(self, field):
        self.check_not_past(field, self.today)

    def validate_check_out(self, field):
        if not (field.data and self.check_in.data):
            return
        if field.data <= self.check_in.data:
            raise ValidationError(_l("Check-out must be after check-in."))
        if (field.data - self.check_in.data).days > MAX_NIGHTS:
            raise ValidationError(_l("Stays are limited to %(n)d nights.", n=MAX_NIGHTS))

    def validate_guests(self, field):
        rooms = self.rooms.data or 1
        if field.data and field.data < rooms:
            raise ValidationError(_l("Each room needs at least one guest."))
        if field.data and field.data > rooms * GUESTS_PER_ROOM:
            raise ValidationError(_l("At most %(n)d guests per room.", n=GUESTS_PER_ROOM))


@dataclass(frozen=True)
class Passenger:
    """Who one traveller entry is for: a passenger type and the day their age counts on."""

    passenger_type: str  # adult | child | infant
    age_day: date
    needs_document: bool
    min_adult_age: int = 12


class TravellerForm(Form):
    """One traveller: the name as on the ID, date of birth, gender and (where needed) a document number."""

    full_name = StringField(_l("Full name as on ID"), filters=[id_name],
                            validators=[DataRequired(_l("Enter the full name.")), Length(max=60)])
    date_of_birth = DayMonthYearField(_l("Date of birth"),
                                      validators=[InputRequired(_l("Enter the date of birth as day/month/year."))])
    gender = RadioField(_l("Gender"), choices=[SelectChoice("male", _l("Male")), SelectChoice("female", _l("Female"))],
                        validators=[InputRequired(_l("Choose a gender."))])
    document_number = StringField(_l("ID card or passport number"), filters=[document_number],
                                  validators=[Optional(), Length(max=15)])

    def validate_full_name(self, field):
        if field.data and not is_id_name(field.data):
            raise ValidationError(_l("Use letters only, family name and given name, as printed on the ID."))


PLAIN_NAME = re.compile(r"[^\W\d_]+(?:[ '.\-]+[^\W\d_]+)*\.?")


def single_spaces(value):
    """Trim and collapse runs of whitespace in a name typed as the customer writes it."""
    return " ".join(value.split()) if isinstance(value, str) else value


class HolderForm(Form):
    """The one person a digital plan names, written as they write it (accents kept): nothing else is needed."""

    full_name = StringField(_l("Full name"), filters=[single_spaces],
                            validators=[DataRequired(_l("Enter the full name.")), Length(max=60)])

    def validate_full_name(self, field):
        if field.data and not PLAIN_NAME.fullmatch(field.data):
            raise ValidationError(_l("Use letters, spaces and hyphens only."))


@cache
def traveller_form_class(product: Product) -> type[Form]:
    """The per-person subform a product asks: the ID name (or the name as written), then birth and gender only where
    its supplier needs them; the document number stays for every passenger of a flight."""
    base = TravellerForm if product.asks_id_name else HolderForm
    if base is TravellerForm and not product.asks_birth_and_gender:
        return type(f"{product.code.title()}TravellerForm", (TravellerForm,),
                    {"date_of_birth": None, "gender": None, "document_number": None})
    return base


class TravellersForm(FlaskForm):
    """Every traveller of the booking plus the contact person."""

    travellers = FieldList(FormField(TravellerForm), min_entries=1)
    contact_name = StringField(_l("Contact name"), filters=[strip],
                               validators=[DataRequired(_l("Enter the contact name.")), Length(max=100)])
    contact_email = StringField(_l("Email"), filters=[strip],
                                validators=[DataRequired(_l("Enter an email address.")),
                                            Email(_l("Enter a valid email address.")), Length(max=254)])
    contact_phone = StringField(_l("Mobile phone"), filters=[strip],
                                validators=[DataRequired(_l("Enter a phone number."))])

    def __init__(self, *args, passengers: list[Passenger], **kwargs):
        super().__init__(*args, **kwargs)
        self.passengers = passengers
        # exactly one entry per passenger, whatever the posted data holds
        while len(self.travellers.entries) > len(passengers):
            self.travellers.pop_entry()
        while len(self.travellers.entries) < len(passengers):
            self.travellers.append_entry()

    def validate_contact_phone(self, field):
        normalised = normalise_vn_phone(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a Vietnamese phone number, e.g. 0912 345 678."))
        field.data = normalised

    def validate(self, extra_validators=None) -> bool:
        """Field rules, then each traveller's age and document against their passenger type."""
        valid = super().validate(extra_validators)
        for entry, passenger in zip(self.travellers.entries, self.passengers, strict=True):
            valid = check_traveller(entry.form, passenger) and valid
        return valid

    @property
    def holder_name(self) -> str:
        """Who the contact is: the contact name, or the one named person where the form asks no contact name."""
        return self.contact_name.data if "contact_name" in self else self.travellers.entries[0].full_name.data


@cache
def travellers_form_class(product: Product) -> type[TravellersForm]:
    """The travellers form of a product: its per-person subform; no separate contact name where the one person named
    is the customer (their name is the contact's)."""
    members = {"travellers": FieldList(FormField(traveller_form_class(product)), min_entries=1)}
    if product.holder_is_customer:
        members["contact_name"] = None
    return type(f"{product.code.title()}TravellersForm", (TravellersForm,), members)


def travellers_form(product: Product, passengers: list[Passenger], **kwargs) -> TravellersForm:
    """A product's travellers form bound to the request (or to `formdata`), one entry per passenger."""
    return travellers_form_class(product)(passengers=passengers, **kwargs)


def check_traveller(form: Form, passenger: Passenger) -> bool:
    """Date of birth consistent with the passenger type; document number present where needed."""
    ok = True
    birth = form.date_of_birth.data if "date_of_birth" in form else None  # only where the product asks it
    if birth and not form.date_of_birth.errors:
        message = age_problem(birth, passenger)
        if message:
            form.date_of_birth.errors = [*form.date_of_birth.errors, message]
            ok = False
    if "document_number" not in form:
        return ok
    number = form.document_number.data
    if passenger.needs_document and not number and not form.document_number.errors:
        form.document_number.errors = [*form.document_number.errors, _l("Enter the ID card or passport number.")]
        ok = False
    elif number and not DOCUMENT.fullmatch(number):
        form.document_number.errors = [*form.document_number.errors, _l("Use 6–15 letters and digits.")]
        ok = False
    return ok


def age_problem(birth: date, passenger: Passenger) -> str | None:
    """Why this date of birth does not fit the passenger type, or None."""
    if birth > passenger.age_day or birth > date.today():
        return _l("The date of birth cannot be in the future.")
    age = age_on(birth, passenger.age_day)
    if passenger.passenger_type == "adult" and age < passenger.min_adult_age:
        return _l("An adult must be at least %(n)d years old.", n=passenger.min_adult_age)
    if passenger.passenger_type == "child" and not 2 <= age < 12:
        return _l("A child must be 2 to 11 years old on the travel date.")
    if passenger.passenger_type == "infant":
        if age >= 2:
            return _l("An infant must be under 2 years old on the travel date.")
        if (passenger.age_day - birth).days < 14:
            return _l("Infants must be at least 14 days old to fly.")
    if age > 120:
        return _l("Enter a valid date of birth.")
    return None


class ConfirmForm(FlaskForm):
    """A button-only form (hold, release): the CSRF token is its whole content."""
