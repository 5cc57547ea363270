"""When a clock correction is sane: never before the last entry, a few days ahead at most
without a confirmation, and never outside years Étal can count in. A stored correction that
is not sane is ignored (the machine's clock is used), so it can never stop the server."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from pos import clock
from pos.i18n import N_, Message

EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
LATEST = datetime(2099, 12, 31, tzinfo=UTC)
AHEAD_WITHOUT_CONFIRMATION = timedelta(days=3)
MAX_OFFSET = (LATEST - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()


class NeedsConfirmation(Exception):
    """The time asked is far past the last entry: an admin must confirm it."""

    def __init__(self, message: Message):
        super().__init__(message.msgid)
        self.message = message


def check_correction(
    tablet: datetime, last_entry: datetime | None, *, confirmed: bool
) -> Message | None:
    """None when the tablet's time may become the till's, else why not (French, N_).

    :raise NeedsConfirmation: more than three days past the last entry, not yet confirmed.
    """
    shown = _shown(tablet)
    if not EARLIEST <= tablet <= LATEST:
        return Message(N_("L'heure de cette tablette (%(t)s) n'est pas plausible."), t=shown)
    if last_entry is None:
        return None
    if tablet < last_entry - timedelta(seconds=5):
        return Message(
            N_(
                "L'heure de cette tablette (%(t)s) est avant la dernière écriture (%(last)s) :"
                " mettez la tablette à l'heure, puis recommencez."
            ),
            t=shown,
            last=_shown(last_entry),
        )
    if tablet - last_entry > AHEAD_WITHOUT_CONFIRMATION and not confirmed:
        raise NeedsConfirmation(
            Message(
                N_(
                    "La tablette dit %(t)s, plus de trois jours après la dernière écriture"
                    " (%(last)s). Les prochaines ventes seront datées ainsi et l'heure ne pourra"
                    " plus revenir en arrière : confirmez seulement si c'est la bonne heure."
                ),
                t=shown,
                last=_shown(last_entry),
            )
        )
    return None


def stored_offset(text: object) -> float:
    """The correction kept in the settings, or 0 when it is unreadable or absurd."""
    try:
        seconds = float(str(text).strip() or 0)
    except ValueError:
        return 0.0
    if not math.isfinite(seconds) or abs(seconds) > MAX_OFFSET:
        return 0.0
    try:
        datetime.now(UTC) + timedelta(seconds=seconds)
    except OverflowError:
        return 0.0
    return seconds


def _shown(moment: datetime) -> str:
    try:
        return clock.local(moment).strftime("%d/%m/%Y %H:%M")
    except (OverflowError, ValueError):
        return moment.strftime("%d/%m/%Y %H:%M")
