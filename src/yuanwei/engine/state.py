"""The run state: what a run of D carries to the next run, so the next day reads one day of new
data instead of the whole history (issue 3: the next day's run at 1M customers in ≤ 20 s).

Three per-customer tables, written with the run's results (``runs/<D>/_state/``) and rebuilt from
scratch whenever they cannot be carried:

**balances** — the balance facts themselves (``Context.balance_facts`` but the peak): the latest
snapshot ≤ D−1, the avg30 window's sum and count and the day before's, the latest snapshot on or
before D−2 and on or before D−1−trend_days. Built by one aggregation over the window D−W … D−1
completed by the latest snapshot before it (W = max(avg_days + 1, trend_days + 1, lookback_days +
1)). Carried from D0: a window or 'latest' that is one of D0's moved on by the step is D0's
column; for the others, the days that entered or left a window and the days a 'latest' may move
to (2 days at a step of one), each joined to the state by customer (a snapshot is one row per
customer and day): at 1M customers an aggregate column of a GROUP BY costs more than a join, and
the 31-day window is not re-read. The peak (a max over a sliding window, which adding and removing
days cannot carry) is one max over its window.

**flows** — the transaction aggregates of ``Context.flows`` are sums and counts over windows fixed
relative to D. Moving from D0 to D, each changes by the rows of the days entering its window minus
those leaving it; only those days are read (:func:`flow_state`). Every sum carries the count of
its rows, so an empty window is NULL as in a full aggregation. ``last_payroll_on`` (the latest
payroll day) is the latest of the new days', else the old one while it is still in the window.

**contacts** — per customer ever contacted: the latest contact, do-not-disturb outcomes ever and
the reached contacts of the two familiarity windows (:func:`contact_state`), carried by the new
days' contacts and the reached ones of the days that left a window.

**When** the state of D0 is carried to D (:func:`find_previous`): D0 < D ≤ D0 + MAX_STEP, the same
rules configuration (hash), a complete state, and the warehouse's content stamps
(``warehouse.stamps``) of balances and contacts (every day ≤ D0−1) and of transactions (the days
of D0's windows) equal to those D0 recorded — any correction of old data, a gap of more than MAX_STEP
days or ``yuanwei run --full`` means a full build. Carried or rebuilt, the results are the same
(tests/engine/test_state.py compares them at every boundary, on every backend).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from yuanwei.engine.signals.base import dec, left_join

MAX_STEP = 7           # the most days a state is carried forward (a long weekend, a holiday week)
STATE_DIR = "_state"
MANIFEST = "state.json"
FORMAT = 4             # bumped when the layout of the state changes: an older state is rebuilt
STAMPED = ("balances", "transactions", "contacts")
STATES = ("balances", "flows", "contacts")


# ------------------------------------------------------------------------------------ geometry

def peak_days(cfg) -> int:
    """aum_drop's lookback: the peak is the max aum over the days t−lookback … t−1."""
    return cfg.signals.get("aum_drop", {}).get("lookback_days", 30)


def window_width(cfg) -> int:
    f = cfg.features
    return max(f["avg_days"] + 1, f["trend_days"] + 1, peak_days(cfg) + 1)


@dataclass(frozen=True)
class FlowAgg:
    """One flow aggregate: ``measure`` (amount, −amount or 1) summed over the rows where ``pred``
    holds and whose day is in D+first … D+last."""

    name: str
    measure: str                      # "amount" | "neg_amount" | "count"
    pred: Any                         # callable(t) -> boolean column
    first: int
    last: int


def window_moves(ctx, first: int, last: int, step: int) -> tuple[list[dt.date], list[dt.date]]:
    """The days that enter the window D+first … D+last and those that leave it when D0 moves
    ``step`` days on to D (each sorted)."""
    now = {ctx.d(o) for o in range(first, last + 1)}
    then = {ctx.d(o - step) for o in range(first, last + 1)}
    return sorted(now - then), sorted(then - now)


