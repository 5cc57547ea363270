"""Receipt layout: what a customer reads, in French, within the paper's width."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos import receipts
from pos.money import vat_table
from pos.receipts import (
    PrintLine,
    Receipt,
    ReceiptLine,
    ReceiptPayment,
    Seller,
    layout,
    render_text,
)

WIDTHS = [32, 48]
SELLER = Seller(
    brand="Kokedamas d’Awa",
    legal_name="Coopaname SCOP SA",
    address="3-7 rue Albert Marquet\n75020 Paris",
    siret="44886932100042",
    vat_number="FR12448869321",
    vat_franchise=False,
)
LINES = [
    ReceiptLine("Kokedama mousse", 2, 1250, 2500),
    ReceiptLine("Pain d’épices à l’orange", 1, 650, 585, 65, "Remise fidélité"),
    ReceiptLine("Crème brûlée", 3, 400, 1200),
]
VAT = vat_table({550: 585 + 1200, 1000: 2500})


def sale(**changes) -> Receipt:
    """A sale of 42,85 € at 15:04 Paris time, paid 40 € cash and 5 € card."""
    values = dict(
        seller=SELLER,
        number=12,
        created_at=datetime(2026, 11, 26, 14, 4, tzinfo=UTC),
        member="Awa",
        lines=LINES,
        total=4285,
        vat=VAT,
        payments=[ReceiptPayment("cash", 4000), ReceiptPayment("card", 500)],
        change=215,
    )
    values.update(changes)
    return Receipt(**values)


def texts(lines: list[PrintLine]) -> list[str]:
    return [line.text for line in lines if line.kind in ("text", "rule")]


def amount(text: str) -> int:
    """Cents from a printed amount such as "1 234,56"."""
    return int(text.replace(" ", "").replace(",", ""))


@pytest.mark.parametrize("width", WIDTHS)
def test_sale_reads_in_french(width):
    lines = texts(layout(sale(), width))
    joined = "\n".join(lines)
    for expected in [
        "Coopaname SCOP SA",
        "3-7 rue Albert Marquet",
        "75020 Paris",
        "SIRET : 448 869 321 00042",
        "TVA intracom. : FR12448869321",
        "Ticket n° 12",
        "26/11/2026 15:04",
        "Vendu par Awa",
        "2 x Kokedama mousse",
        "3 x Crème brûlée",
        "Espèces",
        "Carte bancaire",
    ]:
        assert expected in joined
    assert "Pain d’épices à l’orange" in joined.replace("\n  ", " ")
    assert "DUPLICATA" not in joined
    assert "ANNULATION" not in joined and "REMBOURSEMENT" not in joined


@pytest.mark.parametrize("width", WIDTHS)
def test_each_line_shows_unit_price_and_amount_beneath(width):
    lines = layout(sale(), width)
    index = next(i for i, line in enumerate(lines) if line.text == "2 x Kokedama mousse")
    prices = lines[index + 1]
    assert prices.align == "right"
    assert re.fullmatch(r"12,50 € +25,00 €", prices.text)


@pytest.mark.parametrize("width", WIDTHS)
def test_discount_is_printed_beneath_its_line(width):
    lines = texts(layout(sale(), width))
    index = next(i for i, text in enumerate(lines) if text.startswith("  Remise fidélité"))
    assert lines[index].endswith("-0,65 €")
    assert lines[index - 1].strip().startswith("6,50 €")
    assert "Pain d’épices" in " ".join(lines[index - 3 : index])


@pytest.mark.parametrize("width", WIDTHS)
def test_total_is_big(width):
    lines = layout(sale(), width)
    big = [line for line in lines if line.big]
    assert big[0] == PrintLine("Kokedamas d’Awa", "center", bold=True, big=True)
    total = " ".join(line.text for line in big if line is not big[0])
    assert "TOTAL TTC" in total and "42,85 €" in total


@pytest.mark.parametrize("width", WIDTHS)
def test_vat_table_adds_up_per_rate(width):
    lines = texts(layout(sale(), width))
    header = next(i for i, text in enumerate(lines) if text.startswith("Taux"))
    assert lines[header].split() == ["Taux", "HT", "TVA", "TTC"]
    rows = {}
    for text in lines[header + 1 : header + 4]:
        rate, rest = re.fullmatch(r"(5,5 %|10 %|Total) +(.*)", text).groups()
        rows[rate] = [amount(cell) for cell in re.split(r" {2,}", rest.strip())]
    assert set(rows) == {"5,5 %", "10 %", "Total"}
    for base, vat, total in rows.values():
        assert base + vat == total
    assert rows["5,5 %"] == [1692, 93, 1785]
    assert rows["10 %"] == [2273, 227, 2500]
    assert rows["Total"][2] == 4285


@pytest.mark.parametrize("width", WIDTHS)
def test_franchise_prints_the_mention_instead_of_vat(width):
    seller = Seller("Atelier", "Coop", "Paris", "44886932100042", "", vat_franchise=True)
    lines = texts(layout(sale(seller=seller), width))
    joined = " ".join(line.strip() for line in lines)
    assert "TVA non applicable, art. 293 B du CGI" in joined
    assert not any(text.startswith("Taux") for text in lines)
    assert "TVA intracom." not in joined


@pytest.mark.parametrize("width", WIDTHS)
def test_payments_and_change(width):
    lines = texts(layout(sale(), width))
    cash = next(text for text in lines if text.startswith("Espèces"))
    card = next(text for text in lines if text.startswith("Carte bancaire"))
    change = next(text for text in lines if text.startswith("Rendu"))
    assert cash.endswith("40,00 €") and len(cash) == width
    assert card.endswith("5,00 €")
    assert change.endswith("2,15 €")


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("cash", "Espèces"),
        ("card", "Carte bancaire"),
        ("cheque", "Chèque"),
        ("transfer", "Virement"),
        ("other", "Autre"),
    ],
)
def test_payment_methods_in_french(method, name):
    lines = texts(layout(sale(payments=[ReceiptPayment(method, 4285)], change=0), 32))
    assert any(text.startswith(name) and text.endswith("42,85 €") for text in lines)
    assert not any(text.startswith("Rendu") for text in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_duplicate_is_marked(width):
    lines = layout(sale(duplicate=2), width)
    marks = [line for line in lines if line.text == "DUPLICATA (n° 2)"]
    assert len(marks) == 1 and marks[0].bold


@pytest.mark.parametrize(
    ("kind", "heading"),
    [("void", "ANNULATION du ticket n° 11"), ("refund", "REMBOURSEMENT du ticket n° 11")],
)
@pytest.mark.parametrize("width", WIDTHS)
def test_void_and_refund_name_the_original(kind, heading, width):
    refund = sale(
        kind=kind,
        refers_to=11,
        lines=[ReceiptLine("Kokedama mousse", -2, 1250, -2500)],
        total=-2500,
        vat=vat_table({1000: -2500}),
        payments=[ReceiptPayment("cash", -2500)],
        change=0,
    )
    lines = layout(refund, width)
    assert [line.text for line in lines if line.bold and not line.big][0] == heading
    joined = "\n".join(texts(lines))
    assert "-2 x Kokedama mousse" in joined
    assert "-25,00 €" in joined


def test_time_is_paris_time_in_summer_too():
    lines = texts(layout(sale(created_at=datetime(2026, 7, 14, 10, 0, tzinfo=UTC)), 32))
    assert any("14/07/2026 12:00" in text for text in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_money_uses_plain_spaces(width):
    big = sale(
        lines=[ReceiptLine("Lot", 1, 123456, 123456)],
        total=123456,
        vat=vat_table({2000: 123456}),
        payments=[ReceiptPayment("transfer", 123456)],
        change=0,
    )
    text = render_text(layout(big, width), width)
    assert "1 234,56 €" in text
    assert "\u00a0" not in text and "\u202f" not in text


@pytest.mark.parametrize("width", WIDTHS)
def test_footer_qr_and_hash(width):
    lines = layout(
        sale(footer="Merci, à bientôt !", qr_text="https://x.example/t/12", hash_excerpt="3f2a9c"),
        width,
    )
    assert PrintLine("Merci, à bientôt !", "center") in lines
    assert PrintLine("Empreinte : 3f2a9c") in lines
    assert [line.text for line in lines if line.kind == "qr"] == ["https://x.example/t/12"]
    assert lines[-1].kind == "cut"


def test_long_names_wrap_without_losing_words():
    name = "Kokedama géant en mousse des bois avec sa ficelle de jute tressée à la main"
    lines = texts(layout(sale(lines=[ReceiptLine(name, 1, 3500, 3500)], total=3500), 32))
    start = next(i for i, text in enumerate(lines) if text.startswith("1 x Kokedama"))
    wrapped = []
    for text in lines[start:]:
        if "€" in text:
            break
        wrapped.append(text.strip())
    assert " ".join(wrapped) == f"1 x {name}"
    assert len(wrapped) >= 3


def test_control_characters_never_reach_the_printer():
    name = "Miel\x1b@\x1d V\x00 de\nlavande\u202f"
    lines = layout(sale(lines=[ReceiptLine(name, 1, 900, 900)], customer="Zoé\tB."), 32)
    for line in lines:
        assert not any(unicodedata.category(c).startswith("C") for c in line.text)
    assert any(line.text == "1 x Miel @  V  de lavande" for line in lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_render_text_aligns_like_the_printer(width):
    lines = layout(sale(qr_text="abc"), width)
    preview = render_text(lines, width).splitlines()
    printable = [line for line in lines if line.kind != "cut"]
    assert len(preview) == len(printable)
    for shown, line in zip(preview, printable, strict=True):
        assert len(shown) <= width
        if line.kind == "qr":
            assert shown.strip() == "[code QR]"
            continue
        assert shown.strip() == line.text.strip()
        if line.align == "right":
            assert len(shown) == width
        if line.align == "center" and not line.big:
            left = len(shown) - len(shown.lstrip())
            assert abs(left - (width - len(line.text) - left)) <= 1


@pytest.mark.parametrize("width", WIDTHS)
def test_test_page_has_every_french_character(width):
    lines = receipts.test_page(SELLER, width)
    joined = " ".join(line.text for line in lines)
    for char in "é è ê à â ç ù û ô î ï ë œ Œ É À Ç € ’ – — « »".split():
        assert char in joined
    assert any(line.big for line in lines) and any(line.bold for line in lines)
    assert any(line.kind == "qr" for line in lines) and lines[-1].kind == "cut"
    assert PrintLine(("1234567890" * 5)[:width]) in lines
    assert all(len(line.text) <= (width // 2 if line.big else width) for line in lines)


names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120)
cents = st.integers(min_value=-99_999_999_999, max_value=99_999_999_999)


@st.composite
def random_receipts(draw) -> Receipt:
    items = draw(
        st.lists(
            st.tuples(names, st.integers(-999, 9999), cents, st.integers(0, 10**9), names),
            max_size=6,
        )
    )
    lines = [
        ReceiptLine(name, qty, unit, qty * unit - discount, discount, label)
        for name, qty, unit, discount, label in items
    ]
    total = sum(line.total for line in lines)
    rates = draw(st.lists(st.sampled_from([0, 550, 1000, 2000]), min_size=1, max_size=3))
    shares = {rate: total // len(rates) for rate in rates}
    methods = st.sampled_from(["cash", "card", "cheque", "transfer", "other", "bitcoin"])
    seller = Seller(
        draw(names), draw(names), draw(names), draw(names), draw(names), draw(st.booleans())
    )
    return Receipt(
        seller=seller,
        number=draw(st.integers(0, 10**12)),
        created_at=datetime(2026, 11, 26, 14, 4, tzinfo=UTC),
        member=draw(names),
        lines=lines,
        total=total,
        vat=vat_table(shares),
        payments=[ReceiptPayment(m, a) for m, a in draw(st.lists(st.tuples(methods, cents)))],
        change=draw(cents),
        kind=draw(st.sampled_from(["sale", "void", "refund"])),
        refers_to=draw(st.none() | st.integers(0, 10**12)),
        channel=draw(st.sampled_from(["stall", "online", "phone"])),
        customer=draw(names),
        footer=draw(names),
        qr_text=draw(names),
        duplicate=draw(st.integers(0, 99)),
        hash_excerpt=draw(names),
    )


@settings(max_examples=150, deadline=None)
@given(receipt=random_receipts(), width=st.sampled_from([32, 42, 48]))
def test_no_line_is_ever_wider_than_the_paper(receipt, width):
    lines = layout(receipt, width)
    for line in lines:
        if line.kind == "qr":
            continue
        room = width // 2 if line.big else width
        assert len(line.text) <= room, line
        assert not any(unicodedata.category(c).startswith("C") for c in line.text)
        assert "\u00a0" not in line.text and "\u202f" not in line.text
    assert all(len(text) <= width for text in render_text(lines, width).splitlines())
    assert lines[-1].kind == "cut"
