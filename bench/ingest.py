"""Ingest benchmark: a Parquet transactions extract of N rows (numpy-generated), loaded by
``yuanwei.warehouse.ingest.ingest_folder`` into a fresh home. Prints one JSON line with rows/s,
wall time and peak RSS, and the same figures extrapolated linearly to 50M rows.

    .venv/bin/python bench/ingest.py --rows 5000000 [--customers 200000] [--format csv] [--keep DIR]

Peak RSS is ``ru_maxrss`` of this process, generation included (generation writes in slices of
1M rows, so it stays well below the load's footprint).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from yuanwei.paths import Home
from yuanwei.warehouse.ingest import ingest_folder

KINDS = np.array(["payroll", "pension", "transfer", "cash", "card", "investment", "fee", "interest", "other"])


def _ids(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pa.array(values).cast(pa.string()), width, "0"), "")


def write_extract(folder: Path, rows: int, customers: int, seed: int = 7, fmt: str = "parquet") -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"branch_id": ["B001"], "name": ["总行"]}), folder / "branches.parquet")
    pq.write_table(pa.table({"staff_id": ["S001"], "name": ["张三"], "role": ["remote_rm"], "branch_id": ["B001"],
                             "hired_on": pa.array([dt.date(2020, 1, 1)])}),
                   folder / "staff.parquet")
    cust = np.arange(customers)
    pq.write_table(pa.table({
        "customer_id": _ids("C", cust, 9), "name": pa.array(["客户"] * customers),
        "gender": pa.array(np.where(cust % 2 == 0, "M", "F")),
        "birth_date": pa.array(np.datetime64("1960-01-01") + rng.integers(0, 15000, customers).astype("timedelta64[D]")),
        "phone": pa.array(["13800000000"] * customers), "branch_id": pa.array(["B001"] * customers),
        "opened_on": pa.array(np.full(customers, np.datetime64("2015-06-01", "D"))),
        "marketing_consent": pa.array(cust % 3 != 0),
    }), folder / "customers.parquet")
    pq.write_table(pa.table({
        "account_id": _ids("A", cust, 9), "customer_id": _ids("C", cust, 9),
        "kind": pa.array(["current"] * customers),
        "opened_on": pa.array(np.full(customers, np.datetime64("2015-06-01", "D"))),
    }), folder / "accounts.parquet")
    schema = pa.schema([("txn_id", pa.string()), ("account_id", pa.string()), ("customer_id", pa.string()),
                        ("booked_at", pa.timestamp("us")), ("amount", pa.decimal128(18, 2)), ("kind", pa.string()),
                        ("channel", pa.string())])
    start = np.datetime64("2025-01-01T00:00:00", "us")
    if fmt == "csv":  # the same rows as text: every cell parsed and checked as a string
        w = pacsv.CSVWriter(folder / "transactions.csv", schema)
    else:
        w = pq.ParquetWriter(folder / "transactions.parquet", schema)
    with w:
        for lo in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - lo)
            who = rng.integers(0, customers, n)
            cents = rng.integers(-5_000_000, 5_000_000, n)
            # exact cents: x.yz as a double rounds to the nearest representable value, the cast recovers it
            amount = pc.cast(pc.round(pc.multiply(pa.array(cents).cast(pa.float64()), 0.01), 2),
                             pa.decimal128(18, 2), safe=False)
            w.write_table(pa.table({
                "txn_id": _ids("T", np.arange(lo, lo + n), 10), "account_id": _ids("A", who, 9),
                "customer_id": _ids("C", who, 9),
                "booked_at": pa.array(start + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")),
                "amount": amount, "kind": pa.array(KINDS[rng.integers(0, len(KINDS), n)]),
                "channel": pa.array(np.where(who % 2 == 0, "mobile", "counter")),
            }, schema=schema))


def _cpu() -> float:
    """CPU seconds (user + system) of this process: steadier than wall time on a shared machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--format", dest="fmt", choices=["parquet", "csv"], default="parquet",
                    help="format of the transactions file (the small tables are always Parquet)")
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temp folder)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="yuanwei-bench-"))
    try:
        t0 = time.perf_counter()
        write_extract(work / "extract", args.rows, args.customers, fmt=args.fmt)
        gen_s = time.perf_counter() - t0
        home = Home(work / "home").ensure()
        t1, c1 = time.perf_counter(), _cpu()
        report = ingest_folder(home, work / "extract", progress=False)
        load_s, cpu_s = time.perf_counter() - t1, _cpu() - c1
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        txn = report["tables"]["transactions"]
        assert txn["loaded"] == args.rows and report["totals"]["quarantined"] == 0, report
        rate = report["totals"]["read"] / load_s
        print(json.dumps({
            "bench": f"ingest_{args.fmt}", "rows_transactions": args.rows, "rows_total": report["totals"]["read"],
            "generate_s": round(gen_s, 1), "ingest_s": round(load_s, 1), "rows_per_s": round(rate),
            "cpu_s": round(cpu_s, 1), "rows_per_cpu_s": round(report["totals"]["read"] / cpu_s),
            "peak_rss_mb": round(peak_mb), "file_mb": round((work / "extract" / f"transactions.{args.fmt}").stat().st_size / 2**20),
            "extrapolated_50M_s": round(50_000_000 / rate),
            "extrapolated_50M_cpu_s": round(50_000_000 * cpu_s / report["totals"]["read"]),
            "extrapolated": "linear in rows from this run (not measured at 50M); wall time depends on the "
                            "machine's load, CPU time much less",
        }))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
