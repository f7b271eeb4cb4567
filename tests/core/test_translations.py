"""Bahasa Indonesia is the default language: every message in the code must be translated."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "bi": None,
    "nbi": (1, 2),
    "Plural": (1, 2),
    "t": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_msgids() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=lambda path: (
            not any(part in path for part in (".venv", "migrations", "tests", "bench", "node_modules", "artifacts"))
        ),
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_an_indonesian_translation():
    with open(ROOT / "translations/id/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing, fuzzy, placeholders = [], [], []
    for msgid in sorted(extracted_msgids()):
        entry = catalog.get(msgid)
        # A plural entry holds a tuple of forms; every form must be there.
        forms = entry.string if entry is not None and isinstance(entry.string, tuple) else (entry and entry.string,)
        if entry is None or not all(forms):
            missing.append(msgid)
        elif entry.fuzzy:
            fuzzy.append(msgid)
        elif any(set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(form)) for form in forms):
            placeholders.append(msgid)
    assert not missing, f"untranslated (run `make messages` and translate): {missing}"
    assert not fuzzy, f"fuzzy translations to review: {fuzzy}"
    assert not placeholders, f"placeholders differ between English and Indonesian: {placeholders}"
