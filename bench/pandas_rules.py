"""The default signal rules of DESIGN §4 written the way one would in pandas (the benchmark's baseline).

Each function takes the DataFrames and D and returns the customer_ids it fires for (one row per
customer or per holding, as the rule reads). Dates are pandas datetime64; money is float (pandas has
no decimal dtype worth using), so boundaries to the fen may differ from the engine's exact decimals.

At 1M customers the tables do not fit in memory as DataFrames, so the benchmark runs the rules on
partitions of the customers (`partitions`, `load_partition`): the per-customer tables are read one
customer_id range at a time, the small shared tables (`SHARED`: products, nav, market) once and
whole. Every rule is exact per customer under this: what it computes for a customer reads only that
customer's rows of the per-customer tables (all in the same partition) and the shared tables whole
(fund_move: nav and products; risk_assessment_expiring: products; market_shock: market and
products), so the customers a rule fires for over all partitions are those it fires for on the whole.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

COLUMNS = {
    "customers": ["customer_id", "birth_date", "opened_on", "risk_assessed_on"],
    "relatives": ["customer_id", "birth_date"],
    "transactions": ["customer_id", "booked_at_day", "amount", "kind"],
    "balances": ["customer_id", "as_of", "current", "aum"],
    "holdings": ["holding_id", "customer_id", "product_id", "bought_on", "matures_on", "cost_nav"],
    "products": ["product_id", "category", "risk_rating"],
    "nav": ["product_id", "as_of", "nav"],
    "market": ["symbol", "as_of", "close"],
    "contacts": ["customer_id", "at_day"],
}
DATE_COLUMNS = {"birth_date", "opened_on", "risk_assessed_on", "booked_at_day", "as_of", "bought_on",
                "matures_on", "at_day"}
MONEY_COLUMNS = {"amount", "current", "aum", "cost_nav", "nav", "close"}


SHARED = ("products", "nav", "market")   # read whole, once: the rules join them by product or symbol
PER_CUSTOMER = tuple(name for name in COLUMNS if name not in SHARED)   # read per partition
PARTITION_CUSTOMERS = 125_000   # customers per partition: ~6M transactions and ~7.5M balances at 365 days


def _read(con, name: str, where: str = "", params: list | None = None) -> pd.DataFrame:
    cols = COLUMNS[name]
    df = con.execute(f"SELECT {', '.join(cols)} FROM {name}" + (f" WHERE {where}" if where else ""),
                     params or []).df()
    for c in cols:
        if c in DATE_COLUMNS:
            df[c] = pd.to_datetime(df[c])
        elif c in MONEY_COLUMNS:
            df[c] = df[c].astype("float64")
    return df


def load_shared(con) -> dict[str, pd.DataFrame]:
    """The shared tables (products, nav, market), whole."""
    return {name: _read(con, name) for name in SHARED}


def load_partition(con, where: str = "", params: list | None = None) -> dict[str, pd.DataFrame]:
    """The per-customer tables, only the rows matching ``where`` (a predicate on customer_id)."""
    return {name: _read(con, name, where, params) for name in PER_CUSTOMER}


def load(con) -> dict[str, pd.DataFrame]:
    """The columns the rules read, from a DuckDB connection, as pandas DataFrames (every table whole)."""
    return {**load_shared(con), **load_partition(con)}


def partition_count(customers: int) -> int:
    """K: enough partitions that one holds at most PARTITION_CUSTOMERS customers."""
    return max(1, -(-customers // PARTITION_CUSTOMERS))


def partitions(con, k: int) -> list[tuple[str, list]]:
    """K predicates on customer_id (with their parameters) that split the customers into ranges of
    about equal count, at the quantiles of customers.customer_id; the first and last range are open,
    so every customer_id of every table (one with no customers row included) is in exactly one.
    Ranges rather than hash(customer_id) % K: the warehouse keeps the tables in about customer_id
    order, so DuckDB can skip the row groups outside a range (min/max zone maps) instead of scanning
    every table K times. Rows with a NULL customer_id are in none: no rule counts them."""
    if k <= 1:
        return [("", [])]
    qs = [i / k for i in range(1, k)]
    found = con.execute("SELECT quantile_disc(customer_id, ?) FROM customers", [qs]).fetchone()[0]
    bounds = sorted({b for b in found or [] if b is not None})   # fewer when there are fewer customers than K
    edges = [None, *bounds, None]
    preds = []
    for lo, hi in zip(edges, edges[1:]):
        parts, params = [], []
        if lo is not None:
            parts.append("customer_id >= ?")
            params.append(lo)
        if hi is not None:
            parts.append("customer_id < ?")
            params.append(hi)
        preds.append((" AND ".join(parts), params))
    return preds


def _tier(x: pd.Series) -> pd.Series:
    return pd.cut(x, [-np.inf, 50_000, 500_000, 5_000_000, 10_000_000, np.inf], right=False, labels=False)


def _birthday_hits(birth: pd.Series, day: pd.Timestamp) -> pd.Series:
    hit = pd.Series(False, index=birth.index)
    for k in range(3):
        d = day + pd.Timedelta(days=k)
        leap = d.is_leap_year
        month, dom = birth.dt.month, birth.dt.day
        dom = dom.where(~((month == 2) & (dom == 29)) | leap, 28)
        hit |= (month == d.month) & (dom == d.day)
    return hit


def rules(f: dict[str, pd.DataFrame], day: dt.date) -> dict[str, pd.Series]:
    D = pd.Timestamp(day)
    D1, days = D - pd.Timedelta(days=1), lambda n: pd.Timedelta(days=n)
    cust = f["customers"][f["customers"].opened_on <= D1]
    tx = f["transactions"][f["transactions"].booked_at_day <= D1]
    bal = f["balances"][f["balances"].as_of <= D1]
    hold = f["holdings"][f["holdings"].bought_on <= D1]
    out: dict[str, pd.Series] = {}

    out["birthday"] = cust.customer_id[_birthday_hits(cust.birth_date, D)]
    rel = f["relatives"][f["relatives"].customer_id.isin(cust.customer_id)]
    out["relative_birthday"] = rel.customer_id[_birthday_hits(rel.birth_date, D)]
    out["maturity"] = hold.customer_id[hold.matures_on.between(D, D + days(7))]

    credits = tx[(tx.amount > 0) & (tx.kind != "interest") & (tx.booked_at_day >= D - days(91))]
    c_day = credits[credits.booked_at_day == D1].groupby("customer_id").amount.sum()
    c_hist = credits[credits.booked_at_day <= D - days(2)].groupby("customer_id").amount.sum()
    m = (c_hist.reindex(c_day.index).fillna(0) / 90)
    out["large_inflow"] = pd.Series(c_day.index[(c_day >= 50_000) | ((c_day >= 10_000) & (c_day >= 5 * m))])

    debits = tx[(tx.amount < 0) & (tx.booked_at_day == D1)].groupby("customer_id").amount.sum().abs()
    before = bal[bal.as_of <= D - days(2)].sort_values("as_of").groupby("customer_id").aum.last()
    aum = before.reindex(debits.index)
    out["large_outflow"] = pd.Series(debits.index[(debits >= 50_000) | ((aum > 0) & (debits >= 0.3 * aum))])

    latest = bal.sort_values("as_of").groupby("customer_id").last()
    invested = tx[(tx.amount < 0) & (tx.kind == "investment") & (tx.booked_at_day >= D - days(30))].customer_id
    idle = latest[(latest.current >= 50_000) & (latest.current >= 0.5 * latest.aum)]
    out["idle_cash"] = pd.Series(idle.index[~idle.index.isin(invested)])

    nav = f["nav"][f["nav"].as_of <= D1].sort_values("as_of")
    last5 = nav.groupby("product_id").tail(5).groupby("product_id").nav
    p = pd.DataFrame({"latest": last5.last(), "n0": last5.first(), "k": last5.size()})
    funds = f["products"][f["products"].category == "fund"].product_id
    fh = hold[hold.product_id.isin(funds)].join(p, on="product_id", how="inner")
    moved = (fh.cost_nav.notna() & ((fh.latest <= 0.9 * fh.cost_nav) | (fh.latest >= 1.15 * fh.cost_nav))) | (
        (fh.k == 5) & ((fh.latest / fh.n0 - 1).abs() >= 0.05))
    out["fund_move"] = fh.customer_id[moved]

    w = bal[bal.as_of >= D - days(31)]
    a1 = w[w.as_of >= D - days(30)].groupby("customer_id").aum.mean()
    a2 = w[w.as_of <= D - days(2)].groupby("customer_id").aum.mean()
    both = pd.DataFrame({"a1": a1, "a2": a2}).dropna()
    out["tier_up"] = pd.Series(both.index[_tier(both.a1) > _tier(both.a2)])

    t = bal.groupby("customer_id").as_of.max().rename("t")
    bt = bal.join(t, on="customer_id")
    win = bt[(bt.as_of >= bt.t - days(30)) & (bt.as_of < bt.t)].groupby("customer_id").aum.max()
    cur = latest.aum.reindex(win.index)
    out["aum_drop"] = pd.Series(win.index[(win >= 50_000) & (cur <= 0.7 * win)])

    pay = tx[(tx.kind == "payroll") & (tx.amount > 0) & (tx.booked_at_day >= D - days(120))]
    early = pay[pay.booked_at_day <= D - days(36)].groupby("customer_id").size()
    recent = set(pay[pay.booked_at_day >= D - days(35)].customer_id)
    out["payroll_stopped"] = pd.Series([c for c in early[early >= 3].index if c not in recent], dtype=object)

    expires = cust.risk_assessed_on + days(365)
    wealthy = hold[hold.product_id.isin(f["products"][f["products"].category.isin(["wealth", "fund"])].product_id)]
    soon = expires.between(D, D + days(14))
    lapsed = (expires < D) & cust.customer_id.isin(wealthy.customer_id)
    out["risk_assessment_expiring"] = cust.customer_id[soon | lapsed]

    new = cust[cust.opened_on.between(D - days(7), D1)]
    out["new_customer"] = new.customer_id[new.customer_id.map(latest.aum) >= 50_000]

    sse = f["market"][(f["market"].symbol == "SSE_COMPOSITE") & (f["market"].as_of <= D1)].sort_values("as_of")
    shocked = pd.Series([], dtype=object)
    if len(sse) >= 2 and abs(sse.close.iloc[-1] / sse.close.iloc[-2] - 1) >= 0.03:
        risky = f["products"][(f["products"].category == "fund") & f["products"].risk_rating.isin(["R3", "R4", "R5"])]
        shocked = pd.Series(hold[hold.product_id.isin(risky.product_id)
                                 & hold.customer_id.isin(cust.customer_id)].customer_id.unique())
    out["market_shock"] = shocked

    a30 = bal[bal.as_of >= D - days(30)].groupby("customer_id").aum.mean()
    contacted = f["contacts"][f["contacts"].at_day.between(D - days(90), D1)].customer_id
    ok = a30[(a30 >= 50_000) & a30.index.isin(cust.customer_id) & ~a30.index.isin(contacted)]
    out["no_recent_contact"] = pd.Series(ok.index)
    return out
