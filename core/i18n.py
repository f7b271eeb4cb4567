"""Language helpers shared by the templates of every area."""

from flask import has_request_context, request
from flask_babel import force_locale, get_locale, gettext
from markupsafe import Markup, escape

LOCALES = ("id", "en")  # Bahasa Indonesia first, then English


def asked_locale() -> str | None:
    """The language asked for in this address (``?lang=``), if we speak it; otherwise None. A page
    carries it on to its form's address, so that the answer speaks the same language."""
    lang = request.args.get("lang")
    return lang if lang in LOCALES else None


def select_locale() -> str:
    """An explicit ?lang= wins, then the visitor's saved choice; otherwise Bahasa Indonesia
    (also for the command line, which has no visitor)."""
    if not has_request_context():
        return LOCALES[0]
    saved = request.cookies.get("lang")
    return asked_locale() or (saved if saved in LOCALES else LOCALES[0])


def bilingual(msgid: str, **params) -> Markup:
    """The message in every language at once, each in a span the page shows or hides.

    The kiosk switches language on the spot, without a request (it may be offline), and returns
    to Bahasa Indonesia for the next citizen; so it carries both texts.
    """
    parts = []
    for locale in LOCALES:
        with force_locale(locale):
            text = gettext(msgid, **params)
        parts.append(f'<span class="l-{locale}" lang="{locale}">{escape(text)}</span>')
    return Markup("".join(parts))


def pair(text_id: str, text_en: str) -> Markup:
    """Two texts already in each language (data from the database, e.g. an indicator)."""
    return Markup(
        f'<span class="l-id" lang="id">{escape(text_id)}</span>'
        f'<span class="l-en" lang="en">{escape(text_en or text_id)}</span>'
    )


def current_locale() -> str:
    """The language of the page being made ("id" outside a request)."""
    return str(get_locale() or LOCALES[0])
