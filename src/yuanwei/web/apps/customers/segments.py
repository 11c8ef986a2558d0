"""Segments (客群筛选) of the published customers, shared by campaigns and events, and the
suitability check the daily run applies (engine/tasks/offers.unsuitable), for target lists.

A segment is a dict: tiers, personas, familiarity (lists), min_aum, holds_category, signal (a rule id
on the latest run), min_credits_30d, consent_only. Customers who asked not to be disturbed are never
in a segment.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum

from .models import Customer, Flow, Holding, Signal


def segment_queryset(base: QuerySet[Customer], segment: dict, day: dt.date | None = None) -> QuerySet[Customer]:
    qs = base.exclude(do_not_disturb=True)
    if segment.get("tiers"):
        qs = qs.filter(tier__in=segment["tiers"])
    if segment.get("personas"):
        qs = qs.filter(persona__in=segment["personas"])
    if segment.get("familiarity"):
        qs = qs.filter(familiarity__in=segment["familiarity"])
    if segment.get("min_aum") not in (None, ""):
        qs = qs.filter(aum__gte=Decimal(str(segment["min_aum"])))
    if segment.get("holds_category"):
        qs = qs.filter(customer_id__in=Holding.objects.filter(category=segment["holds_category"])
                       .values("customer_id"))
    if segment.get("signal"):
        latest = Signal.objects.order_by("-date").values_list("date", flat=True).first()
        qs = qs.filter(customer_id__in=Signal.objects.filter(date=latest, rule=segment["signal"])
                       .values("customer_id"))
    if segment.get("min_credits_30d") not in (None, "") and day is not None:
        credited = (Flow.objects.filter(booked_at__date__gte=day - dt.timedelta(days=30), amount__gt=0)
                    .exclude(kind="interest").values("customer_id").annotate(total=Sum("amount"))
                    .filter(total__gte=Decimal(str(segment["min_credits_30d"]))).values("customer_id"))
        qs = qs.filter(customer_id__in=credited)
    if segment.get("consent_only"):
        qs = qs.filter(marketing_consent=True)
    return qs


def offers_config():
    """The suitability settings of the daily run (the `tasks:` section of the rules file)."""
    from django.conf import settings

    from yuanwei.engine.tasks.config import load_tasks_config

    return load_tasks_config(settings.HOME.rules_file).offers


def suitable(products: list[dict], customer: dict, day: dt.date, cfg) -> bool:
    """Whether at least one of ``products`` may be offered to ``customer`` on ``day`` (DESIGN §5).
    Funds for the minimum amount are the customer's AUM (money they could move into the product)."""
    from yuanwei.engine.tasks.offers import unsuitable

    funds = Decimal(customer["aum"] or 0)
    return any(unsuitable(p, customer, day, funds, cfg) is None for p in products)
