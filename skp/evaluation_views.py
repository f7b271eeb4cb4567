"""The evaluation page of an SKP in a period (``admin.skp.evaluation``) and its writes: the
appraiser's ratings, signing and reopening, the officer's acknowledgement or objection, and the
superior's decision. Each write is a plain form answered with a 303 back to the page; a refused
one shows the page again with its messages and a 4xx."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.berakhlak import SERVICE_VALUE
from appraisal.models import Period, PeriodStatus
from appraisal.scoring import Rating
from core.db import db
from core.forms import AdminForm
from core.i18n import current_locale
from org.access import can_appraise, can_view_sheet
from org.auth import EVERYONE, load, roles_required
from org.models import Officer
from reports.views import rating_label

from . import evaluation as ops
from .access import can_view_skp
from .blueprint import bp
from .evaluation_forms import DecisionForm, ObjectionForm, ratings_form
from .models import Skp
from .plan_forms import ASPECT_LABELS, KIND_LABELS
from .queries import in_year
from .realisation import page_context
from .rules import Predikat


def _load(skp_id: int, period_id: int) -> tuple[Skp, Period]:
    """The SKP and one of its year's periods, if the user may see them (403), else 404."""
    skp, period = load(Skp, skp_id), load(Period, period_id)
    if period.status == PeriodStatus.DRAFT or not in_year(skp, period):
        abort(404)
    if not (can_view_sheet(current_user, skp.officer, period) or can_view_skp(current_user, skp)):
        abort(403)
    return skp, period


def _ratings_form(skp: Skp, context: dict | None = None, blank: bool = False):
    ids = [result.id for result in skp.results]
    if not blank:
        return ratings_form(ids)
    data = {}
    if context is not None:
        data = {f"row_{row['result'].id}": row["rating"] or "" for row in context["rated_rows"]}
        data.update({f"value_{v['code']}": v["rating"] or "" for v in context["rated_values"] if not v["service"]})
        evaluation = context["evaluation"]
        data.update(
            service_rating=context["service"]["prefill"] or "",
            results_rating=context["results_rating"] or "",
            behaviour_rating=context["behaviour_rating"] or "",
            results_reason=evaluation.results_reason if evaluation else "",
            behaviour_reason=evaluation.behaviour_reason if evaluation else "",
        )
    return ratings_form(ids, formdata=None, data=data)


def _page(skp: Skp, period: Period, status: int = 200, **forms):
    context = ops.evaluation_context(skp, period, current_user, current_locale())
    if context["can_rate"] and "ratings_form" not in forms:
        forms["ratings_form"] = _ratings_form(skp, context, blank=True)
    elif context["can_rate"]:  # refused: the summary of what was sent, not of what is saved
        context.update(_form_summary(skp, period, forms["ratings_form"]))
    if context["can_answer"] and "objection_form" not in forms:
        forms["objection_form"] = ObjectionForm.blank()
    if context["can_decide"] and "decision_form" not in forms:
        forms["decision_form"] = DecisionForm.blank(
            results_rating=context["results_rating"] or "", behaviour_rating=context["behaviour_rating"] or ""
        )
    # A refusal whose form the page no longer offers (the period closed meanwhile, the
    # evaluation moved on) is said at the top.
    offered = {"ratings_form": "can_rate", "objection_form": "can_answer", "decision_form": "can_decide"}
    refusals = [
        form.error for name, form in forms.items() if form.error and name in offered and not context[offered[name]]
    ]
    rc = page_context(skp, period, current_user)
    return render_template(
        "skp/evaluation.html",
        **context,
        **forms,
        refusals=refusals,
        **_labels(),
        rc=rc,
        rc_rows={row["result"].id: row for row in rc["rows"]},
        rc_values={value["code"]: value for value in rc["values"]},
        people=_people(context),
        skp_url=url_for("admin.skp.plan", skp_id=skp.id),
    ), status


