"""Kiosk views: pairing, the rating screen, the officer's duty panel and the vote endpoint."""

import hashlib
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _

from core.db import MAX_ID, db, utcnow
from core.errors import DomainError
from core.extensions import csrf, htmx, limiter
from core.htmx import render_htmx
from core.sessions import sessionless
from core.web import saved
from org.duty import check_pin, end_duty_by_pin, start_duty_by_pin
from org.errors import DutyError
from org.models import Officer
from org.roster import end_overdue_duties, staff_for_desk
from survey.devices import minting_device, remember_device
from survey.errors import SurveyError
from survey.operations import issue_service_code

from .errors import PairingError, VoteError
from .forms import PairForm, PinForm
from .outside_period import period_open_for
from .pairing import kiosk_for_token, pair_kiosk, token_hash, touch_kiosk
from .queries import kiosk_config_version, kiosk_indicators
from .refusals import body_of, record_refusal, refusal_counts
from .votes import MisuseRules, VoteTransaction

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


# A device token lives in the browser for years; an administrator revokes it to unpair.
TOKEN_MAX_AGE = 5 * 365 * 24 * 3600


def _token_from_request() -> str | None:
    return request.cookies.get(current_app.config["KIOSK_COOKIE_NAME"])


def _kiosk_key() -> str:
    """Rate-limit key for kiosk requests: the device, so that one office's NAT does not make
    its kiosks share a budget."""
    token = _token_from_request()
    return "kiosk:" + token_hash(token)[:32] if token else "anon"


