"""Benchmark of the demo bank generator.

    .venv/bin/python bench/demo.py --customers 200000 --format parquet

Prints one JSON line: seconds and peak RSS of generating N customers, the per-customer time as a
ratio to a small baseline (2,000 customers) measured in the same run (≈ 1 means linear scaling),
and a linear extrapolation to 1,000,000 customers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from yuanwei.demo.generate import write_demo_bank  # noqa: E402

BASELINE = 2_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def timed(out: Path, customers: int, days: int, fmt: str, progress: bool) -> tuple[float, dict]:
    t0 = time.perf_counter()
    counts = write_demo_bank(out, customers=customers, days=days, seed=42, fmt=fmt,
                             end=dt.date(2026, 11, 29), progress=progress)
    return time.perf_counter() - t0, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--format", dest="fmt", default="csv", choices=["csv", "parquet"])
    ap.add_argument("--out", type=Path, default=None, help="keep the files here (default: a temporary folder)")
    ap.add_argument("--progress", action="store_true", help="show the progress bar")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="yuanwei-bench-") as tmp:
        timed(Path(tmp) / "warm-up", 50, args.days, args.fmt, False)  # imports, not the generator
        base_s, _ = timed(Path(tmp) / "baseline", BASELINE, args.days, args.fmt, False)
        out = args.out or Path(tmp) / "bank"
        seconds, counts = timed(out, args.customers, args.days, args.fmt, args.progress)
        size = sum(p.stat().st_size for p in out.iterdir())
    per_customer = seconds / args.customers
    print(json.dumps({
        "customers": args.customers, "days": args.days, "format": args.fmt,
        "seconds": round(seconds, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
        "transactions": counts["transactions"], "rows": sum(counts.values()),
        "rows_per_second": round(sum(counts.values()) / seconds),
        "output_mb": round(size / 2**20, 1),
        "baseline_customers": BASELINE, "baseline_seconds": round(base_s, 2),
        "per_customer_ratio_to_baseline": round(per_customer / (base_s / BASELINE), 3),
        "extrapolated_1m_seconds": round(per_customer * 1_000_000),
    }))


if __name__ == "__main__":
    main()