def _labels() -> dict:
    return {
        "rating_options": [("", _("Not rated yet"))]
        + [(rating.value, rating_label(rating.value)) for rating in Rating],
        "status_labels": {
            "draft": _("Being rated"),
            "signed": _("Signed: waiting for the officer"),
            "acknowledged": _("Acknowledged: final"),
            "objected": _("Objected: waiting for the decision"),
            "decided": _("Objection decided: final"),
        },
        "event_labels": {
            "signed": _("Signed by the appraiser"),
            "objected": _("Objection filed by the officer"),
            "granted": _("Objection granted"),
            "rejected": _("Objection rejected"),
            "acknowledged": _("Acknowledged by the officer"),
        },
        "predikat_labels": {predikat.value: predikat.label for predikat in Predikat},
        "kind_labels": KIND_LABELS,
        "aspect_labels": ASPECT_LABELS,
    }


def _people(context: dict) -> list[dict]:
    """The officer, her appraiser and the appraiser's superior: as copied when it was signed,
    else as the reporting line names them now."""
    officer, evaluation = context["officer"], context["evaluation"]
    people = [
        {
            "title": _("Officer rated"),
            "name": officer.name,
            "nip": officer.nip,
            "rank": officer.rank,
            "position": officer.position,
            "unit": context["unit"].name,
        }
    ]
    if evaluation is not None and evaluation.signed_at is not None:
        superior_officer = (
            db.session.get(Officer, evaluation.superior_officer_id) if evaluation.superior_officer_id else None
        )
        people.append(
            {
                "title": _("Appraiser (pejabat penilai)"),
                "name": evaluation.appraiser_name,
                "nip": evaluation.appraiser_nip,
                "rank": evaluation.appraiser_rank,
                "position": evaluation.appraiser_position,
                "unit": evaluation.appraiser_unit,
            }
        )
        superior = {
            "name": evaluation.superior_name,
            "nip": evaluation.superior_nip,
            "rank": evaluation.superior_rank,
            "position": evaluation.superior_position,
            # Not copied when signed: the superior's unit as it is now.
            "unit": superior_officer.unit.name if superior_officer else "",
        }
    else:
        appraiser = context["appraiser_officer"]
        people.append(
            {"title": _("Appraiser (pejabat penilai)"), **_officer_facts(appraiser)}
            if appraiser is not None
            else {
                "title": _("Appraiser (pejabat penilai)"),
                "name": "",
                "missing": _("No reporting line: the supervisor of %(unit)s appraises.", unit=context["unit"].name),
            }
        )
        superior = _officer_facts(context["superior_officer"]) if context["superior_officer"] else {"name": ""}
    people.append(
        {
            "title": _("The appraiser's superior (atasan pejabat penilai)"),
            "missing": _("None named: an administrator decides objections."),
            **superior,
        }
    )
    return people


def _officer_facts(officer) -> dict:
    return {
        "name": officer.name,
        "nip": officer.nip,
        "rank": officer.rank,
        "position": officer.position,
        "unit": officer.unit.name,
    }


