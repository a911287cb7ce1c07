"""Fragments rendered once per process and language (webview/core/fragments.py, issue 15)."""

from __future__ import annotations

import re

from flask import render_template_string

from webview.core import fragments

PAGE = '{% call fragment("words", day) %}{{ _("Passengers") }} {{ day }} {{ seen.append(1) or "" }}{% endcall %}'


def render(app, language: str, day: str, seen: list) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        app.preprocess_request()
        return render_template_string(PAGE, day=day, seen=seen)


def test_a_fragment_is_rendered_once_per_language_and_key(app):
    fragments._kept.clear()
    seen: list = []
    assert render(app, "vi", "2026-11-30", seen) == "Hành khách 2026-11-30 "
    assert render(app, "vi", "2026-11-30", seen) == "Hành khách 2026-11-30 "
    assert len(seen) == 1  # the second request was served the kept text
    assert render(app, "en", "2026-11-30", seen) == "Passengers 2026-11-30 "
    assert render(app, "vi", "2026-12-01", seen) == "Hành khách 2026-12-01 "  # another key: another render
    assert len(seen) == 3


def test_where_templates_reload_a_fragment_is_rendered_every_time(app):
    fragments._kept.clear()
    app.jinja_env.auto_reload = True
    try:
        seen: list = []
        for _ in range(3):
            render(app, "vi", "2026-11-30", seen)
        assert len(seen) == 3 and not fragments._kept
    finally:
        app.jinja_env.auto_reload = False


def test_the_search_forms_kept_parts_follow_the_language_and_the_day(screen, catalog):
    """The passenger sheet and the calendar's words are kept per language; the calendar's day is part of its key."""
    for language, words in (("vi", ("Hành khách", "Hôm nay")), ("en", ("Passengers", "Today"))):
        html = screen(user=f"user-{language}", locale=language).get("/w/").get_data(as_text=True)
        assert all(word in html for word in words), language
        assert re.search(r'novalidate data-cal="[^"]+" data-today="\d{4}-\d\d-\d\d"', html)
