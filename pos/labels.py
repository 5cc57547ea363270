"""Codes as words: what the journal stores ("card", "stall", "production") as people read it.

The one place that maps codes to words. Screens show them translated (the `label` filter),
paper (receipts, Z) and the French CSV dialect in French; storage, the API and the plain CSV
keep the codes. An unknown code is shown as it is rather than hidden. Also here: the French
plurals a domain message needs (the counts people read).
"""

from __future__ import annotations

from collections.abc import Mapping

from pos.i18n import N_, Message
from pos.payment_methods import WORDS as PAYMENT_WORDS

WORDS: dict[str, Mapping[str, str]] = {
    "method": PAYMENT_WORDS,  # the registry of payment methods owns their words
    "channel": {"stall": N_("Stand"), "online": N_("En ligne")},
    "entry": {"sale": N_("Vente"), "void": N_("Annulation"), "refund": N_("Remboursement")},
    "closure": {
        "day": N_("Z du jour"),
        "month": N_("Clôture mensuelle"),
        "year": N_("Clôture annuelle"),
    },
    "stock": {
        "initial": N_("Stock de départ"),
        "production": N_("Production"),
        "sale": N_("Vente"),
        "refund": N_("Remboursement"),
        "void": N_("Annulation"),
        "loss": N_("Perte"),
        "gift": N_("Don / dégustation"),
        "correction": N_("Correction"),
    },
    "expense": {
        "materials": N_("Matières et fournitures"),
        "stall_fee": N_("Place de marché"),
        "transport": N_("Transport"),
        "communication": N_("Communication"),
        "other": N_("Autres dépenses"),
    },
    "payer": {
        "till": N_("Espèces de la caisse"),
        "bank": N_("Banque (carte, virement)"),
        "member": N_("Avancé par un membre"),
    },
    "share_rule": {"equal": N_("À parts égales"), "hours": N_("Aux heures"), "mix": N_("Mixte")},
    "role": {"admin": N_("Administrateur"), "member": N_("Membre")},
    "print_job": {
        "receipt": N_("Ticket"),
        "duplicate": N_("Duplicata"),
        "closure": N_("Clôture"),
        "drawer": N_("Tiroir-caisse"),
        "test": N_("Page de test"),
    },
    "catalogue_action": {
        "category_added": N_("catégorie ajoutée"),
        "product_added": N_("produit ajouté"),
        "product_changed": N_("produit modifié"),
        "product_archived": N_("produit archivé"),
        "product_restored": N_("produit remis en vente"),
    },
    # The details of the event journal (pos.db.events): each key as a word.
    "detail": {
        "number": N_("n°"),
        "period_kind": N_("type"),
        "period": N_("période"),
        "difference": N_("écart"),
        "float_total": N_("fond de caisse"),
        "sale": N_("vente"),
        "refund": N_("remboursement"),
        "void": N_("annulation"),
        "method": N_("moyen de paiement"),
        "address": N_("adresse"),
        "name": N_("nom"),
        "role": N_("rôle"),
        "until": N_("jusqu'à"),
        "applied": N_("migrations"),
        "keys": N_("réglages"),
        "path": N_("fichier"),
        "closure": N_("clôture"),
        "offset_seconds": N_("correction (secondes)"),
        "member_id": N_("membre n°"),
        "token_id": N_("jeton n°"),
        "product_id": N_("produit n°"),
        "action": N_("action"),
        "changes": N_("changements"),
        "job": N_("impression n°"),
        "job_kind": N_("document"),
        "error": N_("raison"),
        "duplicate": N_("duplicata n°"),
        "by": N_("par"),
        "host": N_("adresse du serveur"),
        "port": N_("port"),
    },
}
# What a settings or product change names (event details "keys" and "changes").
WORDS["field"] = {
    "name": N_("nom"),
    "short_name": N_("nom court"),
    "price": N_("prix"),
    "vat_rate": N_("taux de TVA"),
    "unit_cost": N_("coût unitaire"),
    "category_id": N_("catégorie"),
    "color": N_("couleur"),
    "emoji": N_("emoji"),
    "photo": N_("photo"),
    "track_stock": N_("suivi du stock"),
    "low_stock": N_("alerte de stock"),
    "brand": N_("marque"),
    "legal_name": N_("nom de la CAE"),
    "address": N_("adresse"),
    "siret": N_("SIRET"),
    "vat_number": N_("n° de TVA"),
    "vat_franchise": N_("franchise de TVA"),
    "receipt_footer": N_("pied de ticket"),
    "sales_goal": N_("objectif de ventes"),
    "idle_minutes": N_("déconnexion après"),
    "undo_minutes": N_("annulation possible pendant"),
    "timezone": N_("fuseau horaire"),
    "language": N_("langue"),
    "printer_url": N_("imprimante"),
    "paper_width": N_("largeur du papier"),
    "drawer_on_cash": N_("tiroir-caisse"),
    "receipt_qr": N_("QR code du ticket"),
    "receipt_logo": N_("logo du ticket"),
    "cash_difference_threshold": N_("écart à justifier"),
    "backup_dir": N_("dossier des sauvegardes"),
    "backup_keep": N_("sauvegardes gardées"),
    "stall_fee": N_("place de marché"),
    "target_pay": N_("rémunération visée"),
    "cae_contribution": N_("contribution à la CAE"),
    "week_start": N_("début de la semaine"),
    "share_rule": N_("règle de partage"),
    "share_kept_back": N_("part gardée"),
    "share_hours_weight": N_("part aux heures"),
    "vat_rates": N_("taux de TVA proposés"),
    "clock_offset": N_("correction de l'heure"),
}
FIELD_MONEY = {"price", "unit_cost"}


def field_word(key: str) -> str:
    """A setting's or a product field's name in words; an FEC account says so."""
    if key.startswith("account_") and key not in WORDS["field"]:
        return N_("compte du FEC")
    return word("field", key)


# How an event detail's value reads: an amount in cents, a moment, or a code of a group.
DETAIL_VALUES = {
    "difference": "money",
    "float_total": "money",
    "until": "moment",
    "period_kind": "closure",
    "method": "method",
    "role": "role",
    "job_kind": "print_job",
    "action": "catalogue_action",
}


def word(group: str, code: object) -> str:
    """The French word for a code of a group ("method", "card" -> "Carte bancaire").

    An unknown code (or group) gives the code itself: better shown than lost.
    """
    return WORDS.get(group, {}).get(str(code), str(code) if code is not None else "")


def words(group: str) -> dict[str, str]:
    """Every code of a group and its French word, in order (for a form's choices)."""
    return dict(WORDS[group])


def out_of_stock(name: str, left: int) -> Message:
    """The refusal when a product has fewer units left than wanted ("il n'en reste plus")."""
    if left <= 0:
        return Message(N_("Stock insuffisant pour « %(name)s » : il n'en reste plus."), name=name)
    return Message(
        N_("Stock insuffisant pour « %(name)s » : il n'en reste que %(left)s."),
        name=name,
        left=left,
    )
