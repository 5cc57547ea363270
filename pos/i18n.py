"""Translatable messages from the domain, without Flask in the domain.

The domain modules (pos/*.py, pos/db/*.py) write their refusals in French, the source language, and
mark them with `N_()` so that pybabel extracts them (`-k N_`). A message with values is a msgid
with %(name)s placeholders plus its params: `Message(N_("… %(left)s …"), left=3)` is a `str` (the
French sentence, as the API, the logs and the tests read it) that keeps its msgid and params; an
`EtalError` keeps them too (`exc.msgid`, `exc.params`). Only the web layer translates, with
`translate()` or the `tr` template filter, when it shows the message to a member.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# A named placeholder (%(name)s, %(n)d...) or an escaped %; anything else is left as it is.
_PLACEHOLDER = re.compile(r"%\((\w+)\)([-#0 +]?\d*(?:\.\d+)?[sdirfgeExXo])|%%")


def N_(message: str) -> str:  # noqa: N802 - the usual name of gettext's no-op marker
    """Mark a msgid for extraction; the text is unchanged (translated later, at display)."""
    return message


def format_message(message: str, params: Mapping[str, object] | None = None) -> str:
    """`message % params` for its named placeholders; never raises, leaves a stray % alone."""
    if not params:
        return message

    def fill(match: re.Match) -> str:
        if match.group(0) == "%%":
            return "%"
        if match.group(1) not in params:
            return match.group(0)
        try:
            return f"%{match.group(2)}" % (params[match.group(1)],)
        except (ValueError, TypeError):
            return match.group(0)

    return _PLACEHOLDER.sub(fill, message)


class Message(str):
    """A French message with values: the formatted text, remembering its msgid and params."""

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, **params: object) -> Message:
        self = super().__new__(cls, format_message(msgid, params))
        self.msgid = msgid
        self.params = params
        return self


def _lookup(msgid: str) -> str:
    """The translation of a msgid in the request's language, unformatted; the msgid outside one."""
    from flask import has_request_context

    if not has_request_context():
        return msgid
    from flask_babel import get_translations

    return get_translations().ugettext(msgid)


def message_of(exc: BaseException) -> str:
    """An exception's message as it was raised: its `Message` or msgid (still translatable),
    else its text."""
    if exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)


def translate(message: str, params: Mapping[str, object] | None = None) -> str:
    """A message in the request's language (French outside a request), its values filled in."""
    if isinstance(message, Message) and not params:
        message, params = message.msgid, message.params
    if params:  # a value may be a message too (a reason inside a sentence)
        params = {k: translate(v) if isinstance(v, Message) else v for k, v in params.items()}
    try:
        translated = _lookup(str(message))
    except Exception:  # no Babel set up on this app: keep the French
        translated = str(message)
    return format_message(translated, params)


def tr(value: object) -> object:
    """Template filter: a domain message (str or `Message`) in the request's language.

    Never formats a plain string (a stray % is harmless); anything else is returned as it is.
    """
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, str) and value:
        try:
            return _lookup(value)
        except Exception:
            return value
    return value


def plural_text(singular: str, plural: str, num: int) -> str:
    """The form of a count's message in the request's language, not yet formatted.

    French (the msgids) puts 0 and 1 in the singular ("0 unité", "1 minute"); a translation
    follows its catalogue's own rule ("0 units").
    """
    from flask import has_request_context

    if has_request_context():
        from flask_babel import get_locale, get_translations

        locale = get_locale()
        if locale is not None and locale.language != "fr":
            return get_translations().ungettext(singular, plural, num)
    return singular if abs(num) < 2 else plural


def ngettext(singular: str, plural: str, num: int, **params: object) -> str:
    """A count's sentence in the request's language, %(num)s and the other values filled in."""
    return format_message(plural_text(singular, plural, num), {"num": num, **params})
