"""Static files under content-hashed names, compressed ahead of time, kept a year by browsers.

At start-up ``init_app`` copies every file of ``static/`` into ``instance/static-build/`` under a
name that carries a hash of its content (``css/app.css`` becomes ``css/app.3f2a9c1b0d.css``),
with a brotli and a gzip copy beside it. Our own scripts and style sheets are minified on the way
(comments and spare white space go; rjsmin, rcssmin); the un-hashed originals are served as they
are, for reading in the browser. Each bundle (several files served as one, which saves
requests on a slow network; see ``BUNDLES``) is built the same way. Nothing generated is
committed and there is no separate build step: the first start of a fresh clone builds
everything (well under a second), later starts only hash the files.

- Templates keep calling ``url_for('static', filename='css/app.css')``: a URL-defaults hook turns
  the name into the hashed one.
- WhiteNoise serves the built files, choosing the brotli or gzip copy the client accepts
  (``Vary: Accept-Encoding``), with ``Cache-Control: public, max-age=31536000, immutable``: the
  content at a hashed address never changes, so a browser need never ask again.
- A built file is never rewritten: new content gets a new name, so that a page still open from
  before a release finds the assets it refers to. ``make clean`` removes them with ``instance/``.
- An un-hashed address (``/static/css/app.css``) is still served, by Flask, and revalidated on
  every use (``Cache-Control: no-cache``). A hashed address with a hash this server never built
  (content from another release), and a bundle's plain name, redirect to the current address.
- A page visited once (the phone survey) carries its style sheet in a ``<style>`` element
  instead (``{{ inline_style('bundles/public.css') }}``, see ``INLINE_STYLES``): caching would
  save its visitor nothing, and on a slow network a linked style sheet costs a whole round trip
  before anything shows. The Content-Security-Policy of such a response allows that style by its
  hash (``inlined_style_sources``, read by ``core.security._security_headers``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from pathlib import Path, PurePosixPath
from typing import cast
from urllib.parse import quote

import rcssmin
import rjsmin
from flask import Flask, g, redirect, url_for
from markupsafe import Markup
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"

# Each served as one file: the parts in the order of the <link> or <script> tags they replace.
BUNDLES: dict[str, tuple[str, ...]] = {
    "bundles/public.css": ("css/app.css", "css/survey.css"),
    "bundles/kiosk.js": ("vendor/htmx-2.0.11/htmx.min.js", "js/kiosk.js"),
    "bundles/survey.js": ("vendor/htmx-2.0.11/htmx.min.js", "js/survey.js"),
}

# Style sheets a page may carry inline instead of linking them (see InlineStyle).
INLINE_STYLES = ("bundles/public.css",)

_HASHED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{" + str(HASH_LENGTH) + r"}(?P<suffix>\.[A-Za-z0-9]+)?$")


def hashed_name(name: str, content: bytes) -> str:
    """``css/app.css`` -> ``css/app.<the first hex digits of its SHA-256>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def unhashed_name(name: str) -> str | None:
    """The name a hashed name was made from, or None when it does not look hashed."""
    match = _HASHED.match(name)
    return match["stem"] + (match["suffix"] or "") if match else None


def minified(name: str, content: bytes) -> bytes:
    """A script or style sheet without its comments and spare white space; vendored files come
    minified already, and anything else is left as it is."""
    if ".min." in name:
        return content
    if name.endswith(".js"):
        return rjsmin.jsmin(content)
    if name.endswith(".css"):
        return rcssmin.cssmin(content)
    return content


def bundle_content(name: str, parts: list[bytes]) -> bytes:
    # A script may end without a semicolon; a stray one between style sheets would eat a rule.
    separator = b"\n;\n" if name.endswith(".js") else b"\n"
    return separator.join(part.rstrip() for part in parts) + b"\n"


class InlineStyle:
    """A style sheet as a page carries it: ``element``, the ``<style>`` element, and ``source``,
    what a Content-Security-Policy allows it by: the SHA-256 of the exact text between the tags."""

    def __init__(self, content: bytes):
        css = content.decode()
        # In a <style> element nothing is escaped, and this alone would end it.
        if "</style" in css.lower():
            raise ValueError("a style sheet that contains </style cannot be inlined")
        self.element = Markup(f"<style>{css}</style>")
        self.source = f"'sha256-{base64.b64encode(hashlib.sha256(content).digest()).decode()}'"


