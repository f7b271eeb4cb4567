#!/usr/bin/env python3
"""Replay issue 13's four attacks against a running instance, over HTTP, and say what they moved.

    # from the project root
    export DATABASE_URL=sqlite:////tmp/replay/suara.db SECRET_KEY=replay-secret COOKIE_SECURE=0 BIND=127.0.0.1:8011
    .venv/bin/flask --app app db upgrade && .venv/bin/flask --app app demo --if-empty
    .venv/bin/gunicorn --config gunicorn.conf.py 'app:create_app()' &
    .venv/bin/python bench/attack_replay.py

Every attack request goes over HTTP to the instance (REPLAY_BASE, default http://127.0.0.1:8011).
The app is used in-process (``create_app()`` on the same DATABASE_URL) only for what an attacker
gets legitimately (a pairing code an administrator made, an officer put on duty or relieved as the
kiosk's PIN pad would do) and to read what was stored and the officers' scores with the production
functions (``reports.queries.officer_scores``). The officers' sheets are read over HTTP as the
administrator, and their provenance section is compared with what the response table holds.

Attacks (see ``issues show 13``), on the demo's data (PIN 246810, admin / suara-utama-2026):
1. backdated kiosk votes against a colleague (plus three probes: a time before pairing, the last
   seconds of a colleague's duty, and times inside an outage the kiosk staged by going silent);
2. spaced taps: 30 taps of 4 every 6 s (3 minutes; the hour is tests/kiosk/test_plausibility.py),
   and the same with a human jitter;
3. self-verified one-time codes (off duty, PIN-less, then legitimately minted codes answered by the
   officer's signed-in browser and the minting kiosk; then by a second device of the officer);
4. a static QR code stuffed 60 times with cleared cookies (plus a probe rotating the User-Agent
   from another local address).
Standard library only (the project's venv has no ``requests``).
"""

from __future__ import annotations

import html
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
import uuid as uuid_module
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/replay/suara.db")
os.environ.setdefault("SECRET_KEY", "replay-secret")
os.environ.setdefault("COOKIE_SECURE", "0")

BASE = urllib.parse.urlsplit(os.environ.get("REPLAY_BASE", "http://127.0.0.1:8011"))
ADMIN = ("admin", "suara-utama-2026")
OFFICER_LOGIN = ("officer", "suara-petugas-2026")  # Siti Rahmawati
PIN = "246810"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
)
TABLET_UA = "Mozilla/5.0 (Linux; Android 12; SM-T225) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log(*args) -> None:
    print(f"[{now():%H:%M:%S}]", *args, flush=True)


# --- HTTP ----------------------------------------------------------------------------------------

SERVER_ERRORS: list[str] = []  # every 5xx: "METHOD path -> status body"
ODDITIES: list[str] = []  # anything that looked wrong, with the request and the answer
_errors_lock = threading.Lock()


class Client:
    """One browser (or tablet): its own cookies, User-Agent and source address."""

    def __init__(self, name: str, ua: str = PHONE_UA, source: str | None = None, lang: str = "id-ID,id;q=0.9"):
        self.name, self.ua, self.source, self.lang = name, ua, source, lang
        self.cookies: dict[str, tuple[str, str]] = {}  # name -> (value, path)
        self.statuses: Counter = Counter()

    def _cookie_header(self, path: str) -> str:
        return "; ".join(f"{k}={v}" for k, (v, p) in self.cookies.items() if path.startswith(p or "/"))

    def _keep(self, set_cookies: list[str]) -> None:
        for line in set_cookies:
            parts = [p.strip() for p in line.split(";")]
            name, _, value = parts[0].partition("=")
            attrs = {k.lower(): v for k, _, v in (p.partition("=") for p in parts[1:])}
            gone = attrs.get("max-age") == "0" or (value in ("", '""') and "expires" in attrs)
            if gone:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (value, attrs.get("path", "/"))

    def request(
        self, method: str, path: str, form: dict | None = None, body_json=None, headers: dict | None = None
    ) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection(
            BASE.hostname, BASE.port or 80, timeout=30, source_address=(self.source, 0) if self.source else None
        )
        head = {"User-Agent": self.ua, "Accept-Language": self.lang, "Accept": "text/html,*/*"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        elif body_json is not None:
            body = json.dumps(body_json)
            head["Content-Type"] = "application/json"
            head["Accept"] = "application/json"
        cookie = self._cookie_header(path.split("?")[0])
        if cookie:
            head["Cookie"] = cookie
        head.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=head)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            self._keep(resp.headers.get_all("Set-Cookie") or [])
            status, out_headers = resp.status, {k.lower(): v for k, v in resp.getheaders()}
        finally:
            conn.close()
        self.statuses[status] += 1
        if status >= 500:
            with _errors_lock:
                SERVER_ERRORS.append(
                    f"{self.name}: {method} {path} {body[:200] if body else ''} -> {status} {text[:300]}"
                )
        return status, out_headers, text

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.request("POST", path, **kw)


