"""Decode ESC/POS bytes into what a customer would read on the paper.

Text is decoded with the code page selected by the last ESC t, as a printer does; ESC @ puts
the printer back on its power-on table (CP437), which is how a code page sent before ESC @
turns "€" into "╒". Unknown commands raise, so a test notices bytes it did not expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# ESC t n numbering of Epson printers (python-escpos "default", TM-T20II...).
EPSON_CODEPAGES: dict[int, str] = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    15: "iso8859_7",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
    40: "iso8859_15",
}
# ESC t n numbering of cheap 58 mm clones (python-escpos "POS-5890").
POS5890_CODEPAGES: dict[int, str] = {0: "cp437", 52: "cp437", 53: "cp858", 71: "cp1252"}
POWER_ON_CODEPAGE = "cp437"

# Commands with a fixed number of argument bytes that only change how text looks or feeds.
_ESC_FIXED = {
    ord("-"): 1,  # underline
    ord("M"): 1,  # font
    ord("G"): 1,  # double strike
    ord("{"): 1,  # upside down
    ord("3"): 1,  # line spacing
    ord("2"): 0,  # default line spacing
    ord("J"): 1,  # feed n dots
    ord("c"): 2,  # panel buttons (ESC c 5 n)
    ord("U"): 1,  # unidirectional
    ord("V"): 1,  # rotate
}
_GS_FIXED = {
    ord("B"): 1,  # reverse
    ord("b"): 1,  # smoothing
    ord("L"): 2,  # left margin
    ord("W"): 2,  # print area width
    ord("H"): 1,  # HRI position
    ord("f"): 1,  # HRI font
    ord("h"): 1,  # barcode height
    ord("w"): 1,  # barcode width
}


@dataclass(frozen=True)
class DecodedLine:
    """One printed line and the style in force when it started."""

    text: str
    align: str = "left"
    bold: bool = False
    big: bool = False


@dataclass
class Decoded:
    """What a printer would do with a byte stream."""

    lines: list[DecodedLine] = field(default_factory=list)
    codepages: list[int] = field(default_factory=list)
    resets: int = 0
    cuts: int = 0
    drawer_kicks: list[int] = field(default_factory=list)
    qr: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    images: list[tuple[int, int]] = field(default_factory=list)
    status_queries: list[int] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)

    @property
    def text(self) -> list[str]:
        """The printed lines, as read."""
        return [line.text for line in self.lines]

    @property
    def joined(self) -> str:
        """All printed text, one line per line."""
        return "\n".join(self.text)


class _State:
    def __init__(self, codepages: Mapping[int, str]) -> None:
        self.table = dict(codepages)
        self.reset()
        self.pending: list[str] = []
        self.style: tuple[str, bool, bool] | None = None
        self.qr_stored = ""

    def reset(self) -> None:
        self.codec = POWER_ON_CODEPAGE
        self.align, self.bold, self.width, self.height = "left", False, 1, 1

    def current_style(self) -> tuple[str, bool, bool]:
        return (self.align, self.bold, self.width > 1 and self.height > 1)

    def write(self, raw: bytes) -> None:
        if self.style is None:
            self.style = self.current_style()
        self.pending.append(raw.decode(self.codec, errors="replace"))

    def newline(self, out: Decoded) -> None:
        align, bold, big = self.style or self.current_style()
        out.lines.append(DecodedLine("".join(self.pending), align, bold, big))
        self.pending, self.style = [], None


def _length(data: bytes, at: int, width: int) -> int:
    return int.from_bytes(data[at : at + width], "little")


def decode(data: bytes, codepages: Mapping[int, str] = EPSON_CODEPAGES) -> Decoded:
    """Decode a job as a printer numbering its code pages with `codepages` would print it."""
    out, state, i = Decoded(), _State(codepages), 0
    while i < len(data):
        byte = data[i]
        if byte >= 0x20:
            end = i
            while end < len(data) and data[end] >= 0x20:
                end += 1
            state.write(data[i:end])
            i = end
        elif byte == 0x0A:
            state.newline(out)
            i += 1
        elif byte == 0x0D:
            i += 1
        elif byte == 0x09:
            state.write(b"\t")
            i += 1
        elif byte == ESC:
            i = _esc(data, i, state, out)
        elif byte == GS:
            i = _gs(data, i, state, out)
        elif byte == DLE:
            if data[i + 1] != 0x04:
                raise ValueError(f"DLE {data[i + 1]:#x} at {i}")
            out.status_queries.append(data[i + 2])
            out.events.append(("status", data[i + 2]))
            i += 3
        else:
            raise ValueError(f"unexpected control byte {byte:#x} at {i}")
    if state.pending:
        state.newline(out)
    return out


def _esc(data: bytes, i: int, state: _State, out: Decoded) -> int:
    command = data[i + 1]
    if command == ord("@"):
        state.reset()
        out.resets += 1
        out.events.append(("init",))
        return i + 2
    arg = data[i + 2] if i + 2 < len(data) else 0
    if command == ord("t"):
        if arg not in state.table:
            raise ValueError(f"ESC t {arg}: code page unknown to this printer")
        state.codec = state.table[arg]
        out.codepages.append(arg)
        out.events.append(("codepage", arg))
    elif command == ord("a"):
        state.align = {0: "left", 1: "center", 2: "right"}[arg % 48]
    elif command == ord("E"):
        state.bold = bool(arg & 1)
    elif command == ord("!"):
        state.bold = bool(arg & 0x08)
        state.height = 2 if arg & 0x10 else 1
        state.width = 2 if arg & 0x20 else 1
    elif command == ord("d"):
        for _ in range(arg):
            state.newline(out)
    elif command == ord("p"):
        out.drawer_kicks.append(arg % 48)
        out.events.append(("drawer", arg % 48))
        return i + 5
    elif command in _ESC_FIXED:
        return i + 2 + _ESC_FIXED[command]
    else:
        raise ValueError(f"ESC {chr(command)!r} at {i}")
    return i + 3


def _gs(data: bytes, i: int, state: _State, out: Decoded) -> int:
    command = data[i + 1]
    if command == ord("!"):
        arg = data[i + 2]
        state.width, state.height = (arg >> 4) + 1, (arg & 0x0F) + 1
        return i + 3
    if command == ord("V"):
        if state.pending:
            state.newline(out)
        out.cuts += 1
        out.events.append(("cut",))
        return i + (4 if data[i + 2] in (65, 66) else 3)
    if command == ord("(") and data[i + 2] in (ord("k"), ord("L")):
        size = _length(data, i + 3, 2)
        body = data[i + 5 : i + 5 + size]
        if data[i + 2] == ord("k"):
            _qr(body, state, out)
        return i + 5 + size
    if command == ord("v") and data[i + 2] == ord("0"):
        width_bytes, height = _length(data, i + 4, 2), _length(data, i + 6, 2)
        out.images.append((width_bytes * 8, height))
        out.events.append(("image", width_bytes * 8, height))
        return i + 8 + width_bytes * height
    if command == ord("k"):
        return _barcode(data, i, out)
    if command in _GS_FIXED:
        return i + 2 + _GS_FIXED[command]
    raise ValueError(f"GS {chr(command)!r} at {i}")


def _qr(body: bytes, state: _State, out: Decoded) -> None:
    kind, function = body[0], body[1]
    if kind != ord("1"):
        return
    if function == ord("P"):  # store: cn fn m data
        state.qr_stored = body[3:].decode("utf-8")
    elif function == ord("Q"):  # print what was stored
        out.qr.append(state.qr_stored)
        out.events.append(("qr", state.qr_stored))


def _barcode(data: bytes, i: int, out: Decoded) -> int:
    system = data[i + 2]
    if system <= 6:
        end = data.index(0, i + 3)
        start = i + 3
    else:
        start = i + 4
        end = start + data[i + 3]
    out.barcodes.append(data[start:end].decode("ascii"))
    out.events.append(("barcode", out.barcodes[-1]))
    return end + (1 if system <= 6 else 0)
