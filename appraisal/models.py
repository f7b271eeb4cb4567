"""The data model. Every moment is stored in UTC (see ``UTCDateTime``); local time is the unit's.

Vocabulary kept in Bahasa Indonesia where it is a term of art:
- *unit layanan*: a public-service unit (a kecamatan office, a Dukcapil office, a hospital);
- *loket*: a service counter (``Desk``); *jenis layanan*: a kind of service (``Service``);
- *ASN*: a civil servant (``Officer``), identified nationally by their NIP;
- *SKM*: the community-satisfaction survey of PermenPANRB 14/2017, whose nine elements (*unsur*,
  U1..U9) are ``Indicator`` rows with ``skm_element`` set.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import UTCDateTime, db, utcnow

# Public codes (QR addresses) use an alphabet without look-alike characters, so that a code read
# aloud or typed from a poster survives.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_public_code(length: int = 10) -> str:
    """A short, unguessable code for a public address (~49 bits at length 10)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class Channel(str, enum.Enum):
    KIOSK = "kiosk"
    QR = "qr"


class IndicatorChannel(str, enum.Enum):
    KIOSK = "kiosk"
    QR = "qr"
    BOTH = "both"


class IndicatorKind(str, enum.Enum):
    # A question answered on the 1-4 SKM scale.
    SCALE = "scale"
    # A follow-up reason a citizen may pick after a kiosk rating; its answer value is always 1.
    REASON = "reason"


class PeriodStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Flag(enum.IntFlag):
    """Why a response is special. Responses are never deleted: doubtful ones are flagged."""

    UNATTRIBUTED = 1  # no officer was on duty at the desk: counts for the desk and unit only
    CLOCK_ADJUSTED = 2  # the device's cast time was implausible; the received time was used
    REPEAT = 4  # a repeat from the same browser or kiosk: kept, left out of scores
    BURST = 8  # part of a burst of taps on one kiosk
    DUTY_START = 16  # cast seconds after the officer started duty at their own kiosk
    DISPUTE_UPHELD = 32  # the officer disputed it and the supervisor agreed
    RATE_LIMITED = 64  # sent beyond a per-client rate limit


# Flags that take a response out of every score. The others only describe it.
EXCLUDING_FLAGS = Flag.REPEAT | Flag.BURST | Flag.DUTY_START | Flag.DISPUTE_UPHELD | Flag.RATE_LIMITED


def _enum(enum_cls, length=16):
    # Stored as plain strings (not a native ENUM type) so that adding a value needs no DDL.
    return sa.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Unit(db.Model):
    """A unit layanan: one office that serves the public, with its own time zone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  # a slug for public addresses
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Jakarta")

    services: Mapped[list[Service]] = relationship(back_populates="unit", order_by="Service.position")
    desks: Mapped[list[Desk]] = relationship(back_populates="unit", order_by="Desk.name")
    officers: Mapped[list[Officer]] = relationship(back_populates="unit", order_by="Officer.name")


class Service(db.Model):
    """A jenis layanan offered by a unit (e.g. KTP-el, Kartu Keluarga)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name_id: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="services")


class Desk(db.Model):
    """A loket: one service counter of a unit, where officers take turns on duty."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_code)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="desks")
    kiosks: Mapped[list[Kiosk]] = relationship(back_populates="desk")

    def current_duty(self) -> Duty | None:
        return db.session.scalar(sa.select(Duty).where(Duty.desk_id == self.id, Duty.ended_at.is_(None)))


class Officer(db.Model):
    """An ASN who serves at the desks of one unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    nip: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(200), default="")  # jabatan
    photo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    photo_mime: Mapped[str | None] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_code)
    pin_hash: Mapped[str | None] = mapped_column(sa.String(200))
    pin_failures: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="officers")

    @property
    def has_photo(self) -> bool:
        return self.photo_mime is not None


