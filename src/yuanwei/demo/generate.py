"""``write_demo_bank``: a whole demo bank in the data contract (DESIGN §3), CSV or Parquet.

Same arguments give byte-identical files: every random draw comes from a generator seeded by
(seed, table or chunk), customers are processed in fixed chunks of ``CHUNK``, and row ids are
numbered in chunk order.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from pathlib import Path

from yuanwei.contract.schema import TABLES
from yuanwei.demo.customers import CHUNK, generate_chunk
from yuanwei.demo.plant import Plants
from yuanwei.demo.static import build_bank
from yuanwei.demo.writer import TableSink
from yuanwei.errors import UsageError

FORMATS = ("csv", "parquet")


def _yesterday_shanghai() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() - dt.timedelta(days=1)


def _progress(enabled: bool):
    if not enabled:
        return nullcontext(None)
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TextColumn("客户 customers"), TextColumn("{task.fields[rows]}"),
                    TimeElapsedColumn(), TimeRemainingColumn(), transient=False)


def write_demo_bank(out: Path, customers: int = 20_000, days: int = 365, seed: int = 42, fmt: str = "csv",
                    end: dt.date | None = None, progress: bool = True) -> dict[str, int]:
    """Writes one file per contract table into ``out``; returns rows written per table.

    ``end`` is the last business day in the data: a run for D = end + 1 fires every default signal.
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format: '{fmt}' is not one of csv, parquet / 格式只能是 csv 或 parquet")
    if customers < 1:
        raise UsageError("--customers must be at least 1 / 客户数至少为 1")
    if days < 60:
        raise UsageError("--days must be at least 60 (balances cover the last 60 days) / 天数至少为 60")
    end = end or _yesterday_shanghai()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder / 输出路径不是文件夹")
    out.mkdir(parents=True, exist_ok=True)
    for table in TABLES:  # a previous run in the other format must not leave a second copy
        for ext in FORMATS:
            stale = out / f"{table}.{ext}"
            if stale.exists():
                stale.unlink()

    sinks = {name: TableSink(out, name, fmt) for name in TABLES}
    try:
        bank = build_bank(seed, customers, days, end, lambda t, cols: sinks[t].write(cols))
        plants = Plants(customers)
        counters = {"transactions": 0, "contacts": 0, "holdings": 0}
        with _progress(progress) as bar:
            task = bar.add_task("生成演示银行 demo bank", total=customers, rows="") if bar else None
            for chunk, lo in enumerate(range(0, customers, CHUNK)):
                hi = min(customers, lo + CHUNK)
                for table, cols in generate_chunk(bank, plants, seed, chunk, lo, hi, counters).items():
                    sinks[table].write(cols)
                if bar:
                    rows = sum(s.rows for s in sinks.values())
                    bar.update(task, completed=hi, rows=f"{rows:,} 行 rows")
    except BaseException:  # also Ctrl-C: no half-written bank is left behind
        for s in sinks.values():
            s.abort()
        if not any(out.iterdir()):
            out.rmdir()
        raise
    for s in sinks.values():
        s.close()
    return {name: s.rows for name, s in sinks.items()}