def _on_days(column: ir.DateValue, days: list[dt.date]) -> ir.BooleanValue:
    """``column`` is one of ``days`` (false for none)."""
    if not days:
        return ibis.literal(False)
    return column.isin([ibis.literal(d, type="date") for d in days])


def flow_aggs(cfg) -> tuple[list[FlowAgg], int]:
    """The aggregates of ``Context.flows`` and the longest window (days before D)."""
    s, f = cfg.signals, cfg.features
    inflow, pay, idle = s["large_inflow"], s["payroll_stopped"], s["idle_cash"]
    persona = f["persona"]
    longest = max(inflow["baseline_days"] + 1, pay["history_days"], idle["no_investment_days"],
                  persona["lookback_days"])
    large = persona["business_large_credit_amount"]

    def credit(t):
        return (t.amount > 0) & (t.kind != "interest")

    def payroll(t):
        return credit(t) & (t.kind == "payroll")

    aggs = [
        FlowAgg("credit_y", "amount", credit, -1, -1),
        FlowAgg("debit_y", "neg_amount", lambda t: t.amount < 0, -1, -1),
        FlowAgg("credit_baseline", "amount", credit, -(inflow["baseline_days"] + 1), -2),
        FlowAgg("investment_debits", "count", lambda t: (t.amount < 0) & (t.kind == "investment"),
                -idle["no_investment_days"], -1),
        FlowAgg("payroll_history", "count", payroll, -pay["history_days"], -pay["silent_days"] - 1),
        FlowAgg("payroll_history_sum", "amount", payroll, -pay["history_days"], -pay["silent_days"] - 1),
        FlowAgg("payroll_recent", "count", payroll, -pay["silent_days"], -1),
        FlowAgg("pension_credits", "count", lambda t: credit(t) & (t.kind == "pension"), -persona["lookback_days"], -1),
        FlowAgg("payroll_credits", "count", payroll, -persona["lookback_days"], -1),
        FlowAgg("investment_trades", "count", lambda t: t.kind == "investment", -persona["lookback_days"], -1),
        FlowAgg("large_transfer_credits", "count",
                lambda t: credit(t) & (t.kind == "transfer") & (t.amount >= dec(large)), -persona["lookback_days"], -1),
        FlowAgg("n_rows", "count", lambda t: ibis.literal(True), -longest, -1),   # presence in the window
    ]
    return aggs, longest


def _n(name: str) -> str:
    return f"{name}__n"   # the rows behind a sum: NULL sum when 0, as a full aggregation gives


def flow_columns(cfg) -> list[str]:
    """The columns of ``Context.flows``, in order."""
    aggs, _ = flow_aggs(cfg)
    names = [a.name for a in aggs if a.name != "n_rows"]
    return ["customer_id", *names[:7], "last_payroll_on", *names[7:]]


# ------------------------------------------------------------------------------ previous state

@dataclass(frozen=True)
class Previous:
    """A state that can be carried to D: the run of ``day`` (D0), ``step`` = D − D0 days before."""

    day: dt.date
    folder: Path
    step: int
    reference: dict = field(default_factory=dict)   # the stamps of the tables stamped whole it recorded

    def path(self, name: str) -> Path:
        return self.folder / STATE_DIR / f"{name}.parquet"


def stamp_days(stamps: Mapping, first: dt.date | None, last: dt.date) -> dict[str, list]:
    """The stamps of the days first … last (all days ≤ last when first is None), JSON-ready."""
    return {d.isoformat(): [r, str(h)] for d, (r, h) in sorted(stamps.items(), key=lambda kv: kv[0])
            if d is not None and d <= last and (first is None or d >= first)}


def stamps_needed(cfg, day: dt.date, stamps: Mapping[str, Mapping]) -> dict[str, dict]:
    """What a state of D must record about the data it was made from (see the module docstring)."""
    y = day - dt.timedelta(days=1)
    _, longest = flow_aggs(cfg)
    return {"balances": stamp_days(stamps.get("balances", {}), None, y),
            "transactions": stamp_days(stamps.get("transactions", {}), day - dt.timedelta(days=longest), y),
            "contacts": stamp_days(stamps.get("contacts", {}), None, y)}


