"""The alerts' pages: the list (full page and partial), the navigation's badge (polled, and
checking the user's units, throttled), acknowledging with a comment, a unit's settings; who may
see what; every refusal changes nothing."""

import sqlalchemy as sa

from alerts.models import Alert, AlertSetting, AlertStatus
from core.audit import AuditLog
from core.db import db, utcnow
from core.extensions import limiter
from org.models import Role
from tests.alerts.world import NOW, dispute, period_now
from tests.factories import audit_entries, make_user, post, sign_in, text


def raise_alert(unit, rule="dispute_waiting", subject="dispute:1", **values):
    alert = Alert(unit_id=unit.id, rule=rule, subject=subject, detail=values.pop("detail", {}), raised_at=NOW, **values)
    db.session.add(alert)
    db.session.commit()
    return alert


def supervisor_of(client, unit):
    user = make_user(Role.SUPERVISOR, unit=unit)
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return user


def test_the_list_shows_open_alerts_as_a_page_and_as_a_partial(client, factories):
    unit = factories.unit(name="Kantor Samsat")
    supervisor_of(client, unit)
    raise_alert(unit, detail={"officer": "Sari Dewi", "period": "Q4", "filed_at": NOW.isoformat()})
    page = client.get("/admin/alerts/")
    assert page.status_code == 200 and "<h1>Alerts</h1>" in text(page)
    assert "Sari Dewi disputes a response of Q4 (since 2026-12-07 10:00 WIB)" in text(page)
    assert "2026-12-07 10:00 WIB" in text(page) and 'id="alerts-badge"' in text(page)
    partial = client.get("/admin/alerts/?status=open", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<h1>" not in text(partial)
    assert text(partial).lstrip().startswith('<div id="alerts">') and "Sari Dewi" in text(partial)
    assert "HX-Request" in partial.headers["Vary"]
    done = client.get("/admin/alerts/?status=acknowledged", headers={"HX-Request": "true"})
    assert "Sari Dewi" not in text(done) and "No alerts found." in text(done)


def test_a_supervisor_sees_her_units_alerts_only_an_officer_none(client, factories):
    unit, other = factories.unit(), factories.unit()
    raise_alert(unit, detail={"officer": "Mine"})
    theirs = raise_alert(other, detail={"officer": "Theirs"})
    supervisor_of(client, unit)
    page = text(client.get("/admin/alerts/?status=all"))
    assert "Mine" in page and "Theirs" not in page
    assert "Mine" in text(client.get(f"/admin/alerts/?status=all&unit={other.id}"))  # a foreign unit: ignored
    refused = post(client, f"/admin/alerts/{theirs.id}/acknowledge", {"comment": "Sudah"}, htmx=True)
    assert refused.status_code == 403
    assert client.get(f"/admin/alerts/settings?unit={other.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(Alert, theirs.id).status == AlertStatus.OPEN
    officer = make_user(Role.OFFICER, unit=unit)
    sign_in(client, officer)
    for path in ("/admin/alerts/", "/admin/alerts/badge", "/admin/alerts/settings"):
        assert client.get(path, headers={"HX-Request": "true"}).status_code == 403
    assert 'id="alerts-badge"' not in text(client.get("/admin/"))


def test_an_administrator_sees_every_unit(client, factories, admin):
    one, two = factories.unit(), factories.unit()
    raise_alert(one, detail={"officer": "First"})
    raise_alert(two, detail={"officer": "Second"})
    page = text(client.get("/admin/alerts/"))
    assert "First" in page and "Second" in page
    only = text(client.get(f"/admin/alerts/?unit={two.id}", headers={"HX-Request": "true"}))
    assert "First" not in only and "Second" in only


def test_acknowledging_needs_a_comment_and_is_audited(client, factories):
    unit = factories.unit()
    user = supervisor_of(client, unit)
    alert = raise_alert(unit)
    path = f"/admin/alerts/{alert.id}/acknowledge"
    empty = post(client, path, {"comment": "  "}, htmx=True)
    assert empty.status_code == 422 and "Say what was done about it" in text(empty)
    too_long = post(client, path, {"comment": "x" * 1001}, htmx=True)
    assert too_long.status_code == 422 and "At most 1000 characters." in text(too_long)
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status == AlertStatus.OPEN
    assert audit_entries(entity="alert") == []
    done = post(client, path, {"comment": "Petugas loket 2 diganti sementara"}, htmx=True)
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "alert-acknowledged"
    assert "Alert acknowledged." in text(done) and "Petugas loket 2 diganti sementara" in text(done)
    assert text(done).lstrip().startswith(f'<article id="alert-{alert.id}"')
    db.session.expire_all()
    stored = db.session.get(Alert, alert.id)
    assert stored.status == AlertStatus.ACKNOWLEDGED and stored.acknowledged_by == user.id
    assert stored.comment == "Petugas loket 2 diganti sementara"
    [entry] = audit_entries(entity="alert")
    assert (entry.action, entry.entity_id, entry.unit_id) == ("acknowledge", alert.id, unit.id)
    assert entry.after == {"status": "acknowledged", "comment": "Petugas loket 2 diganti sementara"}
    again = post(client, path, {"comment": "Lagi"}, htmx=True)
    assert again.status_code == 409 and "already acknowledged" in text(again)
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).comment == "Petugas loket 2 diganti sementara"
    assert len(audit_entries(entity="alert")) == 1


def test_acknowledging_without_htmx_redirects_or_shows_the_message(client, factories):
    unit = factories.unit()
    supervisor_of(client, unit)
    alert = raise_alert(unit)
    refused = post(client, f"/admin/alerts/{alert.id}/acknowledge", {"comment": ""})
    assert refused.status_code == 422 and "<h1>Alerts</h1>" in text(refused)
    done = post(client, f"/admin/alerts/{alert.id}/acknowledge", {"comment": "Sudah ditangani"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/alerts/")
    assert post(client, "/admin/alerts/999999/acknowledge", {"comment": "x"}).status_code == 404


def test_the_badge_counts_open_alerts_and_checks_the_units_throttled(client, factories):
    unit = factories.unit()
    supervisor_of(client, unit)
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    dispute(officer, period, desk, at=utcnow())
    badge = client.get("/admin/alerts/badge", headers={"HX-Request": "true"})
    assert badge.status_code == 200 and badge.headers["Cache-Control"] == "no-store"
    assert '<span class="badge warn">1<span class="visually-hidden"> open alert</span></span>' in text(badge)
    dispute(officer, period, desk, at=utcnow())
    # Checked less than 30 seconds ago: the second dispute waits for the next check.
    assert ">1<" in text(client.get("/admin/alerts/badge", headers={"HX-Request": "true"}))
    limiter.reset()
    assert ">2<" in text(client.get("/admin/alerts/badge", headers={"HX-Request": "true"}))
    # A plain visit of the badge's address goes to the list.
    plain = client.get("/admin/alerts/badge")
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/admin/alerts/")


def test_the_badge_is_empty_without_open_alerts(client, factories):
    unit = factories.unit()
    supervisor_of(client, unit)
    raise_alert(unit, status=AlertStatus.ACKNOWLEDGED, comment="ok")
    assert text(client.get("/admin/alerts/badge", headers={"HX-Request": "true"})).strip() == ""


def test_the_settings_page_shows_each_rule_with_its_defaults(client, factories):
    unit = factories.unit()
    supervisor_of(client, unit)
    page = text(client.get("/admin/alerts/settings"))
    for label in ("Unhappy citizens at a desk", "A kiosk is silent", "A dispute is waiting", "An integrity warning"):
        assert label in page
    assert 'id="rule-unhappy_desk-share_pct" name="share_pct" type="number" value="50"' in page
    assert 'id="rule-kiosk_silent-minutes" name="minutes" type="number" value="5"' in page


def test_saving_a_rules_setting_is_audited(client, factories):
    unit = factories.unit()
    supervisor_of(client, unit)
    path = f"/admin/alerts/settings/{unit.id}/unhappy_desk"
    values = {
        "enabled": "1",
        "share_pct": "60",
        "min_votes": "5",
        "window_minutes": "20",
        "emails": "kepala@kantor.go.id,  wakil@kantor.go.id",
        "webhook_url": "https://chat.kantor.go.id/hooks/abc",
    }
    done = post(client, path, values, htmx=True)
    assert done.status_code == 200 and "Saved." in text(done) and done.headers["HX-Trigger"] == "alert-setting-saved"
    db.session.expire_all()
    setting = db.session.scalar(sa.select(AlertSetting).where(AlertSetting.unit_id == unit.id))
    assert (setting.enabled, setting.params) == (True, {"share_pct": 60, "min_votes": 5, "window_minutes": 20})
    assert setting.emails == "kepala@kantor.go.id, wakil@kantor.go.id"
    assert setting.webhook_url == "https://chat.kantor.go.id/hooks/abc"
    [entry] = audit_entries(entity="alert_setting")
    assert entry.action == "create" and entry.unit_id == unit.id
    off = post(client, path, {**values, "enabled": ""}, htmx=True)
    assert off.status_code == 200
    db.session.expire_all()
    assert db.session.get(AlertSetting, setting.id).enabled is False
    [_, change] = audit_entries(entity="alert_setting")
    assert change.action == "update" and change.before == {"enabled": True} and change.after == {"enabled": False}
    plain = post(client, path, values)
    assert plain.status_code == 303 and f"unit={unit.id}" in plain.headers["Location"]


def test_bad_settings_are_refused_and_change_nothing(client, factories):
    unit = factories.unit()
    supervisor_of(client, unit)
    path = f"/admin/alerts/settings/{unit.id}/kiosk_silent"
    good = {"enabled": "1", "minutes": "5", "emails": "", "webhook_url": ""}
    for field, value, message in (
        ("minutes", "1", "Enter a whole number from 2 to 240."),
        ("minutes", "lima", "Enter a whole number."),
        ("minutes", "", "Enter a whole number from 2 to 240."),
        ("emails", "kepala@kantor, bukan", "Enter e-mail addresses separated by commas"),
        ("emails", ",".join(f"a{i}@kantor.go.id" for i in range(11)), "At most 10 e-mail addresses."),
        ("webhook_url", "ftp://chat.kantor.go.id/x", "A webhook address starts with http:// or https://"),
        ("webhook_url", "javascript:alert(1)", "A webhook address starts with http://"),
        ("webhook_url", "http://169.254.169.254/latest/meta-data", "link-local"),
        ("webhook_url", "http://127.0.0.1:8000/admin", "not this machine"),
        ("webhook_url", "http://localhost/x", "not this machine"),
    ):
        refused = post(client, path, {**good, field: value}, htmx=True)
        assert refused.status_code == 422, (field, value)
        assert message in text(refused), (field, value)
    plain = post(client, path, {**good, "minutes": "999"})
    assert plain.status_code == 422 and "<h1>Alert settings:" in text(plain) and "from 2 to 240" in text(plain)
    assert post(client, f"/admin/alerts/settings/{unit.id}/no_such_rule", good, htmx=True).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlertSetting)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_an_administrator_picks_the_unit_of_the_settings(client, factories, admin):
    factories.unit(name="Kantor A")
    second = factories.unit(name="Kantor B")
    page = text(client.get(f"/admin/alerts/settings?unit={second.id}"))
    assert "Alert settings: Kantor B" in page and 'id="settings-unit"' in page
    assert client.get("/admin/alerts/settings?unit=999999").status_code == 404


def test_a_check_that_fails_leaves_the_badge_counting(client, factories, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from alerts import admin_views

    unit = factories.unit()
    supervisor_of(client, unit)
    raise_alert(unit)

    def broken(units):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(admin_views, "check_due", broken)
    badge = client.get("/admin/alerts/badge", headers={"HX-Request": "true"})
    assert badge.status_code == 200 and ">1<" in text(badge)


def test_the_open_list_puts_new_alerts_on_top_and_keeps_what_it_shows(client, factories):
    """The list's poller asks for alerts raised since the newest it knows; they come out of band,
    on top of the list, so that an alert whose comment is being typed is never replaced."""
    unit, other = factories.unit(name="Kantor Samsat"), factories.unit(name="Kantor Lain")
    supervisor_of(client, unit)
    first = raise_alert(unit, subject="dispute:1")
    page = text(client.get("/admin/alerts/"))
    assert f"/admin/alerts/fresh?after={first.id}" in page and 'id="alerts-stack"' in page
    assert '<p id="alerts-empty" class="panel" hidden>' in page
    nothing = client.get(f"/admin/alerts/fresh?after={first.id}", headers={"HX-Request": "true"})
    assert nothing.status_code == 200 and "hx-swap-oob" not in text(nothing)
    newer = raise_alert(unit, subject="dispute:2")
    raise_alert(other, subject="dispute:3")  # another unit's: never this supervisor's
    fresh = text(client.get(f"/admin/alerts/fresh?after={first.id}", headers={"HX-Request": "true"}))
    assert 'hx-swap-oob="afterbegin:#alerts-stack"' in fresh
    assert f'id="alert-{newer.id}"' in fresh and f'id="alert-{first.id}"' not in fresh
    assert fresh.count('<article id="alert-') == 1
    assert f"/admin/alerts/fresh?after={newer.id}" in fresh  # the poller goes on from the newest
    # Without htmx, or for an officer: the list itself, or nothing.
    assert client.get("/admin/alerts/fresh?after=0").status_code == 303


def test_an_empty_open_list_loses_its_all_is_well_line_when_an_alert_comes(client, factories):
    unit = factories.unit(name="Kantor Samsat")
    supervisor_of(client, unit)
    page = text(client.get("/admin/alerts/"))
    assert '<p id="alerts-empty" class="panel" >' in page and "/admin/alerts/fresh?after=0" in page
    raise_alert(unit)
    fresh = text(client.get("/admin/alerts/fresh?after=0", headers={"HX-Request": "true"}))
    assert '<p id="alerts-empty" hx-swap-oob="delete">' in fresh
    assert "fresh" not in text(client.get("/admin/alerts/?status=acknowledged"))  # only the open list lives
