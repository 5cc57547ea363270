"""Signed archives of the journal: one zip of JSON-lines files, a manifest of SHA-256
digests signed with Ed25519, and the public key — verifiable offline, with no database."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from pos import clock, journal, signing
from pos.db.archive import archive_tables
from pos.db.coop import load_settings

LINKED_FILES = tuple(f"{table}.jsonl" for table in journal.LINKED)
FILES = (
    "sales.jsonl",
    "sale_lines.jsonl",
    "payments.jsonl",
    "closures.jsonl",
    "events.jsonl",
    *LINKED_FILES,
    "chain_links.jsonl",
)
OLD_FILES = FILES[:5]  # archives made before every table was chained


def period_bounds(period: str | None) -> tuple[str, str]:
    """UTC ISO bounds [start, end) of a local period "YYYY" or "YYYY-MM" (None: everything)."""
    if not period:
        return "0000", "9999"
    try:
        if len(period) == 4:
            start = datetime(int(period), 1, 1)
            end = datetime(int(period) + 1, 1, 1)
        else:
            year, month = (int(x) for x in period.split("-"))
            start = datetime(year, month, 1)
            end = (start + timedelta(days=32)).replace(day=1)
    except ValueError as exc:
        raise ValueError(f"période invalide « {period} » : AAAA ou AAAA-MM") from exc
    return (
        start.replace(tzinfo=clock.LOCAL).astimezone(clock.UTC).isoformat(),
        end.replace(tzinfo=clock.LOCAL).astimezone(clock.UTC).isoformat(),
    )


def _jsonl(rows: Iterable[dict]) -> tuple[bytes, int]:
    lines = [json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"), len(lines)


def write_archive(out: Path, tables: dict[str, Iterable[dict]], meta: dict, db_path: str) -> Path:
    """Write the zip: data files, manifest.json, manifest.sig (Ed25519), public_key.pem."""
    public_pem = signing.ensure_keys(db_path).read_bytes()
    manifest = {
        **meta,
        "format": "etal-archive/1",
        "files": {},
        "public_key_fingerprint": signing.fingerprint(public_pem),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in FILES:
            data, count = _jsonl(tables[name])
            archive.writestr(name, data)
            manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "rows": count}
        body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
        archive.writestr("manifest.json", body)
        archive.writestr("manifest.sig", signing.sign(db_path, body))
        archive.writestr("public_key.pem", public_pem)
    return out


def create_archive(
    db: Database, db_path: str, folder: Path, period: str | None
) -> tuple[Path, dict]:
    """Write the archive of a period (or of everything) into folder; return (path, manifest)."""
    start, end = period_bounds(period)
    tables = archive_tables(db, start, end)
    settings = load_settings(db)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.local(clock.now()).strftime("%Y%m%d-%H%M%S")
    out = folder / f"etal-archive-{period or 'tout'}-{stamp}.zip"
    meta = {
        "period": period or "",
        "created_at": clock.now().isoformat(),
        "brand": settings["brand"],
        "legal_name": settings["legal_name"],
        "siret": settings["siret"],
    }
    write_archive(out, tables, meta, db_path)
    return out, verify_archive(out)[1]


def verify_archive(path: str | Path) -> tuple[list[str], dict]:
    """Check an archive with only the file at hand; return (problems, manifest)."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"fichier illisible : {exc}"], {}
    with archive:
        names = set(archive.namelist())
        files = FILES if "chain_links.jsonl" in names else OLD_FILES
        missing = [
            n for n in ("manifest.json", "manifest.sig", "public_key.pem", *files) if n not in names
        ]
        if missing:
            return [f"fichier absent de l'archive : {n}" for n in missing], {}
        body, pem = archive.read("manifest.json"), archive.read("public_key.pem")
        if not signing.verify(pem, body, archive.read("manifest.sig").decode()):
            problems.append("manifest.json : signature invalide")
        manifest = json.loads(body)
        data = {}
        for name in files:
            data[name] = archive.read(name)
            if hashlib.sha256(data[name]).hexdigest() != manifest["files"][name]["sha256"]:
                problems.append(f"{name} : empreinte SHA-256 différente du manifeste")
    try:
        rows = {
            name: [json.loads(line) for line in data[name].decode().splitlines() if line]
            for name in files
        }
        problems += _check_chains(rows, pem)
        problems += _check_links(rows)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        problems.append(f"contenu illisible ou incomplet ({exc.__class__.__name__} : {exc})")
    return problems, manifest