def reference_stamp(table_stamps: Mapping) -> list | None:
    """The stamp of a table stamped whole, JSON-ready ([rows, hash]); None for a time-based or empty one."""
    if set(table_stamps) != {None}:
        return None
    rows, h = table_stamps[None]
    return [rows, str(h)]


def reference_stamps(stamps: Mapping[str, Mapping]) -> dict[str, list]:
    """The stamps of the copied reference tables stamped whole: the next run links those files
    when their content has not changed since (``engine.run._link_unchanged``)."""
    from yuanwei.results import REFERENCE_TABLES

    found = {t: reference_stamp(stamps.get(t, {})) for t in REFERENCE_TABLES}
    return {t: v for t, v in found.items() if v is not None}


def manifest(cfg, day: dt.date, stamps: Mapping[str, Mapping]) -> dict:
    return {"format": FORMAT, "date": day.isoformat(), "rules_hash": str(cfg.hash), "width": window_width(cfg),
            "stamps": stamps_needed(cfg, day, stamps), "reference": reference_stamps(stamps)}


def find_previous(runs_dir: Path, day: dt.date, cfg, stamps: Mapping[str, Mapping] | None) -> tuple[Previous | None, str]:
    """The state to carry to D, or None with the reason a full build is needed."""
    if not stamps or any(t not in stamps for t in STAMPED):
        return None, "no content stamps in the warehouse / 仓库无内容戳"
    for k in range(1, MAX_STEP + 1):
        d0 = day - dt.timedelta(days=k)
        folder = runs_dir / d0.isoformat()
        meta_file = folder / STATE_DIR / MANIFEST
        if not meta_file.exists():
            continue
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, f"state of {d0} unreadable / 状态文件无法读取"
        prev = Previous(d0, folder, k, meta.get("reference") or {})
        if meta.get("format") != FORMAT or meta.get("width") != window_width(cfg):
            return None, f"state of {d0} has another layout / 状态格式不同"
        if meta.get("rules_hash") != str(cfg.hash):
            return None, f"rules changed since {d0} / 规则配置已变"
        if not all(prev.path(n).exists() for n in STATES):
            return None, f"state of {d0} incomplete / 状态不完整"
        then = meta.get("stamps", {})
        now = stamps_needed(cfg, d0, stamps)
        for table in STAMPED:
            if then.get(table) != now[table]:
                return None, f"{table} of days up to {d0 - dt.timedelta(days=1)} changed since the run of {d0} / 历史数据有变"
        return prev, f"carried from {d0} / 沿用 {d0} 的状态"
    return None, f"no state within {MAX_STEP} days before {day} / 近{MAX_STEP}日无状态"


def read_previous(ctx, prev: Previous, name: str) -> ir.Table:
    backend = ctx.tables["balances"]._find_backend()
    return backend.read_parquet(str(prev.path(name)))


# --------------------------------------------------------------------------------- balances

MONEY, SUM = "decimal(18, 2)", "decimal(38, 2)"
# The balances state of D: the facts of ``Context.balance_facts`` but the peak, per customer with a
# snapshot ≤ D−1 (whether a customer on D or not: only_customers is applied to the facts).
STATE_SCHEMA = ibis.schema({"customer_id": "string", "as_of": "date", "current": MONEY, "time_deposit": MONEY,
                            "investments": MONEY, "aum": MONEY, "aum_sum": SUM, "snapshots": "int64",
                            "sum_before": SUM, "n_before": "int64", "prev_as_of": "date", "prev_aum": MONEY,
                            "aum_before": MONEY})
LATEST = ("as_of", "current", "time_deposit", "investments", "aum")


