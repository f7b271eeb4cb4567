"""Hostile input to every route of the URL map (found there, so a route added later is covered
too), from an anonymous visitor at a paired kiosk and from each role: an administrator, the
supervisor of the unit the records belong to, the supervisor of another unit, and an officer.

Each route is called with the real ids of a seeded office and with ids no record can have; with
query strings whose every parameter holds a hostile value (dates out of range, numbers beyond
any column, unicode digits, newlines, overlong text); with forms whose every field holds one
(with a valid CSRF token, so that the values reach the views); and with JSON nested deeper than
anything honest. Never a 5xx, and a refusal (4xx) changes no row of any table.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa

from accounts.operations import hash_password
from appraisal.models import Dispute, DisputeStatus, PeriodStatus, RatingDecision
from core.db import db
from core.extensions import limiter
from org.duty import start_duty
from org.models import ImportJob, Role, Service, User
from survey.models import ServiceCode
from tests.factories import (
    COOKIE,
    PASSWORD,
    add_survey,
    add_vote,
    csrf,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    post,
    sign_in,
)

ROLES = ["anonymous", "admin", "supervisor", "other_supervisor", "officer"]

# Values no id can be, in an address: beyond 64 bits, beyond 32, zero, negative, other digits.
HOSTILE_IDS = [str(2**63), str(10**30), "١٢٣"]
HOSTILE_STRINGS = ["x" * 3000, "%0D%0ASet-Cookie:%20a=b", "%00", "..%2F..%2Fetc%2F%F0%9F%92%A5١٢٣"]

# Every parameter any view reads from a query string (dates, ids, pages, searches, choices,
# the language and where to go next), each given the same hostile value at once.
QUERY_PARAMS = [
    "from",
    "to",
    "day_from",
    "day_to",
    "page",
    "period",
    "unit",
    "officer",
    "desk",
    "user",
    "entity",
    "entity_id",
    "q",
    "status",
    "active",
    "channel",
    "hidden",
    "part",
    "action",
    "size",
    "next",
    "lang",
    "paired",
]
QUERY_VALUES = [
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "garbage",
    str(2**63),
    str(10**30),
    "-1",
    "١٢٣",
    "9" * 400,
    "/\r\nSet-Cookie: a=b",
    "\n",
    "x" * 5000,
    "💥",
    "1e309",
]
DATE_RANGES = [
    ("0001-01-01", "9999-12-31"),
    ("9999-12-31", "0001-01-01"),
    ("0001-01-01", "0001-01-01"),
    ("9999-12-31", "9999-12-31"),
    ("2026-02-30", "2026-13-01"),
]

# Every form field name the app's forms have; each is sent the same hostile value at once.
FORM_FIELDS = [
    "active",
    "address",
    "age_band",
    "channel",
    "code",
    "comment",
    "confirm",
    "current",
    "desk_id",
    "education",
    "ends_on",
    "file",
    "gender",
    "kind",
    "labels_en",
    "labels_id",
    "min_n",
    "name",
    "name_en",
    "name_id",
    "new",
    "new_password",
    "nip",
    "occupation",
    "officer_id",
    "officer_nip",
    "password",
    "photo",
    "pin",
    "position",
    "qr_weight_pct",
    "rating",
    "rating_above",
    "rating_below",
    "reason",
    "remove",
    "resolution",
    "role",
    "ruling",
    "service",
    "skm_element",
    "starts_on",
    "text_en",
    "text_id",
    "timezone",
    "unit_id",
    "username",
    "weight",
    "uuid",
    "next",
    "lang",
    "q",
]
FORM_VALUES = ["١٢٣", str(2**63), "-1", "0001-01-01", "9999-12-31", "2026-02-30", "x" * 5000, "\r\n", "1e309"]

DEEP_JSON = ['{"a":' * 1000 + "1" + "}" * 1000, "[" * 100_000 + "]" * 100_000]

# A refused request changes nothing, except that a refused sign-in, PIN or password counts the
# failure (and logs it), and a refused kiosk vote is kept with why: those tables may change on
# those endpoints, nothing else.
COUNTS_FAILURES = {
    "admin.accounts.login",
    "admin.accounts.password",
    "kiosk.duty_start",
    "kiosk.duty_end",
    "kiosk.vote",
}
FAILURE_TABLE = re.compile(r"audit|attempt|failure|lock|throttle|refus")


def rotations(values: list[str], names: list[str], times: int) -> list[dict[str, str]]:
    """``times`` mappings of every name to a value, each name to a different value in each (so a
    few requests send every value, to many names), instead of one request per value."""
    return [{name: values[(index + shift) % len(values)] for index, name in enumerate(names)} for shift in range(times)]


def row_counts() -> dict[str, int]:
    """The number of rows of every table, in one query."""
    db.session.expire_all()
    tables = [table for table in db.metadata.sorted_tables if table.name in _present_tables()]
    row = db.session.execute(
        sa.select(
            *[sa.select(sa.func.count()).select_from(table).scalar_subquery().label(table.name) for table in tables]
        )
    ).one()
    db.session.rollback()
    return dict(zip([table.name for table in tables], row))


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


_PRESENT: dict = {}
_HASHES: dict = {}


def hashed(secret: str) -> str:
    """A password's or PIN's hash, made once for the whole file: hashing is slow on purpose, and
    each test makes a whole office."""
    if secret not in _HASHES:
        _HASHES[secret] = hash_password(secret)
    return _HASHES[secret]


def account(role: Role, unit_id: int | None = None, officer_id: int | None = None) -> User:
    user = User(
        username=f"h{uuid.uuid4().hex[:12]}",
        name="",
        role=role,
        password_hash=hashed(PASSWORD),
        unit_id=unit_id,
        officer_id=officer_id,
    )
    db.session.add(user)
    db.session.commit()
    return user


def _present_tables() -> set[str]:
    """The tables the migrations made (a model may be ahead of them while one is written)."""
    if db.engine.url not in _PRESENT:
        _PRESENT[db.engine.url] = set(sa.inspect(db.engine).get_table_names())
    return _PRESENT[db.engine.url]


@pytest.fixture
def world(ctx):
    _counted.clear()
    return _world()


def _world():
    """A small office: two units, each with a desk, a service and officers; an open period with
    responses, a dispute and a rating, a closed one, an import job, a paired kiosk, a one-time
    survey code, and an account for every role."""
    now = datetime.now(timezone.utc)
    own, other = make_unit(), make_unit()
    desk, other_desk = make_desk(unit=own), make_desk(unit=other)
    officer, colleague = make_officer(unit=own, pin=None), make_officer(unit=own, pin=None)
    stranger = make_officer(unit=other, pin=None)
    officer.pin_hash = colleague.pin_hash = stranger.pin_hash = hashed("1234")
    service = Service(unit=own, name_id="Akta Kelahiran", name_en="Birth certificate", position=1)
    db.session.add(service)
    period = make_period(name="2026/2027")
    closed = make_period(
        status=PeriodStatus.CLOSED,
        starts_on=period.starts_on - timedelta(days=100),
        ends_on=period.starts_on - timedelta(days=1),
        name="=cmd|' /C calc'!A0",
    )
    start_duty(desk, officer, now - timedelta(hours=2))
    kiosk, token = make_kiosk(desk)
    survey = add_survey(
        period,
        desk,
        officer,
        [4, 3, 4, 3, 4, 3, 4, 3, 4],
        service=service,
        comment="Cepat",
        at=now - timedelta(hours=1),
    )
    add_vote(period, desk, officer, 4, at=now - timedelta(minutes=30))
    add_survey(period, other_desk, stranger, [2] * 9, at=now - timedelta(hours=1))
    users = SimpleNamespace(
        admin=account(Role.ADMIN),
        supervisor=account(Role.SUPERVISOR, own.id),
        other_supervisor=account(Role.SUPERVISOR, other.id),
        officer=account(Role.OFFICER, own.id, officer.id),
    )
    dispute = Dispute(
        response_id=survey.id,
        officer_id=officer.id,
        period_id=period.id,
        reason="Bukan saya",
        created_by=users.officer.id,
        status=DisputeStatus.OPEN,
    )
    decision = RatingDecision(
        period_id=period.id, officer_id=officer.id, suggested="sesuai", rating="sesuai", decided_by=users.supervisor.id
    )
    job = ImportJob(user_id=users.supervisor.id, unit_id=own.id, filename="petugas.csv", status="refused")
    code = ServiceCode(
        code="HOSTILE0001", desk_id=desk.id, officer_id=officer.id, created_at=now, expires_at=now + timedelta(hours=1)
    )
    db.session.add_all([dispute, decision, job, code])
    db.session.commit()
    values = {
        "unit_id": own.id,
        "desk_id": desk.id,
        "officer_id": officer.id,
        "period_id": period.id,
        "kiosk_id": kiosk.id,
        "service_id": service.id,
        "user_id": users.officer.id,
        "job_id": job.id,
        "response_id": survey.id,
        "dispute_id": dispute.id,
        "indicator_id": _first_indicator_id(),
        "code": desk.code,
        "unit_code": own.code,
        "fmt": "xlsx",
        "filename": "css/app.css",
    }
    return SimpleNamespace(
        users=users,
        values=values,
        token=token,
        period=period,
        closed=closed,
        own=own,
        other=other,
        officer=officer,
        colleague=colleague,
        desk=desk,
    )


def _first_indicator_id() -> int:
    from appraisal.models import Indicator

    return db.session.scalar(sa.select(sa.func.min(Indicator.id)))


def client_for(app, world, role: str):
    """A client as ``role``; the anonymous one is a paired kiosk, so that the kiosk's routes get
    past the pairing check. Each asks for pages in Bahasa Indonesia, the app's first language."""
    client = app.test_client()
    if role == "anonymous":
        client.set_cookie(COOKIE, world.token, path="/kiosk/")
    else:
        sign_in(client, getattr(world.users, role))
    client.set_cookie("lang", "id")
    return client


