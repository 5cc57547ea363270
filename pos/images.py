"""Uploaded pictures (expense photos, product photos, the receipt logo), read within a Pi's memory.

A Raspberry Pi Zero 2 W has 512 MB. A picture's size and pixel count are checked from its
header, before anything is decoded; a JPEG is decoded already reduced (`draft`: the decoder
itself scales by 1/2, 1/4 or 1/8); the shrink happens in place on the decoded picture, the
orientation and colour changes only on the small result; and one picture is decoded at a
time. Peak memory per upload is measured by benchmarks/upload_bench.py.
"""

from __future__ import annotations

import io
import threading
from typing import BinaryIO

from pos.i18n import N_

MAX_BYTES = 8 * 1024 * 1024  # also the request limit (MAX_CONTENT_LENGTH)
# Decoded whole (PNG): 8 MP is 32 MB as RGBA, plus a quarter of that while shrinking.
MAX_PIXELS = 8_000_000
# A JPEG is decoded at 1/8 scale when the result is small: 64 MP decodes to 1 MP.
MAX_JPEG_PIXELS = 64_000_000
FORMATS = ("JPEG", "PNG")  # the JPEG opener also reads the MPO some phones write
_ONE_AT_A_TIME = threading.Semaphore(1)  # four uploads at once must not cost four pictures


class InvalidImage(ValueError):
    """The file sent is not a picture Étal can read within its memory."""

    def __init__(self, message: str, **params: object):
        super().__init__(message % params if params else message)
        self.msgid, self.params = message, params


UNREADABLE = N_("Ce fichier n'est pas une image lisible (JPEG ou PNG).")
UNREADABLE_PHOTO = N_("Ce fichier n'est pas une photo lisible (JPEG ou PNG).")


def shrink(
    source: bytes | BinaryIO, box: tuple[int, int], mode: str = "RGB", unreadable: str = UNREADABLE
):
    """The picture turned upright, within `box`, in `mode` ("RGB" or "L"), transparency on white.

    :raise InvalidImage: unreadable, too heavy (bytes) or too large (pixels), checked before
        decoding.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    if _length(stream) > MAX_BYTES:
        raise InvalidImage(N_("Le fichier dépasse %(mb)s Mo."), mb=MAX_BYTES // (1024 * 1024))
    with _ONE_AT_A_TIME:
        try:
            with Image.open(stream, formats=FORMATS) as image:  # reads the header only
                _check_pixels(image)
                if image.format in ("JPEG", "MPO"):
                    image.draft(mode, _fitted(image.size, box))
                image.thumbnail(box)  # decodes (reduced) and shrinks in place
                small = ImageOps.exif_transpose(image)
                return _flatten(small, mode)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
            if isinstance(exc, InvalidImage):
                raise
            raise InvalidImage(unreadable) from exc


def to_jpeg(source: bytes | BinaryIO, max_px: int) -> bytes:
    """A photo at most `max_px` on its longer side, as a JPEG."""
    out = io.BytesIO()
    shrink(source, (max_px, max_px), "RGB", UNREADABLE_PHOTO).save(
        out, "JPEG", quality=82, optimize=True
    )
    return out.getvalue()


def _length(stream: BinaryIO) -> int:
    here = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(here)
    return size


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size a picture shrinks to within `box` (the JPEG decoder scales to at least it)."""
    scale = min(1.0, box[0] / size[0], box[1] / size[1])
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def _check_pixels(image) -> None:
    width, height = image.size
    limit = MAX_JPEG_PIXELS if image.format in ("JPEG", "MPO") else MAX_PIXELS
    if width * height > limit:
        raise InvalidImage(
            N_("Image trop grande (%(w)s × %(h)s pixels) : %(mp)s mégapixels au plus."),
            w=width,
            h=height,
            mp=limit // 1_000_000,
        )


def _flatten(image, mode: str):
    """The small picture in `mode`, any transparency laid on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new(mode, rgba.size, "white")
        white.paste(rgba.convert(mode), mask=rgba.getchannel("A"))
        return white
    return image.convert(mode) if image.mode != mode else image
