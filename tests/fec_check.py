"""An FEC validator for the tests, written from art. A47 A-1 of the LPF, not from pos.fec.

validate_fec(raw bytes) checks what the DGFiP's test tool checks first and returns the rows as
dicts: the 18 columns in order, one separator (tab or |), dates AAAAMMJJ, amounts with a
decimal comma and no thousands separator, one side per line, numbering per journal continuous
within the file, every entry balanced with one date, ValidDate given and not before the
entry's date, labels present, CompAuxNum and CompAuxLib together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime

COLUMNS = (
    "JournalCode JournalLib EcritureNum EcritureDate CompteNum CompteLib CompAuxNum CompAuxLib "
    "PieceRef PieceDate EcritureLib Debit Credit EcritureLet DateLet ValidDate Montantdevise "
    "Idevise"
).split()
AMOUNT = re.compile(r"^\d+,\d{2}$")


class InvalidFec(AssertionError):
    """The file breaks a rule of the FEC's format."""


def _date(text: str, what: str) -> date:
    if not re.fullmatch(r"\d{8}", text):
        raise InvalidFec(f"{what}: {text!r} is not AAAAMMJJ")
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise InvalidFec(f"{what}: {text!r} is no date") from exc


def _cents(text: str, what: str) -> int:
    if not AMOUNT.match(text):
        raise InvalidFec(f"{what}: {text!r} is not an amount with a decimal comma")
    return int(text.replace(",", ""))


def validate_fec(raw: bytes, encoding: str = "utf-8") -> list[dict]:
    """Check an FEC file's bytes; return its lines as dicts (raise InvalidFec otherwise)."""
    text = raw.decode(encoding)
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InvalidFec("empty file")
    separator = "\t" if "\t" in lines[0] else "|"
    if lines[0].split(separator) != COLUMNS:
        raise InvalidFec(f"header: {lines[0]!r}")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(separator)
        if len(cells) != 18:
            raise InvalidFec(f"line {number}: {len(cells)} columns")
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    entries: dict[tuple[str, int], list[dict]] = defaultdict(list)
    order: list[tuple[str, int]] = []
    for i, row in enumerate(rows, start=2):
        where = f"line {i}"
        for key in ("JournalCode", "JournalLib", "CompteNum", "CompteLib", "EcritureLib"):
            if not row[key].strip():
                raise InvalidFec(f"{where}: {key} is empty")
        if not row["PieceRef"].strip():
            raise InvalidFec(f"{where}: PieceRef is empty")
        if bool(row["CompAuxNum"]) != bool(row["CompAuxLib"]):
            raise InvalidFec(f"{where}: CompAuxNum and CompAuxLib go together")
        if not row["EcritureNum"].isdigit():
            raise InvalidFec(f"{where}: EcritureNum {row['EcritureNum']!r}")
        on = _date(row["EcritureDate"], f"{where} EcritureDate")
        _date(row["PieceDate"], f"{where} PieceDate")
        if not row["ValidDate"]:
            raise InvalidFec(f"{where}: ValidDate is empty (only validated entries are exported)")
        if _date(row["ValidDate"], f"{where} ValidDate") < on:
            raise InvalidFec(f"{where}: validated before its date")
        debit, credit = _cents(row["Debit"], where), _cents(row["Credit"], where)
        if (debit == 0) == (credit == 0):
            raise InvalidFec(f"{where}: a line has exactly one side")
        row["debit"], row["credit"] = debit, credit
        key = (row["JournalCode"], int(row["EcritureNum"]))
        if key not in entries:
            order.append(key)
        elif order[-1] != key:
            raise InvalidFec(f"{where}: entry {key} is split across the file")
        entries[key].append(row)
    for key, entry in entries.items():
        if sum(r["debit"] for r in entry) != sum(r["credit"] for r in entry):
            raise InvalidFec(f"entry {key} is not balanced")
        for field in ("EcritureDate", "ValidDate", "JournalLib"):
            if len({r[field] for r in entry}) != 1:
                raise InvalidFec(f"entry {key}: one {field} per entry")
    by_journal: dict[str, list[int]] = defaultdict(list)
    for code, num in order:
        by_journal[code].append(num)
    for code, numbers in by_journal.items():
        if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            raise InvalidFec(f"journal {code}: numbering not continuous: {numbers}")
    return rows