def _balance_geometry(cfg) -> tuple[dict[str, tuple[int, int, str]], dict[str, int]]:
    """The windows summed (sum column -> first, last offset from D, its count column) and the
    'latest snapshot on or before D+offset' the state holds (prefix -> offset)."""
    f = cfg.features
    days, trend = f["avg_days"], f["trend_days"]
    windows = {"aum_sum": (-days, -1, "snapshots"), "sum_before": (-days - 1, -2, "n_before")}
    latest = {"": -1, "prev_": -2, "before_": -1 - trend}
    return windows, latest


def balance_state(ctx, prev: Previous | None) -> ir.Table:
    """The balances state of D (see the module docstring): built from every snapshot ≤ D−1, or
    carried from ``prev`` with the few days that entered or left a window."""
    return _carry_balances(ctx, prev) if prev is not None else _build_balances(ctx)


def _latest_cols(ctx, b: ir.Table, prefix: str = "", where=None) -> dict[str, ir.Value]:
    d, am = b.as_of, ctx.arg_max
    return {f"{prefix}as_of": d.max(where=where), f"{prefix}current": am(b.current, d, where=where),
            f"{prefix}time_deposit": am(b.time_deposit, d, where=where),
            f"{prefix}investments": am(b.investments, d, where=where), f"{prefix}aum": am(b.aum, d, where=where)}


def _typed(t: ir.Table, schema: ibis.Schema) -> ir.Table:
    return t.select(*schema.names).cast(schema)


def _fresh_peak(ctx) -> ir.Table:
    """The peak aum over D−1−lookback … D−2: aum_drop's peak for a customer whose latest snapshot
    is D−1 (a max is not carried by adding and removing days, so it is one scan of the window)."""
    lookback = peak_days(ctx.cfg)
    b = ctx.balances
    b = b.filter((b.as_of >= ctx.lit(-1 - lookback)) & (b.as_of <= ctx.lit(-2)))
    return b.group_by("customer_id").aggregate(fresh_peak=b.aum.max())


def _build_balances(ctx) -> ir.Table:
    """The state from scratch: one aggregation over the snapshots of the window D−W … D−1 (a few
    filtered sums and ``arg_max``), completed by the latest snapshot before the window for the
    customers whose snapshots before a boundary all lie before it."""
    windows, latest = _balance_geometry(ctx.cfg)
    width = window_width(ctx.cfg)
    b = ctx.balances
    out = b.filter(b.as_of < ctx.lit(-width))
    out = out.group_by("customer_id").aggregate(**_latest_cols(ctx, out, "out_"))
    b = b.filter(b.as_of >= ctx.lit(-width))
    d = b.as_of
    aggs = _latest_cols(ctx, b, "r_")
    for name, (first, last, count) in windows.items():
        where = (d >= ctx.lit(first)) & (d <= ctx.lit(last))
        aggs[name], aggs[count] = b.aum.sum(where=where).cast(SUM), b.count(where=where)
    aggs.update(p_as_of=d.max(where=d <= ctx.lit(latest["prev_"])),
                p_aum=ctx.arg_max(b.aum, d, where=d <= ctx.lit(latest["prev_"])),
                b_aum=ctx.arg_max(b.aum, d, where=d <= ctx.lit(latest["before_"])))
    r = b.group_by("customer_id").aggregate(**aggs)
    r = r.rename(r_customer_id="customer_id")
    j = r.outer_join(out, r.r_customer_id == out.customer_id)
    cols: dict[str, ir.Value] = {"customer_id": ibis.coalesce(j.r_customer_id, j.customer_id)}
    for c in LATEST:
        cols[c] = ibis.coalesce(j[f"r_{c}"], j[f"out_{c}"])
    zero = ibis.literal(0, type="int64")
    for name, (_, _, count) in windows.items():
        cols[name], cols[count] = j[name], j[count].fill_null(zero)
    cols.update(prev_as_of=ibis.coalesce(j.p_as_of, j.out_as_of), prev_aum=ibis.coalesce(j.p_aum, j.out_aum),
                aum_before=ibis.coalesce(j.b_aum, j.out_aum))
    return _typed(j.select(**cols), STATE_SCHEMA)


