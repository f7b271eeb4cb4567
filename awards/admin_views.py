"""The admin-area pages of the officer of the month (nested under /admin by the admin shell): the
unit's months, a month's standings with the proposal and the confirmation, the certificate (a
page to print and its PDF) and each officer's history of awards.

Who may see what: a unit's months and their standings, its supervisors and administrators
(``org.access``); a certificate and an officer's history, also the officer themselves."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask import Response as HttpResponse
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from appraisal.models import Period
from core.db import db, utcnow
from core.i18n import asked_locale, current_locale
from core.pdf import PdfUnavailable, render_pdf
from org.access import can_manage_unit, managed_units
from org.auth import EVERYONE, MANAGERS, load, roles_required
from org.models import Officer, Role, Unit, User

from . import rules
from .forms import ConfirmForm, WithdrawForm
from .models import Award, AwardStatus
from .operations import confirm_award, withdraw_award
from .queries import (
    Month,
    find_month,
    flagged_total,
    local_today,
    month_awards,
    months,
    officer_awards,
    standings,
    unit_awards,
)

bp = Blueprint("awards", __name__, url_prefix="/awards")

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@bp.app_template_filter("month_label")
def month_label(month: date) -> str:
    """ "November 2026" in the reader's language."""
    return format_date(month, "LLLL y", locale=current_locale())


def _month(text: str) -> date:
    match = MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        abort(404)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _unit(unit_id: int) -> Unit:
    return load(Unit, unit_id, lambda unit: unit.id)


def _found(unit: Unit, period: Period, month: date) -> Month:
    found = find_month(unit, period, month, local_today(unit, utcnow()))
    if found is None:
        abort(404)
    return found


@bp.get("/")
@roles_required(*EVERYONE)
def index():
    if current_user.role == Role.OFFICER:
        if current_user.officer_id is None:
            abort(404)
        return redirect(url_for("admin.awards.history", officer_id=current_user.officer_id))
    units = managed_units(current_user)
    if current_user.role == Role.SUPERVISOR and len(units) == 1:
        return redirect(url_for("admin.awards.unit_months", unit_id=units[0].id))
    return render_template("awards/index.html", units=units)


@bp.get("/units/<int:unit_id>")
@roles_required(*MANAGERS)
def unit_months(unit_id: int):
    unit = _unit(unit_id)
    today = local_today(unit, utcnow())
    return render_template(
        "awards/unit.html", unit=unit, months=months(unit, today), awards=unit_awards(unit), today=today
    )


def _month_context(unit: Unit, period: Period, found: Month, **forms) -> dict:
    ranked = standings(unit, period, found.slice)
    proposed = rules.proposal(ranked)
    confirm_form = forms.get("confirm_form") or ConfirmForm.blank(officer=proposed.officer_id if proposed else None)
    return {
        "unit": unit,
        "period": period,
        "found": found,
        "ranked": ranked,
        "proposal": proposed,
        "flagged": flagged_total(ranked),
        "min_n": period.min_n,
        "confirm_form": confirm_form,
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm.blank(),
        "history": [a for a in month_awards(unit, found.month) if a.status == AwardStatus.WITHDRAWN],
        "choices": [(s.officer_id, f"{s.rank}. {s.name}") for s in ranked if s.eligible],
        "users": _users([found.award] if found.award else []),
    }


def _users(awards: list[Award]) -> dict[int, User]:
    ids = {a.confirmed_by for a in awards if a.confirmed_by} | {a.withdrawn_by for a in awards if a.withdrawn_by}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(db.select(User).where(User.id.in_(ids)))}


@bp.get("/units/<int:unit_id>/periods/<int:period_id>/months/<month>")
@roles_required(*MANAGERS)
def month_page(unit_id: int, period_id: int, month: str):
    unit, period = _unit(unit_id), load(Period, period_id)
    found = _found(unit, period, _month(month))
    return render_template("awards/month.html", **_month_context(unit, period, found))


