"""The reference for the signals' texts: each rule's evidence and explanation made one row at a time
with ``Decimal`` and f-strings, as the rules did before they were made column-wise
(``yuanwei.engine.signals.text``). test_signals_text.py checks the columns against these rows.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from yuanwei.engine.signals.base import Context
from yuanwei.engine.signals.calendar import RELATIONS_ZH

CENT = Decimal("0.01")


def canonical_json(evidence: Mapping[str, Any]) -> str:
    return json.dumps(evidence, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def money(value: Decimal | int | None) -> str | None:
    """Evidence money: exact yuan with 2 decimals, as a string ("520000.00")."""
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def yuan(value: Decimal | int) -> str:
    """Explanation money: ¥520,000.00."""
    return f"¥{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def ratio(value: Decimal | None, places: int = 4) -> str | None:
    """A non-money ratio in evidence, as a fixed-point string ("0.0523")."""
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(value: Decimal) -> str:
    """A ratio for the explanation: 0.0523 → 5.23%."""
    return f"{(Decimal(value) * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"


def times(value: Decimal) -> str:
    """A multiple for the explanation: 38.2 → 38, 5.24 → 5.2 (one decimal below 10)."""
    value = Decimal(value)
    if value >= 10:
        return str(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).removesuffix(".0")


def nav(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def md(day: dt.date) -> str:
    """12月1日"""
    return f"{day.month}月{day.day}日"


def when(due: dt.date, day: dt.date) -> str:
    """今天 / 明天 / 后天 / N天后 relative to D."""
    n = (due - day).days
    return {0: "今天", 1: "明天", 2: "后天"}.get(n, f"{n}天后" if n > 0 else f"{-n}天前")


def _age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years on ``on`` (the birthday counts as reached on its celebrated day)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day) and
                                   not (birth.month == 2 and birth.day == 29 and on.month == 2
                                        and on.day == 28 and not _cal.isleap(on.year)))


def describe_birthday(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    due, birth = row["due_date"], row["birth_date"]
    age = _age_on(birth, due)
    evidence = {"birth_date": iso(birth), "birthday": iso(due), "age": age}
    note = "（2月29日生日，平年按2月28日）" if (birth.month, birth.day) != (due.month, due.day) else ""
    return evidence, f"客户{when(due, ctx.day)}（{md(due)}）生日，满{age}岁{note}"


def describe_relative_birthday(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    due, birth = row["due_date"], row["birth_date"]
    age = _age_on(birth, due)
    evidence = {"relation": row["relation"], "relative_name": row["relative_name"],
                "birth_date": iso(birth), "birthday": iso(due), "age": age}
    who = RELATIONS_ZH.get(row["relation"], "亲属")
    return evidence, f"客户{who}{row['relative_name']}{when(due, ctx.day)}（{md(due)}）生日，满{age}岁"


def describe_maturity(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    due = row["due_date"]
    evidence = {"holding_id": row["holding_id"], "product_id": row["product_id"],
                "product_name": row["product_name"], "category": row["category"],
                "amount": money(row["amount"]), "matures_on": iso(due)}
    name = row["product_name"] or row["product_id"]
    return evidence, f"{name} {yuan(row['amount'])} 将于{when(due, ctx.day)}（{due.isoformat()}）到期"


def describe_risk(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    assessed = row["risk_assessed_on"]
    expires = assessed + dt.timedelta(days=p["valid_days"])
    evidence = {"risk_assessed_on": iso(assessed), "expires_on": iso(expires), "status": row["status"],
                "risk_level": row["risk_level"]}
    if row["status"] == "expired":
        evidence["holdings"] = row["holdings"]
        text = (f"风险测评已于{expires.isoformat()}过期（测评日{assessed.isoformat()}），"
                f"客户仍持有{row['holdings']}笔理财/基金")
    else:
        text = f"风险测评将于{when(expires, ctx.day)}（{expires.isoformat()}）到期，测评日{assessed.isoformat()}"
    return evidence, text


def describe_large_inflow(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    c, base, days = row["credit_y"], row["credit_baseline"], p["baseline_days"]
    daily = (base / days).quantize(CENT, rounding=ROUND_HALF_UP)
    multiple = (c * days / base) if base > 0 else None
    evidence = {"credits": money(c), "baseline_credits": money(base), "baseline_days": days,
                "baseline_daily_avg": money(daily), "multiple": ratio(multiple, 2),
                "booked_on": iso(ctx.y)}
    if multiple is None:
        return evidence, f"昨日入账 {yuan(c)}，近{days}日无其他入账"
    return evidence, f"昨日入账 {yuan(c)}，为近{days}日日均入账的{times(multiple)}倍"


def describe_large_outflow(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    o, aum = row["debit_y"], row["prev_aum"]
    share = (o / aum) if aum is not None and aum > 0 else None
    evidence = {"debits": money(o), "booked_on": iso(ctx.y), "prev_aum": money(aum),
                "prev_as_of": iso(row["prev_as_of"]), "share_of_aum": ratio(share)}
    text = f"昨日转出 {yuan(o)}"
    if share is not None:
        text += f"，占前日资产 {yuan(aum)} 的{percent(share)}"
    return evidence, text


def describe_idle_cash(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    cur, aum = row["current"], row["aum"]
    share = (cur / aum) if aum > 0 else None
    evidence = {"as_of": iso(row["as_of"]), "current": money(cur), "aum": money(aum),
                "share_of_aum": ratio(share), "no_investment_days": p["no_investment_days"]}
    text = f"活期余额 {yuan(cur)}"
    if share is not None:
        text += f"，占总资产的{percent(share)}"
    return evidence, text + f"，近{p['no_investment_days']}日无投资买入"


def describe_payroll_stopped(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    n = row["payroll_history"]
    evidence = {"payroll_credits": n, "payroll_amount": money(row["payroll_history_sum"]),
                "history_from": iso(ctx.d(-p["history_days"])), "history_to": iso(ctx.d(-p["silent_days"] - 1)),
                "last_payroll_on": iso(row["last_payroll_on"]), "silent_days": p["silent_days"]}
    return evidence, (f"近{p['silent_days']}日无代发工资入账（此前{n}笔共 {yuan(row['payroll_history_sum'])}，"
                      f"最近一次{row['last_payroll_on'].isoformat()}）")


def avg(total: Decimal, n: int) -> Decimal:
    """avg30 as money: exact mean rounded half-up to the fen."""
    return (Decimal(total) / n).quantize(CENT, rounding=ROUND_HALF_UP)


def describe_tier_up(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    tiers = ctx.cfg.tiers
    now, before = tiers[row["tier_now"]].name, tiers[row["tier_before"]].name
    a_now, a_before = avg(row["aum_sum"], row["snapshots"]), avg(row["sum_before"], row["n_before"])
    evidence = {"tier": now, "previous_tier": before, "aum_avg30": money(a_now),
                "previous_aum_avg30": money(a_before), "snapshots": row["snapshots"],
                "as_of": iso(ctx.y)}
    return evidence, f"近30日日均资产 {yuan(a_now)}，等级由{before}升至{now}（前一日日均 {yuan(a_before)}）"


def describe_aum_drop(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    aum, peak = row["latest_aum"], row["peak"]
    drop = 1 - aum / peak
    evidence = {"as_of": iso(row["t"]), "aum": money(aum), "peak_aum": money(peak),
                "lookback_days": p["lookback_days"], "drop": ratio(drop)}
    return evidence, (f"资产 {yuan(aum)}（{row['t'].isoformat()}），较近{p['lookback_days']}日高点 "
                      f"{yuan(peak)} 下降{percent(drop)}")


def describe_new_customer(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    tier = ctx.cfg.tier_of(row["aum"])
    evidence = {"opened_on": iso(row["opened_on"]), "aum": money(row["aum"]), "as_of": iso(row["as_of"]),
                "tier": tier}
    return evidence, f"新开户（{row['opened_on'].isoformat()}），资产 {yuan(row['aum'])}，{tier}客户"


def describe_no_recent_contact(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    a = avg(row["aum_sum"], row["snapshots"])
    tier = ctx.cfg.tiers[row["tier"]].name
    last = row["last_contact_on"]
    evidence = {"tier": tier, "aum_avg30": money(a), "days": p["days"], "last_contact_on": iso(last)}
    since = f"上次联系{last.isoformat()}" if last else "从未联系"
    return evidence, f"{tier}客户（日均资产 {yuan(a)}）已超过{p['days']}日未联系，{since}"


def describe_fund_move(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
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


def describe_market_shock(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    last, prev = Decimal(row["last_close"]), Decimal(row["prev_close"])
    change = last / prev - 1
    evidence = {"symbol": p["symbol"], "close": nav(last), "close_on": iso(row["last_on"]),
                "previous_close": nav(prev), "previous_close_on": iso(row["prev_on"]), "change": ratio(change),
                "holdings": row["holdings"], "amount": money(row["amount"])}
    index = "上证指数" if p["symbol"] == "SSE_COMPOSITE" else p["symbol"]
    return evidence, (f"{index}{row['last_on'].isoformat()}收于{last:.2f}，较前一交易日"
                      f"{'上涨' if change > 0 else '下跌'}{percent(abs(change))}；客户持有{row['holdings']}只"
                      f"{p['min_risk_rating']}及以上基金共 {yuan(row['amount'])}")


DESCRIBE = {"birthday": describe_birthday, "relative_birthday": describe_relative_birthday,
            "maturity": describe_maturity, "risk_assessment_expiring": describe_risk,
            "large_inflow": describe_large_inflow, "large_outflow": describe_large_outflow,
            "idle_cash": describe_idle_cash, "payroll_stopped": describe_payroll_stopped,
            "tier_up": describe_tier_up, "aum_drop": describe_aum_drop, "new_customer": describe_new_customer,
            "no_recent_contact": describe_no_recent_contact, "fund_move": describe_fund_move,
            "market_shock": describe_market_shock}
