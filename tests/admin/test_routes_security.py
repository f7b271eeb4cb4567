"""Every route of the application, found in its URL map (so routes added later are covered too):
- each admin route refuses an anonymous visitor (to the sign-in page) and a wrong role (403);
- every state-changing request without a valid CSRF token is refused, in every area."""

import re

import pytest
from flask import json

from org.models import Role
from tests.factories import make_unit, make_user, sign_in

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints that take state-changing requests without a CSRF token, each for a stated reason.
CSRF_EXEMPT = {
    # The kiosk's vote API: the device authenticates with a SameSite=Strict cookie, the body must be
    # JSON (no cross-site form can send that without a CORS preflight, never granted), and a token
    # would expire while votes wait in an offline kiosk's queue.
    "kiosk.vote",
}
# Signing in, and an officer's set-up link (opened before they have a password: accounts.setup).
PUBLIC_ADMIN = {
    "admin.accounts.login",
    "admin.accounts.setup",
    "admin.accounts.setup_link",
    "admin.accounts.setup_submit",
}
# Pages every signed-in user has: their own account. Nothing else is open to an officer.
EVERYONE = {"admin.index", "admin.accounts.me", "admin.accounts.password", "admin.accounts.logout"}
# An officer's own things: the one-time survey code for the citizen they just served, and their own
# appraisal sheet with its disputes (the views check that the sheet and the response are theirs;
# tests/test_reports.py holds them to it).
OFFICERS_OWN = {
    "admin.accounts.my_pin",  # their own kiosk PIN
    "admin.survey.my_service_code",
    "admin.reports.reports_index",
    "admin.reports.sheet",
    "admin.reports.dispute_response",
}
# The SKP's planning stage: an officer's own plan, or an appraisee's when the reporting lines make
# her an appraiser (skp.access.can_view_skp / can_plan decide, tests/skp/test_planning.py holds
# the views to it).
OFFICERS_OWN |= {
    f"admin.skp.{name}"
    for name in (
        "index",
        "create",
        "plan",
        "agreement",
        "result_add",
        "result_row",
        "result_edit",
        "result_update",
        "result_delete",
        "result_move",
        "expectation",
        "agree_plan",
    )
}
# The SKP's evaluation of a period: the officer reads hers, acknowledges or objects; an officer
# who is an appraiser or an appraiser's superior by the reporting lines rates or decides
# (org.access.can_appraise / can_decide_objection decide; tests/skp/test_roles.py holds the views
# to it).
OFFICERS_OWN |= {
    f"admin.skp.{name}"
    for name in (
        "evaluation",
        "evaluation_ratings",
        "evaluation_preview",
        "evaluation_sign",
        "evaluation_reopen",
        "evaluation_acknowledge",
        "evaluation_object",
        "evaluation_decide",
    )
}
# What the officer achieved, with its evidence, and the continuous feedback (skp.realisation
# checks the officer of the SKP or her appraiser; tests/skp/test_realisation.py and
# test_feedback.py hold the views to it); the evaluation document (org.access.can_view_sheet).
# The unit's distribution: its managers, and the appraiser of its head, who may be an officer
# (org.access.can_rate_unit; tests/skp/test_distribution.py holds the view to it).
OFFICERS_OWN |= {
    f"admin.skp.{name}" for name in ("realisation", "feedback", "evidence", "document", "document_pdf", "distribution")
}
# The officer of the month: an officer's own award history and certificates (awards.admin_views
# checks the officer or a manager of her unit; tests/awards/test_pages.py holds it to it).
OFFICERS_OWN |= {f"admin.awards.{name}" for name in ("index", "history", "certificate", "certificate_pdf")}
# 360° feedback: a rater's own requests and the answer behind his personal link (feedback.operations
# checks the link is his; tests/feedback/test_invitations.py holds the views to it).
OFFICERS_OWN |= {f"admin.feedback.{name}" for name in ("requests", "reminder_email", "answer", "answer_submit")}
# 360° feedback results: an officer's own rounds and her results once closed, or an appraisee's
# (feedback.results_views.may_read: herself, org.access.can_view_sheet, the round's unit managers);
# praise between colleagues (skp.realisation.is_colleague). tests/feedback/test_anonymity.py,
# test_results_pages.py and tests/skp/test_praise.py hold the views to it.
OFFICERS_OWN |= {"admin.feedback.my_results", "admin.feedback.results", "admin.skp.praise", "admin.skp.praise_post"}
# Shared by every unit, so only administrators change them.
ADMIN_ONLY_PREFIXES = (
    "admin.appraisal.period",
    "admin.appraisal.indicator",
    "admin.reports.period_",
    "admin.accounts.user",
    "admin.audit",
    "admin.org.unit_",
)


def _url(rule) -> str:
    def value(match):
        converter = match.group(1) or "string"
        return "1" if converter.startswith("int") else "x1"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", value, rule.rule)


