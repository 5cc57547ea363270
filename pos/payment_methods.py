"""The payment methods, in one registry: each one's code, words, FEC account and rules.

A sale stores the code; what a method may do (give change, count in the drawer, have a button
of its own on the payment row) and how it is named and booked are read here. Adding a method
is one `register(...)` entry plus the English words of its name in the catalogue. Since
migration 0017 the payments table checks only a code's shape, so a new code needs no rebuild;
a code once used stays registered (a retired method is no longer offered, still named).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pos.i18n import N_


@dataclass(frozen=True)
class PaymentMethod:
    """One way to pay: the code the journal keeps and what the till does with it."""

    code: str
    word: str  # French, marked N_(): receipts and the Z print it, screens translate it
    account_setting: str  # the setting holding its FEC debit account (ask the CAE)
    account: str  # that setting's default
    may_exceed: bool = False  # may be more than is due: the difference is change, given back
    moves_drawer: bool = False  # counted in the cash drawer (expected cash, the Z's count)
    button: bool = False  # a button of its own on the payment row (cash has its notes)
    offered: bool = True  # offered for new sales and refunds (False: retired, still named)
    short: str = ""  # French, marked N_(): the word on its button and in narrow tables
    account_word: str = ""  # French, marked N_(): its account's field on the settings screen
    deposit: str = ""  # French, marked N_(): what of it a bank deposit takes; "": none

    @property
    def short_word(self) -> str:
        """The word where room is short (its button, the per-member table): short, else word."""
        return self.short or self.word

    @property
    def account_field(self) -> str:
        """The settings screen's name for its FEC account: account_word, else the word."""
        return self.account_word or self.word


class _Registry(dict):
    """The methods by code; `x in METHODS` is simply False for what is not a code (an API body
    may hold any JSON value there, a list or an object included)."""

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and dict.__contains__(self, code)


METHODS: dict[str, PaymentMethod] = _Registry()
CODES: list[str] = []  # the offered codes in order, kept in step with METHODS (the API's schema)


# What the payments table's CHECK takes (migration 0017): lower-case ASCII letters and "_".
_CODE = re.compile(r"[a-z_]+", re.ASCII)


# What cash_movements' CHECK takes for a bank deposit (migration 0011): a deposit of any other
# method needs a migration widening that CHECK first (as 0017 did for payments), then its code here.
DEPOSIT_CODES = frozenset({"cash", "cheque", "card"})


class BadCode(ValueError):
    """A method's code a table would refuse: payments (lower-case letters and "_" only), or
    cash_movements for a method that may be deposited."""


def register(method: PaymentMethod) -> PaymentMethod:
    """Add a method (or replace one with the same code).

    :raise BadCode: the code does not fit the payments table's CHECK, or the method may be
        deposited and cash_movements' CHECK does not take its code.
    """
    if not _CODE.fullmatch(method.code):
        raise BadCode(f"a payment method's code is lower-case letters and _: {method.code!r}")
    if method.deposit and method.code not in DEPOSIT_CODES:
        raise BadCode(f"cash_movements takes no deposit of {method.code!r}: a migration first")
    METHODS[method.code] = method
    CODES[:] = offered_codes()
    return method


def unregister(code: str) -> None:
    """Take a method out again (for a test; a method a sale used stays for good)."""
    METHODS.pop(code, None)
    CODES[:] = offered_codes()


class _ByCode(Mapping[str, str]):
    """Code → one field of each method, read live from the registry."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __getitem__(self, code: str) -> str:
        return getattr(METHODS[code], self.field)

    def __iter__(self) -> Iterator[str]:
        return iter(METHODS)

    def __len__(self) -> int:
        return len(METHODS)


WORDS: Mapping[str, str] = _ByCode("word")  # French names: paper and the Z print these
ACCOUNTS: Mapping[str, str] = _ByCode("account")  # default debit accounts (pos.fec's defaults)


def offered() -> list[PaymentMethod]:
    """The methods a member may pick for a new payment, in order."""
    return [m for m in METHODS.values() if m.offered]


def may_deposit(code: object) -> bool:
    """Whether a bank deposit may take this method's takings from the till (cash, slips)."""
    return code in METHODS and bool(METHODS[code].deposit)


def accepts(code: object) -> bool:
    """Whether a new payment or refund may use this code: registered and still offered."""
    return code in METHODS and METHODS[code].offered


def offered_codes() -> list[str]:
    """The codes a new payment may use, in order (the API's schema)."""
    return [m.code for m in offered()]


def account_settings() -> dict[str, str]:
    """Each method's account setting and its default ("account_card": "5115"), in order."""
    return {m.account_setting: m.account for m in METHODS.values()}


def word(code: str) -> str:
    """A method's French name; an unknown code is shown as it is."""
    method = METHODS.get(code)
    return method.word if method else code


def short_word(code: str) -> str:
    """A method's French name where room is short; an unknown code is shown as it is."""
    method = METHODS.get(code)
    return method.short_word if method else code


def moves_drawer(code: str) -> bool:
    """Whether a payment by this method is money in the cash drawer."""
    method = METHODS.get(code)
    return bool(method and method.moves_drawer)


def may_exceed(code: str) -> bool:
    """Whether a payment by this method may be more than is due (the rest is change)."""
    method = METHODS.get(code)
    return bool(method and method.may_exceed)


for _method in (
    PaymentMethod(
        "cash",
        N_("Espèces"),
        "account_cash",
        "530",
        may_exceed=True,
        moves_drawer=True,
        account_word=N_("Caisse (espèces)"),
        deposit=N_("espèces"),
    ),
    PaymentMethod(
        "card",
        N_("Carte bancaire"),
        "account_card",
        "5115",
        button=True,
        short=N_("Carte"),
        account_word=N_("Cartes à encaisser"),
        deposit=N_("tickets de carte"),
    ),
    PaymentMethod(
        "cheque",
        N_("Chèque"),
        "account_cheque",
        "5112",
        button=True,
        account_word=N_("Chèques à encaisser"),
        deposit=N_("chèques"),
    ),
    PaymentMethod(
        "transfer", N_("Virement"), "account_transfer", "512", account_word=N_("Banque (virements)")
    ),
    PaymentMethod(
        "other", N_("Autre"), "account_other", "471", account_word=N_("Autres encaissements")
    ),
):
    register(_method)
