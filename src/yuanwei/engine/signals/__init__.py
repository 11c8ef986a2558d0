"""The signal library of DESIGN §4: every rule registered in one place, computed on any backend.

Adding a rule = one module (or a function in a family module) defining a ``Rule``, its defaults
under ``signals:`` in ``rules.default.yaml``, its line in ``RULES`` below, and its tests in
``tests/engine/signals/``.

``compute_signals(tables, day, cfg)`` runs every enabled rule for business date D on the backend the
``tables`` live on (DuckDB or PySpark) and returns the day's signal rows as Arrow, with the schema of
``results.RESULT_TABLES["signals"]``, sorted by (customer_id, rule, due_date) — ties (several
holdings or relatives) by their evidence, so the order is stable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from yuanwei.engine.rules import RulesConfig
from yuanwei.engine.signals.base import Context, Rule
from yuanwei.engine.signals.calendar import BIRTHDAY, MATURITY, RELATIVE_BIRTHDAY, RISK_ASSESSMENT_EXPIRING
from yuanwei.engine.signals.flows import IDLE_CASH, LARGE_INFLOW, LARGE_OUTFLOW, PAYROLL_STOPPED
from yuanwei.engine.signals.market import FUND_MOVE, MARKET_SHOCK
from yuanwei.engine.signals.wealth import AUM_DROP, NEW_CUSTOMER, NO_RECENT_CONTACT, TIER_UP
from yuanwei.errors import UsageError
from yuanwei.results import RESULT_TABLES

RULES: dict[str, Rule] = {r.name: r for r in (
    BIRTHDAY, RELATIVE_BIRTHDAY, MATURITY, LARGE_INFLOW, LARGE_OUTFLOW, IDLE_CASH, FUND_MOVE, TIER_UP,
    AUM_DROP, PAYROLL_STOPPED, RISK_ASSESSMENT_EXPIRING, NEW_CUSTOMER, MARKET_SHOCK, NO_RECENT_CONTACT,
)}

SIGNALS_SCHEMA: pa.Schema = RESULT_TABLES["signals"]

__all__ = ["RULES", "Rule", "Context", "compute_signals"]


def _rule_table(ctx: Context, rule: Rule, params, found: pa.Table) -> pa.Table:
    """The signal rows of one rule's collected candidates (``SIGNALS_SCHEMA``, unsorted): evidence and
    explanation made a column at a time (``signals.text``), the other columns stay in Arrow."""
    evidence, explanation = rule.describe(found, params, ctx)
    n = found.num_rows
    urgency = pa.scalar(int(params["urgency"]), pa.int64())
    due = pa.scalar(ctx.d(params.get("due_in_days", 0)), pa.date32())

    def own_or(column: str, default: pa.Scalar):
        """A rule's own urgency or due date where it gives one, else its configured one."""
        if column not in found.column_names:
            return pa.repeat(default, n)
        return pc.fill_null(found[column].cast(default.type), default)

    columns = {
        "date": pa.repeat(pa.scalar(ctx.day, pa.date32()), n),
        "customer_id": found["customer_id"].cast(pa.string()),
        "rule": pa.repeat(pa.scalar(rule.name, pa.string()), n),
        "urgency": own_or("urgency", urgency),
        "due_date": own_or("due_date", due),
        "evidence": evidence,
        "explanation": explanation,
    }
    return pa.table(columns).cast(SIGNALS_SCHEMA)


def compute_signals(tables: Mapping[str, ir.Table], day: dt.date, cfg: RulesConfig,
                    rules: Iterable[str] | None = None, ctx: Context | None = None) -> pa.Table:
    """The signals of business date ``day`` (data up to the end of D−1).

    ``rules`` restricts the run to some rule ids (tests, re-runs of one rule); default: every
    enabled rule of ``cfg``. ``ctx``: the run's context (shared with the features, released by
    the caller); without one, a context of its own is made and released.

    The rules' queries run one after another in a worker thread while this thread makes the texts
    of those already collected (a column at a time, ``signals.text``): the backend (DuckDB, or
    Spark's JVM) works outside the GIL, so the two overlap. Only the worker uses the backend's
    connection meanwhile: every expression, and the shared intermediates they materialise
    (``Context.cache``), is built here first."""
    names = list(RULES) if rules is None else list(rules)
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise UsageError(f"unknown signal rules: {', '.join(unknown)} / 未知信号规则")
    own = ctx is None
    ctx = ctx or Context(tables, day, cfg)
    parts: list[pa.Table] = []
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yuanwei-signals")
    try:
        planned = []
        for name in names:
            if cfg.enabled(name):
                rule, params = RULES[name], cfg.rule(name)
                planned.append((rule, params, rule.candidates(ctx, params)))
        collected = [None if expr is None else pool.submit(expr.to_pyarrow) for _, _, expr in planned]
        for (rule, params, _), found in zip(planned, collected):
            if found is not None:
                parts.append(_rule_table(ctx, rule, params, found.result()))
    finally:
        # on a failure the queries not yet started are dropped, the running one is waited for
        pool.shutdown(wait=True, cancel_futures=True)
        if own:
            ctx.release()
    table = pa.concat_tables(parts) if parts else SIGNALS_SCHEMA.empty_table()
    # sorted in Arrow (UTF-8 byte order = code point order, the order Python's sort gave)
    return table.sort_by([(k, "ascending") for k in ("customer_id", "rule", "due_date", "evidence")])
