"""Survey views: the phone survey at ``/s/<code>``, QR images, and printable posters.

Citizens' pages live under the short ``/s/`` (it is in every QR code: the shorter the address,
the coarser and easier to scan the code); staff pages under ``/survey/``.
"""

import hashlib
import uuid as uuid_module
from functools import lru_cache

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse as parse_limit
from werkzeug.datastructures import MultiDict

from core.db import WriteTurn, db, utcnow
from core.errors import database_error
from core.extensions import client_fingerprint, client_key, limiter
from core.htmx import render_htmx, wants_partial
from core.i18n import asked_locale, current_locale
from core.ratelimits import hit_with_transaction
from core.responses import TEXT_MAX_LENGTH
from core.web import saved
from org import access
from org.auth import MANAGERS, roles_required
from org.models import Desk, Officer, Unit, local_clock
from survey import qr

from .codes import PosterTarget, SurveyTarget, attribution, find_target, poster_target, poster_targets
from .devices import request_device
from .errors import SurveyError, SurveyInvalid
from .forms import COMMENT_MAX_LENGTH, answer_field, parse_survey_form, profile_options
from .operations import (
    Answerer,
    check_answerer,
    keys_worth_keeping,
    open_survey,
    posters_printed,
    record_refused_answer,
    record_survey_response,
)
from .pdf import PdfUnavailable, render_pdf
from .queries import survey_indicators, unit_services

bp = Blueprint("survey", __name__)


SEEN_COOKIE = "survey_seen"
SEEN_MAX_AGE = 2 * 24 * 3600
# A survey sent without JavaScript and refused (an answer missing) is answered with a redirect to
# the form (Post/Redirect/Get), so that Back and Reload never ask to send it again; what the
# citizen chose waits for the form in a signed cookie of its own address, for an hour. A browser
# keeps a cookie of at most 4096 bytes, name and attributes included: a longer draft (a long
# comment in a script zlib cannot shrink) is shown at once instead, as before.
DRAFT_COOKIE = "survey_draft"
DRAFT_MAX_AGE = 3600
DRAFT_MAX_BYTES = 3800
# Each size by the paper it prints on (survey.css: @page a4, a6, a5): an A4 poster, an A6 card for
# a table stand, and an A5 sheet that folds into a table tent of two A6 faces.
POSTER_SIZES = ("a4", "a6", "a5")


def poster_sizes() -> list[tuple[str, str]]:
    """Each poster size with its button's words, which name the paper it prints on."""
    labels = {"a4": _("A4 poster"), "a6": _("A6 table card"), "a5": _("A5 table tent (folds to A6)")}
    return [(size, labels[size]) for size in POSTER_SIZES]


QR_MAX_AGE = 24 * 3600


# --- Helpers shared by the templates (the kiosk's one-time code partial uses them too) ----------


@bp.app_template_global()
def survey_address(code: str) -> str:
    """The public address a QR code encodes: under PUBLIC_BASE_URL, never the request's host."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("survey.form", code=code)


@bp.app_template_global()
def qr_svg(data: str, label: str = ""):
    return qr.qr_svg(data, label)


@bp.app_template_global()
def poster_label(poster: PosterTarget) -> str:
    """What a poster's QR code is called (its image's title, for screen readers)."""
    return _("Survey: %(name)s, %(unit)s", name=poster.title, unit=poster.unit.name)


@bp.app_template_filter()
def unit_time(moment, unit: Unit) -> str:
    """A moment as the unit's local wall-clock time with its zone ("12:00 WIB")."""
    return local_clock(moment, unit.timezone)


# Every area's templates carry ``?lang=`` on (the kiosk's pairing form, the sign-in form): this
# blueprint is registered in every app, and core has no blueprint of its own for templates.
bp.add_app_template_global(asked_locale)


# --- The phone survey ---------------------------------------------------------------------------


def _seen_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="survey-seen")


