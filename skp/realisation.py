"""What was achieved on each work-result row in a period, with its evidence (realisasi berdasarkan
bukti dukung), and the continuous feedback of the period (umpan balik berkelanjutan), praise
between colleagues among it: the writes, and what the evaluation page shows of them
(:func:`page_context`).

Only the officer records her realisation; a row bound to a measured figure (``skp.measures``)
fills itself and takes only a note and evidence. Feedback is written by the officer or the
appraiser of the period, dated, and never edited: a correction is a new note. Nothing changes
unless the SKP is agreed and the period is open (a closed period is frozen like its scores).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from appraisal.berakhlak import BY_CODE, VALUES
from appraisal.models import Period, PeriodStatus
from appraisal.periods import open_period_on
from core import audit
from core.db import db, utcnow
from core.errors import AccessDenied, AdminError, Invalid
from core.i18n import current_locale
from org.access import can_appraise, period_unit
from org.models import Officer, Unit, User, local_clock

from .access import is_plan_officer
from .errors import SkpError
from .measures import figures
from .models import EvidenceFile, FeedbackNote, Realisation, Skp, SkpStatus, WorkResult
from .queries import in_year

NOTE_MAX = 2000  # characters of a realisation's note or a feedback note
URL_MAX = 500  # Realisation.evidence_url
NAME_MAX = 200  # EvidenceFile.name
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
# Numeric(14, 2): twelve digits before the point.
ACHIEVED_MAX = Decimal("999999999999.99")

# The evidence a file may be, told by its first bytes (and, for the office formats, by the parts
# of its zip), never by its name or the type the browser declares; the name must end with one of
# the type's extensions, so that what the appraiser downloads opens as what it says it is.
EVIDENCE_TYPES = {
    "pdf": ("application/pdf", (".pdf",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
}
ROLE_LABELS = {"appraiser": _l("Appraiser"), "officer": _l("Officer"), "colleague": _l("Colleague, praise")}
PRAISE_LIST = 10  # the praise a colleague sees of her own on the praise page


@dataclass(frozen=True)
class Upload:
    """A file as sent: its name and its bytes (at most one byte past the limit)."""

    name: str
    data: bytes


# --- Checks ------------------------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The evidence type of ``data`` (a key of EVIDENCE_TYPES), or None. An office file is a zip
    whose parts say which it is; one with macros (a vbaProject part) is none of them. Only the
    zip's directory is read, never a part inflated."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            return None
        if "[Content_Types].xml" not in names or any(name.lower().endswith("vbaproject.bin") for name in names):
            return None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
    return None


def clean_name(name: str) -> str:
    """The file's own name without any folder, control character or surrounding space, at most
    NAME_MAX characters with its extension kept."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = stem[: NAME_MAX - len(ext) - 1] + dot + ext if dot and len(ext) < 10 else name[:NAME_MAX]
    return name


