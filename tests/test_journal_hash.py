"""The sale path hashes with orjson (journal.sale_hash); `pos verify` with json (entry_hash).
They must give the same hash for every entry a sale can hold, or a true journal would fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pos import journal

# Text as SQLite gives it back: any character but the halves of UTF-16 pairs (no valid text
# holds one; the API refuses them, Werkzeug replaces them in forms).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUE = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | TEXT
ROW = st.dictionaries(TEXT, VALUE, max_size=20)


@settings(max_examples=500, deadline=None)
@given(
    sale=ROW,
    lines=st.lists(ROW, max_size=5),
    payments=st.lists(ROW, max_size=3),
    version=st.sampled_from([None, 2, 3]),
    prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_the_sale_path_hash_is_the_verify_hash(sale, lines, payments, version, prev):
    entry = {"sale": sale, "lines": lines, "payments": payments}
    if version:
        entry["version"] = version

    assert journal.sale_hash(prev, entry) == journal.entry_hash(prev, entry)


def test_a_real_sale_entry_hashes_alike_with_accents_emoji_and_control_characters():
    sale = {k: None for k in journal.SALE_KEYS}
    sale.update(
        number=7,
        kind="sale",
        created_at="2026-12-02T09:00:00.000001+00:00",
        seller="Léa\u2028😀",
        customer="Mme \x01\x7f",
        total=1250,
        chain_version=2,
    )
    line = {k: 0 for k in journal.line_keys(2)}
    line.update(name="Kokedama fougère « XL »", short_name="Koke\ttab")
    entry = journal.sale_entry(sale, [line], [{"method": "cash", "amount": 1250}])

    assert journal.sale_hash(journal.GENESIS, entry) == journal.entry_hash(journal.GENESIS, entry)


def test_a_different_entry_hashes_differently():  # the comparison above could not pass blindly
    entry = {"sale": {"total": 1250}, "lines": [], "payments": []}
    other = {"sale": {"total": 1251}, "lines": [], "payments": []}

    assert journal.sale_hash(journal.GENESIS, entry) != journal.sale_hash(journal.GENESIS, other)
