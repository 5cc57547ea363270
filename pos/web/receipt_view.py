"""The receipt on screen: the same layout the printer gets, as text."""

from __future__ import annotations

from sqlite_utils import Database

from pos.db import coop
from pos.receipts import layout, receipt_of, render_text

DEFAULT_WIDTH = 32


def receipt_text(db: Database, sale: dict, width: int = DEFAULT_WIDTH, duplicate: int = 0) -> str:
    """The receipt as text, exactly as laid out for the printer."""
    receipt = receipt_of(sale, coop.load_settings(db), duplicate)
    return render_text(layout(receipt, width), width)
