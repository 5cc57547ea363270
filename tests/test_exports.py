"""Exports: CSV dialects read back, flat memory, and a balanced, well-formed FEC."""

import csv
import io
import tracemalloc
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.exports import (
    CSV_EXPORTS,
    DIALECTS,
    SALES_LINES_COLUMNS,
    SHARES_COLUMNS,
    Column,
    format_money,
    format_rate_csv,
    iter_csv,
    share_rows,
    write_csv,
)
from pos.fec import (
    DEFAULT_ACCOUNTS,
    FEC_COLUMNS,
    FecLine,
    UnbalancedEntry,
    UnknownAccount,
    check_entry,
    fec_filename,
    purchase_entry,
    sales_day_entry,
    write_fec,
)
from pos.labels import word
from pos.money import parse_amount, split_vat
from pos.shares import Member, share_result

PARIS = timezone(timedelta(hours=2))
SOLD_AT = datetime(2025, 6, 14, 10, 30, 5, tzinfo=PARIS)
DAY = date(2025, 6, 14)


def sale_line(**changes):
    row = {
        "till_day": DAY,
        "closure_number": 3,
        "sale_number": 12,
        "sold_at": SOLD_AT,
        "kind": "sale",
        "refers_to": None,
        "channel": "stall",
        "seller": "Léa",
        "product": "Kokedama; grand",
        "quantity": 2,
        "unit_price": 1250,
        "discount": 0,
        "vat_rate": 550,
        "total": 2500,
        "ht": 2370,
        "vat": 130,
        "order_number": None,
    }
    return {**row, **changes}


def columns(*keys):
    by_key = {c.key: c for c in SALES_LINES_COLUMNS}
    return [by_key[k] for k in keys]


def read_fr(text: str) -> list[list[str]]:
    data = text.encode("utf-8").decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))


@pytest.mark.parametrize(
    ("cents", "fr", "plain"),
    [
        (1250, "12,50", "12.50"),
        (5, "0,05", "0.05"),
        (-1999, "-19,99", "-19.99"),
        (0, "0,00", "0.00"),
    ],
)
def test_format_money(cents, fr, plain):
    assert (format_money(cents), format_money(cents, ".")) == (fr, plain)
    assert format_money(123456789) == "1234567,89"


@pytest.mark.parametrize(
    ("bp", "fr", "plain"),
    [(550, "5,5", "5.50"), (2000, "20", "20.00"), (210, "2,1", "2.10"), (1025, "10,25", "10.25")],
)
def test_format_rate(bp, fr, plain):
    assert (format_rate_csv(bp), format_rate_csv(bp, ".")) == (fr, plain)


def test_french_csv_bytes():
    out = io.StringIO(newline="")
    keys = ("sale_number", "sold_at", "kind", "product", "quantity", "unit_price", "discount")
    keys += ("vat_rate", "total", "ht", "vat")
    write_csv(out, columns(*keys), [sale_line()], "fr")
    raw = out.getvalue().encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").split("\r\n") == [
        "N° de vente;Date;Heure;Type (vente, annulation, remboursement);Produit;Quantité;"
        "Prix unitaire TTC;Remise;Taux de TVA (%);Total TTC;dont HT;dont TVA",
        '12;2025-06-14;10:30:05;Vente;"Kokedama; grand";2;12,50;0,00;5,5;25,00;23,70;1,30',
        "",
    ]


def test_plain_csv_text():
    out = io.StringIO(newline="")
    write_csv(out, SALES_LINES_COLUMNS, [sale_line(refers_to=11, kind="refund")], "plain")
    header, row, end = out.getvalue().split("\r\n")
    assert header.split(",") == [column.key for column in SALES_LINES_COLUMNS]
    assert row == (
        "2025-06-14,3,12,2025-06-14T10:30:05+02:00,refund,11,stall,Léa,Kokedama; grand,2,12.50,"
        "0.00,5.50,25.00,23.70,1.30,"
    )
    assert end == ""


