"""A citizen's response (a kiosk tap or a phone survey) and its answers: the record every score
is made of, and the one place that writes it.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import UTCDateTime, db, enum_column, utcnow


class Channel(str, enum.Enum):
    KIOSK = "kiosk"
    QR = "qr"


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


class Response(db.Model):
    """One citizen's feedback: a kiosk tap or a phone survey. Never deleted, never edited in
    substance; flags say why one is left out of scores.

    ``uuid`` is made by the citizen's browser, so that a response sent twice (a retry, a
    double tap, an offline queue flushed twice) is stored once.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 8))
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
    indicator = sa.table("indicator", sa.column("id"), sa.column("kind"), sa.column("skm_element"))
    with session.no_autoflush:
        ids = {a.indicator_id for obj in pending for a in obj.answers}
        kinds = {row.id: row for row in session.execute(
            sa.select(indicator.c.id, indicator.c.kind, indicator.c.skm_element).where(indicator.c.id.in_(ids)))}
    for obj in pending:
        counted = []
        for answer in obj.answers:
            info = kinds.get(answer.indicator_id)
            if info is None or info.kind != "scale":
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

    __table_args__ = (sa.CheckConstraint("value BETWEEN 1 AND 4", name="value_in_scale"),)


def insert_once(response: Response, find_existing):
    """Add ``response`` unless its UUID is already stored; then return ``find_existing()`` (what
    the first delivery got), else None. A savepoint holds the insert, so when the same UUID lands
    concurrently only this insert is rolled back and the caller's transaction goes on."""
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        existing = find_existing()
        if existing is None:
            raise
        return existing
    return None


# The respondent profile the SKM usually collects, as stored codes. Never a name, an address, a
# phone number or a religion: they are not needed, and they put people off.
GENDERS = ["L", "P"]


AGE_BANDS = ["<20", "20-29", "30-39", "40-49", "50-59", "60+"]


EDUCATION = ["SD", "SMP", "SMA", "D1-D4", "S1", "S2", "S3"]


OCCUPATIONS = ["pns", "tni_polri", "swasta", "wiraswasta", "pelajar", "lainnya"]


PROFILE_LABELS = {
    "gender": {"L": _l("Male"), "P": _l("Female")},
    "age_band": {"<20": _l("Under 20"), "20-29": _l("20 to 29"), "30-39": _l("30 to 39"),
                 "40-49": _l("40 to 49"), "50-59": _l("50 to 59"), "60+": _l("60 or older")},
    "education": {"SD": _l("Primary school (SD)"), "SMP": _l("Junior high school (SMP)"),
                  "SMA": _l("Senior high school (SMA/SMK)"), "D1-D4": _l("Diploma (D1 to D4)"),
                  "S1": _l("Bachelor's degree (S1)"), "S2": _l("Master's degree (S2)"),
                  "S3": _l("Doctorate (S3)")},
    "occupation": {"pns": _l("Civil servant (PNS/ASN)"), "tni_polri": _l("Military or police (TNI/POLRI)"),
                   "swasta": _l("Private employee"), "wiraswasta": _l("Self-employed"),
                   "pelajar": _l("Pupil or student"), "lainnya": _l("Other")},
}


PROFILE_FIELDS = {"gender": GENDERS, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS}
