"""Errors the domain raises for bad input or a state that forbids an action.

Each carries a stable ``code`` (for clients and tests), an HTTP status the areas answer with,
and a message marked for translation: areas show ``str(error.message)`` in the user's language.
"""

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape

from .db import db
from .i18n import LOCALES, Plural, current_locale


class DomainError(Exception):
    status = 400
    messages: dict = {}

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    @classmethod
    def text(cls, code: str, params: dict | None = None) -> str:
        """The message of ``code`` in the user's language, its %(name)s fields filled from ``params``."""
        message = cls.messages.get(code, code)
        if isinstance(message, Plural):
            return message.format(params or {})
        template = str(message)
        return template % params if params else template

    @property
    def message(self) -> str:
        return self.text(self.code, self.params)

    def as_json(self) -> dict:
        return {"error": self.code, "message": self.message}


# --- The admin area (accounts, configuration, imports) ------------------------------------------
# ``Invalid`` carries one code per form field, so that a view shows each message beside its field.


class AccessDenied(DomainError):
    """The account may not touch this (another unit's data, or a role that does not allow it)."""

    status = 403
    messages = {"forbidden": _l("You may not do this.")}

    def __init__(self, code: str = "forbidden", **params):
        super().__init__(code, **params)


class AdminError(DomainError):
    """A state that forbids an action: something still in use, a period in the wrong state."""

    status = 409
    messages = {
        "unit_in_use": _l("This unit still has desks, services, officers or accounts. Remove or move them first."),
        "service_in_use": _l("Citizens have already chosen this service in the survey: switch it off instead."),
        "desk_in_use": _l("This desk has kiosks, duty or responses: switch it off instead."),
        "officer_in_use": _l("This officer has duty, responses or an account: switch them off instead."),
        "indicator_in_use": _l("Citizens have already answered this indicator: switch it off instead."),
        "period_has_responses": _l("This period has responses, so it cannot be deleted."),
        "period_not_draft": _l("Only a draft period can be opened."),
        "period_not_open": _l("Only an open period can be closed."),
        "period_not_closed": _l("Only a closed period can be reopened."),
        "period_job_running": _l("This period is already being closed or reopened."),
        "period_job_not_running": _l("This close has already finished or been stopped."),
        "kiosk_revoked": _l("This kiosk has been revoked."),
        "desk_other_unit": _l("A kiosk can only move to another desk of the same unit."),
        "desk_inactive": _l("This desk is switched off."),
        "already_hidden": _l("This comment is already hidden."),
        "not_hidden": _l("This comment is not hidden."),
        "no_comment": _l("This response has no comment."),
        "weights_partial": _l(
            "Weights are set for some survey elements but not for all (missing: %(missing)s). "
            "Set all of them, or none for equal weights."
        ),
        "weights_sum": _l("The weights of the survey elements must add up to exactly 1; they add up to %(total)s."),
        "import_conflict": _l(
            "Someone added an officer with NIP %(nip)s while this file was being checked. "
            "Nothing was imported; upload the file again."
        ),
        "own_account": _l("You cannot switch off or demote your own account."),
        "period_closed": _l("This period is closed: its scores are frozen. An administrator can reopen it."),
        "period_draft": _l("This period has not been opened yet."),
        "already_disputed": _l("This response has already been disputed."),
        "already_excluded": _l("This response is already left out of your score."),
        "not_your_response": _l("You can only dispute responses given to you."),
        "dispute_resolved": _l("This dispute has already been resolved."),
    }


