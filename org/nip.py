"""NIP, the 18-digit number that identifies a civil servant (ASN) in BKN's systems.

Layout for a PNS: ``YYYYMMDD YYYYMM G NNN`` = date of birth, start of appointment, gender
(1 male, 2 female), sequence. PPPK numbers are 18 digits too, but their middle segments mean
other things, so only the parts common to both are checked: 18 digits, a real birth date, and the
gender digit. The appointment segment is never a reason to reject.
"""

import re
from datetime import date, datetime, timezone

_SEPARATORS = re.compile(r"[\s.\-]")
_BIRTH_DATE = "The first 8 digits of a NIP must be a real date of birth (YYYYMMDD)."


class InvalidNIP(ValueError):
    """The reason is in ``args[0]``, in English; ``code`` names its message among the field
    messages of ``core.errors.Invalid``, which are translated."""

    def __init__(self, reason: str, code: str):
        super().__init__(reason)
        self.code = code


def normalize_nip(raw: str) -> str:
    """Return the 18 digits of ``raw`` (spaces, dots and dashes removed) or raise InvalidNIP."""
    nip = _SEPARATORS.sub("", raw or "")
    if not nip.isascii() or not nip.isdigit() or len(nip) != 18:
        raise InvalidNIP("A NIP has exactly 18 digits.", "nip_length")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise InvalidNIP(_BIRTH_DATE, "nip_birth_date") from None
    if born.year < 1900 or born > datetime.now(timezone.utc).date():
        raise InvalidNIP(_BIRTH_DATE, "nip_birth_date")
    if nip[14] not in "12":
        raise InvalidNIP("Digit 15 of a NIP is the gender code: 1 or 2.", "nip_gender")
    return nip


def format_nip(nip: str) -> str:
    """``198609262015051001`` -> ``19860926 201505 1 001``, as it is printed on documents."""
    return f"{nip[0:8]} {nip[8:14]} {nip[14]} {nip[15:18]}"
