"""Benchmark of the daily run (issue 3): `python bench/engine.py --customers N`.

Generates (or reuses, under bench/out/) a demo bank as Parquet, ingests it once (the ingested
warehouse is kept and copied for every measurement), then measures in the same run:

  run_s            end-to-end `run_day` for D (DuckDB), in a child process (peak_rss_mb is its peak RSS)
  signals_s        the signal stage of that run
  run_next_day_s   the run of D+1 after ingesting a small extract of day D (one day of data)
  floor_s          a bare DuckDB scan of the columns the rules read (the floor for any engine)
  duckdb_sql_s     the rules as separate hand-written DuckDB SQL queries (bench/sql/*.sql)
  postgres_s       the same SQL on PostgreSQL 127.0.0.1:5432, database `test`, after COPY (skipped
                   with a reason when unreachable); postgres_load_s is the COPY
  pandas_s         the rules in pandas (bench/pandas_rules.py), the customers in pandas_partitions
                   customer_id ranges read one at a time, reading the columns included;
                   pandas_compute_s without the reads (the partitions' compute summed)
  spark_s          end-to-end `run_day` on the Spark backend (local mode, JVM start and lake export included)

and prints as its LAST line one JSON object with these figures and their ratios. Agreement between
the engine and the SQL baseline (customers per rule) is printed above it as a check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SQL = HERE / "sql"
END = dt.date(2026, 11, 27)   # last day in the demo data; the measured run is D = END + 1
RULES = ("birthday", "relative_birthday", "maturity", "large_inflow", "large_outflow", "idle_cash", "fund_move",
         "tier_up", "aum_drop", "payroll_stopped", "risk_assessment_expiring", "new_customer", "market_shock",
         "no_recent_contact")
# what the rules read: the floor scans exactly these columns
SCANS = {
    "customers": ["customer_id", "birth_date", "opened_on", "risk_assessed_on"],
    "relatives": ["customer_id", "birth_date"],
    "transactions": ["customer_id", "booked_at_day", "amount", "kind"],
    "balances": ["customer_id", "as_of", "current", "aum"],
    "holdings": ["customer_id", "product_id", "bought_on", "matures_on", "cost_nav"],
    "products": ["product_id", "category", "risk_rating"],
    "nav": ["product_id", "as_of", "nav"],
    "market": ["symbol", "as_of", "close"],
    "contacts": ["customer_id", "at_day"],
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ child phase

def child_run(home: str, day: str, backend: str) -> None:
    """Runs in a child process so its peak RSS is the run's own."""
    from yuanwei.engine.run import run_day
    from yuanwei.paths import Home

    t = time.perf_counter()
    summary = run_day(Home(Path(home)), dt.date.fromisoformat(day), backend=backend, progress=False)
    wall = time.perf_counter() - t
    print(json.dumps({"wall_s": wall, "stage_seconds": summary["stage_seconds"], "signals": summary["signals"],
                      "signals_per_rule": summary["signals_per_rule"], "tasks": summary["tasks"],
                      "state": summary.get("state")}))


def measure_run(home: Path, day: dt.date, backend: str = "duckdb") -> dict:
    cmd = [sys.executable, __file__, "--phase", "run", "--home", str(home.root), "--date", day.isoformat(),
           "--backend", backend]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise RuntimeError(f"run of {day} on {backend} failed (exit status {os.waitstatus_to_exitcode(status)})")
    result = json.loads(out.strip().splitlines()[-1])
    result["process_s"] = wall   # including the interpreter start and imports
    result["peak_rss_mb"] = usage.ru_maxrss / 1024   # Linux: KiB
    return result


# ------------------------------------------------------------------------------------------- data

