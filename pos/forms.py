"""What a form check returns: the cleaned values, and the French message for each wrong field,
so that the form can be shown again with what was typed kept (products, stock, prices, plan)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Checked:
    """A form's cleaned values and the French message for each wrong field."""

    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
