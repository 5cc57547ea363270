"""A QR code as an SVG drawing, for the public order page's flyer (receipts print theirs natively).

Uses `qrcode`, already installed as a dependency of python-escpos (its own QR printing).
"""

from __future__ import annotations

from markupsafe import Markup, escape


def svg(text: str, *, module: int = 8, border: int = 4) -> Markup:
    """An SVG of `text`'s QR code (error correction M), one path of black squares."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()  # border included
    size = len(matrix) * module
    squares = "".join(
        f"M{x * module} {y * module}h{module}v{module}h-{module}z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}"'
        f' height="{size}" role="img" aria-label="{escape(text)}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{squares}" fill="#000"/></svg>'
    )
