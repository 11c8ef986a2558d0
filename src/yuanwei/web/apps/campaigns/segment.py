"""Campaign target lists from a segment of the published customers, suitability-checked.

Filters: tier, persona, familiarity, minimum AUM, holding a product category, a signal on the latest
run, a minimum of credits over the last 30 days. A customer is a target only when at least one of
the campaign's products is suitable for them (DESIGN §5, the same rule the daily run applies).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from yuanwei.web.apps.customers.models import Customer, Flow, Holding, Product, Signal


def _offers_cfg():
    from django.conf import settings

    from yuanwei.engine.tasks.config import load_tasks_config

    return load_tasks_config(settings.HOME.rules_file).offers


def build_targets(segment: dict, product_ids: list[str], day: dt.date, branch_id: str = "") -> list[tuple[str, str, float]]:
    """(customer_id, staff_id, score) of every customer in the segment with a suitable product;
    the score (AUM in ten-thousands) orders the best targets first. Funds for the minimum amount
    check are the customer's AUM (money they could move into the product)."""
    from yuanwei.engine.tasks.offers import unsuitable

    qs = Customer.objects.all()
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if segment.get("tiers"):
        qs = qs.filter(tier__in=segment["tiers"])
    if segment.get("personas"):
        qs = qs.filter(persona__in=segment["personas"])
    if segment.get("familiarity"):
        qs = qs.filter(familiarity__in=segment["familiarity"])
    if segment.get("min_aum"):
        qs = qs.filter(aum__gte=Decimal(str(segment["min_aum"])))
    if segment.get("holds_category"):
        qs = qs.filter(customer_id__in=Holding.objects.filter(category=segment["holds_category"])
                       .values("customer_id"))
    if segment.get("signal"):
        latest = Signal.objects.order_by("-date").values_list("date", flat=True).first()
        qs = qs.filter(customer_id__in=Signal.objects.filter(date=latest, rule=segment["signal"]).values("customer_id"))
    if segment.get("min_credits_30d"):
        since = day - dt.timedelta(days=30)
        credited = (Flow.objects.filter(booked_at__date__gte=since, amount__gt=0).exclude(kind="interest")
                    .values("customer_id").annotate(total=Sum("amount"))
                    .filter(total__gte=Decimal(str(segment["min_credits_30d"]))).values("customer_id"))
        qs = qs.filter(customer_id__in=credited)
    products = list(Product.objects.filter(product_id__in=product_ids).values(
        "product_id", "category", "risk_rating", "min_amount"))
    cfg = _offers_cfg()
    out = []
    for c in qs.exclude(do_not_disturb=True).values(
            "customer_id", "risk_level", "risk_assessed_on", "age", "aum", "current", "remote_staff_id",
            "owner_staff_id").order_by("customer_id"):
        funds = Decimal(c["aum"] or 0)
        if any(unsuitable(p, c, day, funds, cfg) is None for p in products):
            score = float(Decimal(c["aum"] or 0) / 10_000)
            out.append((c["customer_id"], c["remote_staff_id"] or c["owner_staff_id"] or "", score))
    return sorted(out, key=lambda t: (-t[2], t[0]))

