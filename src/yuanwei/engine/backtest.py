"""``yuanwei backtest --from D1 --to D2 --out FILE.csv``: replay the daily runs over history.

For each day D of D1…D2 the warehouse is cut to what was known at the end of D−1
(``warehouse.backends.as_of``; the features and signal rules filter to D−1 themselves as well), then
features → signals → tasks run as in ``yuanwei run``. Nothing the user published is touched: the
replayed results go to a scratch folder ``<home>/backtest/<D1>_<D2>/<variant>/runs/<D>/`` (cleared at
the start, so yesterday's carry-over inside the replay is the replay's own), and the warehouse is opened
read-only (no ``runs`` or ``signal_history`` rows are written).

Propensity uses the priors (``PriorPropensity``) and call windows the contact history before D: a
learned model was trained on all contacts, later ones included, and would flatter the replay.

The CSV is long-format, one row per (variant, date, metric, key): ``tasks`` (key ``all``),
``tasks_per_rm`` (key staff_id), ``signals`` (key rule: the signal mix), ``candidates`` (key ``all``:
customer–rule pairs), ``blocked_share`` (key reason_code: excluded pairs / candidate pairs),
``hits`` / ``hit_rate`` (key ``tasks``: tasked customers with a positive contact outcome — interested,
appointment, sold — in D…D+6; key ``excluded``: the same for customers who had a signal but no
task, the comparison), written only where the warehouse has contacts up to D+6.

Comparing rules before rollout: ``backtest(..., rules=FILE)`` replays every day twice, variant
``current`` with the home's rules file (or the defaults) and variant ``proposed`` with FILE (its
``signals:``, ``features:`` and ``tasks:`` sections), so one CSV shows the change's effect per day.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from yuanwei.engine.tasks import build_tasks
from yuanwei.engine.tasks.config import load_tasks_config
from yuanwei.engine.tasks.propensity import PriorPropensity
from yuanwei.engine.tasks.windows import HistoryCallTime, restrict
from yuanwei.errors import UsageError
from yuanwei.paths import Home
from yuanwei.results import run_dir_name

POSITIVE = ("interested", "appointment", "sold")
HIT_DAYS = 7            # D … D+6
COLUMNS = ("variant", "date", "metric", "key", "value")


def scratch_root(home: Home, d1: dt.date, d2: dt.date) -> Path:
    return home.root / "backtest" / f"{d1.isoformat()}_{d2.isoformat()}"


def day_metrics(raw: Mapping[str, ibis.Table], day: dt.date, signals: pa.Table, tasks: pa.Table,
                excluded: pa.Table, last_contact_day: dt.date | None) -> list[tuple[str, str, float]]:
    """(metric, key, value) rows of one replayed day. ``raw`` are the full (uncut) tables: the hit
    rate looks at contacts after D, which the day's run itself never saw."""
    out: list[tuple[str, str, float]] = [("tasks", "all", tasks.num_rows)]
    for staff_id, n in sorted(Counter(tasks.column("staff_id").to_pylist()).items()):
        out.append(("tasks_per_rm", staff_id, n))
    pairs = {(c, r) for c, r in zip(signals.column("customer_id").to_pylist(), signals.column("rule").to_pylist())}
    for rule, n in sorted(Counter(r for _, r in pairs).items()):
        out.append(("signals", rule, n))
    tasked_pairs = {(t["customer_id"], r) for t in tasks.select(["customer_id", "rules"]).to_pylist()
                    for r in t["rules"].split(";")}
    candidates = len(pairs | tasked_pairs)
    out.append(("candidates", "all", candidates))
    ex = excluded.to_pylist()
    for code, n in sorted(Counter(r["reason_code"] for r in ex).items()):
        out.append(("blocked_share", code, round(n / candidates, 6) if candidates else 0.0))

    if last_contact_day is not None and last_contact_day >= day + dt.timedelta(days=HIT_DAYS - 1):
        tasked = set(tasks.column("customer_id").to_pylist())
        left_out = {r["customer_id"] for r in ex} - tasked
        who = sorted(tasked | left_out)
        hit = set()
        if who:
            c = restrict(raw["contacts"], who)
            c = c.filter(c.at_day >= day, c.at_day <= day + dt.timedelta(days=HIT_DAYS - 1),
                         c.outcome.isin(POSITIVE))
            hit = set(c.select("customer_id").distinct().to_pandas().customer_id)
        for key, group in (("tasks", tasked), ("excluded", left_out)):
            n = len(group & hit)
            out.append(("hits", key, n))
            out.append(("hit_rate", key, round(n / len(group), 6) if group else 0.0))
    return out