@pytest.mark.parametrize(
    ("text", "fr", "plain"),
    [
        ("=SUM(A1)", "'=SUM(A1)", "'=SUM(A1)"),
        ("@x", "'@x", "'@x"),
        ("+33 6", "'+33 6", "'+33 6"),
        ("-2+3", "'-2+3", "'-2+3"),
        ("\tx", "'\tx", "'\tx"),
        ("Sablés", "Sablés", "Sablés"),
    ],
)
def test_spreadsheet_formulas_are_defused_in_both_dialects(text, fr, plain):
    columns = [Column("product", "product", "Produit")]
    cells = {}
    for name in DIALECTS:
        out = io.StringIO(newline="")
        write_csv(out, columns, [{"product": text}], name)
        cells[name] = out.getvalue().lstrip("\ufeff").split("\r\n")[1]
    assert cells == {"fr": fr, "plain": plain}


def test_datetime_needs_an_offset_and_accepts_iso_text():
    sold_at = columns("sold_at")
    with pytest.raises(ValueError):
        list(iter_csv(sold_at, [{"sold_at": datetime(2025, 6, 14, 10, 30)}]))
    text = "".join(iter_csv(sold_at, [{"sold_at": "2025-06-14T08:30:00+00:00"}], "plain"))
    assert text == "sold_at\r\n2025-06-14T08:30:00+00:00\r\n"
    fr = "".join(iter_csv(sold_at, [{"sold_at": "2025-06-14T08:30:00+02:00"}], "fr"))
    assert fr == "\ufeffDate;Heure\r\n2025-06-14;08:30:00\r\n"


def test_a_missing_key_is_an_error_not_an_empty_cell():
    row = sale_line()
    del row["discount"]
    with pytest.raises(KeyError):
        list(iter_csv(SALES_LINES_COLUMNS, [row]))


def test_chunks_join_to_the_whole_file():
    rows = [sale_line(sale_number=n) for n in range(2000)]
    chunks = list(iter_csv(SALES_LINES_COLUMNS, rows, chunk_chars=4096))
    out = io.StringIO(newline="")
    write_csv(out, SALES_LINES_COLUMNS, rows)
    assert len(chunks) > 10
    assert "".join(chunks) == out.getvalue()
    assert len(read_fr(out.getvalue())) == 2001


def test_export_catalogue():
    assert set(CSV_EXPORTS) == {
        "sales-lines.csv",
        "payments.csv",
        "stock-movements.csv",
        "expenses.csv",
        "closures.csv",
        "member-shares.csv",
        "member-advances.csv",
    }
    required = {"sale_number", "sold_at", "channel", "seller", "product", "quantity"}
    required |= {"unit_price", "vat_rate", "total", "vat", "discount", "kind", "refers_to"}
    assert required <= {column.key for column in CSV_EXPORTS["sales-lines.csv"]}
    for columns in CSV_EXPORTS.values():
        assert len({c.key for c in columns}) == len(columns)
        assert all(c.header == c.key and c.header_fr for c in columns)


def test_member_shares_csv():
    sheet = share_result(1000, [Member("Zoé", 90), Member("Ana", 30)], rule="hours")
    out = io.StringIO(newline="")
    write_csv(out, SHARES_COLUMNS, share_rows(sheet))
    rows = read_fr(out.getvalue())
    assert rows[1:] == [
        ["Zoé", "90", "0,00", "7,50", "0", "7,50"],
        ["Ana", "30", "0,00", "2,50", "0", "2,50"],
    ]


safe_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
cents = st.integers(-(10**9), 10**9)
sales_rows = st.fixed_dictionaries(
    {
        "till_day": st.dates(),
        "closure_number": st.none() | st.integers(1, 10**5),
        "sale_number": st.integers(1, 10**7),
        "sold_at": st.datetimes(timezones=st.sampled_from([PARIS, UTC])),
        "kind": st.sampled_from(["sale", "void", "refund"]),
        "refers_to": st.none() | st.integers(1, 10**7),
        "channel": safe_text,
        "seller": safe_text,
        "product": safe_text,
        "quantity": st.integers(-1000, 1000),
        "unit_price": cents,
        "discount": cents,
        "vat_rate": st.sampled_from([0, 210, 550, 1000, 2000]),
        "total": cents,
        "ht": cents,
        "vat": cents,
        "order_number": st.none() | st.integers(1, 10**6),
    }
)


