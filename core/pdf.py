"""PDF of a page (the survey's posters, the SKP's evaluation document), rendered on the server by
WeasyPrint from the very HTML the browser prints, so the download and the printout cannot drift
apart.

WeasyPrint needs Pango at run time (Debian: libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0,
and a font such as fonts-dejavu-core). It is imported on first use, so the rest of the app starts
and runs where those libraries are missing; the poster page then offers printing only.
"""

import logging
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.security import safe_join


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the libraries it needs are not installed here."""


def _static_only_fetcher(static_url_path: str, static_folder: str, host: str, build_folder: str | None = None):
    """A fetcher that reads the app's own static files from disk and refuses every other URL:
    rendering a page never makes a network request (no server-side request forgery). Pages link
    the content-hashed copies that static_assets keeps in ``build_folder``."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefix = static_url_path.rstrip("/") + "/"

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.netloc != host or not parts.path.startswith(prefix):
                raise ValueError(f"not fetched while rendering a PDF: {url}")
            name = parts.path[len(prefix) :]
            path = safe_join(static_folder, name)
            if build_folder and (path is None or not Path(path).is_file()):
                path = safe_join(build_folder, name)
            if path is None or not Path(path).is_file():
                raise ValueError(f"no such static file: {url}")
            mime = "text/css" if path.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": mime})

    return StaticFetcher(allowed_protocols=("http", "https"))


def render_pdf(html: str) -> bytes:
    """The PDF of ``html``, a page rendered in the current request (its links are resolved
    against the request's own address)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: Pango's shared libraries are missing
        raise PdfUnavailable(str(error)) from error
    # The page shares app.css with the screen and the kiosk; WeasyPrint would log a warning for
    # every screen-only rule it skips (animations, media queries, SVG fills). Errors still show.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # The app keeps Flask's static folder and its address: typed optional, never None here.
    fetcher = _static_only_fetcher(
        cast(str, current_app.static_url_path),
        cast(str, current_app.static_folder),
        request.host,
        str(current_app.extensions["static_assets"].build_folder),
    )
    return HTML(string=html, base_url=request.host_url, url_fetcher=fetcher, media_type="print").write_pdf()
