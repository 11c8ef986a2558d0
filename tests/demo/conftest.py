"""A small demo bank generated once per test session (CSV), and helpers to query it with DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from yuanwei.demo.generate import write_demo_bank

# D−1 = 26 Feb 2027, so D … D+2 = 27 Feb … 1 Mar holds a non-leap 28 Feb (the 29 Feb birthday rule).
END = dt.date(2027, 2, 26)
D = END + dt.timedelta(days=1)
CUSTOMERS = 1_000


def open_bank(folder, fmt: str = "csv") -> duckdb.DuckDBPyConnection:
    """Views over the generated files; timestamps kept as the text written (their first ten
    characters are the Asia/Shanghai day, as every value carries +08:00), money as DECIMAL."""
    con = duckdb.connect()
    from yuanwei.contract.schema import TABLES

    for name, table in TABLES.items():
        if fmt == "csv":
            types = {c.name: ("VARCHAR" if c.kind in ("id", "str", "enum", "timestamp") else c.sql_type)
                     for c in table.columns}
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{folder}/{name}.csv', header=true, "
                        f"columns={types!r})")
        else:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder}/{name}.parquet')")
    return con


@pytest.fixture(scope="session")
def bank_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-bank")
    counts = write_demo_bank(out, customers=CUSTOMERS, days=365, seed=7, fmt="csv", end=END, progress=False)
    return out, counts


@pytest.fixture(scope="session")
def bank(bank_dir):
    con = open_bank(bank_dir[0])
    yield con
    con.close()
