"""Template filters of the admin area: labels of codes in the user's language, and values as an
office reads them (a NIP in its printed groups, a moment in the unit's local time)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user
from markupsafe import Markup, escape

from core.db import db, utcnow
from org.models import INDONESIAN_TIMEZONES, Unit, local_clock
from org.nip import format_nip
from reports.profanity import mask

from .views import bp

ROLE_LABELS = {"admin": _l("Administrator"), "supervisor": _l("Supervisor"), "officer": _l("Officer")}
KIOSK_STATUS = {"online": _l("Online"), "offline": _l("Offline"), "revoked": _l("Revoked")}
VIA = {"pin": _l("PIN at the kiosk"), "admin": _l("admin area"), "demo": _l("demo"), "replaced": _l("replaced")}
KINDS = {"scale": _l("Scale question (1-4)"), "reason": _l("Kiosk reason")}
CHANNELS = {"kiosk": _l("Kiosk"), "qr": _l("QR survey"), "both": _l("Both")}
# A label for each kind of record the log speaks of (``core.audit.ENTITIES``).
ENTITIES = {
    "unit": _l("Unit"),
    "service": _l("Service"),
    "desk": _l("Desk"),
    "officer": _l("Officer"),
    "kiosk": _l("Kiosk"),
    "duty": _l("Duty"),
    "period": _l("Period"),
    "indicator": _l("Indicator"),
    "comment": _l("Comment"),
    "user": _l("Account"),
    "import": _l("Import"),
    "response": _l("Response"),
    "dispute": _l("Dispute"),
    "reporting_line": _l("Reporting line"),
    "skp": _l("SKP"),
    "skp_result": _l("SKP work result"),
    "skp_expectation": _l("SKP expectation"),
    "skp_realisation": _l("SKP realisation"),
    "skp_feedback": _l("SKP feedback"),
    "skp_unit_result": _l("Unit result (SKP)"),
    "skp_evaluation": _l("SKP evaluation"),
    "skp_objection": _l("SKP objection (keberatan)"),
    "alert": _l("Alert"),
    "alert_setting": _l("Alert setting"),
    "feedback_round": _l("360° feedback round"),
    "feedback_invitation": _l("360° feedback invitation"),
    "award": _l("Officer of the month"),
    "comment_triage": _l("Comment (tag and answer)"),
    "shift": _l("Shift (planned)"),
    "opening_hours": _l("Opening hours"),
}
ACTIONS = {
    "create": _l("created"),
    "update": _l("changed"),
    "delete": _l("deleted"),
    "open": _l("opened"),
    "close": _l("closed"),
    "close_start": _l("began closing"),
    "close_cancel": _l("stopped closing"),
    "reopen": _l("reopened"),
    "hide": _l("hidden"),
    "unhide": _l("shown again"),
    "revoke": _l("revoked"),
    "move": _l("moved"),
    "pairing_code": _l("pairing code made"),
    "duty_start": _l("duty started"),
    "duty_end": _l("duty ended"),
    "import": _l("imported"),
    "photo": _l("photo changed"),
    "pin": _l("PIN set"),
    "password": _l("password changed"),
    "password_reset": _l("password reset"),
    "version": _l("replaced by a new version"),
    "dispute": _l("disputed"),
    "uphold": _l("dispute upheld"),
    "reject": _l("dispute rejected"),
    "rate": _l("rating recorded"),
    "pin_unlock": _l("wrong PINs cleared"),
    "sign_in_unlock": _l("allowed to sign in again"),
    "sign": _l("signed"),
    "acknowledge": _l("acknowledged"),
    "object": _l("objected to"),
    "grant_objection": _l("objection granted"),
    "reject_objection": _l("objection rejected"),
    "setup_link": _l("set-up link made"),
    "setup": _l("set up by its owner"),
    "reset": _l("PIN and password reset"),
    "posters": _l("posters printed"),
    "invite": _l("invited"),
    "remind": _l("reminders sent"),
    "give_feedback": _l("feedback given"),
    "confirm": _l("award confirmed"),
    "withdraw": _l("award withdrawn"),
    "tag": _l("tagged"),
    "answer": _l("answered and closed"),
}
# The fields an audit entry records (model attributes, and a few keys of their own), as the
# pages that change them call them; *_at moments are stored in UTC and shown in local time.
FIELDS = {
    "active": _l("Active"),
    "starts_at": _l("Starts at (UTC)"),
    "ends_at": _l("Ends at (UTC)"),
    "ended_via": _l("Ended by"),
    "hours": _l("Opening hours"),
    "lobby_shows_award": _l("Show the officer of the month on the lobby screen"),
    "address": _l("Address"),
    "code": _l("Code"),
    "name": _l("Name"),
    "timezone": _l("Time zone"),
    "username": _l("Username"),
    "role": _l("Role"),
    "nip": _l("NIP"),
    "unit_id": _l("Unit ID"),
    "officer_id": _l("Officer ID"),
    "desk_id": _l("Desk ID"),
    "kiosk_id": _l("Kiosk ID"),
    "officer": _l("Officer"),
    "desk": _l("Desk"),
    "name_id": _l("Name (Bahasa Indonesia)"),
    "name_en": _l("Name (English)"),
    "position": _l("Order"),
    "kind": _l("Kind"),
    "text_id": _l("Text (Bahasa Indonesia)"),
    "text_en": _l("Text (English)"),
    "labels_id": _l("Answer labels (Bahasa Indonesia)"),
    "labels_en": _l("Answer labels (English)"),
    "skm_element": _l("SKM element"),
    "channel": _l("Channel"),
    "weight": _l("Weight"),
    "replaces": _l("Replaces"),
    "replaced_by": _l("Replaced by"),
    "starts_on": _l("First day"),
    "ends_on": _l("Last day"),
    "status": _l("Status"),
    "min_n": _l("Minimum number of responses for a score"),
    "verified_weight": _l("Weight of a verified survey response"),
    "max_votes_per_hour": _l("Citizens a desk serves in an hour, at most"),
    "qr_weight_pct": _l("Weight of the phone survey in the combined score (percent)"),
    "rating_above": _l("“Above expectations” from this score"),
    "rating_below": _l("“Below expectations” under this score"),
    "expires_at": _l("Valid until"),
    "revoked_at": _l("Revoked at"),
    "started_at": _l("Started at"),
    "ended_at": _l("Ended at"),
    "comment_hidden": _l("Hidden"),
    "photo": _l("Photo"),
    "bytes": _l("Size (bytes)"),
    "type": _l("File type"),
    "officers": _l("Officers"),
    "period": _l("Period ID"),
    "response": _l("Response ID"),
    "reason": _l("Reason"),
    "resolution": _l("Ruling"),
    "suggested": _l("Suggested rating"),
    "rating": _l("Supervisor's rating"),
    "pin_failures": _l("Wrong PINs"),
    "pin_locked_until": _l("PIN locked until"),
    "sources": _l("Sign-ins refused from"),
    "password": _l("Password set"),
    "pin": _l("Kiosk PIN set"),
    "pdf": _l("PDF"),
    "size": _l("Size"),
    "head_officer_id": _l("Head of the unit (officer ID)"),
    "appraiser": _l("Appraiser (pejabat penilai)"),
    "superior": _l("Appraiser's superior (atasan pejabat penilai)"),
    "valid_from": _l("From"),
    "valid_to": _l("Until"),
    "achieved": _l("Achieved"),
    "note": _l("Note"),
    "evidence_url": _l("Evidence link"),
    "evidence_file": _l("Evidence file"),
    "result": _l("Work result ID"),
    "value": _l("BerAKHLAK value"),
    "author_role": _l("Written as"),
    "results_rating": _l("Work-result rating"),
    "behaviour_rating": _l("Behaviour rating"),
    "predikat": _l("Predikat"),
    "rows": _l("Ratings of the work results (by ID)"),
    "signed_at": _l("Signed at"),
    "text": _l("Text"),
    "round": _l("Feedback round ID"),
    "rater": _l("Rater (officer ID)"),
    "rater_account": _l("Rater (account ID)"),
    "min_raters": _l("Fewest peers or team members shown"),
    "due_on": _l("Answers asked by"),
    "raters": _l("Raters reminded"),
    "emailed": _l("Reminded by e-mail"),
    "failed": _l("E-mails not sent"),
    "withdrawn": _l("Withdrawn"),
    "reminder_email": _l("E-mail address for reminders given"),
    "invitations": _l("Invitations"),
    "month": _l("Month"),
    "proposed_officer": _l("Proposed officer (ID)"),
    "score": _l("Score"),
    "n": _l("Counted responses"),
    "citation": _l("Citation"),
    "tag": _l("Tag"),
    "answer": _l("Answer"),
    "closed": _l("Closed"),
    "enabled": _l("Switched on"),
    "params": _l("Thresholds"),
    "emails": _l("E-mail addresses"),
    "webhook_url": _l("Webhook address"),
    "comment": _l("Comment"),
}
# Where one name means something else on one kind of record.
ENTITY_FIELDS = {
    ("officer", "position"): _l("Position (jabatan)"),
    ("skp_unit_result", "result"): _l("Unit result"),
}


def _value(value) -> str:
    return getattr(value, "value", value)


@bp.app_template_global()
def now_utc():
    return utcnow()


@bp.app_template_filter("nip")
def nip_filter(nip: str) -> str:
    return format_nip(nip) if nip and len(nip) == 18 else (nip or "")


@bp.app_template_filter("options")
def options_filter(rows) -> list[tuple]:
    return [(row.id, row.name) for row in rows]


@bp.app_template_filter("desk_label")
def desk_label(desk) -> str:
    return f"{desk.unit.name} / {desk.name}"


@bp.app_template_filter("desk_options")
def desk_options(desks) -> list[tuple]:
    return [(desk.id, desk_label(desk)) for desk in desks]


@bp.app_template_filter("role_label")
def role_label(role) -> str:
    return str(ROLE_LABELS.get(_value(role), role))


@bp.app_template_filter("role_options")
def role_options(roles) -> list[tuple]:
    return [(_value(role), role_label(role)) for role in roles]


@bp.app_template_filter("tz_label")
def tz_label(name: str) -> str:
    return f"{INDONESIAN_TIMEZONES[name]} ({name})" if name in INDONESIAN_TIMEZONES else name


@bp.app_template_filter("tz_option")
def tz_option(name: str) -> tuple:
    return (name, tz_label(name))


@bp.app_template_filter("local")
def local_time(moment, timezone: str) -> str:
    """The day and time alone; a page writes the zone beside it (``tz|zone``). Where nothing
    else is said, ``local_zone`` is the one to use."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.app_template_filter("local_zone")
