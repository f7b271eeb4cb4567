"""Who serves the public, and where: units, their services and desks, officers, who is on duty
at which desk, and the accounts that sign in to the admin area.

Vocabulary kept in Bahasa Indonesia where it is a term of art:
- *unit layanan*: a public-service unit (a kecamatan office, a Dukcapil office, a hospital);
- *loket*: a service counter (``Desk``); *jenis layanan*: a kind of service (``Service``);
- *ASN*: a civil servant (``Officer``), identified nationally by their NIP.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.db import Model, UTCDateTime, db, enum_column, utcnow

# Public codes (QR addresses) use an alphabet without look-alike characters, so that a code read
# aloud or typed from a poster survives.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_public_code(length: int = 10) -> str:
    """A short, unguessable code for a public address (~49 bits at length 10)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


# The time zones of Indonesia, each with the name an office uses: WIB (two names in use), WITA, WIT.
INDONESIAN_TIMEZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def local_clock(moment: datetime, timezone: str, fmt: str = "%H:%M") -> str:
    """``moment`` at a unit, as its office writes it, with its zone: by default the time of day
    ("14:30 WIB"), what a person is told when they may try again (a lock lasts minutes, so the
    day goes without saying); ``fmt="%Y-%m-%d %H:%M"`` gives the day too."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.strftime(fmt)} {INDONESIAN_TIMEZONES.get(timezone) or local.tzname()}"


class Unit(Model):
    """A unit layanan: one office that serves the public, with its own time zone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  # a slug for public addresses
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Jakarta")
    # The most kiosk votes a desk of the unit counts in an hour: the citizens it can serve. The
    # surplus is kept, flagged and left out (kiosk.votes.MisuseRules).
    max_votes_per_hour: Mapped[int] = mapped_column(default=30, server_default="30")
    # The officer who heads the unit (kepala unit): the unit's result rated by their own
    # appraiser becomes their work-result rating (PermenPANRB 6/2022; skp.rules).
    head_officer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("officer.id", use_alter=True, name="fk_unit_head_officer_id_officer")
    )
    # The lobby screen (a public page per unit) names the unit's confirmed officer of the month
    # only when the unit opts in; otherwise it names nobody.
    lobby_shows_award: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    services: Mapped[list[Service]] = relationship(back_populates="unit", order_by="Service.position")
    desks: Mapped[list[Desk]] = relationship(back_populates="unit", order_by="Desk.name")
    officers: Mapped[list[Officer]] = relationship(
        back_populates="unit", order_by="Officer.name", foreign_keys="Officer.unit_id"
    )


class Service(Model):
    """A jenis layanan offered by a unit (e.g. KTP-el, Kartu Keluarga)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name_id: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="services")


def desk_name_key(name: str) -> str:
    """What makes two desk names one: case and runs of spaces aside ("loket  a" is "Loket A")."""
    return " ".join((name or "").split()).casefold()


class Desk(Model):
    """A loket: one service counter of a unit, where officers take turns on duty. Its name is
    unique within the unit (``name_key``, kept by the model: the same in every database, where
    SQL's lower() is not), so that lists, duty and pairing can tell desks apart."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # casefold() may lengthen a name (ß -> ss): room for that.
    name_key: Mapped[str] = mapped_column(sa.String(300))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_code)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="desks")

    __table_args__ = (sa.Index("uq_desk_unit_name", "unit_id", "name_key", unique=True),)

    @validates("name")
    def _keep_name_key(self, _key, name: str) -> str:
        self.name_key = desk_name_key(name)
        return name

    def current_duty(self) -> Duty | None:
        return db.session.scalar(sa.select(Duty).where(Duty.desk_id == self.id, Duty.ended_at.is_(None)))


