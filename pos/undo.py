"""May this sale still be undone? One rule for the button that offers it and the server."""

from __future__ import annotations

from datetime import datetime, timedelta

from pos.i18n import N_, Message


def undo_refusal(
    sale: dict, member_id: int | None, last_number: int | None, now: datetime, undo_minutes: int
) -> Message | None:
    """Why `sale` may not be undone by this member now, or None when it may.

    Only the seller's last sale, not yet voided or refunded, within `undo_minutes` of being
    recorded. `last_number` is the number of the member's last sale (kind 'sale').
    """
    if sale["kind"] != "sale" or sale["voided_by"] or sale["refunds"]:
        return Message(N_("Cette vente ne peut plus être annulée (déjà annulée ou remboursée)."))
    if member_id is None or sale["member_id"] != member_id:
        return Message(N_("Seul le vendeur peut annuler sa dernière vente."))
    age = now - datetime.fromisoformat(sale["created_at"])
    if last_number != sale["number"] or age >= timedelta(minutes=undo_minutes):
        return Message(
            N_(
                "Seule la dernière vente peut être annulée, dans les %(minutes)s minutes. "
                "Pour une vente plus ancienne, faites un remboursement."
            ),
            minutes=undo_minutes,
        )
    return None


def may_undo(
    sale: dict, member_id: int | None, last_number: int | None, now: datetime, undo_minutes: int
) -> bool:
    """Whether the *Annuler la vente* button may be offered (the same rule as the server's)."""
    return undo_refusal(sale, member_id, last_number, now, undo_minutes) is None
