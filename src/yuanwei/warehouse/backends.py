"""The backends a daily run computes on: DuckDB (embedded default) and PySpark (DESIGN §2).

``open_tables(home, backend)`` returns ``(handle, tables)`` where ``tables`` maps every contract
table name to an Ibis table on the chosen backend, so the same rule code runs on both.

* **duckdb** — the warehouse file itself, opened read-only for the run (ingest may not write while
  a run reads; the run's own records are written afterwards through ``warehouse.db``), with the
  memory ceiling (``YUANWEI_RUN_MEMORY_LIMIT`` or ``YUANWEI_MEMORY_LIMIT``, default 1500MB), spilling to ``<home>/tmp``.
* **spark** — a SparkSession (local mode by default, Asia/Shanghai session time zone, UI off).
  Spark reads the contract tables as Parquet from the *lake* folder ``<home>/lake/<table>/``.
  The lake is exported from the DuckDB warehouse with ``COPY … TO … (FORMAT parquet)``, one table
  at a time and only when that table's content stamp (row count and a sum of row hashes, plus the
  latest ``load_log`` load_id, recorded for the reader) changed since the last export.
  A bank with a real Spark warehouse points ``lake`` at its own tables instead
  (``lake: /path`` or ``lake: {transactions: hdfs://…}`` in ``<home>/config/spark.yaml``) and the
  export is skipped for tables it names.

The Spark master comes from, in order: the ``spark_master`` argument, the environment variable
``YUANWEI_SPARK_MASTER``, ``spark.master`` in ``<home>/config/spark.yaml``, else ``local[*]``.
Every other ``spark.*`` key of that file is passed to the session builder as it is.

``as_of(tables, day)`` restricts the tables to what was known at the end of D−1 (DESIGN §4), so a
run for a past date ignores rows that arrived later.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import ibis

from yuanwei.contract.schema import TABLES
from yuanwei.errors import UsageError
from yuanwei.paths import Home

BACKENDS = ("duckdb", "spark")
SPARK_MASTER_ENV = "YUANWEI_SPARK_MASTER"
DEFAULT_SPARK_MASTER = "local[*]"

# Time-based contract tables: the column whose day must be <= D-1 for a run of D.
# Event tables (flows, snapshots, observations) and rows that start existing on a day.
AS_OF_COLUMNS: dict[str, str] = {
    "transactions": "booked_at_day",
    "balances": "as_of",
    "contacts": "at_day",
    "nav": "as_of",
    "market": "as_of",
    "news": "published_at_day",
    "customers": "opened_on",   # not yet a customer for a run of D when opened after D-1
    "accounts": "opened_on",
    "holdings": "bought_on",
    "services": "since",
}


def lake_dir(home: Home) -> Path:
    return home.root / "lake"


def spark_config_file(home: Home) -> Path:
    return home.config_dir / "spark.yaml"


def open_tables(home: Home, backend: str = "duckdb", spark_master: str | None = None):
    """Open the warehouse on ``backend``; returns ``(handle, {contract table: ibis.Table})``.

    ``handle`` is the Ibis backend; pass it to :func:`close` when the run is done.
    """
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend '{backend}' (duckdb or spark) / 未知计算引擎 '{backend}'")
    if not home.warehouse.exists():
        raise UsageError(f"no warehouse at {home.warehouse}; run `yuanwei ingest DIR` first / "
                         "仓库不存在，请先导入数据")
    if backend == "duckdb":
        return _open_duckdb(home)
    return _open_spark(home, spark_master)


def close(handle) -> None:
    """Release what :func:`open_tables` opened. The SparkSession is kept for reuse in the process."""
    if getattr(handle, "name", None) == "duckdb":
        handle.disconnect()


RUN_MEMORY_LIMIT = "1500MB"


def run_memory_limit() -> str:
    """DuckDB's memory ceiling for a run: ``YUANWEI_RUN_MEMORY_LIMIT``, else ``YUANWEI_MEMORY_LIMIT``."""
    return os.environ.get("YUANWEI_RUN_MEMORY_LIMIT") or os.environ.get("YUANWEI_MEMORY_LIMIT") or RUN_MEMORY_LIMIT


def _open_duckdb(home: Home):
    import duckdb

    # A memory ceiling for DuckDB's part of the run, spilling to <home>/tmp/duckdb beyond it. The
    # Python side (result rows, the tasks' candidates) needs ~2.5GB at 1M customers, so 1500MB keeps
    # the process under the 4GB budget of issue 3; the one balances pass of the signals
    # (Context.balance_facts) fits in it where the earlier join-based snapshots failed at 1GB.
    spill = home.root / "tmp" / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    limit = run_memory_limit()
    try:
        con = ibis.duckdb.connect(home.warehouse, read_only=True, temp_directory=str(spill), memory_limit=limit)
    except duckdb.IOException as exc:  # another process (ingest) holds the write lock
        raise UsageError(f"warehouse {home.warehouse} is busy: {exc} / 仓库正被其他进程写入") from None
    existing = set(con.list_tables())
    missing = [name for name in TABLES if name not in existing]
    if missing:
        con.disconnect()
        raise UsageError(f"warehouse {home.warehouse} lacks tables {', '.join(missing)}; "
                         "run `yuanwei ingest DIR` first / 仓库缺少数据表，请先导入数据")
    return con, {name: con.table(name) for name in TABLES}