def csrf_of(page: str) -> str | None:
    found = re.search(r'name="csrf_token"\s+value="([^"]+)"', page) or re.search(
        r'X-CSRFToken(?:"|&#34;|&quot;)\s*:\s*(?:"|&#34;|&quot;)([^"&]+)', page
    )
    return html.unescape(found.group(1)) if found else None


def oddity(what: str) -> None:
    with _errors_lock:
        ODDITIES.append(what)
    log("ODD:", what)


# --- The app, in-process: legitimate setup and reading ---------------------------------------------

from app import create_app  # noqa: E402

APP = create_app()

with APP.app_context():
    import sqlalchemy as sa

    from appraisal import scoring
    from appraisal.models import Period, PeriodStatus
    from core.db import db
    from core.responses import EXCLUDING_FLAGS, Flag, Response
    from kiosk.pairing import new_pairing_code
    from org import duty as duty_ops
    from org.models import Desk, Duty, Officer
    from reports.queries import officer_scores


def pairing_code(desk_id: int) -> str:
    """What the administrator's kiosk page hands out (kiosk.pairing.make_pairing_code minus the audit)."""
    with APP.app_context():
        code = new_pairing_code(db.session.get(Desk, desk_id))
        db.session.commit()
        return code


def start_duty(desk_id: int, officer_id: int, at: datetime | None = None) -> None:
    """As the kiosk's PIN pad does (org.duty.start_duty behind start_duty_by_pin)."""
    with APP.app_context():
        officer = db.session.get(Officer, officer_id)
        current = db.session.scalar(sa.select(Duty).where(Duty.officer_id == officer_id, Duty.ended_at.is_(None)))
        if current is not None and current.desk_id != desk_id:
            duty_ops.end_duty(current.desk, at)
        duty_ops.start_duty(db.session.get(Desk, desk_id), officer, at)
        db.session.commit()


def end_duty(desk_id: int, at: datetime | None = None) -> None:
    with APP.app_context():
        desk = db.session.get(Desk, desk_id)
        if desk.current_duty() is not None:
            duty_ops.end_duty(desk, at)
        db.session.commit()


def open_period_id() -> int:
    with APP.app_context():
        return db.session.scalar(sa.select(Period.id).where(Period.status == PeriodStatus.OPEN).order_by(Period.id))


def score(officer_id: int) -> dict:
    """The head of the officer's sheet (reports.queries.officer_scores), published places."""
    with APP.app_context():
        period = db.session.get(Period, open_period_id())
        data = officer_scores(period, db.session.get(Officer, officer_id))

    def show(part):
        value = part.get("value")
        return {
            "value": None if value is None else str(scoring.display(value)),
            "n": part.get("n"),
            "grade": part.get("grade"),
            "enough": part.get("enough"),
        }

    return {
        "combined": {**show(data["combined"]), "suggested": data["combined"].get("suggested")},
        "kiosk": show(data["kiosk"]),
        "qr": show(data["qr"]),
        "excluded": data.get("excluded"),
        "verified": data.get("verified"),
    }


def score_text(s: dict) -> str:
    c, k, q = s["combined"], s["kiosk"], s["qr"]
    return (
        f"{c['value']} ({c['grade']}, {c['suggested']}) · kiosk {k['value']} n={k['n']} · "
        f"survey {q['value']} n={q['n']}"
    )


def stored(uuids) -> list[dict]:
    uuids = list(uuids)
    with APP.app_context():
        rows = (
            db.session.execute(
                sa.select(
                    Response.uuid,
                    Response.officer_id,
                    Response.flags,
                    Response.excluded,
                    Response.verified,
                    Response.cast_at,
                    Response.period_id,
                ).where(Response.uuid.in_(uuids))
            ).all()
            if uuids
            else []
        )
    return [dict(r._mapping) for r in rows]


def summary(rows: list[dict], target: int) -> dict:
    flags = Counter()
    for r in rows:
        for flag in Flag:
            if r["flags"] & flag:
                flags[flag.name] += 1
    to_target = [r for r in rows if r["officer_id"] == target]
    return {
        "stored": len(rows),
        "to_target": len(to_target),
        "counted_for_target": sum(1 for r in to_target if not r["excluded"]),
        "counted_any": sum(1 for r in rows if not r["excluded"]),
        "unattributed": sum(1 for r in rows if r["officer_id"] is None),
        "verified": sum(1 for r in rows if r["verified"]),
        "flags": dict(flags),
    }


def flags_text(flags: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(flags.items(), key=lambda kv: -kv[1])) or "none"


# --- The sheet, over HTTP as the administrator -----------------------------------------------------


