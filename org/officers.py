"""State changes for officers (ASN): create, edit, delete, photo, and bulk import from CSV or
XLSX (with a template file to fill in). An officer's kiosk PIN is theirs alone to set
(``accounts.setup``).

The import is all or nothing, and it runs in steps whose progress is kept in an ``ImportJob``
row, so a long file shows a progress bar and any server process can take the next step:
1. ``start_import`` reads the file into rows (a file that cannot be read is refused at once);
2. ``import_step`` checks the next chunk of rows, collecting "line N: reason" for each bad one;
3. after the last chunk: any bad row refuses the whole file; otherwise every officer is inserted
   in one transaction.
"""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
import zlib
from collections.abc import Generator
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db, has_rows, utcnow
from core.errors import AccessDenied, AdminError, Invalid
from core.records import Kind, created, deleted, updated

from .access import can_manage_import, require_unit, scoped
from .models import Duty, ImportJob, Officer, Unit, User
from .nip import InvalidNIP, normalize_nip

OFFICER_FIELDS = ("nip", "name", "position", "unit_id", "active")
OFFICER = Kind("officer", OFFICER_FIELDS)
IMPORT_MAX_ROWS = 5000
IMPORT_CHUNK = 200
# What a file of IMPORT_MAX_ROWS officers needs, with room to spare; reading stops at each.
IMPORT_MAX_LINES = 2 * IMPORT_MAX_ROWS  # blank lines too
IMPORT_MAX_COLUMNS = 50
IMPORT_MAX_LINE = 64 * 1024  # characters of one CSV line
# A workbook of IMPORT_MAX_ROWS officers unpacks to a few MB; its parts are text, which deflate
# compresses some 5 to 20 times, and rarely past 100.
IMPORT_MAX_UNPACKED = 25 * 1024 * 1024
IMPORT_MAX_PARTS = 500
IMPORT_MAX_RATIO = 200

# Column names accepted in the first row of an import, in English or Bahasa Indonesia.
_COLUMNS = {
    "nip": "nip",
    "name": "name",
    "nama": "name",
    "position": "position",
    "jabatan": "position",
    "unit": "unit",
    "unit code": "unit",
    "unit_code": "unit",
    "kode unit": "unit",
    "kode_unit": "unit",
}


def _officer_values(actor: User, values: dict, officer: Officer | None = None) -> dict:
    """The form's checked values (``org.forms.OfficerForm``), with what needs the database: the
    NIP is nobody else's, and the unit exists and is the actor's to manage. An officer with no
    unit chosen stays in theirs (a new one goes to the actor's)."""
    clean = {name: values[name] for name in OFFICER_FIELDS}
    errors: dict = {}
    if has_rows(Officer, Officer.nip == clean["nip"], Officer.id != (officer.id if officer else -1)):
        errors["nip"] = "nip_taken"
    clean["unit_id"] = clean["unit_id"] or (officer.unit_id if officer else actor.unit_id)
    if not clean["unit_id"] or db.session.get(Unit, clean["unit_id"]) is None:
        errors["unit_id"] = "unknown_unit"
    if errors:
        raise Invalid(errors)
    require_unit(actor, clean["unit_id"])
    return clean


def create_officer(actor: User, values: dict, now: datetime | None = None) -> Officer:
    return created(actor, OFFICER, Officer(**_officer_values(actor, values)), now)


def update_officer(actor: User, officer: Officer, values: dict, now: datetime | None = None) -> Officer:
    require_unit(actor, officer.unit_id)
    clean = _officer_values(actor, values, officer)
    if clean["unit_id"] != officer.unit_id and has_rows(Duty, Duty.officer_id == officer.id, Duty.ended_at.is_(None)):
        # Moving to another unit while on duty at this one would leave a duty across units.
        raise AdminError("officer_in_use")
    return updated(actor, OFFICER, officer, clean, now)


def delete_officer(actor: User, officer: Officer, now: datetime | None = None) -> None:
    require_unit(actor, officer.unit_id)
    deleted(actor, OFFICER, officer, now)


def set_photo(actor: User, officer: Officer, data: bytes, mime: str, now: datetime | None = None) -> None:
    """Store a photo that its form checked (``org.forms.PhotoForm``: a JPEG or PNG, by decoding it)."""
    require_unit(actor, officer.unit_id)
    had = officer.has_photo
    officer.photo, officer.photo_mime = data, mime
    db.session.flush()
    audit.record(
        actor,
        "photo",
        "officer",
        officer.id,
        officer.name,
        before={"photo": had},
        after={"photo": True, "bytes": len(data), "type": mime},
        unit_id=officer.unit_id,
        now=now,
    )


