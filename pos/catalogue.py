"""The catalogue: checking what the animator types for a product or a category."""

from __future__ import annotations

import re

from pos.forms import Checked
from pos.i18n import N_, Message
from pos.money import InvalidAmount, listed_rate, parse_amount
from pos.numbers import is_digits

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
NAME_MAX = 60
SHORT_MAX = 24
DARK_INK, LIGHT_INK = "#000000", "#ffffff"


def check_product(
    form: dict[str, str], *, vat_rates: list[int], taken_names: set[str], categories: set[int]
) -> Checked:
    """Validate a product form: name, price, VAT rate, cost, stock options."""
    out = Checked()
    _check_name(form, taken_names, out)
    _check_money(form, "price", out, required=True)
    _check_money(form, "unit_cost", out, required=False)
    _check_rate(form, vat_rates, out)
    category = str(form.get("category_id", "")).strip()
    if category and (not is_digits(category) or int(category) not in categories):
        out.errors["category_id"] = N_("Choisissez une catégorie de la liste.")
    out.values["category_id"] = int(category) if is_digits(category) else None
    color = str(form.get("color", "") or "#2e7d32").strip()
    out.values["color"] = color if COLOR.match(color) else "#2e7d32"
    out.values["emoji"] = str(form.get("emoji", "")).strip()[:8]
    out.values["track_stock"] = 1 if form.get("track_stock") in ("1", "on", "true") else 0
    low = str(form.get("low_stock", "5") or "5").strip()
    if not is_digits(low):
        out.errors["low_stock"] = N_("Indiquez un nombre entier, par exemple 5.")
    out.values["low_stock"] = int(low) if is_digits(low) else 5
    return out


def initials(name: str) -> str:
    """What stands for a product on its tile when its emoji cannot be drawn: the first letters
    of its first two words ("Dernier pot" → "DP"), or of its one word ("Kokedama" → "Ko")."""
    words = [w for w in re.split(r"[^\w]+", name) if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].capitalize()
    return (words[0][0] + words[1][0]).upper()


def tile_ink(color: str) -> str:
    """The text colour, black or white, that reads best on a tile of this colour.

    WCAG 2 contrast: whichever ink gives the higher ratio, so a member reads a pale tile in
    daylight as well as a dark one (the better of the two is at least 4.5:1 on any colour).
    """
    if not COLOR.match(color):
        return LIGHT_INK
    tile = _luminance(color)
    on_dark = contrast(_luminance(DARK_INK), tile)
    on_light = contrast(_luminance(LIGHT_INK), tile)
    return DARK_INK if on_dark > on_light else LIGHT_INK


def contrast(a: float, b: float) -> float:
    """WCAG 2 contrast ratio of two relative luminances (1 to 21)."""
    light, dark = max(a, b), min(a, b)
    return (light + 0.05) / (dark + 0.05)


def _luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _check_name(form: dict[str, str], taken_names: set[str], out: Checked) -> None:
    name = " ".join(str(form.get("name", "")).split())
    short = " ".join(str(form.get("short_name", "")).split()) or name[:SHORT_MAX]
    if not name:
        out.errors["name"] = N_("Donnez un nom au produit.")
    elif len(name) > NAME_MAX:
        out.errors["name"] = Message(
            N_("Le nom ne doit pas dépasser %(max)s caractères."), max=NAME_MAX
        )
    elif name.casefold() in {n.casefold() for n in taken_names}:
        out.errors["name"] = N_("Un produit porte déjà ce nom.")
    if len(short) > SHORT_MAX:
        out.errors["short_name"] = Message(
            N_("Le nom court ne doit pas dépasser %(max)s caractères."), max=SHORT_MAX
        )
    out.values["name"], out.values["short_name"] = name, short


def _check_money(form: dict[str, str], key: str, out: Checked, *, required: bool) -> None:
    raw = str(form.get(key, "")).strip()
    if not raw and not required:
        out.values[key] = None
        return
    try:
        out.values[key] = parse_amount(raw)
    except InvalidAmount:
        out.errors[key] = (
            N_("Indiquez un prix positif, par exemple 12,50.")
            if key == "price"
            else N_("Indiquez un coût positif, par exemple 3,20, ou laissez vide.")
        )


def _check_rate(form: dict[str, str], vat_rates: list[int], out: Checked) -> None:
    out.values["vat_rate"] = listed_rate(str(form.get("vat_rate", "")), vat_rates)
    if out.values["vat_rate"] is None:
        out.errors["vat_rate"] = N_("Choisissez un taux de TVA de la liste.")


def check_category(name: str, taken: set[str]) -> str | None:
    """The French message if a category name is unusable, else None."""
    name = " ".join(name.split())
    if not name:
        return N_("Donnez un nom à la catégorie.")
    if name.casefold() in {n.casefold() for n in taken}:
        return N_("Cette catégorie existe déjà.")
    return None
