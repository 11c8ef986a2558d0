"""warehouse.backends: the DuckDB and Spark views of the warehouse, the Parquet lake, as-of dates."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from _bank import DAY, bank_rows, write_bank
from yuanwei.contract.schema import TABLES
from yuanwei.errors import UsageError
from yuanwei.warehouse import backends


@pytest.fixture(scope="module")
def rows():
    return bank_rows(customers=24)


@pytest.fixture
def bank(home, rows):
    write_bank(home, rows)
    return home


def test_duckdb_gives_every_contract_table_read_only(bank, rows):
    con, tables = backends.open_tables(bank, "duckdb")
    try:
        assert set(tables) == set(TABLES)
        assert tables["transactions"].count().execute() == len(rows["transactions"])
        assert tables["customers"].schema()["opened_on"].is_date()
        with pytest.raises(duckdb.Error, match="read-only"):
            con.raw_sql("DELETE FROM customers")
    finally:
        backends.close(con)


def test_as_of_leaves_out_what_arrived_after_the_day_before(bank, rows):
    con, tables = backends.open_tables(bank, "duckdb")
    try:
        seen = backends.as_of(tables, DAY)
        last = DAY - dt.timedelta(days=1)
        assert seen["transactions"].booked_at_day.max().to_pyarrow().as_py() == last
        assert seen["balances"].as_of.max().to_pyarrow().as_py() == last
        assert seen["news"].published_at_day.max().to_pyarrow().as_py() == last
        # customers opened after D-1 are not customers yet; untimed tables are as they are
        assert "C0020" in set(seen["customers"].customer_id.execute())          # opened D-3
        assert seen["customers"].count().execute() == sum(r["opened_on"] <= last for r in rows["customers"])
        assert seen["products"].count().execute() == len(rows["products"])
        assert seen["channel_plans"].count().execute() == len(rows["channel_plans"])
    finally:
        backends.close(con)


def test_a_missing_warehouse_is_a_usage_error(home):
    with pytest.raises(UsageError, match="yuanwei ingest"):
        backends.open_tables(home, "duckdb")


def test_an_unknown_backend_is_a_usage_error(bank):
    with pytest.raises(UsageError, match="duckdb or spark"):
        backends.open_tables(bank, "postgres")


def test_the_spark_master_comes_from_argument_env_file_then_local(home, monkeypatch):
    monkeypatch.delenv(backends.SPARK_MASTER_ENV, raising=False)
    assert backends.spark_master_for(home) == "local[*]"
    backends.spark_config_file(home).write_text("spark.master: spark://file:7077\nspark.executor.memory: 8g\n")
    assert backends.spark_master_for(home) == "spark://file:7077"
    monkeypatch.setenv(backends.SPARK_MASTER_ENV, "spark://env:7077")
    assert backends.spark_master_for(home) == "spark://env:7077"
    assert backends.spark_master_for(home, "local[2]") == "local[2]"


def test_a_broken_spark_yaml_names_the_file(home):
    backends.spark_config_file(home).write_text("spark.master: [unclosed\n")
    with pytest.raises(UsageError, match="spark.yaml"):
        backends.spark_master_for(home)


def test_a_bank_points_the_lake_at_its_own_tables(home):
    backends.spark_config_file(home).write_text("lake: hdfs:///dw/yuanwei/\n")
    assert backends._lake_sources(home)["transactions"] == "hdfs:///dw/yuanwei/transactions"
    assert set(backends._lake_sources(home)) == set(TABLES)
    backends.spark_config_file(home).write_text("lake:\n  balances: s3a://dw/bal/\n  not_a_table: x\n")
    assert backends._lake_sources(home) == {"balances": "s3a://dw/bal/"}


def test_the_lake_is_exported_only_for_tables_that_changed(bank):
    first = backends.export_lake(bank)
    assert sorted(first) == sorted(TABLES)
    lake = backends.lake_dir(bank)
    got = duckdb.sql(f"SELECT count(*) FROM '{lake / 'transactions'}/*.parquet'").fetchone()[0]
    assert got == duckdb.connect(str(bank.warehouse), read_only=True).sql(
        "SELECT count(*) FROM transactions").fetchone()[0]

    assert backends.export_lake(bank) == []          # nothing changed

    con = duckdb.connect(str(bank.warehouse))
    con.execute("UPDATE balances SET aum = aum + 1 WHERE customer_id = 'C0001' AND as_of = DATE '2026-11-29'")
    con.close()
    assert backends.export_lake(bank) == ["balances"]  # same row count, different content
    stamps = json.loads((lake / "_stamps.json").read_text())
    assert set(TABLES) <= set(stamps)
    assert not [p for p in lake.iterdir() if p.name.startswith(".")]


@pytest.mark.spark
def test_spark_reads_the_lake_with_warehouse_types(bank, rows, spark_session):
    con, tables = backends.open_tables(bank, "spark")
    assert set(tables) == set(TABLES)
    t = tables["transactions"]
    assert t.count().execute() == len(rows["transactions"])
    schema = t.schema()
    assert schema["amount"].is_decimal() and (schema["amount"].precision, schema["amount"].scale) == (18, 2)
    assert schema["booked_at"].is_timestamp() and schema["booked_at"].timezone is None
    # wall-clock Asia/Shanghai timestamps come back as they went in
    first = t.filter(t.txn_id == rows["transactions"][0]["txn_id"]).booked_at.execute().iloc[0]
    assert first.to_pydatetime() == rows["transactions"][0]["booked_at"]
    seen = backends.as_of(tables, DAY)
    assert seen["transactions"].booked_at_day.max().to_pyarrow().as_py() == DAY - dt.timedelta(days=1)
