"""Receipt layout: a receipt value becomes lines of French text for a thermal printer.

Pure: no Flask, no SQL, no printer. `pos.printing` turns the lines into ESC/POS bytes and
the screen shows `render_text` in a <pre>; both carry exactly the same characters.
Widths are in characters of the normal font: 32 on 58 mm paper, 48 on 80 mm paper.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pos.clock import DEFAULT_ZONE, for_people
from pos.money import MINUS, VatLine, format_eur, format_rate
from pos.numbers import is_digits
from pos.orders import public_url
from pos.payment_methods import WORDS

Align = Literal["left", "center", "right"]
LineKind = Literal["text", "rule", "qr", "cut", "logo"]  # a logo line's text is its file

METHOD_NAMES = WORDS  # French, as paper prints it, from the registry of payment methods
CHANNEL_NAMES = {"stall": "", "online": "Vente en ligne"}
FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"
FRENCH_CHARACTERS = "é è ê à â ç ù û ô î ï ë œ Œ É À Ç €"
FRENCH_PUNCTUATION = "’ – — « »"
RECEIPT_TZ = DEFAULT_ZONE  # a receipt's zone when its seller names none


@dataclass(frozen=True)
class Seller:
    """Who sells: the CAE's legal identity and the coop's brand."""

    brand: str
    legal_name: str
    address: str
    siret: str
    vat_number: str
    vat_franchise: bool = False
    zone: str = DEFAULT_ZONE  # the coop's time zone: the times printed are read in it


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt; total = quantity * unit_price - discount (cents)."""

    name: str
    quantity: int
    unit_price: int
    total: int
    discount: int = 0
    discount_label: str = ""
    cart_share: int = 0  # the part of `discount` that is the line's share of the cart's


@dataclass(frozen=True)
class ReceiptPayment:
    """One payment: method is a code of pos.payment_methods (its word prints); amount in cents."""

    method: str
    amount: int


@dataclass(frozen=True)
class Receipt:
    """Everything printed on a ticket de caisse; kind is sale, void or refund."""

    seller: Seller
    number: int
    created_at: datetime
    member: str
    lines: Sequence[ReceiptLine]
    total: int
    vat: Sequence[VatLine]
    payments: Sequence[ReceiptPayment]
    change: int = 0
    kind: str = "sale"
    refers_to: int | None = None
    channel: str = "stall"
    customer: str = ""
    footer: str = ""
    qr_text: str = ""
    duplicate: int = 0
    hash_excerpt: str = ""
    cart_discount_label: str = ""

    @property
    def cart_discount(self) -> int:
        """The cart discount as typed: one amount, however it was spread over the lines."""
        return sum(line.cart_share for line in self.lines)
    order_number: int | None = None  # the order this sale paid (picked up or by transfer)


@dataclass(frozen=True)
class PrintLine:
    """One printed line; a big line is double width and height, so it holds width // 2 chars."""

    text: str = ""
    align: Align = "left"
    bold: bool = False
    big: bool = False
    kind: LineKind = "text"


@dataclass
class _Page:
    """Lines being laid out for one paper width."""

    width: int
    lines: list[PrintLine] = field(default_factory=list)

    def wrapped(
        self, text: str, *, align: Align = "left", bold: bool = False, big: bool = False
    ) -> None:
        room = self.width // 2 if big else self.width
        for part in _wrap(text, room):
            self.lines.append(PrintLine(part, align, bold, big))

    def columns(
        self, left: str, right: str, *, indent: str = "", bold: bool = False, big: bool = False
    ) -> None:
        """Left text and right text on one line when they fit, else on two."""
        room = self.width // 2 if big else self.width
        left, right = indent + clean(left), clean(right)
        if len(left) + 1 + len(right) <= room:
            padded = left + " " * (room - len(left) - len(right)) + right
            self.lines.append(PrintLine(padded, "left", bold, big))
            return
        for part in _wrap(left, room, indent, indent):
            self.lines.append(PrintLine(part, "left", bold, big))
        self.wrapped(right, align="right", bold=bold, big=big)

    def rule(self, char: str = "-") -> None:
        self.lines.append(PrintLine(char * self.width, kind="rule"))


def clean(text: str) -> str:
    """Text safe to print: NFC, no control characters (they would be printer commands)."""
    text = unicodedata.normalize("NFC", str(text))
    out = []
    for char in text:
        category = unicodedata.category(char)
        out.append(" " if category.startswith(("C", "Z")) else char)
    return "".join(out).strip()


def money(cents: int) -> str:
    """An amount as printed: "1 234,50 €" with plain ASCII spaces, "-3,50 €" below zero.

    No receipt code page (CP858, CP1252) has the minus sign U+2212 of the screens: paper
    prints every negative amount with the hyphen it has, so the preview is the paper.
    """
    return clean(format_eur(cents, "fr_FR")).replace(MINUS, "-")


