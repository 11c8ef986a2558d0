"""A run folder at demo scale (20,000 customers, 60 daily balance snapshots each), built column-wise."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from yuanwei.results import RESULT_TABLES, run_dir_name

from .runfiles import sample_run, write_table


def _table(name: str, cols: dict) -> pa.Table:
    schema = RESULT_TABLES[name]
    n = len(next(iter(cols.values())))
    return pa.table({f.name: cols.get(f.name, [None] * n) for f in schema}, schema=schema)


def write_volume_run(runs_dir: Path, day: dt.date, customers: int = 20_000, days: int = 60, shift: int = 0) -> Path:
    """The run of `day`. With shift=1 it is the run of the next day as the engine would write it: the
    balance window moves by a day, every 10th customer's latest AUM changes, every profile's
    days_since_contact grows."""
    folder = Path(runs_dir) / run_dir_name(day)
    folder.mkdir(parents=True, exist_ok=True)
    sample = sample_run(day, with_tasks=False)
    for ref in ("branches", "staff", "employers", "products", "relatives", "services", "assignments",
                "channel_plans", "contacts", "market", "news"):
        write_table(folder, ref, sample[ref])
    y = day - dt.timedelta(days=1)
    ids = [f"C{i:06d}" for i in range(customers)]
    base = [Decimal(f"{(i * 7919) % 2_000_000}.{i % 100:02d}") for i in range(customers)]
    aum = [a + (shift if i % 10 == 0 else 0) for i, a in enumerate(base)]
    tiers = ["大众" if a < 50_000 else "金卡" if a < 500_000 else "财富" for a in aum]
    pq.write_table(_table("profiles", {
        "customer_id": ids, "name": [f"客户{i}" for i in range(customers)], "gender": ["MF"[i % 2] for i in range(customers)],
        "birth_date": [dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28) for i in range(customers)],
        "age": [76 - i % 50 for i in range(customers)], "phone": [f"139{i:08d}" for i in range(customers)],
        "branch_id": ["B01"] * customers, "opened_on": [dt.date(2015, 1, 1)] * customers,
        "marketing_consent": [i % 7 != 0 for i in range(customers)], "tier": tiers, "aum": aum, "current": aum,
        "balance_as_of": [y] * customers, "aum_avg30": aum, "remote_staff_id": ["R001" if i % 2 else "R002" for i in range(customers)],
        "days_since_contact": [(i % 90) + shift for i in range(customers)],
    }), folder / "profiles.parquet")
    cust, asof, amount = [], [], []
    for i, cid in enumerate(ids):
        for k in range(days):
            cust.append(cid)
            asof.append(y - dt.timedelta(days=k))
            amount.append(aum[i] if k == 0 else base[i])  # history does not change
    zero = Decimal("0.00")
    pq.write_table(_table("balances", {"customer_id": cust, "as_of": asof, "current": amount,
                                       "time_deposit": [zero] * len(cust), "investments": [zero] * len(cust),
                                       "aum": amount}), folder / "balances.parquet")
    pq.write_table(_table("holdings", {"holding_id": [f"H{i}" for i in range(customers)], "customer_id": ids,
                                       "product_id": ["F001"] * customers, "amount": aum,
                                       "bought_on": [dt.date(2025, 1, 1)] * customers}), folder / "holdings.parquet")
    pq.write_table(_table("flows", {"txn_id": [f"T{i}" for i in range(customers * 3)],
                                    "customer_id": [ids[i % customers] for i in range(customers * 3)],
                                    "account_id": ["A"] * (customers * 3),
                                    "booked_at": [dt.datetime.combine(y, dt.time(9, i % 60)) for i in range(customers * 3)],
                                    "amount": [Decimal("100.00")] * (customers * 3), "kind": ["card"] * (customers * 3)}),
                   folder / "flows.parquet")
    sig = list(range(0, customers, 20))
    pq.write_table(_table("signals", {"date": [day] * len(sig), "customer_id": [ids[i] for i in sig],
                                      "rule": ["idle_cash"] * len(sig), "urgency": [1] * len(sig),
                                      "evidence": [json.dumps({"current": str(aum[i])}) for i in sig],
                                      "explanation": ["活期资金闲置"] * len(sig)}), folder / "signals.parquet")
    return folder
