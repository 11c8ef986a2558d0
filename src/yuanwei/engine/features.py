"""Customer features: one ``profiles`` row per customer on D (opened_on ≤ D−1).

Everything heavy is one Ibis expression on the run's backend (DuckDB or PySpark): the latest balance
snapshot, avg30 and its exact tier, services held, contacts (familiarity, do-not-disturb, last
contact), assignments, the persona from the shared per-customer flow aggregate. Only the per-customer
result comes back; the exact avg30 (rounded half-up to the fen) and the 30-day trend are finished on
that small result in Python.

Definitions (configurable under ``features:`` in the rules file; see docs/signals.md):

- tier: from avg30(D−1) = mean aum of the snapshots in D−30…D−1; NULL when there is none.
- familiarity: A ≥ a_min_reached reached contacts in D−a_days…D−1; B ≥ b_min_reached in
  D−b_days…D−1; C otherwise. Reached = one of ``reached_outcomes``.
- persona: the first of ``persona.order`` whose test holds, else ``other``.
- aum_trend30: aum of the latest snapshot / aum of the latest snapshot ≤ D−1−trend_days − 1.
- age: completed years on D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yuanwei.contract.schema import FOUR_BASIC_PRODUCTS
from yuanwei.engine.rules import RulesConfig
from yuanwei.engine.signals.base import Context, left_join
from yuanwei.results import RESULT_TABLES

PROFILES_SCHEMA: pa.Schema = RESULT_TABLES["profiles"]
SERVICES_HELD = (*FOUR_BASIC_PRODUCTS, "payroll")
CONTRACT_COLUMNS = ("customer_id", "name", "gender", "birth_date", "phone", "branch_id", "opened_on",
                    "marketing_consent", "do_not_call", "occupation", "industry", "employer_id", "region",
                    "risk_level", "risk_assessed_on", "preferred_channel")


# the columns the profile's exact avg30, trend and days since contact are finished from (below)
FINISHED_FROM = ("aum_sum", "snapshots", "aum_before", "last_contact_on")

REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")


def keyword_pattern(words: list[str]) -> str:
    """One regular expression matching any of ``words`` (lower-cased) literally: the special
    characters escaped by a backslash, which RE2 (DuckDB) and Java (Spark) both read as the
    character itself; nothing else is escaped."""
    return "|".join("".join("\\" + ch if ch in REGEX_SPECIAL else ch for ch in w.lower()) for w in words)


def _keywords(column: ir.StringValue, words: list[str]) -> ir.BooleanValue:
    """Any of ``words`` inside ``column`` (case-insensitive; NULL text matches nothing): one
    regular-expression search rather than one ``contains`` per word (a test has dozens)."""
    if not words:
        return ibis.literal(False)
    return column.lower().re_search(keyword_pattern(words)).fill_null(False)


# the keyword tests of the personas: (flag, text column, the persona setting of its words)
KEYWORD_TESTS = (("kw_retiree", "occupation", "retiree_keywords"),
                 ("kw_owner_occupation", "occupation", "business_owner_keywords"),
                 ("kw_owner_industry", "industry", "business_owner_keywords"),
                 ("kw_trader", "occupation", "active_trader_keywords"),
                 ("kw_salaried", "occupation", "salaried_keywords"),
                 ("kw_homemaker", "occupation", "homemaker_keywords"))


def keyword_flags(t: ir.Table, f: Mapping) -> ir.Table:
    """``t`` with the persona keyword tests as boolean columns (``KEYWORD_TESTS``). The searches
    run once per distinct occupation and industry, joined back by the text: a bank has a few
    thousand distinct texts and a million customers, and six searches per customer cost ~1 s at
    1M. A NULL text matches nothing."""
    for column in ("occupation", "industry"):
        tests = [(flag, words) for flag, col, words in KEYWORD_TESTS if col == column]
        texts = t.select(column).distinct()
        texts = texts.filter(texts[column].notnull())
        key = f"{column}__kw"
        hits = texts.select(**{key: texts[column]},
                            **{flag: _keywords(texts[column], f[words]) for flag, words in tests})
        j = t.left_join(hits, t[column] == hits[key])
        t = j.drop(key).mutate(**{flag: j[flag].fill_null(False) for flag, _ in tests})
    return t


def persona_expr(t: ir.Table, f: Mapping) -> ir.StringValue:
    """The persona column: the first test of ``f['order']`` that holds (``t`` has the
    ``keyword_flags`` columns)."""
    tests = {
        "hk_mo_tw": t.region.isin(list(f["hk_mo_tw_regions"])).fill_null(False),
        "retiree": (t.pension_credits >= f["retiree_min_pension_credits"]) | t.kw_retiree,
        "business_owner": t.kw_owner_occupation | t.kw_owner_industry | (
            (t.large_transfer_credits >= f["business_min_large_credits"]) & (t.payroll_credits == 0)),
        "active_trader": (t.investment_trades >= f["active_trader_min_trades"]) | t.kw_trader,
        "salaried": (t.payroll_credits >= f["salaried_min_payroll_credits"]) | t.kw_salaried,
        "homemaker": t.kw_homemaker,
    }
    return ibis.cases(*[(tests[name].fill_null(False), name) for name in f["order"]], else_="other")


def _profile_expr(ctx: Context) -> ir.Table:
    f, day = ctx.cfg.features, ctx.day
    c = ctx.customers.select(*CONTRACT_COLUMNS)

    # latest snapshot, avg30 window and the snapshot 30 days before: one balances pass (balance_facts)
    snap = ctx.balance_facts().select("customer_id", "aum", "current", "time_deposit", "investments",
                                      "aum_sum", "snapshots", "aum_before", balance_as_of="as_of")

    s = ctx.tables["services"]
    s = s.filter(s.since <= ctx.lit(-1))
    services = s.group_by("customer_id").aggregate(
        **{f"n_{name}": s.count(where=s.service == name) for name in SERVICES_HELD})

    # latest contact, do-not-disturb and familiarity counts: the run state (engine.state)
    fam = f["familiarity"]
    contacts = ctx.contact_state()

    a = ctx.tables["assignments"]
    a = a.filter(a.since <= ctx.lit(-1))
    assignments = a.group_by("customer_id").aggregate(
        **{f"{role}_staff_id": a.staff_id.max(where=a.role == role) for role in ("owner", "remote", "advisor")})

    flows = ctx.flows().select("customer_id", "pension_credits", "payroll_credits", "investment_trades",
                               "large_transfer_credits")

    t = keyword_flags(c, f["persona"])
    for part in (snap, services, contacts, assignments, flows):
        t = left_join(t, part, "customer_id")

    md_birth = t.birth_date.month() * 100 + t.birth_date.day()
    age = day.year - t.birth_date.year() - ibis.cases((md_birth > day.month * 100 + day.day, 1), else_=0)
    tier_idx = ctx.tier_index_expr(t.aum_sum, t.snapshots)
    tier = ibis.cases(*[(tier_idx == i, tier.name) for i, tier in enumerate(ctx.cfg.tiers)], else_=None)
    t = t.mutate(**{col: t[col].fill_null(0) for col in ("pension_credits", "payroll_credits",
                                                         "investment_trades", "large_transfer_credits")})
    return t.mutate(
        age=age.cast("int64"),
        tier=ibis.cases((t.snapshots.notnull() & (t.snapshots > 0), tier), else_=ibis.null("string")),
        persona=persona_expr(t, f["persona"]),
        familiarity=ibis.cases((t.reached_a.fill_null(0) >= fam["a_min_reached"], "A"),
                               (t.reached_b.fill_null(0) >= fam["b_min_reached"], "B"), else_="C"),
        do_not_disturb=t.n_dnd.fill_null(0) > 0,
        **{f"has_{name}": t[f"n_{name}"].fill_null(0) > 0 for name in SERVICES_HELD},
    )


def _avg30(sums: pa.Array, counts: pa.Array) -> pa.Array:
    """Exact mean of ``sums`` (money) over ``counts`` snapshots, rounded half-up to the fen, as
    DECIMAL(18,2) — ``(Decimal(s) / n).quantize(CENT, ROUND_HALF_UP)`` in integer cents,
    vectorised: round(c / n) half away from zero = sign(c) × ⌊(2|c| + n) / 2n⌋. NULL without snapshots."""
    sums = pc.cast(sums, pa.decimal128(30, 2))
    cents = pc.cast(pc.multiply(sums, pa.scalar(Decimal(100), pa.decimal128(3, 0))), pa.int64())
    n = pc.fill_null(pc.cast(counts, pa.int64()), 0)
    valid = pc.and_(pc.is_valid(cents), pc.greater(n, 0))
    c = pc.fill_null(cents, 0).to_numpy(zero_copy_only=False)
    nn = np.maximum(n.to_numpy(zero_copy_only=False), 1)
    q = np.sign(c) * ((2 * np.abs(c) + nn) // (2 * nn))
    mean = pc.multiply(pa.array(q, pa.int64()).cast(pa.decimal128(19, 0)),
                       pa.scalar(Decimal("0.01"), pa.decimal128(3, 2)))
    return pc.if_else(valid, pc.cast(mean, pa.decimal128(18, 2)), pa.scalar(None, pa.decimal128(18, 2)))


def _trend(aum: pa.Array, before: pa.Array) -> pa.Array:
    """aum / aum_before − 1 as a float, computed as (aum − aum_before) / aum_before with the
    difference exact (decimals); NULL without a positive earlier snapshot."""
    diff = pc.cast(pc.subtract(pc.cast(aum, pa.decimal128(20, 2)), pc.cast(before, pa.decimal128(20, 2))),
                   pa.float64())
    ok = pc.fill_null(pc.greater(before, pa.scalar(Decimal(0), pa.decimal128(1, 0))), False)
    return pc.if_else(ok, pc.divide(diff, pc.cast(before, pa.float64())), pa.scalar(None, pa.float64()))


def compute_features(tables: Mapping[str, ir.Table], day: dt.date, cfg: RulesConfig,
                     ctx: Context | None = None) -> pa.Table:
    """The ``profiles`` result of business date ``day``: one row per customer, sorted by customer_id.

    ``ctx``: the run's context, whose cached intermediates (balance facts, flows) the signals reuse;
    without one, a context of its own is made and released."""
    own = ctx is None
    ctx = ctx or Context(tables, day, cfg)
    try:
        expr = _profile_expr(ctx)
        # only the columns the profile is made of come to Arrow (at 1M customers the dozen
        # intermediate counts cost ~1 s of transfer), and the contract's own columns (names,
        # phones…) by a query of their own: carried through the feature joins they cost ~1 s more
        features = [c for c in expr.columns if c in PROFILES_SCHEMA.names or c in FINISHED_FROM]
        computed = expr.select("customer_id", *[c for c in features if c not in CONTRACT_COLUMNS])
        raw = computed.order_by("customer_id").to_pyarrow()
        contract = ctx.customers.select(*CONTRACT_COLUMNS).order_by("customer_id").to_pyarrow()
    finally:
        if own:
            ctx.release()
    # both have one row per customer on D, in customer_id order (customer_id is the contract's key)
    if not raw["customer_id"].equals(contract["customer_id"]):   # pragma: no cover - a broken key
        raise RuntimeError("profiles: the features and the customers do not line up by customer_id")
    for name in CONTRACT_COLUMNS[1:]:
        raw = raw.append_column(name, contract[name])
    n = raw.num_rows
    columns = {}
    for field in PROFILES_SCHEMA:
        name = field.name
        if name == "aum_avg30":
            values = _avg30(raw["aum_sum"].combine_chunks(), raw["snapshots"].combine_chunks())
        elif name == "aum_trend30":
            values = _trend(raw["aum"].combine_chunks(), raw["aum_before"].combine_chunks())
        elif name == "days_since_contact":
            values = pc.days_between(raw["last_contact_on"].cast(pa.date32()), pa.scalar(day, pa.date32()))
        elif name == "do_not_call":
            values = pc.fill_null(raw[name], False)
        elif name in raw.column_names:
            values = raw[name]
        else:  # pragma: no cover - every profile column is computed above
            values = pa.nulls(n, field.type)
        columns[name] = pc.cast(values, field.type) if values.type != field.type else values
    return pa.table(columns, schema=PROFILES_SCHEMA)