def _amount(cents: int) -> str:
    return money(cents).removesuffix("€").strip()


def _rate(bp: int) -> str:
    return clean(format_rate(bp, "fr_FR"))


def _wrap(text: str, width: int, indent: str = "", first: str = "") -> list[str]:
    lines = textwrap.wrap(
        clean(text),
        width,
        initial_indent=first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )
    return lines or [""]


def _when(moment: datetime, tz: str) -> str:
    # A naive time is taken as already local: better a receipt than none after a sale.
    if moment.tzinfo is None:
        return moment.strftime("%d/%m/%Y %H:%M")
    return for_people(moment, tz)


def _siret(siret: str) -> str:
    digits = siret.replace(" ", "")
    if len(digits) == 14 and is_digits(digits, 14):
        return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"
    return siret


def _header(page: _Page, seller: Seller) -> None:
    page.wrapped(seller.brand, align="center", bold=True, big=True)
    page.wrapped(seller.legal_name, align="center")
    for part in str(seller.address).splitlines():
        page.wrapped(part, align="center")
    if seller.siret:
        page.wrapped(f"SIRET : {_siret(seller.siret)}", align="center")
    if seller.vat_number:
        page.wrapped(f"TVA intracom. : {seller.vat_number}", align="center")
    page.rule()


def _heading(page: _Page, receipt: Receipt, tz: str) -> None:
    if receipt.duplicate > 0:
        page.wrapped(f"DUPLICATA (n° {receipt.duplicate})", align="center", bold=True)
    titles = {"void": "ANNULATION", "refund": "REMBOURSEMENT"}
    if receipt.kind in titles:
        title = titles[receipt.kind]
        if receipt.refers_to is not None:
            title += f" du ticket n° {receipt.refers_to}"
        page.wrapped(title, align="center", bold=True)
    page.columns(f"Ticket n° {receipt.number}", _when(receipt.created_at, tz))
    if clean(receipt.member):
        page.wrapped(f"Vendu par {receipt.member}")
    channel = CHANNEL_NAMES.get(receipt.channel, f"Canal : {receipt.channel}")
    if channel:
        page.wrapped(channel)
    if receipt.order_number:
        page.wrapped(f"Commande n° {receipt.order_number}", bold=True)
    if clean(receipt.customer):
        page.wrapped(f"Client : {receipt.customer}")
    page.rule()


def _items(page: _Page, lines: Iterable[ReceiptLine]) -> None:
    for line in lines:
        for part in _wrap(f"{line.quantity} x {line.name}", page.width, "  "):
            page.lines.append(PrintLine(part))
        unit, amount = money(line.unit_price), money(line.quantity * line.unit_price)
        prices = f"{unit}  {amount:>11}"
        if len(prices) <= page.width:
            page.lines.append(PrintLine(prices, "right"))
        else:
            page.wrapped(unit, align="right")
            page.wrapped(amount, align="right")
        own = line.discount - line.cart_share
        if own:
            page.columns(line.discount_label or "Remise", money(-own), indent="  ")


def _cart_discount(page: _Page, receipt: Receipt) -> None:
    if receipt.cart_discount:
        label = " ".join(filter(None, ("Remise", clean(receipt.cart_discount_label))))
        page.columns(label, money(-receipt.cart_discount))


def _vat_table(page: _Page, vat: Sequence[VatLine]) -> None:
    rows = [(_rate(v.rate), _amount(v.base), _amount(v.vat), _amount(v.total)) for v in vat]
    if len(vat) > 1:
        sums = (sum(v.base for v in vat), sum(v.vat for v in vat), sum(v.total for v in vat))
        rows.append(("Total", *(_amount(s) for s in sums)))
    rows.insert(0, ("Taux", "HT", "TVA", "TTC"))
    first = max(len(row[0]) for row in rows)
    cell = (page.width - first) // 3
    if all(len(value) < cell for row in rows for value in row[1:]):
        for row in rows:
            page.lines.append(
                PrintLine(row[0].ljust(first) + "".join(v.rjust(cell) for v in row[1:]))
            )
        return
    # Too narrow for a table (huge amounts on 58 mm): one block per rate instead.
    for row in rows[1:]:
        page.wrapped(f"Taux {row[0]}" if row[0] != "Total" else "Total")
        for label, value in zip(("HT", "TVA", "TTC"), row[1:], strict=True):
            page.columns(label, f"{value} €", indent="  ")


