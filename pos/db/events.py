"""The event journal: who did what and when, chained so that any change shows."""

from __future__ import annotations

import json

from sqlite_utils import Database

from pos import journal
from pos.db import chains, now_iso, transaction


def _(label: str) -> str:
    """Mark a label for extraction (pybabel); the journal screen translates it with `_(label)`."""
    return label


KINDS = {
    "login": _("Connexion"),
    "logout": _("Déconnexion"),
    "pin_failed": _("Code erroné"),
    "member_locked": _("Membre mis en attente"),
    "member_unlocked": _("Membre débloqué"),
    "member_added": _("Membre ajouté"),
    "sessions_ended": _("Tous les appareils déconnectés"),
    "settings_changed": _("Réglages modifiés"),
    "price_changed": _("Prix modifié"),
    "catalogue_changed": _("Catalogue modifié"),
    "markdown": _("Démarque"),
    "sale_voided": _("Vente annulée"),
    "sale_refunded": _("Remboursement"),
    "receipt_reprinted": _("Duplicata imprimé"),
    "printer_failed": _("Échec d'impression"),
    "clock_corrected": _("Heure corrigée"),
    "till_opened": _("Caisse ouverte"),
    "closure": _("Clôture"),
    "x_report": _("Point de caisse (X)"),
    "export": _("Export"),
    "backup": _("Sauvegarde"),
    "archive": _("Archive"),
    "server_started": _("Démarrage du serveur"),
    "migration": _("Migration de la base"),
    "token_created": _("Jeton créé"),
    "token_revoked": _("Jeton révoqué"),
}
EVENT_KEYS = journal.EVENT_KEYS  # what an event's hash covers lives in pos/journal.py


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


event_entry = journal.event_entry


def list_events(db: Database, *, kind: str | None = None, limit: int = 300) -> list[dict]:
    """Events, newest first, optionally of one kind."""
    where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = db.query(f"SELECT * FROM events {where} ORDER BY number DESC LIMIT ?", [*args, limit])
    return [{**row, "data": json.loads(row["details"])} for row in rows]


def verify_events(db: Database) -> str | None:
    """The first event whose chained hash does not match, or None (see pos.db.chains)."""
    return journal.walk(chains.numbered_entries(db, "events", journal.event_entry), "events")[0]
