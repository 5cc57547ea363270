"""A ready-to-try coop: the brand, the CAE, three members, a week's production and its plan."""

from __future__ import annotations

from datetime import timedelta

from sqlite_utils import Database

from pos import clock
from pos.accounts import Period
from pos.db import coop
from pos.db import plan as plan_store
from pos.db.accounts import save_categories_revenue
from pos.db.catalogue import insert_category, insert_product, list_products

SETTINGS = {
    "brand": "Mousse & Miettes",
    "legal_name": "CAE Coopérer pour Entreprendre (démo)",
    "address": "12 rue des Halles, 44000 Nantes",
    "siret": "90000000100017",
    "vat_number": "FR00900000000",
    "vat_franchise": "0",
    "receipt_footer": "Merci ! Flashcoop d'une semaine, produits faits main.",
    "sales_goal": "150000",
    # The week's fixed costs (cents): 4 market days at 15 €, the pay the members aim for, the CAE.
    "stall_fee": "6000",
    "target_pay": "100000",
    "cae_contribution": "8000",
}
MEMBERS = [("Awa", "1234", "admin"), ("Léo", "2345", "member"), ("Inès", "3456", "member")]
CATALOGUE = {
    "Kokedamas": [
        ("Kokedama fougère", "Koke. fougère", 1800, 2000, 520, "🪴", "#1b5e20", 40),
        ("Kokedama lierre", "Koke. lierre", 1500, 2000, 450, "🌿", "#2e7d32", 60),
        ("Mini kokedama", "Mini koke.", 800, 1000, 210, "🌱", "#33691e", 120),
    ],
    "Pâtisseries": [
        ("Cookie chocolat", "Cookie", 250, 550, 60, "🍪", "#6d4c41", 200),
        ("Financier amande", "Financier", 200, 550, 45, "🧁", "#8d6e63", 150),
        ("Tarte aux pommes (part)", "Tarte pommes", 350, 550, 90, "🥧", "#a1887f", 48),
    ],
    "Boissons": [
        ("Jus de pomme", "Jus pomme", 300, 550, 110, "🧃", "#ef6c00", 36),
        ("Café", "Café", 150, 1000, 25, "☕", "#3e2723", None),
    ],
}
# The prévisionnel: units planned to sell (all the stock is made; more kokedamas than will sell).
TO_SELL = {
    "Kokedama fougère": 30,
    "Kokedama lierre": 40,
    "Mini kokedama": 70,
    "Cookie chocolat": 160,
    "Financier amande": 110,
    "Tarte aux pommes (part)": 40,
    "Jus de pomme": 30,
    "Café": 80,
}
PLAN_LINES = [
    {"kind": "fixed", "label": "Flyers et affiche", "amount": 2500, "upfront": True},
    {"kind": "own", "label": "Apport de la CAE", "amount": 30000, "upfront": True},
    {"kind": "loan", "label": "Prêt de la banque (simulé)", "amount": 100000, "upfront": True},
]
MARKET_DAYS = 4  # today and the next three days; the week began three days ago
FLOAT = 10000


def load_plan(db: Database) -> None:
    """The demo's prévisionnel, so that break-even and projection mean something at once."""
    today = clock.local(clock.now()).date()
    products = [
        {
            "product_id": p["id"],
            "units_made": p["stock"] if p["track_stock"] else TO_SELL[p["name"]],
            "units_to_sell": TO_SELL[p["name"]],
            "unit_cost": p["unit_cost"],
            "price": p["base_price"],
        }
        for p in list_products(db)
    ]
    start = today - timedelta(days=7 - MARKET_DAYS)
    coop.save_settings(db, {"week_start": start.isoformat()})
    plan_store.save_plan(
        db,
        {
            "products": products,
            "lines": PLAN_LINES,
            **{k: SETTINGS[k] for k in ("stall_fee", "target_pay", "cae_contribution")},
            "float": FLOAT,
            "market_hours": 6,
            "market_days": [(today + timedelta(days=i)).isoformat() for i in range(MARKET_DAYS)],
        },
        week=Period(start, start + timedelta(days=6)),
    )


RESOLD = ("Boissons",)


def load_demo(db: Database) -> list[tuple[str, str, str]]:
    """Fill an empty coop database; return the members (name, PIN, role)."""
    coop.save_settings(db, SETTINGS)
    for name, pin, role in MEMBERS:
        coop.insert_member(db, name, pin, role)
    for category, products in CATALOGUE.items():
        category_id = insert_category(db, category)
        if category in RESOLD:  # bought to resell (the juice): 707, not 701
            save_categories_revenue(db, {category_id: "goods"})
        for position, (name, short, price, vat, cost, emoji, color, stock) in enumerate(products):
            insert_product(
                db,
                {
                    "category_id": category_id,
                    "name": name,
                    "short_name": short,
                    "price": price,
                    "vat_rate": vat,
                    "unit_cost": cost,
                    "emoji": emoji,
                    "color": color,
                    "track_stock": int(stock is not None),
                    "position": position,
                    "low_stock": 5,
                },
                stock=stock or 0,
            )
    load_plan(db)
    return MEMBERS