def _seen_keys() -> list[str]:
    """What this browser remembers of its responses (a signed cookie; a forged one is ignored)."""
    raw = request.cookies.get(SEEN_COOKIE)
    if not raw:
        return []
    try:
        keys = _seen_serializer().loads(raw)
    except BadSignature:
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def _remember(response, keys: list[str], key: str, now) -> None:
    value = _seen_serializer().dumps(keys_worth_keeping([*keys, key], now))
    response.set_cookie(
        SEEN_COOKIE,
        value,
        max_age=SEEN_MAX_AGE,
        path="/s/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _draft_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="survey-draft")


def _keep_draft(response, code: str, form) -> bool:
    """Keep what was sent (all but the CSRF token) for the form at ``code``; False when it is too
    long for a cookie."""
    pairs = [[name, value] for name, value in form.items(multi=True) if name != "csrf_token"]
    value = _draft_serializer().dumps(pairs)
    if len(value) > DRAFT_MAX_BYTES:
        return False
    response.set_cookie(
        DRAFT_COOKIE,
        value,
        max_age=DRAFT_MAX_AGE,
        path=url_for("survey.form", code=code),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return True


def _draft() -> MultiDict | None:
    """What this browser last sent and had refused (a forged or stale cookie: nothing)."""
    raw = request.cookies.get(DRAFT_COOKIE)
    if not raw:
        return None
    try:
        pairs = _draft_serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(pairs, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair) for pair in pairs
    ):
        return None
    return MultiDict([tuple(pair) for pair in pairs])


def _forget_draft(response, code: str) -> None:
    response.delete_cookie(
        DRAFT_COOKIE,
        path=url_for("survey.form", code=code),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


# Parsed once for each text the configuration gives (tests change it).
_parsed_limit = lru_cache(maxsize=4)(parse_limit)


def _over_rate_limit(seen: str, connection) -> bool:
    """Count this response against the client's budgets: per hour, and per day for whom it rates
    (``seen``: the day and the officer or desk, see ``operations.seen_key``); True once either is
    spent. Counted in the rate-limit storage, which every worker shares; in the database (the
    default), in the response's own transaction on ``connection``
    (``core.ratelimits.hit_with_transaction``). Never blocks: a separate store that does not
    answer (Redis down) must not cost a citizen their response. (The database's own failure
    fails the response too, which then is not stored: the citizen gets the form back to send
    again.)"""
    hourly = _parsed_limit(current_app.config["SURVEY_RATE_LIMIT"])
    daily = _parsed_limit(current_app.config["SURVEY_DAILY_LIMIT"])
    hits = [(hourly, "survey-response", client_key()), (daily, "survey-daily", client_fingerprint(), seen)]
    try:
        return not hit_with_transaction(limiter.limiter, hits, connection)
    except sa.exc.SQLAlchemyError:
        raise
    except Exception as error:  # any failure of another storage (Redis down, ...) is logged and let through
        current_app.logger.warning("survey rate limit not checked: %s", error)
        return False


def _answerer() -> Answerer:
    """Who answers, as far as the request shows: the officer signed in here, the device id."""
    officer_id = getattr(current_user, "officer_id", None) if current_user.is_authenticated else None
    return Answerer(officer_id=officer_id, device=request_device())


def _attributed(target: SurveyTarget, now):
    desk_id, officer_id = attribution(target, now)
    return (
        db.session.get(Desk, desk_id) if desk_id else None,
        db.session.get(Officer, officer_id) if officer_id else None,
    )


def _error_items(indicators, errors: dict[str, str]) -> list[tuple[str, str]]:
    """The error summary: (anchor, "where: what") in the order of the form."""
    names = {answer_field(i): _("Question %(number)s", number=n) for n, i in enumerate(indicators, 1)}
    names.update(
        service=_("Service"),
        gender=_("Gender"),
        age_band=_("Age"),
        education=_("Education"),
        occupation=_("Occupation"),
        comment=_("Comment"),
    )
    return [(field, f"{names[field]}: {errors[field]}") for field in names if field in errors]


def _render_form(
    target: SurveyTarget,
    now,
    indicators,
    status: int = 200,
    values=None,
    error: SurveyInvalid | None = None,
    unavailable: str = "",
):
    desk, officer = _attributed(target, now)
    errors = error.field_messages() if error else {}
    values = values or {}
    response_uuid = values.get("uuid") or str(uuid_module.uuid4())
    response = render_htmx(
        "survey/form.html",
        "survey/_form.html",
        status=status,
        target=target,
        unit=target.unit,
        desk=desk,
        officer=officer,
        indicators=indicators,
        services=unit_services(target.unit),
        profile=profile_options(),
        values=values,
        errors=errors,
        error_items=_error_items(indicators, errors),
        summary=error.message if error else "",
        uuid=response_uuid,
        locale=current_locale(),
        comment_max=COMMENT_MAX_LENGTH,
        text_max=TEXT_MAX_LENGTH,
        unavailable=unavailable,
    )
    # The form carries a fresh response id and a CSRF token: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _render_message(error: SurveyError, target: SurveyTarget | None = None):
    response = render_htmx(
        "survey/message.html",
        "survey/_message.html",
        status=error.status,
        message=error.message,
        error=error,
        target=target,
        unit=target.unit if target else None,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/s/<code>")
def form(code):
    now = utcnow()
    target = find_target(code)
    try:
        if target is None:
            raise SurveyError("unknown_code")
        check_answerer(target, _answerer())
        _period, indicators = open_survey(target, now)
    except SurveyError as error:
        return _render_message(error, target)
    draft = _draft() if request.args.get("check") else None
    if draft is None:
        return _render_form(target, now, indicators)
    # Back from a refused send: the answers as they were, with what is missing said again.
    try:
        parse_survey_form(draft, indicators, [service.id for service in unit_services(target.unit)])
    except SurveyInvalid as error:
        return _render_form(target, now, indicators, values=draft, error=error)
    return _render_form(target, now, indicators, values=draft)


@bp.post("/s/<code>")
def submit(code):
    now = utcnow()
    seen = _seen_keys()
    answerer = _answerer()
    try:
        # The response's one transaction, on a connection of its own rather than the ORM
        # session's, whose lifecycle costs more than the response's statements (as the kiosk
        # vote's): committed as the block ends, rolled back by an error; on SQLite, its writes
        # wait for their turn (core.db.WriteTurn), given back after the commit.
        with WriteTurn(db.engine) as turn, db.engine.begin() as connection:
            result = record_survey_response(
                code,
                request.form,
                locale=current_locale(),
                now=now,
                seen=seen,
                over_rate_limit=lambda key: _over_rate_limit(key, connection),
                answerer=answerer,
                connection=connection,
                before_write=turn.take,
            )
    except SurveyInvalid as error:
        if not wants_partial():
            # A plain form: to the form again by a redirect (see DRAFT_COOKIE). htmx swaps the
            # form in place, which leaves the history as it was.
            response = redirect(url_for("survey.form", code=code, lang=asked_locale(), check=1), 303)
            g.metrics_outcome = "refused"  # core.observability: a 303 that stored nothing
            if _keep_draft(response, code, request.form):
                return response
        target = find_target(code)
        return _render_form(target, now, survey_indicators(target.unit), status=422, values=request.form, error=error)
    except SurveyError as error:
        if error.code == "own_code":
            # Refused, and counted on the code: the officer's sheet shows such attempts.
            record_refused_answer(code)
            db.session.commit()
            current_app.logger.warning("one-time code %s answered by its officer or its minting device", code[:4])
        return _render_message(error, find_target(code))
    # The thank-you page has an address of its own, in the language the form was sent in.
    thanks = url_for("survey.thanks", code=result.code, lang=asked_locale())
    response = saved("survey/_thanks.html", "survey-recorded", thanks, unit_code=result.unit_code)
    if wants_partial():  # as ``saved`` decides
        response.headers["HX-Push-Url"] = thanks
    _remember(response, seen, result.seen_key, now)
    if DRAFT_COOKIE in request.cookies:
        _forget_draft(response, result.code)
    return response


def _database_unavailable(error):
    """The database dropped the connection while a citizen sent the survey: nothing was stored,
    and the form comes back (503) with what they typed and the same response id, so that pressing
    Send again stores it once. Any other page of the survey: the app's 503."""
    page = None
    if request.endpoint == "survey.submit":

        def page():
            target = find_target(request.view_args["code"])
            return _render_form(
                target,
                utcnow(),
                survey_indicators(target.unit if target else None),
                status=503,
                values=request.form,
                unavailable=_(
                    "Your answers were not saved yet: the service was "
                    "busy for a moment. They are still here: press "
                    "Send again."
                ),
            )

    return database_error(error, page)


for _error_class in (sa.exc.DBAPIError, sa.exc.DisconnectionError):
    bp.register_error_handler(_error_class, _database_unavailable)


@bp.get("/s/<code>/thanks")
def thanks(code):
    target = find_target(code)
    if target is None:
        return _render_message(SurveyError("unknown_code"))
    response = current_app.make_response(
        render_template("survey/thanks.html", target=target, unit=target.unit, unit_code=target.unit.code)
    )
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- QR images --------------------------------------------------------------------------------


def _static_target(code: str) -> SurveyTarget:
    """A desk's or an officer's code; a one-time code has no image of its own (the officer's
    screen draws it inline) and gets a 404 like an unknown one."""
    target = find_target(code)
    if target is None or not target.static:
        abort(404)
    return target


def _qr_response(body, mimetype: str):
    response = FlaskResponse(body, mimetype=mimetype)
    # Stable for as long as the code and PUBLIC_BASE_URL are: cache a day, then revalidate.
    response.set_etag(hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={QR_MAX_AGE}"
    return response.make_conditional(request)


@bp.get("/survey/qr/<code>.svg")
def qr_image_svg(code):
    target = _static_target(code)
    label = poster_label(poster_target(target))
    return _qr_response(str(qr.qr_svg(survey_address(target.code), label)), "image/svg+xml")


@bp.get("/survey/qr/<code>.png")
def qr_image_png(code):
    target = _static_target(code)
    return _qr_response(qr.qr_png(survey_address(target.code)), "image/png")


# --- Posters ----------------------------------------------------------------------------------


def _poster_size() -> str:
    size = request.args.get("size", POSTER_SIZES[0])
    if size not in POSTER_SIZES:
        abort(400)
    return size


def _check_unit(unit: Unit) -> Unit:
    if not access.can_manage_unit(current_user, unit.id):
        abort(403)
    return unit


def _unit_or_404(unit_code: str) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        abort(404)
    return _check_unit(unit)


def _render_posters(posters, size: str, title: str, pdf_url: str, print_all_url: str | None = None) -> str:
    return render_template(
        "survey/posters.html",
        posters=posters,
        size=size,
        title=title,
        pdf_url=pdf_url,
        print_all_url=print_all_url,
        questions=len(survey_indicators(posters[0].unit if posters else None)),
        poster_sizes=poster_sizes(),
        endpoint=request.endpoint,
        view_args=request.view_args,
    )


def _posters(posters, size: str, title: str, filename: str, pdf_url: str, print_all_url: str | None = None):
    """The sheets as a page to print, or, at the page's ``.pdf`` address (an endpoint ending in
    ``_pdf``), the same sheets as a PDF called ``filename``."""
    pdf = request.endpoint.endswith("_pdf")
    if pdf:
        answer = _pdf_response(_render_posters(posters, size, title, ""), filename)
    else:
        answer = _render_posters(posters, size, title, pdf_url, print_all_url)
    if posters and not isinstance(answer, tuple):  # a PDF that could not be made was not printed
        posters_printed(current_user, posters[0].unit, size, pdf)
        db.session.commit()
    return answer


def _pdf_response(html: str, filename: str):
    try:
        body = render_pdf(html)
    except PdfUnavailable as error:
        current_app.logger.error("poster PDF unavailable: %s", error)
        return render_template(
            "error.html", status=503, message=_("The PDF cannot be made on this server. Use Print instead.")
        ), 503
    response = FlaskResponse(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# Posters list every desk and officer of a unit with their codes: staff material. Signed-in
# administrators see every unit, supervisors their own (checked per unit in each view); citizens'
# pages (/s/) and the QR images stay public.


@bp.get("/survey/")
@roles_required(*MANAGERS)
def index():
    units = db.session.scalars(access.scoped(sa.select(Unit), Unit.id, current_user).order_by(Unit.name)).all()
    return render_template("survey/index.html", units=units, poster_sizes=poster_sizes())


@bp.get("/survey/posters/<unit_code>", endpoint="unit_posters")
@bp.get("/survey/posters/<unit_code>.pdf", endpoint="unit_posters_pdf")
@roles_required(*MANAGERS)
def unit_posters(unit_code):
    """Every poster of a unit."""
    unit = _unit_or_404(unit_code)
    size = _poster_size()
    return _posters(
        poster_targets(unit),
        size,
        unit.name,
        f"poster-{unit.code}-{size}.pdf",
        url_for("survey.unit_posters_pdf", unit_code=unit.code, size=size),
    )


@bp.get("/survey/poster/<code>", endpoint="poster")
@bp.get("/survey/poster/<code>.pdf", endpoint="poster_pdf")
@roles_required(*MANAGERS)
def poster(code):
    """The poster of one desk or officer."""
    target = _static_target(code)
    _check_unit(target.unit)
    size = _poster_size()
    one = poster_target(target)
    return _posters(
        [one],
        size,
        one.title,
        f"poster-{target.code}-{size}.pdf",
        url_for("survey.poster_pdf", code=target.code, size=size),
        url_for("survey.unit_posters", unit_code=target.unit.code, size=size),
    )
