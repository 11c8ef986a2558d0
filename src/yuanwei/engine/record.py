"""The record of daily runs in the warehouse: ``runs`` and ``signal_history``.

``runs`` has one row per attempt (ok or failed): which data it saw (high-water marks), which rules
(version and hash), what it found (signals per rule) and how long each stage took. It answers
"which run produced these tasks, from which data?".

``signal_history`` keeps the signals of the latest successful run of every business date (D's rows
are replaced in one transaction), so later rules and learning can read what was signalled when.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pyarrow as pa

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
    row_counts VARCHAR                -- JSON {result file: rows}
)
"""

SIGNAL_HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS signal_history (
    date DATE NOT NULL, customer_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, urgency BIGINT,
    due_date DATE, evidence VARCHAR, explanation VARCHAR, run_id VARCHAR NOT NULL
)
"""

RUN_COLUMNS = (
    "run_id", "date", "backend", "full", "status", "error", "started_at", "finished_at", "pid", "host",
    "rules_version", "rules_hash", "max_booked_at_day", "max_balance_as_of", "max_contact_at",
    "latest_load_id", "signals", "customers_touched", "tasks", "excluded", "signals_per_rule",
    "stage_seconds", "row_counts",
)
JSON_COLUMNS = ("signals_per_rule", "stage_seconds", "row_counts")


def ensure_record_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RUNS_DDL)
    con.execute(SIGNAL_HISTORY_DDL)


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


def replace_signal_history(con: duckdb.DuckDBPyConnection, day: dt.date, signals: pa.Table, run_id: str) -> None:
    """Replace D's rows of ``signal_history``; the caller owns the transaction."""
    ensure_record_tables(con)
    names = RESULT_TABLES["signals"].names
    history = signals.select(names).append_column("run_id", pa.array([run_id] * signals.num_rows, pa.string()))
    con.execute("DELETE FROM signal_history WHERE date = ?", [day])
    con.register("_yuanwei_signals", history)
    try:
        con.execute(f"INSERT INTO signal_history SELECT {', '.join(names)}, run_id FROM _yuanwei_signals")
    finally:
        con.unregister("_yuanwei_signals")


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
