"""Static files: hashed names, a year's immutable cache, sent precompressed (Brotli, gzip)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest

from pos.web import assets

ROOT = Path(__file__).resolve().parent.parent
HTMX = ROOT / "static" / "vendor" / "htmx-2.0.11.min.js"


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_name_static_files_by_their_content(client):
    urls = static_urls(client.get("/login").get_data(as_text=True))
    assert urls and all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in urls), urls
    htmx = r"/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js"
    assert any(re.fullmatch(htmx, url) for url in urls)


def htmx_url(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    return next(u for u in static_urls(html) if "/htmx-" in u)


@pytest.mark.parametrize(
    ("accepted", "coding", "decode"),
    [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("", None, lambda body: body),
    ],
)
def test_a_hashed_file_is_cached_a_year_and_sent_compressed(client, accepted, coding, decode):
    response = client.get(htmx_url(client), headers={"Accept-Encoding": accepted})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers.get("Content-Encoding") == coding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # security headers too
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body)
    assert decode(body) == HTMX.read_bytes()
    if coding:
        assert len(body) < HTMX.stat().st_size / 3


def test_a_browser_that_has_it_gets_a_304(client):
    url = htmx_url(client)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_manifests_icons_keep_their_plain_names(client):
    with client.get("/static/icons/etal-192.png") as response:
        assert response.status_code == 200


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("body{color:red}" * 20)
    first = assets.StaticFiles(None, tmp_path).url_name("css/a.css")
    (tmp_path / "css" / "a.css").write_text("body{color:blue}" * 20)
    assets.assets_of.cache_clear()
    second = assets.StaticFiles(None, tmp_path).url_name("css/a.css")
    assert re.fullmatch(r"css/a\.[0-9a-f]{12}\.css", first) and first != second
    assert assets.StaticFiles(None, tmp_path).url_name("css/none.css") == "css/none.css"


def test_images_are_sent_as_they_are():
    bodies = assets.compressed(b"\x89PNG" + bytes(300), ".png")
    assert list(bodies) == ["identity"]


def test_the_tiles_colours_are_cached_under_their_version(actions, client, db):
    actions.login("Awa")
    html = client.get("/sell").get_data(as_text=True)
    url = re.search(r'href="(/sell/tiles\.css\?v=[0-9a-f]{12})"', html).group(1)
    assert client.get(url).headers["Cache-Control"] == assets.IMMUTABLE
    assert "immutable" not in client.get("/sell/tiles.css").headers.get("Cache-Control", "")
    db.execute("UPDATE products SET color = '#123456' WHERE name = 'Cookie'")
    again = client.get("/sell").get_data(as_text=True)
    assert url not in again and "/sell/tiles.css?v=" in again  # a new colour, a new version
    assert "immutable" not in client.get(url).headers.get("Cache-Control", "")


def test_compressed_bodies_are_kept_on_disk_and_read_back_at_the_next_start(tmp_path, monkeypatch):
    """Brotli at quality 11 costs 0.1 s of CPU a start here (about 1 s on a Pi Zero): a start
    reads the bodies a previous one compressed, checked against the file before use."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    content = b"function tap(){return 42}\n" * 400
    first = assets.compressed(content, ".js")
    assert set(first) == {"identity", "gzip", "br"}

    def no_compression(*_args, **_kwargs):
        raise AssertionError("compressed again")

    monkeypatch.setattr(assets.gzip, "compress", no_compression)
    monkeypatch.setattr(brotli, "compress", no_compression)
    assert assets.compressed(content, ".js") == first


def test_a_damaged_or_unwritable_cache_is_never_served(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    content = b"body{color:#000}\n" * 300
    good = assets.compressed(content, ".css")
    for kept in (cache / "etal" / "static").iterdir():
        kept.write_bytes(gzip.compress(b"something else"))  # another file's body, or garbage
    assert assets.compressed(content, ".css") == good
    assert brotli.decompress(good["br"]) == content

    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # cannot be written
    assert assets.compressed(content, ".css") == good
