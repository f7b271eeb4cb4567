"""How a period scores: its minimum number of responses, the weights of the two channels, the
thresholds of the suggested rating and the weights of the SKM elements. Set per period by an
administrator; frozen once the period is closed."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, cast

import sqlalchemy as sa

from core import audit
from core.db import db
from core.errors import AdminError, Invalid
from org.access import require_admin
from org.models import User

from . import scoring
from .indicators import WEIGHTED
from .models import Indicator, Period


@dataclass(frozen=True)
class Policy:
    """How a period scores: minimum n, channel weights, rating thresholds, element weights."""

    min_n: int
    qr_weight: Fraction
    kiosk_weight: Fraction
    above: Decimal
    below: Decimal
    weights: dict[str, Fraction | None]  # configured weight per SKM element code; None: 1/n
    # How many unverified survey responses one verified response weighs (Period.verified_weight).
    verified_weight: Fraction = Fraction(1)

    def as_data(self) -> dict:
        return {
            "min_n": self.min_n,
            "qr_weight": self.qr_weight,
            "kiosk_weight": self.kiosk_weight,
            "above": str(self.above),
            "below": str(self.below),
            "weights": dict(self.weights),
            "verified_weight": self.verified_weight,
        }


def policy_of(period: Period) -> Policy:
    qr = Fraction(period.qr_weight_pct, 100)
    rows = db.session.execute(sa.select(Indicator.skm_element, Indicator.weight).where(*WEIGHTED)).all()
    weights = {row.skm_element: (Fraction(row.weight) if row.weight is not None else None) for row in rows}
    return Policy(
        min_n=period.min_n,
        qr_weight=qr,
        kiosk_weight=1 - qr,
        above=Decimal(period.rating_above),
        below=Decimal(period.rating_below),
        weights=weights,
        verified_weight=Fraction(Decimal(period.verified_weight or 1)),
    )


def weights_for(codes, policy: Policy) -> dict[str, Fraction] | None:
    """The configured weights for exactly these element codes, or None (1/n each) where
    :func:`scoring.element_weights` would refuse them (not configured for all of them, or not
    summing to 1 over them): a report over some of the elements still shows."""
    configured = {code: policy.weights.get(code) for code in codes}
    if all(weight is None for weight in configured.values()):
        return None
    try:
        scoring.element_weights(list(configured), configured)
    except ValueError:
        return None
    return cast(dict[str, Fraction], configured)  # element_weights took them: every one is set


POLICY_FIELDS = ("min_n", "qr_weight_pct", "rating_above", "rating_below", "verified_weight")


def _places(value: Decimal) -> int:
    """The digits a finite Decimal has after its point, as written ("1.50": 2)."""
    return -cast(int, value.as_tuple().exponent)  # finite: a whole exponent, not 'n', 'N' or 'F'


def check_score(raw, field: str) -> Decimal:
    """A threshold of the suggested rating: a score from 25 to 100 with at most two decimals."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Invalid({field: "score_format"}) from None
    if not value.is_finite() or not scoring.IKM_MIN <= value <= scoring.IKM_MAX or _places(value) > 2:
        raise Invalid({field: "score_format"})
    return value


def _whole(raw, field: str, code: str, low: int, high: int) -> int:
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise Invalid({field: code})
    return int(text)


def check_min_n(raw) -> int:
    return _whole(raw, "min_n", "min_n_format", 1, 100000)


def check_percent(raw) -> int:
    return _whole(raw, "qr_weight_pct", "percent_format", 0, 100)


def check_verified_weight(raw) -> Decimal:
    """How many unverified responses a verified one weighs: 1 to 5, at most two decimals."""
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Invalid({"verified_weight": "verified_weight_format"}) from None
    if not value.is_finite() or not 1 <= value <= scoring.MAX_VERIFIED_WEIGHT or _places(value) > 2:
        raise Invalid({"verified_weight": "verified_weight_format"})
    return value


def check_thresholds(above: Decimal, below: Decimal) -> None:
    if below > above:
        raise Invalid({"rating_below": "thresholds_order"})


def set_policy(user: User, period: Period, values: dict, now: datetime | None = None) -> Period:
    """Change how an open or draft period scores; a closed period's policy is frozen. The values
    are checked here, by the rules the form (``appraisal.forms.PolicyForm``) shows beside its
    fields, for every caller: a script may set a policy too."""
    require_admin(user)
    if period.settled:
        raise AdminError("period_closed")
    errors: dict = {}
    checked: dict[str, Any] = {}
    for field, check in (
        ("min_n", check_min_n),
        ("qr_weight_pct", check_percent),
        ("rating_above", lambda raw: check_score(raw, "rating_above")),
        ("rating_below", lambda raw: check_score(raw, "rating_below")),
        ("verified_weight", check_verified_weight),
    ):
        if field == "verified_weight" and field not in values:
            continue  # set before verified responses could weigh more: a caller may leave it as it is
        try:
            checked[field] = check(values.get(field))
        except Invalid as error:
            errors.update(error.fields)
    if "rating_above" in checked and "rating_below" in checked:
        try:
            check_thresholds(checked["rating_above"], checked["rating_below"])
        except Invalid as error:
            errors.update(error.fields)
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(period, POLICY_FIELDS)
    for field, value in checked.items():
        setattr(period, field, value)
    audit.record_changes(user, "period", period, before, period.name, now=now)
    return period
