"""Printing: bytes sent through python-escpos' real backends, decoded as a customer reads them."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from escpos.config import Config
from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from pos import printer_urls, printing, receipts
from pos.money import vat_table
from pos.printing import InvalidPrinterUrl, PrinterConfig, PrinterUnavailable, parse_printer_url
from pos.receipts import PrintLine, Receipt, ReceiptLine, ReceiptPayment, Seller, layout
from tests.conftest import PRINTER_SECONDS
from tests.escpos_decode import POS5890_CODEPAGES, decode

SELLER = Seller(
    "Crèmerie d’Élise",
    "Coopaname SCOP SA",
    "3-7 rue Albert Marquet\n75020 Paris",
    "44886932100042",
    "FR12448869321",
)
FRENCH_WORDS = ["Bûche de Noël", "Pâté croûte", "Œufs", "cœur", "(forêt)", "Gâteau à l’ail"]


def receipt(**changes) -> Receipt:
    """A sale whose names hold é è ê à â ç ù û ô î ï ë œ Œ."""
    lines = [
        ReceiptLine("Bûche de Noël glacée", 1, 2450, 2450),
        ReceiptLine("Œufs frais × 6, cœur coulant", 2, 350, 700),
        ReceiptLine("Pâté croûte, maïs, cèpes", 1, 1290, 1161, 129, "Remise 10 %"),
        ReceiptLine("Gâteau à l’ail (forêt)", 1, 1000, 1000),
    ]
    values = dict(
        seller=SELLER,
        number=128,
        created_at=datetime(2026, 11, 26, 14, 4, tzinfo=UTC),
        member="François",
        lines=lines,
        total=5311,
        vat=vat_table({550: 4311, 2000: 1000}),
        payments=[ReceiptPayment("cash", 6000)],
        change=689,
        footer="Merci ! « À très bientôt » — l’équipe",
        qr_text="https://etal.example/t/128?é=1",
    )
    values.update(changes)
    return Receipt(**values)


def printed(decoded) -> list[str]:
    """Printed lines without the blank feed lines, right-trimmed."""
    return [text.rstrip() for text in decoded.text if text.strip()]


# --- URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "network://192.168.1.50",
            dict(kind="network", target="192.168.1.50", port=9100, width=48, cutter=True),
        ),
        (
            "network://imprimante.local:9101?profile=TM-T20II",
            dict(target="imprimante.local", port=9101, profile="TM-T20II", codepage="CP1252"),
        ),
        (
            "network://10.0.0.7?codepage=cp858&width=32&cutter=false&drawer=true",
            dict(codepage="CP858", width=32, cutter=False, drawer=True),
        ),
        (
            "usb://0416:5011",
            dict(kind="usb", vendor_id=0x0416, product_id=0x5011, profile="POS-5890"),
        ),
        ("usb://04b8:0e15?profile=TM-T20II", dict(vendor_id=0x04B8, width=48, cutter=True)),
        ("usb://0FE6:811E?out_ep=03&in_ep=81", dict(product_id=0x811E, out_ep=3, in_ep=0x81)),
        (
            "serial:///dev/rfcomm0?baudrate=9600",
            dict(kind="serial", target="/dev/rfcomm0", baudrate=9600, width=32, cutter=False),
        ),
        ("serial:///dev/ttyUSB0?baudrate=19200&width=48", dict(baudrate=19200, width=48)),
        (
            "file:///dev/usb/lp0",
            dict(kind="file", target="/dev/usb/lp0", profile="POS-5890", codepage="CP1252"),
        ),
        ("file:///dev/rfcomm0?drawer=oui", dict(target="/dev/rfcomm0", drawer=True)),
        ("preview://", dict(kind="preview", width=48)),
        ("  NETWORK://[::1]:9100  ", dict(kind="network", target="::1")),
        ("network://h?profile=simple", dict(codepage="CP437", cutter=False)),
    ],
)
def test_good_urls(url, expected):
    config = parse_printer_url(url)
    assert isinstance(config, PrinterConfig)
    for name, value in expected.items():
        assert getattr(config, name) == value, name


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "le type"),
        ("192.168.1.50", "le type"),
        ("http://192.168.1.50", "le type"),
        ("network://", "adresse IP"),
        ("network://host:99999", "port"),
        ("network://host:abc", "port"),
        ("network://host/queue", "adresse IP"),
        ("usb://0416", "vendeur:produit"),
        ("usb://zzzz:5011", "hexadécimal"),
        ("usb://0416:0", "hors limites"),
        ("serial://", "chemin complet"),
        ("serial://dev/rfcomm0", "chemin complet"),
        ("file://", "chemin complet"),
        ("preview://host", "ni hôte"),
        ("network://h?width=40", "largeur"),
        ("network://h?cutter=peut-être", "cutter"),
        ("network://h?profile=Inconnu-42", "profil"),
        ("network://h?codepage=CP1253", "lettres accentuées"),
        ("network://h?codepage=CP9999", "page de codes"),
        ("usb://0416:5011?codepage=ISO_8859-15", "page de codes"),
        ("network://h?baudrate=9600", "option inconnue"),
        ("network://h?codpage=CP858", "option inconnue"),
        ("network://h?width=32&width=48", "répétée"),
        ("serial:///dev/ttyS0?baudrate=rapide", "baudrate"),
    ],
)
def test_bad_urls_say_why_in_french(url, words):
    with pytest.raises(InvalidPrinterUrl) as error:
        parse_printer_url(url)
    message = str(error.value)
    assert message.startswith("Adresse d’imprimante invalide")
    assert words in message
    assert "Exemples" in message


# --- Bytes on the wire ------------------------------------------------------------------


def test_receipt_reads_right_through_the_network_backend(printer_url, printer_listener):
    config = parse_printer_url(printer_url)
    lines = layout(receipt(), config.width)
    job = printing.print_lines(config, lines)
    [data] = printer_listener.received()
    assert data.endswith(job)
    decoded = decode(data)
    text = "\n".join(printed(decoded))
    for word in FRENCH_WORDS + ["Crèmerie d’Élise", "François", "glacée", "maïs, cèpes"]:
        assert word in text
    assert "Œufs frais × 6, cœur coulant" in text
    assert "« À très bientôt » — l’équipe" in text
    assert "TOTAL TTC" in text and "53,11 €" in text
    assert "Rendu" in text and "6,89 €" in text
    assert "Ticket n° 128" in text and "26/11/2026 15:04" in text
    assert decoded.cuts == 1
    assert decoded.qr == ["https://etal.example/t/128?é=1"]
    assert decoded.drawer_kicks == []
    assert "?" not in text.replace("?é=1", "")


def test_printed_text_is_the_preview(printer_listener):
    config = parse_printer_url(printer_listener.url + "?width=32")
    lines = layout(receipt(), 32)
    printing.print_lines(config, lines)
    decoded = decode(printer_listener.received()[0])
    preview = [text.strip() for text in receipts.render_text(lines, 32).splitlines()]
    assert [t.strip() for t in printed(decoded)] == [t for t in preview if t and t != "[code QR]"]
    brand = decoded.lines[0]
    assert (brand.text, brand.align, brand.big, brand.bold) == (
        "Crèmerie d’Élise",
        "center",
        True,
        True,
    )
    total = next(line for line in decoded.lines if line.text.startswith("TOTAL TTC"))
    assert total.big
    right = next(line for line in decoded.lines if line.text.startswith("24,50 €"))
    assert right.align == "right" and not right.big


def test_code_page_is_pinned_after_init(printer_listener):
    config = parse_printer_url(printer_listener.url)
    job = printing.print_lines(config, layout(receipt(), 48))
    data = printer_listener.received()[0]
    assert data.startswith(b"\x10\x04\x04")  # the paper check comes first, then the job
    assert job.startswith(b"\x1b@\x1bt\x10")  # ESC @ then ESC t 16 (CP1252), nothing between
    decoded = decode(data)
    assert decoded.events[:3] == [("status", 4), ("init",), ("codepage", 16)]
    assert decoded.codepages == [16]  # pinned once: never magic-encode's ESC t 15 (Greek)
    assert b"\x1bt\x0f" not in job


def test_decoder_shows_the_code_page_before_init_pitfall():
    dummy = Dummy()
    dummy.charcode("CP858")
    dummy.hw("INIT")
    dummy.text("12,50 €\n")
    assert decode(dummy.output).text == ["12,50 ╒"]
    dummy = Dummy()
    dummy.hw("INIT")
    dummy.charcode("CP858")
    dummy.text("12,50 €\n")
    assert decode(dummy.output).text == ["12,50 €"]


def test_cp858_prints_plain_signs_for_what_it_lacks(printer_listener):
    config = parse_printer_url(printer_listener.url + "?codepage=CP858&width=32")
    lines = layout(receipt(), 32)
    job = printing.print_lines(config, lines)
    assert job.startswith(b"\x1b@\x1bt\x13")
    decoded = decode(printer_listener.received()[0])
    text = "\n".join(printed(decoded))
    assert "Crèmerie d'Élise" in text
    assert "OEufs frais × 6, coeur" in text
    assert "« À très bientôt » -" in text and "l'équipe" in text
    assert "53,11 €" in text and "Pâté croûte, maïs, cèpes" in text
    for line in decoded.lines:
        assert len(line.text) <= (16 if line.big else 32), line


def test_58mm_clone_profile_numbers_code_pages_its_own_way():
    # A real character device, as a printer's is: a pseudo-terminal in raw mode.
    import os
    import tty

    reader, writer = os.openpty()
    tty.setraw(writer)
    try:
        config = parse_printer_url(f"file://{os.ttyname(writer)}")
        job = printing.print_lines(config, layout(receipt(), config.width))
        received = b""
        while len(received) < len(job):
            received += os.read(reader, 65536)
    finally:
        os.close(reader)
        os.close(writer)
    assert received == job
    assert job.startswith(b"\x1b@\x1bt\x47")  # ESC t 71: CP1252 on a POS-5890
    decoded = decode(job, POS5890_CODEPAGES)
    text = "\n".join(printed(decoded))
    assert "Œufs frais × 6," in text and "53,11 €" in text
    assert decoded.cuts == 0  # no cutter: paper is fed past the tear bar instead
    assert decoded.qr == [] and len(decoded.images) == 1  # no native QR: sent as an image
    with pytest.raises(ValueError, match="ESC t 71"):
        decode(job)  # an Epson has no table 71: the wrong profile would misprint


def test_drawer_kicks_only_when_asked_and_present(printer_listener_factory):
    lines = layout(receipt(), 48)
    with_drawer = printer_listener_factory()
    printing.print_lines(
        parse_printer_url(with_drawer.url + "?drawer=true"), lines, open_drawer=True
    )
    assert decode(with_drawer.received()[0]).drawer_kicks == [0]
    without = printer_listener_factory()
    printing.print_lines(parse_printer_url(without.url), lines, open_drawer=True)
    assert decode(without.received()[0]).drawer_kicks == []


def test_print_test_page(printer_listener):
    config = parse_printer_url(printer_listener.url)
    printing.print_test(config)
    decoded = decode(printer_listener.received()[0])
    text = " ".join(printed(decoded))
    for char in "é è ê à â ç ù û ô î ï ë œ Œ É À Ç € ’ – — « »".split():
        assert char in text
    assert "PAGE DE TEST" in text and decoded.cuts == 1 and decoded.qr == ["Étal : test"]


def test_preview_sends_nothing_and_returns_fast():
    started = time.monotonic()
    job = printing.print_lines(parse_printer_url("preview://"), layout(receipt(), 48))
    assert time.monotonic() - started < 1
    assert "53,11 €" in " ".join(decode(job).text)


@pytest.mark.parametrize(
    ("text", "codepage", "expected"),
    [
        ("12\u202f345,00\u00a0€", "CP858", "12 345,00 €"),
        ("L’œuvre – « oui » — Œ…", "CP858", "L'oeuvre - « oui » - OE..."),
        ("L’œuvre – « oui » — Œ…", "CP1252", "L’œuvre – « oui » — Œ…"),
        ("5 € ß 日本", "CP437", "5 EUR ß ??"),
        ("a\x1b@b\nc\td", "CP1252", "a @b c d"),
        ("e\u0301", "CP1252", "é"),
    ],
)
def test_sanitise(text, codepage, expected):
    assert printing.sanitise(text, codepage) == expected


def test_fallbacks_never_widen_a_padded_line():
    config = parse_printer_url("preview://?codepage=CP858&width=32")
    lines = [PrintLine("Bœuf, œufs, cœur" + " " * 9 + "12,50 €")]
    assert len(lines[0].text) == 32
    [line] = [t for t in decode(printing.render_job(config, lines)).text if t.strip()]
    assert line.startswith("Boeuf, oeufs, coeur  ") and line.endswith(" 12,50 €")
    assert len(line) == 32


# --- Failures: each one fast and in French ------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("refuse", "refuse la connexion"),
        ("never-read", "ne prend plus les données"),
        ("paper-out", "Plus de papier"),
    ],
)
def test_unavailable_printer_fails_fast_in_french(printer_listener_factory, mode, words):
    listener = printer_listener_factory(mode)
    config = parse_printer_url(listener.url)
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as error:
        printing.print_lines(config, layout(receipt(), 48))
    elapsed = time.monotonic() - started
    assert elapsed < PRINTER_SECONDS + 2, elapsed  # the tests' timeout, well under the real 5 s
    assert words in str(error.value)
    if mode == "paper-out":
        assert listener.received()[0] == b"\x10\x04\x04"  # asked, then sent nothing


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("file:///nonexistent-etal/lp0", "introuvable"),
        ("serial:///dev/nonexistent-etal0", "introuvable"),
        ("usb://dead:beef", "introuvable"),
    ],
)
def test_missing_printers_fail_fast_in_french(url, words):
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as error:
        printing.print_test(parse_printer_url(url))
    assert time.monotonic() - started < PRINTER_SECONDS + 2
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, 5.0), ("", 5.0), ("1.5", 1.5), ("0", 0.2), ("600", 60.0), ("x", 5.0), ("nan", 5.0)],
)
def test_the_printer_timeout_is_a_setting(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv("POS_PRINTER_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("POS_PRINTER_TIMEOUT", value)
    assert printing.job_seconds() == seconds


@settings(max_examples=100, deadline=None)
@given(
    texts=st.lists(st.text(max_size=60), min_size=1, max_size=5),
    codepage=st.sampled_from(["CP858", "CP1252", "CP437"]),
    big=st.booleans(),
)
def test_printed_lines_stay_within_the_paper(texts, codepage, big):
    config = parse_printer_url(f"preview://?codepage={codepage}&width=32")
    room = 16 if big else 32
    lines = [PrintLine(receipts.clean(text)[:room], big=big) for text in texts]
    decoded = decode(printing.render_job(config, lines))
    assert decoded.codepages == [{"CP858": 19, "CP1252": 16, "CP437": 0}[codepage]]
    for line in decoded.lines:
        assert len(line.text) <= room, line


# --- printers/: each profile file names a URL that Étal understands -------------------------

PRINTERS = Path(__file__).resolve().parent.parent / "printers"


def profile_urls(path: Path) -> list[str]:
    return re.findall(r"^# Étal printer URL[^:]*:\s+(\S+)$", path.read_text(), re.MULTILINE)


@pytest.mark.parametrize(
    "name", ["58mm-usb-bluetooth.yaml", "epson-tm-t20.yaml", "network-80mm.yaml"]
)
def test_printer_profiles_match_their_urls(name):
    path = PRINTERS / name
    escpos_config = Config()
    escpos_config.load(path)
    escpos_printer = escpos_config.printer()  # python-escpos builds it without connecting
    settings_ = yaml.safe_load(path.read_text())["printer"]
    urls = profile_urls(path)
    assert urls
    for url in urls:
        config = parse_printer_url(url)
        assert config.profile == settings_["profile"]
        assert escpos_printer.profile.get_code_pages()[config.codepage]
        assert config.cutter == escpos_printer.profile.supports("paperFullCut")
        if config.kind == "usb":
            assert type(escpos_printer).__name__ == "Usb"
            assert (config.vendor_id, config.product_id) == (
                settings_["idVendor"],
                settings_["idProduct"],
            )
            assert (config.in_ep, config.out_ep) == (
                settings_.get("in_ep", 0x82),
                settings_.get("out_ep", 0x01),
            )
        elif config.kind == "network":
            assert (config.target, config.port) == (settings_["host"], settings_["port"])


def test_udev_rule_covers_every_usb_profile():
    rules = (PRINTERS / "99-escpos.rules").read_text()
    pairs = set(re.findall(r'ATTRS\{idVendor\}=="(\w{4})", ATTRS\{idProduct\}=="(\w{4})"', rules))
    assert all(
        'MODE="0664", GROUP="dialout"' in line for line in rules.splitlines() if "ATTRS" in line
    )
    usb = [parse_printer_url(url) for path in PRINTERS.glob("*.yaml") for url in profile_urls(path)]
    wanted = {(f"{c.vendor_id:04x}", f"{c.product_id:04x}") for c in usb if c.kind == "usb"}
    assert wanted and wanted <= pairs


def test_printers_readme_documents_files_options_and_the_test_command():
    readme = (PRINTERS / "README.md").read_text()
    assert "pos printer test --printer" in readme
    for path in PRINTERS.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme
    for option in sorted(set().union(*printer_urls.OPTIONS.values())):
        assert f"`{option}`" in readme
    for kind in printer_urls.KINDS:
        assert f"`{kind}://" in readme
