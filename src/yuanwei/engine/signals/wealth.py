"""Signals of assets and relationship: tier_up, aum_drop, new_customer, no_recent_contact.

Tiers are compared exactly: avg30 ≥ threshold ⇔ sum of aum ≥ threshold × number of snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from yuanwei.engine.signals import text as T
from yuanwei.engine.signals.base import Context, Rule, dec, left_join


def avg(found: pa.Table, total: str, count: str) -> T.Fraction:
    """avg30: the exact mean (rounded half-up to the fen when shown as money)."""
    return T.Fraction(T.Num.of(found[total]), T.Num.of(found[count]))


def tier_names(ctx: Context, index) -> pa.Array:
    """Tier names of a column of tier positions."""
    return pa.array([t.name for t in ctx.cfg.tiers], pa.string()).take(index)


# tier_up -----------------------------------------------------------------------------------------

def _tier_up(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    j = ctx.aum_windows()
    j = j.filter((j.snapshots > 0) & (j.n_before > 0))
    j = j.mutate(tier_now=ctx.tier_index_expr(j.aum_sum, j.snapshots),
                 tier_before=ctx.tier_index_expr(j.sum_before, j.n_before))
    j = j.filter(j.tier_now > j.tier_before)
    return j.select("customer_id", "aum_sum", "snapshots", "sum_before", "n_before", "tier_now", "tier_before")


def _describe_tier_up(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    now, before = tier_names(ctx, found["tier_now"]), tier_names(ctx, found["tier_before"])
    a_now, a_before = avg(found, "aum_sum", "snapshots"), avg(found, "sum_before", "n_before")
    evidence = T.json_objects(found.num_rows, {
        "tier": now, "previous_tier": before, "aum_avg30": T.money(a_now), "previous_aum_avg30": T.money(a_before),
        "snapshots": T.json_int(found["snapshots"]), "as_of": ctx.y.isoformat()})
    return evidence, T.join("近30日日均资产 ", T.yuan(a_now), "，等级由", before, "升至", now,
                            "（前一日日均 ", T.yuan(a_before), "）")


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


def _describe_aum_drop(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    aum, peak = T.Num.of(found["latest_aum"]), T.Num.of(found["peak"])
    drop = T.Fraction(peak - aum, peak)   # 1 − aum / peak
    t = T.iso(found["t"])
    evidence = T.json_objects(found.num_rows, {"as_of": t, "aum": T.money(aum), "peak_aum": T.money(peak),
                                               "lookback_days": p["lookback_days"], "drop": T.ratio(drop)})
    return evidence, T.join("资产 ", T.yuan(aum), "（", t, f"），较近{p['lookback_days']}日高点 ", T.yuan(peak),
                            " 下降", T.percent(drop))


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


def _describe_new_customer(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    aum = T.Num.of(found["aum"])
    index = np.zeros(found.num_rows, np.int64)   # cfg.tier_of: the highest tier whose minimum aum reaches
    for i, tier in enumerate(ctx.cfg.tiers):
        least = T.Num.const(tier.min_amount, found.num_rows)
        index[(aum - least).units >= 0] = i
    tier = tier_names(ctx, pa.array(index))
    opened = T.iso(found["opened_on"])
    evidence = T.json_objects(found.num_rows, {"opened_on": opened, "aum": T.money(aum),
                                               "as_of": T.iso(found["as_of"]), "tier": tier})
    return evidence, T.join("新开户（", opened, "），资产 ", T.yuan(aum), "，", tier, "客户")


NEW_CUSTOMER = Rule("new_customer", "新开户", _new_customer, _describe_new_customer)


# no_recent_contact -------------------------------------------------------------------------------

def _no_recent_contact(ctx: Context, p: Mapping[str, Any]) -> ir.Table:
    w = ctx.aum_windows()
    w = w.filter(w.snapshots > 0)
    w = w.mutate(tier=ctx.tier_index_expr(w.aum_sum, w.snapshots))
    w = w.filter(w.tier >= ctx.cfg.tier_index(p["min_tier"]))
    # no contact in D−days … D−1 = none at all, or the latest before D−days (contacts end at D−1)
    last = ctx.contact_state().select("customer_id", "last_contact_on")
    w = left_join(w, last, "customer_id")
    w = w.filter(w.last_contact_on.isnull() | (w.last_contact_on < ctx.lit(-p["days"])))
    return w.select("customer_id", "aum_sum", "snapshots", "tier", "last_contact_on")


def _describe_no_recent_contact(found: pa.Table, p: Mapping[str, Any], ctx: Context) -> tuple[pa.Array, pa.Array]:
    a, tier = avg(found, "aum_sum", "snapshots"), tier_names(ctx, found["tier"])
    last = T.iso(found["last_contact_on"])
    evidence = T.json_objects(found.num_rows, {"tier": tier, "aum_avg30": T.money(a), "days": p["days"],
                                               "last_contact_on": last})
    since = T.choose(last.is_valid().to_numpy(zero_copy_only=False), T.join("上次联系", last), "从未联系")
    return evidence, T.join(tier, "客户（日均资产 ", T.yuan(a), f"）已超过{p['days']}日未联系，", since)


NO_RECENT_CONTACT = Rule("no_recent_contact", "久未联系", _no_recent_contact, _describe_no_recent_contact)

