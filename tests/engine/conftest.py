"""Backend fixtures shared by every engine test (DESIGN §2: rules tested once, run on every backend).

``backend`` is parametrized over DuckDB (in-memory) and PySpark (local mode, one shared session,
tests marked ``spark``). ``backend.tables(customers=[...], transactions=[...])`` builds all 17
contract tables on that backend with the exact warehouse column types of ``contract/schema.py``
(empty unless rows are given; missing columns are NULL; a ``<ts>_day`` column is derived from its
timestamp when not given) and returns ``{name: ibis.Table}`` — what ``compute_signals`` and
``compute_features`` receive in a run.

Row helpers (``customer(...)``, ``txn(...)``, ``snapshot(...)`` …) live in ``engine_rows.py``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

import ibis
import pyarrow as pa
import pytest

from engine_rows import contract_arrow_table  # noqa: E402 - tests/engine is on sys.path (no __init__)
from yuanwei.contract.schema import TABLES

# ---------------------------------------------------------------------------------------------
# backends

@dataclass
class Backend:
    name: str
    con: Any
    _load: Callable[[str, pa.Table], ibis.Table]

    def tables(self, **rows: list[dict]) -> dict[str, ibis.Table]:
        """All 17 contract tables on this backend; the given ones filled with ``rows``."""
        unknown = set(rows) - set(TABLES)
        if unknown:
            raise KeyError(f"unknown contract tables {sorted(unknown)}")
        return {name: self._load(name, contract_arrow_table(name, rows.get(name))) for name in TABLES}


@pytest.fixture(scope="session")
def spark_session():
    pyspark = pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("yuanwei-tests")
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    del pyspark
    yield session
    session.stop()


def _spark_type(typ: pa.DataType):
    from pyspark.sql import types as T

    if pa.types.is_string(typ):
        return T.StringType()
    if pa.types.is_date(typ):
        return T.DateType()
    if pa.types.is_timestamp(typ):
        # warehouse timestamps are Asia/Shanghai wall-clock without zone
        return T.TimestampNTZType()
    if pa.types.is_decimal(typ):
        return T.DecimalType(typ.precision, typ.scale)
    if pa.types.is_int64(typ):
        return T.LongType()
    if pa.types.is_float64(typ):
        return T.DoubleType()
    if pa.types.is_boolean(typ):
        return T.BooleanType()
    raise TypeError(typ)


@pytest.fixture(scope="session")
def spark_con(spark_session):
    return ibis.pyspark.connect(spark_session)


_views = itertools.count(1)


def _duckdb_backend() -> Backend:
    con = ibis.duckdb.connect()

    def load(name: str, table: pa.Table) -> ibis.Table:
        return con.create_table(name, table, overwrite=True)

    return Backend("duckdb", con, load)


def _spark_backend(session, con) -> Backend:
    from pyspark.sql import types as T

    def load(name: str, table: pa.Table) -> ibis.Table:
        schema = T.StructType([T.StructField(f.name, _spark_type(f.type)) for f in table.schema])
        rows = [tuple(r[c] for c in table.column_names) for r in table.to_pylist()]
        view = f"t{next(_views)}_{name}"
        session.createDataFrame(rows, schema).createOrReplaceTempView(view)
        return con.table(view)

    return Backend("spark", con, load)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request) -> Backend:
    """Each engine test runs once on DuckDB and once on PySpark."""
    if request.param == "duckdb":
        return _duckdb_backend()
    session = request.getfixturevalue("spark_session")
    return _spark_backend(session, request.getfixturevalue("spark_con"))


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def module_backend(request) -> Backend:
    """As ``backend``, shared by a module's tests that read one computed result (Spark is slow to query)."""
    if request.param == "duckdb":
        return _duckdb_backend()
    session = request.getfixturevalue("spark_session")
    return _spark_backend(session, request.getfixturevalue("spark_con"))


@pytest.fixture
def duckdb_backend() -> Backend:
    """DuckDB only (for tests of pure configuration or formatting)."""
    return _duckdb_backend()


@pytest.fixture
def spark_backend(spark_session, spark_con) -> Backend:
    """PySpark only (for tests comparing the two backends' output byte for byte)."""
    return _spark_backend(spark_session, spark_con)
