"""Sharing the week's result among members, SCOP-like: a part kept back, then shares.

All amounts are integer cents, rates integer basis points, hours integer minutes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

from pos.money import percent_of

BP = 10_000
Rule = Literal["equal", "hours", "mix"]
RULES: tuple[str, ...] = ("equal", "hours", "mix")


class InvalidShares(ValueError):
    """The sharing inputs cannot give shares (no members, unknown rule, rate out of range...)."""


@dataclass(frozen=True)
class Member:
    """A member taking part in the share, with the minutes they worked in the week."""

    name: str
    minutes: int = 0


@dataclass(frozen=True)
class Share:
    """One member's share: equal part + hours part, each exact to the cent."""

    name: str
    minutes: int
    equal_part: int
    hours_part: int
    remainder_cents: int  # cents received from the remainders (0, 1 or 2), included above
    amount: int  # equal_part + hours_part


@dataclass(frozen=True)
class Step:
    """One line of the computation as data; the UI words it from ``key``.

    Keys: "result", "kept_back" (base x rate), "to_share", "loss", "equal_pot" (base x rate,
    count = members), "equal_remainder", "hours_pot" (base x rate, count = total minutes),
    "hours_remainder", "hours_fallback_equal" (nobody has hours: the hours pot goes equally).
    """

    key: str
    amount: int
    base: int | None = None
    rate: int | None = None
    count: int | None = None


@dataclass(frozen=True)
class ShareSheet:
    """The whole share: what is kept back, what is shared, each member's share and the steps."""

    result: int
    kept_back_bp: int
    kept_back: int
    to_share: int
    rule: str
    hours_weight_bp: int  # part of to_share shared by hours (0 equal, 10000 hours)
    is_loss: bool
    fell_back_to_equal: bool
    shares: tuple[Share, ...]
    steps: tuple[Step, ...]


def _validate(members: Sequence[Member], rule: str, kept_back_bp: int, weight_bp: int) -> None:
    if rule not in RULES:
        raise InvalidShares(f"Règle de partage inconnue : {rule}.")
    if not members:
        raise InvalidShares("Ajoutez au moins un membre avant de partager.")
    if not 0 <= kept_back_bp <= BP or not 0 <= weight_bp <= BP:
        raise InvalidShares("Les pourcentages doivent être entre 0 et 100 %.")
    if len({member.name for member in members}) != len(members):
        raise InvalidShares("Deux membres portent le même nom : distinguez-les.")
    if any(member.minutes < 0 for member in members):
        raise InvalidShares("Les heures travaillées ne peuvent pas être négatives.")


def _hours_weight(rule: str, hours_weight_bp: int) -> int:
    return {"equal": 0, "hours": BP}.get(rule, hours_weight_bp)


def _name_ranks(members: Sequence[Member]) -> list[int]:
    order = sorted(range(len(members)), key=lambda i: (members[i].name.casefold(), members[i].name))
    ranks = [0] * len(members)
    for rank, index in enumerate(order):
        ranks[index] = rank
    return ranks


