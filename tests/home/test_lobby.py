"""The lobby screen: public, per unit, today's satisfaction and the period's IKM with the
published page's minimum-n rule, thank-you counts, and no officer's name unless the unit opts
in to show its officer of the month; never a comment."""

from datetime import date

import sqlalchemy as sa

from appraisal import scoring
from appraisal.models import PeriodStatus
from awards.models import Award, AwardStatus
from core.db import db
from home import queries
from org.models import local_clock
from reports.queries import compute_unit_report
from tests.factories import add_vote, make_period, make_unit, text
from tests.home.conftest import SECRET_WORD


def award(office, officer, month=None):
    row = Award(
        unit_id=office["unit"].id,
        period_id=office["period"].id,
        month=month or queries.local_day(office["unit"], office["now"]).replace(day=1),
        officer_id=officer.id,
        status=AwardStatus.CONFIRMED,
        score="91.40",
        n=40,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_an_unknown_unit_is_404(client, office):
    assert client.get("/lobi/tidak-ada").status_code == 404
    assert client.get("/lobi/tidak-ada/petugas-bulan-ini").status_code == 404


def test_the_lobby_is_public_and_shows_todays_and_the_periods_figures(client, rated):
    unit, period = rated["unit"], rated["period"]
    response = client.get("/lobi/kec-tallo")
    assert response.status_code == 200
    page = text(response)
    assert "Kantor Kecamatan Tallo" in page
    # Today: four counted faces, three of them smiling (75 %); the two of two days ago are not today's.
    board = queries.lobby(unit, rated["now"])
    assert (board.happy_n, board.happy_percent, board.today_counted) == (4, 75, 6)
    assert '<p class="lobby-figure" data-figure="happy">75<span class="unit">%</span></p>' in page
    assert "4 penilaian kiosk hari ini" in page
    # The period's IKM and grade, as the unit report (and the published page) compute them.
    report = compute_unit_report(period, unit)
    assert board.headline == report["headline"]
    ikm = scoring.display(report["headline"]["ikm"])
    assert f'data-figure="ikm">{ikm}</p>' in page
    assert report["headline"]["grade"] == board.grade.letter and board.grade.label("id") in page
    # Thank-you lines are counts only: six counted today (both channels), eight in the period.
    assert "Terima kasih atas 6 penilaian hari ini!" in page
    assert "Terima kasih atas 8 penilaian pada periode ini." in page
    assert "Thank you for 6 ratings today!" in page  # English beside it, after the Indonesian
    assert page.index("Terima kasih atas 6") < page.index("Thank you for 6")


def test_no_officer_name_no_desk_name_and_never_a_comment(client, rated):
    award(rated, rated["ani"])  # confirmed, but the unit has not opted in
    page = text(client.get("/lobi/kec-tallo"))
    for name in ("Ani Wijayanti", "Budi Hartono", "Citra Lestari", "Loket Kependudukan", "Loket Perizinan"):
        assert name not in page
    assert SECRET_WORD not in page and "lambat" not in page
    assert client.get("/lobi/kec-tallo/petugas-bulan-ini").status_code == 404


def test_the_officer_of_the_month_only_where_the_unit_opts_in(client, rated):
    unit, ani = rated["unit"], rated["ani"]
    award(rated, ani)
    ani.photo, ani.photo_mime = b"\x89PNG\r\n\x1a\nfoto", "image/png"
    unit.lobby_shows_award = True
    db.session.commit()
    page = text(client.get("/lobi/kec-tallo"))
    assert "Ani Wijayanti" in page and "Petugas terbaik bulan ini" in page
    assert "Budi Hartono" not in page and SECRET_WORD not in page
    photo = client.get("/lobi/kec-tallo/petugas-bulan-ini")
    assert photo.status_code == 200 and photo.data == b"\x89PNG\r\n\x1a\nfoto" and photo.mimetype == "image/png"
    # A withdrawn award names nobody.
    db.session.execute(sa.update(Award).values(status=AwardStatus.WITHDRAWN))
    db.session.commit()
    assert "Ani Wijayanti" not in text(client.get("/lobi/kec-tallo"))
    assert client.get("/lobi/kec-tallo/petugas-bulan-ini").status_code == 404


def test_the_latest_award_before_this_month_is_shown_with_its_month(client, rated):
    unit = rated["unit"]
    unit.lobby_shows_award = True
    db.session.commit()
    award(rated, rated["budi"], month=date(2020, 5, 1))
    award(rated, rated["ani"], month=date(2020, 4, 1))
    page = text(client.get("/lobi/kec-tallo"))
    assert "Budi Hartono" in page and "Mei 2020" in page and "May 2020" in page
    assert "Ani Wijayanti" not in page


def test_under_the_minimum_n_there_is_not_enough_data(client, office):
    period = office["period"]
    period.min_n = 5
    db.session.commit()
    for face in (4, 4, 4):
        add_vote(period, office["desk_a"], office["ani"], face, at=office["now"])
    db.session.commit()
    page = text(client.get("/lobi/kec-tallo"))
    assert page.count("Belum cukup data") == 2  # today's share and the period's IKM
    assert "3 dari 5 penilaian kiosk yang dibutuhkan" in page
    assert 'data-figure="grade"' not in page and "%</span>" not in page
    board = queries.lobby(office["unit"], office["now"])
    assert board.happy is None and board.headline["grade"] is None


def test_without_an_open_period(client, ctx):
    make_unit(code="kec-sepi", name="Kantor Sepi")
    make_period(status=PeriodStatus.CLOSED, name="Lama")
    page = text(client.get("/lobi/kec-sepi"))
    assert "Belum ada periode survei yang dibuka hari ini." in page


def test_the_local_time_with_its_zone(client, office):
    page = text(client.get("/lobi/kec-tallo"))
    # The unit is in WITA: its local date and time with the zone.
    assert f"Updated {local_clock(office['now'], 'Asia/Makassar', '%Y-%m-%d %H:%M')}" in page
    assert "WITA" in local_clock(office["now"], "Asia/Makassar", "%Y-%m-%d %H:%M")
    assert "Asia/Makassar" not in page


def test_the_board_refreshes_itself_as_a_partial(client, rated):
    page = client.get("/lobi/kec-tallo")
    html = text(page)
    assert 'hx-trigger="every 60s"' in html and 'id="board"' in html
    assert '<meta http-equiv="refresh" content="60">' in html  # inside <noscript>
    assert "Vary" in page.headers and "HX-Request" in page.headers["Vary"]
    partial = client.get("/lobi/kec-tallo", headers={"HX-Request": "true"})
    body = text(partial)
    assert partial.status_code == 200 and "<html" not in body and 'data-figure="happy"' in body
    assert "Ani Wijayanti" not in body and SECRET_WORD not in body


def test_with_no_period_open_the_last_published_result(client, rated):
    from reports.closing import close_period
    from reports.snapshots import public_results

    close_period(rated["period"], rated["admin"])
    db.session.commit()
    page = text(client.get("/lobi/kec-tallo"))
    published = public_results(rated["unit"])[0]["headline"]
    assert f'data-figure="ikm">{scoring.display(published["ikm"])}</p>' in page
    assert "Indeks Kepuasan Masyarakat (IKM) periode terakhir" in page and "Triwulan Uji" in page
    assert "Belum ada periode survei yang dibuka hari ini." in page
    for hidden in ("Ani Wijayanti", "Budi Hartono", SECRET_WORD):
        assert hidden not in page
