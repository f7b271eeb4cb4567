"""Shared pieces of bench/pageweight and bench/render: a fresh site (an open period, a unit, a desk
with an officer on duty and a paired kiosk), gunicorn serving it through bench/served_app.py, and
the system's headless Chromium driven by Playwright.

Everything runs on this machine and talks only to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import statistics
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import fresh_database, gunicorn, prepare_kiosks, temp_workdir

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The kiosk is a tablet at a counter; the survey is a citizen's phone.
TABLET = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@dataclass
class Site:
    base: str
    kiosk_token: str
    survey_code: str
    request_log: Path
    baseline_dir: Path

    @property
    def kiosk_url(self) -> str:
        return self.base + "/kiosk/"

    @property
    def survey_url(self) -> str:
        return f"{self.base}/s/{self.survey_code}"

    def baseline_url(self, name: str) -> str:
        return f"{self.base}/__bench__/baseline/{name}"

    def log_mark(self) -> int:
        return self.request_log.stat().st_size if self.request_log.exists() else 0

    def requests_since(self, mark: int) -> list[dict]:
        """What reached the server since ``mark`` (see bench/served_app.py)."""
        if not self.request_log.exists():
            return []
        with self.request_log.open("rb") as log:
            log.seek(mark)
            return [json.loads(line) for line in log.read().splitlines() if line.strip()]


@contextmanager
def site(workers: int = 2):
    """A fresh SQLite database with one paired kiosk whose desk has an officer on duty, served by
    gunicorn (the production settings) on a free port of 127.0.0.1."""
    import sqlalchemy as sa

    workdir = temp_workdir()
    url = fresh_database("sqlite", workdir)
    token = prepare_kiosks(url, 1)[0]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        code = connection.scalar(sa.text("SELECT code FROM desk"))
    engine.dispose()
    log, baseline_dir = workdir / "requests.jsonl", workdir / "baseline"
    baseline_dir.mkdir()
    env = {"BENCH_REQUEST_LOG": str(log), "BENCH_BASELINE_DIR": str(baseline_dir)}
    with gunicorn(url, workers=workers, extra_env=env, app_target="bench.served_app:app") as (base, _pid):
        yield Site(base, token, code, log, baseline_dir)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser, the_site: Site, kind: str):
    """A fresh browser profile (empty cache, no service worker) for ``kind`` "kiosk" (a paired
    tablet: the device cookie is set) or "survey" (a phone)."""
    context = browser.new_context(service_workers="allow", **(TABLET if kind == "kiosk" else PHONE))
    if kind == "kiosk":
        context.add_cookies(
            [
                {
                    "name": "kiosk_token",
                    "value": the_site.kiosk_token,
                    "domain": "127.0.0.1",
                    "path": "/kiosk/",
                    "httpOnly": True,
                    "secure": True,
                    "sameSite": "Strict",
                }
            ]
        )
    return context


def wait_for_service_worker(page, timeout_ms: int = 10_000) -> bool:
    """True once a service worker controls the page and has the kiosk screen in its cache."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(
            "async () => !!navigator.serviceWorker.controller && !!(await caches.match(location.pathname))"
        ):
            return True
        page.wait_for_timeout(100)
    return False


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_rows(rows: list[dict], as_json: bool) -> None:
    """The protocol of bench/run: with --json the last stdout line is {"rows": [...]}."""
    if as_json:
        print(json.dumps({"rows": rows}))
        return
    headers = ["measure", "value", "baseline", "ratio", "target", "met"]
    cells = [[str(row[h]) if row[h] is not None else "-" for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths)))