class Invalid(DomainError):
    """Bad values, one message code per field (and optional parameters for the message)."""

    status = 422
    messages = {
        "required": _l("This field is required."),
        "too_long": _l("At most %(max)s characters."),
        "code_format": _l("Use lowercase letters, digits and dashes only."),
        "code_taken": _l("This code is already used."),
        "desk_name_taken": _l("This unit already has a desk with this name."),
        "username_format": _l("Use 3 to 80 letters, digits, dots, dashes or underscores."),
        "username_taken": _l("This username is already used."),
        "password_short": _l("A password has at least %(min)s characters."),
        "password_long": _l("A password has at most %(max)s characters."),
        "password_is_username": _l("The password must not contain the username."),
        "password_weak": _l(
            "This password is too common or too easy to guess. A few unrelated words you can remember are best."
        ),
        "password_mismatch": _l("The two new passwords are not the same."),
        "password_wrong": _l("This is not your current password."),
        "password_same": _l("Choose a password different from the current one."),
        "unit_required": _l("Choose the unit of this supervisor."),
        "officer_required": _l("Enter the NIP of the officer this account belongs to."),
        "officer_has_account": _l("This officer already has an account."),
        "unknown_unit": _l("Choose a unit from the list."),
        "unknown_desk": _l("Choose a desk from the list."),
        "unknown_officer": _l("No officer has this NIP."),
        "unknown_timezone": _l("Choose a time zone from the list."),
        "nip_length": _l("A NIP has exactly 18 digits."),
        "nip_birth_date": _l("The first 8 digits of a NIP must be a real date of birth (YYYYMMDD)."),
        "nip_gender": _l("Digit 15 of a NIP is the gender code: 1 or 2."),
        "nip_taken": _l("Another officer already has this NIP."),
        "nip_repeated": _l("This NIP is also on line %(line)s of the file."),
        "pin_format": _l("A PIN has 4 to 8 digits."),
        "pin_easy": _l("This PIN is too easy to guess: not one digit repeated, nor digits in a row like 1234."),
        "pin_mismatch": _l("The two PINs are not the same."),
        "pin_wrong": _l("This is not your current PIN or password."),
        "officer_password": _l(
            "An officer chooses their own password: reset it on the officer's page, which makes a set-up link."
        ),
        "email_format": _l("Enter an e-mail address, e.g. nama@instansi.go.id."),
        "photo_required": _l("Choose a photo to upload."),
        "photo_type": _l("The photo must be a JPEG or PNG image."),
        "photo_size": _l("The photo is too large: at most %(max)s KB."),
        "date_format": _l("Enter a date as YYYY-MM-DD."),
        "dates_order": _l("The end date must not be before the start date."),
        "reason_required": _l("Say why the period is reopened."),
        "number_format": _l("Enter a whole number."),
        "votes_per_hour_format": _l("Enter a whole number from 1 to 600."),
        "weight_format": _l("Enter a number from 0 to 1, e.g. 0.125, or leave it empty."),
        "labels_required": _l("A scale question needs all four answer labels, from worst to best."),
        "element_format": _l("An SKM element is U followed by a number, e.g. U3."),
        "element_repeated": _l("Another active survey question already measures element %(element)s."),
        "choice": _l("Choose one of the options."),
        "line_self": _l("An officer cannot appraise themselves."),
        "line_superior": _l("The appraiser's superior must be another officer than the officer and the appraiser."),
        "line_circle": _l(
            "This appraiser is appraised by this officer on that day: two officers cannot appraise each other."
        ),
        "head_other_unit": _l("The head of a unit works at that unit."),
        "file_required": _l("Choose a CSV or XLSX file."),
        "file_type": _l("The file must be CSV (.csv) or Excel (.xlsx)."),
        "file_unreadable": _l("This file could not be read: %(reason)s"),
        "file_size": _l("The file is too large: at most %(max)s MB."),
        "file_empty": _l("The file has no officers in it."),
        "file_too_many": _l("At most %(max)s rows in one file."),
        "file_unpacked": _l(
            "This workbook would unpack to more than %(max)s MB, far more than a list of officers, "
            "so it was not opened. Save only the list of officers, or save it as CSV."
        ),
        "file_line_long": _l("A line of this file is longer than %(max)s KB: this is not a list of officers."),
        "file_columns": _l("The first row must name the columns: nip, name, position and unit (missing: %(missing)s)."),
        "nip_number": _l("Excel stored this NIP as a number and lost digits: format the NIP column as Text."),
        "unit_missing": _l("The unit code is missing."),
        "unit_unknown": _l("Unknown unit code %(code)s."),
        "unit_not_yours": _l("%(code)s is not your unit."),
        "overlaps": _l("This period overlaps %(name)s (%(starts)s to %(ends)s). Periods may not overlap."),
        "dates_locked": _l("This period has responses: its dates can no longer change."),
        "dispute_reason": _l("Say why this response should not count."),
        "ruling_reason": _l("Give the reason for your ruling."),
        "rating_reason": _l("Give a reason when your rating differs from the suggestion."),
        "objection_reason": _l("Say why you object to this evaluation."),
        "results_above_refused": _l(
            "Work results can be rated above expectations only when most of them are above expectations and no main "
            "(utama) result is below expectations."
        ),
        "head_results_fixed": _l(
            "This officer heads the unit: her work-result rating follows the unit's result and cannot be chosen."
        ),
        "percent_format": _l("Enter a whole number from 0 to 100."),
        "score_format": _l("Enter a score from 25 to 100 with at most two decimals, e.g. 88.31."),
        "thresholds_order": _l("The lower threshold must not be above the upper one."),
        "min_n_format": _l("Enter a whole number of at least 1."),
        "verified_weight_format": _l("Enter a number from 1 to 5 with at most two decimals, e.g. 1.5."),
        "period_closed": _l("This period is closed: its policy is frozen. An administrator can reopen it."),
        "target_format": _l("Enter a number of at least 0 with at most two decimals, e.g. 600 or 85.5."),
        # SKP realisation (skp.realisation)
        "achieved_format": _l("Enter a number of at least 0 with at most two decimals, e.g. 12 or 87.5."),
        "achieved_bound": _l(
            "This row is bound to a figure the product measures: its realisation fills itself and is not typed."
        ),
        "evidence_type": _l(
            "The evidence must be a PDF, a JPEG or PNG image, or an Excel (.xlsx) or Word (.docx) file, "
            "and its name must end with its type."
        ),
        "evidence_size": _l("The evidence file is too large: at most %(max)s MB."),
        "evidence_empty": _l("The evidence file is empty."),
        "evidence_url": _l("A link starts with http:// or https:// and has at most 500 characters."),
        # SKP unit result (skp.distribution)
        "unit_result_reason": _l("Say why the unit's result is this."),
    }

    def __init__(self, fields: dict, **params):
        super().__init__("invalid", **params)
        self.fields = per_field(fields)

    @property
    def message(self) -> str:
        return "; ".join(self.field_messages().values())

    def field_messages(self) -> dict[str, str]:
        return {name: message_for(code, params) for name, (code, params) in self.fields.items()}


