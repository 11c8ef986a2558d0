"""Suggested call windows (DESIGN §5): the customer's best hours from past calls, else defaults by
persona and familiarity (unfamiliar customers 10:30–11:30 or 14:30–15:30).

``HistoryCallTime`` is the model-free call-time estimate: per customer, the hour of day with the best
reach rate over the phone contacts of the last ``history_days`` (D−history_days … D−1), counting only
hours with at least ``history_min_attempts`` calls. A learned ``CallTime`` (``yuanwei learn``) replaces
it through the same protocol; where either says nothing, ``default_window`` answers.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping

import ibis
import pandas as pd
import pyarrow as pa

from yuanwei.engine.tasks.config import WindowsConfig

# outcomes where somebody answered the phone (the same "reached" as the familiarity feature)
REACHED = ("reached", "refused", "interested", "appointment", "sold", "do_not_disturb")


def customer_table(customer_ids: list[str]) -> ibis.Table:
    """The ids as an in-memory table for ``restrict`` (made once where several queries restrict to
    the same customers: a large bank's candidates are ~10⁵–10⁶ ids)."""
    return ibis.memtable(pa.table({"customer_id": pa.array(customer_ids, pa.string())}))


def restrict(table: ibis.Table, customer_ids: list[str] | ibis.Table) -> ibis.Table:
    """Only the rows of these customers (a list, or a ``customer_table``): a semi join on a small
    in-memory table, so the backend never scans more than it must and the SQL stays small however
    many candidates there are."""
    ids = customer_ids if isinstance(customer_ids, ibis.Table) else customer_table(customer_ids)
    return table.semi_join(ids, "customer_id")


class HistoryCallTime:
    version = "history-1"

    def __init__(self, cfg: WindowsConfig):
        self.cfg = cfg

    def windows(self, tables: Mapping, day: dt.date, customers: pd.DataFrame) -> pd.Series:
        out = pd.Series([None] * len(customers), index=customers.index, dtype=object)
        if customers.empty:
            return out
        c = restrict(tables["contacts"], customers["customer_id"].tolist())
        start = day - dt.timedelta(days=self.cfg.history_days)
        c = c.filter(c.at_day >= start, c.at_day <= day - dt.timedelta(days=1), c.channel == "phone")
        by_hour = (
            c.mutate(hour=c["at"].hour().cast("int64"),
                     reached=c.outcome.isin(REACHED).cast("int64"))
            .group_by(["customer_id", "hour"])
            .aggregate(attempts=lambda t: t.count(), reached=lambda t: t.reached.sum())
            .to_pandas()
        )
        if by_hour.empty:
            return out
        by_hour = by_hour[(by_hour.attempts >= self.cfg.history_min_attempts) & (by_hour.reached > 0)]
        by_hour = by_hour.assign(rate=by_hour.reached / by_hour.attempts)
        # best rate, then more evidence, then the earlier hour: deterministic on every backend
        best = (by_hour.sort_values(["customer_id", "rate", "attempts", "hour"],
                                    ascending=[True, False, False, True])
                .drop_duplicates("customer_id").set_index("customer_id")["hour"])
        hours = customers["customer_id"].map(best)
        for idx, h in hours.items():
            if pd.notna(h):
                h = int(h)
                out[idx] = f"{h:02d}:00-{h + 1:02d}:00" if h < 23 else "23:00-23:59"
        return out


def default_window(cfg: WindowsConfig, customer_id: str, persona: str | None, familiarity: str | None) -> str:
    """Persona default for customers the RM knows (familiarity A/B); one of the unfamiliar windows,
    chosen by a stable hash of the customer id (spreads the calls, same answer every run), else."""
    if familiarity in ("A", "B"):
        w = cfg.persona.get(persona or "other") or cfg.persona.get("other")
        if w:
            return w
    return cfg.unfamiliar[zlib.crc32(customer_id.encode()) % len(cfg.unfamiliar)]
