"""The templates' gettext: each message translated once per language, not at each use.

A sell screen's fragment shows some twenty fixed words; Flask-Babel's `get_translations()`
finds the request's locale again at every one of them. The catalogues do not change while
the server runs, so a message's translation in a language is looked up once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import get_translations


def cached_gettext(language: Callable[[], str]) -> Callable[[str], str]:
    """A gettext for templates that remembers each (language, message) it translated."""
    found: dict[tuple[str, str], str] = {}

    def gettext(message: str) -> str:
        key = (language(), message)
        text = found.get(key)
        if text is None:
            text = found[key] = get_translations().ugettext(message)
        return text

    return gettext
