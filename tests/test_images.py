"""Uploads checked before decoding: bytes, pixels; JPEGs decoded reduced (issue #15, item 2).

Peak memory is measured in benchmarks/upload_bench.py (figures in the README), not here.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pos import images
from tests.test_stock import EXPENSE


def png(width: int, height: int, mode: str = "1") -> bytes:
    """A PNG of this size (bilevel: 9400 × 9400 is 11 MB to make, 258 KB on disk)."""
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG", quality=60)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return png(9400, 9400)


def test_a_huge_png_is_refused_from_its_header(bomb, monkeypatch):
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    with pytest.raises(images.InvalidImage) as refused:
        images.shrink(bomb, (480, 480))
    assert "9400 × 9400" in str(refused.value) and "8 mégapixels" in str(refused.value)
    assert decoded == []  # never decoded


def test_a_file_too_heavy_is_refused_before_opening():
    with pytest.raises(images.InvalidImage, match="8 Mo"):
        images.shrink(b"\xff\xd8" + b"\0" * (images.MAX_BYTES + 1), (480, 480))


def test_a_12_mp_photo_is_decoded_reduced(monkeypatch):
    from PIL import JpegImagePlugin

    decoded = []
    real_load = JpegImagePlugin.JpegImageFile.load

    def spy(self):
        if self.tile:  # the decode itself: at what size
            decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    out = images.to_jpeg(jpeg(4000, 3000), 480)
    with Image.open(io.BytesIO(out)) as small:
        assert small.size == (480, 360)
    assert decoded and all(w * h <= 500 * 375 for w, h in decoded)  # decoded at 1/8 scale


def test_transparency_lands_on_white_and_photos_turn_upright():
    clear = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(clear, "PNG")
    assert images.shrink(clear.getvalue(), (384, 160), "L").getpixel((1, 1)) == 255
    turned = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # phone held upright
    Image.new("RGB", (400, 300)).save(turned, "JPEG", exif=exif)
    assert images.shrink(turned.getvalue(), (480, 480)).size == (300, 400)


def post_file(actions, url, field, data, form=None):
    return actions.client.post(
        url,
        data={**(form or {}), field: (io.BytesIO(data), "x.png")},
        headers={"X-CSRFToken": actions.token},
        content_type="multipart/form-data",
    )


def test_every_upload_refuses_the_huge_png_and_stores_nothing(actions, db, db_path, bomb):
    from tests.test_catalogue import GOOD

    actions.login("Awa")
    expense = post_file(actions, "/stock/expenses", "photo", bomb, EXPENSE)
    assert expense.status_code == 422 and "mégapixels" in expense.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM expenses").fetchone()[0] == 0
    koke = db.execute("SELECT id FROM products WHERE name='Kokedama'").fetchone()[0]
    product = post_file(actions, f"/admin/products/{koke}", "photo", bomb, {**GOOD, "name": "K"})
    assert product.status_code == 422 and "mégapixels" in product.get_data(as_text=True)
    assert db.execute("SELECT photo FROM products WHERE id = ?", [koke]).fetchone()[0] is None
    settings = {"brand": "Kokés", "legal_name": "CAE", "siret": "90000000100017"}
    logo = post_file(actions, "/admin/settings", "logo", bomb, settings)
    assert logo.status_code == 422 and "mégapixels" in logo.get_data(as_text=True)
    assert not (db_path.parent / (db_path.name + ".files") / "logo.png").exists()


def test_a_request_over_the_size_limit_is_refused_in_french(actions, db):
    actions.login("Léo")
    body = b"--x\r\nContent-Disposition: form-data; name=photo; filename=a.png\r\n\r\n"
    body += b"\0" * (9 * 1024 * 1024) + b"\r\n--x--\r\n"
    answer = actions.client.post(
        "/stock/expenses",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        content_type="multipart/form-data; boundary=x",
        headers={"X-CSRFToken": actions.token},
    )
    assert answer.status_code == 413 and "trop gros" in answer.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM expenses").fetchone()[0] == 0