def prepare(customers: int, days: int, seed: int) -> Path:
    """The ingested warehouse for N customers (built once, reused)."""
    from yuanwei.demo.generate import write_demo_bank
    from yuanwei.paths import Home
    from yuanwei.warehouse.ingest import ingest_folder

    tag = f"{customers}-{days}-{seed}"
    demo, base = OUT / f"demo-{tag}", OUT / f"warehouse-{tag}.duckdb"
    if base.exists():
        log(f"reusing {base}")
        import duckdb

        from yuanwei.warehouse.stamps import ensure_stamps, has_stamps

        con = duckdb.connect(str(base))
        try:
            if not has_stamps(con):   # a warehouse ingested before content stamps existed
                log("stamping it (warehouse.stamps)")
                ensure_stamps(con)
        finally:
            con.close()
        return base
    if not (demo / ".done").exists():
        log(f"generating {customers:,} customers × {days} days → {demo}")
        shutil.rmtree(demo, ignore_errors=True)
        t = time.perf_counter()
        write_demo_bank(demo, customers=customers, days=days, seed=seed, fmt="parquet", end=END, progress=False)
        (demo / ".done").write_text("ok")
        log(f"generated in {time.perf_counter() - t:.1f}s")
    scratch = Home(OUT / f"ingest-{tag}")
    shutil.rmtree(scratch.root, ignore_errors=True)
    scratch.ensure()
    t = time.perf_counter()
    report = ingest_folder(scratch, demo, progress=False)
    log(f"ingested {report['totals']} in {time.perf_counter() - t:.1f}s")
    shutil.move(scratch.warehouse, base)
    shutil.rmtree(scratch.root, ignore_errors=True)
    return base


def fresh_home(base: Path, name: str):
    from yuanwei.paths import Home

    home = Home(OUT / name)
    shutil.rmtree(home.root, ignore_errors=True)
    home.ensure()
    shutil.copy(base, home.warehouse)
    return home


def next_day_extract(home, folder: Path) -> dict:
    """One more day of data (END+1): balances, transactions, contacts, nav and market of END shifted."""
    import duckdb

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    queries = {
        "balances": "SELECT customer_id, as_of + 1 AS as_of, current, time_deposit, investments, aum "
                    f"FROM balances WHERE as_of = DATE '{END}'",
        "transactions": "SELECT txn_id || '-n' AS txn_id, account_id, customer_id, booked_at + INTERVAL 1 DAY "
                        "AS booked_at, amount, kind, counterparty, channel FROM transactions "
                        f"WHERE booked_at_day = DATE '{END}'",
        "contacts": "SELECT contact_id || '-n' AS contact_id, customer_id, staff_id, \"at\" + INTERVAL 1 DAY AS \"at\", "
                    f"channel, outcome, product_id, note FROM contacts WHERE at_day = DATE '{END}'",
        "nav": f"SELECT product_id, as_of + 1 AS as_of, nav FROM nav WHERE as_of = DATE '{END}'",
        "market": f"SELECT as_of + 1 AS as_of, symbol, close FROM market WHERE as_of = DATE '{END}'",
    }
    rows = {}
    try:
        for name, sql in queries.items():
            con.execute(f"COPY ({sql}) TO '{folder / (name + '.parquet')}' (FORMAT parquet)")
            rows[name] = con.execute(f"SELECT count(*) FROM '{folder / (name + '.parquet')}'").fetchone()[0]
    finally:
        con.close()
    return rows


# -------------------------------------------------------------------------------------- baselines

def sql_text(rule: str, day: dt.date) -> str:
    return (SQL / f"{rule}.sql").read_text(encoding="utf-8").replace("{D}", f"DATE '{day.isoformat()}'")


def floor_scan(con) -> float:
    t = time.perf_counter()
    for table, cols in SCANS.items():
        con.execute(f"SELECT count(*), sum(hash({', '.join(cols)})) FROM {table}").fetchall()
    return time.perf_counter() - t


def run_sql(execute, day: dt.date) -> tuple[float, dict[str, int]]:
    found, t = {}, time.perf_counter()
    for rule in RULES:
        rows = execute(sql_text(rule, day))
        found[rule] = len({r[0] for r in rows})
    return time.perf_counter() - t, found


