"""A realistic demo: two offices, their counters and officers, a closed and an open appraisal
period, a duty roster over the working days, and a few thousand past responses.

Deterministic for a given seed and ``now``, so a screenshot or a test sees the same office.
"""

from __future__ import annotations

import random
import secrets
import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from accounts.operations import create_user, find_user
from appraisal.models import Indicator, IndicatorKind, Period, PeriodStatus
from appraisal.standard import insert_missing
from core.db import db
from core.responses import PROFILE_FIELDS, Channel, Given, NewResponse, record_responses
from kiosk.models import Kiosk
from kiosk.queries import kiosk_indicators
from org.duty import set_pin
from org.models import Desk, Duty, Officer, Service, Unit
from reports.closing import freeze_all

DEMO_PIN = "246810"
# Sign-in accounts of the demo: (role, username, password). Printed by `flask demo`; a real
# installation makes its first administrator with `flask create-admin` instead.
DEMO_ACCOUNTS = [
    ("admin", "admin", "suara-utama-2026"),
    ("supervisor", "supervisor", "suara-kepala-2026"),
    ("officer", "officer", "suara-petugas-2026"),
]

UNITS = [
    dict(
        code="kec-cempaka-putih",
        name="Kantor Kecamatan Cempaka Putih",
        timezone="Asia/Jakarta",
        address="Jl. Cempaka Putih Tengah No. 1, Jakarta Pusat",
        services=[
            ("Perekaman KTP-el", "e-ID card recording"),
            ("Surat Pengantar Nikah", "Marriage cover letter"),
            ("Izin Usaha Mikro Kecil (IUMK)", "Micro-business permit"),
            ("Legalisasi Dokumen", "Document legalisation"),
        ],
        desks=["Loket 1", "Loket 2", "Loket 3"],
    ),
    dict(
        code="disdukcapil-makassar",
        name="Dinas Kependudukan dan Pencatatan Sipil Kota Makassar",
        timezone="Asia/Makassar",
        address="Jl. Ahmad Yani No. 2, Makassar",
        services=[
            ("Kartu Keluarga", "Family card"),
            ("Akta Kelahiran", "Birth certificate"),
            ("KTP-el", "e-ID card"),
            ("Surat Pindah Datang", "Change of residence"),
        ],
        desks=["Loket A", "Loket B", "Loket C"],
    ),
]

# name, gender digit (1 male, 2 female), position, how well they serve (mean rating, 1..4)
OFFICERS = [
    [
        ("Siti Rahmawati", 2, "Pengadministrasi Umum", 3.6),
        ("Budi Santoso", 1, "Pengolah Data Kependudukan", 3.2),
        ("Dewi Lestari", 2, "Analis Pelayanan", 3.75),
        ("Agus Prasetyo", 1, "Pengadministrasi Perkantoran", 2.7),
        ("Rina Marlina", 2, "Verifikator Berkas", 3.4),
        ("Hendra Gunawan", 1, "Pengelola Layanan Operasional", 3.0),
    ],
    [
        ("Andi Baso Rahman", 1, "Analis Kependudukan", 3.5),
        ("Nurhayati Syam", 2, "Pengolah Data", 3.3),
        ("Muhammad Ilham", 1, "Operator Layanan", 2.9),
        ("Fitriani Amir", 2, "Verifikator Data", 3.7),
        ("Rahmat Hidayat", 1, "Pengadministrasi Kependudukan", 3.1),
        ("Sri Wahyuni", 2, "Analis Pelayanan", 3.45),
    ],
]

COMMENTS = [
    "Petugasnya ramah dan sabar menjelaskan.",
    "Antrean terlalu lama, mohon ditambah loket.",
    "Pelayanan cepat, terima kasih.",
    "Ruang tunggu panas, AC tidak menyala.",
    "Persyaratan sudah jelas di papan informasi.",
    "Mohon jam layanan diperpanjang.",
    "Sangat membantu, prosesnya mudah.",
    "Petugas sempat meninggalkan loket cukup lama.",
    "Service was quick and friendly.",
    "Tempat parkir sempit.",
]


SHIFTS = [(time(8, 0), time(12, 0)), (time(13, 0), time(15, 30))]


def _nip(rng: random.Random, gender: int, seq: int) -> str:
    born = date(rng.randint(1968, 1998), rng.randint(1, 12), rng.randint(1, 28))
    start = born.year + rng.randint(22, 30)
    return f"{born:%Y%m%d}{min(start, 2024)}{rng.randint(1, 12):02d}{gender}{seq:03d}"