def per_field(fields: dict) -> dict[str, tuple[str, dict]]:
    """Refusals of single form fields, each given as a message code or a (code, params) pair, as
    (code, params) pairs."""
    return {name: value if isinstance(value, tuple) else (value, {}) for name, value in fields.items()}


def message_for(code: str, params: dict | None = None) -> str:
    """The translated message of a field code (or of an AdminError code, for a failed import)."""
    for owner in (Invalid, AdminError):
        if code in owner.messages:
            return owner.text(code, params)
    return code


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _too_large() -> str:
    """413, with the limit of the address it was sent to (``core.limits``)."""
    from flask_babel import gettext as _

    from .limits import size_label

    limit = request.max_content_length
    if limit is None:
        return _("What you sent is too large.")
    return _("What you sent is too large: at most %(size)s here.", size=size_label(limit))


def register_error_handlers(app: Flask) -> None:
    """The answer to every error: a page in the user's language, or JSON for a JSON client; never a
    stack trace."""
    from flask_babel import gettext as _
    from werkzeug.exceptions import HTTPException

    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You may not do this."),
        404: lambda: _("This page does not exist."),
        405: lambda: _("This address does not accept that kind of request."),
        413: _too_large,
        429: lambda: _("Too many attempts. Wait a moment and try again."),
        500: lambda: _("Something went wrong on our side. Please try again."),
    }

    def render_error(status: int, message: str):
        if _wants_json():
            return jsonify(error=status, message=message), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("This form has expired. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        """A refusal no view answered itself: its message, in the user's language, with its status."""
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.response is not None:
            return error.response  # the view's own answer (a rate limit's page, made by on_breach)
        status = error.code or 500
        message = messages.get(status, messages[400])()
        return render_error(status, message)

    for error_class in (sa.exc.DBAPIError, sa.exc.DisconnectionError):
        app.register_error_handler(error_class, database_error)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.error("unhandled error", exc_info=error)
        db.session.rollback()
        return render_error(500, messages[500]())


# --- A database that cannot answer now ----------------------------------------------------------
# Its connection dropped (a restart, a fail-over, a killed backend: pool_pre_ping only tests a
# connection as it is taken from the pool, not one that dies during a request), it is busy (SQLite's
# lock timeout) or unreachable. Not the sender's fault and not a bug: a 503 that says to send
# again in a moment, never a 500. The request's transaction is rolled back, so nothing of it is
# stored; whatever the sender sends again is stored once (responses carry their own uuid).

DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError)
RETRY_AFTER_SECONDS = 5