def local_zone(moment, timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as a person reads it: the unit's local day and time with its zone,
    "2026-12-04 11:40 WITA"; "" for none."""
    return local_clock(moment, timezone, fmt) if moment else ""


# When a record belongs to no unit (an account of the administrators, a period, a file imported by
# an administrator), its times are read in the viewer's unit, and an administrator (who has none)
# reads them in WIB, the zone of the capital and of most units.
DEFAULT_TIMEZONE = "Asia/Jakarta"


@bp.app_template_global("unit_timezone")
def unit_timezone(unit_id: int | None = None) -> str:
    """The time zone of the unit ``unit_id``, else the viewer's unit's (see DEFAULT_TIMEZONE)."""
    zones = g.setdefault("unit_timezones", {})
    if unit_id is None:
        officer = getattr(current_user, "officer", None)
        own = getattr(current_user, "unit_id", None) or (officer.unit_id if officer is not None else None)
        return unit_timezone(own) if own is not None else DEFAULT_TIMEZONE
    if unit_id not in zones:
        zones[unit_id] = db.session.scalar(sa.select(Unit.timezone).where(Unit.id == unit_id)) or DEFAULT_TIMEZONE
    return zones[unit_id]


@bp.app_template_filter("masked")
def masked(text: str | None) -> str:
    """A citizen's comment as people may read it: profanity masked (reports.profanity)."""
    return mask(text)


@bp.app_template_filter("zone")
def zone(timezone: str) -> str:
    """The zone a local time is in, as people say it (WIB, WITA, WIT): ``t|local(tz)`` ``tz|zone``."""
    return INDONESIAN_TIMEZONES.get(timezone, timezone)


@bp.app_template_filter("kiosk_status_label")
def kiosk_status_label(status: str) -> str:
    return str(KIOSK_STATUS.get(status, status))


@bp.app_template_filter("status_label")
def status_label(status) -> str:
    # A context of its own: "Open" as a state reads differently from "Open" on a button.
    labels = {
        "draft": pgettext("period status", "Draft"),
        "open": pgettext("period status", "Open"),
        "closing": pgettext("period status", "Closing"),
        "closed": pgettext("period status", "Closed"),
    }
    return labels.get(_value(status), _value(status))


@bp.app_template_filter("via_label")
def via_label(via: str) -> str:
    return str(VIA.get(via, via))


@bp.app_template_filter("kind_label")
def kind_label(kind) -> str:
    return str(KINDS.get(_value(kind), kind))


@bp.app_template_filter("kind_options")
def kind_options(kinds) -> list[tuple]:
    return [(_value(kind), kind_label(kind)) for kind in kinds]


@bp.app_template_filter("channel_label")
def channel_label(channel) -> str:
    return str(CHANNELS.get(_value(channel), channel))


@bp.app_template_filter("channel_options")
def channel_options(channels) -> list[tuple]:
    return [(_value(channel), channel_label(channel)) for channel in channels]


@bp.app_template_filter("weight")
def weight_filter(weight) -> str:
    return "—" if weight is None else format(weight.normalize(), "f")


@bp.app_template_filter("entity_label")
def entity_label(entity: str) -> str:
    return str(ENTITIES.get(entity, entity))


@bp.app_template_filter("action_label")
def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def field_label(entity: str, field: str) -> str | None:
    """What the admin pages call ``field`` of an ``entity``, in the user's language; None for a
    field this list does not know."""
    label = ENTITY_FIELDS.get((entity, field)) or FIELDS.get(field)
    return str(label) if label is not None else None


@bp.app_template_filter("changes")
def changes_filter(values: dict | None, entity: str = "", timezone: str | None = None) -> Markup:
    """Before/after values of an audit entry as a short definition list: each field by its label,
    with the stored name as its title (what an export or the database calls it); a field
    without a label by its stored name, marked as code. Yes/no values read as words."""
    if not values:
        return Markup("")
    items = []
    for key, value in values.items():
        label = field_label(entity, key)
        term = (
            f'<dt title="{escape(key)}">{escape(label)}</dt>'
            if label is not None
            else f"<dt><code>{escape(key)}</code></dt>"
        )
        shown = "—" if value is None else (_("Yes") if value else _("No")) if isinstance(value, bool) else value
        if timezone and isinstance(value, str) and (moment := _moment(value)) is not None:
            shown = local_clock(moment, timezone, "%Y-%m-%d %H:%M")
        items.append(f"{term}<dd>{escape(shown)}</dd>")
    return Markup(f'<dl class="changes">{"".join(items)}</dl>')


def _moment(value: str) -> datetime | None:
    """An audit value that is a moment (stored as ISO 8601 with its UTC offset); None otherwise
    (a day alone, or any other text)."""
    if len(value) < 16 or value[4:5] != "-" or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