def _state_column(prefix: str, column: str) -> str | None:
    """The state's column of a 'latest' (``_balance_geometry``) and a snapshot column: the latest
    ≤ D−1 keeps the snapshot's names, ≤ D−2 ``prev_as_of``/``prev_aum``, the trend's ``aum_before``."""
    if prefix == "":
        return column
    if prefix == "prev_":
        return f"prev_{column}" if column in ("as_of", "aum") else None
    return "aum_before" if column == "aum" else None


def _carry_balances(ctx, prev: Previous) -> ir.Table:
    """The state of D from D0's (every snapshot ≤ D0−1 unchanged: the stamps say so). A window or
    'latest' of D that is one of D0's moved on by the step is D0's column as it is (at a step of
    one day the window ending D−2 is D0's ending D0−1, the latest ≤ D−2 is D0's latest ≤ D0−1).
    The others: each window's sum and count plus the days that entered it minus those that left
    it; each 'latest on or before D+o' the latest of the days D0+o+1 … D+o, else D0's. Only those
    days are read (at a step of one day, 2 of them), each joined to the state by customer: a
    snapshot is one row per customer and day (the contract's key), and at 1M customers a join
    costs a fraction of what one more aggregate column of a GROUP BY does."""
    windows, latest = _balance_geometry(ctx.cfg)
    k = prev.step
    # D's windows and 'latest's that are D0's moved on by k days: (first, last) / offset + k
    twin = {name: next((n0 for n0, (f0, l0, _) in windows.items() if (f0, l0) == (first + k, last + k)), None)
            for name, (first, last, _) in windows.items()}
    twin_latest = {prefix: next((p0 for p0, o0 in latest.items() if o0 == o + k), None)
                   for prefix, o in latest.items()}
    enter: dict[str, list[dt.date]] = {}
    leave: dict[str, list[dt.date]] = {}
    for name, (first, last, _) in windows.items():
        if twin[name] is None:
            enter[name], leave[name] = window_moves(ctx, first, last, k)
    # the days each 'latest' may move to, the latest first
    moved = {prefix: [ctx.d(o - i) for i in range(k)] for prefix, o in latest.items() if twin_latest[prefix] is None}
    wanted = sorted({d for v in (*enter.values(), *leave.values(), *moved.values()) for d in v})
    tag = {d: f"x{i}" for i, d in enumerate(wanted)}
    t = read_previous(ctx, prev, "balances")
    b = ctx.tables["balances"]
    for d in wanted:
        x = tag[d]
        columns = LATEST[1:] if d in moved.get("", ()) else ("aum",)
        # each day a filter of its own on the table (no shared subquery, which DuckDB would
        # materialise whole): the scan then skips the row groups of other days
        day = b.filter(b.as_of == ibis.literal(d, type="date"))
        day = day.select(**{f"{x}_id": day.customer_id}, **{f"{x}_{c}": day[c] for c in columns})
        j = t.outer_join(day, t.customer_id == day[f"{x}_id"])
        t = j.select(ibis.coalesce(j.customer_id, j[f"{x}_id"]).name("customer_id"),
                     *[c for c in j.columns if c != "customer_id"]).view()   # a table, not a longer join chain

    def seen(d: dt.date) -> ir.BooleanValue:
        return t[f"{tag[d]}_id"].notnull()

    def latest_of(prefix: str, column: str) -> ir.Value:
        if twin_latest[prefix] is not None:
            return t[_state_column(twin_latest[prefix], column)]
        value = {"as_of": lambda d: ibis.literal(d, type="date")}.get(column, lambda d: t[f"{tag[d]}_{column}"])
        return ibis.cases(*[(seen(d), value(d)) for d in moved[prefix]], else_=t[_state_column(prefix, column)])

    cols: dict[str, ir.Value] = {"customer_id": t.customer_id}
    for c in LATEST:
        cols[c] = latest_of("", c)
    zero_n, zero = ibis.literal(0, type="int64"), ibis.literal(0, type=SUM)
    for name, (_, _, count) in windows.items():
        if twin[name] is not None:
            n, total = t[windows[twin[name]][2]].fill_null(zero_n), t[twin[name]].fill_null(zero)
        else:
            n, total = t[count].fill_null(zero_n), t[name].fill_null(zero)
            for sign, days in ((1, enter[name]), (-1, leave[name])):
                for d in days:
                    n = n + sign * seen(d).cast("int64")
                    total = total + sign * t[f"{tag[d]}_aum"].fill_null(zero)
        cols[count], cols[name] = n, ibis.ifelse(n > 0, total.cast(SUM), ibis.null(SUM))
    cols.update(prev_as_of=latest_of("prev_", "as_of"), prev_aum=latest_of("prev_", "aum"),
                aum_before=latest_of("before_", "aum"))
    return _typed(t.select(**cols), STATE_SCHEMA)


