"""Contact policy (DESIGN §5): consent, pressure, one voice.

The facts (contacts in the windows, refusals, do-not-disturb outcomes, other channels' active plans)
are computed with Ibis on the run's backend, restricted to the day's candidates; the decision per
candidate is plain Python on that small table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from yuanwei.engine.tasks.config import PolicyConfig
from yuanwei.engine.tasks.windows import customer_table, restrict

CHANNEL_ZH = {"branch": "网点", "wealth_center": "财富中心", "call_center": "电话中心", "remote": "远程"}


@dataclass(frozen=True)
class Block:
    code: str     # reason_code of the excluded row
    reason: str   # zh-CN reason


DO_NOT_CALL = Block("do_not_call", "客户拒绝电话联系")
DO_NOT_DISTURB = Block("do_not_disturb", "客户拒绝免打扰")
NO_CONSENT = Block("no_consent", "客户未授权营销")


def policy_facts(tables: Mapping[str, ibis.Table], day: dt.date, customer_ids: list[str],
                 cfg: PolicyConfig) -> pd.DataFrame:
    """One row per customer (index customer_id, sorted) with contacts_short, contacts_long,
    refused_recent, dnd_ever and plan_holder (zh-CN "网点营销中：张三" or None). Columnar: a large
    bank asks this for ~10⁵–10⁶ candidates a day."""
    ids = customer_ids if _strictly_increasing(customer_ids) else sorted(set(customer_ids))
    index = pd.Index(ids, name="customer_id", dtype=object)
    if not ids:
        return pd.DataFrame({"contacts_short": pd.Series(dtype="int64"), "contacts_long": pd.Series(dtype="int64"),
                             "refused_recent": pd.Series(dtype=bool), "dnd_ever": pd.Series(dtype=bool),
                             "plan_holder": pd.Series(dtype=object)}, index=index)
    yesterday = day - dt.timedelta(days=1)
    short_from = day - dt.timedelta(days=cfg.pressure_short_days)
    long_from = day - dt.timedelta(days=cfg.pressure_long_days)
    refusal_from = day - dt.timedelta(days=cfg.refusal_days)
    mine = customer_table(ids)

    c = restrict(tables["contacts"], mine)
    c = c.filter(c.at_day <= yesterday)  # data up to D-1 only: a backtest of a past day is honest
    in_short = (c.at_day >= short_from).cast("int64")
    in_long = (c.at_day >= long_from).cast("int64")
    refused = ((c.outcome == "refused") & (c.at_day >= refusal_from)).cast("int64")
    dnd = (c.outcome == "do_not_disturb").cast("int64")
    found = (c.mutate(s=in_short, l=in_long, r=refused, d=dnd)
             .group_by("customer_id")
             .aggregate(contacts_short=lambda t: t.s.sum(), contacts_long=lambda t: t.l.sum(),
                        refused_n=lambda t: t.r.sum(), dnd_n=lambda t: t.d.sum())
             .to_pyarrow())
    # customers without contacts: zero counts
    at = pc.index_in(pa.array(ids, pa.string()), value_set=found["customer_id"])

    def count(name: str) -> np.ndarray:
        return pc.fill_null(found[name].cast(pa.int64()).take(at), 0).to_numpy(zero_copy_only=False)

    out = pd.DataFrame({"contacts_short": count("contacts_short"), "contacts_long": count("contacts_long"),
                        "refused_recent": count("refused_n") > 0, "dnd_ever": count("dnd_n") > 0}, index=index)

    p = restrict(tables["channel_plans"], mine)
    p = p.filter(p.valid_from <= day, p.valid_to >= day, p.channel != cfg.own_plan_channel)
    s = tables["staff"].select(staff_key="staff_id", staff_name="name")
    plans = (p.left_join(s, p.staff_id == s.staff_key)
             .select("customer_id", "channel", "plan", "valid_from", "staff_id", "staff_name")
             .to_pandas())
    holders: dict[str, list[str]] = {}
    if not plans.empty:
        plans = plans.sort_values(["customer_id", "channel", "valid_from", "staff_id"], na_position="last")
        for plan in plans.itertuples():
            holders.setdefault(plan.customer_id, []).append(_holder(plan))
    out["plan_holder"] = pd.Series([("；".join(holders[i]) if i in holders else None) for i in ids] if holders
                                   else [None] * len(ids), index=index, dtype=object)
    return out


def _strictly_increasing(values: list[str]) -> bool:
    return all(a < b for a, b in zip(values, values[1:]))


def _holder(plan) -> str:
    who = plan.staff_name if isinstance(plan.staff_name, str) and plan.staff_name else (
        plan.staff_id if isinstance(plan.staff_id, str) and plan.staff_id else plan.plan)
    return f"{CHANNEL_ZH.get(plan.channel, plan.channel)}营销中：{who}"


def phone_block(profile: Mapping, facts: Mapping) -> Block | None:
    """Consent for any phone task: do_not_call, or a do_not_disturb outcome ever recorded."""
    if profile.get("do_not_call") is True:
        return DO_NOT_CALL
    if profile.get("do_not_disturb") is True or bool(facts.get("dnd_ever")):
        return DO_NOT_DISTURB
    return None


def marketing_block(profile: Mapping, facts: Mapping, cfg: PolicyConfig) -> Block | None:
    """The first rule that forbids a marketing task today (consent, refusal, pressure, one voice)."""
    if profile.get("marketing_consent") is not True:  # unknown consent is no consent
        return NO_CONSENT
    if bool(facts.get("refused_recent")):
        return Block("refused_30d", f"近{cfg.refusal_days}天客户拒绝")
    if int(facts.get("contacts_short") or 0) >= cfg.pressure_short_max:
        text = "本周已联系" if cfg.pressure_short_days == 7 else f"近{cfg.pressure_short_days}天已联系"
        return Block("pressure_7d", text)
    if int(facts.get("contacts_long") or 0) >= cfg.pressure_long_max:
        return Block("pressure_30d",
                     f"近{cfg.pressure_long_days}天已联系{int(facts['contacts_long'])}次")
    holder = facts.get("plan_holder")
    if isinstance(holder, str) and holder:
        return Block("other_channel", holder)
    return None
