"""Call-time model: the probability of reaching a customer by phone, by hour (and weekday).

A phone contact *reached* the customer unless its outcome is ``no_answer``. For each customer the
reach rate per hour of day is shrunk toward the average of customers of the same persona and
familiarity (empirical Bayes: ``(reached + k · prior) / (attempts + k)``), and that group average
toward the bank-wide rate of the hour learned at training time; the weekday of the run day gets its
own cell, shrunk toward the customer's hour rate. The best hour among the calling hours gives the
window ``HH:00-HH+1:00``. Customers with no phone contact before D get None (the caller uses the
persona defaults of DESIGN §5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import ibis
import pandas as pd

CALL_HOURS = tuple(range(9, 20))  # windows start 09:00 … 19:00 (the last ends 20:00)
K_CUSTOMER = 3.0   # pseudo-attempts of the group prior behind each customer's hour rate
K_GROUP = 20.0     # pseudo-attempts of the bank-wide rate behind a persona × familiarity group
K_WEEKDAY = 3.0    # pseudo-attempts of the customer's hour rate behind a weekday × hour cell


def reach_counts(contacts: ibis.Table, before: dt.datetime | None = None) -> ibis.Table:
    """Phone attempts and reached counts per customer, weekday (0 = Monday) and hour."""
    c = contacts.filter(contacts.channel == "phone")
    if before is not None:
        c = c.filter(c.at < before)
    return c.group_by(
        customer_id=c.customer_id,
        weekday=c.at.day_of_week.index(),
        hour=c.at.hour(),
    ).aggregate(attempts=c.count(), reached=(c.outcome != "no_answer").sum())


def bank_rates(counts: pd.DataFrame) -> dict[int, float]:
    """Bank-wide reach rate per hour 0–23 (a Beta(1, 1)-smoothed rate; 0.5 where never called)."""
    by_hour = counts.groupby("hour")[["attempts", "reached"]].sum()
    rate = (by_hour["reached"] + 1.0) / (by_hour["attempts"] + 2.0)
    return {h: float(rate.get(h, 0.5)) for h in range(24)}


@dataclass
class LearnedCallTime:
    """Implements ``learning.interface.CallTime``."""

    version: str
    hour_rates: dict[int, float]
    metrics: dict = field(default_factory=dict)

    def reach_table(self, counts: pd.DataFrame, customers: pd.DataFrame, weekday: int) -> pd.DataFrame:
        """Shrunk reach probability per customer (rows) and call hour (columns)."""
        hours = list(CALL_HOURS)
        ids = customers["customer_id"].astype(str)
        groups = pd.DataFrame({
            "customer_id": ids.to_numpy(),
            "group": (customers.get("persona", pd.Series("", index=customers.index)).fillna("").astype(str)
                      + "|" + customers.get("familiarity", pd.Series("", index=customers.index)).fillna("").astype(str)
                      ).to_numpy(),
        }).drop_duplicates("customer_id")
        cnt = counts.merge(groups, on="customer_id")
        bank = pd.Series({h: self.hour_rates.get(h, 0.5) for h in hours})

        def grid(df: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
            g = df.groupby([key, "hour"])[["attempts", "reached"]].sum()
            att = g["attempts"].unstack("hour").reindex(columns=hours).fillna(0.0)
            rea = g["reached"].unstack("hour").reindex(columns=hours).fillna(0.0)
            return att, rea

        g_att, g_rea = grid(cnt, "group")
        group_rate = (g_rea + K_GROUP * bank) / (g_att + K_GROUP)
        c_att, c_rea = grid(cnt, "customer_id")
        c_att = c_att.reindex(groups["customer_id"]).fillna(0.0)
        c_rea = c_rea.reindex(groups["customer_id"]).fillna(0.0)
        prior = group_rate.reindex(groups["group"]).fillna(bank).set_axis(groups["customer_id"])
        prior = prior.where(prior.notna(), bank, axis=1)
        cust = (c_rea + K_CUSTOMER * prior) / (c_att + K_CUSTOMER)
        w_att, w_rea = grid(cnt[cnt["weekday"] == weekday], "customer_id")
        w_att = w_att.reindex(cust.index).fillna(0.0)
        w_rea = w_rea.reindex(cust.index).fillna(0.0)
        return (w_rea + K_WEEKDAY * cust) / (w_att + K_WEEKDAY)

    def windows(self, tables: Mapping, day: dt.date, customers: pd.DataFrame) -> pd.Series:
        out = pd.Series([None] * len(customers), index=customers.index, dtype=object)
        if len(customers) == 0:
            return out
        ids = sorted(set(customers["customer_id"].astype(str)))
        contacts = tables["contacts"]
        contacts = contacts.filter(contacts.customer_id.isin(ids))
        counts = reach_counts(contacts, before=dt.datetime.combine(day, dt.time())).execute()
        if counts.empty:
            return out
        for col in ("weekday", "hour", "attempts", "reached"):
            counts[col] = counts[col].astype(float if col in ("attempts", "reached") else int)
        table = self.reach_table(counts, customers, day.weekday())
        seen = set(counts.loc[counts["attempts"] > 0, "customer_id"])
        # ties go to the earlier hour (stable); rounding avoids float noise deciding a tie
        best = table.round(9).idxmax(axis=1)
        for idx, cid in zip(customers.index, customers["customer_id"].astype(str)):
            if cid in seen:
                h = int(best[cid])
                out[idx] = f"{h:02d}:00-{h + 1:02d}:00"
        return out


def fit_call_time(contacts: ibis.Table, version: str) -> LearnedCallTime | None:
    counts = reach_counts(contacts).execute()
    if counts.empty:
        return None
    rates = bank_rates(counts)
    metrics = {
        "phone_attempts": int(counts["attempts"].sum()),
        "reached": int(counts["reached"].sum()),
        "customers": int(counts["customer_id"].nunique()),
    }
    return LearnedCallTime(version=version, hour_rates=rates, metrics=metrics)
