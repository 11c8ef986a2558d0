"""Quarantine files: every rejected row, with where it came from and why.

One CSV per table and load, ``<quarantine_dir>/<load_id>/<table>.csv``, UTF-8 with a BOM (so
Excel on a Chinese Windows desktop opens it correctly). Columns::

    file, line, column, value, reason, code, <every column of the original file…>

``line`` is the line a text editor shows for a CSV (header = line 1) or the row number of a
Parquet file; ``reason`` is zh-CN, ``code`` is machine-readable (see ``validation.REASONS``).
Rows are collected in a DuckDB temporary table while the load runs, then written in line order.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from yuanwei.contract.validation import REASONS, lit, q

META = ("file", "line", "column", "value", "reason", "code")


def raw_name(i: int) -> str:
    return f"__r{i}"


def create_table_sql(name: str, source_columns: list[str]) -> str:
    raws = "".join(f", {raw_name(i)} VARCHAR" for i in range(len(source_columns)))
    return (f"CREATE TEMP TABLE {q(name)} (line BIGINT, \"column\" VARCHAR, value VARCHAR, code VARCHAR, "
            f"detail VARCHAR, needs_raw BOOLEAN{raws})")


def reason_sql(code: str = "code", detail: str = "detail") -> str:
    """The zh-CN reason of a quarantined row, from its code and detail."""
    cases = " ".join(f"WHEN {lit(c)} THEN {lit(zh)}" for c, (zh, _en) in REASONS.items())
    return f"(CASE {code} {cases} ELSE {code} END || COALESCE('：' || {detail}, ''))"


def output_names(source_columns: list[str]) -> list[str]:
    """Header of the quarantine file; an original column named like a meta column gets ``row_``."""
    return list(META) + [f"row_{c}" if c in META else c for c in source_columns]


def write_file(con, table: str, path: Path, file_name: str, source_columns: list[str]) -> int:
    """Write the quarantined rows of ``table`` to ``path`` in line order; returns the row count."""
    names = output_names(source_columns)
    cols = [lit(file_name), "line", q("column"), "value", reason_sql(), "code"]
    cols += [raw_name(i) for i in range(len(source_columns))]
    select = ", ".join(f"{c} AS {q(n)}" for c, n in zip(cols, names))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"COPY (SELECT {select} FROM {q(table)} ORDER BY line) TO {lit(str(tmp))} "
                f"(FORMAT csv, HEADER true)")
    with open(path, "wb") as out, open(tmp, "rb") as src:
        out.write(b"\xef\xbb\xbf")
        shutil.copyfileobj(src, out, 16 << 20)
    os.unlink(tmp)
    return con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0]
