"""A journal entry and the coop settings become the receipt value the printer and screen share."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from pos.db import coop
from pos.receipts import Receipt, ReceiptLine, ReceiptPayment, Seller, layout, render_text

DEFAULT_WIDTH = 32


def seller_of(settings: dict[str, str]) -> Seller:
    """The seller printed at the top: the CAE's identity and the coop's brand."""
    return Seller(
        brand=settings["brand"],
        legal_name=settings["legal_name"],
        address=settings["address"],
        siret=settings["siret"],
        vat_number=settings["vat_number"],
        vat_franchise=settings["vat_franchise"] == "1",
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
                discount_label=ln["discount_reason"],
            )
            for ln in sale["lines"]
        ],
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
        qr_text=settings.get("receipt_qr", ""),
    )


def receipt_text(db: Database, sale: dict, width: int = DEFAULT_WIDTH, duplicate: int = 0) -> str:
    """The receipt as text, exactly as laid out for the printer."""
    receipt = receipt_of(sale, coop.load_settings(db), duplicate)
    return render_text(layout(receipt, width), width)
