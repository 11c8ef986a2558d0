"""What every signal rule shares: the Rule record, the run context with its shared intermediates,
the evidence and explanations made from the collected rows (``signals.text``).

A rule builds an Ibis expression on the run's backend (DuckDB or PySpark) with ``customer_id``,
``due_date``, ``urgency`` and typed evidence columns; the day's firing rows come back as Arrow,
where the evidence JSON and the zh-CN explanation are made a column at a time from the exact
values (``signals.text``) — so both backends give byte-identical output.

Portability (DESIGN §2): no ``mode()``, ``asof_join`` or ordered ``collect`` (PySpark lacks them);
window functions only in ``mutate`` (PySpark cannot filter on a window in the same step); money is
compared as exact decimals, ratios by cross-multiplication (``a ≥ k × b``), never by float division.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yuanwei.engine.rules import RulesConfig

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Rule:
    """One signal rule: ``candidates`` builds the backend expression (or None when nothing can fire),
    ``describe`` turns the collected rows (Arrow) into their evidence (canonical JSON) and
    explanation columns."""

    name: str
    title: str  # zh-CN name shown to RMs
    candidates: Callable[["Context", Mapping[str, Any]], ir.Table | None]
    describe: Callable[[pa.Table, Mapping[str, Any], "Context"], tuple[pa.Array, pa.Array]]


# ---------------------------------------------------------------------------------------------
# the run context

def dec(value: Decimal | int) -> ir.DecimalScalar:
    """An exact decimal literal with the tightest type (1.15 → DECIMAL(3,2)).

    Ibis would type a Decimal literal DECIMAL(38,18); on Spark a product with it overflows 38 digits
    and loses scale (0.782609 × 1.15 rounds to 0.900000), so thresholds get their own precision."""
    value = Decimal(value)
    sign, digits, exponent = value.as_tuple()
    scale = max(0, -exponent)
    precision = max(len(digits) + max(0, exponent), scale + 1)
    return ibis.literal(value, type=f"decimal({precision}, {scale})")


def _lit_date(day: dt.date):
    return ibis.literal(day, type="date")


class Context:
    """One run's inputs and the intermediates several rules share (built once, cached on the backend).

    D = ``day``; data ends at ``y`` = D−1. Every table access goes through here so that rows after
    D−1 are never seen (backtests are honest).
    """

    def __init__(self, tables: Mapping[str, ir.Table], day: dt.date, cfg: RulesConfig, previous=None):
        self.tables = tables
        self.day = day
        self.y = day - ONE_DAY
        self.cfg = cfg
        # the state of an earlier run to carry forward (engine.state.Previous), or None: build it
        self.previous = previous
        self._cache: dict[str, ir.Table] = {}
        self._cached: list[ir.Table] = []

    # dates ---------------------------------------------------------------------------------
    def d(self, offset: int) -> dt.date:
        """D + offset as a Python date (D−1 is ``d(-1)``)."""
        return self.day + dt.timedelta(days=offset)

    def lit(self, offset: int):
        return _lit_date(self.d(offset))

    # base tables ---------------------------------------------------------------------------
    @property
    def customers(self) -> ir.Table:
        """Customers on D: opened_on ≤ D−1 (a later opening is not yet a customer)."""
        c = self.tables["customers"]
        return c.filter(c.opened_on <= self.lit(-1))

    @property
    def customer_ids(self) -> ir.Table:
        return self.customers.select("customer_id")

    def only_customers(self, t: ir.Table) -> ir.Table:
        return t.semi_join(self.customer_ids, "customer_id")

    @property
    def transactions(self) -> ir.Table:
        t = self.tables["transactions"]
        return t.filter(t.booked_at_day <= self.lit(-1))

    @property
    def balances(self) -> ir.Table:
        b = self.tables["balances"]
        return b.filter(b.as_of <= self.lit(-1))

    @property
    def contacts(self) -> ir.Table:
        c = self.tables["contacts"]
        return c.filter(c.at_day <= self.lit(-1))

    @property
    def holdings(self) -> ir.Table:
        """Holdings known on D (bought on or before D−1) of customers, with their product's columns."""
        h = self.tables["holdings"]
        h = self.only_customers(h.filter(h.bought_on <= self.lit(-1)))
        p = self.tables["products"].select("product_id", product_name="name", category="category",
                                           risk_rating="risk_rating")
        return left_join(h, p, "product_id")

    @property
    def nav(self) -> ir.Table:
        n = self.tables["nav"]
        return n.filter(n.as_of <= self.lit(-1))

    # shared intermediates --------------------------------------------------------------------
    def cache(self, key: str, build: Callable[[], ir.Table]) -> ir.Table:
        """Build an intermediate once per run and materialise it on the backend."""
        if key not in self._cache:
            table = build().cache()
            self._cached.append(table)
            self._cache[key] = table
        return self._cache[key]

    def release(self) -> None:
        for table in self._cached:
            try:
                table.release()
            except Exception:  # noqa: BLE001 - releasing a cache is best effort
                pass
        self._cached.clear()
        self._cache.clear()

    def snapshot_on_or_before(self, last: dt.date) -> ir.Table:
        """Per customer, the balances row with the greatest as_of ≤ ``last`` (a join: use it for
        one-off questions; the run's own snapshots come from :meth:`balance_facts`)."""
        b = self.tables["balances"]
        b = b.filter(b.as_of <= _lit_date(last))
        latest = b.group_by("customer_id").aggregate(as_of=b.as_of.max())
        return b.join(latest, ["customer_id", "as_of"]).select(b.customer_id, b.as_of, b.current,
                                                               b.time_deposit, b.investments, b.aum)

    def arg_max(self, arg: ir.Value, key: ir.Value, where: ir.BooleanValue | None = None) -> ir.Value:
        """``arg`` of the row with the greatest ``key`` (within ``where``): DuckDB's ``arg_max`` and
        Spark's ``max_by`` — the same semantics, and far cheaper than Ibis' portable ``argmax``
        (an ordered ``first`` on DuckDB) or a join back to the table. Keys are unique per group
        here (one snapshot per customer and day) and the contract columns are never NULL."""
        name = {"duckdb": "arg_max", "pyspark": "max_by"}.get(self.backend_name)
        if name is None:
            return arg.argmax(key, where=where)
        return _builtin_arg_max(name, arg.type(), key.type())(arg, key, where=where)

    @functools.cached_property
    def backend_name(self) -> str:
        return self.tables["balances"]._find_backend().name

    def balance_state(self) -> ir.Table:
        """The balances part of the run state (``engine.state``): built from every snapshot ≤ D−1,
        or carried from the previous run's; cached on the backend."""
        from yuanwei.engine import state

        return self.cache("balance_state", lambda: state.balance_state(self, self.previous))

    def balance_facts(self) -> ir.Table:
        """Everything the run reads from ``balances``, per customer (``engine.state.balance_facts``):

        latest snapshot ≤ D−1   ``as_of``, ``current``, ``time_deposit``, ``investments``, ``aum``
        avg window ending D−1   ``aum_sum``, ``snapshots`` (as_of in D−avg_days … D−1)
        avg window ending D−2   ``sum_before``, ``n_before`` (as_of in D−1−avg_days … D−2)
        latest ≤ D−2            ``prev_as_of``, ``prev_aum`` (large_outflow: the day before the outflow)
        latest ≤ D−1−trend_days ``aum_before`` (the 30-day trend of the profiles)
        peak                    max aum over t−lookback … t−1, t = ``as_of`` (aum_drop)

        Cached on the backend; only customers on D (opened_on ≤ D−1) with at least one snapshot."""
        from yuanwei.engine import state

        return self.cache("balance_facts", lambda: state.balance_facts(self, self.balance_state()))

    def latest_snapshot(self) -> ir.Table:
        """The latest snapshot (greatest as_of ≤ D−1) of every customer that has one."""
        return self.balance_facts().select("customer_id", "as_of", "current", "time_deposit", "investments", "aum")

    def aum_windows(self) -> ir.Table:
        """Per customer: aum sum and snapshot count over the avg30 window ending D−1 (``aum_sum``,
        ``snapshots``) and the one ending D−2 (``sum_before``, ``n_before``); NULL sums and 0 counts
        for a customer without snapshots in a window.

        avg30 = aum_sum / snapshots; tiers compare ``aum_sum ≥ threshold × snapshots`` (exact)."""
        return self.balance_facts().select("customer_id", "aum_sum", "snapshots", "sum_before", "n_before")

    def tier_index_expr(self, amount_sum: ir.Value, count: ir.Value | int = 1) -> ir.Value:
        """Tier position (0 = 大众) of ``amount_sum / count``, compared exactly as sum ≥ min × count."""
        expr = ibis.literal(0)
        for i, tier in enumerate(self.cfg.tiers[1:], start=1):
            expr = ibis.cases((amount_sum >= dec(tier.min_amount) * count, i), else_=expr)
        return expr

    def flow_state(self) -> ir.Table:
        """The transactions part of the run state (``engine.state``); cached on the backend."""
        from yuanwei.engine import state

        return self.cache("flow_state", lambda: state.flow_state(self, self.previous))

    def flows(self) -> ir.Table:
        """Transactions aggregated once per customer over the windows the flow rules and the
        persona features read (``engine.state.flow_aggs``): large_inflow, large_outflow,
        idle_cash, payroll_stopped and the persona features; cached on the backend."""
        from yuanwei.engine import state

        return self.cache("flows", lambda: state.flows(self, self.flow_state()))

    def contact_state(self) -> ir.Table:
        """Per customer ever contacted: the latest contact, do-not-disturb outcomes and reached
        contacts of the familiarity windows (``engine.state.contact_state``); cached on the backend."""
        from yuanwei.engine import state

        return self.cache("contact_state", lambda: state.contact_state(self, self.previous))

    def states(self) -> dict[str, ir.Table]:
        """The run state to write with the results (``engine.state``)."""
        return {"balances": self.balance_state(), "flows": self.flow_state(), "contacts": self.contact_state()}


@functools.lru_cache(maxsize=None)
def _builtin_arg_max(name: str, arg_type, key_type):
    """A builtin aggregate ``name(arg, key)`` typed for these columns (Ibis needs the signature)."""
    def fn(arg, key):  # the body is never run: the backend's own function is called
        ...
    fn.__annotations__ = {"arg": arg_type, "key": key_type, "return": arg_type}
    return ibis.udf.agg.builtin(fn, name=name)


def left_join(left: ir.Table, right: ir.Table, key: str) -> ir.Table:
    """``left`` LEFT JOIN ``right`` USING (key), keeping one ``key`` column (Ibis keeps both otherwise)."""
    tmp = f"{key}__right"
    right = right.rename({tmp: key})
    return left.left_join(right, left[key] == right[tmp]).drop(tmp)
