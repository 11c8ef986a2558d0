"""Content stamps of the warehouse tables, kept by ``yuanwei ingest`` (table ``day_stamps``).

A stamp is ``(rows, hash)``: the number of rows and the sum of a 64-bit hash of every row's stored
columns (``hash(c1, …, cn)``, summed as HUGEINT, so adding and removing rows is exact and order
does not matter). Time-based tables (``backends.AS_OF_COLUMNS``) are stamped per day of their
as-of column; the others once per table (``day`` NULL).

Ingest updates the stamps in the load's own transaction: it adds the stamps of the rows it inserts
and subtracts those of the rows an upsert replaces. So two reads of the stamps tell, without
scanning a table, whether the rows of a day (or of a whole reference table) are the same as
before — which is what lets the daily run reuse what it computed and wrote for the days that did
not change (``engine.state``, the day-partitioned result files). A re-sent extract with identical
rows leaves the stamps as they were.

Only ingest writes the warehouse. Someone who edits it by hand bypasses the stamps; the run checks
the stamps' row counts against the tables (cheap) and computes in full when they disagree, and
``yuanwei run --full`` always does.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from yuanwei.contract.schema import TABLES
from yuanwei.contract.validation import q

STAMPS_DDL = """
CREATE TABLE IF NOT EXISTS day_stamps (
    table_name VARCHAR NOT NULL,
    day DATE,                 -- the day of the table's as-of column; NULL for a table stamped whole
    rows BIGINT NOT NULL,
    hash HUGEINT NOT NULL
)
"""

Stamp = tuple[int, int]   # (rows, hash sum)


def as_of_column(table: str) -> str | None:
    from yuanwei.warehouse.backends import AS_OF_COLUMNS

    return AS_OF_COLUMNS.get(table)


def _row_hash(table: str, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "hash(" + ", ".join(f"{prefix}{q(n)}" for n, _ in TABLES[table].stored_columns()) + ")"


def _day(table: str, alias: str = "") -> str:
    col = as_of_column(table)
    prefix = f"{alias}." if alias else ""
    return f"{prefix}{q(col)}" if col else "CAST(NULL AS DATE)"


def has_stamps(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'day_stamps'").fetchall())


def ensure_stamps(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``day_stamps``; when it is new and the warehouse already holds rows (a warehouse from
    before stamps), stamp every table from its content once."""
    if has_stamps(con):
        return
    con.execute(STAMPS_DDL)
    for name in TABLES:
        add_rows(con, name, q(name))


def add_rows(con: duckdb.DuckDBPyConnection, table: str, source: str, sign: int = 1) -> None:
    """Add (``sign`` 1) or subtract (−1) the stamps of the rows of ``source`` (a table name or a
    parenthesised query with the stored columns of ``table``)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __stamp_delta AS
        SELECT {_day(table, 's')} AS day, count(*) AS rows, sum({_row_hash(table, 's')}::HUGEINT) AS hash
        FROM {source} s GROUP BY 1""")
    _merge(con, table, sign)


def subtract_returned(con: duckdb.DuckDBPyConnection, table: str, returned) -> None:
    """Subtract the stamps of rows a DELETE … RETURNING gave back (an Arrow table with ``day``, ``h``)."""
    if returned.num_rows == 0:
        return
    con.register("__stamp_returned", returned)
    try:
        con.execute("""CREATE OR REPLACE TEMP TABLE __stamp_delta AS
                       SELECT day, count(*) AS rows, sum(h::HUGEINT) AS hash FROM __stamp_returned GROUP BY 1""")
    finally:
        con.unregister("__stamp_returned")
    _merge(con, table, -1)


def returning_sql(table: str, alias: str = "t") -> str:
    """The RETURNING clause of a DELETE whose removed rows must leave the stamps."""
    return f"RETURNING {_day(table, alias)} AS day, {_row_hash(table, alias)} AS h"


def _merge(con: duckdb.DuckDBPyConnection, table: str, sign: int) -> None:
    name = table.replace("'", "''")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE __stamp_new AS
        SELECT coalesce(o.day, d.day) AS day,
               coalesce(o.rows, 0) + {sign} * coalesce(d.rows, 0) AS rows,
               coalesce(o.hash, 0) + {sign} * coalesce(d.hash, 0) AS hash
        FROM (SELECT day, rows, hash FROM day_stamps WHERE table_name = '{name}') o
        FULL OUTER JOIN __stamp_delta d ON o.day IS NOT DISTINCT FROM d.day""")
    con.execute(f"DELETE FROM day_stamps WHERE table_name = '{name}'")
    con.execute(f"INSERT INTO day_stamps SELECT '{name}', day, rows, hash FROM __stamp_new WHERE rows <> 0")
    con.execute("DROP TABLE __stamp_new")
    con.execute("DROP TABLE __stamp_delta")


def read_stamps(con: duckdb.DuckDBPyConnection, tables: Iterable[str] | None = None) -> dict[str, dict]:
    """{table: {day or None: (rows, hash)}} for every stamped table (empty tables are absent)."""
    if not has_stamps(con):
        return {}
    out: dict[str, dict] = {name: {} for name in (tables if tables is not None else TABLES)}
    for table, day, rows, h in con.execute("SELECT table_name, day, rows, hash FROM day_stamps").fetchall():
        if table in out:
            out[table][day] = (int(rows), int(h))
    return out


def counts_agree(con: duckdb.DuckDBPyConnection, table: str, stamps: dict) -> bool:
    """Do the stamps' row counts per day match the table? (a cheap check — counts, no hashing —
    that catches rows inserted or deleted without ingest)."""
    col = as_of_column(table)
    if col is None:
        n = con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0]
        return {None: n} == {d: r for d, (r, _) in stamps.items()} or (n == 0 and not stamps)
    actual = dict(con.execute(f"SELECT {q(col)}, count(*) FROM {q(table)} GROUP BY 1").fetchall())
    return actual == {d: r for d, (r, _) in stamps.items()}


def visible(stamps: dict, last) -> Stamp:
    """The stamp of the rows a run with data up to ``last`` (D−1) sees: the days ≤ last (or the
    whole table, for one stamped whole)."""
    rows = h = 0
    for day, (r, x) in stamps.items():
        if day is None or day <= last:
            rows += r
            h += x
    return rows, h