class Duty(db.Model):
    """An officer at a desk, from ``started_at`` until ``ended_at`` (open while None).

    A desk has at most one open duty and an officer at most one: partial unique indexes hold
    this in the database itself, so two tablets racing cannot break it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How it started and ended: "pin" at the kiosk, "admin", or "demo"; "replaced" when another
    # officer took over the desk.
    started_via: Mapped[str] = mapped_column(sa.String(16), default="pin")
    ended_via: Mapped[str | None] = mapped_column(sa.String(16))

    officer: Mapped[Officer] = relationship()
    desk: Mapped[Desk] = relationship()

    __table_args__ = (
        sa.Index("ix_duty_desk_time", "desk_id", "started_at"),
        sa.Index("ix_duty_officer_time", "officer_id", "started_at"),
        sa.Index(
            "uq_duty_open_desk", "desk_id", unique=True,
            sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index(
            "uq_duty_open_officer", "officer_id", unique=True,
            sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )


class Kiosk(db.Model):
    """A tablet paired to one desk. It proves itself with a device token kept in a cookie;
    only the token's SHA-256 is stored, so a copy of the database cannot impersonate a kiosk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    desk: Mapped[Desk] = relationship(back_populates="kiosks")


class PairingCode(db.Model):
    """A one-time code an administrator makes so that a tablet can become a desk's kiosk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kiosk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk.id"))

    desk: Mapped[Desk] = relationship()


class Period(db.Model):
    """An appraisal period (e.g. Triwulan IV 2026), inclusive dates in each unit's local time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[PeriodStatus] = mapped_column(_enum(PeriodStatus), default=PeriodStatus.DRAFT, index=True)
    # Scoring policy of the period (issue #4). Below ``min_n`` counted responses a score is "not
    # enough data", never a grade. An officer's combined score weighs the phone survey at
    # ``qr_weight_pct`` % and the kiosk at the rest. Suggested ratings: a published score at or
    # above ``rating_above`` is "di atas ekspektasi", below ``rating_below`` "di bawah".
    min_n: Mapped[int] = mapped_column(default=30, server_default="30")
    qr_weight_pct: Mapped[int] = mapped_column(default=70, server_default="70")
    rating_above: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("88.31"),
                                                  server_default="88.31")
    rating_below: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("76.61"),
                                                  server_default="76.61")

    __table_args__ = (
        sa.CheckConstraint("starts_on <= ends_on", name="dates_in_order"),
        sa.CheckConstraint("min_n >= 1", name="min_n_positive"),
        sa.CheckConstraint("qr_weight_pct BETWEEN 0 AND 100", name="qr_weight_pct_range"),
        sa.CheckConstraint("rating_below <= rating_above", name="rating_thresholds_order"),
    )

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Indicator(db.Model):
    """A question asked of citizens, or a reason they can pick on the kiosk.

    Answers refer to the indicator by id; editing its text later never rewrites past answers.
    ``labels_id``/``labels_en`` hold the four answer labels (1 worst .. 4 best) of a scale question.
    ``weight`` is None for the SKM default of an equal share (1/n).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[IndicatorKind] = mapped_column(_enum(IndicatorKind), default=IndicatorKind.SCALE)
    text_id: Mapped[str] = mapped_column(sa.String(300))
    text_en: Mapped[str] = mapped_column(sa.String(300))
    labels_id: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    labels_en: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skm_element: Mapped[str | None] = mapped_column(sa.String(8))
    weight: Mapped[float | None] = mapped_column(sa.Numeric(8, 6))
    channel: Mapped[IndicatorChannel] = mapped_column(_enum(IndicatorChannel), default=IndicatorChannel.QR)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text_id

    def labels(self, locale: str) -> list[str]:
        return self.labels_en if locale == "en" and self.labels_en else self.labels_id

    def on_channel(self, channel: Channel) -> bool:
        return self.channel == IndicatorChannel.BOTH or self.channel.value == channel.value


class Response(db.Model):
    """One citizen's feedback: a kiosk tap or a phone survey. Never deleted, never edited in
    substance; flags say why one is left out of scores.

    ``uuid`` is made by the citizen's browser, so that a response sent twice (a retry, a
    double tap, an offline queue flushed twice) is stored once.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, 8))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desk.id"))
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    kiosk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the device's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flags: Mapped[int] = mapped_column(default=0)
    # Derived from ``flags`` on every write (see ``add_flags``) and stored, so that every score
    # query filters on one indexed column.
    excluded: Mapped[bool] = mapped_column(default=False)
    verified: Mapped[bool] = mapped_column(default=False)  # came through a one-time service code
    locale: Mapped[str] = mapped_column(sa.String(5), default="id")
    # The optional respondent profile the SKM uses; never a name, phone, address or religion.
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    age_band: Mapped[str | None] = mapped_column(sa.String(8))
    education: Mapped[str | None] = mapped_column(sa.String(8))
    occupation: Mapped[str | None] = mapped_column(sa.String(16))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    comment_hidden: Mapped[bool] = mapped_column(default=False)
    # What the response gives the scores, stored at insert so that reports aggregate one indexed
    # row per response and never join the answers: the sum and the number of its answers that
    # count (the SKM elements of a phone survey; the face of a kiosk vote, n = 1). A response's
    # own score is score_sum / score_n on 1..4.
    score_sum: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    score_n: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    officer: Mapped[Officer | None] = relationship()
    desk: Mapped[Desk | None] = relationship()

    __table_args__ = (
        # Covering indexes of the score queries: a GROUP BY over them reads no table row.
        sa.Index("ix_response_period_officer", "period_id", "officer_id", "unit_id", "channel", "excluded",
                 "score_n", "score_sum"),
        sa.Index("ix_response_period_unit", "period_id", "unit_id", "channel", "excluded", "score_n", "score_sum"),
        sa.Index("ix_response_kiosk_cast", "kiosk_id", "cast_at"),
    )

    def add_flags(self, flags: Flag) -> None:
        self.flags = int(Flag(self.flags or 0) | flags)
        self.excluded = bool(Flag(self.flags) & EXCLUDING_FLAGS)

    @property
    def flag_set(self) -> Flag:
        return Flag(self.flags or 0)


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _score_new_responses(session, _context, _instances) -> None:
    """Fill ``score_sum``/``score_n`` of new responses whose writer left them empty (the kiosk and
    the survey set them themselves): the scale answers of a kiosk vote, the SKM-element answers of
    a phone survey. So that no response is ever stored without its score."""
    pending = [obj for obj in session.new if isinstance(obj, Response) and not obj.score_n and obj.answers]
    if not pending:
        return
    with session.no_autoflush:
        ids = {a.indicator_id if a.indicator_id is not None else a.indicator.id
               for obj in pending for a in obj.answers}
        kinds = {row.id: row for row in session.execute(
            sa.select(Indicator.id, Indicator.kind, Indicator.skm_element).where(Indicator.id.in_(ids)))}
    for obj in pending:
        counted = []
        for answer in obj.answers:
            info = kinds.get(answer.indicator_id if answer.indicator_id is not None else answer.indicator.id)
            if info is None or info.kind != IndicatorKind.SCALE:
                continue
            if Channel(obj.channel) == Channel.KIOSK or info.skm_element:
                counted.append(answer.value)
        obj.score_sum, obj.score_n = sum(counted), len(counted)


