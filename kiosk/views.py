"""Kiosk views: pairing, the rating screen, the officer's duty panel and the vote endpoint."""

import hashlib
import time
from functools import lru_cache, wraps

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from limits import RateLimitItem
from limits import parse as parse_limit
from werkzeug.exceptions import TooManyRequests

from core.db import db, utcnow
from core.errors import DomainError
from core.extensions import csrf, htmx, limiter
from core.htmx import render_htmx
from org.duty import check_pin, end_duty, start_duty
from org.errors import DutyError
from org.models import Officer
from survey.errors import SurveyError
from survey.operations import issue_service_code

from .errors import PairingError, VoteError
from .fast_path import LIMIT_DECIDED
from .pairing import _sha256, kiosk_for_token, pair_kiosk, touch_kiosk
from .queries import kiosk_config_version, kiosk_indicators
from .votes import MisuseRules, VoteTransaction

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


# A device token lives in the browser for years; an administrator revokes it to unpair.
TOKEN_MAX_AGE = 5 * 365 * 24 * 3600


def _token_from_request() -> str | None:
    return request.cookies.get(current_app.config["KIOSK_COOKIE_NAME"])


def kiosk_key_of(token: str | None) -> str:
    """Rate-limit key for kiosk requests: the device, so that one office's NAT does not make
    its kiosks share a budget."""
    return "kiosk:" + _sha256(token)[:32] if token else "anon"


def _kiosk_key() -> str:
    return kiosk_key_of(_token_from_request())


