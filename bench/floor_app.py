"""The floor of the phone survey on this stack: a Flask app that does only what any survey
submission on the product's design card must do, and nothing of the product's own rules.

- the session cookie and its CSRF token (Flask-WTF's CSRFProtect, as the app);
- the answers checked by a WTForms form (nine required 1-4 answers, a profile field, a comment);
- one transaction: the response row, then its nine answers (sqlite3 or psycopg, no ORM);
- a thank-you partial rendered by Jinja with Flask-Babel's translations (four strings, in
  Bahasa Indonesia, from the app's own catalogue).

No context read, no attribution, no idempotency look-up, no tallies, no budgets, no flags, no
cookies of its own: each of those is a rule of the product. bench/load serves it beside the
ceiling (bench/baseline_app.py) with ``--floor``, to show how much of the ceiling a survey can
reach on this stack at all before the product adds anything."""

import os
import sqlite3
import uuid as uuid_module
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, render_template
from flask_babel import Babel
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from wtforms import StringField, TextAreaField
from wtforms.validators import UUID, AnyOf, DataRequired, Length, Optional

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ["DATABASE_URL"]
SQLITE = URL.startswith("sqlite")

app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
    WTF_CSRF_TIME_LIMIT=None,
    BABEL_DEFAULT_LOCALE="id",
    BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
)
CSRFProtect(app)
Babel(app)

DDL = (
    (
        "CREATE TABLE IF NOT EXISTS floor_response (id INTEGER PRIMARY KEY {auto}, uuid VARCHAR(36) UNIQUE, "
        "code VARCHAR(40), gender VARCHAR(1), comment TEXT, cast_at VARCHAR(40))"
    ),
    (
        "CREATE TABLE IF NOT EXISTS floor_answer (response_id INTEGER, question SMALLINT, value SMALLINT, "
        "PRIMARY KEY (response_id, question))"
    ),
)
ANSWERS = ["1", "2", "3", "4"]
_connection = None


def connection():
    """One connection per worker process, opened on first use."""
    global _connection
    if _connection is None:
        if SQLITE:
            _connection = sqlite3.connect(URL.split("///", 1)[1], isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
                _connection.execute(f"PRAGMA {pragma}")
            for ddl in DDL:
                _connection.execute(ddl.format(auto="AUTOINCREMENT"))
        else:
            import psycopg

            _connection = psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            for ddl in DDL:
                _connection.execute(ddl.replace("INTEGER PRIMARY KEY {auto}", "SERIAL PRIMARY KEY"))
    return _connection


class SurveyForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks every post, as in the app

        def get_translations(self, form):
            return None  # as the app's survey form: its messages are codes, never shown as they are

    uuid = StringField(validators=[DataRequired(), UUID()])
    gender = StringField(validators=[Optional(), AnyOf(["L", "P"])])
    comment = TextAreaField(validators=[Optional(), Length(max=1000)])


for _n in range(1, 10):
    setattr(SurveyForm, f"q{_n}", StringField(validators=[DataRequired(), AnyOf(ANSWERS)]))

FORM = """<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<input type="hidden" name="uuid" value="{{ uuid }}">
{% for n in range(1, 10) %}<input type="radio" name="q{{ n }}" value="1">{% endfor %}</form>"""
THANKS = """<section id="survey-thanks" class="survey-thanks" tabindex="-1" aria-labelledby="thanks-title">
  <h2 id="thanks-title">{{ _("Thank you!") }}</h2>
  <p>{{ _("Your answers have been received. They help this office serve you better.") }}</p>
  <p class="survey-hint">{{ _("You can close this page now.") }}</p>
  <p><a href="/hasil/{{ code }}">{{ _("See this office's published satisfaction results") }}</a></p>
</section>"""
# Compiled once per process, as the app's templates are (render_template_string would compile
# them on every request).
app.jinja_env.loader = DictLoader({"form.html": FORM, "thanks.html": THANKS})


@app.get("/s/<code>")
def form(code):
    return render_template("form.html", uuid=uuid_module.uuid4())


@app.post("/s/<code>")
def survey(code):
    form = SurveyForm()
    if not form.validate():
        return {"errors": form.errors}, 422
    param = "?" if SQLITE else "%s"
    db = connection()
    row = (
        form.uuid.data,
        code,
        form.gender.data or None,
        form.comment.data or None,
        datetime.now(timezone.utc).isoformat(),
    )
    if SQLITE:
        db.execute("BEGIN IMMEDIATE")
        try:
            response_id = db.execute(
                "INSERT INTO floor_response (uuid, code, gender, comment, cast_at) VALUES (?, ?, ?, ?, ?)", row
            ).lastrowid
            db.executemany(
                "INSERT INTO floor_answer VALUES (?, ?, ?)",
                [(response_id, n, int(form[f"q{n}"].data)) for n in range(1, 10)],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    else:
        with db.transaction(), db.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO floor_response (uuid, code, gender, comment, cast_at) VALUES "
                f"({param}, {param}, {param}, {param}, {param}) RETURNING id",
                row,
            )
            response_id = cursor.fetchone()[0]
            cursor.executemany(
                "INSERT INTO floor_answer VALUES (%s, %s, %s)",
                [(response_id, n, int(form[f"q{n}"].data)) for n in range(1, 10)],
            )
    return render_template("thanks.html", code=code)


@app.get("/healthz")
def healthz():
    connection()
    return "ok"