class Answer(db.Model):
    """The value a response gave one indicator: 1..4 on a scale, 1 for a picked reason."""

    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), primary_key=True, index=True)
    value: Mapped[int] = mapped_column(sa.SmallInteger)

    response: Mapped[Response] = relationship(back_populates="answers")
    indicator: Mapped[Indicator] = relationship()

    __table_args__ = (sa.CheckConstraint("value BETWEEN 1 AND 4", name="value_in_scale"),)


class ServiceCode(db.Model):
    """A QR code valid once, for a limited time, shown by an officer after serving a citizen.

    A response through it is ``verified``: it comes from a real service event.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desk.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response.id"))

    officer: Mapped[Officer] = relationship()
    desk: Mapped[Desk | None] = relationship()


# --- Accounts, audit and imports (the admin area) ----------------------------------------------

class Role(str, enum.Enum):
    """What an account may do. Scope is by unit: a supervisor sees and changes only their unit."""

    ADMIN = "admin"  # everything, every unit
    SUPERVISOR = "supervisor"  # unit manager / pejabat penilai of one unit
    OFFICER = "officer"  # an ASN: their own account and, later, their own appraisal sheet


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(db.Model):
    """A person who signs in to the admin area. Implements what Flask-Login asks of a user.

    ``session_token`` is part of the id kept in the session cookie: changing the password makes a
    new one, which signs the account out everywhere else.
    """

    __tablename__ = "user_account"  # "user" is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)

    unit: Mapped[Unit | None] = relationship()
    officer: Mapped[Officer | None] = relationship()

    __table_args__ = (
        # A supervisor belongs to a unit; an officer's account belongs to an officer.
        sa.CheckConstraint("role <> 'supervisor' OR unit_id IS NOT NULL", name="supervisor_has_unit"),
        sa.CheckConstraint("role <> 'officer' OR officer_id IS NOT NULL", name="officer_has_officer"),
    )

    # Flask-Login's user interface.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return self.name or self.username


class AuditLog(db.Model):
    """One change made in the admin area: who, when (UTC), what, and the values before and after.

    ``username`` is copied, so the log still says who even if the account is renamed.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80), default="")
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None] = mapped_column()
    label: Mapped[str] = mapped_column(sa.String(300), default="")  # what it was, in words
    unit_id: Mapped[int | None] = mapped_column()  # no foreign key: the unit may be deleted later
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_audit_log_entity", "entity", "entity_id"),)


