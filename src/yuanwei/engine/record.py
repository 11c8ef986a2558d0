"""The record of daily runs in the warehouse: ``runs`` and ``signal_history``.

``runs`` has one row per attempt (ok or failed): which data it saw (high-water marks), which rules
(version and hash), what it found (signals per rule) and how long each stage took. It answers
"which run produced these tasks, from which data?".

The signal history — what was signalled when — is the run folders themselves: ``runs/<D>/signals.parquet``
holds the signals of D's latest successful run (the folder is swapped in atomically, in the same
step as its ``runs`` row commits), read back by :func:`signal_history`. It used to be copied into a
warehouse table as well; that copy cost a checkpoint of ~10⁶ rows of text a day at 1M customers
and said nothing the files do not, so it is dropped.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from yuanwei.results import RESULT_TABLES
from yuanwei.warehouse.backends import latest_load_id

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    date DATE NOT NULL,
    backend VARCHAR NOT NULL,
    "full" BOOLEAN NOT NULL,
    status VARCHAR NOT NULL,          -- ok / failed
    error VARCHAR,                    -- failed: the stage and the error
    started_at TIMESTAMP NOT NULL,    -- Asia/Shanghai wall clock, as every warehouse timestamp
    finished_at TIMESTAMP,
    pid BIGINT,
    host VARCHAR,
    rules_version VARCHAR,
    rules_hash VARCHAR,
    max_booked_at_day DATE,           -- data high-water marks the run saw (whole warehouse)
    max_balance_as_of DATE,
    max_contact_at TIMESTAMP,
    latest_load_id VARCHAR,
    signals INTEGER,
    customers_touched INTEGER,
    tasks INTEGER,
    excluded INTEGER,
    signals_per_rule VARCHAR,         -- JSON {rule: count}
    stage_seconds VARCHAR,            -- JSON {stage: seconds}
    row_counts VARCHAR,               -- JSON {result file: rows}
    state VARCHAR                     -- the run state: carried from which run, or why it was built
)
"""


RUN_COLUMNS = (
    "run_id", "date", "backend", "full", "status", "error", "started_at", "finished_at", "pid", "host",
    "rules_version", "rules_hash", "max_booked_at_day", "max_balance_as_of", "max_contact_at",
    "latest_load_id", "signals", "customers_touched", "tasks", "excluded", "signals_per_rule",
    "stage_seconds", "row_counts", "state",
)
JSON_COLUMNS = ("signals_per_rule", "stage_seconds", "row_counts")


def ensure_record_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RUNS_DDL)
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS state VARCHAR")   # runs recorded before it
    # the old warehouse copy of the run folders' signals (see the module docstring)
    con.execute("DROP TABLE IF EXISTS signal_history")


def watermarks(con) -> dict:
    """Data high-water marks: what the latest rows in the warehouse are (a raw DuckDB connection)."""
    q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "max_booked_at_day": q("SELECT max(booked_at_day) FROM transactions"),
        "max_balance_as_of": q("SELECT max(as_of) FROM balances"),
        "max_contact_at": q('SELECT max("at") FROM contacts'),
        "latest_load_id": latest_load_id(con),
    }


def _row(record: dict) -> list:
    out = []
    for col in RUN_COLUMNS:
        value = record.get(col)
        if col in JSON_COLUMNS and value is not None:
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        out.append(value)
    return out


def insert_run(con: duckdb.DuckDBPyConnection, record: dict) -> None:
    """Insert (or replace) one row of ``runs``; the caller owns the transaction."""
    ensure_record_tables(con)
    con.execute("DELETE FROM runs WHERE run_id = ?", [record["run_id"]])
    cols = ", ".join(f'"{c}"' for c in RUN_COLUMNS)
    con.execute(f"INSERT INTO runs ({cols}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})", _row(record))


def signal_history(home, day: dt.date | None = None) -> pa.Table:
    """The signals of every business date's latest successful run (or of ``day`` only), with the
    ``run_id`` that produced them, from the run folders; sorted by date, then as in the files."""
    from yuanwei.results import run_dir_name

    folders = [home.runs_dir / run_dir_name(day)] if day else sorted(
        p for p in home.runs_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    schema = RESULT_TABLES["signals"].append(pa.field("run_id", pa.string()))
    parts = []
    for folder in folders:
        path, manifest = folder / "signals.parquet", folder / "_run.json"
        if not (path.exists() and manifest.exists()):
            continue
        run_id = json.loads(manifest.read_text(encoding="utf-8"))["run_id"]
        t = pq.read_table(path).select(RESULT_TABLES["signals"].names)
        parts.append(t.append_column("run_id", pa.array([run_id] * t.num_rows, pa.string())))
    return pa.concat_tables(parts).cast(schema) if parts else schema.empty_table()


def read_runs(con: duckdb.DuckDBPyConnection, day: dt.date | None = None) -> list[dict]:
    """Rows of ``runs`` (newest first), JSON columns decoded; works on a read-only connection."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'runs'").fetchall():
        return []
    sql = "SELECT * FROM runs" + (" WHERE date = ?" if day else "") + " ORDER BY started_at DESC, run_id"
    cur = con.execute(sql, [day] if day else [])
    names = [d[0] for d in cur.description]
    rows = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        for col in JSON_COLUMNS:
            if row.get(col) is not None:
                row[col] = json.loads(row[col])
        rows.append(row)
    return rows
