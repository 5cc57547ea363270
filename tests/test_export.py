"""`pos export`: the CSV files in both dialects, the FEC, period filters, and the reconciliation."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos import clock
from pos import db as database
from pos.cart import Discount, Item, Payment, price_cart
from pos.cli import main
from pos.db import now_iso
from pos.db import sales as journal
from pos.db import till as store
from pos.errors import InvalidInput, NotAllowed, OutOfStock
from pos.exports import CSV_EXPORTS
from pos.fec import FEC_COLUMNS
from tests.conftest import FLOAT, copy_seeded, product_id
from tests.fec_check import validate_fec

AWA = {"id": 1, "name": "Awa"}
CSV_FILES = sorted(CSV_EXPORTS)
SALES_COLUMNS = [
    "sale_number",
    "sold_at",
    "channel",
    "seller",
    "product",
    "quantity",
    "unit_price",
    "vat_rate",
    "total",
    "vat",
]


def today() -> date:
    return clock.local(clock.now()).date()


def sell(db, lines: list[tuple[str, int]], payments: list[Payment], discount=None) -> int:
    items = []
    for name, quantity in lines:
        pid = product_id(db, name)
        price, rate, cost = db.execute(
            "SELECT price, vat_rate, unit_cost FROM products WHERE id = ?", [pid]
        ).fetchone()
        items.append(Item(pid, name, price, rate, quantity, unit_cost=cost))
    return journal.record_sale(db, price_cart(items, discount), payments, member=AWA)[0]


def small_week(db) -> None:
    """A sale with change, a discounted card sale, a refund, a void, an expense, the Z."""
    sell(db, [("Kokedama", 1), ("Cookie", 2)], [Payment("cash", 2000)])
    sell(db, [("Café", 3)], [Payment("card", 400)], Discount("amount", 50, "geste"))
    number = sell(db, [("Cookie", 1)], [Payment("cheque", 250)])
    journal.record_refund(db, number, [(product_id(db, "Cookie"), 1)], "cash", member=AWA)
    void = sell(db, [("Kokedama", 1)], [Payment("card", 1250)])
    journal.record_void(db, void, member=AWA, undo_minutes=5)
    db["expenses"].insert(
        {
            "spent_on": today().isoformat(),
            "supplier": "Marché",
            "category": "stall_fee",
            "total": 1500,
            "vat_rate": 2000,
            "paid_from": "till",
            "label": "place",
            "created_at": now_iso(),
        }
    )
    status = store.day_status(db, store.current_day(db))
    store.close_day(db, AWA, {1: status["expected_cash"]}, "", 200)


def export(runner, db_path: Path, out: Path, *args: str):
    result = runner.invoke(main, ["export", "--db", str(db_path), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    for fec in out.glob("*.txt"):
        validate_fec(fec.read_bytes())
    return result


def read_plain(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_fec(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8")
    assert "\r\n" in text
    return [line.split("\t") for line in text.splitlines()]


def fec_name(start: date | None = None, end: date | None = None) -> str:
    """The FEC of a period is an import file: "<SIREN>-ecritures-<from>-<to>.txt"."""
    first = f"{start:%Y%m%d}" if start else "debut"
    return f"900000000-ecritures-{first}-{end or today():%Y%m%d}.txt"


def test_plain_export_files_headers_and_negative_lines(db, db_path, runner, tmp_path):
    small_week(db)
    result = export(runner, db_path, tmp_path / "out", "--dialect", "plain")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted([*CSV_FILES, fec_name()])
    assert fec_name() in result.output
    lines = read_plain(tmp_path / "out" / "sales-lines.csv")
    assert set(SALES_COLUMNS) <= set(lines[0])
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", r["sold_at"]) for r in lines
    )
    kinds = {r["kind"]: r for r in lines}
    assert kinds["refund"]["quantity"] == "-1" and kinds["refund"]["total"] == "-2.50"
    assert kinds["void"]["total"] == "-12.50" and kinds["void"]["vat_rate"] == "20.00"
    cafe = next(r for r in lines if r["product"] == "Café")
    assert (cafe["unit_price"], cafe["discount"], cafe["total"]) == ("1.50", "0.50", "4.00")
    total = sum(Decimal(r["total"]) for r in lines)
    assert total == Decimal("21.50")  # 17,50 + 4,00; the refund and the void net to nothing
    payments = read_plain(tmp_path / "out" / "payments.csv")
    assert sum(Decimal(p["amount"]) - Decimal(p["change"]) for p in payments) == total
    [closure] = read_plain(tmp_path / "out" / "closures.csv")
    assert Decimal(closure["total_ttc"]) == total and closure["cash_difference"] == "0.00"
    [expense] = read_plain(tmp_path / "out" / "expenses.csv")
    assert (expense["total"], expense["vat"], expense["category"]) == ("15.00", "2.50", "stall_fee")
    moves = read_plain(tmp_path / "out" / "stock-movements.csv")
    assert {m["kind"] for m in moves} >= {"initial", "sale", "refund", "void"}


def test_french_export_reads_back_in_a_spreadsheet(db, db_path, runner, tmp_path):
    small_week(db)
    export(runner, db_path, tmp_path / "fr")
    with (tmp_path / "fr" / "sales-lines.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0][:5] == ["Journée de caisse", "N° de Z", "N° de vente", "Date", "Heure"]
    kokedama = next(r for r in rows[1:] if r[9] == "Kokedama")
    assert kokedama[11] == "12,50" and kokedama[13] == "20" and kokedama[14] == "12,50"
    assert rows[1][3] == today().isoformat() and re.fullmatch(r"\d\d:\d\d:\d\d", rows[1][4])
    raw = (tmp_path / "fr" / "payments.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw


def test_fec_is_well_formed_and_balanced(db, db_path, runner, tmp_path):
    small_week(db)
    export(runner, db_path, tmp_path / "out")
    rows = read_fec(tmp_path / "out" / fec_name())
    assert tuple(rows[0]) == FEC_COLUMNS and len(FEC_COLUMNS) == 18
    body = rows[1:]
    assert body and all(len(r) == 18 for r in body)
    amount = re.compile(r"\d+,\d\d")
    entries: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in body:
        assert re.fullmatch(r"\d{8}", r[3]) and r[3] == r[9] == f"{today():%Y%m%d}"
        assert amount.fullmatch(r[11]) and amount.fullmatch(r[12])
        debit, credit = (int(r[i].replace(",", "")) for i in (11, 12))
        entries[(r[0], r[2])][0] += debit
        entries[(r[0], r[2])][1] += credit
    assert all(d == c for d, c in entries.values())
    for journal_code in {code for code, _ in entries}:
        numbers = sorted(int(n) for code, n in entries if code == journal_code)
        assert numbers == list(range(1, len(numbers) + 1))
    accounts = {r[4] for r in body}
    assert {"530", "5115", "701", "445711", "445712", "613", "44566"} <= accounts
    # The day's takings by method, net of change: card 4,00 (the void took its 12,50 back).
    card = [r for r in body if r[0] == "VT" and r[4] == "5115"]
    assert [(c[11], c[12]) for c in card] == [("4,00", "0,00")]


def test_from_and_to_keep_only_the_period(db, db_path, runner, tmp_path, till_clock):
    small_week(db)
    later = today() + timedelta(days=2)
    till_clock(2 * 86400)
    store.open_day(db, AWA, FLOAT)
    sell(db, [("Cookie", 3)], [Payment("card", 750)])
    db["expenses"].insert(
        {
            "spent_on": later.isoformat(),
            "supplier": "X",
            "category": "materials",
            "total": 600,
            "vat_rate": 550,
            "paid_from": "bank",
            "label": "",
            "created_at": now_iso(),
        }
    )
    till_clock(0)
    first = today().isoformat()
    export(runner, db_path, tmp_path / "a", "--to", first, "--dialect", "plain")
    export(
        runner,
        db_path,
        tmp_path / "b",
        "--from",
        later.isoformat(),
        "--to",
        later.isoformat(),
        "--dialect",
        "plain",
    )
    a, b = (
        read_plain(tmp_path / "a" / "sales-lines.csv"),
        read_plain(tmp_path / "b" / "sales-lines.csv"),
    )
    assert all(r["sold_at"].startswith(first) for r in a) and len(a) == 7
    assert [(r["product"], r["total"]) for r in b] == [("Cookie", "7.50")]
    assert len(read_plain(tmp_path / "b" / "closures.csv")) == 0
    assert [e["total"] for e in read_plain(tmp_path / "b" / "expenses.csv")] == ["6.00"]
    fec_b = read_fec(tmp_path / "b" / fec_name(later, later))
    # the open day is not in the FEC yet; the bank expense recorded with no day open is
    assert {(r[0], r[3]) for r in fec_b[1:]} == {("AC", f"{later:%Y%m%d}")}
    bad = runner.invoke(
        main,
        [
            "export",
            "--db",
            str(db_path),
            "--out",
            str(tmp_path / "c"),
            "--from",
            later.isoformat(),
            "--to",
            first,
        ],
    )
    assert bad.exit_code == 1 and "Erreur" in bad.output


def test_the_bundle_zip_downloaded_by_an_admin_has_every_file(actions, client, db):
    actions.login("Awa")
    small_week(db)
    response = client.get(f"/accounts/bundle.zip?from={today()}&to={today()}&dialect=plain")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    names = sorted(n.split("/", 1)[1] for n in bundle.namelist())
    assert names == sorted([*CSV_FILES, fec_name(today())])
    folder = bundle.namelist()[0].split("/")[0]
    validate_fec(bundle.read(f"{folder}/{fec_name(today())}"))
    folder = bundle.namelist()[0].split("/")[0]
    lines = list(csv.DictReader(io.StringIO(bundle.read(f"{folder}/sales-lines.csv").decode())))
    assert len(lines) == 7


# --- Everything reconciles, whatever the week ----------------------------------------------

PRODUCTS = ["Kokedama", "Cookie", "Dernier pot", "Café"]
line_st = st.tuples(st.sampled_from(PRODUCTS), st.integers(1, 4))
discount_st = st.one_of(
    st.none(),
    st.builds(Discount, st.just("percent"), st.integers(1, 5000)),
    st.builds(Discount, st.just("amount"), st.integers(1, 800)),
)
action_st = st.one_of(
    st.tuples(
        st.just("sale"),
        st.lists(line_st, min_size=1, max_size=3),
        discount_st,
        st.sampled_from(["cash", "card", "cheque", "transfer", "split"]),
        st.integers(0, 3000),
    ),
    st.tuples(st.just("void")),
    st.tuples(st.just("refund"), st.sampled_from(["cash", "card", "cheque"])),
)
day_st = st.lists(action_st, min_size=1, max_size=8)


def _payments(total: int, method: str, extra: int) -> list[Payment]:
    if total == 0:
        return []
    if method == "cash":
        return [Payment("cash", total + extra)]
    if method == "split" and total > 1:
        card = total // 2
        return [Payment("card", card), Payment("cash", total - card + extra)]
    return [Payment("card" if method == "split" else method, total)]


def _play(db, action, last: int | None) -> int | None:
    try:
        if action[0] == "sale":
            _, lines, discount, method, extra = action
            items = []
            for name, quantity in lines:
                pid = product_id(db, name)
                price, rate, cost = db.execute(
                    "SELECT price, vat_rate, unit_cost FROM products WHERE id=?", [pid]
                ).fetchone()
                items.append(Item(pid, name, price, rate, quantity, unit_cost=cost))
            cart = price_cart(items, discount)
            return journal.record_sale(db, cart, _payments(cart.total, method, extra), member=AWA)[
                0
            ]
        if action[0] == "void" and last:
            journal.record_void(db, last, member=AWA, undo_minutes=5)
        elif action[0] == "refund" and last:
            sale = journal.get_sale(db, last)
            journal.record_refund(
                db, last, [(sale["lines"][0]["product_id"], 1)], action[1], member=AWA
            )
    except (InvalidInput, NotAllowed, OutOfStock):
        pass  # refused: nothing recorded
    return last


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    days=st.lists(day_st, min_size=1, max_size=3),
    leave_last_open=st.booleans(),
    expenses=st.lists(st.tuples(st.integers(1, 9000), st.sampled_from([0, 550, 2000])), max_size=3),
)
def test_lines_payments_closures_and_fec_reconcile(
    tmp_path_factory, runner, till_clock, seeded, days, leave_last_open, expenses
):
    folder = tmp_path_factory.mktemp("week")
    path = copy_seeded(seeded, "closed", folder / "coop.db")
    db = database.connect(path)
    try:
        for index, actions in enumerate(days):
            till_clock(-(len(days) - 1 - index) * 86400)
            store.open_day(db, AWA, FLOAT)
            last = None
            for action in actions:
                last = _play(db, action, last)
            for total, rate in expenses:
                db["expenses"].insert(
                    {
                        "spent_on": today().isoformat(),
                        "supplier": "S",
                        "category": "materials",
                        "total": total,
                        "vat_rate": rate,
                        "paid_from": "bank",
                        "label": "",
                        "created_at": now_iso(),
                    }
                )
            if not (leave_last_open and index == len(days) - 1):
                status = store.day_status(db, store.current_day(db))
                store.close_day(db, AWA, {1: max(status["expected_cash"], 0)}, "écart", 10**9)
    finally:
        till_clock(0)
        db.close()
    out = folder / "out"
    export(runner, path, out, "--dialect", "plain")
    lines = read_plain(out / "sales-lines.csv")
    lines_total = sum(_cents(r["total"]) for r in lines)
    paid = sum(_cents(p["amount"]) - _cents(p["change"]) for p in read_plain(out / "payments.csv"))
    closures = sum(_cents(c["total_ttc"]) for c in read_plain(out / "closures.csv"))
    open_day_total = sum(
        _cents(r["total"])
        for r in lines
        if leave_last_open and r["sold_at"].startswith(today().isoformat())
    )
    fec = read_fec(out / fec_name())[1:]
    sales_credits = sum(
        int(r[12].replace(",", "")) - int(r[11].replace(",", ""))
        for r in fec
        if r[0] == "VT" and (r[4].startswith("70") or r[4].startswith("4457"))
    )
    assert lines_total == paid
    assert closures == sales_credits == lines_total - open_day_total  # an open day waits
    by_entry: dict[tuple[str, str], int] = defaultdict(int)
    for r in fec:
        by_entry[(r[0], r[2])] += int(r[11].replace(",", "")) - int(r[12].replace(",", ""))
    assert all(balance == 0 for balance in by_entry.values())
    assert sum(1 for code, _ in by_entry if code == "AC") == len(expenses) * len(days)
