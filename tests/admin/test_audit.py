"""The audit log page names what changed as the admin pages do, in the admin's language, with the
stored field name kept as a title; and every field the domain writes to the log has such a
label."""

import ast
import importlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from admin.templating import ENTITY_FIELDS, FIELDS, field_label
from appraisal.policy import set_policy
from core import audit
from core.db import db
from core.records import Kind
from kiosk.pairing import move_kiosk
from org.models import Role, Unit
from org.operations import update_desk
from tests.browser.a11y import assert_accessible
from tests.factories import PASSWORD, make_desk, make_kiosk, make_period, make_user, post, sign_in, text

ROOT = Path(__file__).resolve().parents[2]
# The packages whose functions write audit entries.
DOMAIN = [
    path
    for package in ("core", "org", "accounts", "appraisal", "kiosk", "survey", "reports")
    for path in sorted((ROOT / package).glob("*.py"))
]


def terms(html: str) -> list[tuple[str | None, str]]:
    """The (title, text) of each field named in the page's before/after lists."""
    return [
        (title, re.sub(r"<[^>]+>", "", inner))
        for title, inner in re.findall(r'<dt(?: title="([^"]*)")?>(.*?)</dt>', html)
    ]


@pytest.fixture
def logged(ctx):
    """An administrator, and three entries: a kiosk moved, a scoring policy changed, a desk shut."""
    admin = make_user(Role.ADMIN, username="pusat")
    desk = make_desk(name="Loket 1")
    kiosk, _token = make_kiosk(desk)
    move_kiosk(admin, kiosk, make_desk(unit=desk.unit, name="Loket 2"))
    period = make_period(min_n=30)
    set_policy(admin, period, {"min_n": "20", "qr_weight_pct": "70", "rating_above": "88.31", "rating_below": "76.61"})
    update_desk(admin, desk, {"name": "Loket 1", "active": False})
    db.session.commit()
    return admin


def test_the_audit_log_names_fields_in_bahasa_indonesia_first(client, logged):
    sign_in(client, logged)
    page = text(client.get("/admin/audit"))
    shown = terms(page)
    assert ("desk_id", "ID loket") in shown and ("desk", "Loket") in shown
    assert ("min_n", "Jumlah tanggapan paling sedikit agar skor dihitung") in shown
    assert ("active", "Aktif") in shown
    assert "<dd>Tidak</dd>" in page and "<dd>Ya</dd>" in page  # the desk was active, now is not
    assert not [text_ for title, text_ in shown if title is None]  # no field left without its label
    assert "<dt>desk_id</dt>" not in page and ">min_n<" not in page


def test_the_audit_log_names_fields_in_english_when_asked(client, logged):
    sign_in(client, logged)
    client.set_cookie("lang", "en")
    partial = text(client.get("/admin/audit?entity=kiosk", headers={"HX-Request": "true"}))
    assert terms(partial) == [("desk_id", "Desk ID"), ("desk", "Desk")] * 2  # before, after
    policy = terms(text(client.get("/admin/audit?entity=period")))
    assert ("min_n", "Minimum number of responses for a score") in policy


@pytest.mark.browser
def test_the_audit_log_in_chromium(logged, live_server, a11y_context, screenshot):
    page = a11y_context(viewport={"width": 1366, "height": 768}, locale="id-ID").new_page()
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("pusat")
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-password").press("Enter")
    page.goto(f"{live_server}/admin/audit")
    moved = page.locator("#audit tbody tr").filter(has_text="dipindah")
    expect(moved.locator("dt").first).to_have_text("ID loket")
    expect(moved.locator("dt").first).to_have_attribute("title", "desk_id")
    assert_accessible(page, "admin-audit-labels", screenshot)


def test_a_field_without_a_label_shows_its_stored_name_as_code(client, ctx):
    admin = make_user(Role.ADMIN)
    audit.record(admin, "update", "unit", 1, "Kantor Uji", before={"postcode": "10510"}, after={"postcode": None})
    db.session.commit()
    sign_in(client, admin)
    page = text(client.get("/admin/audit"))
    assert page.count("<dt><code>postcode</code></dt>") == 2 and "<dd>10510</dd>" in page and "<dd>—</dd>" in page


def test_one_name_is_labelled_by_what_it_means_on_its_record(client, ctx):
    admin = make_user(Role.ADMIN)
    audit.record(
        admin, "update", "officer", 1, "Budi", before={"position": "Analis"}, after={"position": "Verifikator"}
    )
    audit.record(admin, "update", "service", 2, "KTP-el", before={"position": 1}, after={"position": 2})
    db.session.commit()
    sign_in(client, admin)
    shown = terms(text(client.get("/admin/audit")))
    assert ("position", "Jabatan") in shown and ("position", "Urutan") in shown


# --- Every field the domain logs has a label ---------------------------------------------------------


def _keys(node, assigned: dict, module) -> set[str]:
    """The string keys a before/after argument can hold: dict literals, names bound to them in
    the same function, audit.snapshot(obj, FIELDS) and either branch of a conditional."""
    if isinstance(node, ast.Name) and node.id in assigned:
        return set().union(*(_keys(value, assigned, module) for value in assigned[node.id]))
    if isinstance(node, ast.Dict):
        found = set()
        for key, value in zip(node.keys, node.values):
            if key is None:
                found |= _keys(value, assigned, module)  # {**snapshot, ...}
            elif isinstance(key, ast.Constant):
                found.add(key.value)
        return found
    if isinstance(node, ast.IfExp):
        return _keys(node.body, assigned, module) | _keys(node.orelse, assigned, module)
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "snapshot":
        fields = node.args[1]
        if isinstance(fields, ast.Name):
            return set(getattr(module, fields.id))
        return {element.value for element in fields.elts}
    return set()


