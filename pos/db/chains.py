"""The chains in the database: seal new entries, read the tips a Z signs, read every chain.

What each chain covers and how it is hashed lives in pos/journal.py; this module only reads
and writes the rows. `pos verify` runs pos.verification, which reads them through here.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from pos import journal
from pos.db import query, transaction


def seal(db: Database, *tables: str) -> int:
    """Chain the entries of these linked tables (all when none named) not yet chained.

    Called in the transaction that writes an entry, and by every Z for anything left.
    """
    sealed = 0
    with transaction(db):
        for table in tables or tuple(journal.LINKED):
            linked = journal.LINKED[table]
            tip = db.execute(
                "SELECT seq, row_id, hash FROM chain_links WHERE chain = ? ORDER BY seq DESC"
                " LIMIT 1",
                [table],
            ).fetchone()
            seq, last_id, prev = tip or (0, 0, journal.GENESIS)
            links = []
            for row in query(db, f"SELECT * FROM {table} WHERE id > ? ORDER BY id", [last_id]):
                seq += 1
                covers = tuple(k for k in linked.keys if k in row)
                prev_hash, prev = (
                    prev,
                    journal.entry_hash(prev, journal.link_entry(table, row["id"], covers, row)),
                )
                links.append((table, seq, row["id"], ",".join(covers), prev_hash, prev))
            db.conn.executemany(
                "INSERT INTO chain_links(chain, seq, row_id, covers, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                links,
            )
            sealed += len(links)
    return sealed


_POSITIONS = {
    "sales": "SELECT number, hash FROM sales WHERE number > ? ORDER BY number",
    "events": "SELECT number, hash FROM events WHERE number > ? ORDER BY number",
    **{
        t: f"SELECT seq, hash FROM chain_links WHERE chain = '{t}' AND seq > ? ORDER BY seq"
        for t in journal.LINKED
    },
}


def tips(db: Database) -> dict[str, list]:
    """Every chain's tip now, after sealing: [position, hash, steps since the last Z's tip]."""
    seal(db)
    last = db.execute(
        "SELECT tips FROM closures WHERE tips != '' ORDER BY number DESC LIMIT 1"
    ).fetchone()
    before = journal.tips_of({"tips": last[0]}) if last else {}
    found = {}
    for chain, sql in _POSITIONS.items():
        kept = before.get(chain) or [0, journal.GENESIS]
        rows = db.execute(sql, [kept[0]]).fetchall()
        position, digest = rows[-1] if rows else (kept[0], kept[1])
        found[chain] = [position, digest, "".join(h[: journal.STEP] for _p, h in rows)]
    return found


# --- Reading the chains as entries ------------------------------------------------------------


def sale_entries(db: Database) -> Iterator[journal.Entry]:
    """The sales chain, in number order, each sale with its lines and payments."""
    lines: dict[int, list] = {}
    pays: dict[int, list] = {}
    for line in query(db, "SELECT * FROM sale_lines ORDER BY sale_id, position"):
        lines.setdefault(line["sale_id"], []).append(line)
    for pay in query(db, "SELECT * FROM payments ORDER BY sale_id, id"):
        pays.setdefault(pay["sale_id"], []).append(pay)
    for sale in query(db, "SELECT * FROM sales ORDER BY number"):
        content = journal.sale_entry(sale, lines.get(sale["id"], []), pays.get(sale["id"], []))
        yield journal.Entry(
            sale["number"],
            journal.label("sales", sale["number"]),
            sale["prev_hash"],
            sale["hash"],
            content,
        )


def numbered_entries(db: Database, table: str, entry) -> Iterator[journal.Entry]:
    """A chain kept on its own rows (events, closures), in number order."""
    for row in query(db, f"SELECT * FROM {table} ORDER BY number"):
        yield journal.Entry(
            row["number"],
            journal.label(table, row["number"]),
            row["prev_hash"],
            row["hash"],
            entry(row),
        )


def linked_entries(db: Database, table: str, problems: list[str]) -> Iterator[journal.Entry]:
    """A linked table's chain in link order; rows added outside the chain go to `problems`."""
    rows = {row["id"]: row for row in query(db, f"SELECT * FROM {table}")}
    links = list(query(db, "SELECT * FROM chain_links WHERE chain = ? ORDER BY seq", [table]))
    last_linked = max((link["row_id"] for link in links), default=0)
    linked_ids = {link["row_id"] for link in links}
    for row_id in sorted(rows):
        if row_id <= last_linked and row_id not in linked_ids:
            problems.append(f"{journal.label(table, row_id)} (ajouté hors de la chaîne)")
            break
    for link in links:
        yield journal.Entry(
            link["seq"],
            journal.label(table, link["row_id"]),
            link["prev_hash"],
            link["hash"],
            journal.linked_content(table, link, rows.get(link["row_id"])),
        )


def closure_entries(db: Database) -> Iterator[journal.Entry]:
    """The closures' own chain, in number order."""
    return numbered_entries(db, "closures", journal.closure_entry)


def verify_closure_chain(db: Database) -> str | None:
    """The first closure whose chained hash does not match, or None."""
    return journal.walk(closure_entries(db), "closures")[0]


# --- What `pos verify` reads besides the chains (pos.verification decides) -------------------


def closures(db: Database) -> list[dict]:
    """Every closure, oldest first."""
    return list(query(db, "SELECT * FROM closures ORDER BY number"))


def pending(db: Database) -> dict[str, int]:
    """Entries written since the last seal (chained at the next Z at the latest)."""
    found = {}
    for table in journal.LINKED:
        last = db.execute(
            "SELECT coalesce(max(row_id), 0) FROM chain_links WHERE chain = ?", [table]
        ).fetchone()[0]
        count = db.execute(f"SELECT count(*) FROM {table} WHERE id > ?", [last]).fetchone()[0]
        if count:
            found[table] = count
    return found


def day_float(db: Database, day_id: int) -> int | None:
    """The float counted at a till day's opening (None: no such day)."""
    row = db.execute("SELECT float_total FROM till_days WHERE id = ?", [day_id]).fetchone()
    return row[0] if row else None


def total_up_to(db: Database, number: int) -> int:
    """Every sale's net total up to this entry's number (the perpetual grand total then)."""
    return db.execute(
        "SELECT coalesce(sum(total), 0) FROM sales WHERE number <= ?", [number]
    ).fetchone()[0]