def routes(app):
    """(rule, method) for every route, the ones that end something (a sign-out, a deletion, a
    revocation) last, so that the others still find the seeded records."""
    found = [
        (rule, method) for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    last = ("logout", "delete", "revoke", "close", "reopen")
    return sorted(found, key=lambda pair: (any(word in pair[0].endpoint for word in last), pair[0].rule, pair[1]))


def build(rule, values: dict, override: dict | None = None) -> str:
    """The rule's address with its arguments filled from ``values`` (``override`` wins; already
    percent-encoded)."""

    def fill(match):
        name = match.group(2)
        if override and name in override:
            return override[name]
        return str(values[name]) if name in values else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def token_of(client) -> str:
    return csrf(client, "/admin/login")


_counted: dict = {}


def check(client, method: str, url: str, endpoint: str, **kwargs):
    """Send one request: never a 5xx; refused, nothing written (beyond a counted failure). The
    counts after a refusal are those before the next request (a refusal wrote nothing)."""
    before = _counted.pop("last", None) or row_counts()
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()  # a static file's, or it is left open
    assert response.status_code < 500, (method, url[:200], response.status_code, response.get_data(as_text=True)[:500])
    if 400 <= response.status_code < 500:
        after = row_counts()
        changed = changed_tables(before, after)
        if endpoint in COUNTS_FAILURES:
            changed = {name for name in changed if not FAILURE_TABLE.search(name)}
        assert not changed, f"{method} {url[:200]} answered {response.status_code} and changed {changed}"
        _counted["last"] = after
    return response


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_real_ids_and_hostile_forms(app, world, role):
    client = client_for(app, world, role)
    token = token_of(client)
    seen = set()
    for rule, method in routes(app):
        url = build(rule, world.values)
        if method == "GET":
            check(client, method, url, rule.endpoint)
        else:
            for data in rotations(FORM_VALUES, FORM_FIELDS, 2):
                check(client, method, url, rule.endpoint, data={**data, "csrf_token": token})
            check(client, method, url, rule.endpoint, data={}, headers={"HX-Request": "true", "X-CSRFToken": token})
        limiter.reset()
        if role != "anonymous" and rule.endpoint.endswith("logout"):
            sign_in(client, getattr(world.users, role))
        seen.add(rule.endpoint)
    assert {"admin.audit_log", "admin.org.duty", "kiosk.vote", "survey.submit", "admin.reports.sheet"} <= seen


@pytest.mark.parametrize("role", ROLES)
def test_every_address_with_ids_no_record_can_have(app, world, role):
    client = client_for(app, world, role)
    checked = 0
    for rule, method in routes(app):
        for name in rule.arguments:
            converter = rule._converters[name].__class__.__name__
            if "Id" in converter:
                # Numbers beyond any id, and the real id in Arabic-Indic digits (int() reads them).
                real = str(world.values.get(name, 1))
                hostile = [*HOSTILE_IDS, "".join(chr(0x660 + int(digit)) for digit in real)]
            else:
                hostile = HOSTILE_STRINGS
            for value in hostile:
                response = check(client, method, build(rule, world.values, {name: value}), rule.endpoint)
                if "Id" in converter:
                    assert response.status_code in (404, 405, 302, 401), (rule.rule, value, response.status_code)
                checked += 1
    assert checked > 250


@pytest.mark.parametrize("role", ROLES)
def test_every_page_with_hostile_query_strings(app, world, role):
    client = client_for(app, world, role)
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        url = build(rule, world.values)
        for query in rotations(QUERY_VALUES, QUERY_PARAMS, 2):
            check(client, "GET", url, rule.endpoint, query_string=query)
        if role in ("admin", "anonymous"):  # plausible queries, each with its numbers out of range
            for number in (str(2**63), "١٢٣", "-1"):
                check(
                    client,
                    "GET",
                    url,
                    rule.endpoint,
                    query_string={
                        "action": "start",
                        "officer": number,
                        "period": world.period.id,
                        "unit": number,
                        "part": "now",
                        "desk": number,
                        "entity": "unit",
                        "entity_id": number,
                        "user": number,
                        "page": number,
                    },
                )
        for day_from, day_to in DATE_RANGES[:1]:
            check(
                client,
                "GET",
                url,
                rule.endpoint,
                query_string={"from": day_from, "to": day_to, "day_from": day_from, "day_to": day_to},
            )


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_json_nested_deeper_than_anything_honest_on_every_route(app, world, role):
    client = client_for(app, world, role)
    token = token_of(client)
    for rule, method in routes(app):
        if rule.endpoint.endswith("logout"):
            continue
        for body in DEEP_JSON:
            response = check(
                client,
                method,
                build(rule, world.values),
                rule.endpoint,
                data=body,
                content_type="application/json",
                headers={"X-CSRFToken": token},
            )
            if rule.endpoint == "kiosk.vote":  # the one route that reads JSON: refused
                assert 400 <= response.status_code < 500, response.status_code


def test_the_duty_and_audit_filters_take_any_day(app, world, admin, client):
    """The first and the last day a date can be are open ends, in every zone of Indonesia."""
    for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"):
        world.own.timezone = zone
        db.session.commit()
        for day_from, day_to in DATE_RANGES + [("", "9999-12-31"), ("0001-01-01", "")]:
            for path in ("/admin/duty", "/admin/audit"):
                response = client.get(path, query_string={"from": day_from, "to": day_to, "desk": world.desk.id})
                assert response.status_code == 200, (
                    zone,
                    path,
                    day_from,
                    day_to,
                    response.get_data(as_text=True)[:300],
                )


def test_the_widest_filter_finds_everything(app, world, admin, client):
    from core.audit import AuditLog

    db.session.add(AuditLog(username="x", action="create", entity="unit", entity_id=world.own.id, label="Unit A"))
    db.session.commit()
    everything = {"from": "0001-01-01", "to": "9999-12-31"}
    audit = client.get("/admin/audit", query_string=everything).get_data(as_text=True)
    assert "Unit A" in audit
    duty = client.get("/admin/duty", query_string={**everything, "desk": world.desk.id}).get_data(as_text=True)
    assert world.officer.name in duty
    nothing = client.get("/admin/audit", query_string={"from": "9999-12-31"}).get_data(as_text=True)
    assert "Unit A" not in nothing


PERIOD_NAMES = ["2026/2027", "Q1: [2026]*?", "'Triwulan' \\ IV", "x" * 100, "History", "'"]


def test_an_appraisal_export_of_any_period_name_opens(app, world, admin, client):
    for name in PERIOD_NAMES:
        world.period.name = name
        db.session.commit()
        for url in (
            f"/admin/reports/{world.period.id}/appraisals.xlsx",
            f"/admin/reports/{world.period.id}/units/{world.own.id}/appraisals.xlsx",
            f"/admin/reports/{world.period.id}/units/{world.own.id}/skm.xlsx",
        ):
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.get_data(as_text=True)[:300])
            book = openpyxl.load_workbook(io.BytesIO(response.data))
            assert all(
                sheet.title and len(sheet.title) <= 31 and not re.search(r"[\\/*?:\[\]]", sheet.title)
                for sheet in book.worksheets
            ), name
        book = openpyxl.load_workbook(io.BytesIO(client.get(f"/admin/reports/{world.period.id}/appraisals.xlsx").data))
        cells = {str(cell) for row in book.active.iter_rows(min_row=2, values_only=True) for cell in row}
        assert name in cells or "'" + name in cells  # the period's full name is in the rows (a formula neutralised)


