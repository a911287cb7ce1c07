"""Traveller and search forms: ID names, phone numbers, passenger-type ages, airline rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from webview.booking.forms import FlightSearchForm, HotelSearchForm, Passenger, TravellersForm
from webview.booking.normalise import age_on, id_name, normalise_vn_phone

TODAY = date.today()
TRAVEL = TODAY + timedelta(days=10)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Nguyễn Văn Đức", "NGUYEN VAN DUC"),
        ("  trần   thị  ánh  ", "TRAN THI ANH"),
        ("Lê Hoàng Phúc", "LE HOANG PHUC"),
        ("đặng thùy dương", "DANG THUY DUONG"),
        ("", ""),
        (None, ""),
    ],
)
def test_id_name(typed, expected):
    assert id_name(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("+84 912-345-678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("+840912345678", "+84912345678"),
        ("(028) 3822 1234", "+842838221234"),
        ("0312.345.678", "+84312345678"),
        ("091234567", None),
        ("0112345678", None),
        ("+1 415 555 0100", None),
        ("09123456789", None),
        ("phone", None),
        ("", None),
    ],
)
def test_normalise_vn_phone(typed, expected):
    assert normalise_vn_phone(typed) == expected


def test_age_on_counts_whole_years():
    assert age_on(date(2000, 6, 15), date(2012, 6, 14)) == 11
    assert age_on(date(2000, 6, 15), date(2012, 6, 15)) == 12


def years_before(day: date, years: int, days: int = 0) -> date:
    """The same calendar day `years` earlier, then `days` more back."""
    try:
        earlier = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        earlier = day.replace(year=day.year - years, day=28)
    return earlier - timedelta(days=days)


def traveller_data(*people, contact_phone="0912 345 678", contact_email="an@example.com"):
    data = MultiDict({"contact_name": "Nguyễn An", "contact_email": contact_email, "contact_phone": contact_phone})
    for index, (name, birth, gender, document) in enumerate(people):
        data[f"travellers-{index}-full_name"] = name
        data[f"travellers-{index}-date_of_birth"] = birth.isoformat() if isinstance(birth, date) else birth
        data[f"travellers-{index}-gender"] = gender
        data[f"travellers-{index}-document_number"] = document
    return data


def flight_passengers(*types):
    return [Passenger(kind, TRAVEL, needs_document=kind == "adult") for kind in types]


def test_a_valid_family_is_normalised(app):
    with app.test_request_context():
        form = TravellersForm(
            traveller_data(
                ("Nguyễn Văn An", years_before(TRAVEL, 35), "male", "0790 1234 5678"),
                ("trần thị bình", years_before(TRAVEL, 7), "female", ""),
                ("Nguyễn Bảo Châu", years_before(TRAVEL, 1), "female", ""),
            ),
            passengers=flight_passengers("adult", "child", "infant"),
            meta={"csrf": False},
        )
        assert form.validate(), form.errors
        assert [t.full_name.data for t in form.travellers] == ["NGUYEN VAN AN", "TRAN THI BINH", "NGUYEN BAO CHAU"]
        assert form.travellers[0].document_number.data == "079012345678"
        assert form.contact_phone.data == "+84912345678"


@pytest.mark.parametrize(
    ("kind", "birth", "field", "needs_document"),
    [
        ("adult", years_before(TRAVEL, 11, -1), "date_of_birth", True),  # turns 12 the day after travel
        ("child", years_before(TRAVEL, 12), "date_of_birth", False),
        ("child", years_before(TRAVEL, 1), "date_of_birth", False),
        ("infant", years_before(TRAVEL, 2), "date_of_birth", False),
        ("infant", TRAVEL - timedelta(days=5), "date_of_birth", False),
        ("adult", TODAY + timedelta(days=1), "date_of_birth", True),
        ("adult", "11/24/1990", "date_of_birth", True),  # mm/dd/yyyy is not guessed
        ("adult", "1990/11/24", "date_of_birth", True),
    ],
)
def test_date_of_birth_must_match_the_passenger_type(app, kind, birth, field, needs_document):
    with app.test_request_context():
        form = TravellersForm(
            traveller_data(("Le Van Binh", birth, "male", "012345678")),
            passengers=[Passenger(kind, TRAVEL, needs_document=needs_document)],
            meta={"csrf": False},
        )
        assert not form.validate()
        assert form.travellers[0][field].errors


def test_boundary_ages_are_accepted(app):
    with app.test_request_context():
        form = TravellersForm(
            traveller_data(
                ("Le Van Binh", years_before(TRAVEL, 12), "male", "012345678"),
                ("Le Thi Hoa", years_before(TRAVEL, 2), "female", ""),
                ("Le Bao Anh", TRAVEL - timedelta(days=14), "female", ""),
            ),
            passengers=flight_passengers("adult", "child", "infant"),
            meta={"csrf": False},
        )
        assert form.validate(), form.errors


@pytest.mark.parametrize(
    ("name", "document", "phone", "email", "bad_field"),
    [
        ("Binh", "012345678", "0912345678", "a@example.com", "travellers-0-full_name"),
        ("Le Van 2", "012345678", "0912345678", "a@example.com", "travellers-0-full_name"),
        ("Le Van Binh", "", "0912345678", "a@example.com", "travellers-0-document_number"),
        ("Le Van Binh", "12#45", "0912345678", "a@example.com", "travellers-0-document_number"),
        ("Le Van Binh", "012345678", "12345", "a@example.com", "contact_phone"),
        ("Le Van Binh", "012345678", "0912345678", "not-an-email", "contact_email"),
    ],
)
def test_bad_traveller_input_is_refused(app, name, document, phone, email, bad_field):
    with app.test_request_context():
        form = TravellersForm(
            traveller_data(
                (name, years_before(TRAVEL, 30), "male", document), contact_phone=phone, contact_email=email
            ),
            passengers=flight_passengers("adult"),
            meta={"csrf": False},
        )
        assert not form.validate()
        if bad_field.startswith("travellers"):
            field = form.travellers[0][bad_field.rsplit("-", 1)[1]]
        else:
            field = form[bad_field]
        assert field.errors


def test_posted_entries_are_trimmed_to_the_passengers(app):
    with app.test_request_context():
        data = traveller_data(
            ("Le Van Binh", years_before(TRAVEL, 30), "male", "012345678"),
            ("Le Van Extra", years_before(TRAVEL, 30), "male", "012345679"),
        )
        form = TravellersForm(data, passengers=flight_passengers("adult"), meta={"csrf": False})
        assert len(form.travellers.entries) == 1
        missing = TravellersForm(MultiDict(), passengers=flight_passengers("adult", "adult"), meta={"csrf": False})
        assert len(missing.travellers.entries) == 2
        assert not missing.validate()


def flight_search(**values):
    data = {"origin": "HAN", "destination": "SGN", "depart_date": TRAVEL.isoformat(), "adults": "1",
            "children": "0", "infants": "0", **values}
    form = FlightSearchForm(MultiDict(data), today=TODAY)
    form.origin.choices = form.destination.choices = [SelectChoice("HAN"), SelectChoice("SGN")]
    return form


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        ({"destination": "HAN"}, "destination"),
        ({"depart_date": (TODAY - timedelta(days=1)).isoformat()}, "depart_date"),
        ({"depart_date": (TODAY + timedelta(days=400)).isoformat()}, "depart_date"),
        ({"depart_date": "tomorrow"}, "depart_date"),
        ({"adults": "5", "children": "5"}, "children"),
        ({"adults": "1", "infants": "2"}, "infants"),
        ({"adults": "0"}, "adults"),
        ({"origin": "XXX"}, "origin"),
    ],
)
def test_flight_search_rules(app, values, bad):
    with app.test_request_context():
        form = flight_search(**values)
        assert not form.validate()
        assert form[bad].errors


def test_flight_search_accepts_a_full_plane_row(app):
    with app.test_request_context():
        assert flight_search(adults="5", children="4", infants="5").validate()


@pytest.mark.parametrize(
    ("values", "bad"),
    [
        ({"check_out": TRAVEL.isoformat()}, "check_out"),
        ({"check_out": (TRAVEL + timedelta(days=31)).isoformat()}, "check_out"),
        ({"rooms": "3", "guests": "2"}, "guests"),
        ({"rooms": "1", "guests": "5"}, "guests"),
        ({"check_in": (TODAY - timedelta(days=2)).isoformat()}, "check_in"),
    ],
)
def test_hotel_search_rules(app, values, bad):
    data = {"city": "DAD", "check_in": TRAVEL.isoformat(), "check_out": (TRAVEL + timedelta(days=2)).isoformat(),
            "rooms": "1", "guests": "2", **values}
    with app.test_request_context():
        form = HotelSearchForm(MultiDict(data), today=TODAY)
        form.city.choices = [SelectChoice("DAD", "Đà Nẵng")]
        assert not form.validate()
        assert form[bad].errors


def test_hotel_search_accepts_a_valid_stay(app):
    data = {"city": "DAD", "check_in": TRAVEL.isoformat(), "check_out": (TRAVEL + timedelta(days=30)).isoformat(),
            "rooms": "2", "guests": "8"}
    with app.test_request_context():
        form = HotelSearchForm(MultiDict(data), today=TODAY)
        form.city.choices = [SelectChoice("DAD", "Đà Nẵng")]
        assert form.validate(), form.errors
