"""SQL statements per payment, counted with sqlite3's set_trace_callback.

    .venv/bin/python benchmarks/statements.py [--show]

On a fresh `pos demo` coop with the till open, a member logged in on the sell screen puts two
products in the cart and pays by card (`POST /sell/pay`, as htmx sends it); then a whole sale as
the sell screen sends it (tap, tap, pay: `POST /sell/cart/add/<id>` twice and `POST
/sell/cart/act`, the payment's answer bringing the tiles); a script records the same sale
through `POST /api/v1/sales`. Every statement SQLite runs for those requests is counted
(`--show` lists them). tests/test_statements.py keeps each count within BUDGET, so a change
that adds statements to the sale path has to say so here.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

# What a payment costs today; lower it when the sale path gets lighter, never raise it quietly.
# The payment was 17 and its tiles' refresh (a second request, GET /sell/tiles) 9 more; the
# payment's answer now brings the tiles (3 statements) and a tap reads its products once.
# The API sale was 15: a new key no longer costs the two retry look-ups. Products are read at
# today's price in one statement (the markdown in force is a subquery): 2 fewer for the screen's
# sale (each tap), 1 fewer for the API's.
BUDGET = {"sell screen": 16, "sell screen sale": 24, "api": 11}


def fresh_coop(folder: Path) -> Path:
    """A `pos demo` coop with the till opened (a 20 € note as float)."""
    from click.testing import CliRunner

    from pos import db as database
    from pos.cli import main
    from pos.db.till import open_day

    path = folder / "coop.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(path)])
    assert result.exit_code == 0, result.output
    conn = database.connect(path)
    open_day(conn, None, {2000: 1})
    conn.close()
    return path


def _counted(app, *sends) -> list[str]:
    """The statements run by the requests `sends` make, on the app's pooled connection."""
    pool = app.extensions.get("etal_idle_connections", [])
    assert len(pool) == 1, "one pooled connection expected after the warm-up requests"
    seen: list[str] = []
    # The request's connection, and the app's writer, which runs the sale's transaction.
    traced = [conn.conn for conn in (pool[0], app.extensions.get("etal_writer")) if conn]
    for conn in traced:
        conn.set_trace_callback(seen.append)
    try:
        for send in sends:
            response = send()
            assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
    finally:
        for conn in traced:
            conn.set_trace_callback(None)
    return seen


class _Screen:
    """The sell screen's requests: a tap keeps the cart it answers, whose key and `seen` the
    payment sends (as the page's card button does)."""

    def __init__(self, client, headers: dict):
        self.client, self.headers, self.cart = client, headers, ""

    def tap(self, product: int):
        def send():
            response = self.client.post(f"/sell/cart/add/{product}", headers=self.headers)
            self.cart = response.get_data(as_text=True)
            return response

        return send

    def pay(self):
        key = re.search(r'name="key" value="(\w+)"', self.cart)
        seen = re.search(r'name="seen" id="seen" value="([^"]*)"', self.cart)
        form = {"key": key.group(1), "seen": seen.group(1), "act": "pay:card"}
        return self.client.post("/sell/cart/act", data=form, headers=self.headers)


def statements_per_payment(db_path: Path) -> dict[str, list[str]]:
    """The statements of one card payment of two products, by the sell screen and by the API."""
    from pos import db as database
    from pos.db import coop
    from pos.web.app import create_app

    conn = database.connect(db_path)
    member_id, pin = conn.execute("SELECT id FROM members ORDER BY id").fetchone()[0], "1234"
    products = [r[0] for r in conn.execute("SELECT id FROM products WHERE active = 1 LIMIT 2")]
    token = coop.insert_token(conn, "statements")
    conn.close()

    app = create_app(db_path, TESTING=True)
    client = app.test_client()
    page = client.get(f"/login/{member_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/login/{member_id}", data={"pin": pin, "csrf_token": csrf})
    page = client.get("/sell").get_data(as_text=True)
    headers = {
        "HX-Request": "true",
        "X-CSRFToken": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
    }
    screen = _Screen(client, headers)
    for product in products:
        screen.tap(product)()
    sell = _counted(app, screen.pay)
    sale = _counted(app, *(screen.tap(product) for product in products), screen.pay)

    lines = [{"product_id": p, "quantity": 1} for p in products]
    conn = database.connect(db_path)
    total = sum(
        conn.execute("SELECT price FROM products WHERE id = ?", [p]).fetchone()[0] for p in products
    )
    conn.close()
    amount = f"{total // 100}.{total % 100:02d}"
    body = {"lines": lines, "payments": [{"method": "card", "amount": amount}]}
    api_headers = {"Authorization": f"Bearer {token}"}

    def api_sale(key: str):
        return client.post(
            "/api/v1/sales", json=body, headers={**api_headers, "Idempotency-Key": key}
        )

    api_sale("statements-0")  # a server's first call reads what it keeps (earlier answers)
    api = _counted(app, lambda: api_sale("statements-1"))
    return {"sell screen": sell, "sell screen sale": sale, "api": api}


def main() -> int:
    """Print the counts (and with --show, the statements); exit 1 above the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every statement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        counted = statements_per_payment(fresh_coop(Path(folder)))
    over = False
    for kind, statements in counted.items():
        what = "sale (tap, tap, pay)" if kind.endswith("sale") else "payment"
        print(f"{kind}: {len(statements)} statements per {what} (budget {BUDGET[kind]})")
        over |= len(statements) > BUDGET[kind]
        if args.show:
            for sql in statements:
                print("   ", " ".join(sql.split())[:160])
    return 1 if over else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