def is_unavailable(error: Exception) -> bool:
    """Whether ``error`` says the database cannot answer now (rather than that a statement is
    wrong): its kind, or a connection found gone while the statement ran (SQLite says so with a
    ProgrammingError)."""
    return isinstance(error, DATABASE_UNAVAILABLE) or getattr(error, "connection_invalidated", False)


def unavailable_text() -> str:
    return gettext(
        "The service could not reach its database for a moment, so nothing was saved. Wait a few seconds and try again."
    )


def rollback_quietly() -> None:
    """Roll the request's transaction back, even over a connection that is gone (the pool then
    discards it, and the next request gets a fresh one)."""
    try:
        db.session.rollback()
    except DATABASE_UNAVAILABLE:
        db.session.close()


def in_every_language(text) -> dict[str, str]:
    """``text()`` in each language, Bahasa Indonesia first."""
    texts = {}
    for locale in LOCALES:
        with force_locale(locale):
            texts[locale] = text()
    return texts


def unavailable_response(page=None):
    """The 503: ``page`` (a function making the view's own answer, e.g. the form again with what
    was typed) when it can be made, else the message in the user's language and the other one;
    ``Retry-After`` either way."""
    rollback_quietly()
    response = None
    if page is not None:
        try:
            response = current_app.make_response(page())
        except DATABASE_UNAVAILABLE:
            rollback_quietly()
    if response is None:
        texts = in_every_language(unavailable_text)
        mine = current_locale()
        if _wants_json():
            response = jsonify(error=503, message=texts[mine], messages=texts)
        else:
            others = [(locale, text) for locale, text in texts.items() if locale != mine]
            try:
                body = render_template("error.html", status=503, message=texts[mine], others=others)
            except DATABASE_UNAVAILABLE:  # the page's header asks who is signed in: say it plainly
                rollback_quietly()
                body = "".join(f'<p lang="{locale}">{escape(text)}</p>' for locale, text in texts.items())
            response = current_app.make_response(body)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def database_error(error, page=None):
    """A database error: the 503 of ``unavailable_response`` when the database cannot answer now
    (``page`` as there), else the 500 of any other fault."""
    if not is_unavailable(error):
        current_app.logger.error("unhandled error", exc_info=error)
        rollback_quietly()
        message = gettext("Something went wrong on our side. Please try again.")
        if _wants_json():
            return jsonify(error=500, message=message), 500
        return render_template("error.html", status=500, message=message), 500
    current_app.logger.warning("database unavailable during %s, answered 503: %s", request.endpoint, error)
    return unavailable_response(page)
