"""The Z (and period closures) laid out for the receipt printer: pure, like pos.receipts.

The screen shows the same text (`render_text`), so the Z on screen and on paper match.
"""

from __future__ import annotations

from pos.clock import for_people, period_for_people
from pos.labels import word
from pos.receipts import PrintLine, Seller, _Page, _rate, money, render_text

KIND_TITLES = {
    "day": "CLÔTURE JOURNALIÈRE (Z)",
    "month": "CLÔTURE MENSUELLE",
    "year": "CLÔTURE ANNUELLE",
}


def closure_layout(closure: dict, seller: Seller, width: int) -> list[PrintLine]:
    """The closure's lines: identity, totals by method, rate, product, channel, cash count."""
    page = _Page(width)
    totals = closure["data"]
    page.wrapped(seller.brand, align="center", bold=True, big=True)
    page.wrapped(seller.legal_name, align="center")
    page.wrapped(f"SIRET : {seller.siret}", align="center")
    page.rule()
    page.wrapped(KIND_TITLES[closure["kind"]], align="center", bold=True)
    page.columns(f"Z n° {closure['number']}", period_for_people(closure["period"]))
    page.columns("Clôturé le", for_people(closure["created_at"], seller.zone))
    if closure.get("member"):
        page.columns("Par", closure["member"])
    page.rule()
    page.columns("Ventes", str(totals["sales_count"]))
    first, last = totals["first_number"], totals["last_number"]
    page.columns("Tickets", f"{first} à {last}" if first else "aucun")
    page.columns("Annulations", f"{totals['voids_count']} / {money(totals['voids_total'])}")
    page.columns("Remboursements", f"{totals['refunds_count']} / {money(totals['refunds_total'])}")
    page.columns("Remises", money(totals["discounts"]))
    page.columns("TOTAL NET TTC", money(totals["net_total"]), bold=True)
    page.rule()
    for method, amount in totals["by_method"].items():
        page.columns(word("method", method), money(amount))
    page.rule()
    for v in totals["by_rate"]:
        page.columns(f"TVA {_rate(v['rate'])} HT", money(v["base"]))
        page.columns(f"TVA {_rate(v['rate'])}", money(v["vat"]))
        page.columns(f"TVA {_rate(v['rate'])} TTC", money(v["total"]))
    page.rule()
    for name, figures in totals["by_product"].items():
        page.columns(f"{figures['quantity']} x {name}", money(figures["total"]))
    page.rule()
    for channel, amount in totals["by_channel"].items():
        page.columns(word("channel", channel), money(amount))
    if closure["kind"] == "day":
        page.rule()
        page.columns("Fond de caisse", money(closure["float_total"]))
        page.columns("Espèces attendues", money(closure["expected_cash"]))
        page.columns("Espèces comptées", money(closure["counted_cash"]))
        page.columns("Écart", money(closure["difference"]), bold=True)
        if closure.get("reason"):
            page.wrapped(f"Raison : {closure['reason']}")
    page.rule()
    page.columns("Grand total perpétuel", money(closure["grand_total"]), bold=True)
    page.wrapped(f"Empreinte : {closure['hash'][:16]}")
    page.lines.append(PrintLine(kind="cut"))
    return page.lines


def closure_text(closure: dict, seller: Seller, width: int) -> str:
    """The closure as the screen shows it, identical to the paper."""
    return render_text(closure_layout(closure, seller, width), width)
