"""`yuanwei export signals|tasks|excluded --date D --out FILE.csv` (DESIGN §7).

Reads the result files of D's run (``<home>/runs/<D>/``), never the warehouse, and writes CSV
(UTF-8, header row, ``\\n`` line ends) with exactly the columns of DESIGN §7. Rows are sorted by a
full key and values are formatted in one way (dates ISO, scores with 6 decimals, empty for null),
so the same run gives the same bytes whichever backend computed it.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import pyarrow.parquet as pq

from yuanwei.errors import UsageError
from yuanwei.paths import Home
from yuanwei.results import run_dir_name

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "signals": ("date", "customer_id", "rule", "urgency", "due_date", "evidence", "explanation"),
    "tasks": ("date", "staff_id", "rank", "customer_id", "rules", "purpose", "channel", "offers",
              "window", "score", "policy_notes"),
    "excluded": ("date", "customer_id", "rule", "reason"),
}
# Full sort keys: every exported row has one place, whatever order the result file came in.
EXPORT_ORDER: dict[str, tuple[str, ...]] = {
    "signals": ("date", "customer_id", "rule", "due_date", "urgency", "evidence", "explanation"),
    "tasks": ("date", "staff_id", "rank", "customer_id", "rules", "offers", "window"),
    "excluded": ("date", "customer_id", "rule", "reason"),
}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def export_results(home: Home, what: str, day: dt.date, out: Path) -> int:
    """Write D's ``what`` (signals, tasks or excluded) to ``out`` as CSV; returns the rows written."""
    if what not in EXPORT_COLUMNS:
        raise UsageError(f"cannot export '{what}': choose signals, tasks or excluded / 可导出 signals、tasks、excluded")
    folder = home.runs_dir / run_dir_name(day)
    if not folder.is_dir():
        raise UsageError(f"no run for {day.isoformat()}; run `yuanwei run --date {day.isoformat()}` first / "
                         f"{day.isoformat()} 尚无批处理结果，请先运行 yuanwei run --date {day.isoformat()}")
    path = folder / f"{what}.parquet"
    if not path.exists():
        raise UsageError(f"the run of {day.isoformat()} has no {what} ({path} missing; the tasks stage was not "
                         f"available then); rerun `yuanwei run --date {day.isoformat()}` / 该批处理没有 {what} 结果")
    columns = EXPORT_COLUMNS[what]
    table = pq.read_table(path, columns=list(dict.fromkeys(columns + EXPORT_ORDER[what])))
    if table.num_rows:
        table = table.sort_by([(c, "ascending") for c in EXPORT_ORDER[what]])
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in table.select(list(columns)).to_pylist():
            writer.writerow([_cell(row[c]) for c in columns])
    os.replace(tmp, out)
    return table.num_rows
