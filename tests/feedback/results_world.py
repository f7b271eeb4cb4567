"""An office whose 360° round is read by the results tests: a WITA unit with the officer rated
(Siti, with an account), her appraiser by the reporting line (Budi, an officer's account), the
unit's supervisor, four peers with accounts (who may try to read Siti's results), another
unit's supervisor and an administrator; a period and its round."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from appraisal.models import Period
from feedback.models import FeedbackRound
from org.models import Officer, Role, Unit, User
from tests.factories import make_answers, make_line, make_officer, make_period, make_round, make_unit, make_user


@dataclass
class World:
    unit: Unit
    officer: Officer
    appraiser: Officer
    period: Period
    round: FeedbackRound
    officer_user: User
    appraiser_user: User
    supervisor: User
    other_supervisor: User
    admin: User
    peers: list[Officer] = field(default_factory=list)
    peer_users: list[User] = field(default_factory=list)

    @property
    def results_url(self) -> str:
        return f"/admin/feedback/rounds/{self.round.id}/results/{self.officer.id}"

    def export_url(self, fmt: str = "csv") -> str:
        return f"/admin/feedback/rounds/{self.round.id}/results.{fmt}"


def make_world(status: str = "closed", min_raters: int = 3, period_status: str = "open") -> World:
    from appraisal.models import PeriodStatus

    unit = make_unit(name="Kantor Kecamatan Mandonga", timezone="Asia/Makassar")
    officer = make_officer(unit=unit, name="Siti Rahmawati")
    appraiser = make_officer(unit=unit, name="Budi Santoso")
    make_line(officer, appraiser, valid_from=date(2000, 1, 1))
    period = make_period(
        status=PeriodStatus(period_status), name="Triwulan IV", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31)
    )
    round_ = make_round(unit, period, status=status, min_raters=min_raters)
    peers = [make_officer(unit=unit, name=f"Rekan {name}") for name in ("Andi", "Bayu", "Citra", "Dodi")]
    return World(
        unit=unit,
        officer=officer,
        appraiser=appraiser,
        period=period,
        round=round_,
        officer_user=make_user(Role.OFFICER, officer=officer, username="siti"),
        appraiser_user=make_user(Role.OFFICER, officer=appraiser, username="budi"),
        supervisor=make_user(Role.SUPERVISOR, unit=unit, username="kasubag"),
        other_supervisor=make_user(Role.SUPERVISOR, username="lain"),
        admin=make_user(Role.ADMIN, username="pusat"),
        peers=peers,
        peer_users=[make_user(Role.OFFICER, officer=peer) for peer in peers],
    )


def rate(world: World, kind: str, scores: list, comments: list | None = None, start: int = 0) -> None:
    """One answered invitation per score (one score for every value, or a dict by value), by
    the world's peers in turn from ``start`` for kind "peer", the officer herself for "self",
    her appraiser for "supervisor", new officers for subordinates."""
    for index, score in enumerate(scores):
        rater = world.peers[start + index] if kind == "peer" else None
        if kind == "self":
            rater = world.officer
        if kind == "supervisor":
            rater = world.appraiser
        comment = comments[index] if comments else None
        make_answers(
            world.round,
            world.officer,
            kind,
            score,
            comments={"kompeten": comment} if comment else None,
            rater=rater,
        )
