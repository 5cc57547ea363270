"""One helper decides between a full page and an htmx fragment."""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from jinja2_fragments.flask import render_block

URLS_KEPT = 20_000  # addresses remembered per app (a sale's number makes a few each)


def page(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only `block` when htmx asks; vary on HX-Request."""
    if block and request.htmx and not request.htmx.boosted:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response


def cached_url_for(app: Flask):
    """The templates' url_for, remembering each address it built: a sell screen's fragment
    builds a dozen (each tile's, each payment button's) that never change while the app runs.

    Only plain addresses are remembered (no `_external`, `_anchor`…, no blueprint-relative
    endpoint); the key holds the script root, so a mounted app builds its own.
    """
    build = app.url_for
    built: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        if endpoint[:1] == "." or any(name[:1] == "_" for name in values):
            return build(endpoint, **values)
        key = (request.script_root, endpoint, *values.items())
        try:
            return built[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key: build it each time
            return build(endpoint, **values)
        if len(built) >= URLS_KEPT:
            built.clear()
        url = built[key] = build(endpoint, **values)
        return url

    return url_for
