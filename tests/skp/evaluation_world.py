"""An office in which an SKP is evaluated, shared by the evaluation, objection and role tests:
a unit with a rated officer, her appraiser and the appraiser's superior (each an officer with an
account), a supervisor of the unit, another unit's supervisor, an administrator, an open period
and the officer's agreed SKP with two main rows and one additional row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import sqlalchemy as sa

from appraisal.models import Period, RatingDecision
from core.audit import AuditLog
from core.db import db
from org.models import Officer, Role, Unit, User
from skp.models import Evaluation, Objection, RowRating, Skp, ValueRating, WorkResult
from tests.factories import make_line, make_officer, make_period, make_result, make_skp, make_unit, make_user

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
SIX = ("akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")


@dataclass
class World:
    unit: Unit
    officer: Officer
    appraiser: Officer
    superior: Officer
    period: Period
    skp: Skp
    main1: WorkResult
    main2: WorkResult
    extra: WorkResult
    officer_user: User
    appraiser_user: User
    superior_user: User
    supervisor: User
    other_supervisor: User
    admin: User

    @property
    def rows(self) -> list[WorkResult]:
        return [self.main1, self.main2, self.extra]


def make_world(head: bool = False) -> World:
    unit = make_unit(name="Kantor Kecamatan Menteng")
    officer = make_officer(unit=unit, name="Siti Rahmawati", rank="II/c", position="Pengadministrasi Layanan")
    appraiser = make_officer(unit=unit, name="Budi Santoso", rank="III/b", position="Kepala Seksi Pelayanan")
    superior = make_officer(unit=unit, name="Dewi Lestari", rank="IV/a", position="Camat")
    make_line(officer, appraiser, superior, valid_from=date(2026, 1, 1))
    if head:
        unit.head_officer_id = officer.id
        db.session.commit()
    period = make_period(name="Triwulan IV 2026", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31))
    skp = make_skp(officer, year=2026)
    main1 = make_result(skp, "utama", description="Layanan KTP selesai")
    main2 = make_result(skp, "utama", description="Pengaduan ditangani tepat waktu", position=1)
    extra = make_result(skp, "tambahan", description="Sosialisasi layanan daring")
    other_unit = make_unit(name="Kantor Kecamatan Gambir")
    return World(
        unit=unit,
        officer=officer,
        appraiser=appraiser,
        superior=superior,
        period=period,
        skp=skp,
        main1=main1,
        main2=main2,
        extra=extra,
        officer_user=make_user(Role.OFFICER, officer=officer, username="siti"),
        appraiser_user=make_user(Role.OFFICER, officer=appraiser, username="budi"),
        superior_user=make_user(Role.OFFICER, officer=superior, username="dewi"),
        supervisor=make_user(Role.SUPERVISOR, unit=unit, username="kasubag"),
        other_supervisor=make_user(Role.SUPERVISOR, unit=other_unit, username="gambir"),
        admin=make_user(Role.ADMIN, username="pusat"),
    )


def all_rated(world: World, rows=("sesuai", "sesuai", "sesuai"), values="sesuai", service="sesuai") -> dict:
    """The arguments of save_ratings that rate everything."""
    return {
        "rows": {row.id: rating for row, rating in zip(world.rows, rows, strict=True)},
        "values": dict.fromkeys(SIX, values),
        "service_rating": service,
        "service_reason": "Dinilai dari pengamatan langsung",
    }


def state() -> dict:
    """Everything the evaluation writes, to check that a refusal changed nothing."""
    db.session.expire_all()

    def rows(model, *columns):
        return sorted(tuple(str(getattr(r, c)) for c in columns) for r in db.session.scalars(sa.select(model)))

    return {
        "evaluations": rows(
            Evaluation, "id", "status", "results_rating", "behaviour_rating", "predikat", "signed_at", "acknowledged_at"
        ),
        "row_ratings": rows(RowRating, "evaluation_id", "result_id", "rating"),
        "value_ratings": rows(ValueRating, "evaluation_id", "value", "rating"),
        "decisions": rows(RatingDecision, "id", "rating"),
        "objections": rows(Objection, "id", "status", "results_after", "behaviour_after", "predikat_after"),
        "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)),
    }
