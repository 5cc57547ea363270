"""Printer URLs: how to reach a printer and what it can do, parsed from one line of text.

    network://192.168.1.50:9100?profile=TM-T20II       Ethernet or Wi-Fi, port 9100
    usb://0416:5011?profile=POS-5890                    USB vendor:product, in hex
    serial:///dev/rfcomm0?baudrate=9600                 serial, or Bluetooth after `rfcomm bind`
    file:///dev/usb/lp0                                 a device file (kernel usblp, rfcomm)
    preview://                                          no printer: nothing is sent

Defaults: a network printer is taken as an 80 mm Epson-compatible one (profile "default",
48 characters, cutter); a USB, serial or file printer as a 58 mm POS-5890 clone (profile
"POS-5890", 32 characters, no cutter). The code page is CP1252 when the profile has it (it
holds é è à ç ù œ € ’ – —), else CP858. Options: profile, codepage, width (32, 42 or 48),
cutter and drawer (true/false), baudrate (serial), in_ep and out_ep (USB, hex).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pos.codepages import writes_french
from pos.i18n import N_, Message, message_of
from pos.numbers import is_digits

KINDS = ("network", "usb", "serial", "file", "preview")
WIDTHS = (32, 42, 48)
OPTIONS = {
    "network": {"profile", "codepage", "width", "cutter", "drawer"},
    "usb": {"profile", "codepage", "width", "cutter", "drawer", "in_ep", "out_ep"},
    "serial": {"profile", "codepage", "width", "cutter", "drawer", "baudrate"},
    "file": {"profile", "codepage", "width", "cutter", "drawer"},
    "preview": {"profile", "codepage", "width", "cutter", "drawer"},
}

_TRUE = {"true": True, "1": True, "oui": True, "yes": True}
_FALSE = {"false": False, "0": False, "non": False, "no": False}


class InvalidPrinterUrl(ValueError):
    """The printer URL cannot be understood.

    Its argument is a `Message` whose `why` is a `Message` too (the web layer translates both);
    `str(exc)` stays the French sentence.
    """


@dataclass(frozen=True)
class PrinterConfig:
    """How to reach a printer and what it can do, parsed from a printer URL."""

    kind: str
    target: str = ""
    port: int = 9100
    vendor_id: int = 0
    product_id: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    baudrate: int = 9600
    profile: str = "default"
    codepage: str = "CP1252"
    width: int = 48
    cutter: bool = True
    drawer: bool = False
    url: str = ""

    @property
    def where(self) -> str:
        """The printer's address as a member would recognise it."""
        if self.kind == "network":
            return f"{self.target}:{self.port}"
        if self.kind == "usb":
            return f"USB {self.vendor_id:04x}:{self.product_id:04x}"
        return self.target or self.kind


def _bad(url: str, why: str) -> InvalidPrinterUrl:
    """The refusal of a URL; `why` is an N_() msgid or a `Message`, kept for translation."""
    return InvalidPrinterUrl(
        Message(
            N_(
                "Adresse d’imprimante invalide « %(url)s » : %(why)s. "
                "Exemples : network://192.168.1.50:9100, usb://0416:5011, file:///dev/usb/lp0."
            ),
            url=url,
            why=why if isinstance(why, Message) else Message(why),
        )
    )


def _flag(url: str, name: str, value: str) -> bool:
    key = value.strip().lower()
    if key in _TRUE or key in _FALSE:
        return _TRUE.get(key, False)
    raise _bad(url, Message(N_("%(name)s doit valoir true ou false"), name=name))


def _hex(url: str, name: str, value: str) -> int:
    try:
        number = int(value, 16)
    except ValueError:
        raise _bad(
            url, Message(N_("%(name)s doit être en hexadécimal (ex. 0416)"), name=name)
        ) from None
    if not 0 < number <= 0xFFFF:
        raise _bad(url, Message(N_("%(name)s hors limites"), name=name))
    return number


def _location(url: str, kind: str, netloc: str, path: str) -> dict[str, Any]:
    if kind == "network":
        try:
            parts = urlsplit(f"//{netloc}")
            host, port = parts.hostname, parts.port or 9100
        except ValueError:
            raise _bad(url, N_("le port doit être un nombre entre 1 et 65535")) from None
        if not host or path not in ("", "/"):
            raise _bad(url, N_("indiquez l’adresse IP ou le nom de l’imprimante"))
        return {"target": host, "port": port}
    if kind == "usb":
        ids = netloc.split(":")
        if len(ids) != 2 or path not in ("", "/"):
            raise _bad(url, N_("indiquez l’identifiant USB vendeur:produit, ex. usb://0416:5011"))
        return {
            "vendor_id": _hex(url, Message(N_("vendeur")), ids[0]),
            "product_id": _hex(url, Message(N_("produit")), ids[1]),
        }
    if kind in ("serial", "file"):
        if netloc or not path.startswith("/") or path == "/":
            raise _bad(url, N_("indiquez le chemin complet du périphérique, ex. /dev/rfcomm0"))
        return {"target": path}
    if netloc or path not in ("", "/"):
        raise _bad(url, N_("preview:// ne prend ni hôte ni chemin"))
    return {}