class StaticAssets:
    """The built files of one app: ``manifest`` maps each name as templates ask for it to its
    hashed name under ``build_folder``; ``inline_styles`` holds the styles of ``inline``, built
    the same way, for pages to carry inline."""

    def __init__(
        self,
        static_folder: Path,
        build_folder: Path,
        bundles: dict[str, tuple[str, ...]] = BUNDLES,
        inline: tuple[str, ...] = INLINE_STYLES,
    ):
        self.static_folder = static_folder
        self.build_folder = build_folder
        self.bundles = bundles
        self.inline = inline
        self.manifest: dict[str, str] = {}
        self.inline_styles: dict[str, InlineStyle] = {}
        self._data_uris: dict[str, str] = {}

    def sources(self) -> dict[str, bytes]:
        files = {
            path.relative_to(self.static_folder).as_posix(): minified(path.name, path.read_bytes())
            for path in sorted(self.static_folder.rglob("*"))
            if path.is_file() and not path.name.startswith(".") and path.suffix not in (".br", ".gz")
        }
        for name, parts in self.bundles.items():
            files[name] = bundle_content(name, [files[part] for part in parts])
        return files

    def build(self) -> dict[str, str]:
        """Build whatever is missing; returns (and keeps) the manifest."""
        manifest = {}
        sources = self.sources()
        for name, content in sources.items():
            manifest[name] = hashed_name(name, content)
            target = self.build_folder / manifest[name]
            if not target.is_file():
                self._write(target, content)
        self.manifest = manifest
        self.inline_styles = {name: InlineStyle(sources[name]) for name in self.inline}
        return manifest

    def _write(self, target: Path, content: bytes) -> None:
        """Write ``target`` and its brotli and gzip copies so that no process ever sees half a
        file (gunicorn preloads the app once, but `flask` commands, a second server on the same
        folder or a worker restarted without preload build too): each file is staged beside the
        build folder and renamed into place, the plain one last."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".static-staging-", dir=self.build_folder.parent) as staging:
            staged = Path(staging) / target.name
            staged.write_bytes(content)
            for compressed in Compressor(quiet=True).compress(str(staged)):
                os.replace(compressed, target.parent / Path(compressed).name)
            os.replace(staged, target)

    def inline_style(self, name: str) -> Markup:
        """The ``<style>`` element of ``name`` (one of ``inline``), for a template; the response
        that carries it will allow it (``inlined_style_sources``)."""
        style = self.inline_styles[name]
        sources = g.setdefault("inlined_style_sources", [])
        if style.source not in sources:
            sources.append(style.source)
        return style.element

    def data_uri(self, filename: str) -> str:
        """A small static file as a ``data:`` address, to spare a request (the favicon)."""
        if filename not in self._data_uris:
            mime = "image/svg+xml" if filename.endswith(".svg") else "application/octet-stream"
            content = quote((self.static_folder / filename).read_bytes(), safe=" /:=;,()")
            self._data_uris[filename] = f"data:{mime},{content}"
        return self._data_uris[filename]


def inlined_style_sources() -> tuple[str, ...]:
    """The Content-Security-Policy sources of the styles inlined in this request's response."""
    return tuple(g.get("inlined_style_sources", ()))


def _static_headers(headers, path, url) -> None:
    headers["Cache-Control"] = IMMUTABLE
    headers["X-Content-Type-Options"] = "nosniff"
    if path.endswith(".svg"):  # an image opened on its own runs nothing
        headers["Content-Security-Policy"] = "default-src 'none'"


def init_app(app: Flask) -> StaticAssets:
    build_folder = Path(app.config.get("STATIC_BUILD_FOLDER") or Path(app.instance_path) / "static-build")
    # create_app keeps Flask's static folder: Flask types it as optional, it is never None here.
    assets = StaticAssets(Path(cast(str, app.static_folder)), build_folder)
    manifest = assets.build()
    app.extensions["static_assets"] = assets

    @app.url_defaults
    def _hashed_static_name(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])

    send_static_file = app.view_functions["static"]

    def static(filename):
        """What WhiteNoise, in front of the app, did not serve: an un-hashed name is served from
        static/; a bundle's plain name, or a hash this server never built, redirects."""
        name = filename if filename in assets.bundles else unhashed_name(filename)
        if name in manifest and manifest[name] != filename:
            response = redirect(url_for("static", filename=manifest[name]))
            response.headers["Cache-Control"] = "no-cache"
            return response
        return send_static_file(filename=filename)

    app.view_functions["static"] = static
    app.jinja_env.globals["static_data_uri"] = assets.data_uri
    app.jinja_env.globals["inline_style"] = assets.inline_style
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
        app.wsgi_app,
        root=str(build_folder),
        prefix=app.static_url_path,
        max_age=None,
        allow_all_origins=False,
        add_headers_function=_static_headers,
    )
    return assets
