"""Connections to the DuckDB warehouse and creation of the contract tables.

Each contract table of DESIGN §3 is stored under its own name with the column types of
``yuanwei.contract.schema`` (plus a ``<ts>_day`` DATE beside every timestamp: the Asia/Shanghai day).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from yuanwei.contract.schema import TABLES, Table


def create_table_sql(table: Table, name: str | None = None) -> str:
    cols = ", ".join(f'"{n}" {t}' for n, t in table.stored_columns())
    return f'CREATE TABLE IF NOT EXISTS "{name or table.name}" ({cols})'


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        con.execute(create_table_sql(table))


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; creates it (with empty contract tables) when missing."""
    path = Path(path)
    if read_only and not path.exists():
        read_only = False
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        ensure_tables(con)
    return con
