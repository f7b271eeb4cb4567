"""The SKP's tables: each officer's plan for a year (work-result rows and the leader's special
expectations per BerAKHLAK value), what was achieved per row and period with its evidence, the
continuous feedback, the appraiser's evaluation per period with the officer's objection, and the
unit's result that picks the distribution curve (``skp.rules``). Every moment in UTC.

The evaluation periods inside an SKP's year are the product's appraisal periods
(``appraisal.models.Period``): quarterly by default, as an administrator sets them up.

The rating of Berorientasi Pelayanan is the one record the product already keeps for it
(``appraisal.models.RatingDecision``, with the citizens' evidence and suggestion beside it): an
evaluation reads the latest decision and writes a new one through ``appraisal.ratings``; the
other six values are ``ValueRating`` rows.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.models import Period
from core.db import Model, UTCDateTime, enum_column, utcnow
from org.models import Officer, Unit


class SkpStatus(str, enum.Enum):
    DRAFT = "draft"  # rows being drafted; any change after agreement brings it back here
    AGREED = "agreed"  # the officer and the appraiser both agreed (the planning stage is done)


class Skp(Model):
    """An officer's SKP for a year. The appraiser is whoever the reporting line names for each
    period (``org.access.appraiser_line``); the document records who signed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    year: Mapped[int]
    status: Mapped[SkpStatus] = mapped_column(enum_column(SkpStatus), default=SkpStatus.DRAFT)
    officer_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appraiser_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appraiser_agreed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    officer: Mapped[Officer] = relationship()
    results: Mapped[list[WorkResult]] = relationship(
        back_populates="skp",
        order_by="(WorkResult.kind.desc(), WorkResult.position, WorkResult.id)",  # utama first
    )
    expectations: Mapped[list[Expectation]] = relationship(back_populates="skp")

    __table_args__ = (
        sa.UniqueConstraint("officer_id", "year", name="uq_skp_officer_year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


class ResultKind(str, enum.Enum):
    UTAMA = "utama"  # a main result: none may be below expectation for "di atas"
    TAMBAHAN = "tambahan"  # an additional result


class Aspect(str, enum.Enum):
    KUANTITAS = "kuantitas"
    KUALITAS = "kualitas"
    WAKTU = "waktu"
    BIAYA = "biaya"


class Measure(str, enum.Enum):
    """A figure the product measures itself, to which a row may be bound: its realisation then
    fills itself from the same numbers the reports show (``skp.measures``)."""

    OFFICER_SATISFACTION = "officer_satisfaction"  # the officer's combined citizen score, 25..100
    UNIT_IKM = "unit_ikm"  # the IKM of the unit the period belongs to, 25..100
    SERVICES_RATED = "services_rated"  # the officer's counted responses (kiosk and survey)
    VERIFIED_SHARE = "verified_share"  # % of the officer's counted survey responses through one-time codes


class WorkResult(Model):
    """A row of an SKP's work results (rencana hasil kerja) with one indicator (IKI) and its
    target. ``lower_is_better`` for a time or cost target (days to finish, rupiah spent)."""

    __tablename__ = "skp_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(sa.ForeignKey("skp.id"), index=True)
    kind: Mapped[ResultKind] = mapped_column(enum_column(ResultKind), default=ResultKind.UTAMA)
    position: Mapped[int] = mapped_column(default=0)
    # The superior's result this row supports (rencana hasil kerja pimpinan yang diintervensi).
    leader_result: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.String(500))  # the officer's planned result
    aspect: Mapped[Aspect] = mapped_column(enum_column(Aspect), default=Aspect.KUANTITAS)
    indicator: Mapped[str] = mapped_column(sa.String(500))  # IKI
    target: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    target_unit: Mapped[str] = mapped_column(sa.String(60), default="")  # "layanan", "%", "hari"
    lower_is_better: Mapped[bool] = mapped_column(default=False)
    measure: Mapped[Measure | None] = mapped_column(enum_column(Measure, length=32), nullable=True)

    skp: Mapped[Skp] = relationship(back_populates="results")

    __table_args__ = (sa.CheckConstraint("target >= 0", name="target_not_negative"),)


class Expectation(Model):
    """The leader's special expectation (ekspektasi khusus pimpinan) of one BerAKHLAK value."""

    __tablename__ = "skp_expectation"

    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(sa.ForeignKey("skp.id"))
    value: Mapped[str] = mapped_column(sa.String(40))  # appraisal.berakhlak code
    text: Mapped[str] = mapped_column(sa.Text)

    skp: Mapped[Skp] = relationship(back_populates="expectations")

    __table_args__ = (sa.UniqueConstraint("skp_id", "value", name="uq_skp_expectation_value"),)


class EvidenceFile(Model):
    """An uploaded proof (bukti dukung): type and size checked on upload, kept in the database
    like an officer's photo so that every server sees it and a backup holds it."""

    __tablename__ = "skp_evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    mime: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


class Realisation(Model):
    """What was achieved on a row in a period (realisasi berdasarkan bukti dukung), recorded by
    the officer. A bound row's figure is not stored: it is read from the reports' numbers
    (frozen with them when the period closes); its note and evidence are."""

    __tablename__ = "skp_realisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("skp_result.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), index=True)
    achieved: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(sa.String(500))
    evidence_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skp_evidence_file.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    result: Mapped[WorkResult] = relationship()
    evidence_file: Mapped[EvidenceFile | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("result_id", "period_id", name="uq_skp_realisation_result_period"),)


