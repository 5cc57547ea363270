"""`pos verify`: every chain recomputed, each Z's signature, the tips it signed and its totals
recomputed from its entries; the first entry that no longer matches is named.

What each chain covers lives in pos/journal.py; the rows are read through pos.db.chains and
pos.db.till; the Z's figures are recomputed by pos.till, as when the Z was made.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlite_utils import Database

from pos import journal, signing, till
from pos.db import chains
from pos.db.till import day_entries, movements


@dataclass
class Report:
    """What `pos verify` found: the first problem (None: all intact) and what it counted."""

    problem: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    signed: int = 0
    pending: dict[str, int] = field(default_factory=dict)


def verify(db: Database, public_pem: bytes | None) -> Report:
    """Every chain recomputed, each closure's signature, its tips and its totals; first problem.

    `public_pem` is the coop's public key (None when its file is missing: closures then fail).
    """
    report = Report()
    hashes: dict[str, dict[int, str]] = {}
    names: dict[str, dict[int, str]] = {}
    problems: list[str] = []
    sources = {
        "sales": chains.sale_entries(db),
        "events": chains.numbered_entries(db, "events", journal.event_entry),
        **{t: chains.linked_entries(db, t, problems) for t in journal.LINKED},
    }
    for chain, entries in sources.items():
        names[chain] = {}
        broken, hashes[chain] = journal.walk(entries, chain, names[chain])
        report.counts[chain] = len(hashes[chain])
        if problems or broken:
            report.problem = problems[0] if problems else broken
            return report
    closures = chains.closures(db)
    broken = chains.verify_closure_chain(db)
    if broken:
        report.problem = broken
        return report
    for closure in closures:
        if public_pem is None:
            report.problem = f"clôture n° {closure['number']} (clé publique introuvable)"
            return report
        if not signing.verify(public_pem, closure["hash"].encode(), closure["signature"]):
            report.problem = f"clôture n° {closure['number']} (signature invalide)"
            return report
    report.signed = len(closures)
    report.problem = next(journal.check_tips(closures, hashes, names), None) or next(
        recompute_closures(db, closures), None
    )
    report.counts["closures"] = len(closures)
    report.pending = chains.pending(db)
    return report


def recompute_closures(db: Database, closures: list[dict]) -> Iterator[str]:
    """Each closure whose figures no longer follow from its entries (day: its sales, float
    and cash movements; month and year: the closures they sum)."""
    by_kind: dict[str, list[dict]] = {}
    for closure in closures:
        stored = json.loads(closure["totals"])
        if closure["kind"] == "day" and closure["day_id"] is not None:
            entries = day_entries(db, closure["day_id"])
            totals = _plain(till.day_totals(entries).as_dict())
            float_total = chains.day_float(db, closure["day_id"])
            expected = till.expected_cash(
                float_total or 0,
                entries,
                [m["amount"] for m in movements(db, closure["day_id"])],
            )
            figures_differ = (
                float_total is not None and float_total != closure["float_total"]
            ) or (closure["expected_cash"] != expected)
            last = journal.tips_of(closure).get("sales", [None])[0]
        else:
            width = 7 if closure["kind"] == "month" else 4
            source = "day" if closure["kind"] == "month" else "month"
            parts = [
                json.loads(c["totals"])
                for c in by_kind.get(source, [])
                if c["period"][:width] == closure["period"]
            ]
            totals, figures_differ, last = _plain(till.sum_totals(parts)), False, None
        by_kind.setdefault(closure["kind"], []).append(closure)
        differs = [k for k in stored if k in totals and totals[k] != stored[k]]
        if differs or figures_differ:
            what = ", ".join(differs) or "espèces attendues"
            first = _first_changed_sale(closure)
            yield (
                f"{first + ' : ' if first else ''}clôture n° {closure['number']} "
                f"({what} ne correspond plus à ses écritures)"
            )
        if last is not None and chains.total_up_to(db, last) != closure["grand_total"]:
            yield f"clôture n° {closure['number']} (grand total perpétuel différent)"


def _first_changed_sale(closure: dict) -> str | None:
    """The first sale of a day closure, to name where to look."""
    first = json.loads(closure["totals"]).get("first_number")
    return journal.label("sales", first) if first else None


def _plain(value):
    """A value as it reads back from JSON (tuples as lists, keys as strings)."""
    return json.loads(json.dumps(value))
