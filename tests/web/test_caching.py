"""What the speed-ups of issue 15 keep per process is never stale where it matters.

A theme edit and a partner suspension made elsewhere (another process, the CLI: here a statement on another
connection) show on the very next request; a static file is hashed once per process in production and re-checked
where templates reload; the cached <option> lists are WTForms' own markup.
"""

from __future__ import annotations

import json
import re

import pytest
from markupsafe import Markup
from sqlalchemy import text
from wtforms import Form, SelectChoice, SelectField
from wtforms.widgets import Select

from tests.unit.test_config import production_config
from webview import create_app
from webview.core import assets
from webview.core.selects import CachedSelectsMeta, options_html
from webview.extensions import db
from webview.themes import render

BG = re.compile(r"--wv-bg-color: (#[0-9a-f]{6});")


def elsewhere(statement: str, **params) -> None:
    """A change committed on a connection of its own, as another process would make it."""
    with db.engine.begin() as connection:
        connection.execute(text(statement), params)


def page_bg(client) -> str:
    response = client.get("/w/")
    assert response.status_code == 200
    return BG.search(response.get_data(as_text=True)).group(1)


def test_a_theme_edited_in_another_process_shows_on_the_next_request(user, partner):
    assert page_bg(user) == "#fff8fb"
    assert page_bg(user) == "#fff8fb"  # now served from the cache
    theme = {**partner.theme, "bg_color": "#fffdf0"}
    elsewhere("UPDATE partner SET theme = :theme WHERE id = :id", theme=json.dumps(theme),
              id=partner.id)
    assert page_bg(user) == "#fffdf0"


def test_a_partner_suspended_in_another_process_is_refused_on_the_next_request(user, partner):
    assert user.get("/w/").status_code == 200
    elsewhere("UPDATE partner SET status = 'suspended' WHERE id = :id", id=partner.id)
    assert user.get("/w/").status_code == 401
    elsewhere("UPDATE partner SET status = 'active' WHERE id = :id", id=partner.id)
    assert user.get("/w/").status_code == 200


def test_a_session_ended_in_another_process_is_refused_on_the_next_request(user):
    assert user.get("/w/").status_code == 200
    elsewhere("UPDATE launch_session SET ended_at = CURRENT_TIMESTAMP")
    assert user.get("/w/").status_code == 401


def test_each_screen_request_gets_its_own_copy_of_a_cached_theme():
    render.clear_theme_caches()
    first = render.resolve_theme({"bg_color": "#ffffff"}, None)
    first["bg_color"] = "#000000"
    first["dark"]["bg_color"] = "#ffffff"
    again = render.resolve_theme({"bg_color": "#ffffff"}, None)
    assert again["bg_color"] == "#ffffff" and again["dark"]["bg_color"] != "#ffffff"


def test_an_override_is_part_of_the_cache_key():
    plain = render.resolve_theme({}, None)
    override = render.resolve_theme({}, {"bg_color": "#fafafa"})
    assert plain["bg_color"] != override["bg_color"] == "#fafafa"
    assert render.css_variables({"bg_color": "#fafafa"}) != render.css_variables({})


def test_in_production_a_static_file_is_hashed_once_per_process(app, tmp_path):
    """Production serves the hash it computed first: a changed file ships with a deploy, which restarts."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "a.css").write_text("a{}")
    app.static_folder = str(static)
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    with app.test_request_context():
        first = assets.asset_url("a.css")
        (static / "a.css").write_text("a{color:red}")
        assert assets.asset_url("a.css") == first
        app.config["TEMPLATES_AUTO_RELOAD"] = True  # development: picked up at once
        assert assets.asset_url("a.css") != first
        (static / "a.css").unlink()
        with pytest.raises(ValueError):
            assets.content_hash("a.css")


class Picker(Form):
    class Meta(CachedSelectsMeta):
        pass

    city = SelectField(choices=[SelectChoice("HAN", "Hà Nội"), SelectChoice("SGN", 'Hồ Chí Minh <"&>'),
                                SelectChoice("DAD")])
    count = SelectField(coerce=int, choices=[SelectChoice(1, "1"), SelectChoice(2, "2")], render_kw={"class": "x"})


@pytest.mark.parametrize("data", [{}, {"city": "SGN", "count": 2}])
def test_cached_options_are_the_markup_wtforms_renders(data):
    form = Picker(data=data)
    plain = {name: Select()(form[name], **(form[name].render_kw or {})) for name in ("city", "count")}
    assert form.city() == plain["city"]
    assert form.count() == plain["count"]
    assert ('selected value="SGN"' in str(form.city())) == (data.get("city") == "SGN")


def test_the_same_choices_render_their_options_once():
    options_html.cache_clear()
    for selected in ("HAN", "HAN", "SGN", "HAN"):
        Picker(data={"city": selected}).city()
    info = options_html.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_production_never_reloads_templates_and_shares_their_bytecode(tmp_path):
    app = create_app(production_config(tmp_path))
    assert app.jinja_env.auto_reload is False
    with app.test_request_context():
        app.jinja_env.get_template("launch/expired.html")
    assert list((tmp_path / "jinja-bytecode").glob("*.cache"))
    again = create_app(production_config(tmp_path))  # another worker: loads the compiled code from the folder
    assert again.jinja_env.bytecode_cache.directory == str(tmp_path / "jinja-bytecode")


def test_development_reloads_templates_only_when_debugging(app):
    assert app.config["TEMPLATES_AUTO_RELOAD"] is None and app.jinja_env.auto_reload is False


@pytest.mark.parametrize("attributes", [{"required": True}, {"required": 1}, {"data-x": Markup("a&amp;b")},
                                        {"data-x": "a&amp;b"}, {"data-x": 1.0}, {"data-x": 1}, {"disabled": False}])
def test_the_select_tags_attributes_are_the_text_wtforms_writes(attributes):
    """The <select> tag's attributes are kept per process (issue 15): values equal as keys but written differently
    (True and 1, Markup and its text, 1.0 and 1) never share a cache entry."""
    for first in ({"required": 1}, {"required": True}, {"data-x": "a&amp;b"}, {"data-x": Markup("a&amp;b")},
                  {"data-x": 1}, {"data-x": 1.0}):
        Picker().city(**first)  # warm the cache with its look-alikes
    assert Picker().city(**attributes) == Select()(Picker().city, **attributes)
