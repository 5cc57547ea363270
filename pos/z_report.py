"""The Z (and period closures) laid out for the receipt printer: pure, like pos.receipts.

The screen shows the same text (`render_text`), so the Z on screen and on paper match.
"""

from __future__ import annotations

from pos.receipts import METHOD_NAMES, PrintLine, Seller, _Page, _rate, money, render_text
from pos.till import sales_count_of

KIND_TITLES = {
    "day": "CLÔTURE JOURNALIÈRE (Z)",
    "month": "CLÔTURE MENSUELLE",
    "year": "CLÔTURE ANNUELLE",
    "x": "POINT DE CAISSE (X)",
}
X_MARK = "X — ne clôture pas la journée"
CHANNELS = {"stall": "Stand", "online": "En ligne"}


def closure_layout(closure: dict, seller: Seller, width: int) -> list[PrintLine]:
    """The closure's lines: identity, totals by method, rate, product, channel, cash count."""
    page = _Page(width)
    totals = closure["data"]
    page.wrapped(seller.brand, align="center", bold=True, big=True)
    page.wrapped(seller.legal_name, align="center")
    page.wrapped(f"SIRET : {seller.siret}", align="center")
    page.rule()
    page.wrapped(KIND_TITLES[closure["kind"]], align="center", bold=True)
    is_x = closure["kind"] == "x"
    if is_x:
        page.wrapped(X_MARK, align="center", bold=True)
    page.columns(f"{'X' if is_x else 'Z'} n° {closure['number']}", closure["period"])
    when = closure["created_at"][:16].replace("T", " ")
    page.columns("Fait le" if is_x else "Clôturé le", when)
    if closure.get("member"):
        page.columns("Par", closure["member"])
    page.rule()
    page.columns("Ventes", str(sales_count_of(totals).sales))
    first, last = totals["first_number"], totals["last_number"]
    page.columns("Tickets", f"{first} à {last}" if first else "aucun")
    page.columns("Annulations", f"{totals['voids_count']} / {money(totals['voids_total'])}")
    page.columns("Remboursements", f"{totals['refunds_count']} / {money(totals['refunds_total'])}")
    page.columns("Remises", money(totals["discounts"]))
    page.columns("TOTAL NET TTC", money(totals["net_total"]), bold=True)
    page.rule()
    for method, amount in totals["by_method"].items():
        page.columns(METHOD_NAMES.get(method, method), money(amount))
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
        page.columns(CHANNELS.get(channel, channel), money(amount))
    if closure["kind"] in ("day", "x"):
        _members(page, totals.get("by_member", []))
        _shifts(page, totals.get("shifts", []))
        page.rule()
        page.columns("Fond de caisse", money(closure["float_total"]))
        page.columns("Espèces attendues", money(closure["expected_cash"]), bold=is_x)
    if closure["kind"] == "day":
        page.columns("Espèces comptées", money(closure["counted_cash"]))
        page.columns("Écart", money(closure["difference"]), bold=True)
        if closure.get("reason"):
            page.wrapped(f"Raison : {closure['reason']}")
        _cash_up(page, totals.get("cash_up"))
    if is_x:
        page.rule()
        page.wrapped(X_MARK, align="center", bold=True)
        page.lines.append(PrintLine(kind="cut"))
        return page.lines
    page.rule()
    page.columns("Grand total perpétuel", money(closure["grand_total"]), bold=True)
    page.wrapped(f"Empreinte : {closure['hash'][:16]}")
    if closure.get("key_fingerprint"):  # to check archives and `pos verify` against, later
        page.wrapped(f"Clé de signature : {closure['key_fingerprint']}")
    page.lines.append(PrintLine(kind="cut"))
    return page.lines


def _members(page: _Page, members: list[dict]) -> None:
    """Per member: « Ventes », totals by method, cash in and out, their shifts' difference."""
    if not members:
        return
    page.rule()
    page.wrapped("PAR MEMBRE", bold=True)
    for row in members:
        page.wrapped(row["member"] or "(sans nom)", bold=True)
        page.columns("Ventes", str(sales_count_of(row).sales), indent="  ")
        for method, amount in row["by_method"].items():
            page.columns(METHOD_NAMES.get(method, method), money(amount), indent="  ")
        if row["cash_in"] or row["cash_out"]:
            page.columns(
                "Entrées / sorties",
                f"{money(row['cash_in'])} / {money(-row['cash_out'])}",
                indent="  ",
            )
        if row["difference"] is not None:
            page.columns("Écart compté", money(row["difference"]), indent="  ")


def _shifts(page: _Page, shifts: list[dict]) -> None:
    """Each counted shift's own difference, and the first one seen when it was recounted."""
    counted = [s for s in shifts if s["difference"] is not None]
    if not counted:
        return
    page.rule()
    page.wrapped("RELÈVES COMPTÉES", bold=True)
    for shift in counted:
        page.columns(shift["member"] or "(sans nom)", f"écart {money(shift['difference'])}")
        if shift.get("first_difference") is not None:
            page.columns("1er comptage", money(shift["first_difference"]), indent="  ")


def _cash_up(page: _Page, cash_up: dict | None) -> None:
    """What the blind count saw first, the recounts, the X reports, a second Z's reason."""
    if not cash_up:
        return
    if cash_up["recounts"]:
        page.columns("Premier écart constaté", money(cash_up["first_difference"]))
        page.columns("Recomptages", str(cash_up["recounts"]))
    if cash_up.get("x_reports"):
        page.columns("Points de caisse (X)", str(cash_up["x_reports"]))
    if cash_up.get("same_day_reason"):
        page.wrapped(f"Autre Z ce jour : {cash_up['same_day_reason']}")


def closure_text(closure: dict, seller: Seller, width: int) -> str:
    """The closure as the screen shows it, identical to the paper."""
    return render_text(closure_layout(closure, seller, width), width)
