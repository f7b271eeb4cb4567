"""Template filters of the admin area: labels of codes in the user's language, and values as an
office reads them (a NIP in its printed groups, a moment in the unit's local time)."""

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from markupsafe import Markup, escape

from appraisal.db import utcnow
from appraisal.nip import format_nip

from . import bp

TIMEZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
ROLE_LABELS = {"admin": _l("Administrator"), "supervisor": _l("Supervisor"), "officer": _l("Officer")}
KIOSK_STATUS = {"online": _l("Online"), "offline": _l("Offline"), "revoked": _l("Revoked")}
VIA = {"pin": _l("PIN at the kiosk"), "admin": _l("admin area"), "demo": _l("demo"), "replaced": _l("replaced")}
KINDS = {"scale": _l("Scale question (1-4)"), "reason": _l("Kiosk reason")}
CHANNELS = {"kiosk": _l("Kiosk"), "qr": _l("QR survey"), "both": _l("Both")}
ENTITIES = {"unit": _l("Unit"), "service": _l("Service"), "desk": _l("Desk"), "officer": _l("Officer"),
            "kiosk": _l("Kiosk"), "duty": _l("Duty"), "period": _l("Period"), "indicator": _l("Indicator"),
            "comment": _l("Comment"), "user": _l("Account"), "import": _l("Import")}
ACTIONS = {"create": _l("created"), "update": _l("changed"), "delete": _l("deleted"), "open": _l("opened"),
           "close": _l("closed"), "reopen": _l("reopened"), "hide": _l("hidden"), "unhide": _l("shown again"),
           "revoke": _l("revoked"), "move": _l("moved"), "pairing_code": _l("pairing code made"),
           "duty_start": _l("duty started"), "duty_end": _l("duty ended"), "import": _l("imported"),
           "photo": _l("photo changed"), "pin": _l("PIN set"), "password": _l("password changed"),
           "password_reset": _l("password reset"), "version": _l("replaced by a new version")}


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
    return f"{TIMEZONE_NAMES[name]} ({name})" if name in TIMEZONE_NAMES else name


@bp.app_template_filter("tz_option")
def tz_option(name: str) -> tuple:
    return (name, tz_label(name))


@bp.app_template_filter("local")
def local_time(moment, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.app_template_filter("kiosk_status_label")
def kiosk_status_label(status: str) -> str:
    return str(KIOSK_STATUS.get(status, status))


@bp.app_template_filter("status_label")
def status_label(status) -> str:
    # A context of its own: "Open" as a state reads differently from "Open" on a button.
    labels = {"draft": pgettext("period status", "Draft"), "open": pgettext("period status", "Open"),
              "closed": pgettext("period status", "Closed")}
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


@bp.app_template_filter("changes")
def changes_filter(values: dict | None) -> Markup:
    """Before/after values of an audit entry as a short definition list."""
    if not values:
        return Markup("")
    items = "".join(f"<dt>{escape(key)}</dt><dd>{escape(value if value is not None else '—')}</dd>"
                    for key, value in values.items())
    return Markup(f'<dl class="changes">{items}</dl>')