class FeedbackNote(Model):
    """A dated note of continuous feedback (umpan balik berkelanjutan) in a period, by the
    appraiser or the officer, on a work-result row, on a BerAKHLAK value, or on the SKP as a
    whole (both None). Never edited: a correction is a new note."""

    __tablename__ = "skp_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(sa.ForeignKey("skp.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    result_id: Mapped[int | None] = mapped_column(sa.ForeignKey("skp_result.id"))
    value: Mapped[str | None] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The author's role towards the officer when written: "appraiser" or "officer".
    author_role: Mapped[str] = mapped_column(sa.String(16))

    __table_args__ = (
        sa.Index("ix_skp_feedback_skp_period", "skp_id", "period_id", "written_at"),
        sa.CheckConstraint("result_id IS NULL OR value IS NULL", name="one_subject"),
    )


class EvaluationStatus(str, enum.Enum):
    DRAFT = "draft"  # the appraiser is rating
    SIGNED = "signed"  # the appraiser signed; the officer acknowledges or objects
    ACKNOWLEDGED = "acknowledged"  # final: the officer acknowledged it
    OBJECTED = "objected"  # the officer objected (keberatan); the appraiser's superior decides
    DECIDED = "decided"  # final: the objection is decided

    @property
    def final(self) -> bool:
        return self in (EvaluationStatus.ACKNOWLEDGED, EvaluationStatus.DECIDED)