def kiosk_required(json: bool = False):
    """Load ``g.kiosk`` from the device cookie. An unknown or revoked token never reaches a view:
    pages get the pairing screen, the API gets a 401."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.kiosk = kiosk_for_token(_token_from_request())
            if g.kiosk is None:
                if json:
                    return jsonify(error="not_paired", message=_("This tablet is not paired as a kiosk.")), 401
                if htmx:
                    # Make htmx load the whole page, which will be the pairing screen.
                    response = FlaskResponse(status=200)
                    response.headers["HX-Redirect"] = url_for("kiosk.index")
                    return response
                return redirect(url_for("kiosk.index"))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _kiosk_context(**extra) -> dict:
    kiosk = g.kiosk
    desk = kiosk.desk
    duty = desk.current_duty()
    question, reasons = kiosk_indicators()
    context = dict(kiosk=kiosk, desk=desk, unit=desk.unit, duty=duty, question=question, reasons=reasons,
                   config=current_app.config, config_version=kiosk_config_version(question, reasons))
    context.update(extra)
    return context


@bp.get("/")
def index():
    g.kiosk = kiosk_for_token(_token_from_request())
    if g.kiosk is None:
        error = None
        if request.args.get("paired"):
            # Pairing succeeded but the browser did not send the cookie back: it refuses Secure
            # cookies on a plain-http address.
            error = _("This browser did not keep the kiosk's cookie. Open the kiosk over HTTPS, "
                      "or ask the administrator to allow plain HTTP (COOKIE_SECURE=0) on a closed network.")
        return render_template("kiosk/pair.html", error=error)
    touch_kiosk(g.kiosk)
    db.session.commit()
    return render_template("kiosk/kiosk.html", **_kiosk_context())


@bp.post("/pair")
@limiter.limit("10 per minute")
def pair():
    try:
        kiosk, token = pair_kiosk(request.form.get("code", ""))
    except PairingError as error:
        db.session.rollback()
        return render_template("kiosk/pair.html", error=error.message, code=request.form.get("code", "")[:20]), 400
    db.session.commit()
    response = redirect(url_for("kiosk.index", paired=1), code=303)
    response.set_cookie(
        current_app.config["KIOSK_COOKIE_NAME"], token, max_age=TOKEN_MAX_AGE, path=url_for("kiosk.index"),
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Strict",
    )
    current_app.logger.info("kiosk %s paired to desk %s", kiosk.id, kiosk.desk_id)
    return response


@bp.get("/banner")
@kiosk_required()
def banner():
    """The unit, desk and officer on duty. The kiosk reloads it every minute, which doubles as
    its heartbeat, and whenever duty changes."""
    touch_kiosk(g.kiosk)
    db.session.commit()
    return render_template("kiosk/_banner.html", **_kiosk_context())


def _officer(officer_id: int | None) -> Officer | None:
    """The officer with this id from a path, query or form; None for a number no id can be (ids
    are 32-bit in the database, and SQLite cannot even bind a number beyond 64 bits)."""
    if officer_id is None or not 0 < officer_id < 2**31:
        return None
    return db.session.get(Officer, officer_id)


@bp.get("/photo/<int:officer_id>")
@kiosk_required()
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

def _unit_officers():
    return db.session.scalars(
        sa.select(Officer).where(Officer.unit_id == g.kiosk.desk.unit_id, Officer.active.is_(True))
        .order_by(Officer.name)
    ).all()


def _render_duty(status: int = 200, **extra):
    context = _kiosk_context(officers=_unit_officers(), **extra)
    return render_htmx("kiosk/duty.html", "kiosk/_duty.html", status=status, **context)


@bp.get("/duty")
@kiosk_required()
def duty():
    """Step 1: choose start or end; step 2: the PIN pad for the chosen officer."""
    action = request.args.get("action")
    officer = None
    if action == "start":
        officer = _officer(request.args.get("officer", type=int))
        if officer is None or officer.unit_id != g.kiosk.desk.unit_id or not officer.active:
            return _render_duty(status=404, error=DutyError("unknown_officer").message)
    elif action == "end":
        current = g.kiosk.desk.current_duty()
        if current is None:
            return _render_duty(status=409, error=DutyError("not_on_duty").message)
        officer = current.officer
    else:
        action = None
    return _render_duty(action=action, pin_officer=officer)


def _duty_done(message: str):
    db.session.commit()
    if htmx:
        response = _render_duty(done=message)
        response.headers["HX-Trigger"] = "duty-changed"
        return response
    return redirect(url_for("kiosk.index"), code=303)


def _duty_failed(error: DomainError, action: str, officer):
    # Commit, not roll back: a wrong PIN must be counted against the officer's attempts.
    db.session.commit()
    return _render_duty(status=422, action=action, pin_officer=officer, error=error.message)


@bp.post("/duty/start")
@kiosk_required()
@limiter.limit("10 per minute", key_func=_kiosk_key)
def duty_start():
    desk = g.kiosk.desk
    officer = _officer(request.form.get("officer_id", type=int))
    if officer is None or officer.unit_id != desk.unit_id:
        return _render_duty(status=422, error=DutyError("no_officer").message)
    now = utcnow()
    try:
        check_pin(officer, request.form.get("pin", ""), now)
        start_duty(desk, officer, now)
    except DutyError as error:
        return _duty_failed(error, "start", officer)
    return _duty_done(_("%(name)s is now on duty at %(desk)s.", name=officer.name, desk=desk.name))


@bp.post("/duty/end")
@kiosk_required()
@limiter.limit("10 per minute", key_func=_kiosk_key)
def duty_end():
    desk = g.kiosk.desk
    current = desk.current_duty()
    if current is None:
        return _render_duty(status=409, error=DutyError("not_on_duty").message)
    now = utcnow()
    try:
        check_pin(current.officer, request.form.get("pin", ""), now)
        end_duty(desk, now)
    except DutyError as error:
        return _duty_failed(error, "end", current.officer)
    return _duty_done(_("Duty ended. Thank you, %(name)s.", name=current.officer.name))


@bp.post("/service-code")
@kiosk_required()
# A counter serves a few dozen citizens an hour; more than this is somebody pressing for fun.
@limiter.limit("60 per hour", key_func=_kiosk_key)
def service_code():
    """A one-time QR code for the citizen just served by the officer on duty: a survey answered
    through it is marked verified. The officer shows it from the staff panel."""
    desk = g.kiosk.desk
    duty = desk.current_duty()
    if duty is None:
        return _render_duty(status=409, error=DutyError("not_on_duty").message)
    try:
        code = issue_service_code(duty.officer, desk)
    except SurveyError as error:
        db.session.rollback()
        return _render_duty(status=409, error=error.message)
    db.session.commit()
    return render_htmx("kiosk/service_code.html", "kiosk/_service_code.html", service_code=code,
                       **_kiosk_context())


# --- Votes ------------------------------------------------------------------------------------

def vote_transaction(view):
    """The vote endpoint's ``kiosk_required(json=True)``: opens the vote's database transaction
    (``g.votes``, a ``VoteTransaction``: a pooled connection without the ORM session)
    and reads the kiosk, with the vote's context in the same query; the same tokens are refused,
    with the same 401, before anything else is looked at."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with VoteTransaction() as votes:
            payload = request.get_json(silent=True) if request.is_json else None
            if votes.read(_token_from_request(), payload, rules=misuse_rules()) is None:
                return jsonify(error="not_paired", message=_("This tablet is not paired as a kiosk.")), 401
            g.votes = votes
            return view(*args, **kwargs)

    return wrapper


