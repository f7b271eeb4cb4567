"""Where a survey code leads. Three kinds of code lead to the survey at ``/s/<code>``:

- a desk's code (the poster at a loket): the response goes to whoever is on duty at that desk at
  the moment of answering;
- an officer's code (their name plate): the response goes to that officer, and to the desk where
  they are on duty at that moment, if any;
- a one-time service code, shown by the officer right after serving someone: valid once, for a
  limited time. Its response is ``verified``: it comes from a real service event.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from core.db import db
from org.duty import desk_of_officer_at, officer_on_duty_at
from org.models import CODE_ALPHABET, Desk, Officer, Unit

from .errors import SurveyError
from .models import ServiceCode

SERVICE_CODE_TTL = timedelta(hours=2)

# One-time codes one duty may mint in any hour: a counter serves a citizen every two minutes or
# so (the plausible rate of votes at a desk); more is someone minting codes to answer himself.
SERVICE_CODES_PER_HOUR = 30


# Longer than the 10 characters of desk and officer codes (about 69 bits): a one-time code is
# worth guessing, since its response counts as verified.
SERVICE_CODE_LENGTH = 14


MAX_CODE_LENGTH = 24


class CodeKind(str, enum.Enum):
    DESK = "desk"
    OFFICER = "officer"
    SERVICE = "service"


@dataclass
class SurveyTarget:
    """Where a code leads: the unit always, a desk and an officer when the code says so."""

    kind: CodeKind
    code: str
    unit: Unit
    desk: Desk | None = None
    officer: Officer | None = None
    service_code: ServiceCode | None = None

    @property
    def static(self) -> bool:
        """A code printed on a poster, which anyone may scan again and again."""
        return self.kind != CodeKind.SERVICE

    @property
    def verified(self) -> bool:
        return self.kind == CodeKind.SERVICE


def normalize_code(text: str | None) -> str | None:
    """The code as stored (lower case), or None when it cannot be one of ours."""
    code = (text or "").strip().lower()
    if not code or len(code) > MAX_CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def find_target(text: str | None) -> SurveyTarget | None:
    """Where a code leads, whether or not it can still be answered (a one-time code may be
    spent or expired); None for a code that leads nowhere or to something inactive."""
    code = normalize_code(text)
    if code is None:
        return None
    desk = db.session.scalar(sa.select(Desk).where(Desk.code == code))
    if desk is not None:
        return SurveyTarget(CodeKind.DESK, code, desk.unit, desk=desk) if desk.active else None
    officer = db.session.scalar(sa.select(Officer).where(Officer.code == code))
    if officer is not None:
        return SurveyTarget(CodeKind.OFFICER, code, officer.unit, officer=officer) if officer.active else None
    service_code = db.session.scalar(sa.select(ServiceCode).where(ServiceCode.code == code))
    if service_code is not None and service_code.officer.active:
        return SurveyTarget(
            CodeKind.SERVICE,
            code,
            service_code.officer.unit,
            desk=service_code.desk,
            officer=service_code.officer,
            service_code=service_code,
        )
    return None


def _check_usable(target: SurveyTarget, now: datetime) -> None:
    code = target.service_code
    if code is not None:
        check_usable(code.used_at, code.expires_at, now)


def check_usable(used_at: datetime | None, expires_at: datetime, now: datetime) -> None:
    """A one-time code answers once, before it expires."""
    if used_at is not None:
        raise SurveyError("used")
    if expires_at <= now:
        raise SurveyError("expired")


def attribution(target: SurveyTarget, now: datetime) -> tuple[int | None, int | None]:
    """(desk id, officer id) a response given now through this target goes to."""
    if target.kind == CodeKind.DESK:
        return target.desk.id, officer_on_duty_at(target.desk.id, now)
    if target.kind == CodeKind.OFFICER:
        return desk_of_officer_at(target.officer.id, now), target.officer.id
    return (target.desk.id if target.desk else None), target.officer.id


@dataclass(frozen=True)
class PosterTarget:
    """One poster: a desk's or an officer's stable code, and what the poster says about it."""

    kind: CodeKind
    code: str
    unit: Unit
    title: str
    subtitle: str


def poster_targets(unit: Unit) -> list[PosterTarget]:
    """Every poster of a unit: its active desks, then its active officers, each by name."""
    desks = db.session.scalars(
        sa.select(Desk).where(Desk.unit_id == unit.id, Desk.active.is_(True)).order_by(Desk.name, Desk.id)
    ).all()
    officers = db.session.scalars(
        sa.select(Officer)
        .where(Officer.unit_id == unit.id, Officer.active.is_(True))
        .order_by(Officer.name, Officer.id)
    ).all()
    return [poster_target(SurveyTarget(CodeKind.DESK, d.code, unit, desk=d)) for d in desks] + [
        poster_target(SurveyTarget(CodeKind.OFFICER, o.code, unit, officer=o)) for o in officers
    ]


def poster_target(target: SurveyTarget) -> PosterTarget:
    if target.kind == CodeKind.DESK:
        return PosterTarget(CodeKind.DESK, target.code, target.unit, target.desk.name, "")
    return PosterTarget(CodeKind.OFFICER, target.code, target.unit, target.officer.name, target.officer.position or "")
