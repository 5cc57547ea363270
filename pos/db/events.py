"""The event journal: who did what and when, chained so that any change shows."""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import journal
from pos.db import now_iso, transaction

KINDS = {
    "login": "Connexion",
    "logout": "Déconnexion",
    "pin_failed": "Code erroné",
    "member_locked": "Membre bloqué",
    "member_unlocked": "Membre débloqué",
    "member_added": "Membre ajouté",
    "settings_changed": "Réglages modifiés",
    "price_changed": "Prix modifié",
    "catalogue_changed": "Catalogue modifié",
    "markdown": "Démarque",
    "sale_voided": "Vente annulée",
    "sale_refunded": "Remboursement",
    "receipt_reprinted": "Duplicata imprimé",
    "printer_failed": "Échec d'impression",
    "clock_corrected": "Heure corrigée",
    "till_opened": "Caisse ouverte",
    "closure": "Clôture",
    "export": "Export",
    "backup": "Sauvegarde",
    "archive": "Archive",
    "server_started": "Démarrage du serveur",
    "migration": "Migration de la base",
    "token_created": "Jeton créé",
    "token_revoked": "Jeton révoqué",
}
EVENT_KEYS = ("number", "kind", "created_at", "member_id", "member", "details")


def log_event(db: Database, kind: str, member: dict | None = None, **details: object) -> int:
    """Append an event (joins the caller's transaction if there is one); return its number."""
    with transaction(db):
        tip = db.execute("SELECT number, hash FROM events ORDER BY number DESC LIMIT 1").fetchone()
        event = {
            "number": (tip[0] if tip else 0) + 1,
            "kind": kind,
            "created_at": now_iso(),
            "member_id": member["id"] if member else None,
            "member": member["name"] if member else "",
            "details": json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
            "prev_hash": tip[1] if tip else journal.GENESIS,
        }
        event["hash"] = journal.entry_hash(event["prev_hash"], event_entry(event))
        db["events"].insert(event)
        return event["number"]


def event_entry(event: dict) -> dict:
    """What an event's hash covers."""
    return {k: event[k] for k in EVENT_KEYS}


def list_events(db: Database, *, kind: str | None = None, limit: int = 300) -> list[dict]:
    """Events, newest first, optionally of one kind."""
    where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = db.query(f"SELECT * FROM events {where} ORDER BY number DESC LIMIT ?", [*args, limit])
    return [{**row, "data": json.loads(row["details"])} for row in rows]


def verify_events(db: Database) -> str | None:
    """The first event whose chained hash does not match, or None."""
    entries = (
        (f"événement n° {e['number']}", e["hash"], event_entry(e))
        for e in db.query("SELECT * FROM events ORDER BY number")
    )
    return journal.first_break(entries)
