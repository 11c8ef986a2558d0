"""Signals of money flows: large_inflow, large_outflow, idle_cash, payroll_stopped.

All four read ``Context.flows()``: transactions aggregated once per customer over the longest
window (cached on the backend), never a full scan per rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from yuanwei.engine.signals import text as T
from yuanwei.engine.signals.base import Context, Rule, dec, left_join

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


def _describe_large_inflow(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    n, days = found.num_rows, p["baseline_days"]
    c, base = T.Num.of(found["credit_y"]), T.Num.of(found["credit_baseline"])
    daily = T.Fraction(base, T.Num.const(days, n))
    multiple = T.Fraction(c * days, base, valid=base.positive())   # none without a baseline
    evidence = T.json_objects(n, {"credits": T.money(c), "baseline_credits": T.money(base), "baseline_days": days,
                                  "baseline_daily_avg": T.money(daily), "multiple": T.ratio(multiple, 2),
                                  "booked_on": ctx.y.isoformat()})
    credited = T.join("昨日入账 ", T.yuan(c))
    text = T.choose(multiple.valid, T.join(credited, f"，为近{days}日日均入账的", T.times(multiple), "倍"),
                    T.join(credited, f"，近{days}日无其他入账"))
    return evidence, text


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


def _describe_large_outflow(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    n = found.num_rows
    o, aum = T.Num.of(found["debit_y"]), T.Num.of(found["prev_aum"])
    share = T.Fraction(o, aum, valid=aum.positive())
    evidence = T.json_objects(n, {"debits": T.money(o), "booked_on": ctx.y.isoformat(), "prev_aum": T.money(aum),
                                  "prev_as_of": T.iso(found["prev_as_of"]), "share_of_aum": T.ratio(share)})
    out = T.join("昨日转出 ", T.yuan(o))
    text = T.choose(share.valid, T.join(out, "，占前日资产 ", T.yuan(aum), " 的", T.percent(share)), out)
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


def _describe_idle_cash(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    n, days = found.num_rows, p["no_investment_days"]
    cur, aum = T.Num.of(found["current"]), T.Num.of(found["aum"])
    share = T.Fraction(cur, aum, valid=aum.positive())
    evidence = T.json_objects(n, {"as_of": T.iso(found["as_of"]), "current": T.money(cur), "aum": T.money(aum),
                                  "share_of_aum": T.ratio(share), "no_investment_days": days})
    held = T.join("活期余额 ", T.yuan(cur))
    text = T.choose(share.valid, T.join(held, "，占总资产的", T.percent(share)), held)
    return evidence, T.join(text, f"，近{days}日无投资买入")


IDLE_CASH = Rule("idle_cash", "闲置资金", _idle_cash, _describe_idle_cash)


# payroll_stopped ---------------------------------------------------------------------------------

def _payroll_stopped(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    f = ctx.only_customers(ctx.flows())
    f = f.filter((f.payroll_history >= p["min_history_credits"]) & (f.payroll_recent == 0))
    return f.select("customer_id", "payroll_history", "payroll_history_sum", "last_payroll_on")


def _describe_payroll_stopped(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    n, silent = found.num_rows, p["silent_days"]
    amount, last = T.Num.of(found["payroll_history_sum"]), T.iso(found["last_payroll_on"])
    count = T.text_of(found["payroll_history"])
    evidence = T.json_objects(n, {"payroll_credits": T.json_int(found["payroll_history"]),
                                  "payroll_amount": T.money(amount),
                                  "history_from": ctx.d(-p["history_days"]).isoformat(),
                                  "history_to": ctx.d(-silent - 1).isoformat(), "last_payroll_on": last,
                                  "silent_days": silent})
    return evidence, T.join(f"近{silent}日无代发工资入账（此前", count, "笔共 ", T.yuan(amount), "，最近一次", last, "）")


PAYROLL_STOPPED = Rule("payroll_stopped", "代发中断", _payroll_stopped, _describe_payroll_stopped)

__all__ = ["LARGE_INFLOW", "LARGE_OUTFLOW", "IDLE_CASH", "PAYROLL_STOPPED"]
