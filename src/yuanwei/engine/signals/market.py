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

from yuanwei.contract.schema import RISK_RATINGS
from yuanwei.engine.signals.base import Context, Rule, dec, left_join, iso, money, nav, percent, ratio, yuan


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


def _describe_fund_move(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    latest, cost, first = row["latest_nav"], row["cost_nav"], row["first_nav"]
    evidence = {"holding_id": row["holding_id"], "product_id": row["product_id"],
                "product_name": row["product_name"], "amount": money(row["amount"]),
                "latest_nav": nav(latest), "latest_nav_as_of": iso(row["latest_as_of"]),
                "cost_nav": nav(cost), "first_nav": nav(first), "first_nav_as_of": iso(row["first_as_of"]),
                "observations": p["observations"],
                "branches": [b for b, hit in (("cost", row["cost_hit"]), ("trend", row["trend_hit"])) if hit]}
    name = row["product_name"] or row["product_id"]
    parts = []
    if row["cost_hit"]:
        vs_cost = latest / cost - 1
        evidence["vs_cost"] = ratio(vs_cost)
        parts.append(f"较成本净值{nav(cost)}{'上涨' if vs_cost > 0 else '下跌'}{percent(abs(vs_cost))}")
    if row["trend_hit"]:
        trend = latest / first - 1
        evidence["trend"] = ratio(trend)
        parts.append(f"近{p['observations']}个净值日{'上涨' if trend > 0 else '下跌'}{percent(abs(trend))}")
    return evidence, f"{name} 最新净值{nav(latest)}（{row['latest_as_of'].isoformat()}），" + "，".join(parts)


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


def _describe_market_shock(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    last, prev = Decimal(row["last_close"]), Decimal(row["prev_close"])
    change = last / prev - 1
    evidence = {"symbol": p["symbol"], "close": nav(last), "close_on": iso(row["last_on"]),
                "previous_close": nav(prev), "previous_close_on": iso(row["prev_on"]), "change": ratio(change),
                "holdings": row["holdings"], "amount": money(row["amount"])}
    index = "上证指数" if p["symbol"] == "SSE_COMPOSITE" else p["symbol"]
    return evidence, (f"{index}{row['last_on'].isoformat()}收于{last:.2f}，较前一交易日"
                      f"{'上涨' if change > 0 else '下跌'}{percent(abs(change))}；客户持有{row['holdings']}只"
                      f"{p['min_risk_rating']}及以上基金共 {yuan(row['amount'])}")


MARKET_SHOCK = Rule("market_shock", "市场波动", _market_shock, _describe_market_shock)