def check_upload(upload: Upload) -> tuple[str, str]:
    """(clean name, MIME type) of an acceptable evidence file; raises Invalid on ``upload``."""
    if not upload.data:
        raise Invalid({"upload": "evidence_empty"})
    if len(upload.data) > EVIDENCE_MAX_BYTES:
        raise Invalid({"upload": ("evidence_size", {"max": EVIDENCE_MAX_BYTES // (1024 * 1024)})})
    kind = sniff(upload.data)
    name = clean_name(upload.name)
    if kind is None or not name.lower().endswith(EVIDENCE_TYPES[kind][1]):
        raise Invalid({"upload": "evidence_type"})
    return name, EVIDENCE_TYPES[kind][0]


def clean_url(url: str | None) -> str | None:
    """A link as evidence: http or https to a host, at most URL_MAX characters; None for none.
    Any other scheme (javascript:, data:, file:) would run or open something in the reader's
    browser instead of showing a page."""
    url = (url or "").strip()
    if not url:
        return None
    if len(url) > URL_MAX or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        raise Invalid({"evidence_url": "evidence_url"})
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid({"evidence_url": "evidence_url"}) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid({"evidence_url": "evidence_url"})
    return url


def _require_changeable(skp: Skp, period: Period) -> None:
    """An agreed SKP, a period of its year, and the period open."""
    if not in_year(skp, period):
        raise SkpError("period_other_year")
    if skp.status != SkpStatus.AGREED:
        raise SkpError("skp_not_agreed")
    if period.status == PeriodStatus.DRAFT:
        raise AdminError("period_draft")
    if period.status == PeriodStatus.CLOSED:
        raise AdminError("period_closed")


def locked_reason(skp: Skp, period: Period) -> str | None:
    """Why nothing of the period's realisation and feedback can change now (a message), or None."""
    try:
        _require_changeable(skp, period)
    except (SkpError, AdminError) as error:
        return error.message
    return None


def _text(value: str | None, field: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid({field: "required"})
    if len(value) > NOTE_MAX:
        raise Invalid({field: ("too_long", {"max": NOTE_MAX})})
    return value


# --- Realisation ----------------------------------------------------------------------------------


def _evidence_label(evidence: EvidenceFile | None) -> str | None:
    return f"{evidence.name} ({evidence.size} bytes, sha256 {evidence.sha256})" if evidence else None


def _realisation_state(realisation: Realisation) -> dict:
    return {
        "achieved": audit.snapshot(realisation, ["achieved"])["achieved"],
        "note": realisation.note,
        "evidence_url": realisation.evidence_url,
        "evidence_file": _evidence_label(realisation.evidence_file),
    }


def record_realisation(
    actor: User,
    result: WorkResult,
    period: Period,
    achieved: Decimal | None,
    note: str | None,
    evidence_url: str | None,
    upload: Upload | None,
    now: datetime | None = None,
    *,
    remove_file: bool = False,
) -> Realisation:
    """Record what the officer achieved on ``result`` in ``period``: the figure (not for a bound
    row: its figure comes from ``skp.measures``), a note, and evidence (a new file replaces the
    row's file, ``remove_file`` takes it off; the link is set as given). Only the officer of the
    SKP, on an agreed SKP in an open period of its year."""
    skp = result.skp
    if not is_plan_officer(actor, skp):
        raise AccessDenied()
    _require_changeable(skp, period)
    errors: dict = {}
    if result.measure is not None:
        if achieved is not None:
            errors["achieved"] = "achieved_bound"
    elif achieved is None:
        errors["achieved"] = "required"
    elif not (0 <= achieved <= ACHIEVED_MAX) or achieved != achieved.quantize(Decimal("0.01")):
        errors["achieved"] = "achieved_format"
    checks = (
        ("note", lambda: _text(note, "note", False)),
        ("evidence_url", lambda: clean_url(evidence_url)),
        ("upload", lambda: check_upload(upload) if upload is not None and (upload.data or upload.name) else None),
    )
    clean: dict[str, Any] = {}
    for field, check in checks:
        try:
            clean[field] = check()
        except Invalid as error:
            errors.update(error.fields)
    if errors:
        raise Invalid(errors)

    now = now or utcnow()
    realisation = db.session.scalar(
        sa.select(Realisation).where(Realisation.result_id == result.id, Realisation.period_id == period.id)
    )
    created = realisation is None
    if realisation is None:
        realisation = Realisation(result_id=result.id, period_id=period.id)
        db.session.add(realisation)
        before = None
    else:
        before = _realisation_state(realisation)
    realisation.achieved = achieved if result.measure is None else None
    realisation.note = clean["note"]
    realisation.evidence_url = clean["evidence_url"]
    if clean["upload"] is not None and upload is not None:  # checked only when there is an upload
        name, mime = clean["upload"]
        # A replaced file stays stored: the audit entry names it by its hash, and an objection
        # may turn on what the appraiser saw.
        realisation.evidence_file = EvidenceFile(
            name=name,
            mime=mime,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            data=upload.data,
            uploaded_at=now,
            uploaded_by=actor.id,
        )
    elif remove_file:
        realisation.evidence_file = None
    after = _realisation_state(realisation)
    if before is not None and before == after:
        return realisation
    realisation.recorded_at = now
    realisation.recorded_by = actor.id
    db.session.flush()
    changed = after if before is None else {k: v for k, v in after.items() if before[k] != v}
    audit.record(
        actor,
        "create" if created else "update",
        "skp_realisation",
        realisation.id,
        f"{skp.officer.name} · {period.name} · {result.description}",
        before=None if before is None else {k: before[k] for k in changed},
        after={"period": period.id, **changed} if created else changed,
        unit_id=skp.officer.unit_id,
        now=now,
    )
    return realisation


def evidence_of(skp: Skp, file_id: int) -> EvidenceFile | None:
    """An evidence file of one of the SKP's realisations (any period), or None: a file is read
    only through the SKP it proves, whose readers are known."""
    return db.session.scalar(
        sa.select(EvidenceFile)
        .join(Realisation, Realisation.evidence_file_id == EvidenceFile.id)
        .join(WorkResult, WorkResult.id == Realisation.result_id)
        .where(EvidenceFile.id == file_id, WorkResult.skp_id == skp.id)
        .limit(1)
    )


# --- Feedback -----------------------------------------------------------------------------------------


def feedback_role(user: User, skp: Skp, period: Period) -> str | None:
    """``"officer"`` or ``"appraiser"``: who ``user`` is towards the SKP in the period, as a
    writer of feedback; None for anyone else."""
    if is_plan_officer(user, skp):
        return "officer"
    if can_appraise(user, skp.officer, period):
        return "appraiser"
    return None


def add_feedback(
    actor: User,
    skp: Skp,
    period: Period,
    text: str,
    result: WorkResult | None = None,
    value: str | None = None,
    now: datetime | None = None,
) -> FeedbackNote:
    """A dated note of feedback on a row, on a BerAKHLAK value, or on the SKP as a whole, by the
    officer or the appraiser of the period; never edited afterwards."""
    role = feedback_role(actor, skp, period)
    if role is None:
        raise AccessDenied()
    _require_changeable(skp, period)
    if result is not None and value is not None:
        raise SkpError("one_subject")
    if result is not None and result.skp_id != skp.id:
        raise SkpError("unknown_result")
    if value is not None and value not in BY_CODE:
        raise SkpError("unknown_value")
    text = _text(text, "text", True)
    now = now or utcnow()
    note = FeedbackNote(
        skp_id=skp.id,
        period_id=period.id,
        result_id=result.id if result is not None else None,
        value=value,
        text=text,
        written_at=now,
        author_id=actor.id,
        author_role=role,
    )
    db.session.add(note)
    db.session.flush()
    subject = result.description if result is not None else (BY_CODE[value].name_id if value else "SKP")
    audit.record(
        actor,
        "create",
        "skp_feedback",
        note.id,
        f"{skp.officer.name} · {period.name} · {subject}",
        after={"period": period.id, "result": note.result_id, "value": value, "author_role": role, "text": text},
        unit_id=skp.officer.unit_id,
        now=now,
    )
    return note


# --- Praise between colleagues ------------------------------------------------------------------------
# Continuous feedback also runs sideways: a colleague of the officer's unit may praise her, on a
# BerAKHLAK value or on her work as a whole. Praise only, named, dated and never edited like any
# note (``author_role`` "colleague"); a colleague reads nothing of the SKP by writing it.


def _colleague_officer(user: User) -> Officer | None:
    if user is None or not user.active or user.officer_id is None:
        return None
    officer = db.session.get(Officer, user.officer_id)
    return officer if officer is not None and officer.active else None


def is_colleague(user: User, skp: Skp, period: Period) -> bool:
    """Another active officer of the unit the officer works in, or is appraised in for the period."""
    mine = _colleague_officer(user)
    if mine is None or mine.id == skp.officer_id:
        return False
    return mine.unit_id in (skp.officer.unit_id, period_unit(skp.officer, period.id))


def praise_period(user: User, now: datetime | None = None) -> Period | None:
    """The open period of today where the user works: the one praise is written in."""
    today = (now or utcnow()).astimezone(ZoneInfo(_zone_of(user))).date()
    return open_period_on(today)


def _zone_of(user: User) -> str:
    officer = _colleague_officer(user)
    return (officer.unit.timezone if officer is not None else None) or "Asia/Jakarta"


def praise_targets(user: User, period: Period) -> list[tuple[Officer, Skp]]:
    """The colleagues ``user`` may praise in ``period``: the other active officers of her unit
    whose SKP of the period's year is agreed, by name."""
    mine = _colleague_officer(user)
    if mine is None:
        return []
    rows = db.session.execute(
        sa.select(Officer, Skp)
        .join(Skp, Skp.officer_id == Officer.id)
        .where(
            Officer.unit_id == mine.unit_id,
            Officer.id != mine.id,
            Officer.active.is_(True),
            Skp.year == period.starts_on.year,
            Skp.status == SkpStatus.AGREED,
        )
        .order_by(Officer.name, Officer.id)
    ).all()
    return [(officer, skp) for officer, skp in rows if in_year(skp, period)]


def add_praise(
    actor: User, skp: Skp, period: Period, text: str, value: str | None = None, now: datetime | None = None
) -> FeedbackNote:
    """A colleague's praise of the officer, on a BerAKHLAK value or on her work as a whole: a
    feedback note written as "colleague", on an agreed SKP in an open period of its year."""
    if not is_colleague(actor, skp, period):
        raise AccessDenied()
    _require_changeable(skp, period)
    if value is not None and value not in BY_CODE:
        raise SkpError("unknown_value")
    text = _text(text, "text", True)
    now = now or utcnow()
    note = FeedbackNote(
        skp_id=skp.id,
        period_id=period.id,
        value=value,
        text=text,
        written_at=now,
        author_id=actor.id,
        author_role="colleague",
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "skp_feedback",
        note.id,
        f"{skp.officer.name} · {period.name} · {BY_CODE[value].name_id if value else 'SKP'}",
        after={"period": period.id, "value": value, "author_role": "colleague", "text": text},
        unit_id=skp.officer.unit_id,
        now=now,
    )
    return note


def praise_written(user: User, limit: int = PRAISE_LIST) -> list[dict]:
    """The latest praise ``user`` wrote: to whom, on what, when (in her unit's local time)."""
    zone = _zone_of(user)
    rows = db.session.execute(
        sa.select(FeedbackNote, Officer.name)
        .join(Skp, Skp.id == FeedbackNote.skp_id)
        .join(Officer, Officer.id == Skp.officer_id)
        .where(FeedbackNote.author_id == user.id, FeedbackNote.author_role == "colleague")
        .order_by(FeedbackNote.written_at.desc(), FeedbackNote.id.desc())
        .limit(limit)
    ).all()
    locale = current_locale()
    return [
        {
            "to": name,
            "value": BY_CODE[note.value].name(locale) if note.value in BY_CODE else None,
            "text": note.text,
            "written_at": note.written_at,
            "when": local_clock(note.written_at, zone, "%Y-%m-%d %H:%M"),
        }
        for note, name in rows
    ]


# --- What the evaluation page shows -----------------------------------------------------------------------


def _note_view(note: FeedbackNote, authors: dict, tz: str) -> dict:
    return {
        "id": note.id,
        "text": note.text,
        "role": note.author_role,
        "role_label": str(ROLE_LABELS.get(note.author_role, note.author_role)),
        "author": authors.get(note.author_id, ""),
        "written_at": note.written_at,
        "when": local_clock(note.written_at, tz, "%Y-%m-%d %H:%M"),
    }


def page_context(skp: Skp, period: Period, user: User, only: WorkResult | None = None) -> dict:
    """The realisation and feedback part of the evaluation page of ``skp`` in ``period`` for
    ``user``: each row (``rows``) with its realisation (the typed figure, or the bound figure
    with its label and unit), its evidence and its feedback notes; the notes per BerAKHLAK value
    (``values``) and on the SKP as a whole (``general``); what the user may do (``may_record``,
    ``may_feedback``) and, when nothing may change, why (``locked``). Notes are dated in the local
    time of the unit the period belongs to, with its zone. ``only``: that row alone."""
    officer = skp.officer
    unit = db.session.get_one(Unit, period_unit(officer, period.id))
    tz = unit.timezone or "Asia/Jakarta"
    results = [only] if only is not None else list(skp.results)
    ids = [r.id for r in results]
    realisations = (
        {
            r.result_id: r
            for r in db.session.scalars(
                sa.select(Realisation).where(Realisation.period_id == period.id, Realisation.result_id.in_(ids))
            )
        }
        if ids
        else {}
    )
    bound = [r.measure for r in results if r.measure is not None]
    measured = figures(officer, period, bound) if bound else {}
    where = [FeedbackNote.skp_id == skp.id, FeedbackNote.period_id == period.id]
    if only is not None:
        where.append(FeedbackNote.result_id == only.id)
    notes = db.session.scalars(
        sa.select(FeedbackNote).where(*where).order_by(FeedbackNote.written_at, FeedbackNote.id)
    ).all()
    author_ids = {n.author_id for n in notes if n.author_id is not None}
    # An author is named as the document names her: an officer's own name, else the account's.
    authors = (
        {
            user_id: officer_name or name or username
            for user_id, name, username, officer_name in db.session.execute(
                sa.select(User.id, User.name, User.username, Officer.name)
                .outerjoin(Officer, Officer.id == User.officer_id)
                .where(User.id.in_(author_ids))
            )
        }
        if author_ids
        else {}
    )
    by_result: dict = {}
    by_value: dict = {}
    general = []
    for note in notes:
        shown = _note_view(note, authors, tz)
        if note.result_id is not None:
            by_result.setdefault(note.result_id, []).append(shown)
        elif note.value is not None:
            by_value.setdefault(note.value, []).append(shown)
        else:
            general.append(shown)

    locked = locked_reason(skp, period)
    role = feedback_role(user, skp, period)
    rows = []
    for result in results:
        realisation = realisations.get(result.id)
        figure = measured.get(result.measure) if result.measure is not None else None
        rows.append(
            {
                "result": result,
                "realisation": realisation,
                "bound": figure is not None,
                "figure": figure,
                "achieved": figure.value if figure is not None else (realisation.achieved if realisation else None),
                "evidence_file": realisation.evidence_file if realisation else None,
                "evidence_url": realisation.evidence_url if realisation else None,
                "feedback": _subject(f"result-{result.id}", by_result.get(result.id, []), result_id=result.id),
            }
        )
    locale = current_locale()
    context = {
        "skp": skp,
        "period": period,
        "officer": officer,
        "unit": unit,
        "timezone": tz,
        "frozen": period.status == PeriodStatus.CLOSED,
        "locked": locked,
        "may_record": locked is None and is_plan_officer(user, skp),
        "may_feedback": locked is None and role is not None,
        "feedback_role": role,
        "rows": rows,
        "values": [
            {
                "value": v,
                "code": v.code,
                "name": v.name(locale),
                "feedback": _subject(f"value-{v.code}", by_value.get(v.code, []), value=v.code),
            }
            for v in VALUES
        ],
        "general": _subject("skp", general),
    }
    # The partials read this context as ``rc``, so that a page may spread it among its own
    # names (``render_template(..., **page_context(...))``) or pass it whole (``rc=...``).
    context["rc"] = context
    return context


def _subject(key: str, notes: list[dict], result_id: int | None = None, value: str | None = None) -> dict:
    """What a list of feedback notes is about, as ``templates/skp/_feedback.html`` reads it:
    ``key`` names its region (``feedback-<key>``) and its form."""
    return {"key": key, "result_id": result_id, "value": value, "notes": notes}