def largest_remainder(pot: int, weights: Sequence[int], ranks: Sequence[int]) -> list[int]:
    """Split pot (cents >= 0) by weights, exactly: floors, then one cent per largest remainder.

    Ties between equal remainders go to the lower rank. A zero weight never gets a cent.
    """
    if pot == 0:
        return [0] * len(weights)
    total = sum(weights)
    parts = [pot * weight // total for weight in weights]
    rests = [pot * weight % total for weight in weights]
    ranked = sorted(range(len(weights)), key=lambda i: (-rests[i], ranks[i]))
    for index in ranked[: pot - sum(parts)]:
        parts[index] += 1
    return parts


def _round_once(pot: int, exacts: Sequence[Fraction], ranks: Sequence[int]) -> list[int]:
    """Exact combined shares to cents adding up to pot: floors, then the largest remainders.

    Ties between equal remainders go to the lower rank (by name). Rounding once on the exact
    shares, not pot by pot, is what the screen promises.
    """
    parts = [math.floor(x) for x in exacts]
    ranked = sorted(range(len(parts)), key=lambda i: (-(exacts[i] - parts[i]), ranks[i]))
    for index in ranked[: pot - sum(parts)]:
        parts[index] += 1
    return parts


def _loss_sheet(result: int, kept_back_bp: int, rule: str, weight: int) -> ShareSheet:
    steps = (Step("result", result), Step("loss", result))
    return ShareSheet(result, kept_back_bp, 0, 0, rule, weight, True, False, (), steps)


def _steps(sheet: ShareSheet, equal_pot: int, hours_pot: int) -> tuple[Step, ...]:
    weight, count = sheet.hours_weight_bp, len(sheet.shares)
    steps = [Step("result", sheet.result)]
    steps.append(Step("kept_back", sheet.kept_back, sheet.result, sheet.kept_back_bp))
    steps.append(Step("to_share", sheet.to_share))
    if weight < BP:
        steps.append(Step("equal_pot", equal_pot, sheet.to_share, BP - weight, count))
        steps.append(Step("equal_remainder", equal_pot % count))
    if weight > 0:
        minutes = sum(share.minutes for share in sheet.shares)
        steps.append(Step("hours_pot", hours_pot, sheet.to_share, weight, minutes))
        extra = sum(share.remainder_cents for share in sheet.shares) - equal_pot % count
        steps.append(Step("hours_remainder", extra))
    if sheet.fell_back_to_equal:
        steps.append(Step("hours_fallback_equal", hours_pot, count=count))
    return tuple(steps)


def share_result(
    result: int,
    members: Sequence[Member],
    *,
    rule: Rule = "equal",
    kept_back_bp: int = 0,
    hours_weight_bp: int = 5_000,
) -> ShareSheet:
    """Share a positive result: keep a part back, then share equally, by hours, or a mix.

    - A result <= 0 is a loss: nothing kept back, no shares, ``is_loss`` is True.
    - kept_back = result x kept_back_bp, rounded half up to the cent; to_share is the rest.
    - "equal" shares all of to_share equally, "hours" all of it by minutes worked, "mix" shares
      hours_weight_bp of it by minutes and the rest equally. hours_weight_bp is only read for
      "mix".
    - Rounded once: each member's exact share (equal part + hours part, as fractions) is
      floored, then the cents left over go one each to the largest remainders; ties go by
      name (case-insensitive, then exact), so the order members are given in never matters.
      A member's share is thus within 1 cent of their exact share, and the shares add up to
      to_share exactly.
    - Members with zero minutes get nothing from the hours pot. If nobody has minutes, the hours
      pot is shared equally instead and ``fell_back_to_equal`` is True.
    """
    weight = _hours_weight(rule, hours_weight_bp)
    _validate(members, rule, kept_back_bp, weight)
    if result <= 0:
        return _loss_sheet(result, kept_back_bp, rule, weight)
    kept_back = percent_of(result, kept_back_bp)
    to_share = result - kept_back
    ranks, count = _name_ranks(members), len(members)
    fallback = weight > 0 and not any(member.minutes for member in members)
    by_hours = [1] * count if fallback else [member.minutes for member in members]
    minutes = sum(by_hours)
    equal_exact = Fraction(to_share * (BP - weight), BP * count)
    exacts = [
        equal_exact + (Fraction(to_share * weight * m, BP * minutes) if minutes else 0)
        for m in by_hours
    ]
    amounts = _round_once(to_share, exacts, ranks)
    # The rounding cents show in the hours part when there is one, else in the equal part.
    equal = [math.floor(equal_exact) if weight else a for a in amounts]
    shares = tuple(
        Share(m.name, m.minutes, e, a - e, a - math.floor(x), a)
        for m, e, a, x in zip(members, equal, amounts, exacts, strict=True)
    )
    equal_pot = sum(equal)
    hours_pot = to_share - equal_pot
    sheet = ShareSheet(
        result=result,
        kept_back_bp=kept_back_bp,
        kept_back=kept_back,
        to_share=result - kept_back,
        rule=rule,
        hours_weight_bp=weight,
        is_loss=False,
        fell_back_to_equal=fallback,
        shares=shares,
        steps=(),
    )
    return replace(sheet, steps=_steps(sheet, equal_pot, hours_pot))
