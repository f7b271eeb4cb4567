"""The ceiling for the vote and the phone survey on this machine: a bare Flask app that does
nothing but parse the body (the vote's JSON, the survey's form) and make one raw insert per
request (sqlite3 or psycopg, no ORM, no checks). bench/load serves it with the same gunicorn
settings as the real app, in the same run."""

import json
import os
import sqlite3
from datetime import datetime, timezone

from flask import Flask, request

app = Flask(__name__)
URL = os.environ["DATABASE_URL"]
_connection = None

DDL = "CREATE TABLE IF NOT EXISTS baseline_vote (uuid VARCHAR(36) PRIMARY KEY, value SMALLINT, cast_at VARCHAR(40))"


def connection():
    """One connection per worker process, opened on first use."""
    global _connection
    if _connection is None:
        if URL.startswith("sqlite"):
            _connection = sqlite3.connect(URL.split("///", 1)[1], isolation_level=None, check_same_thread=False)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
                _connection.execute(f"PRAGMA {pragma}")
            _connection.execute(DDL)
        else:
            import psycopg

            _connection = psycopg.connect(URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            _connection.execute(DDL)
    return _connection


@app.post("/kiosk/vote")
def vote():
    body = request.get_json()
    param = "?" if URL.startswith("sqlite") else "%s"  # the DBAPI's parameter style
    connection().execute(
        f"INSERT INTO baseline_vote VALUES ({param}, {param}, {param})",
        (body["uuid"], body["value"], body.get("cast_at") or datetime.now(timezone.utc).isoformat()),
    )
    return json.dumps({"status": "recorded"}), 201, {"Content-Type": "application/json"}


@app.post("/s/<code>")
def survey(code):
    form = request.form
    param = "?" if URL.startswith("sqlite") else "%s"
    value = sum(int(v) for k, v in form.items() if k.startswith("q")) // max(1, sum(1 for k in form if k[0] == "q"))
    connection().execute(
        f"INSERT INTO baseline_vote VALUES ({param}, {param}, {param})",
        (form["uuid"], value, datetime.now(timezone.utc).isoformat()),
    )
    return "<p>Terima kasih</p>", 200, {"Content-Type": "text/html; charset=utf-8"}


@app.get("/healthz")
def healthz():
    connection()
    return "ok"
