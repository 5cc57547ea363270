"""Static files named by their content's hash, compressed once, cached by browsers for a year.

WhiteNoise's way (evansd/whitenoise), kept in memory: at start every file under static/ gets a
name with the first 12 hex digits of its SHA-256 (`css/etal.css` → `css/etal.3f2a1b9c0d4e.css`),
and `url_for('static', ...)` builds that name. A hashed name never changes content, so it is
served with `Cache-Control: public, max-age=31536000, immutable`: a reload asks for the page
alone. Text files are gzipped (and compressed with Brotli when the `brotli` package is there)
once (kept in the user's cache folder for the next start) and sent compressed to browsers that
accept it. Unhashed names (the icons the
web app manifest lists) fall through to Flask's static route.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = {".css", ".js", ".webmanifest", ".svg", ".json", ".txt", ".html", ".map"}
PREFIX = "/static/"


@dataclass(frozen=True)
class Asset:
    """One static file: its hashed name, its type and its bodies by content coding."""

    name: str
    hashed: str
    content_type: str
    etag: str
    bodies: dict[str, bytes] = field(default_factory=dict)  # "identity", "gzip", "br"


def digest_of(content: bytes) -> str:
    """The 12 hex digits that name a content (the start of its SHA-256)."""
    return hashlib.sha256(content).hexdigest()[:12]


def hashed_name(name: str, digest: str) -> str:
    """`css/etal.css` with its content's hash: `css/etal.<12 hex digits>.css`."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{name}.{digest}"


def compressed(content: bytes, suffix: str) -> dict[str, bytes]:
    """The file's bodies: as is, and gzip / Brotli when that makes it smaller.

    Brotli at its best quality costs 0.1 s of CPU a start here, about 1 s on a Pi Zero: the
    bodies are kept in the user's cache folder under the content's SHA-256, and a start reads
    them back, each decompressed and compared with the file before it is trusted.
    """
    bodies = {"identity": content}
    if suffix not in COMPRESSIBLE:
        return bodies
    digest = hashlib.sha256(content).hexdigest()
    for coding, (squeeze, expand) in _codings().items():
        body = _kept(digest, coding, content, expand)
        if body is None:
            body = squeeze(content)
            _keep(digest, coding, body)
        if len(body) < len(content):
            bodies[coding] = body
    return bodies


def _codings() -> dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]]:
    """How to compress and expand each coding offered: gzip always, Brotli when installed."""
    found = {"gzip": (lambda c: gzip.compress(c, 9, mtime=0), gzip.decompress)}
    try:
        import brotli
    except ImportError:  # gzip alone: every browser takes it
        return found
    found["br"] = (lambda c: brotli.compress(c, quality=11), brotli.decompress)
    return found


def _cache_folder() -> Path:
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "etal" / "static"


def _kept(digest: str, coding: str, content: bytes, expand) -> bytes | None:
    """A body kept by an earlier start, if it is there and expands to this very content."""
    try:
        body = (_cache_folder() / f"{digest}.{coding}").read_bytes()
        return body if expand(body) == content else None
    except Exception:  # missing, unreadable or damaged: compress again
        return None


def _keep(digest: str, coding: str, body: bytes) -> None:
    """Keep a body for the next start (written whole, then renamed); never an error."""
    folder = _cache_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"{digest}.{coding}.{os.getpid()}.part"
        part.write_bytes(body)
        os.replace(part, folder / f"{digest}.{coding}")
    except OSError:  # a read-only home, a full disk: the next start compresses again
        pass


@cache
def assets_of(folder: str) -> dict[str, Asset]:
    """Every file under a static folder, by hashed name (built once per process)."""
    found = {}
    root = Path(folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = path.relative_to(root).as_posix()
        content = path.read_bytes()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("javascript", "json")):
            kind += "; charset=utf-8"
        digest = digest_of(content)
        hashed = hashed_name(name, digest)
        found[hashed] = Asset(name, hashed, kind, f'"{digest}"', compressed(content, path.suffix))
    return found


def best_coding(accepted: str, bodies: Iterable[str]) -> str:
    """The content coding to send: Brotli, then gzip, when the browser accepts it."""
    offered = {part.split(";")[0].strip().lower() for part in accepted.split(",")}
    refused = {
        part.split(";")[0].strip().lower()
        for part in accepted.split(",")
        if part.replace(" ", "").endswith(";q=0")
    }
    for coding in ("br", "gzip"):
        if coding in bodies and coding in offered - refused:
            return coding
    return "identity"


class StaticFiles:
    """WSGI middleware serving hashed static names from memory, in front of the app."""

    def __init__(self, wsgi_app: Callable, folder: str | Path):
        self.wsgi_app = wsgi_app
        self.assets = assets_of(str(folder))
        self.names = {asset.name: hashed for hashed, asset in self.assets.items()}

    def url_name(self, name: str) -> str:
        """The hashed name of a static file (the name itself if it is not one)."""
        return self.names.get(name, name)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        asset = self.assets.get(path[len(PREFIX) :]) if path.startswith(PREFIX) else None
        if asset is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        headers = [
            ("Cache-Control", IMMUTABLE),
            ("ETag", asset.etag),
            ("Vary", "Accept-Encoding"),
        ]
        if environ.get("HTTP_IF_NONE_MATCH") == asset.etag:
            start_response("304 Not Modified", headers)
            return [b""]
        coding = best_coding(environ.get("HTTP_ACCEPT_ENCODING", ""), asset.bodies)
        body = asset.bodies[coding]
        headers += [("Content-Type", asset.content_type), ("Content-Length", str(len(body)))]
        if coding != "identity":
            headers.append(("Content-Encoding", coding))
        start_response("200 OK", headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app) -> None:
    """Serve the app's static folder hashed and compressed; url_for('static') builds the names."""
    static = StaticFiles(app.wsgi_app, app.static_folder)
    app.wsgi_app = static
    app.extensions["etal_static"] = static

    def hashed_static(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = static.url_name(values["filename"])

    app.url_defaults(hashed_static)