# The per-kiosk vote limit (KIOSK_VOTE_RATE_LIMIT, keyed by the device) is counted by the vote
# endpoint itself, in the limiter's own storage (memory, or Redis shared by several servers) with
# its strategy: Flask-Limiter's per-request bookkeeping around ``@limiter.limit`` cost about
# 0.4 ms of CPU a vote, more than the vote's database work. The answer is what the decorator
# gave: a 429 from the app's error handler, and the X-RateLimit-* and Retry-After headers.
# Most votes never reach this view: kiosk.fast_path serves them, counting the same limit.
VOTE_LIMIT_SCOPE = "kiosk.vote"


@limiter.request_filter
def _vote_counts_its_own_limit() -> bool:
    return request.endpoint == "kiosk.vote"


@lru_cache(maxsize=8)
def _parse_limit(text: str) -> RateLimitItem:
    return parse_limit(text)


def vote_limit_item() -> RateLimitItem:
    return _parse_limit(current_app.config["KIOSK_VOTE_RATE_LIMIT"])


def rate_limit_headers(item: RateLimitItem, identity: tuple[str, str]) -> list[tuple[str, str]]:
    """The X-RateLimit-* and Retry-After headers Flask-Limiter gives, after the hit."""
    reset_time, remaining = limiter.limiter.get_window_stats(item, *identity)
    reset_at = int(reset_time + 1)
    return [("X-RateLimit-Limit", str(item.amount)), ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(reset_at)), ("Retry-After", str(int(reset_at - time.time())))]


def kiosk_vote_limit(view):
    """What ``@limiter.limit(KIOSK_VOTE_RATE_LIMIT, key_func=_kiosk_key)`` did (see above). A vote
    handed over by the fast path after it counted the limit is not counted again."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (limiter.enabled and limiter.initialized):
            return view(*args, **kwargs)
        item = vote_limit_item()
        identity = (VOTE_LIMIT_SCOPE, _kiosk_key())
        allowed = request.environ.get(LIMIT_DECIDED)
        if allowed is None:
            allowed = limiter.limiter.hit(item, *identity)
        if allowed:
            response = current_app.make_response(view(*args, **kwargs))
        else:
            response = current_app.make_response(current_app.handle_user_exception(TooManyRequests()))
        if current_app.config.get("RATELIMIT_HEADERS_ENABLED"):
            response.headers.extend(rate_limit_headers(item, identity))
        return response

    return wrapper


@bp.post("/vote")
# No CSRF token: the kiosk is authenticated by its device cookie, which is SameSite=Strict (no
# other site can make a browser send it) and the body must be JSON (a cross-site form cannot
# send that without a CORS preflight, which we never grant). A CSRF token would also expire
# while votes wait in an offline kiosk's queue.
@csrf.exempt
@vote_transaction
@kiosk_vote_limit
def vote():
    """The busiest endpoint: one read and one or two writes on one connection, no ORM (see
    ``kiosk.votes``, "The vote path")."""
    if not request.is_json:
        return jsonify(VoteError("not_json").as_json()), 415
    try:
        result = g.votes.record()[0]
    except VoteError as error:
        return jsonify(error.as_json()), error.status
    g.votes.touch()
    g.votes.commit()
    return jsonify(result.as_json()), 201


def misuse_rules() -> MisuseRules:
    """The app's misuse rules, made once per configuration (tests change it)."""
    config = current_app.config
    key = (config["MISUSE_BURST_SECONDS"], config["MISUSE_MAX_PER_MINUTE"], config["MISUSE_AFTER_DUTY_START_SECONDS"])
    rules = _rules_cache.get(key)
    if rules is None:
        rules = _rules_cache[key] = MisuseRules.from_config(config)
    return rules


_rules_cache: dict[tuple, MisuseRules] = {}