def _back(skp: Skp, period: Period, anchor: str, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.skp.evaluation", skp_id=skp.id, period_id=period.id) + anchor, code=303)


def _refused(skp: Skp, period: Period, form, name: str):
    if form.status == 403:
        abort(403)
    return _page(skp, period, form.status, **{name: form})


@bp.get("/<int:skp_id>/periods/<int:period_id>")
@roles_required(*EVERYONE)
def evaluation(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    return _page(skp, period)


@bp.post("/<int:skp_id>/periods/<int:period_id>/ratings")
@roles_required(*EVERYONE)
def evaluation_ratings(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    form = _ratings_form(skp)
    if form.submit(
        lambda: ops.save_ratings(
            current_user,
            ops.evaluation_for(skp, period),
            rows=form.row_ratings(),
            values=form.value_ratings(),
            service_rating=form.service_rating.data,
            service_reason=form.service_reason.data,
            results_rating=form.results_rating.data,
            behaviour_rating=form.behaviour_rating.data,
            results_reason=form.results_reason.data,
            behaviour_reason=form.behaviour_reason.data,
        )
    ):
        return _back(skp, period, "#ratings", _("The ratings are saved."))
    return _refused(skp, period, form, "ratings_form")


@bp.post("/<int:skp_id>/periods/<int:period_id>/ratings/preview")
@roles_required(*EVERYONE)
def evaluation_preview(skp_id: int, period_id: int):
    """The suggestions and the predikat of the ratings as the form holds them, nothing saved
    (htmx asks as the appraiser changes a rating). A value that is not a rating counts as none."""
    skp, period = _load(skp_id, period_id)
    if not can_appraise(current_user, skp.officer, period):
        abort(403)
    form = _ratings_form(skp)
    form.validate()
    context = _form_summary(skp, period, form)
    return render_template("skp/_ratings_summary.html", skp=skp, period=period, **context, **_labels())


def _form_summary(skp: Skp, period: Period, form) -> dict:
    """``ops.summary`` of the ratings a posted form holds (a value that is no rating: none)."""

    def rating(field):
        return None if field.errors else (field.data or None)

    values = {code: rating(form[f"value_{code}"]) for code in ops.OTHER_VALUES}
    values[SERVICE_VALUE] = rating(form.service_rating)
    rows = {result.id: rating(form.row_field(result.id)) for result in skp.results}
    return ops.summary(skp, period, rows, values, rating(form.results_rating), rating(form.behaviour_rating))


class _ActionForm(AdminForm):
    """A form with no fields: a button whose refusal shows above it."""

    id_prefix = "action"


def _action(skp: Skp, period: Period, write, anchor: str, message: str):
    form = _ActionForm()
    if form.submit(write):
        return _back(skp, period, anchor, message)
    return _refused(skp, period, form, "action_form")


@bp.post("/<int:skp_id>/periods/<int:period_id>/sign")
@roles_required(*EVERYONE)
def evaluation_sign(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    return _action(
        skp,
        period,
        lambda: ops.sign(current_user, ops.evaluation_for(skp, period)),
        "#status",
        _("The evaluation is signed. The officer can now acknowledge it or object."),
    )


@bp.post("/<int:skp_id>/periods/<int:period_id>/reopen")
@roles_required(*EVERYONE)
def evaluation_reopen(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    return _action(
        skp,
        period,
        lambda: ops.reopen(current_user, _existing(skp, period, "not_reopenable")),
        "#ratings",
        _("The evaluation is open for changes again."),
    )


@bp.post("/<int:skp_id>/periods/<int:period_id>/acknowledge")
@roles_required(*EVERYONE)
def evaluation_acknowledge(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    return _action(
        skp,
        period,
        lambda: ops.acknowledge(current_user, _existing(skp, period)),
        "#status",
        _("You acknowledged the evaluation."),
    )


@bp.post("/<int:skp_id>/periods/<int:period_id>/objection")
@roles_required(*EVERYONE)
def evaluation_object(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    form = ObjectionForm()
    if form.submit(lambda: ops.file_objection(current_user, _existing(skp, period), form.reason.data)):
        return _back(skp, period, "#status", _("Your objection is sent to your appraiser's superior."))
    return _refused(skp, period, form, "objection_form")


@bp.post("/<int:skp_id>/periods/<int:period_id>/objection/decision")
@roles_required(*EVERYONE)
def evaluation_decide(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    form = DecisionForm()
    if form.submit(
        lambda: ops.decide_objection(
            current_user,
            _objection(skp, period),
            form.decision.data == "grant",
            form.results_rating.data,
            form.behaviour_rating.data,
            form.reason.data,
        )
    ):
        return _back(skp, period, "#status", _("The objection is decided."))
    return _refused(skp, period, form, "decision_form")


def _existing(skp: Skp, period: Period, code: str = "evaluation_not_signed"):
    """The evaluation an answer or a reopening is about (one not yet made is refused as ``code``)."""
    evaluation = ops.find_evaluation(skp, period)
    if evaluation is None:
        raise ops.SkpError(code)
    return evaluation


def _objection(skp: Skp, period: Period):
    evaluation = ops.find_evaluation(skp, period)
    objection = ops.objection_of(evaluation) if evaluation is not None else None
    if objection is None:
        raise ops.SkpError("no_objection")
    return objection
