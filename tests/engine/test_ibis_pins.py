"""The library pins of DESIGN §2, exercised: an upgrade past them fails here, not in a bank's night run.

ibis-framework 12.0.0 needs duckdb < 2 (2.x removed ``fetch_record_batch``, which
``to_pyarrow_batches`` uses) and sqlglot <= 30.17 (30.18+ breaks ``create_table(..., overwrite=True)``);
its PySpark extra needs pyspark < 4.1.
"""

from __future__ import annotations

from importlib.metadata import version

import ibis
import pyarrow as pa
import pytest


def _v(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:3] if p.isdigit())


def test_the_installed_versions_are_within_the_pins():
    assert version("ibis-framework") == "12.0.0"
    assert (1, 5) <= _v(version("duckdb")) < (2,)
    assert (30,) <= _v(version("sqlglot")) <= (30, 17, 999)
    try:
        spark = version("pyspark")
    except Exception:  # pyspark is an optional extra
        pytest.skip("pyspark not installed")
    assert (4, 0) <= _v(spark) < (4, 1)


def test_create_table_overwrite_works_twice():
    con = ibis.duckdb.connect()
    first = pa.table({"customer_id": ["C1", "C2"], "aum": pa.array([1, 2], pa.int64())})
    second = pa.table({"customer_id": ["C3"], "aum": pa.array([30], pa.int64())})

    con.create_table("profiles", first, overwrite=True)
    t = con.create_table("profiles", second, overwrite=True)

    assert t.to_pyarrow().to_pylist() == [{"customer_id": "C3", "aum": 30}]
    assert con.list_tables() == ["profiles"]


def test_to_pyarrow_batches_streams_record_batches():
    con = ibis.duckdb.connect()
    t = con.create_table("flows", pa.table({"n": pa.array(range(10_000), pa.int64())}), overwrite=True)

    reader = t.order_by("n").to_pyarrow_batches(chunk_size=1_000)

    assert isinstance(reader, pa.RecordBatchReader)
    batches = list(reader)
    assert len(batches) >= 2 and sum(b.num_rows for b in batches) == 10_000
    assert pa.Table.from_batches(batches).column("n").to_pylist() == list(range(10_000))
