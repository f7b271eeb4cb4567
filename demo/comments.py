"""The demo's comments as staff have worked on them: the latest comments of each unit tagged
(praise, complaint, suggestion), and one complaint answered and closed, through the same
operations (and audit) the comments page uses. The rest stays untagged, with its suggestion."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from core.db import db
from core.responses import Response
from org.models import Role, Unit, User
from reports.comments import answer_complaint, tag_comment
from reports.models import CommentTriage

# What staff made of the demo's comments (demo.data.COMMENTS), by their text.
TAGS = {
    "Petugasnya ramah dan sabar menjelaskan.": "praise",
    "Pelayanan cepat, terima kasih.": "praise",
    "Sangat membantu, prosesnya mudah.": "praise",
    "Service was quick and friendly.": "praise",
    "Antrean terlalu lama, mohon ditambah loket.": "complaint",
    "Ruang tunggu panas, AC tidak menyala.": "complaint",
    "Petugas sempat meninggalkan loket cukup lama.": "complaint",
    "Tempat parkir sempit.": "complaint",
    "Mohon jam layanan diperpanjang.": "suggestion",
    "Persyaratan sudah jelas di papan informasi.": "praise",
}
# The answer staff gave to each kind of complaint; the demo answers and closes one.
ANSWERS = {
    "Antrean terlalu lama, mohon ditambah loket.": "Mulai minggu ini loket 3 dibuka pada jam sibuk (08.00-10.00).",
    "Ruang tunggu panas, AC tidak menyala.": "AC ruang tunggu sudah diperbaiki teknisi pada hari yang sama.",
    "Petugas sempat meninggalkan loket cukup lama.": "Petugas sudah kami ingatkan; loket kini selalu dijaga pengganti.",
    "Tempat parkir sempit.": "Parkir tambahan di halaman samping kini dibuka untuk pengunjung.",
}
PER_UNIT = 8  # the latest comments of each unit that staff have tagged


def _actor(unit: Unit) -> User | None:
    """The unit's supervisor, or else an administrator: whoever the demo has."""
    for where in ((User.role == Role.SUPERVISOR, User.unit_id == unit.id), (User.role == Role.ADMIN,)):
        user = db.session.scalar(sa.select(User).where(*where).order_by(User.id))
        if user is not None:
            return user
    return None


def load_comments_demo(now: datetime, units: list[Unit]) -> str:
    tagged = answered = 0
    for unit in units:
        actor = _actor(unit)
        worked_on = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CommentTriage)
            .join(Response, Response.id == CommentTriage.response_id)
            .where(Response.unit_id == unit.id)
        )
        if actor is None or worked_on:  # loaded once: a second run changes nothing
            continue
        latest = db.session.scalars(
            sa.select(Response)
            .where(Response.unit_id == unit.id, Response.comment.in_(list(TAGS)), Response.comment_hidden.is_(False))
            .order_by(Response.cast_at.desc(), Response.id.desc())
            .limit(PER_UNIT)
        ).all()
        for response in latest:
            tag = TAGS[response.comment]
            # Tagged a little after the comment came in; never in the future.
            tag_comment(actor, response, tag, now=min(now, response.cast_at + timedelta(minutes=30)))
            tagged += 1
            if tag == "complaint" and not answered:
                answer = ANSWERS[response.comment]
                answer_complaint(actor, response, answer, now=min(now, response.cast_at + timedelta(hours=2)))
                answered += 1
    db.session.flush()
    return f"Comments: {tagged} tagged by staff, {answered} complaint answered and closed."
