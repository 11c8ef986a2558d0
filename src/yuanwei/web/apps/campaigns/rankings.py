"""Leaderboards: credited amount, number of sales and quota % by RM, team or branch, for a day or the
whole period; branch-versus-branch PK against the branch quotas."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from yuanwei.web.apps.accounts.models import StaffProfile
from yuanwei.web.apps.customers.models import Branch

from . import credit
from .models import Campaign, Quota, SaleCredit

LEVEL_FIELD = {"rm": "staff_id", "team": "team", "branch": "branch_id"}


def leaderboard(campaign: Campaign, by: str = "rm", day: dt.date | None = None,
                staff_ids: list[str] | None = None) -> list[dict]:
    """Rows sorted by credited amount (then count, then name): rank, key, name, amount, count,
    quota, pct, score. ``day`` limits to that day's sales; ``staff_ids`` to a scope."""
    field = LEVEL_FIELD[by]
    credits = SaleCredit.objects.filter(campaign=campaign)
    if day is not None:
        credits = credits.filter(sale__sold_on=day)
    if staff_ids is not None:
        credits = credits.filter(staff_id__in=staff_ids)
    keys = ["branch_id", "team"] if by == "team" else [field]
    agg = {tuple(r[k] for k in keys): r for r in credits.values(*keys).annotate(amount=Sum("amount"), count=Count("id"))}
    level = {"rm": Quota.RM, "team": Quota.TEAM, "branch": Quota.BRANCH}[by]
    quotas = {}
    for q in Quota.objects.filter(campaign=campaign, level=level):
        key = (q.branch_id, q.team) if by == "team" else ((q.staff_id,) if by == "rm" else (q.branch_id,))
        if staff_ids is not None and by == "rm" and q.staff_id not in staff_ids:
            continue
        quotas[key] = q.amount
    names = _names(by)
    rows = []
    for key in set(agg) | set(quotas):
        amount = Decimal(agg.get(key, {}).get("amount") or 0)
        quota = quotas.get(key)
        label = names.get(key[-1] if by != "team" else key, None)
        rows.append({"key": "/".join(key), "name": label or (key[-1] or "（未分组）"),
                     "branch": names.get(key[0]) if by == "team" else "",
                     "amount": amount, "count": agg.get(key, {}).get("count", 0), "quota": quota,
                     "pct": credit.quota_pct(amount, quota),
                     "score": credit.score(amount, quota, campaign.shortfall_deduction)})
    rows.sort(key=lambda r: (-r["amount"], -r["count"], r["key"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def _names(by: str) -> dict:
    if by == "rm":
        return dict(StaffProfile.objects.values_list("staff_id", "name"))
    branches = dict(Branch.objects.values_list("branch_id", "name"))
    if by == "team":
        return {**branches, **{(b, t): f"{branches.get(b, b)} {t}" for b, t in
                               StaffProfile.objects.values_list("branch_id", "team").distinct()}}
    return branches


def daily_history(campaign: Campaign, by: str = "branch") -> dict[str, list]:
    """Credited amount per day per key, for the PK chart: {"days": [...], "series": {name: [...]}}."""
    field = LEVEL_FIELD[by]
    rows = (SaleCredit.objects.filter(campaign=campaign).values("sale__sold_on", field)
            .annotate(amount=Sum("amount")).order_by("sale__sold_on"))
    days = sorted({r["sale__sold_on"] for r in rows})
    names = _names(by)
    series: dict[str, list] = defaultdict(lambda: [0.0] * len(days))
    for r in rows:
        series[names.get(r[field], r[field])][days.index(r["sale__sold_on"])] = float(r["amount"])
    return {"days": [d.isoformat() for d in days], "series": dict(series)}
