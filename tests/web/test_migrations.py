"""Migrations apply on a fresh SQLite file and on a fresh PostgreSQL database, and match the models;
on PostgreSQL a run is also published twice (the update path writes raw SQL)."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest

from .customers.runfiles import changed, sample_run, write_run
from .helpers import clean_env, manage, run_python

PG_HOST, PG_PORT = "127.0.0.1", 5432


def test_models_and_migrations_agree(home):
    p = manage(["makemigrations", "--check", "--dry-run"], clean_env(home))
    assert p.returncode == 0, p.stdout + p.stderr


def test_migrations_apply_on_a_fresh_sqlite_file(home):
    p = manage(["migrate", "--noinput"], clean_env(home))
    assert p.returncode == 0, p.stderr
    assert home.app_db.exists()
    p = manage(["showmigrations", "--plan"], clean_env(home))
    assert "[ ]" not in p.stdout and "[X]  customers.0001_initial" in p.stdout


def _pg_admin_connection():
    psycopg = pytest.importorskip("psycopg")
    errors = []
    for user in ("postgres", "root"):
        for dbname in ("test", "postgres"):
            try:
                conn = psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname=dbname, connect_timeout=3,
                                       autocommit=True)
                return conn, user
            except psycopg.OperationalError as exc:
                errors.append(f"{user}@{dbname}: {str(exc).strip().splitlines()[0]}")
    pytest.skip(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({'; '.join(errors)})")


@pytest.fixture
def pg_url():
    conn, user = _pg_admin_connection()
    name = f"yuanwei_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.mark.postgres
def test_migrations_apply_and_a_run_publishes_on_postgresql(home, pg_url):
    env = clean_env(home, DATABASE_URL=pg_url)
    p = manage(["migrate", "--noinput"], env)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]

    day = dt.date(2026, 3, 16)
    first = sample_run(day)
    write_run(home.runs_dir, day, first)
    code = f"""
import datetime as dt, json
from yuanwei.paths import Home
from yuanwei.web.bootstrap import publish_run
home = Home.resolve({str(home.root)!r})
print(json.dumps(publish_run(home, dt.date(2026, 3, 16))))
"""
    p = run_python(code, env)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["balances"]["inserted"] == 90

    # COPY on PostgreSQL writes what the ORM would: saving a published row changes nothing
    p = run_python("""
from django.db import connection
import django; django.setup()
from yuanwei.web.apps.customers.models import Customer, Flow, Signal, News
from yuanwei.web.apps.workbench.models import Task
for model in (Customer, Flow, Signal, News, Task):
    obj = model.objects.order_by("pk").first()
    sql = f'SELECT * FROM "{model._meta.db_table}" WHERE "{model._meta.pk.column}" = %s'
    with connection.cursor() as cur:
        cur.execute(sql, [obj.pk]); before = cur.fetchall()
        obj.save()
        cur.execute(sql, [obj.pk]); after = cur.fetchall()
    print(model.__name__, before == after)
""", env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["Customer", "True", "Flow", "True", "Signal", "True", "News", "True", "Task", "True"]

    def bump(t):
        t["profiles"][0]["aum"] = t["profiles"][0]["aum"] + 1
        t["flows"][0]["amount"] = t["flows"][0]["amount"] * 2
    write_run(home.runs_dir, day, changed(first, bump))
    p = run_python(code + """
from yuanwei.web.apps.customers.models import Customer, Flow
print(Customer.objects.get(pk="C0001").aum, Flow.objects.get(pk="T1").amount)
""", env)
    assert p.returncode == 0, p.stderr
    counts, values = p.stdout.strip().splitlines()
    counts = json.loads(counts)
    assert counts["profiles"]["updated"] == 1 and counts["flows"]["updated"] == 1
    assert counts["balances"]["unchanged"] == 90
    assert values == "820001.00 1040000.00"