class Officer(Model):
    """An ASN who serves at the desks of one unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    nip: Mapped[str] = mapped_column(sa.String(18), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(200), default="")  # jabatan
    rank: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")  # pangkat/golongan, e.g. "III/a"
    photo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    photo_mime: Mapped[str | None] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_public_code)
    pin_hash: Mapped[str | None] = mapped_column(sa.String(200))
    pin_failures: Mapped[int] = mapped_column(default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="officers", foreign_keys=[unit_id])

    @property
    def has_photo(self) -> bool:
        return self.photo_mime is not None


class Duty(Model):
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
            "uq_duty_open_desk",
            "desk_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
        sa.Index(
            "uq_duty_open_officer",
            "officer_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )


class OpeningHours(Model):
    """When a unit serves the public on one weekday (0 Monday .. 6 Sunday), in the unit's local
    time. A weekday without a row is closed; a unit without any row keeps the default hours
    (``org.roster.DEFAULT_HOURS``)."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    weekday: Mapped[int] = mapped_column(sa.SmallInteger)
    opens: Mapped[time] = mapped_column(sa.Time)
    closes: Mapped[time] = mapped_column(sa.Time)

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "weekday", name="uq_opening_hours_unit_weekday"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("opens < closes", name="opens_before_closes"),
    )


class Shift(Model):
    """A planned shift: an officer scheduled at a desk from ``starts_at`` to ``ends_at`` (UTC).
    The plan, not the record: who actually served is ``Duty``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    officer: Mapped[Officer] = relationship()
    desk: Mapped[Desk] = relationship()

    __table_args__ = (
        sa.Index("ix_shift_desk_time", "desk_id", "starts_at"),
        sa.Index("ix_shift_officer_time", "officer_id", "starts_at"),
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
    )


class ReportingLine(Model):
    """Who appraises an officer, from ``valid_from`` until ``valid_to`` (inclusive; open while
    None): the pejabat penilai (``appraiser_id``, the direct superior, an officer too) and the
    atasan pejabat penilai (``superior_id``, who decides the officer's objections). A new line
    ends the one before it the day before it starts (``org.lines.set_line``), so at most one
    holds on any day. An officer without a line is appraised by the supervisors of the unit
    (``org.access.appraiser_line``): today's unit-scoped supervisor account is that case."""

    __tablename__ = "reporting_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    appraiser_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    superior_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])
    appraiser: Mapped[Officer] = relationship(foreign_keys=[appraiser_id])
    superior: Mapped[Officer | None] = relationship(foreign_keys=[superior_id])

    __table_args__ = (
        sa.Index("ix_reporting_line_officer_from", "officer_id", "valid_from"),
        sa.Index("ix_reporting_line_appraiser", "appraiser_id"),
        sa.Index("ix_reporting_line_superior", "superior_id"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name="dates_in_order"),
        sa.CheckConstraint("appraiser_id <> officer_id", name="not_own_appraiser"),
        sa.CheckConstraint("superior_id IS NULL OR superior_id <> officer_id", name="not_own_superior"),
    )

    def holds(self, starts_on: date, ends_on: date) -> bool:
        """Does the line hold on some day between the two dates (inclusive)?"""
        return self.valid_from <= ends_on and (self.valid_to is None or self.valid_to >= starts_on)


class Role(str, enum.Enum):
    """What an account may do. Scope is by unit: a supervisor sees and changes only their unit."""

    ADMIN = "admin"  # everything, every unit
    SUPERVISOR = "supervisor"  # unit manager / pejabat penilai of one unit
    OFFICER = "officer"  # an ASN: their own account and, later, their own appraisal sheet


class User(Model):
    """A person who signs in to the admin area. Implements what Flask-Login asks of a user; the
    sessions they sign in with are held on the server (``accounts.sessions``)."""

    __tablename__ = "user_account"  # "user" is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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

    # What the session cookie keeps (``<id>:<token>``) for the server-side session this account
    # was signed in or found with; set by accounts.sessions, never stored in this table.
    session_key = None

    def get_id(self) -> str | None:
        return self.session_key

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return self.name or self.username


class SignInFailure(Model):
    """Failed sign-ins, counted where they come from, never against an account as a whole: one
    row per (username tried, source) and one per source alone (``username`` None). A source is
    a client address (an IPv6 client's /64 network, which one machine can fill), or a browser
    that signed in to that account before (``device:<id>``), so that whoever guesses a
    password from elsewhere slows only themselves (``accounts.operations.authenticate``).
    Kept in the database, so the counts hold across every server process."""

    __tablename__ = "sign_in_failure"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    username: Mapped[str | None] = mapped_column(sa.String(80), index=True)  # lowercase, as typed
    source: Mapped[str] = mapped_column(sa.String(80))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportJob(Model):
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