def _totals(page: _Page, receipt: Receipt) -> None:
    page.columns("TOTAL TTC", money(receipt.total), bold=True, big=True)
    if receipt.seller.vat_franchise:
        page.wrapped(FRANCHISE_MENTION)
    elif receipt.vat:
        _vat_table(page, receipt.vat)
    page.rule()
    for payment in receipt.payments:
        page.columns(METHOD_NAMES.get(payment.method, "Autre"), money(payment.amount))
    if receipt.change:
        page.columns("Rendu", money(receipt.change))


def _closing(page: _Page, receipt: Receipt) -> None:
    if clean(receipt.hash_excerpt):
        page.wrapped(f"Empreinte : {receipt.hash_excerpt}")
    for part in str(receipt.footer).splitlines():
        page.wrapped(part, align="center")
    if clean(receipt.qr_text):
        page.lines.append(PrintLine(receipt.qr_text, "center", kind="qr"))
    page.lines.append(PrintLine(kind="cut"))


def layout(receipt: Receipt, width: int, *, tz: str | None = None) -> list[PrintLine]:
    """Lay out a receipt in French for a paper `width` (32 or 48 characters).

    Times print in `tz`, else the seller's (the coop's) zone.
    """
    page = _Page(width)
    _header(page, receipt.seller)
    _heading(page, receipt, tz or receipt.seller.zone)
    _items(page, receipt.lines)
    _cart_discount(page, receipt)
    page.rule()
    _totals(page, receipt)
    _closing(page, receipt)
    return page.lines


def render_text(lines: Iterable[PrintLine], width: int) -> str:
    """The plain-text preview of printed lines, aligned as the printer aligns them."""
    out = []
    for line in lines:
        if line.kind in ("cut", "logo"):
            continue
        text = "[code QR]" if line.kind == "qr" else line.text
        if line.align == "center" or line.kind == "qr":
            text = text.center(width)
        elif line.align == "right":
            text = text.rjust(width)
        out.append(text.rstrip())
    return "\n".join(out) + "\n"


def test_page(seller: Seller, width: int) -> list[PrintLine]:
    """A test page with every French character, a ruler and each style, to check a printer."""
    page = _Page(width)
    _header(page, seller)
    page.wrapped("PAGE DE TEST", align="center", bold=True)
    page.wrapped(f"Largeur : {width} caractères")
    page.lines.append(PrintLine(("1234567890" * 7)[:width]))
    page.wrapped(FRENCH_CHARACTERS)
    page.wrapped(FRENCH_PUNCTUATION)
    page.wrapped("« L’œuvre de Noël — déjà payée, ça coûte 12,50 € »")
    page.wrapped("Gras : Œufs brouillés", bold=True)
    page.wrapped("Étal €", align="center", big=True)
    page.columns("Kokedama mousse", money(123450))
    page.wrapped(money(2550), align="right")
    page.rule()
    page.lines.append(PrintLine("Étal : test", "center", kind="qr"))
    page.lines.append(PrintLine(kind="cut"))
    return page.lines


test_page.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


# --- From the journal -------------------------------------------------------------------


def seller_of(settings: dict[str, str]) -> Seller:
    """The seller printed at the top: the CAE's identity and the coop's brand."""
    return Seller(
        brand=settings["brand"],
        legal_name=settings["legal_name"],
        address=settings["address"],
        siret=settings["siret"],
        vat_number=settings["vat_number"],
        vat_franchise=settings["vat_franchise"] == "1",
        zone=settings.get("timezone") or DEFAULT_ZONE,
    )


def receipt_of(sale: dict, settings: dict[str, str], duplicate: int = 0) -> Receipt:
    """The receipt value of a sale, void or refund."""
    return Receipt(
        seller=seller_of(settings),
        number=sale["number"],
        created_at=datetime.fromisoformat(sale["created_at"]),
        member=sale["seller"],
        lines=[
            ReceiptLine(
                name=ln["short_name"] or ln["name"],
                quantity=ln["quantity"],
                unit_price=ln["unit_price"],
                total=ln["total"],
                discount=ln["discount"],
                discount_label=ln["discount_reason"]
                if ln["discount"] != ln.get("cart_share", 0)
                else "",
                cart_share=ln.get("cart_share", 0),
            )
            for ln in sale["lines"]
        ],
        cart_discount_label=sale["discount_reason"],
        total=sale["total"],
        vat=sale["vat"],
        payments=[ReceiptPayment(p["method"], p["amount"]) for p in sale["payments"]],
        change=sale["change"],
        kind=sale["kind"],
        refers_to=sale["refers_to"],
        channel=sale["channel"],
        customer=sale["customer"],
        footer=settings["receipt_footer"],
        duplicate=duplicate,
        hash_excerpt=sale["hash"][:4].upper(),
        qr_text=settings.get("receipt_qr", "") or public_url(settings),
        order_number=sale.get("order_number"),
    )