def recorded_fields() -> dict[str, str]:
    """Each field name that the domain passes to audit.record or audit.record_changes, with
    where."""
    found = {}
    for path in DOMAIN:
        module = importlib.import_module(f"{path.parent.name}.{path.stem}")
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef):
                continue
            assigned: dict[str, list] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
                        elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                            for name, value in zip(target.elts, node.value.elts):
                                if isinstance(name, ast.Name):
                                    assigned.setdefault(name.id, []).append(value)
                        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                            # after["reason"] = ...
                            assigned.setdefault(target.value.id, []).append(
                                ast.Dict(keys=[target.slice], values=[node.value])
                            )
            for call in ast.walk(function):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and getattr(call.func.value, "id", "") == "audit"
                    and call.func.attr in ("record", "record_changes")
                ):
                    continue
                values = [keyword.value for keyword in call.keywords if keyword.arg in ("before", "after")]
                if call.func.attr == "record_changes":
                    values.append(call.args[3])
                for value in values:
                    for key in _keys(value, assigned, module):
                        found.setdefault(key, f"{path.stem}.{function.name}")
    return found


def test_every_field_the_domain_logs_has_a_label():
    fields = recorded_fields()
    # The scan does see the log's fields of every kind: snapshots, literals, names, branches.
    assert {"desk_id", "min_n", "nip", "replaced_by", "replaces", "reason", "officer"} <= set(fields)
    missing = {name: where for name, where in fields.items() if name not in FIELDS}
    assert missing == {}, f"audit fields without a label in admin/templating.py FIELDS: {missing}"
    assert {entity for entity, _field in ENTITY_FIELDS} <= set(audit.ENTITIES)


def test_every_entity_and_action_the_domain_logs_has_a_label():
    from admin.templating import ACTIONS, ENTITIES

    for path in DOMAIN:
        for call in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and getattr(call.func.value, "id", "") == "audit"
                and call.func.attr == "record"
            ):
                action, entity = call.args[1], call.args[2]
                actions = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
                for node in actions:
                    if isinstance(node, ast.Constant):
                        assert node.value in ACTIONS, f"{path.name}: action {node.value!r} has no label"
                if isinstance(entity, ast.Constant):
                    assert entity.value in ENTITIES, f"{path.name}: entity {entity.value!r} has no label"


# --- Browsing the log -----------------------------------------------------------------------------------


def test_the_audit_log_can_be_browsed_and_filtered(client, admin):
    other = make_user(Role.ADMIN, username="cabang")
    post(client, "/admin/units", {"code": "kec-x", "name": "Kecamatan X", "timezone": "Asia/Jakarta"})
    unit = db.session.scalar(sa.select(Unit))
    sign_in(client, other)
    post(client, f"/admin/units/{unit.id}/desks", {"name": "Loket Z", "active": "1"})
    sign_in(client, admin)
    html = text(client.get("/admin/audit"))
    assert "pusat" in html and "cabang" in html and "Loket Z" in html
    by_user = text(client.get(f"/admin/audit?user={other.id}", headers={"HX-Request": "true"}))
    assert "Loket Z" in by_user and "Kecamatan X</span>" not in by_user
    by_entity = text(client.get("/admin/audit?entity=unit", headers={"HX-Request": "true"}))
    assert "Kecamatan X" in by_entity and "Loket Z" not in by_entity
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    assert "Nothing in this selection." in text(client.get(f"/admin/audit?from={tomorrow}"))


def _kinds():
    """Every kind of record the domain writes through ``core.records`` (its entity and fields)."""
    for path in DOMAIN:
        module = importlib.import_module(f"{path.parent.name}.{path.stem}")
        yield from (value for value in vars(module).values() if isinstance(value, Kind))


def test_the_records_written_through_core_records_have_labels_too():
    kinds = list(_kinds())
    assert {kind.entity for kind in kinds} >= {"unit", "service", "desk", "officer", "user"}
    for kind in kinds:
        assert kind.entity in audit.ENTITIES
        assert [name for name in kind.fields if field_label(kind.entity, name) is None] == [], kind.entity


def test_the_filter_offers_every_entity_the_domain_logs_each_with_its_label():
    from admin.templating import ENTITIES

    assert set(ENTITIES) == set(audit.ENTITIES)
    for path in DOMAIN:
        for call in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and getattr(call.func.value, "id", "") == "audit"
                and call.func.attr == "record"
                and isinstance(call.args[2], ast.Constant)
            ):
                assert call.args[2].value in audit.ENTITIES, f"{path.name}: {call.args[2].value!r} not in the filter"


def test_filtering_by_a_dispute_shows_only_disputes(client, admin):
    audit.record(admin, "dispute", "dispute", 7, "Tanggapan dibantah")
    audit.record(admin, "create", "unit", 1, "Kantor Lain")
    db.session.commit()
    page = text(client.get("/admin/audit?entity=dispute"))
    assert "Tanggapan dibantah" in page and "Kantor Lain" not in page
    assert '<option value="dispute" selected>Dispute</option>' in page