def balance_facts(ctx, state: ir.Table) -> ir.Table:
    """The facts every stage reads (see ``Context.balance_facts``): the state of D, and the peak —
    from the window for a customer whose latest snapshot is D−1 (almost everyone), by a join
    restricted to the few whose latest snapshot is older."""
    lookback = peak_days(ctx.cfg)
    s = left_join(state, _fresh_peak(ctx), "customer_id")
    v = s.view()   # a self-join: Ibis needs its own view of s
    stale = v.filter(v.as_of < ctx.lit(-1)).select("customer_id", t="as_of")
    bs = ctx.balances.semi_join(stale, "customer_id")
    js = bs.join(stale, "customer_id")
    js = js.filter((js.as_of >= js.t - ibis.interval(days=lookback)) & (js.as_of < js.t))
    older = js.group_by("customer_id").aggregate(stale_peak=js.aum.max())
    s = left_join(s.view(), older, "customer_id")
    s = s.mutate(peak=lambda t: ibis.ifelse(t.as_of == ctx.lit(-1), t.fresh_peak, t.stale_peak).cast(MONEY))
    facts = s.select("customer_id", "as_of", "current", "time_deposit", "investments", "aum", "aum_sum",
                     "snapshots", "sum_before", "n_before", "prev_as_of", "prev_aum", "aum_before", "peak")
    return ctx.only_customers(facts)


# ------------------------------------------------------------------------------------- flows

def _measure(t, agg: FlowAgg):
    return {"amount": t.amount, "neg_amount": -t.amount}.get(agg.measure)


def flow_state(ctx, prev: Previous | None) -> ir.Table:
    """The flow state of D: built from the transactions of D−longest … D−1, or carried from ``prev``."""
    return _carry_flows(ctx, prev) if prev is not None else _build_flows(ctx)


def flow_schema(cfg) -> ibis.Schema:
    """The flow state's columns and types: counts BIGINT, sums DECIMAL(38,2) with their ``__n`` counts."""
    aggs, _ = flow_aggs(cfg)
    cols: dict[str, str] = {"customer_id": "string"}
    for a in aggs:
        if a.measure == "count":
            cols[a.name] = "int64"
        else:
            cols[a.name], cols[_n(a.name)] = SUM, "int64"
    return ibis.schema({**cols, "last_payroll_on": "date"})


def _build_flows(ctx) -> ir.Table:
    aggs, longest = flow_aggs(ctx.cfg)
    t = ctx.transactions
    t = t.filter(t.booked_at_day >= ctx.lit(-longest))
    day = t.booked_at_day
    out: dict[str, ir.Value] = {}
    for a in aggs:
        where = a.pred(t) & day.between(ctx.lit(a.first), ctx.lit(a.last))
        if a.measure == "count":
            out[a.name] = t.count(where=where)
        else:
            # 0 rather than NULL in the state (its count says whether any row was summed)
            out[a.name] = _measure(t, a).sum(where=where).fill_null(0)
            out[_n(a.name)] = t.count(where=where)
    payroll = next(a for a in aggs if a.name == "payroll_credits").pred
    out["last_payroll_on"] = day.max(where=payroll(t))
    return _typed(t.group_by("customer_id").aggregate(**out), flow_schema(ctx.cfg))


