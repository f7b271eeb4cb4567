"""Every time a person reads is the unit's local time with its zone (WIB, WITA, WIT), never UTC:
in pages, in messages and in exports (issue #17).

The pages are found, not listed: the demo office (two units, WIB and WITA, with its history, the
SKP, comments staff have worked on, a dispute, a rating, a refused vote, an import) is crawled
from the start page as an administrator, a supervisor and an officer, following every link of
this site (at most a few addresses per endpoint), and each page is read again in the other
language. On each page's text: no "UTC", and every date with a time ("2026-12-04 11:40") is
followed by its zone. The CSV and XLSX files the pages link to are read the same way."""

import html
import io
import re
import uuid
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.exceptions import HTTPException

from appraisal.models import Dispute, DisputeStatus, Period, PeriodStatus, RatingDecision
from core.db import db
from core.responses import Channel, Given, NewResponse, Response, record_response
from demo.comments import load_comments_demo
from demo.data import DEMO_ACCOUNTS, ensure_demo_accounts, load_demo
from kiosk.models import Kiosk
from kiosk.pairing import new_pairing_code
from kiosk.refusals import record_refusal
from kiosk.votes import VoteError
from org.models import Desk, ImportJob, Officer, Unit, User
from tests.factories import kiosk_question, sign_in

NOW = datetime(2026, 12, 4, 3, 40, tzinfo=UTC)  # Triwulan IV 2026 open; 10:40 WIB, 11:40 WITA

DATE_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}[:.]\d{2}(?::\d{2})?")
ZONE_AFTER = re.compile(r"\s*(?:WIB|WITA|WIT)\b")
UTC_WORD = re.compile(r"\bUTC\b")
# Addresses not to follow: leaving the session, files of no time (images, PDFs, QR codes), the
# citizen's channels (a kiosk needs a paired device; the phone survey asks, it shows no times).
SKIP_ENDPOINTS = ("logout", "static", "healthz", "metrics")
SKIP_PREFIXES = ("/static/", "/kiosk/", "/s/")
PER_ENDPOINT = 2
TAG = re.compile(r"<[^>]+>")
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
LINK = re.compile(r'(?:href|hx-get)="([^"#]+)')


def visible_text(page: str) -> str:
    return html.unescape(TAG.sub(" ", HIDDEN.sub(" ", page)))


def wrong_times(text: str) -> list[str]:
    """Each place in ``text`` where a time is read without its zone, or in UTC."""
    found = [f"…{text[max(0, m.start() - 40) : m.end() + 15]}…" for m in UTC_WORD.finditer(text)]
    for match in DATE_TIME.finditer(text):
        if not ZONE_AFTER.match(text, match.end()):
            found.append(f"…{text[max(0, match.start() - 40) : match.end() + 15]}…")
    return found


# --- The pure checks, and the filters they rely on ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("Diputuskan 2026-12-04 11:40 WITA oleh Andi", 0),
        ("Ditandatangani 2026-12-04 11:40:05 WIB", 0),
        ("Jayapura 2026-12-04 12:40 WIT.", 0),
        ("2026-12-06 01:30 UTC · Tanggapan pada 2026-12-04 11:40", 3),  # the issue's own example
        ("Periode 2026-10-01 – 2026-12-31", 0),  # days alone have no zone
        ("2026-12-04T03:40:00", 1),
    ],
)
def test_the_check_finds_a_time_without_its_zone(text, wrong):
    assert len(wrong_times(text)) == wrong


def test_the_filters_write_the_zone_and_read_audit_moments_in_it(app):
    filters = app.jinja_env.filters
    moment = datetime(2026, 12, 4, 3, 40, tzinfo=UTC)
    assert filters["local_zone"](moment, "Asia/Makassar") == "2026-12-04 11:40 WITA"
    assert filters["local_zone"](moment, "Asia/Jayapura", "%Y-%m-%d %H:%M:%S") == "2026-12-04 12:40:00 WIT"
    assert filters["local_zone"](None, "Asia/Jakarta") == ""
    assert filters["local"](moment, "Asia/Jakarta") == "2026-12-04 10:40"  # its old callers add the zone
    with app.test_request_context():
        changes = str(
            filters["changes"]({"expires_at": moment.isoformat(), "valid_from": "2026-12-01"}, "", "Asia/Makassar")
        )
    assert "2026-12-04 11:40 WITA" in changes and "2026-12-01" in changes and "+00:00" not in changes


def test_a_row_of_no_unit_is_read_in_the_viewers_unit_else_in_wib(app, ctx):
    makassar = Unit(code="mks", name="Makassar", timezone="Asia/Makassar")
    db.session.add(makassar)
    db.session.commit()
    unit_timezone = app.jinja_env.globals["unit_timezone"]
    with app.test_request_context():
        assert unit_timezone(makassar.id) == "Asia/Makassar"
        assert unit_timezone(None) == "Asia/Jakarta"  # nobody signed in: WIB


# --- The demo, crawled -------------------------------------------------------------------------------


