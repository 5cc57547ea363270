"""A payment method Étal's code has never heard of, added by one registry entry: gift vouchers.

Tests register it in their own process (`gift` fixture); `python -m tests.payment_gift serve ...`
is `pos serve` with it registered, for the live server and the browser.
"""

from __future__ import annotations

from pos import payment_methods
from pos.i18n import N_
from pos.payment_methods import PaymentMethod

GIFT = PaymentMethod("gift", N_("Chèque-cadeau"), "account_gift", "4191", button=True)


def serve() -> None:
    """`pos` with the gift voucher registered (argv as `pos` takes it)."""
    from pos.cli import main

    payment_methods.register(GIFT)
    main(prog_name="pos")


if __name__ == "__main__":
    serve()