def _defaults(kind: str, profile: str | None) -> dict[str, Any]:
    """Width, cutter and code page a profile implies, for options the URL leaves out."""
    from escpos.capabilities import get_profile

    name = profile or ("default" if kind in ("network", "preview") else "POS-5890")
    try:
        escpos_profile = get_profile(name)
    except KeyError:
        raise ValueError(
            Message(N_("profil d’imprimante inconnu « %(name)s »"), name=name)
        ) from None
    pages = escpos_profile.get_code_pages()
    codepage = next((cp for cp in ("CP1252", "CP858", "ISO_8859-15") if cp in pages), "CP437")
    columns = escpos_profile.profile_data.get("fonts", {}).get("0", {}).get("columns")
    fallback = 32 if kind in ("usb", "serial", "file") else 48
    width = columns if columns in WIDTHS and profile else fallback
    cutter = bool(
        escpos_profile.supports("paperFullCut") or escpos_profile.supports("paperPartCut")
    )
    return {"profile": name, "codepage": codepage, "width": width, "cutter": cutter, "pages": pages}


def parse_printer_url(url: str) -> PrinterConfig:
    """Read a printer URL such as network://192.168.1.50:9100?profile=TM-T20II."""
    text = (url or "").strip()
    parts = urlsplit(text)
    kind = parts.scheme.lower()
    if kind not in KINDS:
        raise _bad(text, N_("le type doit être network, usb, serial, file ou preview"))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    options = dict(pairs)
    if len(options) != len(pairs):
        raise _bad(text, N_("une option est répétée"))
    unknown = sorted(set(options) - OPTIONS[kind])
    if unknown:
        why = Message(
            N_("option inconnue pour %(kind)s : %(names)s"), kind=kind, names=", ".join(unknown)
        )
        raise _bad(text, why)
    fields = _location(text, kind, parts.netloc, parts.path)
    try:
        implied = _defaults(kind, options.get("profile"))
    except ValueError as exc:
        raise _bad(text, message_of(exc)) from None
    pages = implied.pop("pages")
    fields.update(implied)
    fields.update(_options(text, options, pages))
    return PrinterConfig(kind=kind, url=text, **fields)


def _options(url: str, options: dict[str, str], pages: dict[str, Any]) -> dict[str, Any]:
    from escpos.codepages import CodePages  # python-escpos loads its profiles: only when used

    fields: dict[str, Any] = {}
    if "codepage" in options:
        name = CodePages.get_encoding_name(options["codepage"])
        if name not in pages or "python_encode" not in CodePages.data.get(name, {}):
            why = N_("ce profil n’a pas la page de codes %(codepage)s")
            raise _bad(url, Message(why, codepage=options["codepage"]))
        if not writes_french(name):
            why = N_("la page de codes %(codepage)s n’a pas les lettres accentuées du français")
            raise _bad(url, Message(why, codepage=name))
        fields["codepage"] = name
    if "width" in options:
        if options["width"] not in {str(w) for w in WIDTHS}:
            raise _bad(url, N_("la largeur doit être 32 (58 mm), 42 ou 48 (80 mm)"))
        fields["width"] = int(options["width"])
    for name in ("cutter", "drawer"):
        if name in options:
            fields[name] = _flag(url, name, options[name])
    if "baudrate" in options:
        if not is_digits(options["baudrate"]) or int(options["baudrate"]) <= 0:
            raise _bad(url, N_("baudrate doit être un nombre, ex. 9600"))
        fields["baudrate"] = int(options["baudrate"])
    for name in ("in_ep", "out_ep"):
        if name in options:
            fields[name] = _hex(url, name, options[name])
    return fields


def device_refusal(path: str) -> Message | None:
    """Why a serial:// or file:// path may not be written to as a printer (None: it may).

    Only a character device (/dev/usb/lp0, /dev/rfcomm0, /dev/ttyUSB0) is a printer: any
    other file (the database, its WAL, the key files, a folder) is refused, so that a
    mistyped or malicious printer URL can never overwrite it. A device not plugged in yet
    passes (opening it then says it is missing).
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Message(N_("%(path)s illisible (%(why)s)"), path=path, why=exc.strerror or "")
    if not stat.S_ISCHR(mode):
        return Message(
            N_("%(path)s n’est pas un périphérique : seule une imprimante (/dev/…) est écrite"),
            path=path,
        )
    return None
