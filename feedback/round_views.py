"""Feedback rounds in the admin area: the rounds of a unit and opening one; a round's page (each
officer with her raters by kind, peers added with suggestions from the duty roster, reminders,
closing); the rater's own requests with their personal links; the answer form.

The round page shows progress of anonymous kinds (peers, subordinates) as counts only.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from appraisal.berakhlak import VALUES
from appraisal.models import Period, PeriodStatus
from core.db import db
from core.htmx import render_htmx
from core.i18n import current_locale
from core.mail import mail_configured
from core.web import arg_id, saved
from org.access import can_manage_unit, managed_unit_ids, managed_units
from org.auth import EVERYONE, MANAGERS, load, roles_required
from org.models import Officer

from . import operations, raters
from .blueprint import bp
from .errors import FeedbackError
from .forms import SCALE, AnswerForm, OpenRoundForm, PeerForm, ReminderEmailForm
from .models import MIN_RATERS_FLOOR, FeedbackRound, Invitation, RaterKind, RoundStatus

OFFICER_PANEL = "feedback/_officer.html"

# How the round page names each kind of rater, and how a rater's own page names what he is asked.
KIND_LABELS = {
    RaterKind.SELF: _l("Self"),
    RaterKind.SUPERVISOR: _l("Supervisor"),
    RaterKind.PEER: _l("Peers (anonymous)"),
    RaterKind.SUBORDINATE: _l("Team members (anonymous)"),
}
ASKED_AS = {
    RaterKind.SELF: _l("About yourself"),
    RaterKind.SUPERVISOR: _l("As their supervisor"),
    RaterKind.PEER: _l("As a colleague (anonymous)"),
    RaterKind.SUBORDINATE: _l("As a member of their team (anonymous)"),
}


@bp.app_template_global("feedback_open_requests")
def feedback_open_requests() -> int:
    """The number of feedback requests the signed-in user has still to answer (the navigation's
    badge)."""
    if not current_user.is_authenticated:
        return 0
    return raters.open_request_count(current_user)


@bp.app_template_global("feedback_kind_label")
def kind_label(kind) -> str:
    return str(KIND_LABELS.get(RaterKind(kind), kind))


@bp.app_template_global("feedback_asked_as")
def asked_as(kind) -> str:
    return str(ASKED_AS.get(RaterKind(kind), kind))


@bp.app_template_global("peer_form_for")
def peer_form_for(officer_id: int) -> PeerForm:
    return PeerForm.blank(id_prefix=f"peer-{officer_id}")


@bp.app_template_global("peer_options")
def peer_options(suggestions) -> list[tuple]:
    """The peers to choose from, each with the duty days shared with the officer."""
    return [
        (officer.id, _("%(name)s · %(num)s shared duty days", name=officer.name, num=days))
        for officer, days in suggestions
    ]


# --- Rounds ------------------------------------------------------------------------------------------------


def _rounds_context(form: OpenRoundForm | None = None) -> dict:
    units = managed_units(current_user)
    unit_id = arg_id("unit")
    rounds = raters.rounds_of(current_user, managed_unit_ids(current_user))
    if unit_id is not None:
        rounds = [r for r in rounds if r.unit_id == unit_id]
    periods = list(
        db.session.scalars(
            db.select(Period).where(Period.status == PeriodStatus.OPEN).order_by(Period.starts_on.desc())
        )
    )
    return dict(
        rounds=rounds,
        progress=raters.progress(r.id for r in rounds),
        units=units,
        periods=periods,
        form=form
        or OpenRoundForm.blank(
            min_raters=MIN_RATERS_FLOOR,
            unit=units[0] if len(units) == 1 else None,
            period=periods[0] if len(periods) == 1 else None,
        ),
    )


@bp.get("/rounds")
@roles_required(*MANAGERS)
def rounds():
    return render_template("feedback/rounds.html", **_rounds_context())


@bp.post("/rounds")
@roles_required(*MANAGERS)
def round_open():
    form = OpenRoundForm()
    if form.validate() and not can_manage_unit(current_user, form.unit.data.id):
        abort(403)
    if form.submit(
        lambda: operations.open_round(
            current_user, form.unit.data, form.period.data, form.min_raters.data, form.due_on.data
        )
    ):
        round_ = form.result
        db.session.commit()
        flash(_("The round is open and its officers, supervisors and team members are invited."), "success")
        return redirect(url_for(".round", round_id=round_.id), code=303)
    return render_template("feedback/rounds.html", **_rounds_context(form)), form.status


# --- One round -----------------------------------------------------------------------------------------------


def _round(round_id: int) -> FeedbackRound:
    return load(FeedbackRound, round_id, lambda r: r.unit_id)


def _round_context(round_: FeedbackRound, **extra) -> dict:
    return dict(
        round=round_,
        rows=raters.round_rows(round_),
        progress=raters.progress([round_.id])[round_.id],
        mail=mail_configured(),
        kinds=list(RaterKind),
        peer_forms=extra.pop("peer_forms", {}),
        **extra,
    )


@bp.get("/rounds/<int:round_id>")
@roles_required(*MANAGERS)
def round(round_id: int):
    return render_template("feedback/round.html", **_round_context(_round(round_id)))


def _officer_answer(round_: FeedbackRound, officer_id: int, status: int = 200, **extra):
    context = _round_context(round_, **extra)
    row = next((row for row in context["rows"] if row.officer.id == officer_id), None)
    if row is None:
        abort(404)
    return render_htmx("feedback/round.html", OFFICER_PANEL, status=status, row=row, **context)


@bp.post("/rounds/<int:round_id>/officers/<int:officer_id>/peers")
@roles_required(*MANAGERS)
def peer_add(round_id: int, officer_id: int):
    round_ = _round(round_id)
    subject = load(Officer, officer_id)
    form = PeerForm(id_prefix=f"peer-{subject.id}")
    if form.submit(lambda: operations.add_peer(current_user, round_, subject, form.peer.data)):
        message = _("%(peer)s is asked to rate %(name)s.", peer=form.peer.data.name, name=subject.name)
        context = _round_context(round_)
        row = next(row for row in context["rows"] if row.officer.id == subject.id)
        return saved(
            OFFICER_PANEL,
            "raters-changed",
            url_for(".round", round_id=round_.id) + f"#officer-{subject.id}",
            message,
            row=row,
            **context,
        )
    if form.status == 403:
        abort(403)
    return _officer_answer(
        round_, subject.id, form.status, peer_forms={subject.id: form}, row_error=form.error, row_error_for=subject.id
    )


@bp.post("/invitations/<int:invitation_id>/withdraw")
@roles_required(*MANAGERS)
def invitation_withdraw(invitation_id: int):
    invitation = load(Invitation, invitation_id)
    round_ = _round(invitation.round_id)
    name = operations.rater_name(invitation)
    try:
        operations.withdraw(current_user, invitation)
    except FeedbackError as error:
        db.session.rollback()
        return _officer_answer(
            round_, invitation.subject_id, error.status, row_error=error.message, row_error_for=invitation.subject_id
        )
    context = _round_context(round_)
    row = next(row for row in context["rows"] if row.officer.id == invitation.subject_id)
    return saved(
        OFFICER_PANEL,
        "raters-changed",
        url_for(".round", round_id=round_.id) + f"#officer-{invitation.subject_id}",
        _("%(name)s is no longer asked.", name=name),
        row=row,
        **context,
    )


@bp.post("/rounds/<int:round_id>/invite")
@roles_required(*MANAGERS)
def round_invite(round_id: int):
    round_ = _round(round_id)
    made = operations.invite_defaults(current_user, round_)
    db.session.commit()
    flash(_("%(num)s new invitations.", num=made), "success")
    return redirect(url_for(".round", round_id=round_.id), code=303)


@bp.post("/rounds/<int:round_id>/remind")
@roles_required(*MANAGERS)
def round_remind(round_id: int):
    round_ = _round(round_id)
    done = operations.remind(current_user, round_, lambda token: url_for(".answer", token=token, _external=True))
    db.session.commit()
    flash(
        _(
            "%(raters)s raters reminded on their requests page; %(emailed)s by e-mail.",
            raters=done.raters,
            emailed=done.emailed,
        ),
        "success",
    )
    if done.failed:
        flash(_("%(num)s e-mails could not be sent.", num=done.failed), "error")
    return redirect(url_for(".round", round_id=round_.id), code=303)


@bp.post("/rounds/<int:round_id>/close")
@roles_required(*MANAGERS)
def round_close(round_id: int):
    round_ = _round(round_id)
    operations.close_round(current_user, round_)
    db.session.commit()
    flash(_("The round is closed: its answers are final."), "success")
    return redirect(url_for(".round", round_id=round_.id), code=303)


# --- The rater's own requests, and answering ------------------------------------------------------------


def _requests_context(email_form: ReminderEmailForm | None = None) -> dict:
    return dict(
        open=raters.open_requests(current_user),
        answered=raters.answered_requests(current_user),
        link=lambda invitation: url_for(".answer", token=operations.link_token(invitation)),
        mail=mail_configured(),
        email_form=email_form or ReminderEmailForm.blank(email=raters.reminder_email(current_user) or ""),
        manages=current_user.role.value in ("admin", "supervisor"),
    )


@bp.get("/requests")
@roles_required(*EVERYONE)
def requests():
    return render_template("feedback/requests.html", **_requests_context())


@bp.post("/requests/email")
@roles_required(*EVERYONE)
def reminder_email():
    form = ReminderEmailForm()
    if form.submit(lambda: operations.set_reminder_email(current_user, form.email.data)):
        db.session.commit()
        message = (
            _("Reminders will be sent to %(email)s.", email=form.email.data)
            if form.email.data
            else _("Reminders will be shown here only.")
        )
        flash(message, "success")
        return redirect(url_for(".requests"), code=303)
    return render_template("feedback/requests.html", **_requests_context(form)), form.status


def _invitation(token: str) -> Invitation:
    """The invitation of a personal link, for its rater only (see operations.check_answerable)."""
    invitation = operations.find_invitation(token)
    if invitation is None:
        abort(404)
    operations.check_answerable(current_user, invitation)
    return invitation


def _answer_context(invitation: Invitation, form: AnswerForm, token: str) -> dict:
    return dict(
        invitation=invitation,
        round=db.session.get_one(FeedbackRound, invitation.round_id),
        subject=db.session.get_one(Officer, invitation.subject_id),
        values=VALUES,
        locale=current_locale(),
        scale=SCALE,
        form=form,
        token=token,
    )


@bp.get("/answer/<token>")
@roles_required(*EVERYONE)
def answer(token: str):
    invitation = _invitation(token)
    return render_template("feedback/answer.html", **_answer_context(invitation, AnswerForm.blank(), token))


@bp.post("/answer/<token>")
@roles_required(*EVERYONE)
def answer_submit(token: str):
    invitation = _invitation(token)
    form = AnswerForm()
    if form.submit(lambda: operations.answer(current_user, invitation, form.scores(), form.comments())):
        db.session.commit()
        flash(_("Thank you: your answer is recorded."), "success")
        return redirect(url_for(".requests"), code=303)
    if form.status != 422:
        # Answered, withdrawn or closed meanwhile: the refusal's own page and status.
        return render_template("error.html", status=form.status, message=form.error), form.status
    return render_template("feedback/answer.html", **_answer_context(invitation, form, token)), 422


@bp.app_template_global("feedback_round_open")
def round_is_open(round_: FeedbackRound) -> bool:
    return round_.status == RoundStatus.OPEN