def _carry_flows(ctx, prev: Previous) -> ir.Table:
    aggs, longest = flow_aggs(ctx.cfg)
    schema = flow_schema(ctx.cfg)
    old = read_previous(ctx, prev, "flows")
    k = prev.step
    # per aggregate, the days entering its window and those leaving it, D0 → D
    enter: dict[str, list[dt.date]] = {}
    leave: dict[str, list[dt.date]] = {}
    for a in aggs:
        enter[a.name], leave[a.name] = window_moves(ctx, a.first, a.last, k)
    days = sorted({d for v in (*enter.values(), *leave.values()) for d in v})
    raw = ctx.tables["transactions"]
    t = raw.filter(_on_days(raw.booked_at_day, days))
    day = t.booked_at_day

    def change(values, pred, name):
        """Σ over the entering days − Σ over the leaving days (a count when ``values`` is None)."""
        parts = []
        for sign, when in ((1, enter[name]), (-1, leave[name])):
            if not when:
                continue
            where = pred & _on_days(day, when)
            part = t.count(where=where) if values is None else values.sum(where=where).fill_null(0)
            parts.append(part if sign > 0 else -part)
        return sum(parts[1:], parts[0]) if parts else ibis.literal(0)

    delta: dict[str, ir.Value] = {}
    for a in aggs:
        p = a.pred(t)
        if a.measure == "count":
            delta[a.name] = change(None, p, a.name)
        else:
            delta[a.name] = change(_measure(t, a), p, a.name)
            delta[_n(a.name)] = change(None, p, a.name)
    payroll = next(a for a in aggs if a.name == "payroll_credits").pred
    delta["last_payroll_on"] = day.max(where=payroll(t) & (day >= ctx.lit(-k)))
    dl = t.group_by("customer_id").aggregate(**delta)
    dl = dl.rename(**{f"d_{c}": c for c in ["customer_id", *delta]})
    j = old.outer_join(dl, old.customer_id == dl.d_customer_id)
    cols: dict[str, ir.Value] = {"customer_id": ibis.coalesce(j.customer_id, j.d_customer_id)}
    for c, typ in schema.items():
        if c in ("customer_id", "last_payroll_on"):
            continue
        zero = ibis.literal(0, type=typ)
        cols[c] = j[c].fill_null(zero) + j[f"d_{c}"].fill_null(zero)
    # the latest payroll: a new day's, else the old one while still in the window
    still = j.last_payroll_on >= ctx.lit(-longest)
    cols["last_payroll_on"] = ibis.coalesce(j.d_last_payroll_on,
                                            ibis.ifelse(still, j.last_payroll_on, ibis.null("date")))
    s = j.select(**cols)
    return _typed(s.filter(s.n_rows > 0), schema)


def flows(ctx, state: ir.Table) -> ir.Table:
    """``Context.flows`` from the flow state: sums NULL where no row counted, hidden counts dropped."""
    aggs, _ = flow_aggs(ctx.cfg)
    cols: dict[str, ir.Value] = {}
    for a in aggs:
        if a.name == "n_rows":
            continue
        if a.measure == "count":
            cols[a.name] = state[a.name]
        else:
            cols[a.name] = ibis.ifelse(state[_n(a.name)] > 0, state[a.name], ibis.null(state[a.name].type()))
    cols["last_payroll_on"] = state.last_payroll_on
    return state.select("customer_id", **cols).select(*flow_columns(ctx.cfg))


# ---------------------------------------------------------------------------------- contacts

CONTACT_SCHEMA = ibis.schema({"customer_id": "string", "last_contact_at": "timestamp", "last_contact_on": "date",
                              "n_dnd": "int64", "reached_a": "int64", "reached_b": "int64"})


