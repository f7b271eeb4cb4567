"""PDF of a poster page: the renderer is core's (``core.pdf``), shared with the SKP's evaluation
document; the names stay importable from here."""

from core.pdf import PdfUnavailable, _static_only_fetcher, render_pdf

__all__ = ["PdfUnavailable", "_static_only_fetcher", "render_pdf"]
