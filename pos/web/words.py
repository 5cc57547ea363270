"""The templates' gettext: each message translated once per language, not at each use.

A sell screen's fragment shows some twenty fixed words; Flask-Babel's `get_translations()`
finds the request's locale again at every one of them, and Jinja's own wrapper then makes a
Markup of the translation and formats it even when it has no variables. The catalogues do not
change while the server runs, so a message's translation in a language is looked up, made
Markup and formatted once; only a message with variables is formatted at each use.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import has_request_context
from flask_babel import get_translations
from jinja2 import pass_context
from markupsafe import Markup


def cached_gettext(language: Callable[[], str]) -> Callable[[str], str]:
    """A gettext that remembers each (language, message) it translated."""
    found: dict[tuple[str, str], str] = {}

    def gettext(message: str) -> str:
        key = (language(), message)
        text = found.get(key)
        if text is None:
            text = found[key] = get_translations().ugettext(message)
        return text

    return gettext


def template_gettext(language: Callable[[], str]):
    """The templates' `_()` and `gettext()`, as Jinja's newstyle gettext behaves (Markup when
    the template autoescapes, always %-formatted), with the words that need no variable made
    once per language."""
    translate = cached_gettext(language)
    ready: dict[tuple[str, str, bool], str] = {}

    @pass_context
    def gettext(__context, __string: str, **variables) -> str:
        escape = __context.eval_ctx.autoescape
        if variables:
            text = translate(__string)
            return (Markup(text) if escape else text) % variables
        key = (language(), __string, escape)
        text = ready.get(key)
        if text is None:
            text = translate(__string)
            text = ready[key] = (Markup(text) if escape else text) % {}
        return text

    return gettext


def cached_tr(language: Callable[[], str], tr: Callable[[object], object]):
    """The templates' `tr` filter (a domain word in the member's language), each plain word
    translated once per language; a `Message` with values goes through `tr` each time."""
    found: dict[tuple[str, str], object] = {}

    def cached(value: object) -> object:
        if type(value) is not str or not value or not has_request_context():
            return tr(value)  # a Message (a str with values), no word, or no member to ask
        key = (language(), value)
        text = found.get(key)
        if text is None:
            text = found[key] = tr(value)
        return text

    return cached
