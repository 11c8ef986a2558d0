"""Quota cascade (指标分解): branch → team → RM, weighted by tenure, exact to the fen.

Each level is split by weight with the largest-remainder method, so the parts always add up to the
whole (no fen lost or invented by rounding). An RM hired less than a year before the campaign starts
carries ``junior_weight`` (default 0.5), one of a year or more carries 1.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

FEN = Decimal("0.01")
QUOTA_ROLES = ("remote_rm", "rm")  # the sales staff who carry quotas


@dataclass(frozen=True)
class Seller:
    staff_id: str
    branch_id: str
    team: str
    hired_on: dt.date


def tenure_weight(hired_on: dt.date, start: dt.date, junior_weight: Decimal) -> Decimal:
    """One year or more on the start day (hired on or before the same date a year earlier) counts 1."""
    try:
        anniversary = hired_on.replace(year=hired_on.year + 1)
    except ValueError:  # hired on 29 Feb
        anniversary = dt.date(hired_on.year + 1, 3, 1)
    return Decimal(1) if anniversary <= start else Decimal(junior_weight)


def split(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split ``total`` by ``weights`` to the fen; parts add up to ``total`` exactly.

    Ties in the remainders go to the key that sorts first, so the result is deterministic."""
    total = Decimal(total).quantize(FEN)
    positive = {k: Decimal(w) for k, w in weights.items() if Decimal(w) > 0}
    if not positive:
        return {k: Decimal("0.00") for k in weights}
    wsum = sum(positive.values())
    exact = {k: total * w / wsum for k, w in positive.items()}
    floors = {k: v.quantize(FEN, rounding=ROUND_DOWN) for k, v in exact.items()}
    left = int(((total - sum(floors.values())) / FEN).to_integral_value())
    for k in sorted(positive, key=lambda k: (-(exact[k] - floors[k]), k))[:left]:
        floors[k] += FEN
    return {k: floors.get(k, Decimal("0.00")) for k in weights}


@dataclass(frozen=True)
class Cascade:
    teams: dict[tuple[str, str], Decimal]      # (branch_id, team) → amount
    sellers: dict[str, Decimal]                # staff_id → amount


def cascade(branch_amounts: dict[str, Decimal], sellers: list[Seller], start: dt.date,
            junior_weight: Decimal = Decimal("0.5")) -> Cascade:
    """Branch quotas → team quotas (by the summed weight of each team's sellers) → RM quotas."""
    weight = {s.staff_id: tenure_weight(s.hired_on, start, junior_weight) for s in sellers}
    by_team: dict[tuple[str, str], list[Seller]] = defaultdict(list)
    for s in sellers:
        by_team[(s.branch_id, s.team or "")].append(s)
    teams: dict[tuple[str, str], Decimal] = {}
    rms: dict[str, Decimal] = {}
    for branch_id, amount in sorted(branch_amounts.items()):
        keys = sorted(k for k in by_team if k[0] == branch_id)
        team_weights = {k[1]: sum(weight[s.staff_id] for s in by_team[k]) for k in keys}
        for team, team_amount in split(amount, team_weights).items():
            teams[(branch_id, team)] = team_amount
            members = by_team[(branch_id, team)]
            rms.update(split(team_amount, {s.staff_id: weight[s.staff_id] for s in members}))
    return Cascade(teams, rms)
