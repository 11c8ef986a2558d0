"""Signals of money flows: large_inflow, large_outflow, idle_cash, payroll_stopped.

All four read ``Context.flows()``: transactions aggregated once per customer over the longest
window (cached on the backend), never a full scan per rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP
from typing import Any

import ibis.expr.types as ir

from yuanwei.engine.signals.base import (
    CENT, Context, Rule, dec, left_join, iso, money, percent, ratio, times, yuan,
)

_lit = dec


# large_inflow ------------------------------------------------------------------------------------

def _large_inflow(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    f = ctx.only_customers(ctx.flows())
    c = f.credit_y
    baseline = f.credit_baseline.fill_null(0)
    days = p["baseline_days"]
    absolute = c >= _lit(p["min_amount"])
    # C ≥ multiple × M with M = baseline / days  ⇔  C × days ≥ multiple × baseline (exact decimals)
    relative = (c >= _lit(p["relative_min_amount"])) & (c * days >= baseline * _lit(p["multiple"]))
    f = f.filter(c.notnull() & (absolute | relative))
    return f.select("customer_id", credit_y="credit_y", credit_baseline=baseline)


def _describe_large_inflow(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    c, base, days = row["credit_y"], row["credit_baseline"], p["baseline_days"]
    daily = (base / days).quantize(CENT, rounding=ROUND_HALF_UP)
    multiple = (c * days / base) if base > 0 else None
    evidence = {"credits": money(c), "baseline_credits": money(base), "baseline_days": days,
                "baseline_daily_avg": money(daily), "multiple": ratio(multiple, 2),
                "booked_on": iso(ctx.y)}
    if multiple is None:
        return evidence, f"昨日入账 {yuan(c)}，近{days}日无其他入账"
    return evidence, f"昨日入账 {yuan(c)}，为近{days}日日均入账的{times(multiple)}倍"


LARGE_INFLOW = Rule("large_inflow", "大额入账", _large_inflow, _describe_large_inflow)


# large_outflow -----------------------------------------------------------------------------------

def _large_outflow(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    f = ctx.only_customers(ctx.flows())
    f = f.filter(f.debit_y.notnull() & (f.debit_y > 0))
    # the latest snapshot with as_of < D−1 (the day before the outflow)
    prev = ctx.balance_facts().select("customer_id", "prev_as_of", "prev_aum")
    j = left_join(f, prev, "customer_id")
    o = j.debit_y
    share = (j.prev_aum.notnull() & (j.prev_aum > 0)) & (o >= j.prev_aum * _lit(p["aum_share"]))
    j = j.filter((o >= _lit(p["min_amount"])) | share.fill_null(False))
    return j.select("customer_id", "debit_y", "prev_as_of", "prev_aum")


def _describe_large_outflow(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    o, aum = row["debit_y"], row["prev_aum"]
    share = (o / aum) if aum is not None and aum > 0 else None
    evidence = {"debits": money(o), "booked_on": iso(ctx.y), "prev_aum": money(aum),
                "prev_as_of": iso(row["prev_as_of"]), "share_of_aum": ratio(share)}
    text = f"昨日转出 {yuan(o)}"
    if share is not None:
        text += f"，占前日资产 {yuan(aum)} 的{percent(share)}"
    return evidence, text


LARGE_OUTFLOW = Rule("large_outflow", "大额转出", _large_outflow, _describe_large_outflow)


# idle_cash ---------------------------------------------------------------------------------------

def _idle_cash(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    s = ctx.latest_snapshot()
    s = s.filter((s.current >= _lit(p["min_amount"])) & (s.current >= s.aum * _lit(p["aum_share"])))
    f = ctx.flows()
    invested = f.filter(f.investment_debits > 0).select("customer_id")
    s = s.anti_join(invested, "customer_id")
    return s.select("customer_id", "as_of", "current", "aum")


def _describe_idle_cash(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    cur, aum = row["current"], row["aum"]
    share = (cur / aum) if aum > 0 else None
    evidence = {"as_of": iso(row["as_of"]), "current": money(cur), "aum": money(aum),
                "share_of_aum": ratio(share), "no_investment_days": p["no_investment_days"]}
    text = f"活期余额 {yuan(cur)}"
    if share is not None:
        text += f"，占总资产的{percent(share)}"
    return evidence, text + f"，近{p['no_investment_days']}日无投资买入"


IDLE_CASH = Rule("idle_cash", "闲置资金", _idle_cash, _describe_idle_cash)


# payroll_stopped ---------------------------------------------------------------------------------

def _payroll_stopped(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    f = ctx.only_customers(ctx.flows())
    f = f.filter((f.payroll_history >= p["min_history_credits"]) & (f.payroll_recent == 0))
    return f.select("customer_id", "payroll_history", "payroll_history_sum", "last_payroll_on")


def _describe_payroll_stopped(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    n = row["payroll_history"]
    evidence = {"payroll_credits": n, "payroll_amount": money(row["payroll_history_sum"]),
                "history_from": iso(ctx.d(-p["history_days"])), "history_to": iso(ctx.d(-p["silent_days"] - 1)),
                "last_payroll_on": iso(row["last_payroll_on"]), "silent_days": p["silent_days"]}
    return evidence, (f"近{p['silent_days']}日无代发工资入账（此前{n}笔共 {yuan(row['payroll_history_sum'])}，"
                      f"最近一次{row['last_payroll_on'].isoformat()}）")


PAYROLL_STOPPED = Rule("payroll_stopped", "代发中断", _payroll_stopped, _describe_payroll_stopped)

__all__ = ["LARGE_INFLOW", "LARGE_OUTFLOW", "IDLE_CASH", "PAYROLL_STOPPED"]
