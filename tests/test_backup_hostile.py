"""Backups never where the web serves them; backups and key files owner-only (#15, item 10)."""

from __future__ import annotations

import stat

import pytest

from pos import signing
from pos.backup import BackupFolderRefused, backup_to
from pos.cli import main
from pos.web.app import asset_dir

BASE = {"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017"}


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("inside", ["", "backups", "css/../backups"])
def test_a_backup_folder_inside_static_is_refused(actions, db, inside):
    folder = asset_dir("static") / inside if inside else asset_dir("static")
    actions.login("Awa")
    answer = actions.post("/admin/settings", {**BASE, "backup_dir": str(folder)}, htmx=False)
    assert answer.status_code == 422 and "Wi-Fi" in answer.get_data(as_text=True)
    row = db.execute("SELECT value FROM settings WHERE key = 'backup_dir'").fetchone()
    assert row is None or row[0] == ""
    with pytest.raises(BackupFolderRefused):
        backup_to(":memory:", folder)
    assert not (asset_dir("static") / "backups").exists()


def test_pos_backup_refuses_static_in_one_line(runner, db_path):
    result = runner.invoke(main, ["backup", "--db", str(db_path), "--to", str(asset_dir("static"))])
    assert result.exit_code == 1 and result.output.startswith("Erreur") and "Wi-Fi" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_backups_and_keys_are_owner_only(db_path, tmp_path):
    copy = backup_to(db_path, tmp_path / "usb")
    assert mode(copy) == 0o600
    private, public = signing.key_paths(db_path)
    private.unlink(missing_ok=True)
    public.unlink(missing_ok=True)
    signing.ensure_keys(db_path)
    assert mode(private) == 0o600 and mode(public) == 0o600