def kiosk_required(view):
    """Load ``g.kiosk`` from the device cookie. An unknown or revoked token never reaches a view:
    it gets the pairing screen (the vote, which has no page, answers for itself)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.kiosk = kiosk_for_token(_token_from_request())
        if g.kiosk is None:
            if htmx:
                # Make htmx load the whole page, which will be the pairing screen.
                response = FlaskResponse(status=200)
                response.headers["HX-Redirect"] = url_for("kiosk.index")
                return response
            return redirect(url_for("kiosk.index"))
        _end_overdue()
        return view(*args, **kwargs)

    return wrapper


def _kiosk_context(**extra) -> dict:
    """What every kiosk page shows: the kiosk, its desk and unit, and the duty at the desk now."""
    desk = g.kiosk.desk
    return {
        "kiosk": g.kiosk,
        "desk": desk,
        "unit": desk.unit,
        "duty": desk.current_duty(),
        "period_open": period_open_for(desk.unit, utcnow()),
        **extra,
    }


def _screen_context() -> dict:
    """The rating screen and its banner also need the question and reasons, and their
    fingerprint: the kiosk reloads when it changes."""
    question, reasons = kiosk_indicators(g.kiosk.desk.unit_id)
    return _kiosk_context(question=question, reasons=reasons, config_version=kiosk_config_version(question, reasons))


@bp.get("/")
def index():
    g.kiosk = kiosk_for_token(_token_from_request())
    if g.kiosk is None:
        error = None
        if request.args.get("paired"):
            # Pairing succeeded but the browser did not send the cookie back: it refuses Secure
            # cookies on a plain-http address.
            error = _(
                "This browser did not keep the kiosk's cookie. Open the kiosk over HTTPS, "
                "or ask the administrator to allow plain HTTP (COOKIE_SECURE=0) on a closed network."
            )
        return render_template("kiosk/pair.html", error=error)
    touch_kiosk(g.kiosk)
    db.session.commit()
    _end_overdue()
    return render_template("kiosk/kiosk.html", **_screen_context())


@bp.post("/pair")
@limiter.limit("10 per minute")
def pair():
    form = PairForm()
    try:
        if not form.validate():
            raise PairingError("missing")
        kiosk, token = pair_kiosk(form.code.data)
    except PairingError as error:
        db.session.rollback()
        return render_template("kiosk/pair.html", error=error.message, code=(form.code.data or "")[:20]), 400
    db.session.commit()
    response = redirect(url_for("kiosk.index", paired=1), code=303)
    response.set_cookie(
        current_app.config["KIOSK_COOKIE_NAME"],
        token,
        max_age=TOKEN_MAX_AGE,
        path=url_for("kiosk.index"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    current_app.logger.info("kiosk %s paired to desk %s", kiosk.id, kiosk.desk_id)
    return response


@bp.get("/banner")
@kiosk_required
def banner():
    """The unit, desk and officer on duty. The kiosk reloads it every minute, which doubles as
    its heartbeat, and whenever duty changes."""
    touch_kiosk(g.kiosk)
    db.session.commit()
    return render_template("kiosk/_banner.html", **_screen_context())


def _officer(officer_id: int | None) -> Officer | None:
    """The officer with this id from a path, query or form; None for a number no id can be."""
    if officer_id is None or not 0 < officer_id <= MAX_ID:
        return None
    return db.session.get(Officer, officer_id)


@bp.get("/photo/<int:officer_id>")
@kiosk_required
def photo(officer_id):
    officer = _officer(officer_id)
    # Only photos of the kiosk's own unit: a kiosk is no directory of staff.
    if officer is None or officer.unit_id != g.kiosk.desk.unit_id or not officer.has_photo:
        return jsonify(error="not_found", message=_("No photo.")), 404
    response = FlaskResponse(officer.photo, mimetype=officer.photo_mime)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _kiosk_assets() -> list[str]:
    """What kiosk.html links to (the favicon is in the page itself): hashed addresses."""
    return [url_for("static", filename=name) for name in ("bundles/public.css", "bundles/kiosk.js")]


@bp.get("/sw.js")
def service_worker():
    """The kiosk's service worker, served under /kiosk/ so that its scope is the kiosk. Its
    version changes with the assets it keeps (their addresses carry a hash of their content),
    so a new release replaces the old cache."""
    assets = _kiosk_assets()
    version = hashlib.sha256(",".join(assets).encode()).hexdigest()[:12]
    body = render_template("kiosk/sw.js", assets=assets, version=version)
    response = FlaskResponse(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- The officer's duty panel -------------------------------------------------------------------


def _end_overdue() -> None:
    """A duty of this desk left open past closing time ends at that time (``org.roster``)
    before the kiosk shows or changes its desk's duty; the timer does it for every desk.
    DUTY_END_AT_CLOSING off: the test suite, whose duties start an hour back on the real clock."""
    if current_app.config["DUTY_END_AT_CLOSING"] and end_overdue_duties(utcnow(), [g.kiosk.desk_id]):
        db.session.commit()


def _render_duty(status: int = 200, **extra):
    refused = refusal_counts([g.kiosk.id]).get(g.kiosk.id)
    # Only whoever is planned at this desk now, or free: not an officer planned or on duty elsewhere.
    staff = staff_for_desk(g.kiosk.desk, utcnow())
    context = _kiosk_context(staff=staff, refused=refused, **extra)
    return render_htmx("kiosk/duty.html", "kiosk/_duty.html", status=status, **context)


@bp.get("/duty")
@kiosk_required
def duty():
    """Step 1: choose start or end; step 2: the PIN pad for the chosen officer."""
    action = request.args.get("action")
    officer = None
    if action == "start":
        officer = _officer(request.args.get("officer", type=int))
        if officer is None or officer.unit_id != g.kiosk.desk.unit_id or not officer.active:
            return _render_duty(status=404, error=DutyError("unknown_officer").message)
    elif action in ("end", "code"):  # the PIN of the officer on duty: to end it, or for a survey code
        current = g.kiosk.desk.current_duty()
        if current is None:
            return _render_duty(status=409, error=DutyError("not_on_duty").message)
        officer = current.officer
    else:
        action = None
    return _render_duty(action=action, pin_officer=officer)


def _duty_done(message: str):
    # The message is for the panel only: without htmx, the kiosk's page is answer enough.
    return saved("kiosk/_duty.html", "duty-changed", url_for("kiosk.index"), done=message, **_kiosk_context())


def _duty_failed(error: DomainError, action: str, officer):
    # Commit, not roll back: a wrong PIN must be counted against the officer's attempts.
    db.session.commit()
    return _render_duty(status=422, action=action, pin_officer=officer, error=error.message)


@bp.post("/duty/start")
@kiosk_required
@limiter.limit("10 per minute", key_func=_kiosk_key)
def duty_start():
    desk, form = g.kiosk.desk, PinForm()
    officer = _officer(form.officer_id.data) if form.officer_id.validate(form) else None
    try:
        # A PIN longer than any PIN is a wrong one, and counted (as when duty ends).
        start_duty_by_pin(desk, officer, form.pin.data if form.pin.validate(form) else "", utcnow(), g.kiosk.id)
    except DutyError as error:
        if error.code == "no_officer":  # no PIN pad to show again: back to choosing a name
            return _render_duty(status=422, error=error.message)
        return _duty_failed(error, "start", officer)
    return _duty_done(_("%(name)s is now on duty at %(desk)s.", name=officer.name, desk=desk.name))


@bp.post("/duty/end")
@kiosk_required
@limiter.limit("10 per minute", key_func=_kiosk_key)
def duty_end():
    desk, form = g.kiosk.desk, PinForm()
    current = desk.current_duty()
    if current is None:
        return _render_duty(status=409, error=DutyError("not_on_duty").message)
    try:
        end_duty_by_pin(desk, form.pin.data if form.pin.validate(form) else "", utcnow(), g.kiosk.id)
    except DutyError as error:
        return _duty_failed(error, "end", current.officer)
    return _duty_done(_("Duty ended. Thank you, %(name)s.", name=current.officer.name))


@bp.post("/service-code")
@kiosk_required
# A counter serves a few dozen citizens an hour; more than this is somebody pressing for fun.
@limiter.limit("60 per hour", key_func=_kiosk_key)
def service_code():
    """A one-time QR code for the citizen just served by the officer on duty: a survey answered
    through it is marked verified. The officer asks for it from the staff panel with their PIN
    (anyone can touch a kiosk), and neither this tablet nor the officer can answer it."""
    desk, form, now = g.kiosk.desk, PinForm(), utcnow()
    duty = desk.current_duty()
    if duty is None:
        return _render_duty(status=409, error=DutyError("not_on_duty").message)
    try:
        check_pin(duty.officer, form.pin.data if form.pin.validate(form) else "", now)
    except DutyError as error:
        return _duty_failed(error, "code", duty.officer)
    device, fresh = minting_device()
    try:
        code = issue_service_code(duty.officer, desk, now, minted_kiosk_id=g.kiosk.id, minted_device=device)
    except SurveyError as error:
        db.session.rollback()
        return _render_duty(status=error.status, error=error.message)
    db.session.commit()
    response = render_htmx("kiosk/service_code.html", "kiosk/_service_code.html", service_code=code, **_kiosk_context())
    return remember_device(response, fresh)


# --- Votes ------------------------------------------------------------------------------------


def _vote_limit() -> str:
    return current_app.config["KIOSK_VOTE_RATE_LIMIT"]


def _no_device() -> bool:
    """A request without a device cookie is refused before anything else, and counts against no
    kiosk's budget."""
    return not _token_from_request()


