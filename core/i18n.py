"""Language helpers shared by the templates of every area."""

from flask import has_request_context, request
from flask_babel import force_locale, get_locale, gettext, ngettext
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


def bilingual_plural(singular: str, plural: str, num: int, **params) -> Markup:
    """:func:`bilingual` for a message whose words follow a count (``num``, also a field of the
    message): "1 question", "9 questions"; Bahasa Indonesia has one form for both."""
    parts = []
    for locale in LOCALES:
        with force_locale(locale):
            text = ngettext(singular, plural, num, **params)
        parts.append(f'<span class="l-{locale}" lang="{locale}">{escape(text)}</span>')
    return Markup("".join(parts))


class Plural:
    """A message whose words follow a count, written down before the count is known (a refusal's,
    a warning's) and chosen by ngettext when it is shown: ``count`` names the field that holds
    the count. Extracted for translation as ngettext is (`make messages`: ``-k Plural:1,2``)."""

    def __init__(self, singular: str, plural: str, count: str = "num"):
        self.singular, self.plural, self.count = singular, plural, count

    def format(self, params: dict) -> str:
        """The message in the user's language, its %(name)s fields filled from ``params``."""
        return ngettext(self.singular, self.plural, params[self.count], **params)


def pair(text_id: str, text_en: str) -> Markup:
    """Two texts already in each language (data from the database, e.g. an indicator)."""
    return Markup(
        f'<span class="l-id" lang="id">{escape(text_id)}</span>'
        f'<span class="l-en" lang="en">{escape(text_en or text_id)}</span>'
    )


def current_locale() -> str:
    """The language of the page being made ("id" outside a request)."""
    return str(get_locale() or LOCALES[0])
