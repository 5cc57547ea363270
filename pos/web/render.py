"""One helper decides between a full page and an htmx fragment."""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def page(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only `block` when htmx asks; vary on HX-Request."""
    if block and request.htmx and not request.htmx.boosted:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response
