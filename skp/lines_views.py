"""The reporting-lines page: per unit, each officer with her appraiser (pejabat penilai) and the
appraiser's superior (atasan pejabat penilai) today; per officer, the history of her lines and
the forms that set a new line from a day, end one, and (administrators) set her rank; the
unit's head. The writes are org.lines' (and skp.ranks'); scope is theirs too."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.htmx import render_htmx
from core.web import arg_id, saved
from org.access import can_manage_unit, managed_units
from org.auth import MANAGERS, load, roles_required
from org.lines import end_line, lines_of, set_line, set_unit_head
from org.models import Officer, ReportingLine, Role, Unit

from .blueprint import bp
from .plan_forms import EndLineForm, HeadForm, LineForm, RankForm
from .queries import search_officers, today_for, unit_lines, unit_officers
from .ranks import RANKS, rank_label, set_rank

OFFICER_PANEL = "skp/_line_officer.html"
HEAD_PANEL = "skp/_line_head.html"


def _unit() -> Unit | None:
    """The unit asked for (``?unit=``), or the first the user manages; 403 for another's."""
    unit_id = arg_id("unit")
    if unit_id is not None:
        unit = load(Unit, unit_id)
        if not can_manage_unit(current_user, unit.id):
            abort(403)
        return unit
    units = managed_units(current_user)
    return units[0] if units else None


def _lines_context(unit: Unit | None, head_form: HeadForm | None = None) -> dict:
    today = today_for(current_user)
    rows = unit_lines(unit, today) if unit else []
    return dict(
        unit=unit,
        units=managed_units(current_user),
        rows=rows,
        head_options=[("", _("Nobody"))] + [(row.officer.id, row.officer.name) for row in rows],
        today=today,
        head_form=head_form or HeadForm.blank(id_prefix="head", head=unit.head_officer_id if unit else None),
        rank_label=rank_label,
    )


@bp.get("/lines")
@roles_required(*MANAGERS)
def lines():
    return render_template("skp/lines.html", **_lines_context(_unit()))


@bp.post("/lines/units/<int:unit_id>/head")
@roles_required(*MANAGERS)
def unit_head(unit_id: int):
    unit = load(Unit, unit_id, lambda u: u.id)
    form = HeadForm(id_prefix="head")
    if form.submit(lambda: set_unit_head(current_user, unit, form.head.data)):
        head = form.head.data
        message = _("%(name)s heads %(unit)s.", name=head.name, unit=unit.name) if head else _("The unit has no head.")
        return saved(HEAD_PANEL, "unit-head-changed", url_for(".lines", unit=unit.id), message, **_lines_context(unit))
    return render_htmx("skp/lines.html", HEAD_PANEL, status=form.status, **_lines_context(unit, head_form=form))


# --- One officer's lines ------------------------------------------------------------------------------


def _officer(officer_id: int) -> Officer:
    return load(Officer, officer_id, lambda o: o.unit_id)


def _officer_context(officer: Officer, **forms) -> dict:
    today = today_for(current_user)
    history = lines_of(officer)
    current = next((line for line in history if line.holds(today, today)), None)
    # Before anything is typed, the fields suggest the officer's colleagues and her current line.
    suggestions = {o.id: o for o in unit_officers(officer.unit_id) if o.id != officer.id}
    if current is not None:
        suggestions.update({o.id: o for o in (current.appraiser, current.superior) if o is not None})
    return dict(
        officer=officer,
        suggestions=sorted(suggestions.values(), key=lambda o: o.name.casefold()),
        history=history,
        current=current,
        today=today,
        line_form=forms.get("line_form") or LineForm.blank(id_prefix="line", valid_from=today),
        end_forms={
            line.id: (
                forms["end_form"]
                if forms.get("end_line_id") == line.id
                else EndLineForm.blank(id_prefix=f"end-{line.id}", valid_to=max(today, line.valid_from))
            )
            for line in history
            if line.valid_to is None or line.valid_to >= today
        },
        rank_form=forms.get("rank_form") or RankForm.blank(id_prefix="rank", rank=officer.rank),
        rank_options=[(code, rank_label(code)) for code, _name in RANKS],
        rank_label=rank_label,
        is_admin=current_user.role == Role.ADMIN,
    )


def _officer_answer(officer: Officer, form, status: int, **forms):
    return render_htmx("skp/officer_lines.html", OFFICER_PANEL, status=status, **_officer_context(officer, **forms))


def _officer_saved(officer: Officer, message: str):
    return saved(
        OFFICER_PANEL,
        "line-changed",
        url_for(".officer_lines", officer_id=officer.id),
        message,
        **_officer_context(officer),
    )


@bp.get("/lines/officers/<int:officer_id>")
@roles_required(*MANAGERS)
def officer_lines(officer_id: int):
    return render_template("skp/officer_lines.html", **_officer_context(_officer(officer_id)))


@bp.post("/lines/officers/<int:officer_id>")
@roles_required(*MANAGERS)
def line_set(officer_id: int):
    officer = _officer(officer_id)
    form = LineForm(id_prefix="line")
    if form.submit(
        lambda: set_line(current_user, officer, form.appraiser.data, form.superior.data, form.valid_from.data)
    ):
        return _officer_saved(
            officer,
            _(
                "From %(day)s, %(appraiser)s appraises %(name)s.",
                day=form.valid_from.data.isoformat(),
                appraiser=form.appraiser.data.name,
                name=officer.name,
            ),
        )
    return _officer_answer(officer, form, form.status, line_form=form)


@bp.post("/lines/<int:line_id>/end")
@roles_required(*MANAGERS)
def line_end(line_id: int):
    line = load(ReportingLine, line_id)
    officer = _officer(line.officer_id)
    form = EndLineForm(id_prefix=f"end-{line.id}")
    if form.submit(lambda: end_line(current_user, line, form.valid_to.data)):
        return _officer_saved(officer, _("The line ends on %(day)s.", day=form.valid_to.data.isoformat()))
    return _officer_answer(officer, form, form.status, end_form=form, end_line_id=line.id)


@bp.post("/lines/officers/<int:officer_id>/rank")
@roles_required(*MANAGERS)
def officer_rank(officer_id: int):
    officer = _officer(officer_id)
    form = RankForm(id_prefix="rank")
    if form.submit(lambda: set_rank(current_user, officer, form.rank.data)):
        return _officer_saved(officer, _("Rank saved."))
    return _officer_answer(officer, form, form.status, rank_form=form)


@bp.get("/lines/search")
@roles_required(*MANAGERS)
def officer_search():
    """The officers of every unit matching the typed name or NIP, as the options of a datalist
    (``list``: its id) that the appraiser and superior fields suggest from."""
    list_id = request.args.get("list", "officer-choices")
    if list_id not in ("line-appraiser-choices", "line-superior-choices"):
        abort(404)
    query = request.args.get("appraiser" if list_id == "line-appraiser-choices" else "superior", "")
    found = search_officers(query[:100]) if len(query.strip()) >= 2 else []
    return render_template("skp/_line_choices.html", list_id=list_id, found=found)
