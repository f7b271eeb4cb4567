"""The application shell: health check, security headers, language choice, errors, NIP rules."""

import re

import pytest
import sqlalchemy as sa

from app import create_app
from config import TestConfig
from org.nip import InvalidNIP, format_nip, normalize_nip


def test_healthz_says_the_database_answered(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}


def test_healthz_is_503_when_the_database_does_not_answer(tmp_path):
    # A database path inside a missing folder: SQLite cannot open it.
    broken = create_app(TestConfig(f"sqlite:///{tmp_path}/missing/dir/db.sqlite"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(client):
    html = client.get("/kiosk/").get_data(as_text=True) + client.get("/").get_data(as_text=True)
    # Every <script> has a src: the CSP would block an inline one.
    assert html.count("<script") == html.count("<script src=")
    assert "style=" not in html


def test_language_defaults_to_indonesian_and_can_be_switched(client):
    assert 'lang="id"' in client.get("/").get_data(as_text=True)
    response = client.get("/lang/en?next=/kiosk/")
    assert response.status_code == 302 and response.headers["Location"] == "/kiosk/"
    assert "Pair this tablet as a kiosk" in client.get("/kiosk/").get_data(as_text=True)
    assert "Pasangkan tablet" in client.get("/kiosk/?lang=id").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_language_switch_is_no_open_redirect(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Halaman ini tidak ada" in response.get_data(as_text=True)


def test_unexpected_errors_are_a_500_page_not_a_traceback(tmp_path):
    other = create_app(TestConfig(f"sqlite:///{tmp_path}/db.sqlite", TESTING=False))

    @other.get("/_boom")
    def boom():
        raise RuntimeError("boom")

    response = other.test_client().get("/_boom")
    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


def test_a_refusal_no_view_answered_is_its_message_and_status_not_a_500(tmp_path):
    from core.errors import AccessDenied, AdminError

    other = create_app(TestConfig(f"sqlite:///{tmp_path}/db.sqlite", TESTING=False))

    @other.get("/_denied")
    def denied():
        raise AccessDenied()

    @other.get("/_in_use")
    def in_use():
        raise AdminError("desk_in_use")

    client = other.test_client()
    response = client.get("/_denied")
    assert response.status_code == 403 and "Anda tidak berhak melakukan ini." in response.get_data(as_text=True)
    client.set_cookie("lang", "en")
    response = client.get("/_in_use", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.get_json()["message"] == "This desk has kiosks, duty or responses: switch it off instead."


def test_the_schema_comes_from_the_migrations_and_matches_the_models(app):
    """The database is built by the newest migration, and the models ask for nothing it lacks
    (what `flask db check` checks), on SQLite and PostgreSQL alike."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from core.db import db

    with app.app_context():
        version = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        codes = set(db.session.scalars(sa.text("SELECT code FROM indicator")))
        head = ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert version == head
    assert differences == []
    assert {f"U{i}" for i in range(1, 10)} | {"KIOSK", "R_WAKTU"} <= codes


# --- NIP ----------------------------------------------------------------------------------------


def test_valid_nip_is_normalized_and_formatted():
    assert normalize_nip("19860926 201505 1 001") == "198609262015051001"
    assert normalize_nip("19860926.201505.2.001") == "198609262015052001"
    assert format_nip("198609262015051001") == "19860926 201505 1 001"


@pytest.mark.parametrize(
    "nip,reason",
    [
        ("", "18 digits"),
        ("19860926201505100", "18 digits"),
        ("1986092620150510011", "18 digits"),
        ("19860926201505100a", "18 digits"),
        ("١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١", "18 digits"),  # Arabic-Indic digits are digits to Python, not to BKN
        ("19861326201505 1001", "date of birth"),
        ("19860230201505 1001", "date of birth"),
        ("18000101201505 1001", "date of birth"),
        ("29990101201505 1001", "date of birth"),
        ("198609262015053001", "gender"),
    ],
)
def test_invalid_nip_is_refused_with_a_reason(nip, reason):
    with pytest.raises(InvalidNIP, match=reason):
        normalize_nip(nip)


def test_pppk_numbers_are_not_rejected_for_their_middle_segment():
    # PPPK numbers use the appointment segment differently (e.g. a month 00 or 21).
    assert normalize_nip("199001012021002001") == "199001012021002001"
    assert normalize_nip("199001012021211001") == "199001012021211001"


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/kiosk/?lang=\x00"),
        lambda c: c.get("/s/ab\x00cd"),
        lambda c: c.post(
            "/admin/login",
            data={
                "username": "admin\x00",
                "password": "x",
                "csrf_token": re.search(
                    r'name="csrf_token" value="([^"]+)"', c.get("/admin/login").get_data(as_text=True)
                ).group(1),
            },
        ),
        lambda c: c.post("/kiosk/vote", json={"uuid": "\x00", "value": 4}),
    ],
)
def test_a_nul_character_anywhere_is_refused_before_any_view(client, send):
    # PostgreSQL cannot store NUL in text: found by the sign-in property test on PostgreSQL.
    response = send(client)
    assert response.status_code == 400
    assert "tidak dapat dipahami" in response.get_data(as_text=True)


def test_every_template_is_compiled_before_the_workers_fork(tmp_path, monkeypatch):
    """gunicorn's master compiles every template before it forks (gunicorn.conf.py's when_ready):
    a worker's first report does not pay for its template, and a template that does not parse
    fails the start, not a user's page."""
    import runpy
    from types import SimpleNamespace

    import core.observability

    def compiled(app) -> set[str]:
        return {name for _loader, name in app.jinja_env.cache}

    master_app = create_app(TestConfig(f"sqlite:///{tmp_path}/db.sqlite"))
    names = set(master_app.jinja_env.list_templates())
    assert {"reports/unit.html", "survey/_thanks.html"} <= names
    assert not compiled(master_app) & {"reports/unit.html"}

    served = []
    monkeypatch.setattr(core.observability, "serve_metrics", lambda bind, log: served.append(bind))
    hooks = runpy.run_path("gunicorn.conf.py")
    hooks["when_ready"](SimpleNamespace(log=None, app=SimpleNamespace(wsgi=lambda: master_app)))
    assert served  # the hook's other work still done
    assert names <= compiled(master_app)
