"""Signals of markets: fund_move (per holding) and market_shock (per customer).

NAV series may have gaps: "the last n observations" are the last n rows ≤ D−1 whatever their dates.
Ratios are tested by cross-multiplication on exact decimals: |n4 / n0 − 1| ≥ k ⇔ |n4 − n0| ≥ k × n0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yuanwei.contract.schema import RISK_RATINGS
from yuanwei.engine.signals import text as T
from yuanwei.engine.signals.base import Context, Rule, dec, left_join

NAV_PLACES = 6   # navs are shown to 10⁻⁶


# fund_move ---------------------------------------------------------------------------------------

def _fund_move(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    h = ctx.holdings
    h = h.filter(h.category.isin(list(p["categories"])))
    n = ctx.nav.semi_join(h.select("product_id"), "product_id")
    # newest first: position 0 is the latest nav, position observations-1 is n0
    n = n.mutate(pos=ibis.row_number().over(group_by=n.product_id, order_by=ibis.desc(n.as_of)))
    latest = n.filter(n.pos == 0).select("product_id", latest_nav="nav", latest_as_of="as_of")
    first = n.filter(n.pos == p["observations"] - 1).select("product_id", first_nav="nav", first_as_of="as_of")
    j = left_join(h.join(latest, "product_id"), first, "product_id")
    loss, gain, move = (dec(p[k]) for k in ("loss_ratio", "gain_ratio", "trend_move"))
    cost_hit = j.cost_nav.notnull() & ((j.latest_nav <= j.cost_nav * loss) | (j.latest_nav >= j.cost_nav * gain))
    change = j.latest_nav - j.first_nav
    trend_hit = j.first_nav.notnull() & (j.first_nav > 0) & (
        (change >= j.first_nav * move) | (-change >= j.first_nav * move))
    j = j.mutate(cost_hit=cost_hit.fill_null(False), trend_hit=trend_hit.fill_null(False))
    j = j.filter(j.cost_hit | j.trend_hit)
    return j.select("customer_id", "holding_id", "product_id", "product_name", "amount", "cost_nav",
                    "latest_nav", "latest_as_of", "first_nav", "first_as_of", "cost_hit", "trend_hit")


def _describe_fund_move(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    latest, cost, first = (T.Num.of(found[c]) for c in ("latest_nav", "cost_nav", "first_nav"))
    cost_hit, trend_hit = (found[c].combine_chunks().fill_null(False).to_numpy(zero_copy_only=False)
                           for c in ("cost_hit", "trend_hit"))
    vs_cost = T.Fraction(latest - cost, cost, valid=cost_hit)       # latest / cost − 1
    trend = T.Fraction(latest - first, first, valid=trend_hit)      # latest / first − 1
    branches = T.choose(cost_hit & trend_hit, '["cost","trend"]', T.choose(cost_hit, '["cost"]', '["trend"]'))
    latest_on = T.iso(found["latest_as_of"])
    evidence = T.json_objects_where(found.num_rows, {
        "holding_id": T.column(found, "holding_id"), "product_id": T.column(found, "product_id"),
        "product_name": T.column(found, "product_name"), "amount": T.money(T.Num.of(found["amount"])),
        "latest_nav": T.fixed(latest, NAV_PLACES), "latest_nav_as_of": latest_on,
        "cost_nav": T.fixed(cost, NAV_PLACES), "first_nav": T.fixed(first, NAV_PLACES),
        "first_nav_as_of": T.iso(found["first_as_of"]), "observations": p["observations"],
        "branches": T.Raw(branches),
    }, [(cost_hit, "vs_cost", T.ratio(vs_cost)), (trend_hit, "trend", T.ratio(trend))])

    def moved(ratio: T.Fraction):
        return T.join(T.choose(ratio.positive(), "上涨", "下跌"), T.percent(abs(ratio)))

    by_cost = T.join("较成本净值", T.fixed(cost, NAV_PLACES), moved(vs_cost))
    by_trend = T.join(f"近{p['observations']}个净值日", moved(trend))
    parts = T.choose(cost_hit & trend_hit, T.join(by_cost, "，", by_trend), T.choose(cost_hit, by_cost, by_trend))
    name = T.either(found["product_name"], found["product_id"])
    return evidence, T.join(name, " 最新净值", T.fixed(latest, NAV_PLACES), "（", latest_on, "），", parts)


FUND_MOVE = Rule("fund_move", "基金波动", _fund_move, _describe_fund_move)


# market_shock ------------------------------------------------------------------------------------

def last_two_closes(ctx: Context, symbol: str) -> list[tuple]:
    """The last two (as_of, close) of a market series up to D−1, newest first (a tiny query)."""
    m = ctx.tables["market"]
    m = m.filter((m.symbol == symbol) & (m.as_of <= ctx.lit(-1)))
    rows = m.order_by(ibis.desc("as_of")).limit(2).select("as_of", "close").to_pyarrow().to_pylist()
    return [(r["as_of"], r["close"]) for r in rows]


def _market_shock(ctx: Context, p: Mapping[str, Any]) -> ir.Table | None:
    closes = last_two_closes(ctx, p["symbol"])
    if len(closes) < 2:  # a missing or too short series fires nothing
        return None
    (last_on, last), (prev_on, prev) = closes
    if prev is None or last is None or prev <= 0 or abs(last - prev) < p["min_move"] * prev:
        return None
    ratings = list(RISK_RATINGS[RISK_RATINGS.index(p["min_risk_rating"]):])
    h = ctx.holdings
    h = h.filter(h.category.isin(list(p["categories"])) & h.risk_rating.isin(ratings))
    held = h.group_by("customer_id").aggregate(holdings=h.count(), amount=h.amount.sum())
    return held.mutate(last_close=ibis.literal(str(last)), last_on=ibis.literal(last_on, type="date"),
                       prev_close=ibis.literal(str(prev)), prev_on=ibis.literal(prev_on, type="date"))


def _describe_market_shock(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    if not found.num_rows:
        return pa.array([], pa.string()), pa.array([], pa.string())
    # the closes are the same on every row (the market's last two): their texts are made once
    first = found.slice(0, 1).to_pylist()[0]
    last, prev = Decimal(first["last_close"]), Decimal(first["prev_close"])
    change = T.Fraction(T.Num.const(last - prev, 1), T.Num.const(prev, 1))
    up = bool(change.positive()[0])
    amount = T.Num.of(found["amount"])
    evidence = T.json_objects(found.num_rows, {
        "symbol": p["symbol"], "close": T.fixed(T.Num.const(last, 1), NAV_PLACES)[0].as_py(),
        "close_on": first["last_on"].isoformat(), "previous_close": T.fixed(T.Num.const(prev, 1), NAV_PLACES)[0].as_py(),
        "previous_close_on": first["prev_on"].isoformat(), "change": T.ratio(change)[0].as_py(),
        "holdings": T.json_int(found["holdings"]), "amount": T.money(amount)})
    index = "上证指数" if p["symbol"] == "SSE_COMPOSITE" else p["symbol"]
    # {last:.2f}: Decimal's format, which rounds half to even
    head = (f"{index}{first['last_on'].isoformat()}收于{last:.2f}，较前一交易日{'上涨' if up else '下跌'}"
            f"{T.percent(abs(change))[0].as_py()}；客户持有")
    return evidence, T.join(head, T.text_of(found["holdings"]), f"只{p['min_risk_rating']}及以上基金共 ",
                            T.yuan(amount))


MARKET_SHOCK = Rule("market_shock", "市场波动", _market_shock, _describe_market_shock)