def _guarded(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@given(st.lists(sales_rows, max_size=20))
def test_french_csv_reads_back_the_same_values(rows):
    out = io.StringIO(newline="")
    write_csv(out, SALES_LINES_COLUMNS, rows, "fr")
    header, *read = read_fr(out.getvalue())
    assert header[:5] == ["Journée de caisse", "N° de Z", "N° de vente", "Date", "Heure"]
    assert len(read) == len(rows)
    keys = [c.key for c in SALES_LINES_COLUMNS]
    keys[3:4] = ["sold_on", "sold_time"]
    for row, cells in zip(rows, read, strict=True):
        back = dict(zip(keys, cells, strict=True))
        assert int(back["sale_number"]) == row["sale_number"]
        local = row["sold_at"]
        assert back["sold_on"] == local.date().isoformat()
        assert back["sold_time"] == f"{local:%H:%M:%S}"
        assert back["refers_to"] == ("" if row["refers_to"] is None else str(row["refers_to"]))
        for key in ("seller", "product"):
            assert back[key] == _guarded(row[key])
        assert back["channel"] == _guarded(word("channel", row["channel"]))  # codes as words
        assert back["kind"] == _guarded(word("entry", row["kind"]))
        for key in ("unit_price", "discount", "total", "ht", "vat"):
            assert parse_amount(back[key], allow_negative=True) == row[key]
        assert int(back["quantity"]) == row["quantity"]
        assert round(float(back["vat_rate"].replace(",", ".")) * 100) == row["vat_rate"]


@given(st.lists(sales_rows, max_size=10))
def test_plain_csv_reads_back_the_same_values(rows):
    out = io.StringIO(newline="")
    write_csv(out, SALES_LINES_COLUMNS, rows, "plain")
    read = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [r["product"] for r in read] == [_guarded(row["product"]) for row in rows]
    assert [parse_amount(r["total"], allow_negative=True) for r in read] == [
        row["total"] for row in rows
    ]


def csv_peak(path, count: int) -> int:
    """The peak memory traced while writing `count` sale lines to a CSV file."""
    rows = (sale_line(sale_number=n, product=f"Produit {n % 97}") for n in range(count))
    tracemalloc.start()
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            write_csv(out, SALES_LINES_COLUMNS, rows, "fr")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_rows_stream_with_flat_memory(tmp_path):
    small = csv_peak(tmp_path / "small.csv", 1_000)
    large = csv_peak(tmp_path / "large.csv", 10_000)
    # Ten times the rows (9,000 more, about 0.8 MB more written), not a kilobyte more memory
    # beyond noise: a writer that kept its rows or its text would be megabytes above.
    assert large < small + 32 * 1024, (small, large)
    with (tmp_path / "large.csv").open("rb") as written:
        assert sum(1 for _ in written) == 10_001
    assert (tmp_path / "large.csv").stat().st_size > 9 * (tmp_path / "small.csv").stat().st_size


# --- FEC -------------------------------------------------------------------------------------


def test_fec_columns_in_legal_order():
    assert len(FEC_COLUMNS) == 18
    assert FEC_COLUMNS[:4] == ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate")
    assert FEC_COLUMNS[11:] == (
        "Debit",
        "Credit",
        "EcritureLet",
        "DateLet",
        "ValidDate",
        "Montantdevise",
        "Idevise",
    )


@pytest.mark.parametrize(
    ("siren", "name"),
    [("123456789", "123456789FEC20251231.txt"), ("123 456 789 00012", "123456789FEC20251231.txt")],
)
def test_fec_filename(siren, name):
    assert fec_filename(siren, date(2025, 12, 31)) == name


@pytest.mark.parametrize("siren", ["12345678", "12345678A", "", "1234567890"])
def test_fec_filename_rejects_bad_siren(siren):
    with pytest.raises(ValueError):
        fec_filename(siren, date(2025, 12, 31))


def sides(entry):
    return [(line.account, line.debit, line.credit) for line in entry]


def test_sales_day_entry_worked_example():
    entry = sales_day_entry(DAY, 3, {"cash": 5000, "card": 3100}, {550: 4100, 2000: 4000})
    assert sides(entry) == [
        ("530", 5000, 0),
        ("5115", 3100, 0),
        ("701", 0, 3886),
        ("445711", 0, 214),
        ("701", 0, 3333),
        ("445713", 0, 667),
    ]
    assert {line.piece_ref for line in entry} == {"Z3"}
    assert {(line.journal_code, line.date) for line in entry} == {("VT", DAY)}
    assert entry[0].account_label == "Caisse"
    check_entry(entry)


def test_negative_net_is_credited_and_goods_go_to_707():
    entry = sales_day_entry(
        DAY,
        4,
        {"cash": -500, "card": 1555},
        {1000: 0},
        goods_by_rate={550: 1055},
        accounts=DEFAULT_ACCOUNTS,
    )
    assert sides(entry) == [("530", 0, 500), ("5115", 1555, 0), ("707", 0, 1000), ("445711", 0, 55)]


def test_rate_without_its_own_account_uses_44571():
    entry = sales_day_entry(DAY, 5, {"cheque": 1021}, {210: 1021})
    assert sides(entry) == [("5112", 1021, 0), ("701", 0, 1000), ("44571", 0, 21)]


def test_empty_day_has_no_entry():
    assert sales_day_entry(DAY, 6, {}, {}) == []


@pytest.mark.parametrize(
    ("payments", "sales", "error"),
    [
        ({"cash": 1000}, {550: 999}, UnbalancedEntry),
        ({"bitcoin": 1000}, {550: 1000}, UnknownAccount),
    ],
)
def test_sales_day_entry_refuses(payments, sales, error):
    with pytest.raises(error):
        sales_day_entry(DAY, 7, payments, sales)


def test_purchase_paid_from_till_and_from_bank():
    till = purchase_entry(DAY, 1, 1200, 200, "materials", "till")
    assert sides(till) == [("601", 1000, 0), ("44566", 200, 0), ("530", 0, 1200)]
    assert till[0].piece_ref == "D1" and till[0].journal_code == "AC"
    bank = purchase_entry(DAY, 2, 3000, 0, "stall_fee", "bank", piece_ref="F-2025-17")
    assert sides(bank) == [("613", 3000, 0), ("512", 0, 3000)]
    assert bank[0].piece_ref == "F-2025-17"


def test_supplier_refund_swaps_sides():
    refund = purchase_entry(DAY, 3, -1055, -55, "goods", "bank")
    assert sides(refund) == [("607", 0, 1000), ("44566", 0, 55), ("512", 1055, 0)]


@pytest.mark.parametrize(
    ("total", "vat", "category", "paid_from", "error"),
    [
        (1000, 1001, "materials", "till", UnbalancedEntry),
        (1000, -10, "materials", "till", UnbalancedEntry),
        (1000, 100, "jewels", "till", UnknownAccount),
        (1000, 100, "materials", "piggy bank", UnknownAccount),
    ],
)
def test_purchase_entry_refuses(total, vat, category, paid_from, error):
    with pytest.raises(error):
        purchase_entry(DAY, 1, total, vat, category, paid_from)


def test_fec_line_has_one_non_negative_side():
    with pytest.raises(UnbalancedEntry):
        FecLine("VT", "Ventes", DAY, "530", "Caisse", "Z1", DAY, "x", debit=1, credit=1)
    with pytest.raises(UnbalancedEntry):
        FecLine("VT", "Ventes", DAY, "530", "Caisse", "Z1", DAY, "x", debit=-1)


def fec_rows(entries, **options):
    out = io.StringIO(newline="")
    write_fec(out, entries, **options)
    lines = out.getvalue().split("\r\n")
    assert lines[-1] == ""
    return [line.split("\t") for line in lines[:-1]]


def test_write_fec_layout_and_numbering():
    day2 = DAY + timedelta(days=1)
    entries = [
        sales_day_entry(DAY, 1, {"cash": 1100}, {1000: 1100}),
        purchase_entry(DAY, 1, 1200, 200, "materials", "till", label="Argile\tet mousse"),
        [],
        sales_day_entry(day2, 2, {"card": 2110}, {550: 2110}),
    ]
    header, *rows = fec_rows(entries)
    assert tuple(header) == FEC_COLUMNS
    assert all(len(row) == 18 for row in rows)
    numbers = [(row[0], row[2]) for row in rows]
    assert numbers == [("VT", "1")] * 3 + [("AC", "1")] * 3 + [("VT", "2")] * 3
    first = dict(zip(FEC_COLUMNS, rows[0], strict=True))
    assert first["EcritureDate"] == first["PieceDate"] == first["ValidDate"] == "20250614"
    assert (first["CompteNum"], first["Debit"], first["Credit"]) == ("530", "11,00", "0,00")
    assert rows[3][10] == "Argile et mousse"
    assert rows[-1][3] == rows[-1][15] == "20250615"


def test_write_fec_valid_date_and_refuses_unbalanced():
    rows = fec_rows(
        [sales_day_entry(DAY, 1, {"cash": 1100}, {1000: 1100})], valid_date=date(2025, 6, 20)
    )
    assert {row[15] for row in rows[1:]} == {"20250620"}
    lopsided = [FecLine("VT", "Ventes", DAY, "530", "Caisse", "Z1", DAY, "x", debit=100)]
    with pytest.raises(UnbalancedEntry):
        fec_rows([lopsided])


def test_fec_file_is_utf8(tmp_path):
    path = tmp_path / fec_filename("123456789", DAY)
    with path.open("w", encoding="utf-8", newline="") as out:
        write_fec(out, [purchase_entry(DAY, 1, 1200, 200, "materials", "till")])
    text = path.read_bytes().decode("utf-8")
    assert "Achats de matières premières" in text and text.count("\r\n") == 4


methods = st.sampled_from(["cash", "cheque", "card", "transfer", "other"])
rates = st.sampled_from([0, 210, 550, 1000, 2000])


@st.composite
def days(draw):
    sales = draw(st.dictionaries(rates, st.integers(-50_000, 2_000_000), max_size=5))
    goods = draw(st.dictionaries(rates, st.integers(0, 500_000), max_size=3))
    total = sum(sales.values()) + sum(goods.values())
    shares = draw(st.dictionaries(methods, st.integers(-100_000, 1_000_000), min_size=1))
    last = next(reversed(shares))
    shares[last] = total - sum(amount for method, amount in shares.items() if method != last)
    return shares, sales, goods


@settings(deadline=None)
@given(days())
def test_sales_day_entry_always_balances(day):
    payments, sales, goods = day
    entry = sales_day_entry(DAY, 1, payments, sales, goods_by_rate=goods)
    check_entry(entry)
    assert sum(line.debit for line in entry) == sum(line.credit for line in entry)
    assert all(line.debit >= 0 and line.credit >= 0 for line in entry)
    signed = {line.account: 0 for line in entry}
    for line in entry:
        signed[line.account] += line.debit - line.credit
    for method, net in payments.items():
        assert signed.get(DEFAULT_ACCOUNTS["payments"][method], 0) == net
    # the Z's VAT: one split of each rate's whole total, products and goods together
    vat = sum(split_vat(sales.get(r, 0) + goods.get(r, 0), r).vat for r in {*sales, *goods})
    vat_accounts = {"44571", *DEFAULT_ACCOUNTS["vat_collected_by_rate"].values()}
    assert -sum(v for account, v in signed.items() if account in vat_accounts) == vat
    rows = fec_rows([entry])
    assert all(len(row) == 18 for row in rows)
