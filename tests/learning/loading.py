"""Load a contract folder of CSVs into a test warehouse with plain DuckDB (no validation).

Stand-in while ``yuanwei ingest`` is not available; the end-to-end test uses the real ingest when
it is importable.
"""

from __future__ import annotations

from pathlib import Path

from yuanwei.contract.schema import TABLES
from yuanwei.warehouse.db import connect


def load_folder(warehouse: Path, folder: Path) -> dict[str, int]:
    con = connect(warehouse)
    counts = {}
    try:
        for name, table in TABLES.items():
            f = folder / f"{name}.csv"
            if not f.exists():
                continue
            header = f.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
            cols, exprs = [], []
            for col, sql_type in table.stored_columns():
                if col.endswith("_day") and col[:-4] in table.column_names and table.column(col[:-4]).kind == "timestamp":
                    src = col[:-4]
                    expr = f'CAST(CAST(NULLIF("{src}", \'\') AS TIMESTAMP) AS DATE)' if src in header else "NULL"
                elif col in header:
                    expr = f'CAST(NULLIF("{col}", \'\') AS {sql_type})'
                else:
                    expr = "NULL"
                cols.append(f'"{col}"')
                exprs.append(expr)
            con.execute(
                f'INSERT INTO "{name}" ({", ".join(cols)}) SELECT {", ".join(exprs)} '
                f"FROM read_csv('{f}', all_varchar=true, header=true)"
            )
            counts[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    finally:
        con.close()
    return counts