def postgres(base: Path, day: dt.date) -> dict:
    try:
        import psycopg

        pg = psycopg.connect(host="127.0.0.1", port=5432, dbname="test", connect_timeout=3, autocommit=True)
    except Exception as exc:  # noqa: BLE001 — any reason to skip is reported
        return {"postgres_skipped": f"PostgreSQL 127.0.0.1:5432/test unreachable: {exc}".splitlines()[0]}
    import duckdb

    from yuanwei.contract.schema import TABLES

    schema = "yuanwei_bench"
    con = duckdb.connect(str(base), read_only=True)
    try:
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.execute(f"CREATE SCHEMA {schema}")
        pg.execute(f"SET search_path TO {schema}")
        t = time.perf_counter()
        for name in SCANS:
            cols = TABLES[name].stored_columns()
            types = {"VARCHAR": "text", "BIGINT": "bigint", "DOUBLE": "double precision"}
            pg.execute(f"CREATE TABLE {name} (" + ", ".join(f'"{c}" {types.get(s, s)}' for c, s in cols) + ")")
            # streamed in batches: at 1M customers transactions alone are ~50M rows
            reader = con.execute(f"SELECT * FROM {name}").to_arrow_reader(500_000)
            with pg.cursor().copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:
                for batch in reader:
                    buf = io.BytesIO()
                    pacsv.write_csv(batch, buf, pacsv.WriteOptions(include_header=False))
                    copy.write(buf.getvalue())
        for name, cols in (("transactions", "customer_id, booked_at_day"), ("balances", "customer_id, as_of"),
                           ("contacts", "customer_id, at_day"), ("holdings", "customer_id"),
                           ("customers", "customer_id"), ("nav", "product_id, as_of")):
            pg.execute(f"CREATE INDEX ON {name} ({cols})")
        pg.execute("ANALYZE")
        load_s = time.perf_counter() - t
        seconds, found = run_sql(lambda sql: pg.execute(sql).fetchall(), day)
        return {"postgres_s": seconds, "postgres_load_s": load_s, "postgres_found": found}
    finally:
        con.close()
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.close()


def pandas_baseline(base: Path, day: dt.date) -> dict:
    """The rules in pandas the way one runs them at this scale: the customers in K partitions (customer_id
    ranges, K = ceil(customers / 125,000)), each partition's per-customer tables read into DataFrames
    and the rules run on it; products, nav and market are read once, whole. The partitions are disjoint
    by customer, so a rule's customers are the union of the partitions'. The environment variable
    YUANWEI_BENCH_PANDAS_PARTITIONS forces K (to check that the counts do not depend on it)."""
    import duckdb

    sys.path.insert(0, str(HERE))
    import pandas_rules

    con = duckdb.connect(str(base), read_only=True)
    try:
        t = time.perf_counter()
        forced = os.environ.get("YUANWEI_BENCH_PANDAS_PARTITIONS", "").strip()
        k = int(forced) if forced else pandas_rules.partition_count(
            con.execute("SELECT count(*) FROM customers").fetchone()[0])
        if k < 1:
            raise ValueError(f"YUANWEI_BENCH_PANDAS_PARTITIONS={forced!r}: needs a positive number of partitions")
        preds = pandas_rules.partitions(con, k)
        log(f"pandas: {len(preds)} partition(s) of the customers" + (" (forced)" if forced else ""))
        shared = pandas_rules.load_shared(con)
        compute, hits = 0.0, {}
        for where, params in preds:
            frames = {**shared, **pandas_rules.load_partition(con, where, params)}
            c = time.perf_counter()
            part = pandas_rules.rules(frames, day)
            compute += time.perf_counter() - c
            for rule, ids in part.items():
                hits.setdefault(rule, set()).update(ids.dropna().unique())
            del frames, part   # before the next partition is read
        found = {rule: len(ids) for rule, ids in hits.items()}
        done = time.perf_counter()
    finally:
        con.close()
    return {"pandas_s": done - t, "pandas_compute_s": compute, "pandas_partitions": len(preds),
            "pandas_found": found}


def engine_found(home, day: dt.date) -> dict[str, int]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(home.runs_dir / day.isoformat() / "signals.parquet", columns=["customer_id", "rule"])
    return {r: len(pc.unique(t.filter(pc.equal(t["rule"], r))["customer_id"])) for r in RULES}


