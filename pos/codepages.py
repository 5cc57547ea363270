"""What a printer's code page can print: text made printable, French letters checked.

Used by the printing adapter (every line it sends) and by the printer URL's check (a code
page without the accented letters of French is refused).
"""

from __future__ import annotations

import unicodedata

FRENCH_LETTERS = "éèàçù"
# What a code page lacks is replaced by the nearest ASCII; the rest of the unprintable by "?".
FALLBACKS = {
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "\u2212": "-",  # the minus sign of amounts (pos.money.MINUS)
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "€": "EUR",
}


def sanitise(text: str, codepage: str) -> str:
    """Text the code page can print: odd spaces become spaces, missing signs their ASCII."""
    from escpos.codepages import CodePages  # python-escpos loads its profiles: only when used

    codec = CodePages.get_encoding(codepage)["python_encode"]
    out = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category.startswith(("C", "Z")):
            out.append(" ")  # U+00A0, U+202F and controls: a control byte would be a command
        elif _encodable(char, codec):
            out.append(char)
        else:
            fallback = FALLBACKS.get(char, "?")
            out.append(fallback if all(_encodable(c, codec) for c in fallback) else "?")
    return "".join(out)


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def writes_french(codepage: str) -> bool:
    """Whether the code page holds the accented letters of French."""
    return sanitise(FRENCH_LETTERS, codepage) == FRENCH_LETTERS