class Evaluation(Model):
    """The appraiser's evaluation of an SKP in a period: the work results and the behaviour each
    rated, and the predikat that follows (``skp.rules.predikat``). Who appraised and who was
    above them are copied when it is signed, as the document and the SIASN export show them
    then, whatever changes later."""

    __tablename__ = "skp_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(sa.ForeignKey("skp.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), index=True)
    status: Mapped[EvaluationStatus] = mapped_column(enum_column(EvaluationStatus), default=EvaluationStatus.DRAFT)
    results_rating: Mapped[str | None] = mapped_column(sa.String(12))  # appraisal.scoring.Rating
    behaviour_rating: Mapped[str | None] = mapped_column(sa.String(12))
    predikat: Mapped[str | None] = mapped_column(sa.String(20))  # skp.rules.Predikat, set on signing
    results_reason: Mapped[str] = mapped_column(sa.Text, default="")
    behaviour_reason: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who appraised, as at signing (for the document and SIASN).
    appraiser_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))
    appraiser_name: Mapped[str] = mapped_column(sa.String(200), default="")
    appraiser_nip: Mapped[str] = mapped_column(sa.String(18), default="")
    appraiser_rank: Mapped[str] = mapped_column(sa.String(40), default="")
    appraiser_position: Mapped[str] = mapped_column(sa.String(200), default="")
    appraiser_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    appraiser_is_asn: Mapped[bool] = mapped_column(default=True)
    superior_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))
    superior_name: Mapped[str] = mapped_column(sa.String(200), default="")
    superior_nip: Mapped[str] = mapped_column(sa.String(18), default="")
    superior_rank: Mapped[str] = mapped_column(sa.String(40), default="")
    superior_position: Mapped[str] = mapped_column(sa.String(200), default="")

    skp: Mapped[Skp] = relationship()
    period: Mapped[Period] = relationship()
    row_ratings: Mapped[list[RowRating]] = relationship(back_populates="evaluation")
    value_ratings: Mapped[list[ValueRating]] = relationship(back_populates="evaluation")

    __table_args__ = (sa.UniqueConstraint("skp_id", "period_id", name="uq_skp_evaluation_skp_period"),)


class RowRating(Model):
    """The appraiser's rating of one work-result row in an evaluation."""

    __tablename__ = "skp_row_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("skp_evaluation.id"))
    result_id: Mapped[int] = mapped_column(sa.ForeignKey("skp_result.id"))
    rating: Mapped[str] = mapped_column(sa.String(12))

    evaluation: Mapped[Evaluation] = relationship(back_populates="row_ratings")

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "result_id", name="uq_skp_row_rating"),)


class ValueRating(Model):
    """The appraiser's rating of one BerAKHLAK value other than Berorientasi Pelayanan (whose
    rating is ``RatingDecision``) in an evaluation."""

    __tablename__ = "skp_value_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("skp_evaluation.id"))
    value: Mapped[str] = mapped_column(sa.String(40))
    rating: Mapped[str] = mapped_column(sa.String(12))

    evaluation: Mapped[Evaluation] = relationship(back_populates="value_ratings")

    __table_args__ = (sa.UniqueConstraint("evaluation_id", "value", name="uq_skp_value_rating"),)


class ObjectionStatus(str, enum.Enum):
    OPEN = "open"
    REJECTED = "rejected"  # the ratings stand
    GRANTED = "granted"  # the superior set other ratings


class Objection(Model):
    """The officer's objection (keberatan) to a signed evaluation, decided with reasons by the
    appraiser's superior (atasan pejabat penilai). The ratings before and after are kept."""

    __tablename__ = "skp_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("skp_evaluation.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[ObjectionStatus] = mapped_column(enum_column(ObjectionStatus), default=ObjectionStatus.OPEN)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    results_before: Mapped[str | None] = mapped_column(sa.String(12))
    behaviour_before: Mapped[str | None] = mapped_column(sa.String(12))
    predikat_before: Mapped[str | None] = mapped_column(sa.String(20))
    results_after: Mapped[str | None] = mapped_column(sa.String(12))
    behaviour_after: Mapped[str | None] = mapped_column(sa.String(12))
    predikat_after: Mapped[str | None] = mapped_column(sa.String(20))

    evaluation: Mapped[Evaluation] = relationship()


class UnitResult(Model):
    """The unit's result in a period (hasil kerja organisasi), set with a reason by the superior
    of the unit's head; it picks the curve the unit's predikat must follow."""

    __tablename__ = "skp_unit_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    result: Mapped[str] = mapped_column(sa.String(20))  # skp.rules.OrgResult
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship()

    __table_args__ = (sa.UniqueConstraint("unit_id", "period_id", name="uq_skp_unit_result"),)
