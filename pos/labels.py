"""Codes as words: what the journal stores ("card", "stall", "production") as people read it.

The one place that maps codes to words. Screens show them translated (the `label` filter),
paper (receipts, Z) and the French CSV dialect in French; storage, the API and the plain CSV
keep the codes. An unknown code is shown as it is rather than hidden. Also here: the French
plurals a domain message needs (the counts people read).
"""

from __future__ import annotations

from pos.i18n import N_, Message

WORDS: dict[str, dict[str, str]] = {
    "method": {
        "cash": N_("Espèces"),
        "card": N_("Carte bancaire"),
        "cheque": N_("Chèque"),
        "transfer": N_("Virement"),
        "other": N_("Autre"),
    },
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
        "other": N_("Autre"),
    },
    "payer": {
        "till": N_("Espèces de la caisse"),
        "bank": N_("Banque (carte, virement)"),
        "member": N_("Avancé par un membre"),
    },
    "share_rule": {"equal": N_("À parts égales"), "hours": N_("Aux heures"), "mix": N_("Mixte")},
    "role": {"admin": N_("Administrateur"), "member": N_("Membre")},
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
