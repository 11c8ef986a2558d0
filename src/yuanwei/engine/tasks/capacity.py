"""Capacity and assignment (DESIGN §5).

- A customer with a remote RM (``profiles.remote_staff_id`` present in ``staff``) goes to that RM.
- Unassigned long-tail customers are shared among the ``remote_rm`` staff of their branch: in score
  order, each goes to the RM who carried it yesterday if they still have room, else to the RM with
  the fewest tasks so far — RMs below ``min_daily_target`` first — ties by staff_id (deterministic).
  An RM's own customers come first; the long tail fills the room left.
- Each RM keeps at most ``daily_capacity`` tasks (staff table; ``default_daily_capacity`` when
  empty), the highest scores; the rest are excluded as 超出当日容量.
- Rank within an RM: score, then urgency (both descending), then customer_id.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from yuanwei.engine.tasks.config import CapacityConfig
from yuanwei.engine.tasks.policy import Block

OVER_CAPACITY = Block("over_capacity", "超出当日容量")
NO_REMOTE_RM = Block("no_remote_rm", "网点无远程客户经理")


def order_key(c: dict):
    return (-c["score"], -c["urgency"], c["customer_id"])


def _balance_key(rm: str, load: int, cap: int, cfg: CapacityConfig):
    """RMs still short of their daily target (20, or their capacity when smaller) first, the emptiest
    first; then the lowest share of capacity used; staff_id breaks ties."""
    target = min(cfg.min_daily_target, cap)
    return (load >= target, load if load < target else load / cap, rm)


def capacities(staff: pd.DataFrame, cfg: CapacityConfig) -> dict[str, int]:
    caps = {}
    for row in staff.itertuples():
        cap = row.daily_capacity
        caps[row.staff_id] = int(cap) if cap is not None and not pd.isna(cap) else cfg.default_daily_capacity
    return caps


def assign(candidates: list[dict], staff: pd.DataFrame, cfg: CapacityConfig):
    """Returns (tasks, refused): tasks are the candidates given ``staff_id`` and ``rank`` (in
    place); refused are (candidate, staff_id or None, Block)."""
    caps = capacities(staff, cfg)
    remote_by_branch: dict[str, list[str]] = defaultdict(list)
    for row in staff.sort_values("staff_id").itertuples():
        if row.role == "remote_rm":
            remote_by_branch[row.branch_id].append(row.staff_id)

    load: dict[str, int] = defaultdict(int)
    kept: list[dict] = []
    refused: list[tuple[dict, str | None, Block]] = []
    ordered = sorted(candidates, key=order_key)
    own = [c for c in ordered if c.get("remote_staff_id") in caps]
    tail = [c for c in ordered if c.get("remote_staff_id") not in caps]
    for c in own:
        rm = c["remote_staff_id"]
        if load[rm] < caps[rm]:
            load[rm] += 1
            c["staff_id"] = rm   # the candidates are the caller's to hand over: no copies
            kept.append(c)
        else:
            refused.append((c, rm, OVER_CAPACITY))
    for c in tail:
        rms = remote_by_branch.get(c.get("branch_id"), [])
        if not rms:
            refused.append((c, None, NO_REMOTE_RM))
            continue
        room = [rm for rm in rms if load[rm] < caps[rm]]
        if not room:
            refused.append((c, None, OVER_CAPACITY))
            continue
        prev = c.get("prev_staff_id")
        rm = prev if prev in room else min(room, key=lambda r: _balance_key(r, load[r], caps[r], cfg))
        load[rm] += 1
        c["staff_id"] = rm
        kept.append(c)

    by_rm: dict[str, list[dict]] = defaultdict(list)
    for t in kept:
        by_rm[t["staff_id"]].append(t)
    tasks = []
    for rm in sorted(by_rm):
        for rank, t in enumerate(sorted(by_rm[rm], key=order_key), start=1):
            t["rank"] = rank
            tasks.append(t)
    return tasks, refused
