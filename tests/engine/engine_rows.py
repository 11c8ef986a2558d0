"""Contract tables for engine tests: Arrow tables with the exact warehouse column types, and row
helpers with realistic defaults for the required columns, so a test names only what matters.

Imported by ``conftest.py`` (the backend fixtures) and by the rule and feature tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa

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


def product(product_id: str, category: str = "fund", risk_rating: str = "R3", **kw) -> dict:
    row = dict(product_id=product_id, name=f"产品{product_id}", category=category, risk_rating=risk_rating,
               min_amount="1000.00", sale_start="2020-01-01")
    row.update(kw)
    return row


def holding(holding_id: str, customer_id: str, product_id: str, amount="100000.00",
            bought_on: str = "2024-01-01", **kw) -> dict:
    row = dict(holding_id=holding_id, customer_id=customer_id, product_id=product_id, amount=amount,
               bought_on=bought_on)
    row.update(kw)
    return row


def navs(product_id: str, series: dict[str, str]) -> list[dict]:
    return [dict(product_id=product_id, as_of=day, nav=value) for day, value in series.items()]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def fired(rows: list[dict]) -> dict[str, dt.date]:
    """customer_id → due_date of a rule's rows (one row per customer expected)."""
    out = {}
    for r in rows:
        assert r["customer_id"] not in out, f"two rows for {r['customer_id']}"
        out[r["customer_id"]] = r["due_date"]
    return out


def evidence(rows: list[dict], customer_id: str) -> dict:
    (row,) = [r for r in rows if r["customer_id"] == customer_id]
    return json.loads(row["evidence"]) if isinstance(row["evidence"], str) else row["evidence"]
