"""Rate limits counted in the app's own database (core.ratelimits): what every worker and server
of the default install shares, where memory:// would count each gunicorn worker separately."""

import pytest
import sqlalchemy as sa
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app import create_app
from config import Config, TestConfig
from core.db import db
from core.extensions import limiter
from core.ratelimits import DatabaseStorage, RateLimitCounter
from tests.factories import csrf_token


class Worker:
    """One app instance with the limiter's state it was given: a gunicorn worker of its own.
    Flask-Limiter keeps one storage per limiter object, and this process has one limiter; two
    real workers each have their own, so each request here runs with its worker's."""

    def __init__(self, url: str, storage_uri: str):
        self.app = create_app(TestConfig(url, storage_uri))
        self.state = limiter._storage, limiter._limiter
        self.client = self.app.test_client()

    def post(self, *args, **kwargs):
        limiter._storage, limiter._limiter = self.state
        return self.client.post(*args, **kwargs)


def _workers(app, storage_uri: str):
    saved = limiter._storage, limiter._limiter
    workers = [Worker(app.config["SQLALCHEMY_DATABASE_URI"], storage_uri) for _ in range(2)]
    yield workers
    for worker in workers:
        with worker.app.app_context():
            db.engine.dispose()
    limiter._storage, limiter._limiter = saved  # the session app's own


@pytest.fixture
def two_workers(app):
    """Two app instances of one install on the session's database, with the default storage."""
    yield from _workers(app, "database://")


@pytest.fixture
def two_workers_in_memory(app):
    yield from _workers(app, "memory://")


def test_the_default_storage_is_the_database(tmp_path):
    assert Config(tmp_path, environ={}).RATELIMIT_STORAGE_URI == "database://"
    assert (
        Config(tmp_path, environ={"RATELIMIT_STORAGE_URI": "redis://cache:6379"}).RATELIMIT_STORAGE_URI
        == "redis://cache:6379"
    )
    assert isinstance(storage_from_string("database://"), DatabaseStorage)


def test_two_app_instances_share_one_count(two_workers):
    first, second = (worker.app for worker in two_workers)
    item = parse("5 per minute")
    # Each worker with a storage object of its own: nothing but the database is shared.
    counters = [FixedWindowRateLimiter(storage_from_string("database://")) for _ in two_workers]
    results = []
    for attempt in range(8):
        worker, counter = (first, counters[0]) if attempt % 2 == 0 else (second, counters[1])
        with worker.app_context():
            results.append(counter.hit(item, "shared-client"))
    assert results == [True] * 5 + [False] * 3
    with first.app_context():
        assert counters[0].get_window_stats(item, "shared-client").remaining == 0
        row = db.session.scalar(sa.select(RateLimitCounter))
        assert row.count == 8 and "shared-client" in row.key


def _pairing_attempts(workers, n: int) -> list[int]:
    tokens = [csrf_token(worker.client) for worker in workers]
    return [
        workers[i % 2].post("/kiosk/pair", data={"code": f"WRONG-{i:03d}", "csrf_token": tokens[i % 2]}).status_code
        for i in range(n)
    ]


def test_a_route_limit_holds_across_two_workers(two_workers):
    """/kiosk/pair allows 10 attempts a minute per client: five through each worker spend it."""
    assert _pairing_attempts(two_workers, 12) == [400] * 10 + [429] * 2


def test_in_memory_each_worker_counts_alone(two_workers_in_memory):
    """What the database storage mends: with memory:// the same client gets twice the budget."""
    assert _pairing_attempts(two_workers_in_memory, 12) == [400] * 12


def test_a_window_that_ended_starts_again_and_keys_are_cleared_one_by_one(two_workers, monkeypatch):
    import core.ratelimits as ratelimits

    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimits.time, "time", lambda: clock[0])
    storage = DatabaseStorage()
    with two_workers[0].app.app_context():
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3 and storage.get_expiry("k") == clock[0] + 60
        clock[0] += 61  # the window ended: the next hit starts a new one
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1 and storage.get_expiry("k") == clock[0] + 60
        storage.incr("other", 60, amount=4)
        storage.clear("k")
        assert (storage.get("k"), storage.get("other")) == (0, 4)
        assert storage.check() is True
        assert storage.reset() == 1 and storage.get("other") == 0