def remove_photo(actor: User, officer: Officer, now: datetime | None = None) -> None:
    require_unit(actor, officer.unit_id)
    if officer.has_photo:
        officer.photo, officer.photo_mime = None, None
        db.session.flush()
        audit.record(
            actor,
            "photo",
            "officer",
            officer.id,
            officer.name,
            before={"photo": True},
            after={"photo": False},
            unit_id=officer.unit_id,
            now=now,
        )


def officers_query(user: User, search: str = "", unit_id: int | None = None, active: str = ""):
    query = scoped(sa.select(Officer).join(Officer.unit), Officer.unit_id, user)
    if unit_id:
        query = query.where(Officer.unit_id == unit_id)
    if active == "yes":
        query = query.where(Officer.active.is_(True))
    elif active == "no":
        query = query.where(Officer.active.is_(False))
    if search:
        text = search.strip().lower()
        digits = "".join(ch for ch in text if ch.isdigit())
        conditions = [sa.func.lower(Officer.name).like(f"%{text}%"), sa.func.lower(Officer.position).like(f"%{text}%")]
        if digits:
            conditions.append(Officer.nip.like(f"%{digits}%"))
        query = query.where(sa.or_(*conditions))
    return query.order_by(Officer.name, Officer.id)


# --- Import ---------------------------------------------------------------------------------------

# The template to fill in: the header the import reads, and one example row it accepts (kept,
# it imports one officer; the help beside the form says to replace it).
TEMPLATE_HEADER = ("nip", "name", "position", "unit")
TEMPLATE_EXAMPLE = ("19860926 201505 2 001", "Siti Rahmawati", "Analis Pelayanan")