MISUSE_RULES = "kiosk.misuse_rules"


@bp.record_once
def _make_misuse_rules(state) -> None:
    """The app's misuse rules, made once from its configuration (complete by the time
    ``create_app`` registers the blueprint)."""
    state.app.extensions[MISUSE_RULES] = MisuseRules.from_config(state.app.config)


@bp.post("/vote")
@sessionless
# No CSRF token: the kiosk is authenticated by its device cookie, which is SameSite=Strict (no
# other site can make a browser send it) and the body must be JSON (a cross-site form cannot
# send that without a CORS preflight, which we never grant). A CSRF token would also expire
# while votes wait in an offline kiosk's queue.
@csrf.exempt
# Per device, so that one office's NAT does not make its kiosks share a budget. A kiosk flushing
# its offline queue sends at once all the votes of an outage: the limit is far above what a
# counter serves, and what passes it is refused (the kiosk keeps the vote and sends it again).
@limiter.limit(_vote_limit, key_func=_kiosk_key, exempt_when=_no_device)
def vote():
    """The busiest endpoint: one read and one write on a connection of its own, without the ORM
    session (see ``kiosk.votes``), and without the cookie session either."""
    payload = request.get_json(silent=True) if request.is_json else None
    with VoteTransaction() as votes:
        kiosk = votes.read(_token_from_request(), payload, rules=current_app.extensions[MISUSE_RULES])
        if kiosk is None:
            return jsonify(VoteError("not_paired").as_json()), 401
        try:
            if not request.is_json:
                raise VoteError("not_json", status=415)
            result = votes.record()[0]
        except VoteError as error:
            refused = error
        else:
            votes.touch()
            votes.commit()
            return jsonify(result.as_json()), 201
    # Refused for good: the tablet drops the vote, so it is recorded for the staff to see (through
    # the session, once the vote's own connection is given back; refusals are rare).
    if refused.final:
        record_refusal(kiosk.id, refused, payload, body_of(request))
        db.session.commit()
    return jsonify(refused.as_json()), refused.status
