"""Campaign target lists: the segment's customers (customers/segments.py) for whom at least one of
the campaign's products is suitable, best (highest AUM) first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yuanwei.web.apps.customers.models import Customer, Product
from yuanwei.web.apps.customers.segments import offers_config, segment_queryset, suitable


def build_targets(segment: dict, product_ids: list[str], day: dt.date, branch_id: str = "") -> list[tuple[str, str, float]]:
    """(customer_id, staff_id, score) of every suitable customer in the segment; the score (AUM in
    ten-thousands) orders the best targets first."""
    base = Customer.objects.filter(branch_id=branch_id) if branch_id else Customer.objects.all()
    products = list(Product.objects.filter(product_id__in=product_ids).values(
        "product_id", "category", "risk_rating", "min_amount"))
    cfg = offers_config()
    out = []
    for c in segment_queryset(base, segment, day).values(
            "customer_id", "risk_level", "risk_assessed_on", "age", "aum", "remote_staff_id",
            "owner_staff_id").order_by("customer_id"):
        if suitable(products, c, day, cfg):
            out.append((c["customer_id"], c["remote_staff_id"] or c["owner_staff_id"] or "",
                        float(Decimal(c["aum"] or 0) / 10_000)))
    return sorted(out, key=lambda t: (-t[2], t[0]))