def _last_contact_day(raw: Mapping[str, ibis.Table]) -> dt.date | None:
    value = raw["contacts"].at_day.max().to_pandas()
    if value is None or value != value:  # None or NaT
        return None
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value.date()


def replay(raw: Mapping[str, ibis.Table], days: list[dt.date], scratch: Home, rules_path: Path | None,
           variant: str) -> list[dict]:
    """Replay ``days`` with one rules file; writes each day's results under ``scratch.runs_dir``."""
    from yuanwei.engine.features import compute_features
    from yuanwei.engine.rules import load_rules
    from yuanwei.engine.signals import compute_signals
    from yuanwei.warehouse.backends import as_of

    signal_cfg = load_rules(rules_path)
    task_cfg = load_tasks_config(rules_path)
    propensity, call_time = PriorPropensity(task_cfg.propensity), HistoryCallTime(task_cfg.windows)
    last = _last_contact_day(raw)
    rows = []
    for day in days:
        tables = as_of(raw, day)
        profiles = compute_features(tables, day, signal_cfg)
        signals = compute_signals(tables, day, signal_cfg)
        tasks, excluded = build_tasks(tables, day, signals, profiles, scratch, config=task_cfg,
                                      propensity=propensity, call_time=call_time)
        folder = scratch.runs_dir / run_dir_name(day)
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in (("signals", signals), ("tasks", tasks), ("excluded", excluded)):
            pq.write_table(table, folder / f"{name}.parquet")
        for metric, key, value in day_metrics(raw, day, signals, tasks, excluded, last):
            rows.append({"variant": variant, "date": day.isoformat(), "metric": metric, "key": key,
                         "value": value})
    return rows


def backtest(home: Home, d1: dt.date, d2: dt.date, out: Path, rules: Path | None = None,
             backend: str = "duckdb") -> None:
    """Replay D1…D2 and write the per-day report to ``out`` (CSV, UTF-8); see the module doc."""
    from yuanwei.warehouse import backends

    if d2 < d1:
        raise UsageError("--to is before --from / 结束日期早于开始日期")
    if rules is not None and not Path(rules).exists():
        raise UsageError(f"--rules: {rules} does not exist / 规则文件不存在")
    current = home.rules_file if home.rules_file.exists() else None
    variants = [("current", current)] + ([("proposed", Path(rules))] if rules is not None else [])
    days = [d1 + dt.timedelta(days=i) for i in range((d2 - d1).days + 1)]
    root = scratch_root(home, d1, d2)
    shutil.rmtree(root, ignore_errors=True)
    handle, raw = backends.open_tables(home, backend)
    try:
        rows = []
        for variant, path in variants:
            rows += replay(raw, days, Home(root / variant).ensure(), path, variant)
    finally:
        backends.close(handle)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    print(summary(rows))


def summary(rows: list[dict]) -> str:
    """A few zh-CN / English lines: per variant, tasks per day and the hit rate where known."""
    lines = []
    for variant in sorted({r["variant"] for r in rows}, key=lambda v: v != "current"):
        mine = [r for r in rows if r["variant"] == variant]
        days = sorted({r["date"] for r in mine})
        tasks = sum(r["value"] for r in mine if r["metric"] == "tasks")
        hits = sum(r["value"] for r in mine if r["metric"] == "hits" and r["key"] == "tasks")
        hit_days = {r["date"] for r in mine if r["metric"] == "hits"}
        tasked = sum(r["value"] for r in mine if r["metric"] == "tasks" and r["date"] in hit_days)
        rate = f"{hits / tasked:.1%}" if tasked else "—"
        lines.append(f"回测 / backtest [{variant}] {days[0]}…{days[-1]}: {len(days)} 天 days, "
                     f"{tasks / max(len(days), 1):.1f} 任务/天 tasks per day, 命中率 hit rate {rate}")
    return "\n".join(lines)
