"""A file:// or serial:// printer must be a character device (issue #15, item 7)."""

from __future__ import annotations

import pytest

from pos import printing
from pos.printer_urls import device_refusal, parse_printer_url
from pos.printing import PrinterUnavailable


@pytest.mark.parametrize("suffix", ["", "-wal", ".key", ".secret", ".pub"])
def test_the_database_and_its_files_are_never_a_printer(db_path, suffix):
    target = db_path.with_name(db_path.name + suffix)
    if not target.exists():
        target.write_bytes(b"kept")
    before = target.read_bytes()
    for scheme in ("file", "serial"):
        with pytest.raises(PrinterUnavailable, match="n’est pas un périphérique"):
            printing.print_test(parse_printer_url(f"{scheme}://{target}"))
    assert target.read_bytes() == before


def test_a_folder_or_a_link_to_the_database_is_refused(db_path, tmp_path):
    link = tmp_path / "lp0"
    link.symlink_to(db_path)
    assert device_refusal(str(link)) and device_refusal(str(tmp_path))
    assert device_refusal("/dev/null") is None  # a character device
    assert device_refusal("/dev/usb/lp-not-plugged-yet") is None  # named before plugging in


def test_the_settings_screen_refuses_the_database_as_printer(actions, db, db_path):
    actions.login("Awa")
    base = {"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017", "paper_width": "32"}
    answer = actions.post(
        "/admin/settings", {**base, "printer_url": f"file://{db_path}"}, htmx=False
    )
    assert answer.status_code == 422 and "pas un périphérique" in answer.get_data(as_text=True)
    stored = db.execute("SELECT value FROM settings WHERE key = 'printer_url'").fetchone()
    assert stored is None or stored[0] == ""


def test_a_sale_after_a_test_page_to_the_database_is_kept(actions, db, db_path):
    actions.login("Awa")
    with pytest.raises(PrinterUnavailable):
        printing.print_test(parse_printer_url(f"file://{db_path}"))
    assert actions.sell(1).status_code in (200, 201)
    assert db.execute("SELECT count(*) FROM sales").fetchone()[0] == 1
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