def contact_state(ctx, prev: Previous | None) -> ir.Table:
    """The contacts state of D: per customer ever contacted, the latest contact (``last_contact_at``,
    ``last_contact_on``), do-not-disturb outcomes ever (``n_dnd``) and the reached contacts of the
    familiarity windows D−a_days … D−1 and D−b_days … D−1 (``reached_a``, ``reached_b``). Built
    from every contact ≤ D−1, or carried from ``prev``: the new days' contacts added, the reached
    ones of the days that left a window taken away."""
    return _carry_contacts(ctx, prev) if prev is not None else _build_contacts(ctx)


def _familiarity(ctx):
    fam = ctx.cfg.features["familiarity"]
    return fam, {"reached_a": fam["a_days"], "reached_b": fam["b_days"]}


def _build_contacts(ctx) -> ir.Table:
    fam, windows = _familiarity(ctx)
    k = ctx.contacts
    reached = k.outcome.isin(list(fam["reached_outcomes"]))
    return _typed(k.group_by("customer_id").aggregate(
        last_contact_at=k.at.max(), last_contact_on=k.at_day.max(),
        n_dnd=k.count(where=k.outcome == "do_not_disturb"),
        **{name: k.count(where=reached & (k.at_day >= ctx.lit(-days))) for name, days in windows.items()}),
        CONTACT_SCHEMA)


def _carry_contacts(ctx, prev: Previous) -> ir.Table:
    fam, windows = _familiarity(ctx)
    new = [ctx.d(-i) for i in range(prev.step, 0, -1)]      # D0 … D−1: the contacts since D0's run
    moves = {name: window_moves(ctx, -days, -1, prev.step) for name, days in windows.items()}
    k = ctx.contacts
    k = k.filter(_on_days(k.at_day, sorted({*new, *(d for _, leave in moves.values() for d in leave)})))
    is_new = _on_days(k.at_day, new)
    reached = k.outcome.isin(list(fam["reached_outcomes"]))
    delta = {"n_last_at": k.at.max(where=is_new), "n_last_on": k.at_day.max(where=is_new),
             "d_dnd": k.count(where=is_new & (k.outcome == "do_not_disturb"))}
    for name, (enter, leave) in moves.items():
        delta[f"d_{name}"] = k.count(where=reached & _on_days(k.at_day, enter)) - k.count(
            where=reached & _on_days(k.at_day, leave))
    dl = k.group_by("customer_id").aggregate(**delta).rename(d_customer_id="customer_id")
    old = read_previous(ctx, prev, "contacts")
    j = old.outer_join(dl, old.customer_id == dl.d_customer_id)
    zero = ibis.literal(0, type="int64")
    cols = {"customer_id": ibis.coalesce(j.customer_id, j.d_customer_id),
            # a new day's contact is later than any of D0's
            "last_contact_at": ibis.coalesce(j.n_last_at, j.last_contact_at),
            "last_contact_on": ibis.coalesce(j.n_last_on, j.last_contact_on),
            "n_dnd": j.n_dnd.fill_null(zero) + j.d_dnd.fill_null(zero)}
    for name in windows:
        cols[name] = j[name].fill_null(zero) + j[f"d_{name}"].fill_null(zero)
    return _typed(j.select(**cols), CONTACT_SCHEMA)


# --------------------------------------------------------------------------------- the files

def write_state(folder: Path, states: Mapping[str, Any], meta: dict | None) -> dict[str, dict]:
    """Write the state tables (Arrow) into ``folder/_state/`` and, when the data they came from
    is stamped (``meta``), the manifest that lets the next run carry them. Returns file facts."""
    import hashlib

    import pyarrow.parquet as pq

    from yuanwei.results import sorted_by

    out = folder / STATE_DIR
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, table in states.items():
        path = out / f"{name}.parquet"
        # sorted: the same data gives the same bytes (a rerun of D changes no file)
        table = sorted_by(table, ["customer_id"]) if "customer_id" in table.column_names else table
        pq.write_table(table, path, compression="zstd")
        with open(path, "rb") as f:
            files[f"{STATE_DIR}/{name}"] = {"rows": table.num_rows, "sha256": hashlib.file_digest(f, "sha256").hexdigest()}
    if meta is not None:
        (out / MANIFEST).write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return files
