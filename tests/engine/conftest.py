"""Backend fixtures shared by every engine test (DESIGN §2: rules tested once, run on every backend).

``backend`` is parametrized over DuckDB (in-memory) and PySpark (local mode, one shared session,
tests marked ``spark``). ``backend.tables(customers=[...], transactions=[...])`` builds all 17
contract tables on that backend with the exact warehouse column types of ``contract/schema.py``
(empty unless rows are given; missing columns are NULL; a ``<ts>_day`` column is derived from its
timestamp when not given) and returns ``{name: ibis.Table}`` — what ``compute_signals`` and
``compute_features`` receive in a run.

Helpers ``customer(...)``, ``txn(...)``, ``snapshot(...)`` fill the required columns with
realistic defaults so a test names only what matters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import ibis
import pyarrow as pa
import pytest

from yuanwei.contract.schema import TABLES

ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
    "DECIMAL(18,6)": pa.decimal128(18, 6),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}


def contract_arrow_schema(name: str) -> pa.Schema:
    """The warehouse columns of a contract table as an Arrow schema."""
    return pa.schema([(col, ARROW_TYPES[sql]) for col, sql in TABLES[name].stored_columns()])


def _coerce(value: Any, typ: pa.DataType) -> Any:
    """Accept the natural Python spelling in tests: '2026-11-29', '520000.00', 520000."""
    if value is None:
        return None
    if pa.types.is_decimal(typ):
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    if pa.types.is_date(typ) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if pa.types.is_timestamp(typ) and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def contract_arrow_table(name: str, rows: list[dict] | None = None) -> pa.Table:
    """A contract table as Arrow with the warehouse types; unknown column names fail loudly."""
    schema = contract_arrow_schema(name)
    rows = rows or []
    known = set(schema.names)
    for row in rows:
        unknown = set(row) - known
        if unknown:
            raise KeyError(f"{name}: unknown columns {sorted(unknown)}")
    columns = {}
    for field in schema:
        if field.name.endswith("_day") and field.name[:-4] in known:
            src = field.name[:-4]
            values = [
                row.get(field.name) if row.get(field.name) is not None
                else (_coerce(row.get(src), pa.timestamp("us")).date() if row.get(src) is not None else None)
                for row in rows
            ]
        else:
            values = [row.get(field.name) for row in rows]
        columns[field.name] = pa.array([_coerce(v, field.type) for v in values], type=field.type)
    return pa.table(columns, schema=schema)


# ---------------------------------------------------------------------------------------------
# row helpers: realistic defaults for the required columns

_ids = itertools.count(1)


def customer(customer_id: str, **kw) -> dict:
    row = dict(customer_id=customer_id, name=f"客户{customer_id}", gender="F", birth_date="1970-06-15",
               phone="13800000000", branch_id="B01", opened_on="2015-01-01", marketing_consent=True)
    row.update(kw)
    return row


def txn(customer_id: str, booked_at: str, amount, kind: str = "transfer", **kw) -> dict:
    if len(booked_at) == 10:  # a bare date: mid-morning
        booked_at += "T10:00:00"
    row = dict(txn_id=f"T{next(_ids):08d}", account_id=f"A{customer_id}", customer_id=customer_id,
               booked_at=booked_at, amount=amount, kind=kind)
    row.update(kw)
    return row


def snapshot(customer_id: str, as_of: str, aum, current=None, time_deposit=0, investments=None) -> dict:
    aum = Decimal(str(aum))
    current = aum if current is None else Decimal(str(current))
    time_deposit = Decimal(str(time_deposit))
    if investments is None:
        investments = aum - current - time_deposit
    return dict(customer_id=customer_id, as_of=as_of, current=current, time_deposit=time_deposit,
                investments=investments, aum=aum)


def contact(customer_id: str, at: str, outcome: str = "reached", **kw) -> dict:
    row = dict(contact_id=f"K{next(_ids):08d}", customer_id=customer_id, staff_id="S01", at=at,
               channel="phone", outcome=outcome)
    row.update(kw)
    return row


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


@pytest.fixture
def duckdb_backend() -> Backend:
    """DuckDB only (for tests of pure configuration or formatting)."""
    return _duckdb_backend()