# ---------------------------------------------------------------------------------------- spark

def read_spark_config(home: Home) -> dict[str, Any]:
    path = spark_config_file(home)
    if not path.exists():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {exc} / Spark 配置文件格式错误") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping of spark.* settings / 应为键值映射")
    return data


def spark_master_for(home: Home, spark_master: str | None = None) -> str:
    cfg = read_spark_config(home)
    return (spark_master or os.environ.get(SPARK_MASTER_ENV) or cfg.get("spark.master")
            or DEFAULT_SPARK_MASTER)


def spark_session(home: Home, spark_master: str | None = None):
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("the spark backend needs pyspark: install yuanwei[spark] / 需要安装 pyspark") from None
    cfg = read_spark_config(home)
    builder = (SparkSession.builder.master(spark_master_for(home, spark_master)).appName("yuanwei")
               .config("spark.sql.session.timeZone", "Asia/Shanghai")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.ansi.enabled", "false")
               # small local runs: the default 200 shuffle partitions are pure overhead
               .config("spark.sql.shuffle.partitions", "8"))
    for key, value in cfg.items():
        if key.startswith("spark.") and key != "spark.master":
            builder = builder.config(key, str(value))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _lake_sources(home: Home) -> dict[str, str]:
    """Tables the bank's own lake provides (spark.yaml ``lake``): name -> Parquet path/URI."""
    lake = read_spark_config(home).get("lake")
    if lake is None:
        return {}
    if isinstance(lake, str):
        return {name: f"{lake.rstrip('/')}/{name}" for name in TABLES}
    if isinstance(lake, dict):
        return {str(k): str(v) for k, v in lake.items() if k in TABLES}
    raise UsageError(f"{spark_config_file(home)}: lake must be a path or a mapping table -> path")


def latest_load_id(con) -> str | None:
    """The ``load_id`` of the latest finished ingest (``load_log`` of warehouse.ingest), if any."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'load_log'").fetchall():
        return None
    row = con.execute("SELECT load_id FROM load_log ORDER BY finished_at DESC NULLS LAST, started_at DESC "
                      "LIMIT 1").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def table_stamps(con, names=TABLES) -> dict[str, str]:
    """A content stamp per warehouse table: row count and a sum of row hashes (order-free)."""
    stamps = {}
    for name in names:
        n, h = con.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{name}" t').fetchone()
        stamps[name] = f"{n}:{h}"
    stamps["_load_log"] = str(latest_load_id(con))
    return stamps


def export_lake(home: Home, only: list[str] | None = None) -> list[str]:
    """Copy changed contract tables from the DuckDB warehouse to ``<home>/lake`` as Parquet.

    Returns the names of the tables written. Each table is written to a temp folder and renamed
    into place, so a crash never leaves a half-written table behind.
    """
    from yuanwei.warehouse.db import connect

    lake = lake_dir(home)
    lake.mkdir(parents=True, exist_ok=True)
    stamp_file = lake / "_stamps.json"
    old = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
    names = [n for n in TABLES if only is None or n in only]
    con = connect(home.warehouse, read_only=True)
    written = []
    try:
        new = table_stamps(con, names)
        for name in names:
            target = lake / name
            if old.get(name) == new[name] and target.exists():
                continue
            tmp = lake / f".{name}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            con.execute(f"COPY \"{name}\" TO '{tmp / 'part-0.parquet'}' (FORMAT parquet)")
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
            old[name] = new[name]
            written.append(name)
        old["_load_log"] = new["_load_log"]
        stamp_file.write_text(json.dumps(old, indent=1, sort_keys=True))
    finally:
        con.close()
    return written


def _open_spark(home: Home, spark_master: str | None):
    session = spark_session(home, spark_master)
    own = _lake_sources(home)
    export_lake(home, only=[n for n in TABLES if n not in own])
    con = ibis.pyspark.connect(session)
    tables = {}
    for name in TABLES:
        path = own.get(name) or str(lake_dir(home) / name)
        session.read.parquet(path).createOrReplaceTempView(name)
        tables[name] = con.table(name)
    return con, tables


# ---------------------------------------------------------------------------------------- as of

def as_of(tables: dict[str, ibis.Table], day: dt.date) -> dict[str, ibis.Table]:
    """The tables as known at the end of D−1: later rows of time-based tables are left out."""
    last = day - dt.timedelta(days=1)
    out = {}
    for name, t in tables.items():
        col = AS_OF_COLUMNS.get(name)
        out[name] = t.filter(t[col] <= ibis.literal(last)) if col else t
    return out
