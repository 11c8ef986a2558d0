"""Writing into the warehouse: connection settings for big loads, upserts by key, the load log."""

from __future__ import annotations

import json
import os

import duckdb

from yuanwei.contract.schema import Table
from yuanwei.contract.validation import SESSION_SQL, lit, q
from yuanwei.paths import Home
from yuanwei.warehouse import stamps

# DuckDB spills to disk past this, which keeps a 50M-row load within a few GB of memory
DEFAULT_MEMORY_LIMIT = "1GB"

LOAD_LOG_SQL = """
CREATE TABLE IF NOT EXISTS load_log (
    load_id VARCHAR,
    folder VARCHAR,
    started_at TIMESTAMP,   -- Asia/Shanghai wall-clock time, like every warehouse timestamp
    finished_at TIMESTAMP,
    "read" BIGINT,
    loaded BIGINT,
    quarantined BIGINT,
    tables JSON             -- {table: {file, read, loaded, quarantined, replaced, quarantine_file}}
)
"""


def configure(con: duckdb.DuckDBPyConnection, home: Home) -> None:
    """Session settings for a load: Shanghai time zone, a memory limit and a spill folder in home."""
    spill = home.root / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(SESSION_SQL)
    con.execute(f"SET memory_limit = {lit(os.environ.get('YUANWEI_MEMORY_LIMIT', DEFAULT_MEMORY_LIMIT))}")
    con.execute(f"SET temp_directory = {lit(str(spill))}")
    # insertion order is not part of the contract; dropping it lets big inserts stream
    con.execute("SET preserve_insertion_order = false")


def ensure_load_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LOAD_LOG_SQL)


def is_empty(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {q(table)})").fetchone()[0]


def upsert(con: duckdb.DuckDBPyConnection, table: Table, staging: str) -> int:
    """Move the rows of ``staging`` (the table's stored columns plus ``__line``) into the warehouse
    table: rows with a key already there replace them, the others are added. Drops ``staging``.

    On a first load (empty warehouse table) the staging table is renamed into place instead of
    copied, which halves the writing for a big initial extract. Returns how many warehouse rows
    were replaced.
    """
    if is_empty(con, table.name):
        con.execute(f"DROP TABLE {q(table.name)}")
        con.execute(f"ALTER TABLE {q(staging)} DROP COLUMN __line")
        con.execute(f"ALTER TABLE {q(staging)} RENAME TO {q(table.name)}")
        stamps.add_rows(con, table.name, q(table.name))
        return 0
    cols = ", ".join(q(name) for name, _ in table.stored_columns())
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in table.key)
    # the replaced rows leave the content stamps, the new ones enter them (warehouse.stamps)
    gone = con.execute(f"DELETE FROM {q(table.name)} t USING {q(staging)} s WHERE {on} "
                       f"{stamps.returning_sql(table.name)}").to_arrow_table()
    stamps.subtract_returned(con, table.name, gone)
    con.execute(f"INSERT INTO {q(table.name)} ({cols}) SELECT {cols} FROM {q(staging)}")
    stamps.add_rows(con, table.name, q(staging))
    con.execute(f"DROP TABLE {q(staging)}")
    return gone.num_rows


def record_load(con: duckdb.DuckDBPyConnection, report: dict, finished_at: str) -> None:
    tables = {name: {k: v for k, v in t.items() if k != "notices"} for name, t in report["tables"].items()}
    totals = report["totals"]
    con.execute(
        "INSERT INTO load_log VALUES (?, ?, CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?)",
        [report["load_id"], report["folder"], report["started_at"], finished_at,
         totals["read"], totals["loaded"], totals["quarantined"], json.dumps(tables, ensure_ascii=False)],
    )
