"""Small read helpers over the warehouse for the CLI (which wires layers together)."""

from __future__ import annotations

from yuanwei.paths import Home
from yuanwei.warehouse.db import connect


def read_rows(home: Home, table: str) -> list[dict]:
    """All rows of a contract table as dicts (for small tables: staff, branches)."""
    con = connect(home.warehouse, read_only=True)
    try:
        cur = con.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def read_recent(home: Home, table: str, column: str, since, until) -> list[dict]:
    """Rows of a contract table whose ``column`` (a DATE) lies in since…until (the brief's market/news)."""
    con = connect(home.warehouse, read_only=True)
    try:
        cur = con.execute(f'SELECT * FROM "{table}" WHERE "{column}" BETWEEN ? AND ?', [since, until])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()
