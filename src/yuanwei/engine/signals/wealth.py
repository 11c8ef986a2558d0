"""Signals of assets and relationship: tier_up, aum_drop, new_customer, no_recent_contact.

Tiers are compared exactly: avg30 ≥ threshold ⇔ sum of aum ≥ threshold × number of snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ibis.expr.types as ir

from yuanwei.engine.signals.base import CENT, Context, Rule, dec, iso, left_join, money, percent, ratio, yuan


def avg(total: Decimal, n: int) -> Decimal:
    """avg30 as money: exact mean rounded half-up to the fen."""
    return (Decimal(total) / n).quantize(CENT, rounding=ROUND_HALF_UP)


# tier_up -----------------------------------------------------------------------------------------

def _tier_up(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    j = ctx.aum_windows()
    j = j.filter((j.snapshots > 0) & (j.n_before > 0))
    j = j.mutate(tier_now=ctx.tier_index_expr(j.aum_sum, j.snapshots),
                 tier_before=ctx.tier_index_expr(j.sum_before, j.n_before))
    j = j.filter(j.tier_now > j.tier_before)
    return j.select("customer_id", "aum_sum", "snapshots", "sum_before", "n_before", "tier_now", "tier_before")


def _describe_tier_up(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    tiers = ctx.cfg.tiers
    now, before = tiers[row["tier_now"]].name, tiers[row["tier_before"]].name
    a_now, a_before = avg(row["aum_sum"], row["snapshots"]), avg(row["sum_before"], row["n_before"])
    evidence = {"tier": now, "previous_tier": before, "aum_avg30": money(a_now),
                "previous_aum_avg30": money(a_before), "snapshots": row["snapshots"],
                "as_of": iso(ctx.y)}
    return evidence, f"近30日日均资产 {yuan(a_now)}，等级由{before}升至{now}（前一日日均 {yuan(a_before)}）"


TIER_UP = Rule("tier_up", "等级提升", _tier_up, _describe_tier_up)


# aum_drop ----------------------------------------------------------------------------------------

def _aum_drop(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    # t = the customer's latest snapshot; the peak over t−lookback … t−1 is kept with the run
    # state (engine.state): from its window for t = D−1, by a join for the few whose t is older
    facts = ctx.balance_facts()
    peak = facts.select("customer_id", t="as_of", latest_aum="aum", peak="peak")
    peak = peak.filter(peak.peak.notnull() & (peak.peak >= dec(p["min_peak_amount"]))
                       & (peak.latest_aum <= peak.peak * dec(p["drop_ratio"])))
    return peak.select("customer_id", "t", "latest_aum", "peak")


def _describe_aum_drop(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    aum, peak = row["latest_aum"], row["peak"]
    drop = 1 - aum / peak
    evidence = {"as_of": iso(row["t"]), "aum": money(aum), "peak_aum": money(peak),
                "lookback_days": p["lookback_days"], "drop": ratio(drop)}
    return evidence, (f"资产 {yuan(aum)}（{row['t'].isoformat()}），较近{p['lookback_days']}日高点 "
                      f"{yuan(peak)} 下降{percent(drop)}")


AUM_DROP = Rule("aum_drop", "资产下降", _aum_drop, _describe_aum_drop)


# new_customer ------------------------------------------------------------------------------------

def _new_customer(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    c = ctx.customers
    c = c.filter(c.opened_on >= ctx.lit(-p["opened_within_days"]))
    s = ctx.latest_snapshot().select("customer_id", "as_of", "aum")
    j = c.select("customer_id", "opened_on").join(s, "customer_id")
    min_amount = ctx.cfg.tiers[ctx.cfg.tier_index(p["min_tier"])].min_amount
    j = j.filter(j.aum >= dec(min_amount))
    return j.select("customer_id", "opened_on", "as_of", "aum")


def _describe_new_customer(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    tier = ctx.cfg.tier_of(row["aum"])
    evidence = {"opened_on": iso(row["opened_on"]), "aum": money(row["aum"]), "as_of": iso(row["as_of"]),
                "tier": tier}
    return evidence, f"新开户（{row['opened_on'].isoformat()}），资产 {yuan(row['aum'])}，{tier}客户"


NEW_CUSTOMER = Rule("new_customer", "新开户", _new_customer, _describe_new_customer)


# no_recent_contact -------------------------------------------------------------------------------

def _no_recent_contact(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    w = ctx.aum_windows()
    w = w.filter(w.snapshots > 0)
    w = w.mutate(tier=ctx.tier_index_expr(w.aum_sum, w.snapshots))
    w = w.filter(w.tier >= ctx.cfg.tier_index(p["min_tier"]))
    k = ctx.contacts
    recent = k.filter(k.at_day >= ctx.lit(-p["days"])).select("customer_id")
    last = k.group_by("customer_id").aggregate(last_contact_on=k.at_day.max())
    w = left_join(w.anti_join(recent, "customer_id"), last, "customer_id")
    return w.select("customer_id", "aum_sum", "snapshots", "tier", "last_contact_on")


def _describe_no_recent_contact(row: dict, p: Mapping[str, Any], ctx: Context) -> tuple[dict, str]:
    a = avg(row["aum_sum"], row["snapshots"])
    tier = ctx.cfg.tiers[row["tier"]].name
    last = row["last_contact_on"]
    evidence = {"tier": tier, "aum_avg30": money(a), "days": p["days"], "last_contact_on": iso(last)}
    since = f"上次联系{last.isoformat()}" if last else "从未联系"
    return evidence, f"{tier}客户（日均资产 {yuan(a)}）已超过{p['days']}日未联系，{since}"


NO_RECENT_CONTACT = Rule("no_recent_contact", "久未联系", _no_recent_contact, _describe_no_recent_contact)