def quarter_of(day: date) -> tuple[date, date, str]:
    q = (day.month - 1) // 3
    start = date(day.year, 3 * q + 1, 1)
    end = (date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)) - timedelta(days=1)
    return start, end, f"Triwulan {['I', 'II', 'III', 'IV'][q]} {day.year}"


def _rating(rng: random.Random, mean: float) -> int:
    """A 1..4 rating around ``mean``: most citizens are satisfied, a few are not."""
    return max(1, min(4, round(rng.gauss(mean, 0.7))))


def load_demo(seed: int, now: datetime) -> str:
    rng = random.Random(seed)
    insert_missing(db.session.connection(), Indicator.__table__)
    indicators = db.session.scalars(sa.select(Indicator).where(Indicator.active.is_(True))).all()
    skm = sorted(
        (i for i in indicators if i.skm_element and i.kind == IndicatorKind.SCALE and i.on_channel(Channel.QR)),
        key=lambda i: i.position,
    )
    kiosk_question, kiosk_reasons = kiosk_indicators()

    # Periods: the quarter we are in is open, the one before it is closed.
    today = now.astimezone(ZoneInfo("Asia/Jakarta")).date()
    cur_start, cur_end, cur_name = quarter_of(today)
    prev_start, prev_end, prev_name = quarter_of(cur_start - timedelta(days=1))
    previous = Period(name=prev_name, starts_on=prev_start, ends_on=prev_end, status=PeriodStatus.CLOSED)
    current = Period(name=cur_name, starts_on=cur_start, ends_on=cur_end, status=PeriodStatus.OPEN)
    db.session.add_all([previous, current])

    units, kiosks, seq = [], {}, 1
    for spec, staff in zip(UNITS, OFFICERS):
        unit = Unit(code=spec["code"], name=spec["name"], timezone=spec["timezone"], address=spec["address"])
        for position, (name_id, name_en) in enumerate(spec["services"]):
            unit.services.append(Service(name_id=name_id, name_en=name_en, position=position))
        for desk_name in spec["desks"]:
            desk = Desk(name=desk_name)
            unit.desks.append(desk)
            kiosks[desk] = Kiosk(
                desk=desk,
                name=f"Tablet {desk_name}",
                token_hash=secrets.token_hex(32),
                paired_at=now - timedelta(days=200),
            )
        for name, gender, position, _quality in staff:
            officer = Officer(nip=_nip(rng, gender, seq), name=name, position=position)
            set_pin(officer, DEMO_PIN)
            unit.officers.append(officer)
            seq += 1
        db.session.add(unit)
        units.append(unit)
    db.session.add_all(kiosks.values())
    db.session.flush()

    quality = {o.id: staff[i][3] for unit, staff in zip(units, OFFICERS) for i, o in enumerate(unit.officers)}
    responses, duties = [], []

    for unit in units:
        tz = ZoneInfo(unit.timezone)
        local_today = now.astimezone(tz).date()
        day = prev_start
        while day < local_today:
            if day.weekday() < 5:
                roster = rng.sample(unit.officers, k=len(unit.desks) * 2)
                for shift_index, (begin, end) in enumerate(SHIFTS):
                    for desk_index, desk in enumerate(unit.desks):
                        officer = roster[shift_index * len(unit.desks) + desk_index]
                        started = datetime.combine(day, begin, tz).astimezone(timezone.utc)
                        ended = datetime.combine(day, end, tz).astimezone(timezone.utc)
                        duties.append(
                            dict(
                                officer_id=officer.id,
                                desk_id=desk.id,
                                started_at=started,
                                ended_at=ended,
                                started_via="demo",
                                ended_via="demo",
                            )
                        )
                        period = previous if day <= prev_end else current
                        _demo_responses(
                            rng,
                            unit,
                            desk,
                            kiosks[desk],
                            officer,
                            period,
                            started,
                            ended,
                            quality[officer.id],
                            kiosk_question,
                            kiosk_reasons,
                            skm,
                            responses,
                        )
            day += timedelta(days=1)

        # Today: the first two desks are staffed right now, so the kiosk shows whom citizens rate.
        for desk, officer in zip(unit.desks[:2], unit.officers[:2]):
            duties.append(
                dict(
                    officer_id=officer.id,
                    desk_id=desk.id,
                    started_at=now - timedelta(hours=1),
                    ended_at=None,
                    started_via="demo",
                    ended_via=None,
                )
            )

    db.session.execute(sa.insert(Duty), duties)
    record_responses(responses)
    db.session.flush()
    from .skp import load_skp_demo  # the SKP's story: written before the closed quarter is frozen

    skp = load_skp_demo(seed, now, previous, current, units, OFFICERS, ensure_demo_accounts)
    # An office's daily tools and the 360° rounds, each feature's story told by its own module.
    from .alerts import load_alerts_demo
    from .awards import load_awards_demo
    from .comments import load_comments_demo
    from .feedback import load_feedback_demo
    from .questions import load_questions_demo
    from .roster import load_roster_demo

    stories = [
        load_roster_demo(now, units),
        load_questions_demo(now, units),
        load_comments_demo(now, units),
        load_feedback_demo(now, previous, current, units),
        load_awards_demo(now, previous, current, units),
    ]
    freeze_all(previous, now)  # the closed quarter is frozen, as closing it would have done
    stories.append(load_alerts_demo(now, units))  # last: they describe the office as it now is
    # Counted from the database: the SKP's story adds the leaders' unit and its officers.
    return (
        f"Demo loaded: {_count(Unit)} units, {_count(Desk)} desks, "
        f"{_count(Officer)} officers (kiosk PIN {DEMO_PIN}), periods "
        f"'{previous.name}' (closed) and '{current.name}' (open), {len(duties)} duties, "
        f"{len(responses)} responses. {skp} " + " ".join(story for story in stories if story)
    )


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _demo_responses(
    rng, unit, desk, kiosk, officer, period, started, ended, quality, kiosk_question, kiosk_reasons, skm, responses
):
    span = (ended - started).total_seconds()
    for _ in range(rng.randint(2, 6)):
        cast = started + timedelta(seconds=rng.uniform(0, span))
        value = _rating(rng, quality)
        burst = rng.random() < 0.01  # a child tapping away: kept, flagged, left out
        new = dict(
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            channel=Channel.KIOSK,
            unit_id=unit.id,
            desk_id=desk.id,
            officer_id=officer.id,
            period_id=period.id,
            kiosk_id=kiosk.id,
            cast_at=cast,
            received_at=cast + timedelta(seconds=rng.uniform(0.1, 2)),
            burst=burst,
            locale="en" if rng.random() < 0.05 else "id",
        )
        answers = [Given(kiosk_question.id, value)]
        if kiosk_reasons and rng.random() < 0.6:
            answers += [Given(r.id, 1, on_scale=False) for r in rng.sample(kiosk_reasons, k=rng.randint(1, 2))]
        responses.append(NewResponse(**new, answers=tuple(answers)))
    if rng.random() < 0.5:
        cast = started + timedelta(seconds=rng.uniform(0, span))
        new = dict(
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            channel=Channel.QR,
            unit_id=unit.id,
            desk_id=desk.id,
            officer_id=officer.id,
            period_id=period.id,
            service_id=rng.choice(unit.services).id,
            cast_at=cast,
            received_at=cast,
            verified=rng.random() < 0.4,
            locale="id",
            **{field: rng.choice(codes) for field, codes in PROFILE_FIELDS.items()},
            comment=rng.choice(COMMENTS) if rng.random() < 0.25 else None,
        )
        # Elements about the officer follow the officer; the others follow the office.
        answers = [
            Given(i.id, _rating(rng, quality if i.skm_element in ("U3", "U6", "U7") else 3.2), element=i.skm_element)
            for i in skm
        ]
        responses.append(NewResponse(**new, answers=tuple(answers)))


