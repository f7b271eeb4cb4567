"""Counts read with the right form of their noun: "1 vote", "2 votes" in English; Bahasa
Indonesia has one form for both ("1 penilaian", "2 penilaian"), and its catalogue says so."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

from core.i18n import Plural, bilingual_plural
from org.errors import DutyError
from reports.views import warning_text

PO = Path(__file__).resolve().parents[2] / "translations/id/LC_MESSAGES/messages.po"


def test_the_indonesian_catalogue_has_one_plural_form():
    with open(PO, "rb") as po:
        catalog = read_po(po)
    assert catalog.num_plurals == 1 and catalog.plural_expr == "0"
    plurals = [message for message in catalog if isinstance(message.id, tuple)]
    assert plurals, "no plural message in the catalogue"
    for message in plurals:
        assert len(message.string) == 1 and message.string[0], message.id


@pytest.mark.parametrize(
    ("locale", "one", "two"),
    [("en", "1 vote", "2 votes"), ("id", "1 penilaian", "2 penilaian")],
)
def test_a_template_count_takes_the_form_of_its_language(app, locale, one, two):
    template = '{{ ngettext("%(num)s vote", "%(num)s votes", n) }}'
    with app.test_request_context(), force_locale(locale):
        assert render_template_string(template, n=1) == one
        assert render_template_string(template, n=2) == two


def test_a_refusal_written_before_its_count_is_known(app):
    with app.test_request_context():
        with force_locale("en"):
            assert DutyError.text("bad_pin", {"left": 1}) == "Wrong PIN. 1 attempt left before the PIN is locked."
            assert DutyError.text("bad_pin", {"left": 2}) == "Wrong PIN. 2 attempts left before the PIN is locked."
        with force_locale("id"):
            assert DutyError.text("bad_pin", {"left": 1}) == "PIN salah. Sisa 1 percobaan sebelum PIN dikunci."


def test_a_warning_on_the_sheet_counts_its_responses(app):
    with app.test_request_context(), force_locale("en"):
        one = warning_text({"code": "regular", "n": 1}, "Asia/Jakarta")
        two = warning_text({"code": "regular", "n": 2}, "Asia/Jakarta")
    assert one == "1 response came at machine-regular intervals (left out)."
    assert two == "2 responses came at machine-regular intervals (left out)."


def test_the_kiosk_and_poster_texts_carry_both_languages_each_with_its_form(app):
    with app.test_request_context():
        html = str(bilingual_plural("%(num)s vote", "%(num)s votes", 1))
    assert html == '<span class="l-id" lang="id">1 penilaian</span><span class="l-en" lang="en">1 vote</span>'


def test_a_plural_message_names_the_field_that_counts(app):
    message = Plural("%(n)s of %(of)s response", "%(n)s of %(of)s responses", "of")
    with app.test_request_context(), force_locale("en"):
        assert message.format({"n": 1, "of": 1}) == "1 of 1 response"
        assert message.format({"n": 1, "of": 3}) == "1 of 3 responses"
