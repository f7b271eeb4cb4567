"""Masking profanity in citizens' comments wherever a person reads one: the admin pages, an
officer's sheet, the exports, the audit log. The text in the database stays as the citizen wrote
it (it is evidence); nobody is shown it unmasked.

The words are maintained lists, never our own: glin-profanity's English dictionary and matcher
(PyPI), and the Indonesian list of the npm package ``indonesian-badwords``, vendored at a pinned
version and checked against its hash (``reports/vendor/README.md``: no PyPI package ships an
Indonesian list without a heavy dependency). glin-profanity's matcher sees through case,
stretched letters ("bangsaaat"), separators ("f.u.c.k"), leetspeak ("k0nt0l") and look-alike
Unicode letters. A matched word is replaced whole by ``MASK``, so that neither its letters nor
its length is shown.
"""

import hashlib
import json
import re
from functools import cache, lru_cache
from pathlib import Path

from glin_profanity import Filter

MASK = "***"
WORDLIST = Path(__file__).parent / "vendor" / "indonesian-badwords-1.0.1" / "dict.json"
WORDLIST_SHA256 = "c58aeaa90b4116b555dbff44ba9886097bfc9cf2574f738a1008289c9a7b3aaf"


def indonesian_words() -> list[str]:
    """The vendored Indonesian list, once checked against its pinned hash."""
    data = WORDLIST.read_bytes()
    if hashlib.sha256(data).hexdigest() != WORDLIST_SHA256:
        raise RuntimeError(f"{WORDLIST} is not the pinned word list")
    return sorted({word.strip().lower() for word in json.loads(data) if word.strip()})


@cache
def _filter() -> Filter:
    return Filter(
        {
            "languages": ["english"],  # glin-profanity's English dictionary, with the Indonesian words
            "custom_words": indonesian_words(),
            "detect_leetspeak": True,
            "replace_with": MASK,
            "obfuscation": "standard",
        }
    )


# A word with a doubled letter, four letters or more: what the matcher reads as perhaps stretched.
_STRETCHED = re.compile(r"[^\W_]*([^\W_])\1[^\W_]*")


@lru_cache(maxsize=4096)
def mask(text: str | None) -> str:
    """``text`` with every profane word replaced by ``MASK``; "" for no text."""
    if not text:
        return ""
    masked = str(_filter().check_profanity(text)["processed_text"])
    # glin-profanity 4.1 misses a stretched word that punctuation follows ("bangsaaat!"), though
    # it finds it alone: such words are checked once more on their own.
    return _STRETCHED.sub(lambda m: _word(m.group(0)), masked)


@lru_cache(maxsize=4096)
def _word(word: str) -> str:
    if len(word) < 4:
        return word
    return MASK if _filter().is_profane(word) else word


def is_profane(text: str | None) -> bool:
    return bool(text) and mask(text) != text