def sheet_provenance(admin: Client, officer_id: int) -> dict:
    status, _, page = admin.get(f"/admin/reports/{open_period_id()}/officers/{officer_id}")
    if status != 200:
        oddity(f"sheet of officer {officer_id}: GET -> {status}")
        return {}
    section = page.split('id="provenance"', 1)
    if len(section) < 2:
        oddity(f"sheet of officer {officer_id}: no provenance section")
        return {}
    section = section[1].split("</section>", 1)[0]
    kinds = {
        k: (int(a), int(b))
        for k, a, b in re.findall(
            r'<tr data-kind="([^"]+)"><th scope="row">.*?</th><td>(\d+)</td><td>(\d+)</td>', section, re.S
        )
    }
    reasons = {
        k: int(n)
        for k, n in re.findall(r'<tr data-reason="([^"]+)"><th scope="row">.*?</th><td>(\d+)</td>', section, re.S)
    }
    warnings = [
        (code, html.unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for code, text in re.findall(r'<li data-warning="([^"]+)">(.*?)</li>', section, re.S)
    ]
    muted = re.findall(r'<p class="muted">(.*?)</p>', section, re.S)
    return {
        "kinds": kinds,
        "reasons": reasons,
        "warnings": warnings,
        "note": html.unescape(re.sub(r"\s+", " ", muted[-1])).strip() if muted else "",
    }


def sheet_delta(before: dict, after: dict) -> dict:
    reasons = {
        k: after.get("reasons", {}).get(k, 0) - before.get("reasons", {}).get(k, 0)
        for k in set(after.get("reasons", {})) | set(before.get("reasons", {}))
    }
    kinds = {
        k: (
            after["kinds"][k][0] - before.get("kinds", {}).get(k, (0, 0))[0],
            after["kinds"][k][1] - before.get("kinds", {}).get(k, (0, 0))[1],
        )
        for k in after.get("kinds", {})
    }
    new_warnings = [w for w in after.get("warnings", []) if w[0] not in {c for c, _ in before.get("warnings", [])}]
    return {
        "reasons": {k: v for k, v in reasons.items() if v},
        "kinds": {k: v for k, v in kinds.items() if v != (0, 0)},
        "new_warnings": new_warnings,
        "warnings": after.get("warnings", []),
        "note": after.get("note", ""),
    }


def check_sheet(label: str, delta: dict, rows: list[dict], target: int) -> str:
    """Whether the sheet's left-out-by-reason grew by what the response table says this attack left
    out for the target (only the excluding flags)."""
    expected = Counter()
    for r in rows:
        if r["officer_id"] == target and r["period_id"] is not None:
            for flag in Flag:
                if r["flags"] & flag & EXCLUDING_FLAGS:
                    expected[flag.name.lower()] += 1
    shown = delta["reasons"]
    missing = {k: (v, shown.get(k, 0)) for k, v in expected.items() if shown.get(k, 0) < v}
    if missing:
        oddity(f"{label}: sheet of officer {target} does not show all left out: expected/shown {missing}")
        return "MISSING " + ", ".join(f"{k} {e}/{s}" for k, (e, s) in missing.items())
    return ("shows " + ", ".join(f"{k} +{v}" for k, v in shown.items())) if shown else "nothing left out shown"


# --- Kiosks ----------------------------------------------------------------------------------------


class Kiosk:
    def __init__(self, name: str, desk_id: int):
        self.name, self.desk_id = name, desk_id
        self.client = Client(f"kiosk {name}", ua=TABLET_UA)
        self.silent = threading.Event()  # set: no heartbeat (a staged outage)
        self.paired_at: datetime | None = None

    def pair(self) -> None:
        code = pairing_code(self.desk_id)
        status, _, page = self.client.get("/kiosk/")
        status, _, page = self.client.post("/kiosk/pair", form={"code": code, "csrf_token": csrf_of(page)})
        self.paired_at = now()
        if status != 303 or "kiosk_token" not in self.client.cookies:
            oddity(f"pairing {self.name}: POST /kiosk/pair -> {status} {page[:200]}")
        self.client.get("/kiosk/?paired=1")

    def heartbeat(self) -> None:
        if not self.silent.is_set():
            status, _, text = self.client.get("/kiosk/banner")
            if status != 200:
                oddity(f"{self.name}: GET /kiosk/banner -> {status} {text[:200]}")

    def vote(self, value: int, cast_at: datetime, vote_uuid: str | None = None) -> tuple[int, str, dict]:
        vote_uuid = vote_uuid or str(uuid_module.uuid4())
        status, _, text = self.client.post(
            "/kiosk/vote",
            body_json={"uuid": vote_uuid, "value": value, "reasons": [], "cast_at": iso(cast_at), "locale": "id"},
        )
        try:
            answer = json.loads(text)
        except ValueError:
            answer = {"raw": text[:200]}
        return status, vote_uuid, answer

    def flush(self, queue: list[tuple[int, datetime]], patience: float = 150) -> tuple[list[str], Counter]:
        """Send a queue of (value, cast_at) as fast as possible, in the order given; what the rate limit
        refused (429) is sent again, as the tablet's queue does, until stored or ``patience`` runs out.
        Returns the UUIDs the server stored and the statuses seen."""
        pending = [(value, cast_at, str(uuid_module.uuid4())) for value, cast_at in queue]
        stored_uuids, statuses = [], Counter()
        deadline = time.monotonic() + patience
        while pending:
            again = []
            for value, cast_at, vote_uuid in pending:
                status, _, answer = self.vote(value, cast_at, vote_uuid)
                statuses[status] += 1
                if status in (200, 201):
                    stored_uuids.append(vote_uuid)
                elif status == 429 or status >= 500:
                    again.append((value, cast_at, vote_uuid))
                else:
                    oddity(f"{self.name}: vote cast_at={iso(cast_at)} -> {status} {answer}")
            pending = again
            if pending:
                if time.monotonic() > deadline:
                    oddity(f"{self.name}: {len(pending)} votes still refused after {patience} s")
                    break
                time.sleep(5)
        return stored_uuids, statuses


def heartbeats(kiosks: list[Kiosk], stop: threading.Event, every: float = 20) -> None:
    while not stop.wait(every):
        for kiosk in kiosks:
            try:
                kiosk.heartbeat()
            except Exception as error:  # keep beating
                oddity(f"heartbeat {kiosk.name}: {error!r}")


def tapper(kiosk: Kiosk, gaps, out: dict) -> None:
    """The officer tapping the top face: one vote per gap, cast now, sent at once."""
    uuids, statuses = [], Counter()
    for gap in gaps:
        status, vote_uuid, answer = kiosk.vote(4, now())
        statuses[status] += 1
        if status in (200, 201):
            uuids.append(vote_uuid)
        else:
            oddity(f"{kiosk.name}: tap -> {status} {answer}")
        time.sleep(gap)
    out["uuids"], out["statuses"] = uuids, statuses


# --- Survey ----------------------------------------------------------------------------------------


def fill_survey(page: str) -> dict | None:
    """A complete form from a survey page: every question's best answer, the first service."""
    token, form_uuid = csrf_of(page), re.search(r'name="uuid" value="([^"]+)"', page)
    if not token or not form_uuid:
        return None
    form = {"csrf_token": token, "uuid": form_uuid.group(1)}
    for name in sorted(set(re.findall(r'name="(q\d+)"', page))):
        form[name] = "4"
    select = re.search(r'<select id="service" name="service".*?</select>', page, re.S)
    if select:
        options = [v for v in re.findall(r'<option value="([^"]*)"', select.group(0)) if v]
        if options:
            form["service"] = options[0]
    for name in ("gender", "age_band", "education", "occupation", "comment"):
        form[name] = ""
    return form


def answer_code(client: Client, code: str, token_page: str | None = None) -> tuple[int, int, str | None, str]:
    """GET /s/<code>, then POST the filled form. When the GET is refused, the POST is tried anyway
    with a CSRF token from ``token_page`` (a static code's form in the same browser) and a fresh UUID.
    Returns (GET status, POST status, the response UUID, the POST's message)."""
    get_status, _, page = client.get(f"/s/{code}")
    form = fill_survey(page) if get_status == 200 else None
    if form is None:
        if token_page is None:
            return get_status, 0, None, _message(page)
        _, _, other = client.get(f"/s/{token_page}")
        form = fill_survey(other)
        if form is None:
            return get_status, 0, None, "no form to borrow a token from"
        form["uuid"] = str(uuid_module.uuid4())
    post_status, _, answer = client.post(f"/s/{code}", form=form)
    return get_status, post_status, form["uuid"], _message(answer)


def _message(page: str) -> str:
    found = re.search(r'class="survey-message"[^>]*>(.*?)</(?:div|section)>', page, re.S)
    text = found.group(1) if found else ""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()[:160]


def sign_in(client: Client, username: str, password: str) -> bool:
    _, _, page = client.get("/admin/login")
    status, _, text = client.post(
        "/admin/login", form={"username": username, "password": password, "csrf_token": csrf_of(page)}
    )
    if status != 303:
        oddity(f"sign in as {username}: POST /admin/login -> {status} {text[:200]}")
        return False
    return True


def code_of(page: str) -> str | None:
    found = re.search(r'data-code="([^"]+)"', page)
    return found.group(1) if found else None


# --- The replay -------------------------------------------------------------------------------------


def main() -> int:
    started = now()
    log("replaying against", BASE.geturl(), "period", open_period_id())
    with APP.app_context():
        officers = {o.id: (o.name, o.code, o.unit_id) for o in db.session.scalars(sa.select(Officer))}
        desks = {d.id: (d.name, d.unit_id) for d in db.session.scalars(sa.select(Desk))}
        on_duty = {d.desk_id: d.officer_id for d in db.session.scalars(sa.select(Duty).where(Duty.ended_at.is_(None)))}
    log("desks", desks, "on duty", on_duty)

    # Targets, on the demo's data: unit 1 (Cempaka Putih) desks 1-3, unit 2 (Makassar) desks 4-6.
    SITI, BUDI, DEWI, RINA, HENDRA, ANDI, NURHAYATI, FITRIANI = 1, 2, 3, 5, 6, 7, 8, 10
    targets = [SITI, BUDI, DEWI, RINA, HENDRA, ANDI, NURHAYATI, FITRIANI]

    admin = Client("admin", ua="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    if not sign_in(admin, *ADMIN):
        return 2
    before_scores = {o: score(o) for o in targets}
    before_sheets = {o: sheet_provenance(admin, o) for o in targets}
    for o in targets:
        log(f"before: {officers[o][0]}: {score_text(before_scores[o])}")

    results: list[dict] = []

    def result(label, target, rows, score_before, score_after, sheet_before, sheet_after, statuses, note=""):
        s = summary(rows, target)
        delta = sheet_delta(sheet_before, sheet_after)
        sheet_check = check_sheet(label, delta, rows, target)
        # Only the scores count as moved (the "excluded" tally of a sheet grows with every flagged response).
        moved = (
            "combined"
            if score_before["combined"] != score_after["combined"]
            else "channel"
            if (score_before["kiosk"], score_before["qr"]) != (score_after["kiosk"], score_after["qr"])
            else ""
        )
        results.append(
            {
                "label": label,
                "target": officers[target][0],
                "before": score_before,
                "after": score_after,
                "moved": moved,
                "summary": s,
                "sheet": delta,
                "sheet_check": sheet_check,
                "statuses": dict(statuses),
                "note": note,
            }
        )
        log(
            f"{label}: {officers[target][0]} {score_text(score_before)}  ->  {score_text(score_after)}"
            f"{'  MOVED (' + moved + ')' if moved else ''}"
        )
        log(
            f"   stored {s['stored']}, to target {s['to_target']}, counted for target {s['counted_for_target']},"
            f" unattributed {s['unattributed']}, verified {s['verified']}; flags: {flags_text(s['flags'])};"
            f" HTTP {dict(statuses)}"
        )
        log(f"   sheet: {sheet_check}; kinds {delta['kinds']}; new warnings {delta['new_warnings']}; {delta['note']}")

    # Kiosks, paired with codes an administrator made; K5 and K6 go silent at once (staged outages).
    k1, k2, k3, k4, k5, k6 = (Kiosk(f"K{d}", d) for d in range(1, 7))
    for kiosk in (k1, k2, k3, k4, k5, k6):
        kiosk.pair()
    k5.silent.set()
    k6.silent.set()
    outage_from = now()
    start_duty(6, FITRIANI)  # Fitriani serves at Loket C while its tablet is "offline"
    start_duty(3, DEWI)  # the colleague, at Loket 3, its tablet in contact
    dewi_on = now()
    stop = threading.Event()
    beat = threading.Thread(target=heartbeats, args=([k1, k2, k3, k4, k5, k6], stop), daemon=True)
    beat.start()

    # Attack 2, in the background: Budi taps 4 every 6 s at Loket 2 (30 taps), Andi with a jitter at Loket A.
    budi_taps, andi_taps = {}, {}
    rng = random.Random(13)
    t2 = threading.Thread(target=tapper, args=(k2, [6.0] * 30, budi_taps))
    t2b = threading.Thread(target=tapper, args=(k4, [rng.uniform(4, 8) for _ in range(30)], andi_taps))
    t2.start()
    t2b.start()

    # --- Attack 1: backdated votes against Dewi -------------------------------------------------
    time.sleep(max(0.0, 50 - (now() - dewi_on).total_seconds()))
    end_duty(3)
    dewi_off = now()
    log("Dewi's duty at Loket 3:", iso(dewi_on), "to", iso(dewi_off), "; K3 in contact throughout")
    time.sleep(35)  # the attacker comes back later: every claimed time is more than 30 s old
    queue = [
        (1, dewi_on + timedelta(seconds=20) + (dewi_off - dewi_on - timedelta(seconds=21)) * i / 139)
        for i in range(140)
    ][::-1]  # newest first
    sent = time.monotonic()
    uuids_1a, statuses_1a = k3.flush(queue)
    log(f"1a: 140 votes sent newest first in {time.monotonic() - sent:.1f} s (with 429 retries)")
    result(
        "1 backdated (in contact)",
        DEWI,
        stored(uuids_1a),
        before_scores[DEWI],
        score(DEWI),
        before_sheets[DEWI],
        sheet_provenance(admin, DEWI),
        statuses_1a,
    )

    # 1c: the last seconds of a colleague's duty (inside the 30 s a vote may take to arrive).
    sc, sheet_c = score(DEWI), sheet_provenance(admin, DEWI)
    start_duty(3, DEWI)
    dewi_on2 = now()
    time.sleep(45)
    end_duty(3)
    dewi_off2 = now()
    claims, t = [], dewi_off2 - timedelta(seconds=2)
    for gap in [3.4, 4.1, 3.2, 5.0, 3.6, 4.4, 3.1]:  # irregular, never under the 3 s burst rule
        claims.append(t)
        t -= timedelta(seconds=gap)
    uuids_1c, statuses_1c = k3.flush([(1, c) for c in claims if c > dewi_on2 + timedelta(seconds=16)])
    result(
        "1 probe: last 30 s of a duty",
        DEWI,
        stored(uuids_1c),
        sc,
        score(DEWI),
        sheet_c,
        sheet_provenance(admin, DEWI),
        statuses_1c,
        note="votes claiming the 30 s before they arrive",
    )

    # 1b: times before the kiosk was paired, in a duty of the colleague's earlier today (or any desk-3 duty).
    with APP.app_context():
        earlier = db.session.scalar(
            sa.select(Duty)
            .where(Duty.desk_id == 3, Duty.ended_at.is_not(None), Duty.ended_at < k3.paired_at - timedelta(minutes=10))
            .order_by(Duty.ended_at.desc())
            .limit(1)
        )
        earlier = (earlier.officer_id, earlier.started_at, earlier.ended_at) if earlier else None
    if earlier:
        sb, sheet_b = score(earlier[0]), sheet_provenance(admin, earlier[0])
        span = earlier[2] - earlier[1]
        queue = [(1, earlier[1] + span * (i + 1) / 22) for i in range(20)][::-1]
        uuids_1b, statuses_1b = k3.flush(queue)
        result(
            "1 probe: before pairing",
            earlier[0],
            stored(uuids_1b),
            sb,
            score(earlier[0]),
            sheet_b,
            sheet_provenance(admin, earlier[0]),
            statuses_1b,
            note=f"claims {iso(earlier[1])}..{iso(earlier[2])}, K3 paired {iso(k3.paired_at)}",
        )

    # --- Attack 3: self-verified one-time codes (Siti, Loket 1) -----------------------------------
    s3, sheet3 = score(SITI), sheet_provenance(admin, SITI)
    end_duty(1)  # Siti goes off duty
    siti = Client("siti's browser", ua="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0")
    sign_in(siti, *OFFICER_LOGIN)
    steps, uuids_3 = [], []
    _, _, me = siti.get("/admin/me")
    status, _, page = siti.post("/admin/me/service-code", form={"csrf_token": csrf_of(me)})
    steps.append(f"off duty, /admin/me mint -> {status} code={code_of(page)}")
    if code_of(page):
        oddity(f"off-duty officer minted a code from /admin/me: POST /admin/me/service-code -> {status}")
    _, _, kpage = k1.client.get("/kiosk/")
    token = csrf_of(kpage)
    status, _, page = k1.client.post("/kiosk/service-code", form={"csrf_token": token, "pin": PIN})
    steps.append(f"off duty, kiosk mint with PIN -> {status} code={code_of(page)}")
    if code_of(page):
        oddity(f"kiosk minted a code with nobody on duty -> {status}")
    start_duty(1, SITI)
    _, _, kpage = k1.client.get("/kiosk/duty?action=code")
    token = csrf_of(kpage) or token
    for label, pin in (("no PIN", None), ("wrong PIN", "135790")):
        form = {"csrf_token": token} if pin is None else {"csrf_token": token, "pin": pin}
        status, _, page = k1.client.post("/kiosk/service-code", form=form)
        steps.append(f"on duty, kiosk mint with {label} -> {status} code={code_of(page)}")
        if code_of(page):
            oddity(f"kiosk minted a code with {label}: POST /kiosk/service-code -> {status}")
    status, _, page = k1.client.post("/kiosk/service-code", form={"csrf_token": token, "pin": PIN})
    kiosk_code = code_of(page)
    steps.append(f"on duty, kiosk mint with PIN -> {status} code={'yes' if kiosk_code else 'no'}")
    _, _, me = siti.get("/admin/me")
    status, _, page = siti.post("/admin/me/service-code", form={"csrf_token": csrf_of(me)})
    own_code = code_of(page)
    steps.append(f"on duty, /admin/me mint -> {status} code={'yes' if own_code else 'no'}")
    officer_code = officers[SITI][1]
    for who, client, code in (
        ("kiosk jar answers the kiosk's code", k1.client, kiosk_code),
        ("Siti's signed-in browser answers the kiosk's code", siti, kiosk_code),
        ("Siti's signed-in browser answers her own code", siti, own_code),
    ):
        if not code:
            continue
        get_s, post_s, answer_uuid, message = answer_code(client, code, token_page=officer_code)
        steps.append(f"{who}: GET {get_s}, POST {post_s} {message!r}")
        if answer_uuid:
            uuids_3.append(answer_uuid)
    rows_3 = stored(uuids_3)
    # The static-code form pages fetched for a CSRF token stored nothing; only answers are in rows_3.
    result(
        "3 self-verified codes",
        SITI,
        rows_3,
        s3,
        score(SITI),
        sheet3,
        sheet_provenance(admin, SITI),
        Counter({**siti.statuses}),
        note=" | ".join(steps),
    )
    for line in steps:
        log("   3:", line)
    if any(r["verified"] for r in rows_3):
        oddity(
            f"3: {sum(r['verified'] for r in rows_3)} response(s) stored as verified from the officer's own browser or kiosk"
        )

    # 3 probe: the code Siti minted in her browser, answered on the kiosk's tablet (which minted
    # another code, not this one).
    s3c, sheet3c = score(SITI), sheet_provenance(admin, SITI)
    cross = []
    if own_code:
        get_s, post_s, answer_uuid, message = answer_code(k1.client, own_code, token_page=officer_code)
        log(
            f"   3 probe: kiosk jar answers Siti's /admin/me code: GET /s/<code> -> {get_s}, POST /s/<code> -> {post_s} {message!r}"
        )
        if answer_uuid:
            cross.append(answer_uuid)
    result(
        "3 probe: kiosk tablet answers the officer's code",
        SITI,
        stored(cross),
        s3c,
        score(SITI),
        sheet3c,
        sheet_provenance(admin, SITI),
        Counter(),
        note="code minted at /admin/me, answered with K1's cookie jar",
    )

    # 3 probe: the officer mints codes on duty and answers each from a second device of his own
    # (not signed in, no device cookie): indistinguishable from a citizen; the per-duty rate bounds it.
    s3b, sheet3b = score(SITI), sheet_provenance(admin, SITI)
    minted, mint_statuses = [], Counter()
    for _ in range(35):
        _, _, me = siti.get("/admin/me")
        status, _, page = siti.post("/admin/me/service-code", form={"csrf_token": csrf_of(me)})
        mint_statuses[status] += 1
        if code_of(page):
            minted.append(code_of(page))
    uuids_3b = []
    for code in minted:
        phone = Client("siti's second phone", ua=PHONE_UA)
        _, post_s, answer_uuid, _ = answer_code(phone, code)
        if answer_uuid and post_s in (200, 201, 303):
            uuids_3b.append(answer_uuid)
    result(
        "3 probe: codes answered on a 2nd device",
        SITI,
        stored(uuids_3b),
        s3b,
        score(SITI),
        sheet3b,
        sheet_provenance(admin, SITI),
        mint_statuses,
        note=f"35 mint attempts from /admin/me on duty: {len(minted)} codes ({dict(mint_statuses)})",
    )

    # --- Attack 4: a static QR code stuffed with cleared cookies (Rina) ---------------------------
    s4, sheet4 = score(RINA), sheet_provenance(admin, RINA)
    uuids_4, statuses_4 = [], Counter()
    for _ in range(60):
        phone = Client("phone", ua=PHONE_UA)  # cookies cleared: a new jar each time
        _, post_s, answer_uuid, message = answer_code(phone, officers[RINA][1])
        statuses_4[post_s] += 1
        if answer_uuid:
            uuids_4.append(answer_uuid)
    result(
        "4 static QR, cookies cleared",
        RINA,
        stored(uuids_4),
        s4,
        score(RINA),
        sheet4,
        sheet_provenance(admin, RINA),
        statuses_4,
    )

    # 4 probe: the same, from another address of this machine, with a new User-Agent each time (Hendra).
    s4b, sheet4b = score(HENDRA), sheet_provenance(admin, HENDRA)
    uuids_4b, statuses_4b = [], Counter()
    for i in range(60):
        phone = Client("phone, new UA", ua=PHONE_UA.replace("SM-A145F", f"SM-A{100 + i}F"), source="127.0.0.2")
        _, post_s, answer_uuid, _ = answer_code(phone, officers[HENDRA][1])
        statuses_4b[post_s] += 1
        if answer_uuid:
            uuids_4b.append(answer_uuid)
    result(
        "4 probe: new User-Agent each time",
        HENDRA,
        stored(uuids_4b),
        s4b,
        score(HENDRA),
        sheet4b,
        sheet_provenance(admin, HENDRA),
        statuses_4b,
        note="from 127.0.0.2, 60 User-Agents",
    )

    # --- Attack 1, staged outages: K5 (Nurhayati, on duty) and K6 (Fitriani) silent since pairing --
    time.sleep(max(0.0, 170 - (now() - outage_from).total_seconds()))
    outage_to = now() - timedelta(seconds=5)
    log("K5/K6 silent from", iso(outage_from), "to", iso(outage_to))
    s5, sheet5 = score(NURHAYATI), sheet_provenance(admin, NURHAYATI)
    first, last = outage_from + timedelta(seconds=20), outage_to - timedelta(seconds=5)
    queue = [(1, first + (last - first) * i / 139) for i in range(140)][::-1]
    uuids_5, statuses_5 = k5.flush(queue)
    k5.silent.clear()
    result(
        "1 probe: 140 in a staged outage",
        NURHAYATI,
        stored(uuids_5),
        s5,
        score(NURHAYATI),
        sheet5,
        sheet_provenance(admin, NURHAYATI),
        statuses_5,
        note=f"claims {iso(first)}..{iso(last)} evenly, newest first",
    )
    s6, sheet6 = score(FITRIANI), sheet_provenance(admin, FITRIANI)
    claims, t = [], last
    for gap in [5.0, 7.5, 6.0, 8.0, 5.5, 7.0] * 6:  # irregular, under 10 a minute, never 3 s apart
        if t < first:
            break
        claims.append(t)
        t -= timedelta(seconds=gap)
    uuids_6, statuses_6 = k6.flush([(1, c) for c in claims])
    k6.silent.clear()
    result(
        "1 probe: spaced votes in a staged outage",
        FITRIANI,
        stored(uuids_6),
        s6,
        score(FITRIANI),
        sheet6,
        sheet_provenance(admin, FITRIANI),
        statuses_6,
        note=f"{len(claims)} votes 5-8 s apart in the outage, newest first",
    )

    # --- Attack 2 results ---------------------------------------------------------------------------
    t2.join()
    t2b.join()
    result(
        "2 taps every 6 s (3 min)",
        BUDI,
        stored(budi_taps["uuids"]),
        before_scores[BUDI],
        score(BUDI),
        before_sheets[BUDI],
        sheet_provenance(admin, BUDI),
        budi_taps["statuses"],
        note="30 taps; the hour is tests/kiosk/test_plausibility.py::test_attack_taps_every_six_seconds_for_an_hour_count_at_most_the_ceiling",
    )
    result(
        "2 probe: taps 4-8 s apart (3 min)",
        ANDI,
        stored(andi_taps["uuids"]),
        before_scores[ANDI],
        score(ANDI),
        before_sheets[ANDI],
        sheet_provenance(admin, ANDI),
        andi_taps["statuses"],
        note="30 taps with a human jitter",
    )
    stop.set()

    # --- The table ------------------------------------------------------------------------------------
    print(
        "\n| attack | target | score before → after (combined; kiosk n; survey n) | stored | counted for target | left out, by flag | sheet provenance |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results:
        s = r["summary"]
        b, a = r["before"], r["after"]
        moved = {"combined": "**MOVED** ", "channel": "(a channel moved) "}.get(r["moved"], "")
        print(
            f"| {r['label']} | {r['target']} | {moved}{b['combined']['value']} {b['combined']['grade']} → "
            f"{a['combined']['value']} {a['combined']['grade']}; kiosk {b['kiosk']['value']} n{b['kiosk']['n']} → "
            f"{a['kiosk']['value']} n{a['kiosk']['n']}; survey {b['qr']['value']} n{b['qr']['n']} → "
            f"{a['qr']['value']} n{a['qr']['n']} | {s['stored']} | {s['counted_for_target']} "
            f"(unattrib. {s['unattributed']}, verified {s['verified']}) | {flags_text(s['flags'])} | "
            f"{r['sheet_check']}; warnings: {', '.join(c for c, _ in r['sheet']['warnings']) or 'none'} |"
        )
    print()
    for r in results:
        if r["note"]:
            print(f"- {r['label']}: {r['note']}")
    print(f"\n5xx seen: {len(SERVER_ERRORS)}")
    for line in SERVER_ERRORS:
        print("  ", line)
    print(f"Oddities: {len(ODDITIES)}")
    for line in ODDITIES:
        print("  ", line)
    print(f"\nRun took {(now() - started).total_seconds():.0f} s")
    with open(os.environ.get("REPLAY_JSON", "/tmp/replay/attack_replay.json"), "w") as out:
        json.dump(
            {"results": results, "server_errors": SERVER_ERRORS, "oddities": ODDITIES}, out, indent=1, default=str
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