def _rules(app, prefix: str = ""):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static" and r.rule.startswith(prefix)),
        key=lambda r: r.rule,
    )


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _token(client) -> str:
    html = client.get("/admin/login", follow_redirects=True).get_data(as_text=True)
    return re.search(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"', html).group(1)


def _send(client, method, url, token=None, htmx=False):
    headers = {"X-CSRFToken": token} if token else {}
    if htmx:
        headers["HX-Request"] = "true"
    return client.open(url, method=method, headers=headers, data={})


def test_the_walk_finds_the_admin_area(app):
    endpoints = {r.endpoint for r in _rules(app, "/admin")}
    assert len(endpoints) > 50
    assert {
        "admin.org.officers_list",
        "admin.reports.closing.close",
        "admin.org.officer_import_upload",
        "admin.audit_log",
    } <= endpoints


def test_every_admin_view_says_who_may_use_it(app):
    admin_only = 0
    for rule in _rules(app, "/admin"):
        if rule.endpoint in PUBLIC_ADMIN:
            continue
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        assert roles, f"{rule.endpoint} declares no roles"
        if Role.OFFICER in roles:
            assert rule.endpoint in EVERYONE | OFFICERS_OWN, f"officers must not reach {rule.endpoint}"
        if rule.endpoint.startswith(ADMIN_ONLY_PREFIXES):
            assert roles == {Role.ADMIN}, f"{rule.endpoint} must be for administrators only"
            admin_only += 1
    assert admin_only >= 20  # the prefixes name real endpoints


def test_anonymous_visitors_are_sent_to_sign_in(app, ctx):
    client = app.test_client()
    token = _token(client)
    checked = 0
    for rule in _rules(app, "/admin"):
        if rule.endpoint in PUBLIC_ADMIN:
            continue
        for method in _methods(rule):
            url = _url(rule)
            response = _send(client, method, url, token)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/admin/login"), (method, url)
            htmx_response = _send(client, method, url, token, htmx=True)
            assert htmx_response.status_code == 401 and htmx_response.headers["HX-Redirect"].startswith("/admin/login")
            checked += 1
    assert checked > 60


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
def test_a_wrong_role_is_refused_on_every_admin_route(app, ctx, role):
    user = make_user(role, unit=make_unit())
    client = sign_in(app.test_client(), user)
    token = _token(client)
    refused = 0
    for rule in _rules(app, "/admin"):
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", frozenset())
        if rule.endpoint in PUBLIC_ADMIN or role in roles:
            continue
        for method in _methods(rule):
            response = _send(client, method, _url(rule), token)
            assert response.status_code == 403, (role, method, rule.rule, response.status_code)
            refused += 1
    assert refused > (50 if role == Role.OFFICER else 25)


def test_a_supervisor_cannot_reach_another_units_things(app, ctx):
    # The same role on another unit's objects: refused by the scope check, not by the role.
    from tests.conftest import make_desk, make_officer

    own, other = make_unit(), make_unit()
    desk, officer = make_desk(unit=other), make_officer(unit=other)
    client = sign_in(app.test_client(), make_user(Role.SUPERVISOR, unit=own))
    token = _token(client)
    for method, url in [
        ("GET", f"/admin/units/{other.id}"),
        ("GET", f"/admin/officers/{officer.id}"),
        ("POST", f"/admin/officers/{officer.id}/edit"),
        ("POST", f"/admin/desks/{desk.id}/delete"),
        ("POST", f"/admin/units/{other.id}/desks"),
        ("GET", f"/admin/desks/{desk.id}/edit"),
    ]:
        assert _send(client, method, url, token).status_code == 403, (method, url)


def test_every_state_changing_request_needs_a_csrf_token(app, ctx):
    admin = make_user(Role.ADMIN)
    checked = []
    for rule in _rules(app):
        for method in sorted(set(_methods(rule)) & STATE_CHANGING):
            if rule.endpoint in CSRF_EXEMPT:
                continue
            client = app.test_client()
            if rule.rule.startswith("/admin"):
                sign_in(client, admin)
            client.get("/admin/login")  # a session with a token exists; the request just does not send it
            for htmx in (False, True):
                response = _send(client, method, _url(rule), htmx=htmx)
                assert response.status_code == 400, (method, rule.rule, response.status_code)
                assert "kedaluwarsa" in response.get_data(as_text=True)
            checked.append(rule.endpoint)
    areas = {endpoint.split(".")[0] for endpoint in checked}
    assert {"admin", "kiosk", "survey"} <= areas
    assert "admin.accounts.login" in checked and "admin.accounts.logout" in checked


def test_a_wrong_csrf_token_is_refused_too(app, ctx):
    client = sign_in(app.test_client(), make_user(Role.ADMIN))
    response = client.post(
        "/admin/units", data={"csrf_token": "forged", "code": "x-1", "name": "X", "timezone": "Asia/Jakarta"}
    )
    assert response.status_code == 400


def test_the_exempt_endpoint_really_is_exempt_and_json_only(app, ctx):
    # Documented above: without a device cookie the vote API answers 401, not a CSRF 400.
    response = app.test_client().post("/kiosk/vote", data=json.dumps({}), content_type="application/json")
    assert response.status_code == 401
