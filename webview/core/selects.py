"""<select> fields whose <option> list is rendered once per process, not once per request.

A search form's airport and city pickers hold dozens of options; WTForms escapes and formats each of them on every
render. The options depend only on (value, label, selected) of each choice, so their HTML is kept in a small LRU
keyed by exactly that: a different label (another language), another selection or a new choice is another key,
and nothing stale can be served. The <select> tag's attributes (name, id, flags, attributes) are kept the same way,
keyed by all of them.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from wtforms.fields.choices import Choice
from wtforms.widgets import Select, html_params

OPTION_CACHE_SIZE = 512
PLAIN_VALUES = (str, bool, int, float, type(None))  # exact types: a value of one is its own text (a safe cache key)


@lru_cache(maxsize=OPTION_CACHE_SIZE)
def options_html(choices: tuple[tuple[object, str | None, bool], ...]) -> str:
    """The <option> tags of (value, label, selected) triples, exactly as WTForms' Select renders them."""
    return "".join(Select.render_option(Choice(value, label, selected, None)) for value, label, selected in choices)


@lru_cache(maxsize=OPTION_CACHE_SIZE)
def select_params_html(name: str, attributes: tuple[tuple[str, type, object], ...]) -> str:
    """The <select> tag's attributes, exactly as WTForms' html_params writes them (the same name and (attribute,
    type, value) triples give the same text: kept per process)."""
    return html_params(name=name, **{attribute: value for attribute, _type, value in attributes})


class CachedOptionsSelect(Select):
    """WTForms' single Select widget with the <option> list served from `options_html`."""

    def __call__(self, field, **kwargs):
        choices = list(field._iter_choices_normalized()) if not field.has_groups() else None
        if choices is None or any(choice.render_kw for choice in choices):
            return super().__call__(field, **kwargs)  # optgroups or per-option attributes: the plain path
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        key = tuple((choice.value, None if choice.label is None else str(choice.label), bool(choice.selected))
                    for choice in choices)
        if all(type(value) in PLAIN_VALUES for value in kwargs.values()):
            attributes = tuple((name, type(value), value) for name, value in sorted(kwargs.items()))  # True ≠ 1
            select_params = select_params_html(field.name, attributes)
        else:  # Markup, a lazy translation, a list…: equal as keys yet written differently, so rendered every time
            select_params = html_params(name=field.name, **kwargs)
        return Markup(f"<select {select_params}>{options_html(key)}</select>")  # noqa: S704  (escaped by WTForms)


CACHED_SELECT = CachedOptionsSelect()


class CachedSelectsMeta:
    """A form Meta mixin: single selects rendered with CachedOptionsSelect, every other field as before."""

    def render_field(self, field, render_kw):
        if type(field.widget) is Select and not field.widget.multiple:
            other_kw = getattr(field, "render_kw", None)
            if other_kw is not None:
                render_kw = dict(other_kw, **render_kw)
            return CACHED_SELECT(field, **render_kw)
        return super().render_field(field, render_kw)
