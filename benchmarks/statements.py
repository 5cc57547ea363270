"""SQL statements per payment, counted with sqlite3's set_trace_callback.

    .venv/bin/python benchmarks/statements.py [--show]

On a fresh `pos demo` coop with the till open, a member logged in on the sell screen puts two
products in the cart and pays by card (`POST /sell/pay`, as htmx sends it); a script records the
same sale through `POST /api/v1/sales`. Every statement SQLite runs for that one request is
counted (`--show` lists them). tests/test_statements.py keeps each count within BUDGET, so a
change that adds statements to the sale path has to say so here.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

# What a payment costs today; lower it when the sale path gets lighter, never raise it quietly.
BUDGET = {"sell screen": 25, "api": 15}


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


def _counted(app, send) -> list[str]:
    """The statements run by the request `send()` makes, on the app's pooled connection."""
    pool = app.extensions.get("etal_idle_connections", [])
    assert len(pool) == 1, "one pooled connection expected after the warm-up requests"
    seen: list[str] = []
    pool[0].conn.set_trace_callback(seen.append)
    try:
        response = send()
    finally:
        pool[0].conn.set_trace_callback(None)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:500]
    return seen


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
    for product in products:
        client.post(f"/sell/cart/add/{product}", headers=headers)
    key = re.search(r'name="key" value="(\w+)"', client.get("/sell").get_data(as_text=True))
    form = {"key": key.group(1), "method": "card", "tendered": ""}
    sell = _counted(app, lambda: client.post("/sell/pay", data=form, headers=headers))

    lines = [{"product_id": p, "quantity": 1} for p in products]
    conn = database.connect(db_path)
    total = sum(
        conn.execute("SELECT price FROM products WHERE id = ?", [p]).fetchone()[0] for p in products
    )
    conn.close()
    body = {"lines": lines, "payments": [{"method": "card", "amount": f"{total / 100:.2f}"}]}
    api_headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "statements-1"}
    api = _counted(app, lambda: client.post("/api/v1/sales", json=body, headers=api_headers))
    return {"sell screen": sell, "api": api}


def main() -> int:
    """Print the counts (and with --show, the statements); exit 1 above the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every statement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        counted = statements_per_payment(fresh_coop(Path(folder)))
    over = False
    for kind, statements in counted.items():
        print(f"{kind}: {len(statements)} statements per payment (budget {BUDGET[kind]})")
        over |= len(statements) > BUDGET[kind]
        if args.show:
            for sql in statements:
                print("   ", " ".join(sql.split())[:160])
    return 1 if over else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