# ------------------------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip", default="", help="comma-separated: spark,postgres,pandas")
    ap.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--home", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--date", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="duckdb", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "run":
        return child_run(args.home, args.date, args.backend)

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    day = END + dt.timedelta(days=1)
    OUT.mkdir(parents=True, exist_ok=True)
    base = prepare(args.customers, args.days, args.seed)
    res: dict = {"customers": args.customers, "days": args.days, "date": day.isoformat(),
                 "machine": f"{os.cpu_count()} cpu, {os.uname().machine}", "measured_on": dt.date.today().isoformat()}

    home = fresh_home(base, "work-duckdb")
    log(f"run {day} (duckdb)")
    first = measure_run(home, day)
    res.update(run_s=first["wall_s"], signals_s=first["stage_seconds"]["signals"],
               peak_rss_mb=first["peak_rss_mb"], run_process_s=first["process_s"],
               stage_seconds=first["stage_seconds"], signals=first["signals"], tasks=first["tasks"])
    found = engine_found(home, day)

    log("next-day extract, ingest, run")
    from yuanwei.warehouse.ingest import ingest_folder

    extract = OUT / "extract-next-day"
    res["next_day_extract_rows"] = next_day_extract(home, extract)
    t = time.perf_counter()
    ingest_folder(home, extract, progress=False)
    res["next_day_ingest_s"] = time.perf_counter() - t
    nxt = measure_run(home, day + dt.timedelta(days=1))
    res.update(run_next_day_s=nxt["wall_s"], next_day_peak_rss_mb=nxt["peak_rss_mb"],
               next_day_stage_seconds=nxt["stage_seconds"], next_day_state=nxt.get("state"))

    import duckdb

    log("floor scan and DuckDB SQL")
    con = duckdb.connect(str(base), read_only=True)
    try:
        floor_scan(con)   # warm the OS cache the same way for both
        res["floor_s"] = floor_scan(con)
        res["duckdb_sql_s"], sql_found = run_sql(lambda sql: con.execute(sql).fetchall(), day)
    finally:
        con.close()

    if "postgres" in skip:
        res["postgres_skipped"] = "--skip postgres"
    else:
        log("PostgreSQL")
        res.update(postgres(base, day))
    if "pandas" in skip:
        res["pandas_skipped"] = "--skip pandas"
    else:
        log("pandas")
        res.update(pandas_baseline(base, day))
    if "spark" in skip:
        res["spark_skipped"] = "--skip spark"
    else:
        log(f"run {day} (spark)")
        spark_home = fresh_home(base, "work-spark")
        # local mode at 1M customers needs more than Spark's default 1g driver (a bank sets its own)
        memory = os.environ.get("YUANWEI_BENCH_SPARK_DRIVER_MEMORY", "10g")
        (spark_home.config_dir / "spark.yaml").write_text(f"spark.driver.memory: {memory}\n", encoding="utf-8")
        try:
            sp = measure_run(spark_home, day, "spark")
        except RuntimeError as exc:   # reported, not fatal: the DuckDB figures stand
            res["spark_skipped"] = str(exc)
        else:
            res.update(spark_s=sp["wall_s"], spark_stage_seconds=sp["stage_seconds"])
            if sp["signals_per_rule"] != first["signals_per_rule"]:
                res["spark_mismatch"] = {"duckdb": first["signals_per_rule"], "spark": sp["signals_per_rule"]}

    # agreement: customers per rule, engine vs hand-written SQL (and pandas, PostgreSQL)
    check = {r: [found[r], sql_found[r]] + ([res["pandas_found"][r]] if "pandas_found" in res else [])
             for r in RULES}
    print("customers per rule: engine, duckdb_sql[, pandas]:", json.dumps(check), file=sys.stderr)
    res["rules_agreeing_with_sql"] = sum(a == b for a, b, *_ in check.values())
    res.pop("pandas_found", None)
    if res.pop("postgres_found", None) not in (None, sql_found):
        res["postgres_disagrees_with_duckdb_sql"] = True

    s = res["signals_s"]
    ratios = {"duckdb_sql_over_signals": res["duckdb_sql_s"] / s, "signals_over_floor": s / res["floor_s"]}
    if "postgres_s" in res:
        ratios["postgres_over_signals"] = res["postgres_s"] / s
    if "pandas_s" in res:
        ratios["pandas_over_signals"] = res["pandas_s"] / s
    if "spark_s" in res:
        ratios["spark_over_run"] = res["spark_s"] / res["run_s"]
    res["ratios"] = {k: round(v, 2) for k, v in ratios.items()}
    res = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items()}
    print(json.dumps(res, ensure_ascii=False))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
