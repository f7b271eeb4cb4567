"""Rough edges a new office hit with its desks (issue 20), each held by a test: two desks of a unit
may not share a name (whatever its case or spacing), in the form, in the database and in the
migration that brings older installations there; the confirmation does not say "Loket" twice; the
duty roster (one unit at a time) and the pairing form tell same-named desks of different units
apart."""

import json
import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.exc import IntegrityError

from app import create_app
from config import TestConfig
from core.db import db
from org.models import Desk, Role
from tests.factories import make_desk, make_unit, make_user, post, sign_in, text
from tests.kiosk.test_migration_0008 import _values


def desk_names(unit) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Desk.name).where(Desk.unit_id == unit.id)))


@pytest.mark.parametrize(
    "lang,message",
    [
        ("en", "This unit already has a desk with this name."),
        ("id", "Unit ini sudah memiliki loket dengan nama ini."),
    ],
)
@pytest.mark.parametrize("typed", ["Loket A", "loket a", "  LOKET   A "])
def test_a_second_desk_of_the_same_name_is_refused_with_a_clear_message(client, ctx, lang, message, typed):
    unit = make_unit()
    make_desk(unit=unit, name="Loket A")
    sign_in(client, make_user(Role.SUPERVISOR, unit=unit))
    client.set_cookie("lang", lang)
    refused = post(client, f"/admin/units/{unit.id}/desks", {"name": typed, "active": "1"}, htmx=True)
    assert refused.status_code == 422
    assert message in text(refused)
    assert desk_names(unit) == ["Loket A"]
    # The plain form (no JavaScript) says the same.
    plain = post(client, f"/admin/units/{unit.id}/desks", {"name": typed, "active": "1"})
    assert plain.status_code == 422 and message in text(plain)
    assert desk_names(unit) == ["Loket A"]


def test_renaming_a_desk_onto_another_is_refused_but_its_own_name_may_change_case(client, admin):
    unit = make_unit()
    make_desk(unit=unit, name="Loket A")
    other = make_desk(unit=unit, name="Loket B")
    refused = post(client, f"/admin/desks/{other.id}/edit", {"name": "LOKET A", "active": "1"}, htmx=True)
    assert refused.status_code == 422 and "already has a desk with this name" in text(refused)
    assert desk_names(unit) == ["Loket A", "Loket B"]
    saved = post(client, f"/admin/desks/{other.id}/edit", {"name": "loket b", "active": "1"}, htmx=True)
    assert saved.status_code == 200
    assert desk_names(unit) == ["Loket A", "loket b"]


def test_the_same_desk_name_in_another_unit_is_fine(client, admin):
    first, second = make_unit(), make_unit()
    make_desk(unit=first, name="Loket A")
    response = post(client, f"/admin/units/{second.id}/desks", {"name": "Loket A", "active": "1"}, htmx=True)
    assert response.status_code == 200
    assert desk_names(second) == ["Loket A"]


def test_the_database_refuses_a_duplicate_that_skips_the_form(ctx):
    unit = make_unit()
    make_desk(unit=unit, name="Loket A")
    db.session.add(Desk(unit=unit, name="loket  A"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "lang,created,saved,confirm",
    [
        ("en", "Loket A added.", "Loket C saved.", "Delete Loket C?"),
        ("id", "Loket A ditambahkan.", "Loket C disimpan.", "Hapus Loket C?"),
    ],
)
def test_the_confirmations_name_the_desk_once(client, admin, lang, created, saved, confirm):
    unit = make_unit()
    client.set_cookie("lang", lang)
    response = post(client, f"/admin/units/{unit.id}/desks", {"name": "Loket A", "active": "1"}, htmx=True)
    assert created in text(response) and "Loket Loket" not in text(response)
    desk = db.session.scalar(sa.select(Desk).where(Desk.unit_id == unit.id))
    response = post(client, f"/admin/desks/{desk.id}/edit", {"name": "Loket C", "active": "1"}, htmx=True)
    assert saved in text(response) and "Loket Loket" not in text(response)
    asked = text(client.get(f"/admin/desks/{desk.id}/delete"))
    assert confirm in asked and "Loket Loket" not in asked and "loket Loket" not in asked


def test_duty_and_pairing_lists_tell_same_named_desks_of_two_units_apart(client, admin):
    north = make_unit(name="Kecamatan Utara")
    south = make_unit(name="Kecamatan Selatan")
    desks = [make_desk(unit=north, name="Loket 1"), make_desk(unit=south, name="Loket 1")]
    pairing = text(client.get("/admin/kiosks"))
    for desk, other in (desks, desks[::-1]):
        label = f"{desk.unit.name} / Loket 1"
        assert f'<option value="{desk.id}"' in pairing and label in pairing
        # The roster shows one unit at a time, named in its heading: only that unit's Loket 1.
        duty = text(client.get(f"/admin/duty?unit={desk.unit_id}"))
        assert f"<h1>Duty roster: {desk.unit.name}</h1>" in duty
        assert f'id="duty-desk-{desk.id}"' in duty and f'id="duty-desk-{other.id}"' not in duty
        desk_filter = re.search(r'<select id="duty-desk".*?</select>', duty, re.S).group(0)
        assert f'value="{desk.id}"' in desk_filter and f'value="{other.id}"' not in desk_filter


# --- Migration 0011: older installations ------------------------------------------------------------


def test_0011_renames_duplicate_desks_then_makes_names_unique(tmp_path):
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'old.db'}", "memory://"))
    with app.app_context():
        upgrade(revision="0010")
        tables = sa.MetaData()
        tables.reflect(bind=db.engine)
        unit, desk, indicator = tables.tables["unit"], tables.tables["desk"], tables.tables["indicator"]
        with db.engine.begin() as connection:
            for unit_id in (1, 2):
                connection.execute(
                    unit.insert().values(_values(unit, id=unit_id, code=f"u{unit_id}", timezone="Asia/Jakarta"))
                )
            for desk_id, unit_id, name in [
                (1, 1, "Loket A"),
                (2, 1, "loket a"),
                (3, 1, "Loket A (2)"),
                (4, 1, " Loket  A "),
                (5, 2, "Loket A"),
                (6, 1, "Loket B"),
            ]:
                connection.execute(
                    desk.insert().values(_values(desk, id=desk_id, unit_id=unit_id, name=name, code=f"c{desk_id}"))
                )
            # An office that reworded U2's English labels keeps its own words.
            connection.execute(
                indicator.update()
                .where(indicator.c.code == "U2")
                .values(labels_en=["Hard", "Tricky", "Easy", "Simple"])
            )

        upgrade()

        with db.engine.connect() as connection:
            names = dict(connection.execute(sa.text("SELECT id, name FROM desk")).all())
            labels = dict(connection.execute(sa.text("SELECT code, labels_en FROM indicator")).all())
        # The oldest keeps its name; the others get the next number no desk of the unit has.
        assert names == {1: "Loket A", 2: "loket a (3)", 3: "Loket A (2)", 4: "Loket A (4)", 5: "Loket A", 6: "Loket B"}
        decoded = {code: value if isinstance(value, list) else json.loads(value) for code, value in labels.items()}
        assert decoded["U3"] == ["Slow", "Not very fast", "Fast", "Very fast"]
        assert decoded["U2"] == ["Hard", "Tricky", "Easy", "Simple"]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO desk (unit_id, name, name_key, code, active) VALUES (1, 'x', 'loket b', 'c9', 1)")
            )
        db.engine.dispose()