def import_template(fmt: str, unit_code: str) -> bytes:
    """The import's template as ``fmt`` ("csv" or "xlsx"), its example row of the unit
    ``unit_code``. The NIP is text in the workbook: a NIP typed as a number loses its digits."""
    row = (*TEMPLATE_EXAMPLE, unit_code)
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerows([TEMPLATE_HEADER, row])
        return text.getvalue().encode("utf-8-sig")  # Excel reads UTF-8 only with its mark
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "petugas"
    sheet.append(TEMPLATE_HEADER)
    sheet.append(row)
    for cell in sheet["A"]:
        cell.number_format = "@"
    for column, width in zip("ABCD", (26, 30, 30, 20), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # An 18-digit NIP typed as a number: a float cannot hold it, the digits are already lost.
        return f"#float:{value!r}"
    text = str(value).strip()
    if "\x00" in text:  # no real cell holds one, and PostgreSQL cannot store it
        raise Invalid({"file": ("file_unreadable", {"reason": "NUL"})})
    return text


def _csv_rows(data: bytes) -> Generator[list[str], None, None]:
    """The rows of a CSV file, one at a time. The file is already in memory (the upload's size
    is limited: ``org.forms.IMPORT_MAX_BYTES``); its rows are not, so that reading stops at the
    row limit, and a line longer than any officer's is refused before it becomes cells."""
    # UTF-8, or the Windows code page Excel writes a CSV in; a byte neither knows is no text file.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid({"file": ("file_unreadable", {"reason": "UnicodeDecodeError"})})
    if "\x00" in text:  # a binary file under a .csv name; PostgreSQL could not store it either
        raise Invalid({"file": ("file_unreadable", {"reason": "NUL"})})
    first = text.split("\n", 1)[0]
    # Excel in an Indonesian locale writes ";" between columns.
    delimiter = max(",;\t", key=first.count)

    def lines():
        for line in io.StringIO(text, newline=""):
            if len(line) > IMPORT_MAX_LINE:
                raise Invalid({"file": ("file_line_long", {"max": IMPORT_MAX_LINE // 1024})})
            yield line

    try:
        for row in csv.reader(lines(), delimiter=delimiter):
            yield [cell.strip() for cell in row[:IMPORT_MAX_COLUMNS]]
    except csv.Error as error:  # e.g. a quoted field that never ends
        raise Invalid({"file": ("file_unreadable", {"reason": str(error)[:100]})}) from None


# What a damaged workbook raises: a broken zip or compressed part, a part missing, XML that does
# not parse (or that defusedxml refuses: entities, a DTD), a cell that is not what its type says.
# A read-only workbook parses its sheet while the rows are read, so these come from reading the
# rows as well as from opening it.
_BROKEN_XLSX = (zipfile.BadZipFile, zlib.error, EOFError, LookupError, ValueError, OSError, SyntaxError)


def _check_workbook_size(data: bytes) -> None:
    """Refuse a workbook whose parts would unpack to more than any list of officers, before any
    of it is unpacked: the zip's directory says how large each part is, and reading a part never
    yields more than that (zipfile stops there). A part far more compressed than text ever is
    is a zip bomb, whatever its size."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise Invalid({"file": ("file_unreadable", {"reason": type(error).__name__})}) from None
    limit = IMPORT_MAX_UNPACKED // (1024 * 1024)
    if len(parts) > IMPORT_MAX_PARTS or sum(part.file_size for part in parts) > IMPORT_MAX_UNPACKED:
        raise Invalid({"file": ("file_unpacked", {"max": limit})})
    for part in parts:
        if part.file_size > 1024 * 1024 and part.file_size > IMPORT_MAX_RATIO * max(part.compress_size, 1):
            raise Invalid({"file": ("file_unpacked", {"max": limit})})


def _xlsx_rows(data: bytes) -> Generator[list[str], None, None]:
    """The rows of the first sheet of a workbook, parsed as they are read (openpyxl's read-only
    mode, with defusedxml), at most IMPORT_MAX_COLUMNS wide and IMPORT_MAX_LINES long whatever
    the sheet's own dimensions claim (openpyxl fills the rows and columns a sheet says it has)."""
    from openpyxl import load_workbook

    _check_workbook_size(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _BROKEN_XLSX as error:
        raise Invalid({"file": ("file_unreadable", {"reason": type(error).__name__})}) from None
    try:
        if not workbook.worksheets:
            return
        rows = workbook.worksheets[0].iter_rows(
            max_col=IMPORT_MAX_COLUMNS, max_row=IMPORT_MAX_LINES + 1, values_only=True
        )
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except _BROKEN_XLSX as error:
                raise Invalid({"file": ("file_unreadable", {"reason": type(error).__name__})}) from None
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def read_rows(filename: str, data: bytes, max_rows: int = IMPORT_MAX_ROWS) -> list[dict]:
    """The file's officers as ``{"line", "nip", "name", "position", "unit"}`` (line 1 is the
    header). Rows are read one at a time, and reading stops as soon as the file has more
    officers than ``max_rows`` (or more lines, blank ones too, than IMPORT_MAX_LINES). Raises
    Invalid({"file": ...}) for a file that cannot be read at all."""
    name = (filename or "").lower()
    if not data:
        raise Invalid({"file": "file_required"})
    if name.endswith(".csv"):
        table = _csv_rows(data)
    elif name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    else:
        raise Invalid({"file": "file_type"})
    header = None
    rows: list[dict] = []
    try:
        for line, cells in enumerate(table, start=1):
            if header is None:
                header = [_COLUMNS.get(str(cell).strip().lower()) for cell in cells]
                missing = [column for column in ("nip", "name") if column not in header]
                if missing:
                    raise Invalid({"file": ("file_columns", {"missing": ", ".join(missing)})})
                continue
            if line > IMPORT_MAX_LINES:
                raise Invalid({"file": ("file_too_many", {"max": max_rows})})
            if not any(str(cell).strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise Invalid({"file": ("file_too_many", {"max": max_rows})})
            row = {"line": line, "nip": "", "name": "", "position": "", "unit": ""}
            for column, cell in zip(header, cells):
                if column:
                    row[column] = str(cell).strip()
            rows.append(row)
    finally:
        table.close()
    if not rows:
        raise Invalid({"file": "file_empty"})
    return rows


def start_import(
    actor: User, filename: str, data: bytes, unit_id: int | None = None, now: datetime | None = None
) -> ImportJob:
    """Read the file and make the job; nothing is checked or imported yet. ``unit_id`` is the
    unit of rows without a unit code (a supervisor's own unit, always; an administrator's may be
    None: every row names its unit)."""
    if not actor.is_admin:
        unit_id = actor.unit_id
    require_unit(actor, unit_id)
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise Invalid({"unit_id": "unknown_unit"})
    rows = read_rows(filename, data)
    job = ImportJob(
        user_id=actor.id,
        unit_id=unit_id,
        filename=(filename or "")[:200],
        status="checking",
        total=len(rows),
        checked=0,
        rows=rows,
        errors=[],
        created_at=now or utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _row_errors(
    actor: User, job: ImportJob, row: dict, units: dict[str, Unit], seen: dict[str, int], taken: set[str]
) -> list[tuple[str, str, dict]]:
    """(field, code, params) for each problem of one row; fills ``row["n"]`` with its NIP."""
    problems: list[tuple[str, str, dict]] = []
    raw = row["nip"]
    if raw.startswith("#float:"):
        problems.append(("nip", "nip_number", {}))
    else:
        try:
            nip = normalize_nip(raw)
            row["n"] = nip
            if nip in seen:
                problems.append(("nip", "nip_repeated", {"line": seen[nip]}))
            elif nip in taken:
                problems.append(("nip", "nip_taken", {}))
        except InvalidNIP as error:
            problems.append(("nip", error.code, {}))
    if not row["name"]:
        problems.append(("name", "required", {}))
    elif len(row["name"]) > 200:
        problems.append(("name", "too_long", {"max": 200}))
    if len(row["position"]) > 200:
        problems.append(("position", "too_long", {"max": 200}))
    code = row["unit"].strip().lower()
    if code:
        unit = units.get(code)
        if unit is None:
            problems.append(("unit", "unit_unknown", {"code": row["unit"][:40]}))
        elif not actor.is_admin and unit.id != actor.unit_id:
            problems.append(("unit", "unit_not_yours", {"code": row["unit"][:40]}))
        else:
            row["u"] = unit.id
    elif job.unit_id is None:
        problems.append(("unit", "unit_missing", {}))
    else:
        row["u"] = job.unit_id
    return problems


def import_step(actor: User, job: ImportJob, chunk: int = IMPORT_CHUNK, now: datetime | None = None) -> ImportJob:
    """Check the next ``chunk`` rows; after the last, import everything or refuse the file.

    Safe when two requests step the same job at once: the progress is written with a
    compare-and-set on ``checked``, and the loser changes nothing.
    """
    if not can_manage_import(actor, job):
        raise AccessDenied()
    if job.status != "checking":
        return job
    now = now or utcnow()
    start = job.checked
    rows = [dict(row) for row in job.rows]
    part = rows[start : start + chunk]
    units = {unit.code.lower(): unit for unit in db.session.scalars(sa.select(Unit))}
    seen = {row["n"]: row["line"] for row in rows[:start] if row.get("n")}
    candidates = set()
    for row in part:
        with contextlib.suppress(InvalidNIP):
            candidates.add(normalize_nip(row["nip"]))
    taken = set(db.session.scalars(sa.select(Officer.nip).where(Officer.nip.in_(candidates)))) if candidates else set()
    errors = list(job.errors)
    for row in part:
        for field, code, params in _row_errors(actor, job, row, units, seen, taken):
            errors.append({"line": row["line"], "field": field, "code": code, "params": params})
        if row.get("n") and row["n"] not in seen:
            seen[row["n"]] = row["line"]
    checked = start + len(part)
    status = job.status
    if checked >= job.total:
        status = "refused" if errors else "importing"
    result = db.session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.checked == start)
        .values(checked=checked, rows=rows, errors=errors, status=status)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE answers a CursorResult, which counts its rows (SQLAlchemy types it as any Result).
    claimed = cast(sa.CursorResult, result).rowcount
    db.session.refresh(job)
    if claimed != 1:
        return job
    if status == "refused":
        job.finished_at = now
    elif status == "importing":
        _import_all(actor, job, rows, now)
    db.session.flush()
    return job


def _import_all(actor: User, job: ImportJob, rows: list[dict], now: datetime) -> None:
    nips = [row["n"] for row in rows]
    clash = db.session.scalar(sa.select(Officer.nip).where(Officer.nip.in_(nips)).limit(1))
    if clash:
        raise AdminError("import_conflict", nip=clash)
    officers = [
        Officer(nip=row["n"], name=row["name"], position=row["position"], unit_id=row["u"], active=True) for row in rows
    ]
    try:
        with db.session.begin_nested():
            db.session.add_all(officers)
    except IntegrityError:
        clash = db.session.scalar(sa.select(Officer.nip).where(Officer.nip.in_(nips)).limit(1))
        raise AdminError("import_conflict", nip=clash or "") from None
    for officer in officers:
        audit.record(
            actor,
            "create",
            "officer",
            officer.id,
            officer.name,
            after=audit.snapshot(officer, OFFICER_FIELDS),
            unit_id=officer.unit_id,
            now=now,
        )
    audit.record(
        actor, "import", "import", job.id, job.filename, after={"officers": len(officers)}, unit_id=job.unit_id, now=now
    )
    job.status, job.imported, job.finished_at = "done", len(officers), now


def fail_import(job: ImportJob, error: AdminError, now: datetime | None = None) -> None:
    """Mark a job that could not import (after the caller rolled back its step)."""
    job.status = "failed"
    job.errors = [{"line": 0, "field": "file", "code": error.code, "params": error.params}]
    job.finished_at = now or utcnow()
    db.session.flush()


def import_jobs_of(user: User):
    return scoped(sa.select(ImportJob).order_by(ImportJob.id.desc()), ImportJob.unit_id, user)