@bp.post("/units/<int:unit_id>/periods/<int:period_id>/months/<month>/confirm")
@roles_required(*MANAGERS)
def confirm(unit_id: int, period_id: int, month: str):
    unit, period = _unit(unit_id), load(Period, period_id)
    found = _found(unit, period, _month(month))
    form = ConfirmForm()
    if form.submit(
        lambda: confirm_award(
            current_user, unit, period, found.month, form.officer.data, form.citation.data, form.reason.data
        )
    ):
        db.session.commit()
        flash(_("The officer of the month is confirmed."), "success")
        return redirect(url_for("admin.awards.month_page", unit_id=unit.id, period_id=period.id, month=month), code=303)
    if form.status == 403:
        abort(403)
    found = _found(unit, period, found.month)  # read again: a refusal may be that one was confirmed meanwhile
    return render_template("awards/month.html", **_month_context(unit, period, found, confirm_form=form)), form.status


@bp.post("/<int:award_id>/withdraw")
@roles_required(*MANAGERS)
def withdraw(award_id: int):
    award = load(Award, award_id, lambda a: a.unit_id)
    unit, period, officer_id = award.unit, award.period, award.officer_id
    # A month no longer offered on the unit's page (an older period's): the officer's history
    # shows the award instead.
    found = find_month(unit, period, award.month, local_today(unit, utcnow()))
    form = WithdrawForm()
    if form.submit(lambda: withdraw_award(current_user, award, form.reason.data)):
        db.session.commit()
        flash(_("The award is withdrawn. The month may be confirmed again."), "success")
        if found is None:
            return redirect(url_for("admin.awards.history", officer_id=officer_id), code=303)
        month = f"{found.month:%Y-%m}"
        return redirect(url_for("admin.awards.month_page", unit_id=unit.id, period_id=period.id, month=month), code=303)
    if form.status == 403:
        abort(403)
    if found is None:
        message = form.error or "; ".join(error for f in form for error in f.errors)
        return render_template("error.html", status=form.status, message=message), form.status
    return render_template("awards/month.html", **_month_context(unit, period, found, withdraw_form=form)), form.status


# --- The certificate and the officer's history ----------------------------------------------------


def _may_see_officer(officer: Officer, awards: list[Award]) -> bool:
    """The officer themselves; the supervisors of her unit or of a unit that recognised her; an
    administrator."""
    if current_user.officer_id is not None and current_user.officer_id == officer.id:
        return True
    if current_user.role == Role.OFFICER:
        return False
    return any(can_manage_unit(current_user, unit_id) for unit_id in {officer.unit_id, *(a.unit_id for a in awards)})


def _certificate(award_id: int) -> Award:
    award = load(Award, award_id)
    if award.status != AwardStatus.CONFIRMED:
        abort(404)  # a withdrawn award has no certificate; the history says why
    if not _may_see_officer(award.officer, [award]):
        abort(403)
    return award


def _certificate_page(award: Award, pdf: bool) -> str:
    users = _users([award])
    return render_template(
        "awards/certificate.html",
        award=award,
        unit=award.unit,
        officer=award.officer,
        confirmed_by=users.get(award.confirmed_by) if award.confirmed_by else None,
        pdf=pdf,
        lang=asked_locale(),
    )


@bp.get("/<int:award_id>/certificate")
@roles_required(*EVERYONE)
def certificate(award_id: int):
    return _certificate_page(_certificate(award_id), pdf=False)


@bp.get("/<int:award_id>/certificate.pdf")
@roles_required(*EVERYONE)
def certificate_pdf(award_id: int):
    award = _certificate(award_id)
    try:
        body = render_pdf(_certificate_page(award, pdf=True))
    except PdfUnavailable as error:
        current_app.logger.error("certificate PDF unavailable: %s", error)
        message = _("The PDF cannot be made on this server. Use Print instead.")
        return render_template("error.html", status=503, message=message), 503
    name = secure_filename(f"piagam-{award.officer.nip}-{award.month:%Y-%m}-{current_locale()}.pdf")
    response = HttpResponse(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/officers/<int:officer_id>")
@roles_required(*EVERYONE)
def history(officer_id: int):
    officer = load(Officer, officer_id)
    awards = officer_awards(officer)
    if not _may_see_officer(officer, awards):
        abort(403)
    return render_template(
        "awards/history.html",
        officer=officer,
        awards=awards,
        users=_users(awards),
        is_self=current_user.officer_id == officer.id,
    )
