"""The prévisionnel's form as members type it: pure checks in front of ``pos.db.plan``.

Each product row is ``made_<id>``, ``sell_<id>``, ``cost_<id>``, ``price_<id>``; the other
fixed costs, the coop's own money and its loans are ``<kind>_label_<n>`` and
``<kind>_amount_<n>`` (``fixed_later_<n>`` ticks a cost paid after the first sale); the market
days are ``day_<YYYY-MM-DD>`` boxes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date

from pos.i18n import N_, Message
from pos.money import InvalidAmount, parse_amount
from pos.numbers import is_digits
from pos.stock import MAX_UNITS, TEXT_MAX, Checked

LINE_KINDS = ("fixed", "own", "loan")
FIXED_SETTINGS = ("stall_fee", "target_pay", "cae_contribution")
_LINE = re.compile(r"^(fixed|own|loan)_(label|amount)_(\d{1,3})$")


def _units(text: str) -> int | None:
    raw = str(text or "").strip().replace(" ", "")
    if not raw:
        return 0
    return int(raw) if is_digits(raw, 6) and int(raw) <= MAX_UNITS else None


def _amount(text: str) -> int | None:
    raw = str(text or "").strip()
    if not raw:
        return 0
    try:
        return parse_amount(raw)
    except InvalidAmount:
        return None


def _product(form: Mapping, pid: int, out: Checked) -> dict | None:
    made, sell = _units(form.get(f"made_{pid}")), _units(form.get(f"sell_{pid}"))
    for key, value in ((f"made_{pid}", made), (f"sell_{pid}", sell)):
        if value is None:
            out.errors[key] = N_("Indiquez un nombre d'unités (0 à 100 000).")
    if made is None or sell is None or made == sell == 0:
        return None
    if not str(form.get(f"made_{pid}") or "").strip():
        made = sell  # nothing typed: as many made as sold (a drink served by the cup)
    if sell > made:
        out.errors[f"sell_{pid}"] = Message(
            N_("Pas plus que ce qui est fabriqué (%(made)s)."), made=made
        )
    cost, price = _amount(form.get(f"cost_{pid}")), _amount(form.get(f"price_{pid}"))
    if cost is None:
        out.errors[f"cost_{pid}"] = N_("Indiquez le coût unitaire HT, par exemple 4,00.")
    if price is None or price == 0:
        out.errors[f"price_{pid}"] = N_("Indiquez un prix TTC, par exemple 11,00.")
    return {
        "product_id": pid,
        "units_made": made,
        "units_to_sell": sell,
        "unit_cost": cost or 0,
        "price": price or 0,
    }


def _lines(form: Mapping, out: Checked) -> list[dict]:
    rows: dict[tuple[str, int], dict] = {}
    for key in form:
        match = _LINE.match(key)
        if match:
            rows.setdefault((match.group(1), int(match.group(3))), {})
    lines = []
    for kind, n in sorted(rows, key=lambda k: (LINE_KINDS.index(k[0]), k[1])):
        label = str(form.get(f"{kind}_label_{n}") or "").strip()[:TEXT_MAX]
        raw = str(form.get(f"{kind}_amount_{n}") or "").strip()
        if not label and not raw:
            continue
        amount = _amount(raw)
        if amount is None:
            out.errors[f"{kind}_amount_{n}"] = N_("Indiquez un montant, par exemple 45,00.")
        if not label:
            out.errors[f"{kind}_label_{n}"] = N_("Donnez un nom à cette ligne.")
        later = kind == "fixed" and bool(form.get(f"fixed_later_{n}"))
        lines.append({"kind": kind, "label": label, "amount": amount or 0, "upfront": not later})
    return lines


def check_plan(form: Mapping, product_ids: Iterable[int], week: Iterable[date]) -> Checked:
    """The whole plan form: products, fixed costs, lines, float, market days and hours."""
    out = Checked()
    out.values["products"] = [
        row for pid in product_ids if (row := _product(form, pid, out)) is not None
    ]
    out.values["lines"] = _lines(form, out)
    for key in (*FIXED_SETTINGS, "float"):
        out.values[key] = _amount(form.get(key))
        if out.values[key] is None:
            out.errors[key] = N_("Indiquez un montant, par exemple 45,00 (ou 0).")
    hours = _units(form.get("market_hours"))
    if hours is None or hours > 24:
        out.errors["market_hours"] = N_("Indiquez un nombre d'heures entre 0 et 24.")
    out.values["market_hours"] = hours or 0
    out.values["market_days"] = [d.isoformat() for d in week if form.get(f"day_{d.isoformat()}")]
    return out