def _enrich(now: datetime) -> list[str]:
    """What the demo lacks and a page shows a time of; the addresses that show it."""
    units = db.session.scalars(sa.select(Unit).order_by(Unit.id)).all()
    load_comments_demo(now, units)
    current = db.session.scalar(sa.select(Period).where(Period.status == PeriodStatus.OPEN))
    officer_user = db.session.scalar(sa.select(User).where(User.username == "officer"))
    officer = db.session.get(Officer, officer_user.officer_id)
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    disputed = db.session.scalar(
        sa.select(Response)
        .where(Response.officer_id == officer.id, Response.period_id == current.id)
        .order_by(Response.cast_at.desc())
    )
    db.session.add(
        Dispute(
            response_id=disputed.id,
            officer_id=officer.id,
            period_id=current.id,
            reason="Saya tidak bertugas saat itu.",
            created_at=now - timedelta(hours=20),
            created_by=officer_user.id,
            status=DisputeStatus.REJECTED,
            resolved_at=now - timedelta(hours=2),
            resolved_by=admin.id,
            resolution="Jadwal menunjukkan Anda bertugas.",
        )
    )
    for hours, rating in ((30, "sesuai"), (3, "di_atas")):
        db.session.add(
            RatingDecision(
                period_id=current.id,
                officer_id=officer.id,
                suggested="sesuai",
                score="3.40",
                rating=rating,
                reason="" if rating == "sesuai" else "Kinerja istimewa bulan ini.",
                decided_at=now - timedelta(hours=hours),
                decided_by=admin.id,
            )
        )
    kiosk = db.session.scalar(sa.select(Kiosk).join(Desk).where(Desk.unit_id == units[0].id).order_by(Kiosk.id))
    payload = {"uuid": str(uuid.uuid4()), "value": 4, "reasons": ["R_LAMA"], "locale": "id"}
    record_refusal(kiosk.id, VoteError("unknown_reason", reason="R_LAMA"), payload, b"{}")
    record_response(
        NewResponse(
            uuid=str(uuid.uuid4()),
            channel=Channel.KIOSK,
            unit_id=units[0].id,
            period_id=None,
            cast_at=now,
            received_at=now,
            desk_id=kiosk.desk_id,
            kiosk_id=kiosk.id,
            answers=(Given(kiosk_question().id, 3),),
        )
    )
    new_pairing_code(db.session.get(Desk, kiosk.desk_id), now=now)
    db.session.add(ImportJob(user_id=admin.id, unit_id=units[1].id, filename="pegawai.xlsx", status="done", total=3))
    db.session.commit()
    sheet = f"/admin/reports/{current.id}/officers/{officer.id}"
    return [sheet, f"/admin/kiosks/{kiosk.id}/refusals", "/admin/officers/import", "/admin/audit"]


def _follow(url: str) -> str | None:
    """A link of this site as the crawler asks for it: without ?lang= (which would change the
    language it reads in) and without its fragment; None for another site's."""
    parts = urlsplit(html.unescape(url))
    if parts.netloc or parts.scheme or not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
    return parts.path + (f"?{query}" if query else "")


def _export_text(response) -> str | None:
    if response.mimetype == "text/csv":
        return response.get_data().decode("utf-8-sig")
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(response.get_data()))
        cells = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]
        # A moment stored as a spreadsheet date carries no zone: written as text, with its zone.
        assert not [c for c in cells if isinstance(c, datetime)], f"{response.request.path}: a date-time cell"
        return "\n".join(str(c) for c in cells if c is not None)
    return None


def _crawl(app, client, seeds: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Every page reachable from ``seeds``; what each shows wrongly, by address."""
    adapter = app.url_map.bind("localhost")
    queue, seen, per_endpoint = deque(seeds), set(), Counter()
    visited, wrong = [], {}
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except HTTPException:
            continue
        if any(word in endpoint for word in SKIP_ENDPOINTS) or per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(url)
        if response.status_code != 200:
            continue
        visited.append(url)
        if response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            wrong[url] = wrong_times(visible_text(page))
            queue.extend(link for link in map(_follow, LINK.findall(page)) if link)
        elif (content := _export_text(response)) is not None:
            wrong[url] = wrong_times(content)
    return visited, wrong


def test_every_page_and_export_shows_local_time_with_its_zone(app, client, ctx):
    load_demo(7, NOW)
    ensure_demo_accounts(NOW)
    db.session.commit()
    seeds = ["/admin/", *_enrich(NOW)]
    units = db.session.scalars(sa.select(Unit)).all()
    seeds += [f"/hasil/{unit.code}" for unit in units]

    failures, pages = [], Counter()
    for role, username, _password in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        reader = app.test_client()
        sign_in(reader, user)
        reader.set_cookie("lang", "id")
        visited, wrong = _crawl(app, reader, seeds)
        reader.set_cookie("lang", "en")
        for url in visited:
            response = reader.get(url)
            if response.mimetype == "text/html":
                wrong[f"{url} (en)"] = wrong_times(visible_text(response.get_data(as_text=True)))
        pages[role] = len(visited)
        failures += [f"{role} {url}: {spot}" for url, spots in wrong.items() for spot in spots]

    # The crawl reached the pages that show times (not just a sign-in page), and the sheet of the
    # issue's example shows the dispute and the ratings, each time with its zone.
    admin_reader = app.test_client()
    sign_in(admin_reader, db.session.scalar(sa.select(User).where(User.username == "admin")))
    sheet = visible_text(admin_reader.get(seeds[1]).get_data(as_text=True))
    assert "Saya tidak bertugas saat itu." in sheet and "Kinerja istimewa bulan ini." in sheet
    assert len(re.findall(DATE_TIME.pattern + ZONE_AFTER.pattern, sheet)) >= 4
    assert pages["admin"] > 40 and pages["supervisor"] > 20 and pages["officer"] > 3, pages
    assert not failures, "\n".join(failures[:60])
