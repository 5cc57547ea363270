"""Charts drawn on the server as inline SVG: no script, no style attribute (the CSP forbids it).

Colours and sizes are SVG presentation attributes; every chart has a title for screen readers
and each bar a <title> tooltip. Labels and values come in already formatted (French text).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

INK = "#111"
BAR = "#0b5"
PALE = "#c8e6c9"
WARN = "#b00020"
MUTED = "#555"


def _svg(width: int, height: int, title: str, body: list[str], css: str = "chart") -> str:
    head = (
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    )
    return head + "".join(body) + "</svg>"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "middle",
    size: int = 14,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> str:
    tooltip = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
        f'fill="{fill}">{tooltip}</rect>'
    )


def column_chart(
    bars: Sequence[tuple[str, int]], title: str, value_text: Sequence[str], *, height: int = 220
) -> str:
    """Vertical bars (e.g. sales by hour): a label under each, its value in the tooltip."""
    width, top, bottom = 640, 14, 30
    slot = width / max(len(bars), 1)
    peak = max([v for _, v in bars if v > 0], default=1)
    body = [
        f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'stroke="{INK}" stroke-width="2"/>'
    ]
    for i, ((label, value), shown) in enumerate(zip(bars, value_text, strict=True)):
        h = (height - top - bottom) * max(value, 0) / peak
        x = i * slot + slot * 0.15
        body.append(_rect(x, height - bottom - h, slot * 0.7, h, BAR, f"{label} : {shown}"))
        body.append(_text(i * slot + slot / 2, height - 10, label, size=13))
    return _svg(width, height, title, body)


def bar_list(
    rows: Sequence[tuple[str, int, int | None]],
    title: str,
    value_text: Sequence[str],
    *,
    label_width: int = 190,
) -> str:
    """Horizontal bars with a label and a figure; a second, paler value (e.g. produced) behind.

    rows: (label, value, background value or None). The scale is the largest of both.
    """
    width, row_h = 640, 30
    height = max(len(rows), 1) * row_h + 6
    peak = max([max(v, b or 0) for _, v, b in rows], default=1) or 1
    span = width - label_width - 110
    body = []
    for i, ((label, value, behind), shown) in enumerate(zip(rows, value_text, strict=True)):
        y = i * row_h + 4
        body.append(_text(label_width - 8, y + 19, label[:24], anchor="end"))
        if behind is not None:
            body.append(_rect(label_width, y, span * max(behind, 0) / peak, row_h - 8, PALE))
        body.append(
            _rect(label_width, y, span * max(value, 0) / peak, row_h - 8, BAR, f"{label} : {shown}")
        )
        body.append(_text(width - 4, y + 19, shown, anchor="end", weight="bold"))
    return _svg(width, height, title, body)


def progress_bar(value: int, goal: int, title: str, shown: str) -> str:
    """A bar filled to value/goal (capped at the end), with the percent written on it."""
    width, height = 640, 44
    ratio = min(max(value, 0) / goal, 1) if goal > 0 else 0
    body = [
        _rect(0, 4, width, height - 8, "#eee"),
        _rect(0, 4, width * ratio, height - 8, BAR if ratio >= 1 else INK),
        f'<rect x="1" y="5" width="{width - 2}" height="{height - 10}" fill="none" '
        f'stroke="{INK}" stroke-width="2"/>',
        _text(
            width / 2,
            height / 2 + 6,
            shown,
            size=18,
            weight="bold",
            fill="#fff" if ratio > 0.55 else INK,
        ),
    ]
    return _svg(width, height, title, body, css="chart progress")