def ensure_demo_accounts(now: datetime) -> list[tuple[str, str, str, str]]:
    """The demo's administrator, a supervisor of the first unit and an officer account for its
    first officer; made once (by username), so running the demo again changes nothing.
    Returns (role, username, password, whose) for each, to be printed."""
    from org.models import Role, User

    unit = db.session.scalar(sa.select(Unit).order_by(Unit.id))
    officer = (
        db.session.scalar(sa.select(Officer).where(Officer.unit_id == unit.id).order_by(Officer.id)) if unit else None
    )
    logins = []
    for role, username, password in DEMO_ACCOUNTS:
        if role != "admin" and (unit is None or officer is None):
            continue
        whose = {"admin": "", "supervisor": unit.name if unit else "", "officer": officer.name if officer else ""}[role]
        if find_user(username) is None:
            values = dict(
                username=username,
                role=role,
                active=True,
                name={
                    "admin": "Administrator Demo",
                    "supervisor": "Kepala Unit Demo",
                    "officer": officer.name if officer else "",
                }[role],
            )
            if role == Role.SUPERVISOR.value:
                values["unit_id"] = unit.id
            if role == Role.OFFICER.value:
                values["officer_id"] = officer.id
            create_user(None, values, password, now)
        elif role == "officer":
            whose = db.session.scalar(sa.select(User).where(User.username == username)).display_name
        logins.append((role, username, password, whose))
    db.session.flush()
    return logins