def test_a_period_named_with_a_slash_through_the_form_then_exported(app, world, admin, client):
    from appraisal.models import Period

    starts = world.period.ends_on + timedelta(days=1)
    response = post(
        client,
        "/admin/periods",
        {
            "name": "2026/2027 bis",
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code in (200, 303)
    created = db.session.scalar(sa.select(Period).where(Period.name == "2026/2027 bis"))
    post(client, f"/admin/periods/{created.id}/open")
    response = client.get(f"/admin/reports/{created.id}/appraisals.xlsx")
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.data)).active.title == "2026-2027 bis"


NEXT_PAGES = ["/\r\nSet-Cookie: a=b", "/admin/\n", "\x00", "/%0d%0aLocation:%20x", "/" + "a" * 5000, "/١٢٣"]


def test_where_to_go_next_with_a_newline_or_worse(app, world):
    for next_page in NEXT_PAGES:
        limiter.reset()
        client = app.test_client()
        response = client.get("/lang/en", query_string={"next": next_page})
        assert response.status_code < 500 and "\n" not in response.headers.get("Location", "")
        response = client.get("/admin/login", query_string={"next": next_page})
        assert response.status_code < 500
        token = csrf(client, "/admin/login")
        before = row_counts()
        response = client.post(
            "/admin/login",
            data={"csrf_token": token, "username": world.users.admin.username, "password": PASSWORD, "next": next_page},
        )
        assert response.status_code < 500, next_page
        location = response.headers.get("Location", "")
        assert "\n" not in location and "\r" not in location and "Set-Cookie" not in location
        if response.status_code >= 400:
            assert changed_tables(before, row_counts()) <= {"audit_log"}


def test_a_vote_from_the_first_and_last_day_there_is(app, world):
    """A kiosk vote claiming 0001-01-01 or 9999-12-31: stored once, flagged (a device's clock is
    a hint), or refused; never a server error."""
    client = client_for(app, world, "anonymous")
    for cast_at in (
        "0001-01-01T00:00:00+14:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59Z",
        "2026-02-30T10:00:00Z",
    ):
        body = {"uuid": str(uuid.uuid4()), "value": 4, "reasons": [], "cast_at": cast_at, "locale": "id"}
        check(client, "POST", "/kiosk/vote", "kiosk.vote", data=json.dumps(body), content_type="application/json")
