"""The figures a work-result row may be bound to (``skp.models.Measure``), read from the same
numbers the reports show: the officer's sheet (``reports.snapshots.officer_sheet``) and the report
of the unit the period belongs to (``reports.snapshots.unit_report``). Nothing is recounted here,
so a bound row's realisation and the report beside it never disagree; and both are frozen
together when the period closes (the snapshot functions read the period's snapshot then).

Each figure is a Decimal rounded as the reports display it (two decimals, halves up:
``appraisal.scoring.display``; a count is a whole number), or None with the reason why there is
no figure yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from appraisal import scoring
from appraisal.models import Period, PeriodStatus
from core.db import db
from org.access import period_unit
from org.models import Officer, Unit
from reports.snapshots import officer_sheet, unit_report

from .models import Measure

LABELS = {
    Measure.OFFICER_SATISFACTION: _l("Citizen-satisfaction score of the officer (combined)"),
    Measure.UNIT_IKM: _l("IKM of the unit"),
    Measure.SERVICES_RATED: _l("Services rated by citizens (counted responses)"),
    Measure.VERIFIED_SHARE: _l("Share of the phone surveys verified by a one-time code"),
}
UNITS = {
    Measure.OFFICER_SATISFACTION: _l("points (25–100)"),
    Measure.UNIT_IKM: _l("points (25–100)"),
    Measure.SERVICES_RATED: _l("responses"),
    Measure.VERIFIED_SHARE: "%",
}
NOT_ENOUGH = _l("Not enough data")
NO_SURVEY = _l("No phone-survey responses in this period")


@dataclass(frozen=True)
class Figure:
    """A bound row's figure for (officer, period): ``value`` (None with ``reason`` when there is
    none yet), its label and unit (lazy texts, shown in the reader's language), and whether it
    is frozen (the period is closed)."""

    measure: Measure
    value: Decimal | None
    reason: str | None
    frozen: bool

    @property
    def label(self) -> str:
        return str(LABELS[self.measure])

    @property
    def unit(self) -> str:
        return str(UNITS[self.measure])


def label(measure: Measure) -> str:
    return str(LABELS[measure])


def unit_text(measure: Measure) -> str:
    return str(UNITS[measure])


class _Sources:
    """The officer's sheet and the unit's report of one period, each read once however many
    rows are bound to them (a unit report is the larger read)."""

    def __init__(self, officer: Officer, period: Period):
        self.officer, self.period = officer, period
        self._sheet: dict | None = None
        self._unit: dict | None = None

    @property
    def sheet(self) -> dict:
        if self._sheet is None:
            self._sheet = officer_sheet(self.period, self.officer)
        return self._sheet

    @property
    def unit_report(self) -> dict:
        if self._unit is None:
            unit = db.session.get_one(Unit, period_unit(self.officer, self.period.id))
            self._unit = unit_report(self.period, unit)
        return self._unit


def _officer_satisfaction(sources: _Sources) -> tuple[Decimal | None, str | None]:
    # The sheet publishes the combined score only with enough data (the period's minimum n).
    combined = sources.sheet["combined"]
    if not combined["enough"] or combined["value"] is None:
        return None, NOT_ENOUGH
    return scoring.display(combined["value"]), None


def _unit_ikm(sources: _Sources) -> tuple[Decimal | None, str | None]:
    # The headline's IKM with its minimum-n rule: a unit's grade (and so a target met) only from
    # the period's minimum number of respondents on, as the unit report says it.
    headline = sources.unit_report["headline"]
    if not headline["enough"] or headline["ikm"] is None:
        return None, NOT_ENOUGH
    return scoring.display(headline["ikm"]), None


def _services_rated(sources: _Sources) -> tuple[Decimal | None, str | None]:
    # The "counted" total of the sheet's provenance table (every kind: kiosk votes and phone
    # surveys, left-out ones not included), as the sheet shows it.
    counted = sources.sheet["provenance"]["counted"]
    return Decimal(sum(counted.values())), None


def _verified_share(sources: _Sources) -> tuple[Decimal | None, str | None]:
    # From the same provenance table: counted surveys through one-time codes over all counted
    # surveys (kiosk votes are never verified, so they are not part of the share).
    counted = sources.sheet["provenance"]["counted"]
    surveys = counted["qr_static"] + counted["qr_verified"]
    if not surveys:
        return None, NO_SURVEY
    return scoring.display(Fraction(100 * counted["qr_verified"], surveys)), None


_READERS = {
    Measure.OFFICER_SATISFACTION: _officer_satisfaction,
    Measure.UNIT_IKM: _unit_ikm,
    Measure.SERVICES_RATED: _services_rated,
    Measure.VERIFIED_SHARE: _verified_share,
}


def figures(officer: Officer, period: Period, measures) -> dict[Measure, Figure]:
    """The figure of each of ``measures`` for the officer in the period, the sheet and the unit
    report read at most once each."""
    sources = _Sources(officer, period)
    frozen = period.status == PeriodStatus.CLOSED
    found = {}
    for measure in dict.fromkeys(Measure(m) for m in measures):
        value, reason = _READERS[measure](sources)
        found[measure] = Figure(measure, value, None if reason is None else str(reason), frozen)
    return found


def figure(measure: Measure, officer: Officer, period: Period) -> Figure:
    return figures(officer, period, [measure])[Measure(measure)]