class ImportJob(db.Model):
    """A bulk import of officers. Its rows and progress live here, not in a server process, so
    any worker can take the next step. Nothing is imported unless every row is valid."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # A supervisor's import goes to their unit; an administrator's names the unit on each row.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="checking")  # checking/refused/done/failed
    total: Mapped[int] = mapped_column(default=0)
    checked: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)


# --- Appraisal (issue #4) -----------------------------------------------------------------------

class DisputeStatus(str, enum.Enum):
    OPEN = "open"
    UPHELD = "upheld"  # the response leaves the officer's score (Flag.DISPUTE_UPHELD)
    REJECTED = "rejected"


class Dispute(db.Model):
    """An officer's objection to one response attributed to them, and the supervisor's ruling.

    One per response: a rejected dispute is final for that response."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id"), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[DisputeStatus] = mapped_column(_enum(DisputeStatus), default=DisputeStatus.OPEN)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    resolution: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[Response] = relationship()
    officer: Mapped[Officer] = relationship()


class RatingDecision(db.Model):
    """The supervisor's word on an officer's Berorientasi Pelayanan rating for a period: the
    suggestion as it stood, and the rating given, with a reason when it departs from it.

    Never updated: a new decision is a new row, so the history stays; the latest one counts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    suggested: Mapped[str | None] = mapped_column(sa.String(12))  # None: not enough data
    score: Mapped[str | None] = mapped_column(sa.String(12))  # the published score shown then
    rating: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_rating_decision_period_officer", "period_id", "officer_id", "decided_at"),)

    @property
    def overrides(self) -> bool:
        return self.rating != self.suggested


class ScoreSnapshot(db.Model):
    """A closed period's computed results, frozen: one row per unit report and per officer sheet.

    ``data`` is what the report showed at closing (exact fractions as "p/q" strings). Reports of a
    closed period read it instead of computing, so later changes to data or settings (weights,
    thresholds, hidden comments...) do not move a closed period's scores. Reopening removes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    scope: Mapped[str] = mapped_column(sa.String(8))  # "unit" or "officer"
    scope_id: Mapped[int] = mapped_column()
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("period_id", "scope", "scope_id", name="one_per_scope"),)
