"""The JSON API's shapes shared by its routes (amounts as decimal strings, rates as "20.00")."""

from __future__ import annotations

from pos.money import rate_to_api, to_api


def line_json(line: dict) -> dict:
    """A sale's or an order's line as the API shows it (a sale's adds its discount)."""
    return {
        "product_id": line["product_id"],
        "name": line["name"],
        "quantity": line["quantity"],
        "unit_price": to_api(line["unit_price"]),
        "vat_rate": rate_to_api(line["vat_rate"]),
        "total": to_api(line["total"]),
    }
