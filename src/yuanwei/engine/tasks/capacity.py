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

import numpy as np
import pandas as pd

from yuanwei.engine.tasks.config import CapacityConfig
from yuanwei.engine.tasks.policy import Block

OVER_CAPACITY = Block("over_capacity", "超出当日容量")
NO_REMOTE_RM = Block("no_remote_rm", "网点无远程客户经理")


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


def assign(candidates: pd.DataFrame, staff: pd.DataFrame, cfg: CapacityConfig):
    """Assign the candidates (one row each, in customer_id order; columns score, urgency,
    remote_staff_id, branch_id, prev_staff_id) to RMs, in score order: score, then urgency (both
    descending), then customer_id.

    Returns (staff_id, rank, refused, tasks): per candidate the RM (None when refused) and the rank
    within that RM (0 when refused); refused as three columns (positions, staff_id or None, Block);
    tasks the positions given an RM, by staff_id and rank. Columnar: a large bank has ~10⁵–10⁶ candidates a
    day; only the long tail (customers without an RM of their own) is walked one by one."""
    n = len(candidates)
    caps = capacities(staff, cfg)
    remote_by_branch: dict[str, list[str]] = defaultdict(list)
    for row in staff.sort_values("staff_id").itertuples():
        if row.role == "remote_rm":
            remote_by_branch[row.branch_id].append(row.staff_id)
    if not pd.Index(candidates["customer_id"]).is_monotonic_increasing:
        raise ValueError("assign: the candidates must come in customer_id order")
    # score order; the row position breaks ties as the customer_id does
    order = np.lexsort((np.arange(n), -candidates["urgency"].to_numpy(float),
                        -candidates["score"].to_numpy(float)))
    rm_of = candidates["remote_staff_id"].to_numpy(object)
    staff_of = np.full(n, None, dtype=object)
    refused: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []   # parts of the three columns

    # an RM's own customers first: the best daily_capacity of them (each RM on its own)
    own = candidates["remote_staff_id"].isin(list(caps)).to_numpy()
    mine = order[own[order]]
    if len(mine):
        rms = pd.Series(rm_of[mine])
        nth = rms.groupby(rms, sort=False).cumcount().to_numpy()
        fits = nth < rms.map(caps).to_numpy()
        staff_of[mine[fits]] = rm_of[mine[fits]]
        over = mine[~fits]
        refused.append((over, rm_of[over], np.full(len(over), OVER_CAPACITY, object)))
    load: dict[str, int] = defaultdict(int)
    load.update(pd.Series(staff_of[own]).value_counts().to_dict())

    # then the long tail fills the room left, one by one
    branch = candidates["branch_id"].to_numpy(object)
    prev_of = candidates["prev_staff_id"].to_numpy(object)
    tail_refused: list[tuple[int, Block]] = []
    full: set[str] = set()   # branches whose remote RMs have no room left (loads only grow)
    for i in order[~own[order]].tolist():
        rms = remote_by_branch.get(branch[i], [])
        if not rms:
            tail_refused.append((i, NO_REMOTE_RM))
            continue
        room = [rm for rm in rms if load[rm] < caps[rm]] if branch[i] not in full else []
        if not room:
            full.add(branch[i])
            tail_refused.append((i, OVER_CAPACITY))
            continue
        prev = prev_of[i]
        rm = prev if prev in room else min(room, key=lambda r: _balance_key(r, load[r], caps[r], cfg))
        load[rm] += 1
        staff_of[i] = rm

    refused.append((np.array([i for i, _ in tail_refused], np.int64), np.full(len(tail_refused), None, object),
                    np.array([b for _, b in tail_refused], object)))
    refused_columns = tuple(np.concatenate(part) for part in zip(*refused))

    # rank within an RM: the score order
    rank = np.zeros(n, dtype=np.int64)
    given = order[pd.notna(staff_of[order])]
    if not len(given):
        return staff_of, rank, refused_columns, []
    by_rm = pd.DataFrame({"staff_id": staff_of[given], "position": given})
    by_rm = by_rm.sort_values("staff_id", kind="stable")   # within an RM, still in score order
    rank[by_rm["position"].to_numpy()] = by_rm.groupby("staff_id", sort=False).cumcount().to_numpy() + 1
    return staff_of, rank, refused_columns, by_rm["position"].tolist()