def _check_chains(rows: dict[str, list[dict]], pem: bytes) -> list[str]:
    """Recompute the sales, closures and events chains inside the archive (pos.journal)."""
    lines, pays = {}, {}
    for line in rows["sale_lines.jsonl"]:
        lines.setdefault(line["sale_id"], []).append(line)
    for pay in rows["payments.jsonl"]:
        pays.setdefault(pay["sale_id"], []).append(pay)

    def sale(s: dict) -> dict:
        return journal.sale_entry(
            s,
            sorted(lines.get(s["id"], []), key=lambda ln: ln["position"]),
            sorted(pays.get(s["id"], []), key=lambda p: p["id"]),
        )

    chains = {
        "sales": [_entry("sales", s, sale(s)) for s in rows["sales.jsonl"]],
        "closures": [
            _entry("closures", c, journal.closure_entry(c)) for c in rows["closures.jsonl"]
        ],
        "events": [_entry("events", e, journal.event_entry(e)) for e in rows["events.jsonl"]],
    }
    problems = [p for chain, entries in chains.items() if (p := _broken(chain, entries))]
    for c in rows["closures.jsonl"]:
        if not signing.verify(pem, c["hash"].encode(), c["signature"]):
            problems.append(f"clôture n° {c['number']} : signature invalide")
    return problems


def _entry(chain: str, row: dict, content: dict | None) -> journal.Entry:
    return journal.Entry(
        row["number"], journal.label(chain, row["number"]), row["prev_hash"], row["hash"], content
    )


def _broken(chain: str, entries: list[journal.Entry]) -> str | None:
    """The first entry of a (possibly mid-chain) slice that does not match, as a problem."""
    if not entries:
        return None
    first = entries[0]
    broken = journal.walk(entries, chain, prev=first.prev_hash, first=first.position)[0]
    return f"{broken} : empreinte chaînée invalide" if broken else None


def _check_links(rows: dict[str, list[dict]]) -> list[str]:
    """Recompute the chains of stock and cash movements, floats and expenses in the archive."""
    if "chain_links.jsonl" not in rows:
        return []
    problems = []
    for table in journal.LINKED:
        by_id = {row["id"]: row for row in rows[f"{table}.jsonl"]}
        links = [link for link in rows["chain_links.jsonl"] if link["chain"] == table]
        entries = []
        for link in links:
            entries.append(
                journal.Entry(
                    link["seq"],
                    journal.label(table, link["row_id"]),
                    link["prev_hash"],
                    link["hash"],
                    journal.linked_content(table, link, by_id.get(link["row_id"])),
                )
            )
        if broken := _broken(table, entries):
            problems.append(broken)
        unlinked = sorted(set(by_id) - {link["row_id"] for link in links})
        if unlinked and links and unlinked[0] < links[-1]["row_id"]:
            problems.append(f"{journal.label(table, unlinked[0])} : hors de la chaîne")
    return problems


def key_matches(manifest: dict, key_pem: bytes | None, fingerprint: str | None) -> str | None:
    """None when the archive's key is the one given (a .pub file or its fingerprint), else why."""
    found = manifest.get("public_key_fingerprint", "")
    expected = signing.fingerprint(key_pem) if key_pem is not None else (fingerprint or "")
    expected = expected.strip().lower().replace(":", "").replace(" ", "")
    if not found or found.lower() != expected:
        return f"l'archive est signée par la clé {found or '?'}, pas par la clé {expected} donnée"
    return None
