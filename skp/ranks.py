"""An officer's rank (pangkat/golongan ruang), which the SKP's document and the SIASN export
show for the officer, her appraiser and the appraiser's superior. The administrator sets it on
the reporting-lines page; the officer form of ``org`` does not carry it."""

from __future__ import annotations

from datetime import datetime

from core import audit
from core.errors import Invalid
from org.access import require_admin
from org.models import Officer, User

# The ranks of a civil servant (PNS), golongan I/a to IV/e, with their pangkat (PP 99/2000).
RANKS: tuple[tuple[str, str], ...] = (
    ("I/a", "Juru Muda"),
    ("I/b", "Juru Muda Tingkat I"),
    ("I/c", "Juru"),
    ("I/d", "Juru Tingkat I"),
    ("II/a", "Pengatur Muda"),
    ("II/b", "Pengatur Muda Tingkat I"),
    ("II/c", "Pengatur"),
    ("II/d", "Pengatur Tingkat I"),
    ("III/a", "Penata Muda"),
    ("III/b", "Penata Muda Tingkat I"),
    ("III/c", "Penata"),
    ("III/d", "Penata Tingkat I"),
    ("IV/a", "Pembina"),
    ("IV/b", "Pembina Tingkat I"),
    ("IV/c", "Pembina Utama Muda"),
    ("IV/d", "Pembina Utama Madya"),
    ("IV/e", "Pembina Utama"),
)
CODES = frozenset(code for code, _name in RANKS)


def rank_label(code: str) -> str:
    """ "Penata Muda (III/a)" for "III/a"; any other text as it is."""
    names = dict(RANKS)
    return f"{names[code]} ({code})" if code in names else code


def set_rank(actor: User, officer: Officer, rank: str, now: datetime | None = None) -> Officer:
    """Set the officer's golongan ("" when unknown). An administrator's: a rank is a matter of
    the personnel office, not of a unit's supervisor."""
    require_admin(actor)
    if rank and rank not in CODES:
        raise Invalid({"rank": "choice"})
    before = {"rank": officer.rank}
    officer.rank = rank
    audit.record_changes(actor, "officer", officer, before, officer.name, unit_id=officer.unit_id, now=now)
    return officer
